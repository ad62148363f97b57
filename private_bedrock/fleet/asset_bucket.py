"""FleetAssetBucket: one region's copy of the probe's code, readable by the organisation only.

A StackSet does not carry CDK assets: the probe functions in every member account are created
from an S3 object, and Lambda reads that object from a bucket in the function's own region.
So each target region gets one bucket in the administrator account, named
`<assetBucketPrefix>-<region>` (the name cdk-stacksets' StackSetStack writes into the
delivered template as `Fn::Join [prefix, AWS::Region]`).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from private_bedrock.policies.fleet import asset_bucket_statements
from private_bedrock.security.buckets import access_log_bucket, private_bucket
from private_bedrock.security.nag import acknowledge_compliance, skip_scanners

# Old versions of a re-published zip stay readable this long (a StackSet operation that is
# still rolling out to the last accounts may need the previous object).
NONCURRENT_DAYS = 30
ACCESS_LOG_DAYS = 365


@dataclass(frozen=True)
class FleetAssetBucketProps:
    bucket_name: str
    organization_id: str


class FleetAssetBucket(Construct):
    def __init__(self, scope: Construct, id: str, *, props: FleetAssetBucketProps) -> None:
        super().__init__(scope, id)
        # Who read the code: S3 server access logs.
        self.access_logs = access_log_bucket(self, "AccessLogs", logged="the asset bucket", retention_days=ACCESS_LOG_DAYS)
        # Retained (private_bucket): deployed probe functions keep their own copy of the code,
        # but the StackSet's next instance (a new account under auto-deployment) reads it here.
        self.bucket = private_bucket(
            self,
            "Bucket",
            bucket_name=props.bucket_name,
            # SSE-S3, not a customer key: every member account's CloudFormation role reads the
            # objects, and a KMS key would need a grant to the whole organisation as well.
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="assets/",
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS))],
        )
        for st in asset_bucket_statements(self.bucket.bucket_arn, props.organization_id):
            self.bucket.add_to_resource_policy(iam.PolicyStatement.from_json(st))
        acknowledge_compliance(
            self.bucket,
            "S3DefaultEncryptionKMS",
            "Read by the StackSet execution role of every member account: SSE-S3 avoids a KMS grant to the whole organisation; the objects are the probe's code, integrity (versioning, org-only read) matters, not secrecy.",
            guard=["s3_bucket_default_encryption_kms_check"],
        )
        skip_scanners(
            self.bucket,
            "The objects are the probe's code, re-published by every `cdk deploy`; versioning and the organisation-only bucket policy keep them intact, and write-once retention would only pin superseded code.",
            guard=["s3_bucket_object_lock_enabled_check"],
        )
        for bucket in (self.bucket, self.access_logs):
            acknowledge_compliance(
                bucket,
                "S3BucketReplicationEnabled",
                "Each target region has its own copy, re-published from the source by `cdk deploy`; replication would add nothing.",
            )
