"""KMS-encrypted log groups with an explicit retention (shared by network and probe)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct


def encrypted_log_group(scope: Construct, id: str, *, key: kms.IKey, retention_days: int, removal_policy: RemovalPolicy) -> logs.LogGroup:
    group = logs.LogGroup(scope, id, encryption_key=key, removal_policy=removal_policy)
    # RetentionDays is a name-valued enum; the day count (validated in config) goes on the L1.
    cfn = group.node.default_child
    assert isinstance(cfn, logs.CfnLogGroup)
    cfn.retention_in_days = retention_days
    return group
