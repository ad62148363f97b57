"""The Anthropic Messages API the probe proves, and what a required guardrail does to the plan.

The real handler against tests/fakes/bedrock_servers.py: mantle's /anthropic/v1/messages
(SigV4 for `bedrock-mantle`, the anthropic-version header), bedrock-runtime's InvokeModel
with the Messages body (what the Anthropic SDK's AnthropicBedrock sends) and bedrock-runtime's
native /anthropic/v1/messages (SigV4 for `bedrock`), each allowed for an allow-listed Claude
model and refused for one outside the lists.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fakes.bedrock_servers import MODEL_ACCESS_NOT_ENABLED, FakeBedrock, Policy  # noqa: E402
from tests.fakes.probe_env import by_name, failures, run  # noqa: E402,F401

NATIVE = ["runtime_anthropic_native_messages_allowed_model", "runtime_anthropic_native_messages_denied_model"]
ANTHROPIC = ["runtime_anthropic_messages_allowed_model", "runtime_anthropic_messages_denied_model",
             "mantle_anthropic_messages_allowed_model", "mantle_anthropic_messages_denied_model", *NATIVE]
RUNTIME_CLAUDE, MANTLE_CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5"
CLAUDE_ENV = {"RUNTIME_ANTHROPIC_MODEL": RUNTIME_CLAUDE, "MANTLE_ANTHROPIC_MODEL": MANTLE_CLAUDE}


def _claude_policy(**kwargs) -> Policy:
    return Policy(runtime_models={"amazon.nova-micro-v1:0", "openai.gpt-oss-20b-1:0", "openai.gpt-5.4", RUNTIME_CLAUDE},
                  mantle_models={"openai.gpt-oss-20b", MANTLE_CLAUDE}, **kwargs)


def test_messages_api_allowed_for_the_listed_claude_models_and_refused_for_others(run):
    with FakeBedrock(policy=_claude_policy()) as fake:
        report = run(fake, event={"checks": ANTHROPIC}, **CLAUDE_ENV)
    assert report["passed"], failures(report)
    checks = by_name(report)
    assert {name: c["outcome"] for name, c in checks.items()} == {
        "runtime_anthropic_messages_allowed_model": "allowed", "runtime_anthropic_messages_denied_model": "denied",
        "mantle_anthropic_messages_allowed_model": "allowed", "mantle_anthropic_messages_denied_model": "denied",
        "runtime_anthropic_native_messages_allowed_model": "allowed", "runtime_anthropic_native_messages_denied_model": "denied"}
    # Mantle's refusal carries IAM's words without a policy clause: counted, and said so.
    assert "not stated in the message" in checks["mantle_anthropic_messages_denied_model"]["detail"]
    assert checks["mantle_anthropic_messages_allowed_model"]["endpoint"] == fake.mantle_url + "/anthropic/v1/messages"
    sent = sorted((r["host"], r["path"].split("?")[0]) for r in fake.requests)
    assert sent == [("amazonaws", "/anthropic/v1/messages"), ("amazonaws", "/anthropic/v1/messages"),
                    ("amazonaws", "/model/anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke"),
                    ("amazonaws", f"/model/{RUNTIME_CLAUDE.replace(':', '%3A')}/invoke"),
                    ("mantle", "/anthropic/v1/messages"), ("mantle", "/anthropic/v1/messages")]
    mantle = [r for r in fake.requests if r["host"] == "mantle"]
    assert {json.loads(r["body"])["model"] for r in mantle} == {MANTLE_CLAUDE, "anthropic.claude-haiku-4-5"}
    assert all(r["headers"]["anthropic-version"] == "2023-06-01" for r in mantle)
    runtime = [json.loads(r["body"]) for r in fake.requests if r["path"].endswith("/invoke")]
    assert all(b["anthropic_version"] == "bedrock-2023-05-31" and "model" not in b for b in runtime)
    assert not fake.auth_failures


def test_runtime_native_messages_allowed_for_the_listed_claude_model_and_refused_for_others(run):
    with FakeBedrock(policy=_claude_policy()) as fake:
        report = run(fake, event={"checks": NATIVE}, **CLAUDE_ENV)
    assert report["passed"], failures(report)
    checks = by_name(report)
    assert checks["runtime_anthropic_native_messages_allowed_model"]["outcome"] == "allowed"
    denied = checks["runtime_anthropic_native_messages_denied_model"]
    assert denied["outcome"] == "denied" and "denied_by: VPC endpoint policy (no allow)" in denied["detail"]
    assert "bedrock:InvokeModel" in denied["detail"]
    assert {c["endpoint"] for c in checks.values()} == {fake.url + "/anthropic/v1/messages"}
    # The model in the body (Anthropic's format), on bedrock-runtime's host, SigV4 for `bedrock`.
    assert [r["host"] for r in fake.requests] == ["amazonaws", "amazonaws"]
    assert all(r["path"] == "/anthropic/v1/messages" and r["method"] == "POST" for r in fake.requests)
    bodies = [json.loads(r["body"]) for r in fake.requests]
    assert {b["model"] for b in bodies} == {RUNTIME_CLAUDE, "anthropic.claude-haiku-4-5-20251001-v1:0"}
    assert all(b["anthropic_version"] == "bedrock-2023-05-31" for b in bodies)
    assert all("/us-east-1/bedrock/aws4_request" in r["headers"]["Authorization"] for r in fake.requests)
    assert not fake.auth_failures


# A server that expects another signing service refuses the probe's signature: the check must fail.
_WRONG_SIGNING = {
    # bedrock-runtime's native route signed as if for bedrock-mantle
    "runtime_anthropic_native_messages_allowed_model": (
        lambda path, service: "bedrock-mantle" if path == "/anthropic/v1/messages" else service,
        ("not a policy decision", "Credential should be scoped to correct service")),
    # bedrock-mantle's route signed as if for bedrock
    "mantle_anthropic_messages_allowed_model": (
        lambda path, service: "bedrock" if service == "bedrock-mantle" else service,
        ("Credential should be scoped to correct service",)),
}


@pytest.mark.parametrize("name", sorted(_WRONG_SIGNING))
def test_messages_are_signed_for_their_own_service(run, name):
    expected_service, phrases = _WRONG_SIGNING[name]
    with FakeBedrock(policy=_claude_policy()) as fake:
        original = fake.check_sigv4
        fake.check_sigv4 = lambda method, path, headers, body, service: original(method, path, headers, body, expected_service(path, service))
        check = by_name(run(fake, event={"checks": [name]}, **CLAUDE_ENV))[name]
    assert check["outcome"] == "error" and not check["passed"]
    assert all(p in check["detail"] for p in phrases)


def test_a_refusal_that_is_not_a_policy_is_an_error(run):
    with FakeBedrock(policy=_claude_policy(refusal=MODEL_ACCESS_NOT_ENABLED)) as fake:
        report = run(fake, event={"checks": ANTHROPIC}, **CLAUDE_ENV)
    assert {c["outcome"] for c in report["checks"]} == {"error"}
    assert not report["passed"]


def test_a_listed_model_refused_by_the_policy_fails_the_allowed_check(run):
    # The policies let the listed Claude model through: a refusal of it is a failed check.
    with FakeBedrock() as fake:
        report = run(fake, event={"checks": ANTHROPIC}, **CLAUDE_ENV)
    assert set(failures(report)) == {"runtime_anthropic_messages_allowed_model", "mantle_anthropic_messages_allowed_model",
                                     "runtime_anthropic_native_messages_allowed_model"}


def test_without_a_claude_model_the_allowed_calls_are_skipped_and_refusals_still_proven(run):
    with FakeBedrock() as fake:
        report = run(fake)
    assert report["passed"], failures(report)
    skipped = {s["name"]: s["reason"] for s in report["skipped"]}
    assert "runtimeModels" in skipped["runtime_anthropic_messages_allowed_model"]
    assert "mantleModels" in skipped["mantle_anthropic_messages_allowed_model"]
    assert "runtimeModels" in skipped["runtime_anthropic_native_messages_allowed_model"]
    checks = by_name(report)
    assert "runtime_anthropic_native_messages_allowed_model" not in checks
    assert checks["runtime_anthropic_native_messages_denied_model"]["outcome"] == "denied"
    assert checks["runtime_anthropic_messages_denied_model"]["outcome"] == "denied"
    assert checks["mantle_anthropic_messages_denied_model"]["outcome"] == "denied"


GUARDRAIL = "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123def456"


def test_with_a_required_guardrail_native_calls_carry_it_and_the_openai_paths_are_refused(run):
    env = {"GUARDRAIL_ARN": GUARDRAIL, "ENDPOINTS": "bedrock,bedrock-runtime", "RUNTIME_ANTHROPIC_MODEL": RUNTIME_CLAUDE}
    with FakeBedrock(policy=_claude_policy(guardrail=GUARDRAIL)) as fake:
        report = run(fake, **env)
    assert report["passed"], failures(report)
    checks = by_name(report)
    for name in ("runtime_converse_allowed_model", "runtime_anthropic_messages_allowed_model",
                 "runtime_anthropic_native_messages_allowed_model"):
        assert checks[name]["outcome"] == "allowed", name
    # Guardrails do not apply to the OpenAI-compatible APIs: without one the grants refuse them.
    for name in ("runtime_openai_chat_allowed_model", "runtime_openai_responses_allowed_model", "runtime_openai_bearer_token"):
        assert checks[name]["expected"] == "denied" and checks[name]["outcome"] == "denied", name
    converse = [json.loads(r["body"]) for r in fake.requests if r["path"].endswith("/converse")]
    assert converse and all(b["guardrailConfig"] == {"guardrailIdentifier": GUARDRAIL, "guardrailVersion": "DRAFT"} for b in converse)
    invoke = [r for r in fake.requests if r["path"].endswith("/invoke")]
    assert invoke and all(r["headers"]["X-Amzn-Bedrock-GuardrailIdentifier"] == GUARDRAIL for r in invoke)
    native = [r for r in fake.requests if r["path"] == "/anthropic/v1/messages"]
    assert len(native) == 2 and all(r["headers"]["X-Amzn-Bedrock-GuardrailIdentifier"] == GUARDRAIL
                                    and r["headers"]["X-Amzn-Bedrock-GuardrailVersion"] == "DRAFT" for r in native)
    # A probe that forgot the guardrail would be refused on its allowed checks.
    with FakeBedrock(policy=_claude_policy(guardrail=GUARDRAIL)) as fake:
        forgot = run(fake, **{**env, "GUARDRAIL_ARN": ""})
    assert {"runtime_converse_allowed_model", "runtime_anthropic_messages_allowed_model",
            "runtime_anthropic_native_messages_allowed_model"} <= set(failures(forgot))
