"""The KMS keys' grant rows of the IAM matrix (private_bedrock/tools/prove/keys.py), on the session's templates
and loosened copies: no principal hands a key's use to someone else with a grant of its own."""

from __future__ import annotations

from tests.conftest import DEFAULT_REGIONS
from private_bedrock.tools.prove.keys import key_grant_cells
from private_bedrock.tools.prove.matrix import ALLOW

DENY_SID = "DenyGrantsNotForAWSResources"


def _key_statements(template: dict, description: str) -> list[dict]:
    (key,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::KMS::Key" and r["Properties"]["Description"].startswith(description)]
    return key["Properties"]["KeyPolicy"]["Statement"]


def test_only_lambda_creates_grants_and_only_on_the_log_key(templates) -> None:
    for region in DEFAULT_REGIONS:
        cells = key_grant_cells(templates[region], region)
        assert len(cells) == 6, cells  # two keys (logs, alarm topic), three rows each
        assert [c.describe() for c in cells if not c.ok] == []
        allowed = [(c.subject, c.label) for c in cells if c.got == ALLOW]
        assert len(allowed) == 1 and allowed[0][0].startswith("key LogKey") and allowed[0][1].startswith("Lambda creates the grant")


def test_the_deny_holds_when_an_administrator_statement_gains_create_grant(template_copy) -> None:
    t = template_copy("us-east-1")
    for description in ("Encrypts this stack's log groups", "Encrypts the Bedrock probe alarm topic"):
        admin = next(s for s in _key_statements(t, description) if s["Sid"] == "KeyAdministration")
        admin["Action"] = [*admin["Action"], "kms:CreateGrant"]
    # The Deny still refuses every grant no AWS service makes; the topic key's new grant
    # through Lambda (which nothing needs) is the one cell that moves, and it is caught.
    lambda_on_topic = ("key Monitor", "Lambda creates the grant for a function's environment")
    bad = {(c.subject[:11], c.label) for c in key_grant_cells(t, "us-east-1") if not c.ok}
    assert bad == {lambda_on_topic}
    # Without the Deny, the administrators could hand the keys' use to anyone: caught.
    for description in ("Encrypts this stack's log groups", "Encrypts the Bedrock probe alarm topic"):
        statements = _key_statements(t, description)
        statements[:] = [s for s in statements if s.get("Sid") != DENY_SID]
    bad = {(c.subject[:11], c.label) for c in key_grant_cells(t, "us-east-1") if not c.ok}
    direct = "a principal of the account creates a grant directly"
    assert bad == {lambda_on_topic, ("key LogKeyE", direct), ("key Monitor", direct), ("key Monitor", "a grant through Lambda that is not for an AWS resource"), ("key LogKeyE", "a grant through Lambda that is not for an AWS resource")}


def test_a_lambda_grant_not_for_an_aws_resource_is_caught(template_copy) -> None:
    t = template_copy("ap-northeast-1")
    statements = _key_statements(t, "Encrypts this stack's log groups")
    grant = next(s for s in statements if s["Sid"] == "LambdaGrantForTheFunctionViaLambdaOnly")
    del grant["Condition"]["Bool"]
    assert [c.describe() for c in key_grant_cells(t, "ap-northeast-1") if not c.ok] == []  # the Deny still holds
    statements[:] = [s for s in statements if s.get("Sid") != DENY_SID]
    bad = [c.label for c in key_grant_cells(t, "ap-northeast-1") if not c.ok]
    assert bad == ["a grant through Lambda that is not for an AWS resource"]
