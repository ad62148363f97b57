"""The KMS keys' grant rows of the IAM matrix: who may create a grant on each key of a template.

A grant hands a key's use to another principal, so every key denies kms:CreateGrant unless an
AWS service creates the grant for one of its resources (private_bedrock/policies/key.py). The
cells, for every AWS::KMS::Key of a template, evaluated by the same simulator as the Bedrock
matrix with the key policy as the resource policy and a caller whose own policy allows
kms:CreateGrant on every key (the key policy is what is tested):
- a principal of the account calling CreateGrant directly: denied, on every key;
- Lambda creating the grant for a function's environment (kms:ViaService lambda,
  kms:GrantIsForAWSResource true): allowed on the log key only (the key Lambda environments
  use), denied on the others;
- the same through Lambda but not for an AWS resource (kms:GrantIsForAWSResource false):
  denied on every key.
"""

from __future__ import annotations

from typing import Any, Mapping

from private_bedrock.tools.prove.cells import PolicyCell, evaluate_cells
from private_bedrock.tools.prove.matrix import ALLOW, DENY, SESSION
from private_bedrock.tools.prove.resolve import ACCOUNT, PARTITION, resolve, symbols_for

LOG_KEY_DESCRIPTION = "Encrypts this stack's log groups"
CALLER = "KeyGrantCaller"


def _caller_policy() -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": "*"}]}


def key_grant_cells(template: Mapping[str, Any], region: str, account: str = ACCOUNT) -> list[PolicyCell]:
    symbols = symbols_for(template, region, account)
    keys = {lid: r["Properties"] for lid, r in template["Resources"].items() if r["Type"] == "AWS::KMS::Key"}
    principal_arn = f"arn:{PARTITION}:iam::{account}:role/{CALLER}"
    session = f"arn:{PARTITION}:sts::{account}:assumed-role/{CALLER}/{SESSION}"
    via_lambda = {"kms:ViaService": f"lambda.{region}.amazonaws.com", "kms:CallerAccount": account, "aws:ViaAWSService": "true"}
    cells, sims = [], []
    for lid, props in keys.items():
        is_log_key = str(props.get("Description", "")).startswith(LOG_KEY_DESCRIPTION)
        key_arn = f"arn:{PARTITION}:kms:{region}:{account}:key/{lid.lower()}"
        policy = resolve(props["KeyPolicy"], symbols)
        rows = [
            ("a principal of the account creates a grant directly", {"kms:GrantIsForAWSResource": "false", "kms:CallerAccount": account}, DENY),
            ("Lambda creates the grant for a function's environment", {**via_lambda, "kms:GrantIsForAWSResource": "true"}, ALLOW if is_log_key else DENY),
            ("a grant through Lambda that is not for an AWS resource", {**via_lambda, "kms:GrantIsForAWSResource": "false"}, DENY),
        ]
        for label, context, expected in rows:
            cells.append(PolicyCell(region, f"key {lid}", label, "kms:CreateGrant", key_arn, expected))
            sims.append({
                "request": {
                    "principal": session,
                    "action": "kms:CreateGrant",
                    "resource": {"resource": key_arn, "accountId": account},
                    "contextVariables": {"aws:PrincipalArn": principal_arn, "aws:PrincipalAccount": account, "aws:PrincipalIsAWSService": "false",
                                         "aws:RequestedRegion": region, **context},
                },
                "identityPolicies": [{"name": "MayCreateGrantsOnEveryKey", "policy": _caller_policy()}],
                "serviceControlPolicies": [],
                "resourceControlPolicies": [],
                "resourcePolicy": policy,
            })
    return evaluate_cells(cells, sims)
