"""AWS facts as data: Bedrock regions and their inference profiles, the model catalog, the capabilities and their actions."""
