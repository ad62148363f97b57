"""Environment for running the real probe handler in-process against local fakes."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The public name the `run` fixture's stand-in for the VPC resolver blocks, as a DNS firewall
# does (NXDOMAIN); every other name goes to this machine's resolver.
BLOCKED_PUBLIC_NAME = "blocked-by-the-dns-firewall.example"
PROBE_DIR = REPO / "lambda_src" / "probe"

# Anything that could point botocore at a real account, profile or metadata service.
_SCRUB = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION",
          "AWS_BEARER_TOKEN_BEDROCK", "AWS_BEDROCK_BASE_URL", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
          "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
          "AWS_ENDPOINT_URL_BEDROCK", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL_BEDROCK_MANTLE",
          "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "OPENAI_API_KEY",
          "PROBE_KIND", "VPC_CIDR", "ENDPOINTS", "EXPECT_ALLOWED", "EXPECT_BEARER", "MANTLE_BASE_PATH",
          "RUNTIME_MODEL", "RUNTIME_DENIED_MODEL", "MANTLE_MODEL", "MANTLE_DENIED_MODEL", "PROBE_TIMEOUT_SECONDS",
          "RUNTIME_OPENAI_MODEL", "RUNTIME_RESPONSES_MODEL", "RUNTIME_OPENAI_DENIED_MODEL", "PUBLIC_DNS_NAME",
          "API_KEYS_IN_REGION", "EXPECT_WEB_SEARCH", "RUNTIME_ANTHROPIC_MODEL", "RUNTIME_ANTHROPIC_DENIED_MODEL",
          "MANTLE_ANTHROPIC_MODEL", "MANTLE_ANTHROPIC_DENIED_MODEL", "GUARDRAIL_ARN", "GUARDRAIL_VERSION")


def isolate_aws(monkeypatch, tmp_path) -> None:
    for name in _SCRUB:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def set_probe_env(monkeypatch, tmp_path, *, url: str | None = None, urls: dict | None = None,
                  credentials=None, **env: str) -> None:
    """Point every service at `url` (or per-service `urls`) and set the probe contract vars."""
    isolate_aws(monkeypatch, tmp_path)
    values = {"AWS_REGION": "us-east-1", "PROBE_KIND": "vpc", "VPC_CIDR": "127.0.0.0/8",
              "ENDPOINTS": "bedrock,bedrock-runtime,bedrock-mantle", "EXPECT_ALLOWED": "allowed",
              "EXPECT_BEARER": "denied", "RUNTIME_MODEL": "amazon.nova-micro-v1:0",
              "RUNTIME_DENIED_MODEL": "amazon.nova-lite-v1:0", "MANTLE_MODEL": "openai.gpt-oss-20b",
              "MANTLE_DENIED_MODEL": "openai.gpt-oss-120b", "PROBE_TIMEOUT_SECONDS": "5",
              "RUNTIME_OPENAI_MODEL": "openai.gpt-oss-20b-1:0", "RUNTIME_RESPONSES_MODEL": "openai.gpt-5.4",
              "RUNTIME_OPENAI_DENIED_MODEL": "openai.gpt-oss-120b-1:0", "API_KEYS_IN_REGION": "supported",
              "EXPECT_WEB_SEARCH": "denied",
              "PUBLIC_DNS_NAME": BLOCKED_PUBLIC_NAME}
    for service in ("BEDROCK", "BEDROCK_RUNTIME", "BEDROCK_MANTLE"):
        target = (urls or {}).get(service.lower().replace("_", "-"), url)
        if target:
            values[f"AWS_ENDPOINT_URL_{service}"] = target
    if credentials is not None:
        values.update(credentials.env())
    values.update(env)
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def load_handler():
    """The probe's handler module, imported the way Lambda does (flat modules on sys.path)."""
    if str(PROBE_DIR) not in sys.path:
        sys.path.insert(0, str(PROBE_DIR))
    return importlib.import_module("handler")


def by_name(report: dict) -> dict:
    return {c["name"]: c for c in report["checks"]}


class FakeContext:
    """The part of Lambda's context object the handler reads: how much time is left."""

    def __init__(self, remaining_ms: int):
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def run(monkeypatch, tmp_path):
    """run(fake_or_url, event={}, credentials=None, context=None, **env) -> the real handler's report.

    A FakeBedrock gets each service pointed at its own server; a URL string points all three
    at it (a silent server, a closed port, an unresolvable name).
    """
    import socket

    from tests.fakes.bedrock_servers import Credentials, FakeBedrock

    real_getaddrinfo = socket.getaddrinfo

    def firewalled_getaddrinfo(host, *args, **kwargs):
        if host == BLOCKED_PUBLIC_NAME:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    # Not this machine's DNS: offline, a name it cannot resolve fails with EAI_AGAIN, not NXDOMAIN.
    monkeypatch.setattr(socket, "getaddrinfo", firewalled_getaddrinfo)

    def _run(target, event=None, credentials=None, context=None, **env):
        fake = isinstance(target, FakeBedrock)
        creds = credentials or (target.credentials if fake else Credentials())
        set_probe_env(monkeypatch, tmp_path, url=None if fake else target, urls=target.urls if fake else None,
                      credentials=creds, **env)
        return load_handler().handler({} if event is None else event, context)

    return _run


def failures(report: dict) -> dict:
    return {c["name"]: (c["outcome"], c["detail"]) for c in report["checks"] if not c["passed"]}
