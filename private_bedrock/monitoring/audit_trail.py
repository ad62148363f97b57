"""MantleAuditTrail (optional): CloudTrail data events of bedrock-mantle (and, with server-side
tools, of web search) to an encrypted bucket.

Mantle inference is a CloudTrail data event (off by default in every trail), so an account
without an organisation trail that logs it has no record of who called which model. This
trail logs only those data events, in this region, with log file validation.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from private_bedrock.policies.monitoring import trail_key_use_statements
from private_bedrock.policies.key import key_policy
from private_bedrock.security.buckets import access_log_bucket, private_bucket
from private_bedrock.security.nag import acknowledge_compliance, skip_checkov, skip_scanners

# bedrock-mantle's data-event resource types for advanced event selectors (the Bedrock
# user guide, "Monitor bedrock-mantle API calls using CloudTrail"; names as CloudTrail lists them).
MANTLE_DATA_RESOURCE_TYPES = ("AWS::BedrockMantle::Project", "AWS::BedrockMantle::CustomizedModel", "AWS::BedrockMantle::Reservation")
# The web search tool the Responses API runs server-side (serverSideTools): its calls are data
# events of this resource type (aws-facts, third round; [field] like the mantle names above: a
# deploy fails with "invalid resources.type" if CloudTrail names it otherwise).
WEB_SEARCH_DATA_RESOURCE_TYPE = "AWS::BedrockWebSearch::Tool"


def data_resource_types(web_search: bool) -> tuple[str, ...]:
    return MANTLE_DATA_RESOURCE_TYPES + ((WEB_SEARCH_DATA_RESOURCE_TYPE,) if web_search else ())


def mantle_event_selectors(web_search: bool = False) -> list[dict]:
    """One selector per resource type: CloudTrail takes one resources.type value per selector."""
    return [
        {
            "Name": f"{'web search' if t == WEB_SEARCH_DATA_RESOURCE_TYPE else 'bedrock-mantle'} data events: {t.rsplit('::', 1)[1]}",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": [t]},
            ],
        }
        for t in data_resource_types(web_search)
    ]


@dataclass(frozen=True)
class MantleAuditTrailProps:
    retention_days: int  # how long the bucket keeps trail files
    key_admin_arns: tuple[str, ...] = ()  # keyAdminArns: who alone may disable or delete the trail key
    web_search: bool = False  # serverSideTools: also the web search tool's data events


class MantleAuditTrail(Construct):
    def __init__(self, scope: Construct, id: str, *, props: MantleAuditTrailProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        # Named, so the key policy can name the trail without a dependency cycle.
        self.trail_name = f"{stack.stack_name}-mantle-audit"
        # The L1, as for the log key: kms.Key would give the account root "kms:*", mixing
        # administration with reading the audit files. Administration apart from use
        # (private_bedrock/policies/key.py); use: CloudTrail for this trail, readers of its files.
        key = kms.CfnKey(
            self,
            "Key",
            description="Encrypts the bedrock-mantle audit trail",
            enable_key_rotation=True,
            key_policy=key_policy(stack.account, trail_key_use_statements(stack.region, stack.account, self.trail_name), props.key_admin_arns),
        )
        key.apply_removal_policy(RemovalPolicy.RETAIN)  # the audit files stay readable after the stack
        self.key: kms.IKey = kms.Key.from_key_arn(self, "KeyRef", key.attr_arn)
        # Who read the audit files: S3 server access logs.
        self.access_logs = access_log_bucket(self, "AccessLogs", logged="the audit bucket", retention_days=props.retention_days)
        # Retained (private_bucket): audit evidence outlives the stack.
        self.bucket = private_bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="audit-trail/",
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(props.retention_days), noncurrent_version_expiration=Duration.days(30))],
        )
        self.trail = cloudtrail.Trail(
            self,
            "Trail",
            trail_name=self.trail_name,
            bucket=self.bucket,
            encryption_key=self.key,
            enable_file_validation=True,
            include_global_service_events=False,
            is_multi_region_trail=False,
            send_to_cloud_watch_logs=False,
        )
        cfn = self.trail.node.default_child
        assert isinstance(cfn, cloudtrail.CfnTrail)
        # Advanced selectors replace basic ones (a trail takes one kind or the other).
        cfn.add_property_override("AdvancedEventSelectors", mantle_event_selectors(props.web_search))
        cfn.add_property_deletion_override("EventSelectors")
        for bucket in (self.bucket, self.access_logs):
            acknowledge_compliance(bucket, "S3BucketReplicationEnabled", "Single-region audit archive, versioned and retained on stack deletion; replicate it with your organisation's backup policy if required.")
        acknowledge_compliance(
            self.trail,
            "CloudTrailCloudWatchLogsEnabled",
            "The trail is an archive of bedrock-mantle data events in S3 with log file validation; streaming them to CloudWatch Logs as well would double the ingestion cost.",
            guard=["cloud_trail_cloud_watch_logs_enabled_check"],
        )
        skip_checkov(
            self.trail,
            "CKV_AWS_67",
            "A regional trail of this region's bedrock-mantle (and web search) data events only: each region's stack has its own, and the organisation's multi-region trail for management events is not this app's to create.",
        )
        skip_scanners(
            self.bucket,
            "Object Lock cannot be switched off once on, and its mode and period are the organisation's records-retention decision; CloudTrail's digest files (log file validation) prove whether any log file was changed or deleted.",
            guard=["s3_bucket_object_lock_enabled_check"],
        )
