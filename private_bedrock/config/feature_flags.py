"""The CDK feature flags this app is built and reviewed with, set in code.

They used to live in cdk.json, which only the CLI reads: an in-process synth (the tests)
built different templates. Set here, every synth gets them; a value in cdk.json or `-c`
still wins (the app only fills flags nobody set).
"""

from __future__ import annotations

from typing import Any, Mapping

FEATURE_FLAGS: Mapping[str, Any] = {
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/core:checkSecretUsage": True,
    "@aws-cdk/core:target-partitions": ["aws"],
    "@aws-cdk/aws-ec2:restrictDefaultSecurityGroup": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/core:validateSnapshotRemovalPolicy": True,
    "@aws-cdk/aws-kms:aliasNameRef": True,
    "@aws-cdk/core:enablePartitionLiterals": True,
    # Server access logs are delivered by a bucket-policy grant to logging.s3.amazonaws.com
    # (conditioned on the source bucket and account), not the legacy LogDeliveryWrite ACL
    # (cfn-lint W3045); the fleet's and the audit trail's access-log buckets.
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
}
