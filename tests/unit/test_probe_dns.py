"""The probe's DNS checks through the real handler.

The answers come from getaddrinfo, the call the probe makes. For answers this machine's
resolver cannot give (a VPC endpoint's addresses, a mix of endpoint and public addresses, a
resolver failure), the test swaps in a resolver that answers in getaddrinfo's exact shape for
the one name under test and asks the real one for everything else.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fakes.probe_env import BLOCKED_PUBLIC_NAME, by_name, failures, run  # noqa: E402,F401

RUNTIME_HOST = "bedrock-runtime.us-east-1.amazonaws.com"
VPC = "10.80.0.0/16"


@pytest.fixture
def resolver(monkeypatch):
    """resolver(name, addresses | gaierror): getaddrinfo answers `name` with these."""
    real = socket.getaddrinfo
    answers: dict[str, object] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        answer = answers[host]
        if isinstance(answer, socket.gaierror):
            raise answer
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                 (a, port, 0, 0) if ":" in a else (a, port)) for a in answer]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers.__setitem__


def dns_check(run, name: str, **env) -> dict:
    # No endpoint overrides: the check resolves the regional name, as in the VPC.
    report = run(None, event={"checks": [name]}, VPC_CIDR=VPC, **env)
    return by_name(report)[name]


def test_endpoint_addresses_only_pass(run, resolver):
    resolver(RUNTIME_HOST, ["10.80.1.10", "10.80.2.10"])
    check = dns_check(run, "dns_bedrock_runtime")
    assert check["outcome"] == "allowed" and check["passed"], check["detail"]


@pytest.mark.parametrize("answer", [["10.80.1.10", "52.119.196.10"], ["52.119.196.10", "10.80.2.10", "10.80.1.10"],
                                    ["10.80.1.10", "2600:1f18:1234::1"]])
def test_an_answer_mixing_endpoint_and_public_addresses_fails(run, resolver, answer):
    # Some connections would go to the public address: private DNS is not in force.
    resolver(RUNTIME_HOST, answer)
    check = dns_check(run, "dns_bedrock_runtime")
    assert check["outcome"] == "denied" and not check["passed"]
    public = [a for a in answer if not a.startswith("10.80.")]
    assert f"outside {VPC}: {', '.join(sorted(public))}" in check["detail"]


def test_public_addresses_only_fail(run, resolver):
    resolver(RUNTIME_HOST, ["52.119.196.10"])
    assert dns_check(run, "dns_bedrock_runtime")["outcome"] == "denied"


def test_a_public_name_the_firewall_blocks_passes(run):
    # The run fixture's resolver answers NXDOMAIN for this name, as the DNS firewall does.
    check = dns_check(run, "dns_public_name_blocked", PUBLIC_DNS_NAME=BLOCKED_PUBLIC_NAME)
    assert check["outcome"] == "denied" and check["passed"], check["detail"]
    assert check["endpoint"] == BLOCKED_PUBLIC_NAME


def test_a_public_name_that_resolves_fails(run):
    # localhost resolves on every machine: a name the VPC's resolver answers is an exfiltration path.
    check = dns_check(run, "dns_public_name_blocked", PUBLIC_DNS_NAME="localhost")
    assert check["outcome"] == "allowed" and not check["passed"]
    assert "127.0.0.1" in check["detail"]


@pytest.mark.parametrize("errno, outcome", [(socket.EAI_NONAME, "denied"), (socket.EAI_AGAIN, "network_error"),
                                            (socket.EAI_FAIL, "network_error")])
def test_only_no_such_name_counts_as_blocked(run, resolver, errno, outcome):
    # A resolver that fails or times out says nothing about the firewall.
    resolver("example.com", socket.gaierror(errno, "resolver says no"))
    check = dns_check(run, "dns_public_name_blocked", PUBLIC_DNS_NAME="example.com")
    assert check["outcome"] == outcome and check["passed"] is (outcome == "denied"), check["detail"]
