"""Configuration: the CDK context read and validated once into typed, immutable slices (ConfigError names the value and the fix)."""
