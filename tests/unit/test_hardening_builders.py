"""Pure builders of issue 9 §3/§7: the DNS allow list and the log key's policy."""

from __future__ import annotations

from private_bedrock.network.dns_names import allow_list, required_names
from private_bedrock.policies.key import ADMIN_ACTIONS, DESTRUCTIVE_ACTIONS, log_key_policy

ADMIN = "arn:aws:iam::123456789012:role/key-admin"


def test_required_names_cover_each_enabled_endpoint_and_nothing_broader() -> None:
    names = [n.domain for n in required_names("eu-central-1", ["bedrock-runtime", "bedrock-mantle"])]
    assert names == [
        "bedrock-runtime.eu-central-1.amazonaws.com",
        "*.bedrock-runtime.eu-central-1.vpce.amazonaws.com",
        "bedrock-mantle.eu-central-1.api.aws",
        "*.bedrock-mantle.eu-central-1.vpce.amazonaws.com",
        "*.eu-central-1.compute.internal",
    ]
    assert all(n.why for n in required_names("eu-central-1", ["bedrock"]))


def test_us_east_1_host_names_are_ec2_internal() -> None:
    assert allow_list("us-east-1", [])[-1] == "*.ec2.internal"


def test_users_names_are_appended_once() -> None:
    names = allow_list("us-east-1", ["bedrock-runtime"], ["corp.example.com", "bedrock-runtime.us-east-1.amazonaws.com"])
    assert names.count("bedrock-runtime.us-east-1.amazonaws.com") == 1
    assert names[-1] == "corp.example.com"


def statements(policy: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in policy["Statement"]}


def test_named_admin_alone_may_disable_or_schedule_deletion() -> None:
    st = statements(log_key_policy("us-east-1", "123456789012", "/private-bedrock/S/", [ADMIN]))
    assert st["KeyAdministration"]["Principal"] == {"AWS": ["arn:aws:iam::123456789012:root", ADMIN]}
    assert st["DisableOrDeleteKeyNamedAdminsOnly"]["Principal"] == {"AWS": ADMIN}
    assert set(st["DisableOrDeleteKeyNamedAdminsOnly"]["Action"]) >= {"kms:ScheduleKeyDeletion", "kms:DisableKey"}
    # Nobody else is granted the destructive actions anywhere in the policy.
    for sid, s in st.items():
        if sid != "DisableOrDeleteKeyNamedAdminsOnly":
            assert not set(s["Action"]) & set(DESTRUCTIVE_ACTIONS), sid


def test_without_admin_the_root_administers_and_may_retire_the_key() -> None:
    st = statements(log_key_policy("us-east-1", "123456789012", "/p/"))
    assert st["KeyAdministration"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert st["DisableOrDeleteKey"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert set(st["KeyAdministration"]["Action"]) == set(ADMIN_ACTIONS)
    assert "kms:PutKeyPolicy" in ADMIN_ACTIONS  # CloudFormation must keep managing the key


def test_logs_and_lambda_use_are_conditioned() -> None:
    st = statements(log_key_policy("eu-west-1", "123456789012", "/private-bedrock/S/"))
    logs = st["CloudWatchLogsForThisStacksLogGroupsOnly"]
    assert logs["Condition"] == {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:/private-bedrock/S/*"}}
    lam = st["LambdaEnvironmentOfThisAccountViaLambdaOnly"]
    assert lam["Condition"] == {"StringEquals": {"kms:ViaService": "lambda.eu-west-1.amazonaws.com", "kms:CallerAccount": "123456789012"}}
    assert lam["Action"] == ["kms:Decrypt", "kms:Encrypt"]
    grant = st["LambdaGrantForTheFunctionViaLambdaOnly"]
    assert grant["Action"] == ["kms:CreateGrant"] and grant["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert grant["Condition"] == {
        "StringEquals": {"kms:ViaService": "lambda.eu-west-1.amazonaws.com", "kms:CallerAccount": "123456789012"},
        "Bool": {"kms:GrantIsForAWSResource": "true"},
    }


def test_every_key_policy_ends_with_the_grant_deny() -> None:
    """CT.KMS.PR.3's statement, in the exact form the control checks (Action, Principal,
    Resource, only BoolIfExists with both keys false)."""
    (last,) = log_key_policy("eu-west-1", "123456789012", "/p/")["Statement"][-1:]
    assert last == {
        "Sid": "DenyGrantsNotForAWSResources", "Effect": "Deny", "Principal": "*", "Action": "kms:CreateGrant", "Resource": "*",
        "Condition": {"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
    }


def test_with_two_named_admins_both_and_only_they_may_disable_or_delete() -> None:
    other = "arn:aws:iam::123456789012:role/other-admin"
    st = statements(log_key_policy("eu-west-1", "123456789012", "/p/", [ADMIN, other]))
    assert st["KeyAdministration"]["Principal"] == {"AWS": ["arn:aws:iam::123456789012:root", ADMIN, other]}
    assert st["DisableOrDeleteKeyNamedAdminsOnly"]["Principal"] == {"AWS": [ADMIN, other]}


def test_the_whole_log_key_policy() -> None:
    """Administration apart from use, use only by CloudWatch Logs for this stack's log groups
    and by Lambda for this account, then the grant Deny: the document as deployed."""
    root = "arn:aws:iam::123456789012:root"
    via_lambda = {"kms:ViaService": "lambda.eu-west-1.amazonaws.com", "kms:CallerAccount": "123456789012"}
    assert log_key_policy("eu-west-1", "123456789012", "/p/", [ADMIN]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "KeyAdministration", "Effect": "Allow", "Principal": {"AWS": [root, ADMIN]}, "Action": list(ADMIN_ACTIONS), "Resource": "*"},
            {"Sid": "DisableOrDeleteKeyNamedAdminsOnly", "Effect": "Allow", "Principal": {"AWS": ADMIN},
             "Action": ["kms:DisableKey", "kms:DisableKeyRotation", "kms:ScheduleKeyDeletion"], "Resource": "*"},
            {"Sid": "CloudWatchLogsForThisStacksLogGroupsOnly", "Effect": "Allow", "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
             "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"], "Resource": "*",
             "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:/p/*"}}},
            {"Sid": "LambdaEnvironmentOfThisAccountViaLambdaOnly", "Effect": "Allow", "Principal": {"AWS": root},
             "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*", "Condition": {"StringEquals": via_lambda}},
            {"Sid": "LambdaGrantForTheFunctionViaLambdaOnly", "Effect": "Allow", "Principal": {"AWS": root},
             "Action": ["kms:CreateGrant"], "Resource": "*", "Condition": {"StringEquals": via_lambda, "Bool": {"kms:GrantIsForAWSResource": "true"}}},
            {"Sid": "DenyGrantsNotForAWSResources", "Effect": "Deny", "Principal": "*", "Action": "kms:CreateGrant", "Resource": "*",
             "Condition": {"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}}},
        ],
    }
