"""The probe's plan (what to check, what to expect) and its denial parsing: pure functions."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lambda_src" / "probe"))

import plan  # noqa: E402
import report  # noqa: E402

BASE = {"AWS_REGION": "eu-west-1", "PROBE_KIND": "vpc", "VPC_CIDR": "10.0.0.0/16",
        "RUNTIME_OPENAI_MODEL": "openai.gpt-oss-20b-1:0", "RUNTIME_RESPONSES_MODEL": "openai.gpt-5.4",
        "PUBLIC_DNS_NAME": "example.com", "RUNTIME_ANTHROPIC_MODEL": "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "MANTLE_ANTHROPIC_MODEL": "anthropic.claude-sonnet-4-5"}


def expectations(**env):
    checks, skipped = plan.build_plan(plan.load_config({**BASE, **env}))
    return {c.name: c.expected for c in checks}, {s["name"] for s in skipped}


def test_normal_expectations():
    expected, skipped = expectations()
    assert expected["runtime_converse_allowed_model"] == "allowed"
    assert expected["runtime_converse_denied_model"] == "denied"
    assert expected["mantle_bearer_token"] == "denied"
    assert expected["dns_bedrock_mantle"] == "allowed" and not skipped
    for api in ("runtime", "mantle"):
        assert expected[f"{api}_anthropic_messages_allowed_model"] == "allowed"
        assert expected[f"{api}_anthropic_messages_denied_model"] == "denied"
    assert expected["runtime_anthropic_native_messages_allowed_model"] == "allowed"
    assert expected["runtime_anthropic_native_messages_denied_model"] == "denied"


def test_a_required_guardrail_turns_the_openai_paths_of_bedrock_runtime_into_refusals():
    """Guardrails do not apply to the OpenAI-compatible APIs, so the guardrail-bound grants refuse them."""
    guarded, _ = expectations(GUARDRAIL_ARN="arn:aws:bedrock:eu-west-1:123456789012:guardrail/abc123def456",
                              EXPECT_BEARER="allowed")
    for name in ("runtime_openai_chat_allowed_model", "runtime_openai_responses_allowed_model", "runtime_openai_bearer_token"):
        assert guarded[name] == "denied", name
    for name in ("runtime_converse_allowed_model", "runtime_anthropic_messages_allowed_model",
                 "runtime_anthropic_native_messages_allowed_model", "mantle_bearer_token"):
        assert guarded[name] == "allowed", name
    plain, _ = expectations(EXPECT_BEARER="allowed")
    assert plain["runtime_openai_responses_allowed_model"] == plain["runtime_openai_bearer_token"] == "allowed"


def test_deny_mode_denies_everything_including_bearer():
    expected, _ = expectations(EXPECT_ALLOWED="denied", EXPECT_BEARER="allowed")
    assert {v for k, v in expected.items() if not k.startswith("dns_")} == {"denied"}


def test_control_kind_skips_dns_and_needs_no_cidr():
    env = {**BASE, "PROBE_KIND": "control"}
    del env["VPC_CIDR"]
    checks, skipped = plan.build_plan(plan.load_config(env))
    assert {c.expected for c in checks} == {"denied"}
    assert {"dns_bedrock", "dns_bedrock_runtime", "dns_bedrock_mantle"} <= {s["name"] for s in skipped}


@pytest.mark.parametrize("env, message", [({"VPC_CIDR": ""}, "VPC_CIDR"), ({"EXPECT_ALLOWED": "yes"}, "EXPECT_ALLOWED"),
                                          ({"ENDPOINTS": "bedrock,sagemaker"}, "sagemaker"),
                                          ({"AWS_REGION": ""}, "AWS_REGION"), ({"PROBE_KIND": "x"}, "PROBE_KIND")])
def test_bad_configuration(env, message):
    with pytest.raises(plan.PlanError, match=message):
        plan.load_config({**BASE, **env})


def test_mantle_base_url(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL_BEDROCK_MANTLE", raising=False)
    config = plan.load_config(BASE)
    assert config.mantle_base_url() == "https://bedrock-mantle.eu-west-1.api.aws/v1"
    assert plan.load_config({**BASE, "MANTLE_BASE_PATH": "/openai/v1"}).mantle_base_url().endswith(".aws/openai/v1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_MANTLE", "https://vpce-1.example/")
    assert config.mantle_base_url() == "https://vpce-1.example/v1"
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_MANTLE", "https://vpce-1.example/openai/v1")
    assert config.mantle_base_url() == "https://vpce-1.example/openai/v1"
    assert config.host("bedrock-mantle") == "vpce-1.example"


@pytest.mark.parametrize("message, phrase", [
    ("... because no VPC endpoint policy allows the bedrock:InvokeModel action", "VPC endpoint policy (no allow)"),
    ("... with an explicit deny in a VPC endpoint policy", "VPC endpoint policy (explicit deny)"),
    ("... because no identity-based policy allows the bedrock:InvokeModel action", "identity-based policy (no allow)"),
    ("... with an explicit deny in an identity-based policy", "identity-based policy (explicit deny)"),
    ("... with an explicit deny in a service control policy: arn:aws:organizations::1:policy/o-1/p-1",
     "service control policy (explicit deny)"),
    ("... because no permissions boundary allows the x action", "permissions boundary (no allow)"),
    ("... project/default (no identity-based policy allows the action)", "identity-based policy (no allow)"),
    ("Access denied", "not stated in the message"),
])
def test_denied_by(message, phrase):
    assert report.denied_by(message) == phrase


USER = "User: arn:aws:sts::123456789012:assumed-role/Probe/p is not authorized to perform: "


@pytest.mark.parametrize(("status", "code", "message", "outcome", "says"), [
    # IAM refusing a Bedrock action: a policy decided, and the detail says which.
    (403, "AccessDeniedException", USER + "bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/"
     "amazon.nova-lite-v1:0 because no VPC endpoint policy allows the bedrock:InvokeModel action",
     "denied", "denied_by: VPC endpoint policy (no allow)"),
    (401, "access_denied", USER + "bedrock-mantle:CreateInference on resource: arn:aws:bedrock-mantle:us-west-2:"
     "123456789012:project/default (no identity-based policy allows the action)",
     "denied", "denied_by: identity-based policy (no allow)"),
    (403, "permission_error", USER + "bedrock-mantle:CreateInference on resource: arn:aws:bedrock-mantle:us-west-2:"
     "123456789012:project/default", "denied", "denied_by: not stated in the message"),
    (403, "access_denied", USER + "bedrock-websearch:InvokeSearch on resource: arn:aws:bedrock-websearch:us-east-1:"
     "aws:tool/web-search with an explicit deny in an identity-based policy",
     "denied", "identity-based policy (explicit deny)"),
    # AccessDenied for anything else is not our policies: an error that fails any check.
    (403, "AccessDeniedException", "You don't have access to the model with the specified model ID.",
     "error", "model access is not enabled"),
    (403, "AccessDeniedException", "Your account is not authorized to invoke this API operation.",
     "error", "account is not enabled"),
    (403, "AccessDeniedException", "Model access is denied due to IAM user or service role is not authorized to "
     "perform the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) "
     "to enable access to this model.", "error", "Marketplace subscription"),
    (403, "AccessDeniedException", USER + "kms:Decrypt on resource: arn:aws:kms:us-east-1:1:key/k because no "
     "identity-based policy allows the kms:Decrypt action", "error", "refused for kms:Decrypt"),
    (403, "AccessDeniedException", "Access denied", "error", "reason not stated"),
    # Credentials and signatures are not policy decisions, whatever the message says.
    (403, "InvalidSignatureException", "Credential should be scoped to correct service: 'bedrock'.", "error",
     "credentials or signature"),
    (403, "UnrecognizedClientException", USER + "bedrock:InvokeModel", "error", "credentials or signature"),
    (401, "access_denied", "The bearer token has expired", "error", "not by a policy"),
])
def test_only_a_policy_refusing_a_bedrock_action_counts_as_denied(status, code, message, outcome, says):
    got, detail = report.refusal(status, code, message)
    assert got == outcome and says in detail, detail
    assert message in detail  # AWS's own words stay in the report


def test_empty_run_is_not_a_pass():
    assert report.build("r", "vpc", [], [])["passed"] is False


def test_runtime_openai_checks_need_an_openai_model_in_the_allow_list():
    expected, skipped = expectations(RUNTIME_OPENAI_MODEL="", RUNTIME_RESPONSES_MODEL="")
    assert "runtime_openai_chat_allowed_model" not in expected
    assert "runtime_openai_responses_allowed_model" not in expected
    assert {"runtime_openai_chat_allowed_model", "runtime_openai_responses_allowed_model"} <= skipped
    # A refusal needs no allowed model: the denied-model and bearer checks still run.
    assert expected["runtime_openai_chat_denied_model"] == "denied"
    assert expected["runtime_openai_bearer_token"] == "denied"


def test_runtime_bearer_check_falls_back_to_the_converse_model_only_for_a_refusal():
    checks, _ = plan.build_plan(plan.load_config({**BASE, "RUNTIME_OPENAI_MODEL": "", "RUNTIME_MODEL": "amazon.nova-micro-v1:0"}))
    (bearer,) = [c for c in checks if c.name == "runtime_openai_bearer_token"]
    assert bearer.params["model"] == "amazon.nova-micro-v1:0" and bearer.expected == "denied"
    expected, skipped = expectations(RUNTIME_OPENAI_MODEL="", EXPECT_BEARER="allowed")
    assert "runtime_openai_bearer_token" in skipped and "runtime_openai_bearer_token" not in expected


@pytest.mark.parametrize("support, runs", [("supported", True), ("disputed", True), ("unsupported", False)])
def test_bearer_checks_follow_api_key_support_in_the_region(support, runs):
    checks, skipped = plan.build_plan(plan.load_config({**BASE, "API_KEYS_IN_REGION": support}))
    bearer = {c.name: c for c in checks if c.params.get("auth") == "bearer"}
    assert (set(bearer) == {"runtime_openai_bearer_token", "mantle_bearer_token"}) is runs
    reasons = {s["name"]: s["reason"] for s in skipped}
    if not runs:
        assert "not supported in eu-west-1" in reasons["mantle_bearer_token"]
        assert "not supported in eu-west-1" in reasons["runtime_openai_bearer_token"]
    else:
        assert ("disagree" in (bearer["mantle_bearer_token"].params["note"] or "")) is (support == "disputed")


@pytest.mark.parametrize("env, expected", [({}, "denied"), ({"EXPECT_WEB_SEARCH": "allowed"}, "allowed"),
                                           ({"EXPECT_WEB_SEARCH": "allowed", "EXPECT_ALLOWED": "denied"}, "denied"),
                                           ({"EXPECT_WEB_SEARCH": "allowed", "PROBE_KIND": "control"}, "denied")])
def test_web_search_expectation(env, expected):
    checks, _ = plan.build_plan(plan.load_config({**BASE, **env}))
    (web,) = [c for c in checks if c.name == "mantle_web_search_tool"]
    assert web.expected == expected and web.params["model"] == "openai.gpt-oss-20b"


def test_public_name_check_is_expected_blocked_and_skipped_without_a_name_or_outside_the_vpc():
    expected, _ = expectations()
    assert expected["dns_public_name_blocked"] == "denied"
    _, skipped = expectations(PUBLIC_DNS_NAME="")
    assert "dns_public_name_blocked" in skipped
    _, skipped = expectations(PROBE_KIND="control")
    assert "dns_public_name_blocked" in skipped


def test_runtime_openai_base_url_is_the_runtime_host_under_openai_v1(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", raising=False)
    config = plan.load_config(BASE)
    assert config.runtime_openai_base_url() == "https://bedrock-runtime.eu-west-1.amazonaws.com/openai/v1"
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "https://vpce-1-abc.bedrock-runtime.eu-west-1.vpce.amazonaws.com")
    assert config.openai_base_url("bedrock-runtime") == \
        "https://vpce-1-abc.bedrock-runtime.eu-west-1.vpce.amazonaws.com/openai/v1"
