"""The app's S3 buckets: one hardening for all of them, and where their access logs go.

Every bucket the app creates (the audit trail's, the fleet's asset buckets, and the buckets
that receive their server access logs) is never public, TLS only, versioned and kept when its
stack is deleted; `private_bucket` writes that once, and each caller adds what differs
(encryption, object ownership, logging, lifecycle).

S3 server access logging delivers only to buckets encrypted with SSE-S3, and the log bucket
itself is not logged again (that would recurse): both are acknowledged in `access_log_bucket`,
once, for every bucket of the app that keeps access logs. No bucket sends event
notifications (Control Tower's CT.S3.PR.4): acknowledged once in `private_bucket`.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from private_bedrock.security.nag import acknowledge, acknowledge_compliance, skip_scanners

NONCURRENT_DAYS = 30


def private_bucket(scope: Construct, id: str, **settings: Any) -> s3.Bucket:
    """A bucket that is never public, accepts only TLS, keeps old versions and is retained
    (its objects are evidence or code that outlive a stack); `settings` are the rest of
    s3.Bucket's properties."""
    bucket = s3.Bucket(
        scope,
        id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        removal_policy=RemovalPolicy.RETAIN,
        **settings,
    )
    skip_scanners(
        bucket,
        "Nothing in the app reacts to object events: objects are written only by CloudFormation, CloudTrail or S3 log delivery, and who read or wrote one is in the server access logs; a notification target nobody consumes would add cost, not evidence.",
        guard=["s3_event_notifications_enabled_check"],
    )
    return bucket


def access_log_bucket(scope: Construct, id: str, *, logged: str, retention_days: int) -> s3.Bucket:
    """A private bucket for the access logs of `logged` (a phrase), kept `retention_days`."""
    bucket = private_bucket(
        scope,
        id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(retention_days), noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS))],
    )
    recursion = f"This bucket receives {logged}'s server access logs; logging it again would recurse."
    acknowledge(bucket, "AwsSolutions-S1", recursion)
    acknowledge_compliance(bucket, "S3BucketLoggingEnabled", recursion, checkov=["CKV_AWS_18"], guard=["s3_bucket_logging_enabled_check"])
    acknowledge_compliance(
        bucket, "S3DefaultEncryptionKMS", "S3 server access logging delivers only to buckets encrypted with SSE-S3.", guard=["s3_bucket_default_encryption_kms_check"]
    )
    # S3 user guide, "Enabling Amazon S3 server access logging" (read 2026-12-03): the
    # destination bucket must not have an Object Lock default retention period.
    skip_scanners(
        bucket,
        "S3 server access logging cannot deliver to a bucket with an Object Lock default retention period; the logs expire by lifecycle instead.",
        guard=["s3_bucket_object_lock_enabled_check"],
    )
    return bucket
