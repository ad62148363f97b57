"""Typed, immutable configuration, validated once at the top of app.py.

Every error a user can cause is raised here as a ConfigError whose message is one
sentence naming the bad value, what is accepted, and how to fix it.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Mapping

from private_bedrock.config.claude_platform import parse_claude_platform
from private_bedrock.facts.capabilities import CAPABILITIES, DEFAULT_CAPABILITIES, REQUIRES
from private_bedrock.config.values import ACCOUNT_ID, ROLE_OR_USER_ARN, as_bool, as_int, as_list, as_mapping, json_value, matching, one_of, role_arns
from private_bedrock.config.account_facts import ACCOUNT_SOURCE, DOCUMENTED_SOURCE, AccountFacts, read_facts
from private_bedrock.config.errors import ConfigError
from private_bedrock.facts.model_catalog import IN_REGION_MODELS, ModelCatalog, profiles_with_prefix, unknown_model_sentence
from private_bedrock.config.network_inputs import check_on_prem_cidrs, check_subnets_fit, default_vpc_cidr
from private_bedrock.facts.regions import (
    BEDROCK_REGIONS,
    COUNTRY_PROFILES,
    DEFAULT_MANTLE_MODEL,
    GLOBAL_PREFIX,
    INFERENCE_SCOPES,
    PROFILE_GEOGRAPHIES,
    PROFILE_PREFIXES,
    SERVICES,
    admitted_prefixes,
    api_key_support,
    country_prefix,
    default_runtime_model,
    geographies_of,
    documentation_note,
    documented_regions,
    scope_meaning,
)

from private_bedrock.config.topology import TOPOLOGY_KEYS, NetworkChoice, check_inbound_rule_quota, parse_network

if TYPE_CHECKING:
    from private_bedrock.access import BedrockAccess
    from private_bedrock.config.fence import FenceConfig
    from private_bedrock.config.fleet import FleetConfig

__all__ = ["AppConfig", "ConfigError", "ModelRef", "ProbePlan", "RegionConfig", "load_config", "parse_model_id"]


DEFAULT_ENDPOINTS: tuple[str, ...] = ("bedrock", "bedrock-runtime", "bedrock-mantle")
ENDPOINT_POLICY_MODES: tuple[str, ...] = ("allow", "deny")
DEFAULT_REGIONS: tuple[str, ...] = ("us-east-1", "ap-northeast-1")
# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653,
)
# Real models the probe uses to show that a model outside the allow list is refused.
# (Authorization happens before model lookup, so a refusal is shown whatever the region offers.)
RUNTIME_DENIAL_CANDIDATES = (
    "amazon.nova-lite-v1:0", "amazon.nova-pro-v1:0", "amazon.nova-micro-v1:0",
    "meta.llama3-8b-instruct-v1:0", "mistral.mistral-small-2402-v1:0",
)
MANTLE_DENIAL_CANDIDATES = ("openai.gpt-oss-120b", "openai.gpt-oss-20b", "openai.gpt-oss-safeguard-20b", "openai.gpt-oss-safeguard-120b")
# bedrock-runtime's OpenAI-compatible APIs (/openai/v1: Chat Completions, Responses) serve
# only OpenAI models, under their bedrock-runtime ids ("You can use the Create chat completion
# API with all OpenAI models supported in Amazon Bedrock", inference-chat-completions.html);
# Nova and the other Converse models are not served there [field: re-check
# models-api-compatibility.html when AWS adds models]. So the probe's runtime OpenAI checks
# use the first allow-listed runtime model of this provider, and show a refusal with an
# OpenAI model outside the allow list (one the path would otherwise serve). Responses on
# bedrock-runtime does not serve the GPT OSS models ("Responses API access to GPT OSS models"
# is listed as mantle-only, inference-responses-api.html), so its check needs another one.
RUNTIME_OPENAI_PROVIDER = "openai."
RUNTIME_RESPONSES_NOT_SERVED = ("openai.gpt-oss-",)
RUNTIME_OPENAI_DENIAL_CANDIDATES = ("openai.gpt-oss-120b-1:0", "openai.gpt-oss-20b-1:0")
# The Anthropic Messages API (bedrock-mantle /anthropic/v1/messages; bedrock-runtime through
# the Anthropic SDK's AnthropicBedrock, i.e. InvokeModel) serves Claude models: the probe's
# allowed calls use the first allow-listed model of this provider, its refusals a Claude model
# outside the lists. Mantle's Claude ids carry no version suffix (models.list is the truth) [field].
ANTHROPIC_PROVIDER = "anthropic."
RUNTIME_ANTHROPIC_DENIAL_CANDIDATES = ("anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0")
MANTLE_ANTHROPIC_DENIAL_CANDIDATES = ("anthropic.claude-haiku-4-5", "anthropic.claude-sonnet-4-5")
# Bedrock service tiers (botocore 1.44: ServiceTierType of bedrock-runtime; the same values for
# bedrock-mantle's service_tier), the values of bedrock:ServiceTier / bedrock-mantle:ServiceTier.
SERVICE_TIERS: tuple[str, ...] = ("priority", "default", "flex", "reserved")
# A public name the probe must NOT be able to resolve from the VPC (the DNS firewall blocks it).
DEFAULT_PROBE_PUBLIC_DNS_NAME = "example.com"
_DNS_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

_MODEL_ID = re.compile(r"^[a-z0-9-]+\.[a-z0-9][a-z0-9._:-]*$")
_AZ_NAME = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$")
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours)\)$")
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[a-zA-Z]{2,}$")
DEFAULT_PROBE_SCHEDULE = "rate(1 hour)"
# The missed-run alarm waits two intervals, and CloudWatch evaluates at most one day of
# periods; the shortest interval keeps the probe's Bedrock calls (and cost) sensible.
PROBE_INTERVAL_MINUTES = (5, 12 * 60)
# Bedrock resource ARNs the configuration names (patterns from the Bedrock API reference).
_GUARDRAIL_ARN = re.compile(r"^arn:aws:bedrock:([a-z0-9-]+):(\d{12}):guardrail/[a-z0-9]+$")
_AGENT_ALIAS_ARN = re.compile(r"^arn:aws:bedrock:([a-z0-9-]+):(\d{12}):agent-alias/[0-9a-zA-Z]{10}/[0-9a-zA-Z]{10}$")
_KNOWLEDGE_BASE_ARN = re.compile(r"^arn:aws:bedrock:([a-z0-9-]+):(\d{12}):knowledge-base/[0-9a-zA-Z]{10}$")
AGENT_SERVICES: tuple[str, ...] = ("bedrock-agent", "bedrock-agent-runtime")
_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")

# Keys that may differ per region (top level = default, regionOverrides.<region> = override).
REGIONAL_KEYS: tuple[str, ...] = (
    "azCount",
    "availabilityZones",
    "vpcCidr",
    "endpoints",
    "runtimeModels",
    "mantleModels",
    "inferenceScope",
    "allowApiKeys",
    "claudePlatform",
    "extraPrincipalArns",
    "onPremCidrs",
    "endpointPolicy",
    "flowLogRetentionDays",
    "mantleBasePath",
    "dnsAllowedDomains",
    "keyAdminArns",
    "allowPublicOnPremCidrs",
    "resolverInboundEndpoint",
    "capabilities",
    "guardrailArn",
    "agentAliasArns",
    "knowledgeBaseArns",
    "probePublicDnsName",
    *TOPOLOGY_KEYS,
    "probeSchedule",
    "alarmEmails",
    "auditTrail",
    "serviceTiers",
)
# fence: the organisation fence (private_bedrock/config/fence.py); fenceEndpointIds: written by `make fence-ids`.
# fleet: delivery by CloudFormation StackSets (private_bedrock/config/fleet.py).
GLOBAL_KEYS: tuple[str, ...] = ("regions", "regionOverrides", "fence", "fenceEndpointIds", "fleet")
KNOWN_KEYS: frozenset[str] = frozenset(REGIONAL_KEYS + GLOBAL_KEYS)


@dataclass(frozen=True)
class ModelRef:
    """A native (bedrock-runtime) model id: an in-region foundation model or a profile."""

    model_id: str
    # None for an in-region foundation model; "us", "eu", "apac", "jp", "au" or "global".
    profile_prefix: str | None = None

    @property
    def is_profile(self) -> bool:
        return self.profile_prefix is not None

    @property
    def foundation_model_id(self) -> str:
        """The underlying foundation model (the profile id without its prefix)."""
        if self.profile_prefix is None:
            return self.model_id
        return self.model_id[len(self.profile_prefix) + 1 :]

    def documented_regions(self, source_region: str) -> tuple[str, ...]:
        """Where inference may run when this id is called from `source_region`, per the docs."""
        if self.profile_prefix is None:
            return (source_region,)
        if self.profile_prefix == GLOBAL_PREFIX:
            return ("*",)
        return PROFILE_GEOGRAPHIES[self.profile_prefix]


@dataclass(frozen=True)
class ProbePlan:
    """What the probe calls; the denied models are real ids outside the allow lists."""

    runtime_model: str
    runtime_denied_model: str
    mantle_model: str | None
    mantle_denied_model: str | None
    mantle_base_path: str
    # bedrock-runtime /openai/v1 (see RUNTIME_OPENAI_PROVIDER): None when no allow-listed
    # runtime model is served there, and then the probe skips the calls that need one.
    runtime_openai_model: str | None = None
    runtime_responses_model: str | None = None
    runtime_openai_denied_model: str = RUNTIME_OPENAI_DENIAL_CANDIDATES[0]
    # None: no DNS firewall to prove (the probe then skips its public-name check).
    public_dns_name: str | None = DEFAULT_PROBE_PUBLIC_DNS_NAME
    # "supported" | "disputed" | "unsupported" (private_bedrock/facts/regions.py api_key_support).
    api_keys_in_region: str = "supported"
    # Whether mantle's server-side web search is expected to work (a capability enables it).
    web_search_allowed: bool = False
    # The Anthropic Messages API (see ANTHROPIC_PROVIDER): None when no Claude model is allow-listed.
    runtime_anthropic_model: str | None = None
    runtime_anthropic_denied_model: str = RUNTIME_ANTHROPIC_DENIAL_CANDIDATES[0]
    mantle_anthropic_model: str | None = None
    mantle_anthropic_denied_model: str = MANTLE_ANTHROPIC_DENIAL_CANDIDATES[0]


@dataclass(frozen=True)
class MonitoringConfig:
    """The scheduled probe, its alarms and the optional bedrock-mantle audit trail."""

    probe_schedule: str | None  # "rate(1 hour)"; None = no schedule ("off")
    alarm_emails: tuple[str, ...]
    audit_trail: bool

    @property
    def interval_minutes(self) -> int | None:
        if self.probe_schedule is None:
            return None
        m = _RATE.match(self.probe_schedule)
        assert m is not None  # validated by _monitoring
        return int(m.group(1)) * (60 if m.group(2).startswith("hour") else 1)


@dataclass(frozen=True)
class RegionConfig:
    region: str
    az_count: int
    availability_zones: tuple[str, ...]  # explicit names; empty = decided at synth/deploy
    vpc_cidr: str
    endpoints: tuple[str, ...]
    runtime_models: tuple[ModelRef, ...]
    mantle_models: tuple[str, ...]
    inference_scope: str
    allow_api_keys: bool
    extra_principal_arns: tuple[str, ...]
    on_prem_cidrs: tuple[str, ...]
    resolver_inbound_endpoint: bool  # a Route 53 Resolver inbound endpoint for on-premises DNS
    endpoint_policy: str  # "allow" (normal) or "deny" (the seed's flip-to-Deny demo)
    flow_log_retention_days: int
    probe: ProbePlan
    monitoring: MonitoringConfig = MonitoringConfig(DEFAULT_PROBE_SCHEDULE, (), False)
    # What the grants cover beyond the endpoints and models (private_bedrock/facts/capabilities.py).
    capabilities: tuple[str, ...] = DEFAULT_CAPABILITIES
    guardrail_arn: str | None = None  # when set, bedrock-runtime inference only with this guardrail
    agent_alias_arns: tuple[str, ...] = ()  # the only agents bedrock-agent-runtime may invoke
    knowledge_base_arns: tuple[str, ...] = ()  # the only knowledge bases it may retrieve from
    # Roles exempt from the Claude Platform Denies (private_bedrock/config/claude_platform.py); empty = none.
    claude_platform_principal_arns: tuple[str, ...] = ()
    # The service tiers inference may ask for (serviceTiers); empty = every tier AWS offers.
    service_tiers: tuple[str, ...] = ()

    def has(self, capability: str) -> bool:
        return capability in self.capabilities
    # Where each native model id may run (profile destinations from GetInferenceProfile when
    # cached, else the documented table) and which of the two said so.
    model_regions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    model_sources: Mapping[str, str] = field(default_factory=dict)
    # Where the endpoint-service facts came from, per service, with any doubt about them.
    endpoint_sources: Mapping[str, str] = field(default_factory=dict)
    # One-sentence warnings for the person synthesizing (unknown ids offline, say).
    warnings: tuple[str, ...] = ()
    dns_allowed_domains: tuple[str, ...] = ()  # the user's names, on top of private_bedrock/network/dns_names.py
    key_admin_arns: tuple[str, ...] = ()  # empty: the account root administers the log key
    # Where the endpoints go (new VPC or existing one) and the topology (standalone, hub, spoke).
    network: NetworkChoice = NetworkChoice()

    @cached_property
    def access(self) -> "BedrockAccess":
        """What the grants need (private_bedrock/access.py), from this region's validated settings."""
        from private_bedrock.access import BedrockAccess  # it builds on this module's validators

        return BedrockAccess(
            region=self.region,
            runtime_models=self.runtime_models,
            mantle_models=self.mantle_models,
            inference_scope=self.inference_scope,
            services=self.endpoints,
            capabilities=self.capabilities,
            allow_api_keys=self.allow_api_keys,
            endpoint_policy=self.endpoint_policy,
            guardrail_arn=self.guardrail_arn,
            agent_alias_arns=self.agent_alias_arns,
            knowledge_base_arns=self.knowledge_base_arns,
            service_tiers=self.service_tiers,
            claude_platform_principal_arns=self.claude_platform_principal_arns,
            model_regions=self.model_regions,
            # Checked already, against the account's lookup where cached (load_config).
            check_documented=False,
        )

    @property
    def stack_id(self) -> str:
        return f"PrivateBedrock-{self.region}"

    @property
    def mantle_enabled(self) -> bool:
        return "bedrock-mantle" in self.endpoints

    def regions_of(self, model: ModelRef) -> tuple[str, ...]:
        """Where inference for `model` may run ("*" = any commercial region)."""
        return self.model_regions.get(model.model_id) or model.documented_regions(self.region)

    def inference_regions(self) -> tuple[str, ...]:
        """Every region native inference may run in for the configured models."""
        seen: dict[str, None] = {}
        for model in self.runtime_models:
            for r in self.regions_of(model):
                seen[r] = None
        return tuple(seen)


@dataclass(frozen=True)
class AppConfig:
    account: str | None  # None: synthesize account-agnostic (no credentials needed)
    regions: tuple[RegionConfig, ...] = field(default_factory=tuple)
    fence: "FenceConfig | None" = None  # always set by load_config
    fleet: "FleetConfig | None" = None  # always set by load_config; enabled: StackSets deliver the stacks

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(w for r in self.regions for w in r.warnings)


# --------------------------------------------------------------------------- parsing


def parse_model_id(key: str, model_id: str) -> ModelRef:
    if model_id.startswith("arn:"):
        raise ConfigError(
            f"{key} entry {model_id!r} is an ARN; give the model or inference profile id "
            "(for example amazon.nova-micro-v1:0 or us.amazon.nova-micro-v1:0)."
        )
    if not _MODEL_ID.match(model_id):
        raise ConfigError(
            f"{key} entry {model_id!r} is not a Bedrock model id; expected provider.model "
            "in lower case (for example amazon.nova-micro-v1:0), optionally prefixed by a "
            f"cross-region profile prefix ({', '.join(p + '.' for p in PROFILE_PREFIXES)})."
        )
    prefix, _, rest = model_id.partition(".")
    if prefix in PROFILE_PREFIXES:
        if not _MODEL_ID.match(rest):
            raise ConfigError(
                f"{key} entry {model_id!r} is an inference profile id without a model; "
                f"expected {prefix}.provider.model (for example {prefix}.amazon.nova-micro-v1:0)."
            )
        return ModelRef(model_id, prefix)
    return ModelRef(model_id, None)


def _scope_hint(region: str) -> str:
    """Real models that keep inference in `region` or its country, or the wider choice there is."""
    country = country_prefix(region)
    options = [*IN_REGION_MODELS.get(region, ())[:2], *(profiles_with_prefix(country)[:2] if country else ())]
    if options:
        return "for example " + " or ".join(options)
    broad = next((p for p in geographies_of(region) if p not in COUNTRY_PROFILES), None)
    wider = f", or the {broad}. profile such as {profiles_with_prefix(broad)[0]} with inferenceScope 'geography'" if broad else ""
    return f"a model the account offers in-region there (`make lookup` lists them){wider}"


def _check_scope(where: str, scope_where: str, region: str, scope: str, model: ModelRef, regions: tuple[str, ...], source: str) -> None:
    """The model id's prefix must be one the scope admits, and a country profile must stay in its country."""
    if model.profile_prefix is None:
        return
    admitted = admitted_prefixes(region, scope)
    if model.profile_prefix not in admitted:
        wider = next((s for s in INFERENCE_SCOPES if model.profile_prefix in admitted_prefixes(region, s)), "global")
        raise ConfigError(
            f"{where} entry {model.model_id!r} is a cross-region inference profile that inferenceScope "
            f"{scope!r} does not admit in {region} (it admits {scope_meaning(region, scope)}); "
            f"use a model that keeps inference where you need it ({_scope_hint(region)}) or set {scope_where} to {wider!r} if that residency is acceptable."
        )
    country = COUNTRY_PROFILES.get(model.profile_prefix)
    if country and scope == "country" and "*" not in regions:
        outside = [r for r in regions if r not in PROFILE_GEOGRAPHIES[model.profile_prefix]]
        if outside:
            raise ConfigError(
                f"{where} entry {model.model_id!r} routes to {', '.join(outside)} per the {source}, outside "
                f"{country}, which inferenceScope 'country' forbids; choose another model or set {scope_where} to 'geography'."
            )


def _check_endpoint(where: str, region: str, service: str, facts: AccountFacts) -> str:
    """Refuse a service the region does not offer; return where that answer came from."""
    fact = facts.endpoint_services.get(service)
    if fact is not None:
        if not fact.offered:
            raise ConfigError(
                f"The account lookup (cdk.context.json) says {region} does not offer a {service} interface endpoint; "
                f"remove {service} from {where} for {region} (or run `make lookup` again if AWS has added it since)."
            )
        if not fact.policy_supported:
            raise ConfigError(
                f"The account lookup (cdk.context.json) says the {service} endpoint service in {region} does not support "
                f"endpoint policies, which this deployment relies on; remove {service} from {where} for {region}."
            )
        return ACCOUNT_SOURCE
    offered = documented_regions(service)
    if region not in offered:
        what = "Bedrock Agents" if service.startswith("bedrock-agent") else f"a {service} PrivateLink endpoint"
        raise ConfigError(
            f"Region {region} does not offer {what} according to AWS's documentation ({len(offered)} regions do: "
            f"{', '.join(sorted(offered))}); remove {service} from regionOverrides.{region}.endpoints, or run "
            "`make lookup` with credentials if your account says otherwise."
        )
    note = documentation_note(service, region)
    return f"{DOCUMENTED_SOURCE} ({note})" if note else DOCUMENTED_SOURCE


def _check_model_ids(where: str, region: str, ids: tuple[str, ...], catalog: ModelCatalog) -> tuple[str, ...]:
    """Unknown ids: refused when the account said so, a warning against the documented table."""
    warnings = []
    for model_id in ids:
        if model_id in catalog.ids:
            continue
        sentence = unknown_model_sentence(where, model_id, region, catalog)
        if catalog.authoritative:
            raise ConfigError(sentence)
        warnings.append(sentence)
    return tuple(warnings)


def _cidr(key: str, value: str, *, vpc: bool) -> str:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        raise ConfigError(f"{key} {value!r} is not an IPv4 CIDR block such as 10.0.0.0/16.") from None
    if net.prefixlen == 0:
        raise ConfigError(f"{key} {value!r} admits the whole internet; give the on-premises ranges only.")
    if vpc and not (16 <= net.prefixlen <= 24):
        raise ConfigError(f"{key} {value!r} must be a /16 to /24 block (AWS VPC limits and room for the subnets).")
    if vpc and not net.is_private:
        raise ConfigError(f"{key} {value!r} is not a private (RFC 1918) range; use for example 10.80.0.0/16.")
    return str(net)


def _dns_domain(key: str, value: str) -> str:
    """A name DNS Firewall can match: lower case, optionally '*.' for every name below it."""
    if value.strip("*.") == "":
        raise ConfigError(f"{key} entry {value!r} would allow every name and switch the DNS firewall off; list your own domains, for example corp.example.com.")
    labels = (value[2:] if value.startswith("*.") else value).split(".")
    if len(value) > 253 or len(labels) < 2 or not all(_DNS_LABEL.match(label) for label in labels):
        raise ConfigError(
            f"{key} entry {value!r} is not a domain name DNS Firewall can match; give lower-case names "
            "without a trailing dot such as corp.example.com, or *.corp.example.com for the names below it."
        )
    return value


def _denial_model(key: str, candidates: tuple[str, ...], allowed: set[str]) -> str:
    """A real model outside the allow list, for the probe to show that it is refused."""
    for candidate in candidates:
        if candidate not in allowed:
            return candidate
    raise ConfigError(
        f"{key} allow-lists every model the probe uses to show a refusal ({', '.join(candidates)}); "
        "leave at least one of them out."
    )


def _monitoring(where: Callable[[str], str], settings: Mapping[str, Any]) -> MonitoringConfig:
    raw = settings.get("probeSchedule", DEFAULT_PROBE_SCHEDULE)
    schedule: str | None = None
    if raw != "off":
        m = _RATE.match(raw) if isinstance(raw, str) else None
        minutes = int(m.group(1)) * (60 if m.group(2).startswith("hour") else 1) if m else 0
        low, high = PROBE_INTERVAL_MINUTES
        if not m or not low <= minutes <= high or (m.group(1) == "1") != (not m.group(2).endswith("s")):
            raise ConfigError(
                f"{where('probeSchedule')} {raw!r} is not supported; use \"off\" or a rate from "
                f"rate({low} minutes) to rate({high // 60} hours), for example {DEFAULT_PROBE_SCHEDULE!r}."
            )
        schedule = raw
    emails = tuple(as_list(where("alarmEmails"), settings.get("alarmEmails", [])))
    for email in emails:
        if not _EMAIL.match(email):
            raise ConfigError(f"{where('alarmEmails')} entry {email!r} is not an email address such as security@example.com.")
    if len(set(emails)) != len(emails):
        raise ConfigError(f"{where('alarmEmails')} lists an address twice; list each address once.")
    return MonitoringConfig(
        probe_schedule=schedule,
        alarm_emails=emails,
        audit_trail=as_bool(where("auditTrail"), settings.get("auditTrail", False)),
    )


def _service_tiers(key: str, value: Any) -> tuple[str, ...]:
    """The tiers inference may name, in SERVICE_TIERS order (reordering changes no policy)."""
    if value is None:
        return ()
    tiers = as_list(key, value)
    for tier in tiers:
        if tier not in SERVICE_TIERS:
            raise ConfigError(f"{key} entry {tier!r} is not a Bedrock service tier; use some of: {', '.join(SERVICE_TIERS)}.")
    if "default" not in tiers:
        raise ConfigError(
            f"{key} {tiers!r} leaves out default; add default, because a request that names no tier runs at the "
            "default tier and AWS does not document whether it then carries the tier condition key."
        )
    return tuple(t for t in SERVICE_TIERS if t in tiers)


def _capabilities(key: str, value: Any) -> tuple[str, ...]:
    names = as_list(key, value)
    for name in names:
        if name not in CAPABILITIES:
            raise ConfigError(f"{key} entry {name!r} is not a known capability; use any of: {', '.join(CAPABILITIES)}.")
    if "inference" not in names:
        raise ConfigError(f"{key} {names!r} lacks inference, which every other capability and the probe build on; add it.")
    for name, needed in REQUIRES.items():
        if name in names and needed not in names:
            raise ConfigError(f"{key} lists {name} without {needed}, which it extends; add {needed} or remove {name}.")
    # Keep the documented order so the policies do not change when the user reorders the list.
    return tuple(c for c in CAPABILITIES if c in names)


def _bedrock_arns(key: str, values: list[str], pattern: re.Pattern[str], example: str, region: str, account: str | None) -> tuple[str, ...]:
    """ARNs of this region's (and account's) Bedrock resources, validated one by one."""
    for arn in values:
        m = pattern.match(arn)
        if not m:
            raise ConfigError(f"{key} entry {arn!r} is not an ARN such as {example}.")
        if m.group(1) != region:
            raise ConfigError(f"{key} entry {arn!r} is in {m.group(1)}, not {region}; name a resource of {region} (set it in regionOverrides.{region}).")
        if account is not None and m.group(2) != account:
            raise ConfigError(f"{key} entry {arn!r} belongs to account {m.group(2)}, not the deployment account {account}; name a resource of {account}.")
    return tuple(dict.fromkeys(values))


def _one_account(key_arns: Mapping[str, tuple[str, ...]]) -> None:
    """Without a deployment account, the named resources must at least share one account."""
    owners = {arn.split(":")[4]: key for key, arns in key_arns.items() for arn in arns}
    if len(owners) > 1:
        listed = ", ".join(f"{acct} ({key})" for acct, key in sorted(owners.items()))
        raise ConfigError(f"The Bedrock resources named in the configuration belong to several accounts ({listed}); name resources of the deployment account only.")


def _region_config(region: str, settings: Mapping[str, Any], overridden: frozenset[str], context: Mapping[str, Any], account: str | None) -> RegionConfig:
    def where(key: str) -> str:
        """Name the setting where the user wrote it, so the error points at the right line."""
        return f"regionOverrides.{region}.{key}" if key in overridden else key

    az_count = as_int(where("azCount"), settings.get("azCount", 2))
    if not 1 <= az_count <= 3:
        raise ConfigError(f"{where('azCount')} {az_count} is out of range; use 1, 2 or 3.")

    azs = tuple(as_list(where("availabilityZones"), settings.get("availabilityZones", [])))
    for az in azs:
        if not _AZ_NAME.match(az) or not az.startswith(region):
            raise ConfigError(
                f"{where('availabilityZones')} entry {az!r} is not an availability zone of {region} "
                f"(for example {region}a)."
            )
    if azs and len(azs) != az_count:
        raise ConfigError(
            f"{where('availabilityZones')} lists {len(azs)} zones but azCount is {az_count}; make them agree."
        )

    endpoints = tuple(as_list(where("endpoints"), settings.get("endpoints", list(DEFAULT_ENDPOINTS))))
    for name in endpoints:
        one_of(f"{where('endpoints')} entry", name, SERVICES)
    if "bedrock-runtime" not in endpoints:
        raise ConfigError(
            f"{where('endpoints')} must include bedrock-runtime (the probe and the policies are built around it)."
        )

    if "runtimeModels" in settings:
        raw_models = as_list(where("runtimeModels"), settings["runtimeModels"])
        if not raw_models:
            raise ConfigError(f"{where('runtimeModels')} is empty; list at least one model id such as amazon.nova-micro-v1:0.")
        models = tuple(parse_model_id(where("runtimeModels"), m) for m in raw_models)
        # Models the user chose keep inference in the region unless they say otherwise.
        default_scope = "region"
    else:
        default = default_runtime_model(region)
        if default is None:
            raise ConfigError(
                f"Region {region} has no built-in default model that keeps inference in the region or its country; "
                f"set regionOverrides.{region}.runtimeModels to {_scope_hint(region)}."
            )
        models = (parse_model_id("runtimeModels", default),)
        # The built-in default is in-region where AWS offers it in-region, else the profile
        # of the region's own country (see private_bedrock/facts/regions.py and the README).
        default_scope = "region" if not models[0].is_profile else "country"
    scope = one_of(where("inferenceScope"), settings.get("inferenceScope", default_scope), INFERENCE_SCOPES)

    facts = read_facts(context, account, region, endpoints, tuple(m.model_id for m in models if m.is_profile))
    endpoint_sources = {service: _check_endpoint(where("endpoints"), region, service, facts) for service in endpoints}
    model_regions: dict[str, tuple[str, ...]] = {}
    model_sources: dict[str, str] = {}
    for m in models:
        looked_up = facts.profile_regions.get(m.model_id, ()) if m.is_profile else ()
        if m.model_id in facts.profile_regions and looked_up is None:
            raise ConfigError(
                f"{where('runtimeModels')} entry {m.model_id!r} is not an inference profile of this account in {region} "
                f"(account lookup, cdk.context.json); {_scope_hint(region)}."
            )
        model_regions[m.model_id] = tuple(looked_up) or m.documented_regions(region)
        model_sources[m.model_id] = ACCOUNT_SOURCE if looked_up else DOCUMENTED_SOURCE
        _check_scope(where("runtimeModels"), where("inferenceScope"), region, scope, m, model_regions[m.model_id], model_sources[m.model_id])
    warnings = _check_model_ids(where("runtimeModels"), region, tuple(m.model_id for m in models), facts.runtime_catalog)
    if account is not None and not facts.endpoint_services:
        warnings += (
            f"No account lookup is cached for {region} (account {account}), so the documented table applies; "
            "run `make lookup` to ask the account and cache its answers in cdk.context.json.",
        )

    mantle_models = tuple(as_list(where("mantleModels"), settings.get("mantleModels", [DEFAULT_MANTLE_MODEL])))
    for m in mantle_models:
        if not _MODEL_ID.match(m) or m.partition(".")[0] in PROFILE_PREFIXES:
            raise ConfigError(
                f"{where('mantleModels')} entry {m!r} is not a bedrock-mantle model id; expected "
                "provider.model without a region prefix (for example openai.gpt-oss-20b)."
            )
    if "bedrock-mantle" in endpoints and not mantle_models:
        raise ConfigError(f"{where('mantleModels')} is empty while bedrock-mantle is enabled; list a model such as openai.gpt-oss-20b.")
    if "bedrock-mantle" in endpoints:
        warnings += _check_model_ids(where("mantleModels"), region, mantle_models, facts.mantle_catalog)

    principals = role_arns(where("extraPrincipalArns"), settings.get("extraPrincipalArns", []))

    base_path = settings.get("mantleBasePath", "/v1")
    if base_path not in ("/v1", "/openai/v1"):
        raise ConfigError(f"{where('mantleBasePath')} {base_path!r} is not supported; use /v1 or /openai/v1.")

    public_dns_name = settings.get("probePublicDnsName", DEFAULT_PROBE_PUBLIC_DNS_NAME)
    if not isinstance(public_dns_name, str) or not _DNS_NAME.match(public_dns_name.strip().lower().rstrip(".")):
        raise ConfigError(
            f"{where('probePublicDnsName')} {public_dns_name!r} is not a DNS name; give a public name the "
            "VPC must not resolve, for example example.com."
        )
    public_dns_name = public_dns_name.strip().lower().rstrip(".")

    retention = as_int(where("flowLogRetentionDays"), settings.get("flowLogRetentionDays", 365))
    if retention not in LOG_RETENTION_DAYS:
        raise ConfigError(
            f"{where('flowLogRetentionDays')} {retention} is not a CloudWatch Logs retention period; "
            f"use one of: {', '.join(map(str, LOG_RETENTION_DAYS))}."
        )

    dns_domains = tuple(_dns_domain(where("dnsAllowedDomains"), d) for d in as_list(where("dnsAllowedDomains"), settings.get("dnsAllowedDomains", [])))
    key_admins = matching(
        where("keyAdminArns"), settings.get("keyAdminArns", []), ROLE_OR_USER_ARN, "an IAM role or user ARN such as arn:aws:iam::123456789012:role/key-admin"
    )
    vpc_cidr = _cidr(where("vpcCidr"), settings.get("vpcCidr", default_vpc_cidr(region)), vpc=True)
    check_subnets_fit(where("vpcCidr"), vpc_cidr, az_count)
    on_prem = tuple(
        _cidr(where("onPremCidrs"), c, vpc=False) for c in as_list(where("onPremCidrs"), settings.get("onPremCidrs", []))
    )
    check_on_prem_cidrs(
        where("onPremCidrs"), on_prem, vpc_cidr,
        public_acknowledged=as_bool(where("allowPublicOnPremCidrs"), settings.get("allowPublicOnPremCidrs", False)),
        ack_key=where("allowPublicOnPremCidrs"),
    )
    resolver = as_bool(where("resolverInboundEndpoint"), settings.get("resolverInboundEndpoint", False))
    if resolver and not on_prem:
        raise ConfigError(
            f"{where('resolverInboundEndpoint')} is true but onPremCidrs is empty; list the on-premises ranges "
            "whose resolvers may query it (its security group admits DNS from them only)."
        )
    network = parse_network(region, settings, where, endpoints, vpc_cidr)
    check_inbound_rule_quota(where("securityGroupRuleQuota"), settings.get("securityGroupRuleQuota"), on_prem, network)

    runtime_ids = {m.model_id for m in models} | {m.foundation_model_id for m in models}
    mantle_enabled = "bedrock-mantle" in endpoints

    capabilities = _capabilities(where("capabilities"), settings.get("capabilities", list(DEFAULT_CAPABILITIES)))
    guardrail = settings.get("guardrailArn")
    if guardrail is not None:
        if not isinstance(guardrail, str):
            raise ConfigError(f"{where('guardrailArn')} must be one guardrail ARN string, got {guardrail!r}.")
        (guardrail,) = _bedrock_arns(where("guardrailArn"), [guardrail], _GUARDRAIL_ARN, f"arn:aws:bedrock:{region}:123456789012:guardrail/abc123def456", region, account)
        if "guardrails" not in capabilities:
            raise ConfigError(f"{where('guardrailArn')} is set but {where('capabilities')} lacks guardrails; add guardrails (Converse with a guardrail needs ApplyGuardrail).")
        if mantle_enabled:
            raise ConfigError(
                f"{where('guardrailArn')} can be enforced on bedrock-runtime only (bedrock-mantle has no guardrail condition key); "
                f"remove bedrock-mantle from {where('endpoints')} in {region} or unset guardrailArn."
            )
        # "Guardrails don't apply to the Responses API" (bedrock-runtime, inference-responses-api,
        # read 2026-12). The model grants demand bedrock:GuardrailIdentifier, which those calls
        # cannot carry, so the policies refuse them: say so before someone wonders why.
        warnings += (
            f"{where('guardrailArn')}: guardrails do not apply to the Responses API (nor, here, to Chat Completions) on "
            f"bedrock-runtime in {region}, so the policies refuse those calls; workloads that must be guarded call "
            "Converse or InvokeModel with the guardrail.",
        )
    elif "guardrails" in capabilities:
        raise ConfigError(f"{where('capabilities')} lists guardrails but no guardrailArn is set; set guardrailArn to arn:aws:bedrock:{region}:<account>:guardrail/<id>.")

    alias_arns = _bedrock_arns(
        where("agentAliasArns"), as_list(where("agentAliasArns"), settings.get("agentAliasArns", [])), _AGENT_ALIAS_ARN,
        f"arn:aws:bedrock:{region}:123456789012:agent-alias/AGENT12345/ALIAS12345", region, account,
    )
    kb_arns = _bedrock_arns(
        where("knowledgeBaseArns"), as_list(where("knowledgeBaseArns"), settings.get("knowledgeBaseArns", [])), _KNOWLEDGE_BASE_ARN,
        f"arn:aws:bedrock:{region}:123456789012:knowledge-base/KB12345678", region, account,
    )
    agent_endpoints = [s for s in AGENT_SERVICES if s in endpoints]
    if agent_endpoints and not (alias_arns or kb_arns):
        raise ConfigError(
            f"{where('endpoints')} enables {' and '.join(agent_endpoints)} but no agent or knowledge base is named; "
            f"list the ones workloads may use in {where('agentAliasArns')} and/or {where('knowledgeBaseArns')}."
        )
    if (alias_arns or kb_arns) and not agent_endpoints:
        raise ConfigError(
            f"{where('agentAliasArns') if alias_arns else where('knowledgeBaseArns')} is set but {where('endpoints')} has no agent endpoint; "
            "add bedrock-agent-runtime (and bedrock-agent for reads) or remove the ARNs."
        )
    if account is None:
        _one_account({"guardrailArn": (guardrail,) if guardrail else (), "agentAliasArns": alias_arns, "knowledgeBaseArns": kb_arns})
    return RegionConfig(
        region=region,
        az_count=az_count,
        availability_zones=azs,
        vpc_cidr=vpc_cidr,
        endpoints=endpoints,
        runtime_models=models,
        mantle_models=mantle_models if mantle_enabled else (),
        inference_scope=scope,
        allow_api_keys=as_bool(where("allowApiKeys"), settings.get("allowApiKeys", False)),
        extra_principal_arns=principals,
        on_prem_cidrs=on_prem,
        resolver_inbound_endpoint=resolver,
        endpoint_policy=one_of(where("endpointPolicy"), settings.get("endpointPolicy", "allow"), ENDPOINT_POLICY_MODES),
        flow_log_retention_days=retention,
        monitoring=_monitoring(where, settings),
        probe=ProbePlan(
            runtime_model=models[0].model_id,
            runtime_denied_model=_denial_model(where("runtimeModels"), RUNTIME_DENIAL_CANDIDATES, runtime_ids),
            mantle_model=mantle_models[0] if mantle_enabled else None,
            mantle_denied_model=_denial_model(where("mantleModels"), MANTLE_DENIAL_CANDIDATES, set(mantle_models)) if mantle_enabled else None,
            mantle_base_path=base_path,
            runtime_openai_model=next(
                (m.model_id for m in models if m.foundation_model_id.startswith(RUNTIME_OPENAI_PROVIDER)), None),
            runtime_responses_model=next(
                (m.model_id for m in models if m.foundation_model_id.startswith(RUNTIME_OPENAI_PROVIDER)
                 and not m.foundation_model_id.startswith(RUNTIME_RESPONSES_NOT_SERVED)), None),
            # Never raises: runtime_denied_model above already proved a candidate is free.
            runtime_openai_denied_model=_denial_model(
                where("runtimeModels"), RUNTIME_OPENAI_DENIAL_CANDIDATES + RUNTIME_DENIAL_CANDIDATES, runtime_ids),
            public_dns_name=public_dns_name,
            api_keys_in_region=api_key_support(region),
            # The capability that confines server-side tools to our endpoints instead of denying them.
            web_search_allowed="serverSideTools" in capabilities,
            runtime_anthropic_model=next((m.model_id for m in models if m.foundation_model_id.startswith(ANTHROPIC_PROVIDER)), None),
            runtime_anthropic_denied_model=_denial_model(where("runtimeModels"), RUNTIME_ANTHROPIC_DENIAL_CANDIDATES, runtime_ids),
            mantle_anthropic_model=next((m for m in mantle_models if m.startswith(ANTHROPIC_PROVIDER)), None) if mantle_enabled else None,
            mantle_anthropic_denied_model=_denial_model(where("mantleModels"), MANTLE_ANTHROPIC_DENIAL_CANDIDATES, set(mantle_models)),
        ),
        capabilities=capabilities,
        guardrail_arn=guardrail,
        agent_alias_arns=alias_arns,
        knowledge_base_arns=kb_arns,
        claude_platform_principal_arns=parse_claude_platform(where, settings.get("claudePlatform")),
        service_tiers=_service_tiers(where("serviceTiers"), settings.get("serviceTiers")),
        model_regions=model_regions,
        model_sources=model_sources,
        endpoint_sources=endpoint_sources,
        warnings=warnings,
        dns_allowed_domains=dns_domains,
        key_admin_arns=key_admins,
        network=network,
    )


def _is_cdk_key(key: str) -> bool:
    """CDK's own context (feature flags, lookups, CLI settings) is not ours to judge."""
    return key.startswith("@") or ":" in key or key.startswith("aws-cdk") or key.startswith("cdk")


def load_config(context: Mapping[str, Any], account: str | None) -> AppConfig:
    """Validate the CDK context (cdk.json + cdk.context.json + -c flags) into AppConfig."""
    ours = {k: v for k, v in context.items() if not _is_cdk_key(k)}
    unknown = sorted(set(ours) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"Unknown context key {unknown[0]!r}; accepted keys are: {', '.join(sorted(KNOWN_KEYS))}."
        )
    if account is not None and not ACCOUNT_ID.match(account):
        raise ConfigError(f"CDK_DEFAULT_ACCOUNT {account!r} is not a 12-digit AWS account id.")

    regions = as_list("regions", ours.get("regions", list(DEFAULT_REGIONS)))
    if not regions:
        raise ConfigError("regions is empty; list at least one region, for example -c regions=us-east-1.")
    if len(set(regions)) != len(regions):
        raise ConfigError(f"regions {regions!r} lists a region twice; list each region once.")
    for region in regions:
        if region not in BEDROCK_REGIONS:
            raise ConfigError(
                f"Region {region!r} has no Amazon Bedrock PrivateLink endpoints known to this app; "
                f"use one of: {', '.join(sorted(BEDROCK_REGIONS))}."
            )

    overrides = as_mapping("regionOverrides", ours.get("regionOverrides", {}), '{"ap-northeast-1": {"inferenceScope": "region"}}')
    for region, override in overrides.items():
        # An override for a region that is not selected now is kept for later and ignored
        # (`-c regions=us-east-1` with a Tokyo override in cdk.json); a misspelt region is not.
        if region not in BEDROCK_REGIONS:
            raise ConfigError(
                f"regionOverrides has an entry for {region!r}, which is not a region this app knows; "
                f"use one of: {', '.join(sorted(BEDROCK_REGIONS))}."
            )
        if not isinstance(override, Mapping):
            raise ConfigError(f"regionOverrides.{region} must be an object of settings, got {override!r}.")
        bad = sorted(set(override) - set(REGIONAL_KEYS))
        if bad:
            raise ConfigError(
                f"regionOverrides.{region} has unknown key {bad[0]!r}; accepted keys are: {', '.join(REGIONAL_KEYS)}."
            )

    # Imported here: fence and fleet build on this module's helpers.
    from private_bedrock.config.fence import parse_fence
    from private_bedrock.config.fleet import parse_fleet

    settings_of = {region: {**{k: ours[k] for k in REGIONAL_KEYS if k in ours}, **overrides.get(region, {})} for region in regions}
    fleet = parse_fleet(ours.get("fleet"), regions, settings_of)
    # A StackSet delivers one template to every account: the regional stacks are synthesized
    # account-agnostic (AWS::AccountId at deploy time, no lookups in the synthesizing account).
    regional_account = None if fleet.enabled else account
    built = [
        _region_config(region, settings_of[region], frozenset(overrides.get(region, {})), context, regional_account) for region in regions
    ]
    fence = parse_fence(ours.get("fence"), ours.get("fenceEndpointIds"), built, fleet=fleet.enabled)
    return AppConfig(account=regional_account, regions=tuple(built), fence=fence, fleet=fleet)
