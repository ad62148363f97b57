"""What the probe checks and what it expects, read from the environment the stack sets.

Pure data: no AWS SDK imports here, so the plan is cheap to build and easy to test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

ALLOWED = "allowed"
DENIED = "denied"
SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle")

# Env var names follow the AWS SDK convention (AWS_ENDPOINT_URL_<SERVICE ID>);
# botocore reads the first two itself, the probe reads them only for the DNS check.
ENDPOINT_ENV = {
    "bedrock": "AWS_ENDPOINT_URL_BEDROCK",
    "bedrock-runtime": "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    "bedrock-mantle": "AWS_ENDPOINT_URL_BEDROCK_MANTLE",
}


class PlanError(ValueError):
    """The configuration or the event cannot be turned into a plan."""


@dataclass(frozen=True)
class Config:
    region: str
    kind: str  # "vpc" | "control"
    vpc_cidr: str | None
    services: tuple[str, ...]
    runtime_model: str
    runtime_denied_model: str
    mantle_model: str
    mantle_denied_model: str
    mantle_base_path: str
    expect_allowed: str
    expect_bearer: str
    timeout: float  # read timeout per call, seconds
    connect_timeout: float

    def endpoint_override(self, service: str) -> str | None:
        return os.environ.get(ENDPOINT_ENV[service]) or None

    def default_host(self, service: str) -> str:
        if service == "bedrock-mantle":
            return f"bedrock-mantle.{self.region}.api.aws"
        return f"{service}.{self.region}.amazonaws.com"

    def endpoint_url(self, service: str) -> str:
        """The URL the probe talks to for a service (override or the regional default)."""
        return self.endpoint_override(service) or f"https://{self.default_host(service)}"

    def host(self, service: str) -> str:
        return urlsplit(self.endpoint_url(service)).hostname or ""

    def mantle_base_url(self) -> str:
        # An override that already carries a path (e.g. ".../openai/v1") is used as is,
        # so one variable can point at any prefix; a bare origin gets MANTLE_BASE_PATH.
        url = self.endpoint_url("bedrock-mantle").rstrip("/")
        if urlsplit(url).path not in ("", "/"):
            return url
        return url + "/" + self.mantle_base_path.strip("/")


@dataclass(frozen=True)
class CheckSpec:
    name: str
    family: str  # dns | control | runtime | mantle
    service: str
    expected: str
    params: dict = field(default_factory=dict, compare=False)


def _choice(env: dict, name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in choices:
        raise PlanError(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value


def load_config(env: dict | None = None) -> Config:
    env = dict(os.environ if env is None else env)
    region = (env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "").strip()
    if not region:
        raise PlanError("AWS_REGION is not set")
    kind = _choice(env, "PROBE_KIND", "vpc", ("vpc", "control"))
    services = tuple(s.strip() for s in (env.get("ENDPOINTS") or ",".join(SERVICES)).split(",") if s.strip())
    unknown = [s for s in services if s not in SERVICES]
    if unknown:
        raise PlanError(f"ENDPOINTS has unknown services: {', '.join(unknown)}")
    vpc_cidr = (env.get("VPC_CIDR") or "").strip() or None
    if kind == "vpc" and vpc_cidr is None:
        raise PlanError("VPC_CIDR is required when PROBE_KIND=vpc")
    try:
        timeout = float(env.get("PROBE_TIMEOUT_SECONDS") or 12)
    except ValueError as exc:
        raise PlanError(f"PROBE_TIMEOUT_SECONDS is not a number: {exc}") from None
    return Config(
        region=region,
        kind=kind,
        vpc_cidr=vpc_cidr,
        services=services,
        runtime_model=env.get("RUNTIME_MODEL") or "amazon.nova-micro-v1:0",
        runtime_denied_model=env.get("RUNTIME_DENIED_MODEL") or "amazon.nova-lite-v1:0",
        mantle_model=env.get("MANTLE_MODEL") or "openai.gpt-oss-20b",
        mantle_denied_model=env.get("MANTLE_DENIED_MODEL") or "openai.gpt-oss-120b",
        mantle_base_path=env.get("MANTLE_BASE_PATH") or "/v1",
        expect_allowed=_choice(env, "EXPECT_ALLOWED", ALLOWED, (ALLOWED, DENIED)),
        expect_bearer=_choice(env, "EXPECT_BEARER", DENIED, (ALLOWED, DENIED)),
        timeout=timeout,
        connect_timeout=min(3.0, timeout),
    )


def build_plan(config: Config) -> tuple[list[CheckSpec], list[dict]]:
    """All checks for this config, and the ones skipped with a reason.

    The control probe runs outside the VPC: aws:SourceVpce is absent there, so every
    Bedrock call is expected denied whatever EXPECT_ALLOWED says. Its DNS checks are
    skipped (public resolution is correct there) and listed under "skipped", because the
    report's outcome values have no "not run".
    """
    control = config.kind == "control"
    allow = DENIED if control else config.expect_allowed
    # A bearer call passes the endpoint policy too, so it can only succeed when the
    # allow-listed calls do.
    bearer = config.expect_bearer if allow == ALLOWED else DENIED
    on = set(config.services)
    checks: list[CheckSpec] = []
    skipped: list[dict] = []

    for service in SERVICES:
        name = "dns_" + service.replace("-", "_")
        if service not in on:
            skipped.append({"name": name, "reason": f"{service} endpoint not enabled"})
        elif control:
            skipped.append({"name": name, "reason": "control probe is outside the VPC; public DNS is expected"})
        else:
            checks.append(CheckSpec(name, "dns", service, ALLOWED))

    def add(service: str, spec: CheckSpec) -> None:
        (checks.append(spec) if service in on
         else skipped.append({"name": spec.name, "reason": f"{service} endpoint not enabled"}))

    add("bedrock", CheckSpec("control_list_foundation_models", "control", "bedrock", allow))
    add("bedrock-runtime", CheckSpec("runtime_converse_allowed_model", "runtime", "bedrock-runtime", allow,
                                     {"model": config.runtime_model}))
    add("bedrock-runtime", CheckSpec("runtime_converse_denied_model", "runtime", "bedrock-runtime", DENIED,
                                     {"model": config.runtime_denied_model}))
    m = "bedrock-mantle"
    add(m, CheckSpec("mantle_models_list", "mantle", m, allow, {"call": "models"}))
    add(m, CheckSpec("mantle_chat_allowed_model", "mantle", m, allow, {"call": "chat", "model": config.mantle_model}))
    add(m, CheckSpec("mantle_responses_allowed_model", "mantle", m, allow,
                     {"call": "responses", "model": config.mantle_model}))
    add(m, CheckSpec("mantle_chat_denied_model", "mantle", m, DENIED,
                     {"call": "chat", "model": config.mantle_denied_model}))
    add(m, CheckSpec("mantle_responses_denied_model", "mantle", m, DENIED,
                     {"call": "responses", "model": config.mantle_denied_model}))
    add(m, CheckSpec("mantle_bearer_token", "mantle", m, bearer, {"call": "models", "auth": "bearer"}))
    return checks, skipped


def select(checks: list[CheckSpec], event: object) -> list[CheckSpec]:
    """Apply the event: {} (or None) runs everything, {"checks": [names]} runs a subset.

    Anything else raises PlanError so the handler can report it instead of guessing.
    """
    if event is None or event == {}:
        return checks
    if not isinstance(event, dict) or set(event) != {"checks"}:
        raise PlanError('event must be {} or {"checks": [names...]}')
    names = event["checks"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise PlanError('"checks" must be a non-empty list of check names')
    known = {c.name for c in checks}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise PlanError(f"unknown or not enabled checks: {', '.join(unknown)}; available: {', '.join(sorted(known))}")
    wanted = set(names)
    return [c for c in checks if c.name in wanted]
