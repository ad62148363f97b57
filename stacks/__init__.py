"""The deployable units of the app: the regional, fleet and organisation-fence stacks, each composing private_bedrock constructs."""
