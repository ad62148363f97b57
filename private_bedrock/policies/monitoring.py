"""Pure policy builders of the monitoring: who may start the probes, publish alarms, use the key.

No constructs here. Each document is built from one list of grants (`Grant`, private_bedrock/policies/statements.py), so a
test and the IAM matrix can read exactly what is allowed. ARNs and the account may be CDK
tokens; CDK resolves them when the dict is used.
"""

from __future__ import annotations

from typing import Sequence

from private_bedrock.policies.statements import Grant, allow

PARTITION = "aws"
# What CloudWatch needs on the topic's key to publish an alarm to an encrypted topic
# (AWS re:Post "cloudwatch-configure-alarm-sns"). Adding kms:CallerAccount or similar
# conditions makes delivery fail (re:Post question on kms:CallerAccount), so the
# statement is narrowed by principal and actions instead.
ALARM_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*")


def scheduler_grants(function_arns: Sequence[str]) -> list[Grant]:
    """The scheduler may invoke the two probe functions, by exact ARN (no versions, no aliases)."""
    return [Grant("InvokeTheProbes", ("lambda:InvokeFunction",), tuple(function_arns))]


def scheduler_policy(function_arns: Sequence[str]) -> dict:
    return {"Version": "2012-10-17", "Statement": [allow(g) for g in scheduler_grants(function_arns)]}


def scheduler_trust_conditions(account: str) -> dict:
    """Only EventBridge Scheduler schedules of this account may assume the role (confused deputy)."""
    return {"StringEquals": {"aws:SourceAccount": account}}


def alarm_publish_grant(region: str, account: str, topic_arn: str) -> Grant:
    """CloudWatch alarms of this account and region may publish to the alarm topic."""
    return Grant(
        "CloudWatchAlarmsOfThisAccountPublish",
        ("sns:Publish",),
        (topic_arn,),
        {
            "StringEquals": {"aws:SourceAccount": account},
            "ArnLike": {"aws:SourceArn": f"arn:{PARTITION}:cloudwatch:{region}:{account}:alarm:*"},
        },
    )


def alarm_key_grant() -> Grant:
    # In a key policy, "*" means this key.
    return Grant("CloudWatchAlarmsUseTheTopicKey", ALARM_KEY_ACTIONS, ("*",))


def alarm_key_statement() -> dict:
    return allow(alarm_key_grant(), principal={"Service": "cloudwatch.amazonaws.com"})


def alarm_publish_statement(region: str, account: str, topic_arn: str) -> dict:
    return allow(alarm_publish_grant(region, account, topic_arn), principal={"Service": "cloudwatch.amazonaws.com"})


def trail_arn(region: str, account: str, trail_name: str) -> str:
    return f"arn:{PARTITION}:cloudtrail:{region}:{account}:trail/{trail_name}"


def trail_key_grants(region: str, account: str, trail_name: str) -> list[Grant]:
    """CloudTrail may encrypt this trail's files with the key, and only for this trail
    (the key policy of the CloudTrail user guide, "Configure AWS KMS key policies for CloudTrail")."""
    this_trail = {"aws:SourceArn": trail_arn(region, account, trail_name)}
    return [
        Grant(
            "CloudTrailEncryptsThisTrail",
            ("kms:GenerateDataKey*",),
            ("*",),
            {
                "StringEquals": this_trail,
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:{PARTITION}:cloudtrail:*:{account}:trail/*"},
            },
        ),
        Grant("CloudTrailDescribesTheKey", ("kms:DescribeKey",), ("*",), {"StringEquals": this_trail}),
    ]


def trail_key_statements(region: str, account: str, trail_name: str) -> list[dict]:
    return [allow(g, principal={"Service": "cloudtrail.amazonaws.com"}) for g in trail_key_grants(region, account, trail_name)]


def trail_reader_grant(account: str, trail_name: str) -> Grant:
    """Principals of this account may decrypt this trail's files, when IAM also lets them
    (the key policy of the CloudTrail user guide, "Enable CloudTrail log decrypt permissions",
    narrowed from every trail of the account to this one)."""
    return Grant(
        "ThisAccountReadsThisTrailsFiles",
        ("kms:Decrypt", "kms:ReEncryptFrom"),
        ("*",),
        {
            "StringEquals": {"kms:CallerAccount": account},
            "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:{PARTITION}:cloudtrail:*:{account}:trail/{trail_name}"},
        },
    )


def trail_key_use_statements(region: str, account: str, trail_name: str) -> list[dict]:
    """Every use of the trail key: CloudTrail writes this trail, the account's principals read it."""
    return [*trail_key_statements(region, account, trail_name), allow(trail_reader_grant(account, trail_name), principal={"AWS": f"arn:{PARTITION}:iam::{account}:root"})]

