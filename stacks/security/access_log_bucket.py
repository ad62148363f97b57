"""access_log_bucket: where a bucket's S3 server access logs go (who read the objects, and when).

S3 server access logging delivers only to buckets encrypted with SSE-S3, and the log bucket
itself is not logged again (that would recurse): both are acknowledged here, once, for every
bucket of the app that keeps access logs (the audit trail's, the fleet's asset buckets).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.security.nag import acknowledge, acknowledge_compliance

NONCURRENT_DAYS = 30


def access_log_bucket(scope: Construct, id: str, *, logged: str, retention_days: int) -> s3.Bucket:
    """A private, TLS-only, versioned, retained bucket for the access logs of `logged` (a phrase)."""
    bucket = s3.Bucket(
        scope,
        id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        removal_policy=RemovalPolicy.RETAIN,
        lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(retention_days), noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS))],
    )
    recursion = f"This bucket receives {logged}'s server access logs; logging it again would recurse."
    acknowledge(bucket, "AwsSolutions-S1", recursion)
    acknowledge_compliance(bucket, "S3BucketLoggingEnabled", recursion)
    acknowledge_compliance(bucket, "S3DefaultEncryptionKMS", "S3 server access logging delivers only to buckets encrypted with SSE-S3.")
    return bucket
