"""The probe's plan (what to check, what to expect) and its denial parsing: pure functions."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lambda_src" / "probe"))

import plan  # noqa: E402
import report  # noqa: E402

BASE = {"AWS_REGION": "eu-west-1", "PROBE_KIND": "vpc", "VPC_CIDR": "10.0.0.0/16"}


def expectations(**env):
    checks, skipped = plan.build_plan(plan.load_config({**BASE, **env}))
    return {c.name: c.expected for c in checks}, {s["name"] for s in skipped}


def test_normal_expectations():
    expected, skipped = expectations()
    assert expected["runtime_converse_allowed_model"] == "allowed"
    assert expected["runtime_converse_denied_model"] == "denied"
    assert expected["mantle_bearer_token"] == "denied"
    assert expected["dns_bedrock_mantle"] == "allowed" and not skipped


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
    ("... with an explicit deny in a service control policy", "service control policy (explicit deny)"),
    ("... because no permissions boundary allows the x action", "permissions boundary (no allow)"),
    ("Access denied", "not stated in the message"),
])
def test_denied_by(message, phrase):
    assert report.denied_by(message) == phrase


def test_empty_run_is_not_a_pass():
    assert report.build("r", "vpc", [], [])["passed"] is False


@pytest.mark.parametrize(
    ("message", "is_decision"),
    [
        ("User: arn:aws:sts::1:assumed-role/p/x is not authorized to perform: bedrock-mantle:CallWithBearerToken "
         "with an explicit deny in a VPC endpoint policy", True),
        ("access_denied: not authorized to perform: bedrock-mantle:CreateInference on arn:aws:bedrock-mantle:r:1:project/default", True),
        # A broken or expired key is not a policy decision: the bearer check must not pass on it.
        ("The bearer token has expired", False),
        ("Bearer token signature is invalid", False),
        ("Not Found", False),
    ],
)
def test_only_authorization_messages_count_as_denials(message: str, is_decision: bool) -> None:
    assert report.looks_like_authz(message) is is_decision
