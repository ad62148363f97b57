"""What the probe checks and what it expects, read from the environment the stack sets.

Pure data: no AWS SDK imports here, so the plan is cheap to build and easy to test. The
variable names are the contract's (contract.py), the same module the stack writes them from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# On Lambda the probe's modules are top-level (/var/task); `make verify` imports this one as a
# package module (private_bedrock/probe/runtime.py), and then its sibling is relative.
if __package__:
    from . import contract
else:
    import contract

ALLOWED = contract.ALLOWED
DENIED = contract.DENIED
SERVICES = contract.SERVICES
ENDPOINT_ENV = contract.ENDPOINT_URL  # the AWS SDK's AWS_ENDPOINT_URL_<SERVICE ID>


# bedrock-runtime serves Chat Completions and Responses here (signed for service "bedrock").
RUNTIME_OPENAI_PATH = "/openai/v1"
API_KEY_SUPPORT = ("supported", "disputed", "unsupported")


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
    # bedrock-runtime's OpenAI-compatible API serves OpenAI models only: None when the
    # allow list has none (the stack derives it, see private_bedrock/config/probe_plan.py RUNTIME_OPENAI_PROVIDER).
    runtime_openai_model: str | None = None  # for Chat Completions
    runtime_responses_model: str | None = None  # Responses there does not serve GPT OSS
    runtime_openai_denied_model: str = "openai.gpt-oss-120b-1:0"
    public_dns_name: str | None = None  # must NOT resolve from the VPC (DNS firewall)
    api_keys_in_region: str = "supported"  # supported | disputed | unsupported
    expect_web_search: str = DENIED
    # The Anthropic Messages API (anthropic_checks.py): an allow-listed Claude model per
    # endpoint (None: the allowed call is skipped) and one outside the lists.
    runtime_anthropic_model: str | None = None
    runtime_anthropic_denied_model: str = "anthropic.claude-haiku-4-5-20251001-v1:0"
    mantle_anthropic_model: str | None = None
    mantle_anthropic_denied_model: str = "anthropic.claude-haiku-4-5"
    # A required guardrail (guardrailArn): the native calls carry it, as workloads must.
    guardrail_arn: str | None = None
    guardrail_version: str = "DRAFT"

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

    def runtime_openai_base_url(self) -> str:
        # The same host botocore calls for Converse, under AWS's fixed OpenAI-compatible prefix.
        parts = urlsplit(self.endpoint_url("bedrock-runtime"))
        return f"{parts.scheme}://{parts.netloc}{RUNTIME_OPENAI_PATH}"

    def openai_base_url(self, service: str) -> str:
        return self.runtime_openai_base_url() if service == "bedrock-runtime" else self.mantle_base_url()


@dataclass(frozen=True)
class CheckSpec:
    name: str
    family: str  # dns | dns_public | control | runtime | openai
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
    region = next((env[n] for n in contract.REGION if env.get(n)), "").strip()
    if not region:
        raise PlanError(f"{contract.REGION[0]} is not set")
    kind = _choice(env, contract.PROBE_KIND, contract.KIND_VPC, (contract.KIND_VPC, contract.KIND_CONTROL))
    services = tuple(s.strip() for s in (env.get(contract.ENDPOINTS) or ",".join(SERVICES)).split(",") if s.strip())
    unknown = [s for s in services if s not in SERVICES]
    if unknown:
        raise PlanError(f"{contract.ENDPOINTS} has unknown services: {', '.join(unknown)}")
    vpc_cidr = (env.get(contract.VPC_CIDR) or "").strip() or None
    if kind == contract.KIND_VPC and vpc_cidr is None:
        raise PlanError(f"{contract.VPC_CIDR} is required when {contract.PROBE_KIND}={contract.KIND_VPC}")
    try:
        timeout = float(env.get(contract.PROBE_TIMEOUT_SECONDS) or 12)
    except ValueError as exc:
        raise PlanError(f"{contract.PROBE_TIMEOUT_SECONDS} is not a number: {exc}") from None
    return Config(
        region=region,
        kind=kind,
        vpc_cidr=vpc_cidr,
        services=services,
        runtime_model=env.get(contract.RUNTIME_MODEL) or "amazon.nova-micro-v1:0",
        runtime_denied_model=env.get(contract.RUNTIME_DENIED_MODEL) or "amazon.nova-lite-v1:0",
        mantle_model=env.get(contract.MANTLE_MODEL) or "openai.gpt-oss-20b",
        mantle_denied_model=env.get(contract.MANTLE_DENIED_MODEL) or "openai.gpt-oss-120b",
        mantle_base_path=env.get(contract.MANTLE_BASE_PATH) or "/v1",
        expect_allowed=_choice(env, contract.EXPECT_ALLOWED, ALLOWED, (ALLOWED, DENIED)),
        expect_bearer=_choice(env, contract.EXPECT_BEARER, DENIED, (ALLOWED, DENIED)),
        timeout=timeout,
        connect_timeout=min(3.0, timeout),
        runtime_openai_model=(env.get(contract.RUNTIME_OPENAI_MODEL) or "").strip() or None,
        runtime_responses_model=(env.get(contract.RUNTIME_RESPONSES_MODEL) or "").strip() or None,
        runtime_openai_denied_model=env.get(contract.RUNTIME_OPENAI_DENIED_MODEL) or "openai.gpt-oss-120b-1:0",
        public_dns_name=(env.get(contract.PUBLIC_DNS_NAME) or "").strip().rstrip(".") or None,
        api_keys_in_region=_choice(env, contract.API_KEYS_IN_REGION, "supported", API_KEY_SUPPORT),
        expect_web_search=_choice(env, contract.EXPECT_WEB_SEARCH, DENIED, (ALLOWED, DENIED)),
        runtime_anthropic_model=(env.get(contract.RUNTIME_ANTHROPIC_MODEL) or "").strip() or None,
        runtime_anthropic_denied_model=env.get(contract.RUNTIME_ANTHROPIC_DENIED_MODEL) or "anthropic.claude-haiku-4-5-20251001-v1:0",
        mantle_anthropic_model=(env.get(contract.MANTLE_ANTHROPIC_MODEL) or "").strip() or None,
        mantle_anthropic_denied_model=env.get(contract.MANTLE_ANTHROPIC_DENIED_MODEL) or "anthropic.claude-haiku-4-5",
        guardrail_arn=(env.get(contract.GUARDRAIL_ARN) or "").strip() or None,
        guardrail_version=(env.get(contract.GUARDRAIL_VERSION) or "").strip() or "DRAFT",
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
    # A bearer or web-search call passes the endpoint policy too, so it can only succeed
    # when the allow-listed calls do.
    bearer = config.expect_bearer if allow == ALLOWED else DENIED
    web_search = config.expect_web_search if allow == ALLOWED else DENIED
    on = set(config.services)
    checks: list[CheckSpec] = []
    skipped: list[dict] = []

    def skip(name: str, reason: str) -> None:
        skipped.append({"name": name, "reason": reason})

    for service in SERVICES:
        name = "dns_" + service.replace("-", "_")
        if service not in on:
            skip(name, f"{service} endpoint not enabled")
        elif control:
            skip(name, "control probe is outside the VPC; public DNS is expected")
        else:
            checks.append(CheckSpec(name, "dns", service, ALLOWED))
    if control:
        skip("dns_public_name_blocked", "control probe is outside the VPC; the DNS firewall guards the VPC's resolver only")
    elif config.public_dns_name is None:
        skip("dns_public_name_blocked", "no public name to try (PUBLIC_DNS_NAME is empty)")
    else:
        checks.append(CheckSpec("dns_public_name_blocked", "dns_public", "vpc-resolver", DENIED,
                                {"name": config.public_dns_name}))

    def add(service: str, spec: CheckSpec, *, unless: str | None = None) -> None:
        if service not in on:
            skip(spec.name, f"{service} endpoint not enabled")
        elif unless:
            skip(spec.name, unless)
        else:
            checks.append(spec)

    keys = _api_key_note(config)
    rt, m = "bedrock-runtime", "bedrock-mantle"
    add("bedrock", CheckSpec("control_list_foundation_models", "control", "bedrock", allow))
    add(rt, CheckSpec("runtime_converse_allowed_model", "runtime", rt, allow, {"model": config.runtime_model}))
    add(rt, CheckSpec("runtime_converse_denied_model", "runtime", rt, DENIED, {"model": config.runtime_denied_model}))

    # The Anthropic Messages API as the official SDK's AnthropicBedrock sends it (InvokeModel).
    no_claude = ("no allow-listed {0} model is a Claude model (anthropic.*); add one to {1} to prove "
                 "the Anthropic Messages API there")
    add(rt, CheckSpec("runtime_anthropic_messages_allowed_model", "anthropic", rt, allow,
                      {"model": config.runtime_anthropic_model}),
        unless=None if config.runtime_anthropic_model else no_claude.format("runtime", "runtimeModels"))
    add(rt, CheckSpec("runtime_anthropic_messages_denied_model", "anthropic", rt, DENIED,
                      {"model": config.runtime_anthropic_denied_model}))
    # The same API served natively at bedrock-runtime's /anthropic base URL (SigV4 "bedrock").
    # Authorized on the model or on the default project with bedrock:ModelArn [field]: the
    # grants admit the allow list either way. A required guardrail is carried, as above.
    add(rt, CheckSpec("runtime_anthropic_native_messages_allowed_model", "anthropic", rt, allow,
                      {"model": config.runtime_anthropic_model, "route": "native"}),
        unless=None if config.runtime_anthropic_model else no_claude.format("runtime", "runtimeModels"))
    add(rt, CheckSpec("runtime_anthropic_native_messages_denied_model", "anthropic", rt, DENIED,
                      {"model": config.runtime_anthropic_denied_model, "route": "native"}))

    # bedrock-runtime /openai/v1 through the OpenAI SDK's Bedrock provider (SigV4 for "bedrock").
    # Guardrails do not apply to these APIs (the Responses API page says so; the probe sends
    # none on Chat Completions either), so with a required guardrail the model grants, which
    # demand bedrock:GuardrailIdentifier, must refuse them.
    openai_allow = DENIED if config.guardrail_arn else allow
    ok_model = config.runtime_openai_model
    no_model = None if ok_model else (
        "no allow-listed runtime model is served by bedrock-runtime's OpenAI-compatible API (OpenAI "
        "models only); add one such as openai.gpt-oss-20b-1:0 to runtimeModels to prove this path")
    add(rt, CheckSpec("runtime_openai_chat_allowed_model", "openai", rt, openai_allow,
                      {"call": "chat", "model": ok_model}), unless=no_model)
    responses_model = config.runtime_responses_model
    add(rt, CheckSpec("runtime_openai_responses_allowed_model", "openai", rt, openai_allow,
                      {"call": "responses", "model": responses_model}),
        unless=None if responses_model else (
            "no allow-listed runtime model is served by bedrock-runtime's Responses API (OpenAI models "
            "other than GPT OSS, which only bedrock-mantle serves there); add one to runtimeModels to prove this path"))
    add(rt, CheckSpec("runtime_openai_chat_denied_model", "openai", rt, DENIED,
                      {"call": "chat", "model": config.runtime_openai_denied_model}))
    # Without an OpenAI model in the allow list, an expected refusal can still be shown with
    # the Converse model (anything but a policy's refusal fails the check); an expected
    # success cannot.
    rt_bearer = DENIED if config.guardrail_arn else bearer  # no guardrail on this path either
    bearer_model = ok_model or (config.runtime_model if rt_bearer == DENIED else None)
    add(rt, CheckSpec("runtime_openai_bearer_token", "openai", rt, rt_bearer,
                      {"call": "chat", "model": bearer_model, "auth": "bearer", "note": keys[1]}),
        unless=keys[0] or (None if bearer_model else no_model))

    add(m, CheckSpec("mantle_models_list", "openai", m, allow, {"call": "models"}))
    add(m, CheckSpec("mantle_chat_allowed_model", "openai", m, allow, {"call": "chat", "model": config.mantle_model}))
    add(m, CheckSpec("mantle_responses_allowed_model", "openai", m, allow,
                     {"call": "responses", "model": config.mantle_model}))
    add(m, CheckSpec("mantle_chat_denied_model", "openai", m, DENIED,
                     {"call": "chat", "model": config.mantle_denied_model}))
    add(m, CheckSpec("mantle_responses_denied_model", "openai", m, DENIED,
                     {"call": "responses", "model": config.mantle_denied_model}))
    # The Anthropic Messages API as the official SDK's AnthropicBedrockMantle sends it.
    add(m, CheckSpec("mantle_anthropic_messages_allowed_model", "anthropic", m, allow,
                     {"model": config.mantle_anthropic_model}),
        unless=None if config.mantle_anthropic_model else no_claude.format("bedrock-mantle", "mantleModels"))
    add(m, CheckSpec("mantle_anthropic_messages_denied_model", "anthropic", m, DENIED,
                     {"model": config.mantle_anthropic_denied_model}))
    # An allowed model, so only the server-side web search tool can be what is refused.
    add(m, CheckSpec("mantle_web_search_tool", "openai", m, web_search,
                     {"call": "web_search", "model": config.mantle_model}))
    add(m, CheckSpec("mantle_bearer_token", "openai", m, bearer,
                     {"call": "models", "auth": "bearer", "note": keys[1]}), unless=keys[0])
    return checks, skipped


def _api_key_note(config: Config) -> tuple[str | None, str | None]:
    """(reason to skip the bearer checks, note for their detail) from the region's API-key support."""
    if config.api_keys_in_region == "unsupported":
        return (f"Bedrock API keys are not supported in {config.region} (api-keys-supported.html): a bearer "
                "call there would fail whatever the policies say"), None
    if config.api_keys_in_region == "disputed":
        return None, (f"AWS's own pages disagree on API-key support in {config.region}; a refusal that is not "
                      "a policy's may mean keys do not work here")
    return None, None


def runs_everything(event: object) -> bool:
    """The schedule's and `make verify`'s event: the whole plan, not a chosen subset."""
    return event is None or event == {}


def select(checks: list[CheckSpec], event: object) -> list[CheckSpec]:
    """Apply the event: {} (or None) runs everything, {"checks": [names]} runs a subset.

    Anything else raises PlanError so the handler can report it instead of guessing.
    """
    if runs_everything(event):
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
