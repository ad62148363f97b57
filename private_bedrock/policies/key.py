"""Pure builder of the log key's policy: administration apart from use.

- Administration (describe, update the policy, tag, rotate) for the account root — IAM
  decides which admins — and for any admin named in `keyAdminArns`. The root statement is
  what lets CloudFormation keep managing the key; it never includes a use action.
- Disabling and scheduling deletion: the named admins only, when there are any (the root
  otherwise, so that the key can still be retired).
- Use: CloudWatch Logs, only for this stack's own log groups (the encryption context is
  the log group ARN); Lambda, only when it acts for a principal of this account to encrypt
  or decrypt a function's environment (kms:ViaService), and a grant only for the function
  Lambda creates it for (kms:GrantIsForAWSResource).
- Grants: every key of the app denies kms:CreateGrant to everyone unless an AWS service
  creates the grant for one of its resources (kms:GrantIsForAWSResource) or is itself the
  caller (aws:PrincipalIsAWSService): a principal with kms:CreateGrant in its own policy
  cannot hand the key's use to someone else. This is the statement AWS Control Tower's
  proactive control CT.KMS.PR.3 requires, in the form it checks.
"""

from __future__ import annotations

from typing import Sequence

# What key administrators may do, without any cryptographic use of the key.
ADMIN_ACTIONS: tuple[str, ...] = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
# Actions that make the logs unreadable or the key weaker: the named admins only.
DESTRUCTIVE_ACTIONS: tuple[str, ...] = ("kms:DisableKey", "kms:DisableKeyRotation", "kms:ScheduleKeyDeletion")
# What CloudWatch Logs needs to encrypt and read a log group (CloudWatch Logs user guide).
LOGS_ACTIONS: tuple[str, ...] = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo")
# What Lambda needs to store and read an environment encrypted with this key; the grant
# (for the function) in a statement of its own, because only the grant operations carry
# kms:GrantIsForAWSResource (a Bool on it would fail Decrypt and Encrypt). The key is true
# "only when an AWS service that is integrated with AWS KMS sends the request on the
# principal's behalf" (KMS developer guide, "Controlling access to grants", read
# 2026-12-03); that Lambda's CreateGrant for a function environment is such a request
# follows from it [field: not observed on a real account here].
LAMBDA_ACTIONS: tuple[str, ...] = ("kms:Decrypt", "kms:Encrypt")
LAMBDA_GRANT_ACTIONS: tuple[str, ...] = ("kms:CreateGrant",)


def deny_grants_not_for_aws_resources() -> dict:
    """CT.KMS.PR.3's statement: BoolIfExists, so a request without either key is denied too."""
    return {
        "Sid": "DenyGrantsNotForAWSResources",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
    }


def account_root(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def administration_statements(account: str, admin_arns: Sequence[str] = ()) -> list[dict]:
    """Administration without use, and disable/delete for the named admins (root otherwise):
    the first statements of every customer-managed key of this app."""
    root = account_root(account)
    destroyers = list(admin_arns) or [root]
    return [
        {
            "Sid": "KeyAdministration",
            "Effect": "Allow",
            "Principal": {"AWS": [root, *admin_arns] if admin_arns else root},
            "Action": list(ADMIN_ACTIONS),
            "Resource": "*",  # in a key policy, "*" means this key
        },
        {
            "Sid": "DisableOrDeleteKeyNamedAdminsOnly" if admin_arns else "DisableOrDeleteKey",
            "Effect": "Allow",
            "Principal": {"AWS": destroyers if len(destroyers) > 1 else destroyers[0]},
            "Action": list(DESTRUCTIVE_ACTIONS),
            "Resource": "*",
        },
    ]


def key_policy(account: str, use_statements: Sequence[dict], admin_arns: Sequence[str] = ()) -> dict:
    """A key policy: administration apart from use, exactly the given use statements, and no
    grant but those AWS services create for their resources."""
    return {"Version": "2012-10-17", "Statement": [*administration_statements(account, admin_arns), *use_statements, deny_grants_not_for_aws_resources()]}


def log_key_policy(region: str, account: str, log_group_prefix: str, admin_arns: Sequence[str] = ()) -> dict:
    return key_policy(
        account,
        [
            {
                "Sid": "CloudWatchLogsForThisStacksLogGroupsOnly",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": list(LOGS_ACTIONS),
                "Resource": "*",
                "Condition": {
                    "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:{log_group_prefix}*"}
                },
            },
            {
                "Sid": "LambdaEnvironmentOfThisAccountViaLambdaOnly",
                "Effect": "Allow",
                "Principal": {"AWS": account_root(account)},
                "Action": list(LAMBDA_ACTIONS),
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": f"lambda.{region}.amazonaws.com", "kms:CallerAccount": account}},
            },
            {
                "Sid": "LambdaGrantForTheFunctionViaLambdaOnly",
                "Effect": "Allow",
                "Principal": {"AWS": account_root(account)},
                "Action": list(LAMBDA_GRANT_ACTIONS),
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"lambda.{region}.amazonaws.com", "kms:CallerAccount": account},
                    "Bool": {"kms:GrantIsForAWSResource": "true"},
                },
            },
        ],
        admin_arns,
    )
