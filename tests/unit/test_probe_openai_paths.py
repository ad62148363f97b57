"""The OpenAI-compatible paths the probe proves: bedrock-runtime's /openai/v1 (signed for
`bedrock`), mantle's server-side web search, and bearer checks where API keys are (not) offered.

The real handler and OpenAI SDK against tests/fakes/bedrock_servers.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fakes.bedrock_servers import MODEL_ACCESS_NOT_ENABLED, FakeBedrock, Policy  # noqa: E402
from tests.fakes.probe_env import by_name, failures, run  # noqa: E402,F401

RUNTIME_OPENAI = ["runtime_openai_chat_allowed_model", "runtime_openai_responses_allowed_model",
                  "runtime_openai_chat_denied_model", "runtime_openai_bearer_token"]


def test_runtime_openai_path_is_bedrock_runtime_under_openai_v1(run):
    with FakeBedrock() as fake:
        report = run(fake, event={"checks": RUNTIME_OPENAI})
    assert report["passed"], failures(report)
    assert {c["endpoint"] for c in report["checks"]} == {fake.url + "/openai/v1"}
    assert {r["host"] for r in fake.requests} == {"amazonaws"}
    sent = sorted((r["path"], json.loads(r["body"])["model"]) for r in fake.requests)
    assert sent == [("/openai/v1/chat/completions", "openai.gpt-oss-120b-1:0"),
                    ("/openai/v1/chat/completions", "openai.gpt-oss-20b-1:0"),
                    ("/openai/v1/chat/completions", "openai.gpt-oss-20b-1:0"),
                    ("/openai/v1/responses", "openai.gpt-5.4")]


def test_a_response_needs_the_default_project_too(run):
    # Creating a response authorizes bedrock:InvokeModel on the model AND on the account's
    # default project: a grant without the project fails the responses check, not the chat one.
    with FakeBedrock(policy=Policy(allow_runtime_project=False)) as fake:
        report = run(fake, event={"checks": RUNTIME_OPENAI[:2]})
    assert set(failures(report)) == {"runtime_openai_responses_allowed_model"}
    check = by_name(report)["runtime_openai_responses_allowed_model"]
    assert check["outcome"] == "denied" and "project/default" in check["detail"]


def test_a_model_the_path_does_not_serve_is_an_error_not_a_pass(run):
    # Nova is allow-listed but Chat Completions on bedrock-runtime serves OpenAI models only.
    with FakeBedrock() as fake:
        check = by_name(run(fake, event={"checks": ["runtime_openai_chat_allowed_model"]},
                            RUNTIME_OPENAI_MODEL="amazon.nova-micro-v1:0"))["runtime_openai_chat_allowed_model"]
    assert check["outcome"] == "error" and "HTTP 400" in check["detail"]


def test_without_an_openai_model_the_allowed_calls_are_skipped_and_refusals_still_proven(run):
    with FakeBedrock() as fake:
        report = run(fake, RUNTIME_OPENAI_MODEL="", RUNTIME_RESPONSES_MODEL="")
    assert report["passed"], failures(report)
    skipped = {s["name"]: s["reason"] for s in report["skipped"]}
    # (and the Messages API's, no Claude model being listed: tests/unit/test_probe_anthropic_paths.py)
    assert set(skipped) == {"runtime_openai_chat_allowed_model", "runtime_openai_responses_allowed_model",
                            "runtime_anthropic_messages_allowed_model", "mantle_anthropic_messages_allowed_model",
                            "runtime_anthropic_native_messages_allowed_model"}
    assert "runtimeModels" in skipped["runtime_openai_chat_allowed_model"]
    checks = by_name(report)
    # The bearer refusal is shown with the Converse model: a key let through would get a 400
    # (the path does not serve it), which is an error, so the check cannot pass by accident.
    assert checks["runtime_openai_bearer_token"]["outcome"] == "denied"
    assert "amazon.nova-micro-v1:0" in checks["runtime_openai_bearer_token"]["detail"]
    with FakeBedrock(policy=Policy(allow_bearer=True)) as fake:
        leaked = by_name(run(fake, event={"checks": ["runtime_openai_bearer_token"]}, RUNTIME_OPENAI_MODEL=""))
    assert leaked["runtime_openai_bearer_token"]["outcome"] == "error"
    assert not leaked["runtime_openai_bearer_token"]["passed"]


@pytest.mark.parametrize("policy, expect, outcome, passed", [
    (Policy(), "denied", "denied", True),
    (Policy(allow_web_search=True), "denied", "allowed", False),
    (Policy(allow_web_search=True), "allowed", "allowed", True),
    # Refused, but only as a failed tool call: nothing says a policy did it, so nothing is proven.
    (Policy(web_search_refused_as="tool_call"), "denied", "error", False),
])
def test_web_search_through_mantle(run, policy, expect, outcome, passed):
    with FakeBedrock(policy=policy) as fake:
        check = by_name(run(fake, event={"checks": ["mantle_web_search_tool"]},
                            EXPECT_WEB_SEARCH=expect))["mantle_web_search_tool"]
    assert (check["outcome"], check["passed"]) == (outcome, passed), check["detail"]
    (request,) = [json.loads(r["body"]) for r in fake.requests]
    # An allow-listed model, so the tool is the only thing that can be refused.
    assert request["model"] == "openai.gpt-oss-20b" and request["tools"] == [{"type": "web_search"}]
    assert request["tool_choice"] == "required" and request["store"] is False
    if outcome == "denied":
        assert "bedrock-websearch:InvokeSearch" in check["detail"]


def test_bearer_checks_are_skipped_where_api_keys_are_not_offered(run):
    with FakeBedrock() as fake:
        report = run(fake, AWS_REGION="us-east-1", API_KEYS_IN_REGION="unsupported")
    assert report["passed"], failures(report)
    skipped = {s["name"]: s["reason"] for s in report["skipped"]}
    assert {"runtime_openai_bearer_token", "mantle_bearer_token"} <= set(skipped)
    assert "not supported in us-east-1" in skipped["mantle_bearer_token"]
    assert not any(r["headers"].get("Authorization", "").startswith("Bearer ") for r in fake.requests)


def test_where_aws_disagrees_a_non_policy_refusal_says_so(run):
    with FakeBedrock(policy=Policy(refusal=MODEL_ACCESS_NOT_ENABLED)) as fake:
        check = by_name(run(fake, event={"checks": ["mantle_bearer_token"]},
                            API_KEYS_IN_REGION="disputed"))["mantle_bearer_token"]
    assert check["outcome"] == "error" and not check["passed"]
    assert "disagree on API-key support" in check["detail"]
