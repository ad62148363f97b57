"""The real probe handler, real botocore and OpenAI clients, real HTTP to local fakes."""

from __future__ import annotations

import base64
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fakes.bedrock_servers import Credentials, FakeBedrock, Policy, SilentServer  # noqa: E402
from tests.fakes.probe_env import by_name, load_handler, set_probe_env  # noqa: E402

ALL_CHECKS = {
    "dns_bedrock", "dns_bedrock_runtime", "dns_bedrock_mantle", "control_list_foundation_models",
    "runtime_converse_allowed_model", "runtime_converse_denied_model", "mantle_models_list",
    "mantle_chat_allowed_model", "mantle_responses_allowed_model", "mantle_chat_denied_model",
    "mantle_responses_denied_model", "mantle_bearer_token",
}
REPORT_KEYS = {"name", "endpoint", "expected", "outcome", "passed", "detail", "latency_ms"}


@pytest.fixture
def run(monkeypatch, tmp_path):
    """run(fake_or_url, event={}, **env) -> report."""

    def _run(target, event=None, credentials=None, **env):
        url = target if isinstance(target, str) else target.url
        creds = credentials or (target.credentials if isinstance(target, FakeBedrock) else Credentials())
        set_probe_env(monkeypatch, tmp_path, url=url, credentials=creds, **env)
        return load_handler().handler({} if event is None else event, None)

    return _run


def failures(report):
    return {c["name"]: (c["outcome"], c["detail"]) for c in report["checks"] if not c["passed"]}


def test_normal_deployment_passes_and_authenticates_for_real(run):
    with FakeBedrock() as fake:
        report = run(fake)
    assert report["passed"], failures(report)
    assert set(by_name(report)) == ALL_CHECKS
    assert all(set(c) == REPORT_KEYS for c in report["checks"])
    assert report["region"] == "us-east-1" and report["probe_kind"] == "vpc"
    assert fake.auth_failures == []
    mantle = [r for r in fake.requests if r["path"].startswith("/v1/")]
    sigv4 = [r for r in mantle if r["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256")]
    bearer = [r for r in mantle if r["headers"]["Authorization"].startswith("Bearer ")]
    assert len(sigv4) == 5 and len(bearer) == 1
    assert all("/us-east-1/bedrock-mantle/aws4_request" in r["headers"]["Authorization"] for r in sigv4)
    token = base64.b64decode(bearer[0]["headers"]["Authorization"].removeprefix("Bearer bedrock-api-key-")).decode()
    assert "Action=CallWithBearerToken" in token
    # botocore URL-encodes the model id in the Converse path.
    assert any(r["path"] == "/model/amazon.nova-micro-v1%3A0/converse" for r in fake.requests)


def test_denials_name_the_policy_that_denied(run):
    with FakeBedrock() as fake:
        checks = by_name(run(fake))
    for name in ("runtime_converse_denied_model", "mantle_chat_denied_model", "mantle_responses_denied_model",
                 "mantle_bearer_token"):
        assert checks[name]["outcome"] == "denied"
        assert "denied_by: VPC endpoint policy (no allow)" in checks[name]["detail"]


def test_explicit_deny_with_403_from_mantle(run):
    policy = Policy(reason="with an explicit deny in a VPC endpoint policy", mantle_deny_status=403)
    with FakeBedrock(policy=policy) as fake:
        checks = by_name(run(fake))
    assert checks["mantle_chat_denied_model"]["outcome"] == "denied"
    assert "VPC endpoint policy (explicit deny)" in checks["mantle_chat_denied_model"]["detail"]


def test_deny_mode_passes_when_everything_is_denied(run):
    with FakeBedrock(policy=Policy.deny_all()) as fake:
        report = run(fake, EXPECT_ALLOWED="denied")
    assert report["passed"], failures(report)
    calls = [c for c in report["checks"] if not c["name"].startswith("dns_")]
    assert {c["outcome"] for c in calls} == {"denied"}


def test_deny_mode_fails_when_an_allow_listed_call_gets_through(run):
    with FakeBedrock() as fake:
        report = run(fake, EXPECT_ALLOWED="denied")
    assert not report["passed"]
    assert "runtime_converse_allowed_model" in failures(report)


def test_mismatch_fails_the_check_and_the_report(run):
    policy = Policy(mantle_models={"openai.gpt-oss-20b", "openai.gpt-oss-120b"})
    with FakeBedrock(policy=policy) as fake:
        report = run(fake)
    assert not report["passed"]
    assert set(failures(report)) == {"mantle_chat_denied_model", "mantle_responses_denied_model"}
    assert by_name(report)["mantle_chat_denied_model"]["outcome"] == "allowed"


@pytest.mark.parametrize("expect, allow, passed", [("allowed", True, True), ("denied", True, False),
                                                   ("allowed", False, False)])
def test_bearer_expectation(run, expect, allow, passed):
    with FakeBedrock(policy=Policy(allow_bearer=allow)) as fake:
        check = by_name(run(fake, EXPECT_BEARER=expect))["mantle_bearer_token"]
    assert check["expected"] == expect and check["passed"] is passed


def test_bad_signature_is_an_error_not_a_denial(run):
    # The fake knows a different secret: every signature is wrong. A probe that counted that
    # 403/401 as "denied" would let a broken control probe pass.
    with FakeBedrock(credentials=Credentials(secret_key="another-secret")) as fake:
        report = run(fake, EXPECT_ALLOWED="denied", credentials=Credentials())
    assert fake.auth_failures and all("signature does not match" in f for f in fake.auth_failures[:5])
    # (The fake checks a bearer key's credential scope, not its presigned signature.)
    outcomes = {c["name"]: c["outcome"] for c in report["checks"]
                if not c["name"].startswith("dns_") and c["name"] != "mantle_bearer_token"}
    assert set(outcomes.values()) == {"error"}, outcomes
    assert not report["passed"]


def test_control_probe_expects_every_call_denied_and_skips_dns(run):
    with FakeBedrock(policy=Policy.deny_all()) as fake:
        report = run(fake, PROBE_KIND="control", EXPECT_ALLOWED="allowed", EXPECT_BEARER="allowed")
    assert report["passed"], failures(report)
    assert report["probe_kind"] == "control"
    assert {c["expected"] for c in report["checks"]} == {"denied"}
    assert {s["name"] for s in report["skipped"]} == {"dns_bedrock", "dns_bedrock_runtime", "dns_bedrock_mantle"}


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
    assert "mantle_bearer_token" in {s["name"] for s in report["skipped"]}
    assert not any(r["path"].startswith("/v1/") for r in fake.requests)


def test_mantle_override_with_a_path_is_used_as_is(run):
    with FakeBedrock() as fake:
        report = run(fake, event={"checks": ["mantle_models_list"]},
                     AWS_ENDPOINT_URL_BEDROCK_MANTLE=fake.url + "/openai/v1")
    check = by_name(report)["mantle_models_list"]
    assert check["endpoint"] == fake.url + "/openai/v1"
    assert [r["path"] for r in fake.requests] == ["/openai/v1/models"]
    assert check["outcome"] == "error"  # the fake only serves /v1: a 404 is not a denial


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


def test_silent_server_is_a_network_error_and_fast(run):
    with SilentServer() as silent:
        started = time.monotonic()
        report = run(silent.url, PROBE_TIMEOUT_SECONDS="0.5")
        elapsed = time.monotonic() - started
    calls = [c for c in report["checks"] if not c["name"].startswith("dns_")]
    assert {c["outcome"] for c in calls} == {"network_error"}, [(c["name"], c["detail"]) for c in calls]
    assert not report["passed"]
    assert elapsed < 10


def test_unresolvable_host_is_a_network_error(run):
    report = run("http://does-not-resolve.invalid", PROBE_TIMEOUT_SECONDS="1")
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
