"""The CDK feature flags this app is written against, set in code rather than in cdk.json.

They are part of the app, not of a deployment's configuration: every synthesis (the CLI,
the tests' in-process apps, a user's edited cdk.json) gets the same construct behaviour.
`cdk.App(context=...)` gives them lowest precedence, so a flag a user sets in cdk.json or
with -c still wins, as CDK documents.
"""

from __future__ import annotations

FEATURE_FLAGS: dict[str, object] = {
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/core:checkSecretUsage": True,
    "@aws-cdk/core:target-partitions": ["aws"],
    # Strips the default security group of its rules (a custom resource at deploy time).
    "@aws-cdk/aws-ec2:restrictDefaultSecurityGroup": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/core:validateSnapshotRemovalPolicy": True,
    "@aws-cdk/aws-kms:aliasNameRef": True,
    "@aws-cdk/core:enablePartitionLiterals": True,
}
