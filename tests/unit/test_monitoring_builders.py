"""The monitoring's pure policy builders (private_bedrock/policies/monitoring.py) as data: who
may start the probes, publish alarms and use the topic and trail keys, synth-free."""

from __future__ import annotations

from private_bedrock.policies.monitoring import (
    alarm_key_statement,
    alarm_publish_statement,
    scheduler_policy,
    scheduler_trust_conditions,
    trail_key_use_statements,
)

ACCOUNT = "123456789012"
PROBE = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:ProbeInVpc"
TWIN = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:ProbeOutsideVpc"
TOPIC = f"arn:aws:sns:eu-west-1:{ACCOUNT}:alarms"


def test_the_scheduler_invokes_the_two_probes_by_exact_arn_and_nothing_else() -> None:
    assert scheduler_policy([PROBE, TWIN]) == {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "InvokeTheProbes", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [PROBE, TWIN]}],
    }
    # One function is written as a single ARN, not a list of one.
    assert scheduler_policy([PROBE])["Statement"][0]["Resource"] == PROBE


def test_only_schedules_of_this_account_assume_the_scheduler_role() -> None:
    assert scheduler_trust_conditions(ACCOUNT) == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_only_this_accounts_alarms_in_this_region_publish_to_the_topic() -> None:
    assert alarm_publish_statement("eu-west-1", ACCOUNT, TOPIC) == {
        "Sid": "CloudWatchAlarmsOfThisAccountPublish", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": "sns:Publish", "Resource": TOPIC,
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT}:alarm:*"}},
    }


def test_cloudwatch_may_only_decrypt_and_generate_data_keys_with_the_topic_key() -> None:
    assert alarm_key_statement() == {
        "Sid": "CloudWatchAlarmsUseTheTopicKey", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
    }


def test_cloudtrail_encrypts_only_this_trail_and_the_account_reads_only_this_trails_files() -> None:
    this_trail = {"aws:SourceArn": f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/private-bedrock"}
    assert trail_key_use_statements("eu-west-1", ACCOUNT, "private-bedrock") == [
        {
            "Sid": "CloudTrailEncryptsThisTrail", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*", "Resource": "*",
            "Condition": {"StringEquals": this_trail, "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"}},
        },
        {
            "Sid": "CloudTrailDescribesTheKey", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:DescribeKey", "Resource": "*", "Condition": {"StringEquals": this_trail},
        },
        {
            "Sid": "ThisAccountReadsThisTrailsFiles", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": ["kms:Decrypt", "kms:ReEncryptFrom"], "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": ACCOUNT},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/private-bedrock"},
            },
        },
    ]
