"""The real probe handler, real botocore and OpenAI clients, real HTTP to local fakes."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fakes.bedrock_servers import SIGNATURE_MISMATCH, Credentials, FakeBedrock, Policy, SilentServer  # noqa: E402
from tests.fakes.probe_env import by_name, failures, run  # noqa: E402,F401  (run is a fixture)

ALL_CHECKS = {
    "dns_bedrock", "dns_bedrock_runtime", "dns_bedrock_mantle", "dns_public_name_blocked",
    "control_list_foundation_models", "runtime_converse_allowed_model", "runtime_converse_denied_model",
    "runtime_openai_chat_allowed_model", "runtime_openai_responses_allowed_model",
    "runtime_openai_chat_denied_model", "runtime_openai_bearer_token", "mantle_models_list",
    "mantle_chat_allowed_model", "mantle_responses_allowed_model", "mantle_chat_denied_model",
    "mantle_responses_denied_model", "mantle_web_search_tool", "mantle_bearer_token",
    "runtime_anthropic_messages_denied_model", "mantle_anthropic_messages_denied_model",
    "runtime_anthropic_native_messages_denied_model",
}
# No Claude model in the default allow lists: the Messages API's allowed calls are skipped
# (tests/unit/test_probe_anthropic_paths.py runs them).
CLAUDE_SKIPPED = {"runtime_anthropic_messages_allowed_model", "mantle_anthropic_messages_allowed_model",
                  "runtime_anthropic_native_messages_allowed_model"}
REPORT_KEYS = {"name", "endpoint", "expected", "outcome", "passed", "detail", "latency_ms"}
BEARER_CHECKS = ("runtime_openai_bearer_token", "mantle_bearer_token")
DNS_CHECKS = ("dns_bedrock", "dns_bedrock_runtime", "dns_bedrock_mantle", "dns_public_name_blocked")


def calls(report):
    """The checks that talk to an endpoint (not the DNS ones)."""
    return [c for c in report["checks"] if c["name"] not in DNS_CHECKS]


def test_normal_deployment_passes_and_authenticates_for_real(run):
    with FakeBedrock() as fake:
        report = run(fake)
    assert report["passed"], failures(report)
    assert set(by_name(report)) == ALL_CHECKS and {s["name"] for s in report["skipped"]} == CLAUDE_SKIPPED
    assert all(set(c) == REPORT_KEYS for c in report["checks"])
    assert report["region"] == "us-east-1" and report["probe_kind"] == "vpc"
    assert fake.auth_failures == []
    # SigV4 scoped to the service each endpoint authorizes: bedrock-mantle on mantle, bedrock
    # on bedrock-runtime's /openai/v1 (the fake refuses any other scope).
    for host, prefix, scope, signed in (("mantle", "/v1/", "/us-east-1/bedrock-mantle/aws4_request", 6),
                                        ("amazonaws", "/openai/v1/", "/us-east-1/bedrock/aws4_request", 3)):
        sent = [r for r in fake.requests if r["host"] == host and r["path"].startswith(prefix)]
        sigv4 = [r for r in sent if r["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256")]
        bearer = [r for r in sent if r["headers"]["Authorization"].startswith("Bearer ")]
        assert (len(sigv4), len(bearer)) == (signed, 1), host
        assert all(scope in r["headers"]["Authorization"] for r in sigv4), host
        token = base64.b64decode(bearer[0]["headers"]["Authorization"].removeprefix("Bearer bedrock-api-key-")).decode()
        assert "Action=CallWithBearerToken" in token
    # bedrock-runtime's Responses: the allow-listed model it serves, and nothing stored.
    (response,) = [json.loads(r["body"]) for r in fake.requests if r["path"] == "/openai/v1/responses"]
    assert response["model"] == "openai.gpt-5.4" and response["store"] is False
    (chat,) = [json.loads(r["body"]) for r in fake.requests
               if r["path"] == "/openai/v1/chat/completions" and r["headers"]["Authorization"].startswith("AWS4")
               and json.loads(r["body"])["model"] == "openai.gpt-oss-20b-1:0"]
    assert chat["messages"][0]["role"] == "user"
    # botocore URL-encodes the model id in the Converse path.
    assert any(r["path"] == "/model/amazon.nova-micro-v1%3A0/converse" for r in fake.requests)


def test_denials_name_the_policy_that_denied(run):
    with FakeBedrock() as fake:
        checks = by_name(run(fake))
    for name in ("runtime_converse_denied_model", "runtime_openai_chat_denied_model", "runtime_openai_bearer_token",
                 "mantle_chat_denied_model", "mantle_responses_denied_model", "mantle_web_search_tool",
                 "mantle_bearer_token"):
        assert checks[name]["outcome"] == "denied", (name, checks[name]["detail"])
        assert "denied_by: VPC endpoint policy (no allow)" in checks[name]["detail"], name


def test_explicit_deny_with_403_from_mantle(run):
    with FakeBedrock(policy=Policy(explicit=True, mantle_deny_status=403)) as fake:
        checks = by_name(run(fake))
    assert checks["mantle_chat_denied_model"]["outcome"] == "denied"
    assert "VPC endpoint policy (explicit deny)" in checks["mantle_chat_denied_model"]["detail"]


def test_a_service_control_policy_is_named_too(run):
    with FakeBedrock(policy=Policy(denied_by="service control policy", explicit=True)) as fake:
        check = by_name(run(fake, event={"checks": ["runtime_converse_denied_model"]}))["runtime_converse_denied_model"]
    assert check["passed"] and "denied_by: service control policy (explicit deny)" in check["detail"]


def test_deny_mode_passes_when_everything_is_denied(run):
    with FakeBedrock(policy=Policy.deny_all()) as fake:
        report = run(fake, EXPECT_ALLOWED="denied")
    assert report["passed"], failures(report)
    assert {c["outcome"] for c in calls(report)} == {"denied"}


def test_deny_mode_fails_when_an_allow_listed_call_gets_through(run):
    with FakeBedrock() as fake:
        report = run(fake, EXPECT_ALLOWED="denied")
    assert not report["passed"]
    assert {"runtime_converse_allowed_model", "runtime_openai_chat_allowed_model", "mantle_chat_allowed_model"} \
        <= set(failures(report))


def test_mismatch_fails_the_check_and_the_report(run):
    policy = Policy(mantle_models={"openai.gpt-oss-20b", "openai.gpt-oss-120b"})
    with FakeBedrock(policy=policy) as fake:
        report = run(fake)
    assert not report["passed"]
    assert set(failures(report)) == {"mantle_chat_denied_model", "mantle_responses_denied_model"}
    assert by_name(report)["mantle_chat_denied_model"]["outcome"] == "allowed"


@pytest.mark.parametrize("name", BEARER_CHECKS)
@pytest.mark.parametrize("expect, allow, passed", [("allowed", True, True), ("denied", True, False),
                                                   ("allowed", False, False), ("denied", False, True)])
def test_bearer_expectation(run, name, expect, allow, passed):
    with FakeBedrock(policy=Policy(allow_bearer=allow)) as fake:
        check = by_name(run(fake, event={"checks": [name]}, EXPECT_BEARER=expect))[name]
    assert check["expected"] == expect and check["passed"] is passed, check["detail"]
    assert check["detail"].startswith("bearer (short-term API key)")


def test_bad_signature_is_an_error_not_a_denial(run):
    # The fake knows a different secret: every signature is wrong. A probe that counted that
    # 403/401 as "denied" would let a broken control probe pass.
    with FakeBedrock(credentials=Credentials(secret_key="another-secret")) as fake:
        report = run(fake, EXPECT_ALLOWED="denied", credentials=Credentials())
    assert fake.auth_failures and set(fake.auth_failures) == {SIGNATURE_MISMATCH}
    # (The fake checks a bearer key's credential scope, not its presigned signature.)
    outcomes = {c["name"]: c["outcome"] for c in calls(report) if c["name"] not in BEARER_CHECKS}
    assert set(outcomes.values()) == {"error"}, outcomes
    assert not report["passed"]


def test_control_probe_expects_every_call_denied_and_skips_dns(run):
    with FakeBedrock(policy=Policy.deny_all()) as fake:
        report = run(fake, PROBE_KIND="control", EXPECT_ALLOWED="allowed", EXPECT_BEARER="allowed",
                     EXPECT_WEB_SEARCH="allowed")
    assert report["passed"], failures(report)
    assert report["probe_kind"] == "control"
    assert {c["expected"] for c in report["checks"]} == {"denied"}
    assert {s["name"] for s in report["skipped"]} == set(DNS_CHECKS) | CLAUDE_SKIPPED
    assert "DNS firewall" in {s["name"]: s["reason"] for s in report["skipped"]}["dns_public_name_blocked"]


def test_control_probe_fails_if_a_call_is_allowed(run):
    with FakeBedrock() as fake:
        report = run(fake, PROBE_KIND="control", EXPECT_ALLOWED="denied")
    assert not report["passed"]
    assert "runtime_converse_allowed_model" in failures(report)


def test_mantle_disabled_runs_no_mantle_checks(run):
    with FakeBedrock() as fake:
        report = run(fake, ENDPOINTS="bedrock,bedrock-runtime")
    assert report["passed"], failures(report)
    assert not any(c["name"].startswith(("mantle_", "dns_bedrock_mantle")) for c in report["checks"])
    assert {"mantle_bearer_token", "mantle_web_search_tool"} <= {s["name"] for s in report["skipped"]}
    assert not any(r["host"] == "mantle" for r in fake.requests)


def test_mantle_override_with_a_path_is_used_as_is(run):
    with FakeBedrock() as fake:
        report = run(fake, event={"checks": ["mantle_models_list"]},
                     AWS_ENDPOINT_URL_BEDROCK_MANTLE=fake.mantle_url + "/openai/v1")
    check = by_name(report)["mantle_models_list"]
    assert check["endpoint"] == fake.mantle_url + "/openai/v1"
    assert [r["path"] for r in fake.requests] == ["/openai/v1/models"]
    assert check["outcome"] == "error"  # the fake serves models.list under /v1 only: a 404 is not a denial


def test_subset_event_runs_only_the_named_checks(run):
    with FakeBedrock() as fake:
        report = run(fake, event={"checks": ["runtime_converse_denied_model"]})
    assert [c["name"] for c in report["checks"]] == ["runtime_converse_denied_model"]
    assert report["passed"]
    assert [r["path"] for r in fake.requests] == ["/model/amazon.nova-lite-v1%3A0/converse"]


def test_dns_outside_the_vpc_cidr_is_reported(run):
    with FakeBedrock() as fake:
        report = run(fake, event={"checks": ["dns_bedrock"]}, VPC_CIDR="10.0.0.0/16")
    check = by_name(report)["dns_bedrock"]
    assert check["outcome"] == "denied" and not report["passed"]
    assert "127.0.0.1" in check["detail"]


def test_silent_server_is_a_network_error_from_the_call_timeout(run):
    with SilentServer() as silent:
        report = run(silent.url, PROBE_TIMEOUT_SECONDS="0.5")
    assert {c["outcome"] for c in calls(report)} == {"network_error"}, failures(report)
    # Each call's own read timeout fired (not the handler's deadline, which is 55 s here).
    assert all("Timeout" in c["detail"] for c in calls(report)), failures(report)
    assert not report["passed"]


def test_unresolvable_host_is_a_network_error(run):
    report = run("http://does-not-resolve.invalid", PROBE_TIMEOUT_SECONDS="1", PUBLIC_DNS_NAME="")
    assert {c["outcome"] for c in report["checks"]} == {"network_error"}, failures(report)
    assert not report["passed"]


@pytest.mark.parametrize("event", ["checks", ["dns_bedrock"], {"checks": "dns_bedrock"}, {"checks": []},
                                   {"checks": ["no_such_check"]}, {"foo": 1}, {"checks": [1]}])
def test_bad_event_shape_is_reported_not_raised(run, event):
    report = run("http://127.0.0.1:9", event=event)
    assert report["passed"] is False and report["checks"] == []
    assert report["error"]


def test_bad_configuration_is_reported_not_raised(run):
    report = run("http://127.0.0.1:9", EXPECT_ALLOWED="maybe")
    assert report["passed"] is False and "EXPECT_ALLOWED" in report["error"]
