"""From a spoke, the probe proves the names resolve to the hub endpoints' private addresses.

The real probe handler runs with the environment the spoke template gives its function; the
resolver is a table standing in for the spoke VPC's Route 53 Resolver (what it answers with
the hub's Profile attached, without it, or with a stray endpoint of the spoke's own).
"""

from __future__ import annotations

import socket

import pytest

from private_bedrock.facts.regions import private_dns_name
from tests.fakes.probe_env import by_name, load_handler, set_probe_env

SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle")
DNS_CHECKS = [f"dns_{s.replace('-', '_')}" for s in SERVICES]
NAMES = [private_dns_name(s, "us-east-1") for s in SERVICES]

HUB_ADDRESSES = ["10.80.0.23", "10.80.1.41"]  # the hub endpoints' ENIs (hub VPC 10.80.0.0/16)
PUBLIC_ADDRESSES = ["52.94.133.131", "3.33.152.147"]  # what a VPC without the Profile gets


def probe_env(spoke_template: dict) -> dict[str, str]:
    (fn,) = [r["Properties"] for k, r in spoke_template["Resources"].items() if k.startswith("ProbeInVpc") and r["Type"] == "AWS::Lambda::Function"]
    return dict(fn["Environment"]["Variables"])


@pytest.fixture
def run_dns(monkeypatch, tmp_path, spoke_template):
    def _run(answers: dict[str, list[str]]) -> dict:
        set_probe_env(monkeypatch, tmp_path, **probe_env(spoke_template))

        def resolve(host, port, *args, **kwargs):
            if host not in answers:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, port)) for a in answers[host]]

        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        return load_handler().handler({"checks": DNS_CHECKS}, None)

    return _run


def test_names_resolve_to_the_hub_endpoints(run_dns) -> None:
    report = run_dns({name: HUB_ADDRESSES for name in NAMES})
    assert report["passed"], report
    checks = by_name(report)
    assert {checks[c]["outcome"] for c in DNS_CHECKS} == {"allowed"}
    assert "all in 10.80.0.0/16" in checks["dns_bedrock_mantle"]["detail"]


def test_without_the_profile_the_public_answer_is_caught(run_dns) -> None:
    report = run_dns({name: PUBLIC_ADDRESSES for name in NAMES})
    assert not report["passed"]
    assert {c["outcome"] for c in report["checks"]} == {"denied"}


def test_a_spoke_local_endpoint_shadowing_the_hub_is_caught(run_dns) -> None:
    """A private-DNS endpoint in the spoke itself answers with spoke addresses: not the hub path."""
    answers = {name: HUB_ADDRESSES for name in NAMES}
    answers[private_dns_name("bedrock-mantle", "us-east-1")] = ["10.90.3.17"]
    checks = by_name(run_dns(answers))
    assert checks["dns_bedrock_mantle"]["outcome"] == "denied" and "10.90.3.17" in checks["dns_bedrock_mantle"]["detail"]
    assert checks["dns_bedrock_runtime"]["outcome"] == "allowed"


def test_dns_check_accepts_a_list_of_ranges(monkeypatch, tmp_path) -> None:
    """An existing VPC's probe gets its subnets' CIDRs, comma-separated."""
    set_probe_env(monkeypatch, tmp_path, VPC_CIDR="10.20.1.0/24,10.20.2.0/24")
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.2.9", port))])
    check = by_name(load_handler().handler({"checks": ["dns_bedrock"]}, None))["dns_bedrock"]
    assert check["outcome"] == "allowed", check
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.3.9", port))])
    check = by_name(load_handler().handler({"checks": ["dns_bedrock"]}, None))["dns_bedrock"]
    assert check["outcome"] == "denied" and "outside 10.20.1.0/24, 10.20.2.0/24" in check["detail"]
