"""KMS-encrypted log groups with an explicit retention, named under this stack's own prefix.

Every log group of the stack lives under `/private-bedrock/<stack>/`, so the log key can
limit CloudWatch Logs to exactly those groups (kms:EncryptionContext:aws:logs:arn) without
naming each one, and a group added later is covered without touching the key policy.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

LOG_GROUP_ROOT = "/private-bedrock"


def log_group_prefix(stack_name: str) -> str:
    """The name prefix every log group of `stack_name` carries (ends with '/')."""
    return f"{LOG_GROUP_ROOT}/{stack_name}/"


def encrypted_log_group(scope: Construct, id: str, *, key: kms.IKey, retention_days: int, removal_policy: RemovalPolicy) -> logs.LogGroup:
    stack = Stack.of(scope)
    # The construct path below the stack makes the name unique and stable across synths.
    relative = "/".join(c.node.id for c in scope.node.scopes if c is not stack and not isinstance(c, Stack) and c.node.id)
    name = log_group_prefix(stack.stack_name) + "/".join(p for p in (relative, id) if p)
    group = logs.LogGroup(scope, id, log_group_name=name, encryption_key=key, removal_policy=removal_policy)
    # RetentionDays is a name-valued enum; the day count (validated in config) goes on the L1.
    cfn = group.node.default_child
    assert isinstance(cfn, logs.CfnLogGroup)
    cfn.retention_in_days = retention_days
    return group
