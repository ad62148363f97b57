"""Our own template checks (private_bedrock/tools/dev/lint_templates.py), for what cfn-lint does not validate:
endpoint service names and the IAM action and condition-key names in our policies.

cfn-lint itself runs with checkov and cfn-guard over every configuration in test_scanners.py.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from private_bedrock.tools.dev.lint_templates import Finding, known_actions, lint_template

# --- our checks ----------------------------------------------------------------------------


def test_our_checks_are_clean(templates: dict[str, dict]) -> None:
    for region, template in templates.items():
        assert lint_template(template, region) == [], region


def test_the_action_data_is_there() -> None:
    """The checks read iam-data's action lists; a missing or empty list would pass anything."""
    assert {"invokemodel", "listfoundationmodels", "callwithbearertoken"} <= known_actions("bedrock")
    assert {"createinference", "listmodels", "callwithbearertoken"} <= known_actions("bedrock-mantle")


def _endpoint(template: dict[str, Any], service: str) -> dict[str, Any]:
    return next(r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::EC2::VPCEndpoint" and r["Properties"]["ServiceName"].endswith("." + service))


def _identity(template: dict[str, Any]) -> dict[str, Any]:
    return next(r["Properties"]["PolicyDocument"] for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy" and r["Properties"].get("Description", "").startswith("Amazon Bedrock"))


def _rules(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.message) for f in findings]


@pytest.fixture
def broken(templates: dict[str, dict]) -> dict[str, Any]:
    return copy.deepcopy(templates["us-east-1"])


def test_a_misspelled_endpoint_policy_action_is_a_finding(broken: dict[str, Any]) -> None:
    _endpoint(broken, "bedrock-runtime")["PolicyDocument"]["Statement"][0]["Action"] = ["bedrock:InvokeModle", "bedrock:InvokeModelWithResponseStream"]
    (finding,) = lint_template(broken, "us-east-1")
    assert finding.rule == "action-unknown" and "'bedrock:InvokeModle'" in finding.message
    assert finding.where.startswith("EndpointsBedrockRuntime") and "InvokeConfiguredModels" in finding.where
    assert "did you mean bedrock:InvokeModel" in finding.message


def test_a_misspelled_identity_policy_action_is_a_finding(broken: dict[str, Any]) -> None:
    statement = next(s for s in _identity(broken)["Statement"] if s["Sid"] == "DenyBearerTokens")
    statement["Action"] = ["bedrock-mantle:CallWithBearerTokens", "bedrock:CallWithBearerToken"]
    assert _rules(lint_template(broken, "us-east-1")) == [
        ("action-unknown", "Action 'bedrock-mantle:CallWithBearerTokens' is not a bedrock-mantle action in the IAM reference (did you mean bedrock-mantle:CallWithBearerToken?)")
    ]


def test_claude_platform_and_nova_act_may_only_be_denied_in_the_identity_policy(broken: dict[str, Any]) -> None:
    statements = _identity(broken)["Statement"]
    assert any(s["Action"] == "aws-external-anthropic:*" for s in statements if s["Effect"] == "Deny")  # accepted as it is
    allow = next(s for s in statements if s["Effect"] == "Allow")
    allow["Action"] = ["aws-external-anthropic:CreateInference", "nova-act:InvokeActStep"]
    assert [r for r, _ in _rules(lint_template(broken, "us-east-1"))] == ["action-prefix", "action-prefix"]


def test_wildcards_must_match_an_action_and_prefixes_must_fit_the_endpoint(broken: dict[str, Any]) -> None:
    mantle = _endpoint(broken, "bedrock-mantle")["PolicyDocument"]["Statement"]
    mantle[1]["Action"] = ["bedrock-mantle:List*", "bedrock-mantle:Lsit*", "bedrock:InvokeModel"]
    rules = _rules(lint_template(broken, "us-east-1"))
    assert [r for r, _ in rules] == ["action-unknown", "action-prefix"]
    assert "'bedrock-mantle:Lsit*' matches no" in rules[0][1] and "'bedrock:InvokeModel'" in rules[1][1]


def test_tool_actions_are_checked_and_fit_only_the_tool_endpoints(broken: dict[str, Any]) -> None:
    tools = next(s for s in _identity(broken)["Statement"] if s["Sid"] == "DenyServerSideTools")
    tools["Action"] = ["bedrock-websearch:ExternalWebAcess", "bedrock-agentcore:InvokeGateway"]
    control = _endpoint(broken, "bedrock")["PolicyDocument"]["Statement"]
    control[0]["Action"] = ["bedrock:ListFoundationModels", "bedrock-websearch:InvokeSearch"]
    rules = _rules(lint_template(broken, "us-east-1"))
    assert [r for r, _ in rules] == ["action-prefix", "action-unknown"]
    assert "'bedrock-websearch:InvokeSearch'" in rules[0][1]  # the control-plane endpoint starts no tool
    assert "did you mean bedrock-websearch:ExternalWebAccess" in rules[1][1]


def test_a_misspelled_condition_key_is_a_finding(broken: dict[str, Any]) -> None:
    statement = _endpoint(broken, "bedrock-mantle")["PolicyDocument"]["Statement"][0]
    statement["Condition"]["StringEquals"] = {"bedrock-mantle:Modle": ["openai.gpt-oss-20b"]}
    _identity(broken)["Statement"][0]["Condition"]["StringEquals"] = {"aws:SourceVPCE": "vpce-1", "aws:SourceVpcee": "vpce-1"}
    rules = _rules(lint_template(broken, "us-east-1"))
    assert [r for r, _ in rules] == ["condition-key-unknown", "condition-key-unknown"]
    assert "'bedrock-mantle:Modle'" in rules[0][1] and "'aws:SourceVpcee'" in rules[1][1]  # key names are case-insensitive


@pytest.mark.parametrize(
    "service_name",
    ["com.amazonaws.us-east-1.bedrock-runtim", "com.amazonaws.us-west-2.bedrock-runtime", "com.amazonaws.us-east-1.bedrock-agentcore", "aws.sagemaker.us-east-1.bedrock-runtime"],
)
def test_an_unknown_or_foreign_endpoint_service_is_a_finding(broken: dict[str, Any], service_name: str) -> None:
    _endpoint(broken, "bedrock-runtime")["ServiceName"] = service_name
    findings = lint_template(broken, "us-east-1")
    assert [f.rule for f in findings] == ["endpoint-service"], findings
    assert service_name in findings[0].message


def test_the_service_name_may_use_the_region_pseudo_parameter(broken: dict[str, Any]) -> None:
    _endpoint(broken, "bedrock")["ServiceName"] = {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".bedrock"]]}
    assert lint_template(broken, "us-east-1") == []
