"""The connectivity probe: its Lambda construct, its code asset and the bundling of its wheels (its runtime is lambda_src/probe/)."""
