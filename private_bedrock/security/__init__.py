"""Hardening: encrypted log groups and their key, cdk-nag acknowledgements, buckets, the bootstrap-version rule and the workload policy."""
