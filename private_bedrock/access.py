"""BedrockAccess: what the grants need, as one immutable, validated value.

The endpoint policies, the aws:SourceVpce identity policy and the organisation fence are all
built from these values (private_bedrock/policies/), so a library user states them once:

    access = BedrockAccess(region="eu-central-1", runtime_models=["eu.amazon.nova-micro-v1:0"],
                           inference_scope="geography", mantle_models=["openai.gpt-oss-20b"])

Construction validates with the app's own checks and raises ConfigError with the same one
sentence (naming the argument, the value and the fix). Lists and comma-separated strings are
accepted; the fields hold tuples. The app's RegionConfig builds one from its settings
(RegionConfig.access).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from private_bedrock.config.access_inputs import (
    AGENT_ALIAS_ARN,
    KNOWLEDGE_BASE_ARN,
    bedrock_arns,
    check_agent_endpoints,
    check_one_account,
    parse_capabilities,
    parse_guardrail,
    parse_service_tiers,
)
from private_bedrock.config.account_facts import DOCUMENTED_SOURCE
from private_bedrock.config.context_keys import ENDPOINT_POLICY_MODES
from private_bedrock.config.endpoints import AGENT_SERVICES, check_endpoint_names
from private_bedrock.config.errors import ConfigError
from private_bedrock.config.models import ModelRef, check_mantle_model_id, check_scope, parse_model_id
from private_bedrock.config.values import as_bool, as_list, one_of, role_arns
from private_bedrock.facts.capabilities import DEFAULT_CAPABILITIES
from private_bedrock.facts.model_catalog import DOCUMENTED_MANTLE, DOCUMENTED_RUNTIME, ModelCatalog, unknown_model_sentence
from private_bedrock.facts.regions import BEDROCK_REGIONS, INFERENCE_SCOPES, documented_regions

__all__ = ["BedrockAccess"]


@dataclass(frozen=True)
class BedrockAccess:
    """What this deployment's workloads may do with Bedrock in one region.

    services: the endpoints (empty: bedrock and bedrock-runtime, bedrock-mantle with mantle
    models, the two agent services with agent or knowledge-base ARNs). check_documented: refuse
    model ids and services AWS's documentation (the built-in table) does not list for the
    region; False accepts them (a model added since, an account lookup that says otherwise),
    each sentence then in `warnings`.
    """

    region: str
    runtime_models: tuple[ModelRef, ...]
    mantle_models: tuple[str, ...] = ()
    inference_scope: str = "region"
    services: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = DEFAULT_CAPABILITIES
    allow_api_keys: bool = False
    endpoint_policy: str = "allow"  # "allow", or "deny": one explicit Deny of everything the grants name
    guardrail_arn: str | None = None  # bedrock-runtime inference only with this guardrail
    agent_alias_arns: tuple[str, ...] = ()  # the only agents bedrock-agent-runtime may invoke
    knowledge_base_arns: tuple[str, ...] = ()  # the only knowledge bases it may retrieve from
    service_tiers: tuple[str, ...] = ()  # empty: every tier AWS offers
    claude_platform_principal_arns: tuple[str, ...] = ()  # exempt from the Claude Platform Denies
    # Where each runtime model id may run (profile destinations); default: the documented table.
    model_regions: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    check_documented: bool = True
    warnings: tuple[str, ...] = field(default=(), init=False, compare=False)

    def __post_init__(self) -> None:
        def set_(name: str, value: Any) -> None:  # frozen: the inputs are normalized once, here
            object.__setattr__(self, name, value)

        if not isinstance(self.region, str) or self.region not in BEDROCK_REGIONS:
            raise ConfigError(
                f"region {self.region!r} has no Amazon Bedrock PrivateLink endpoints known to this library; "
                f"use one of: {', '.join(sorted(BEDROCK_REGIONS))}."
            )
        region = self.region
        models = _runtime_models(self.runtime_models)
        mantle = tuple(as_list("mantle_models", self.mantle_models))
        for mantle_id in mantle:
            check_mantle_model_id("mantle_models", mantle_id)
        alias_example = f"arn:aws:bedrock:{region}:123456789012:agent-alias/AGENT12345/ALIAS12345"
        kb_example = f"arn:aws:bedrock:{region}:123456789012:knowledge-base/KB12345678"
        aliases = bedrock_arns("agent_alias_arns", as_list("agent_alias_arns", self.agent_alias_arns), AGENT_ALIAS_ARN, alias_example, region, None)
        kbs = bedrock_arns("knowledge_base_arns", as_list("knowledge_base_arns", self.knowledge_base_arns), KNOWLEDGE_BASE_ARN, kb_example, region, None)
        services = tuple(as_list("services", self.services)) or _default_services(mantle, bool(aliases or kbs))
        check_endpoint_names("services", services)
        mantle_enabled = "bedrock-mantle" in services
        if mantle_enabled and not mantle:
            raise ConfigError("mantle_models is empty while bedrock-mantle is enabled; list a model such as openai.gpt-oss-20b.")
        if mantle and not mantle_enabled:
            raise ConfigError(f"mantle_models is set but services {list(services)!r} lacks bedrock-mantle; add it or remove mantle_models.")
        scope = one_of("inference_scope", self.inference_scope, INFERENCE_SCOPES)
        if not isinstance(self.model_regions, Mapping):
            raise ConfigError(f"model_regions must map model ids to lists of regions, got {self.model_regions!r}.")
        check_documented = as_bool("check_documented", self.check_documented)
        given_regions, warnings = _model_regions(self.model_regions, models, check_documented)
        model_regions = {m.model_id: given_regions.get(m.model_id, ()) or m.documented_regions(region) for m in models}
        for m in models:
            source = DOCUMENTED_SOURCE if m.model_id not in given_regions else "given model_regions"
            check_scope("runtime_models", "inference_scope", region, scope, m, model_regions[m.model_id], source)
        warnings += _documented(check_documented, "runtime_models", region, tuple(m.model_id for m in models), DOCUMENTED_RUNTIME)
        if mantle_enabled:
            warnings += _documented(check_documented, "mantle_models", region, mantle, DOCUMENTED_MANTLE)
        for service in services:
            if region not in documented_regions(service):
                sentence = f"services entry {service!r} is not offered in {region} according to AWS's documentation; remove it for {region}."
                if check_documented:
                    raise ConfigError(sentence)
                warnings += (sentence,)
        capabilities = parse_capabilities("capabilities", list(as_list("capabilities", self.capabilities)))
        # The app's own checks, naming this class's arguments instead of the context keys.
        guardrail, _ = parse_guardrail(_argument, region, self.guardrail_arn, None, capabilities, mantle_enabled)
        check_agent_endpoints(_argument, services, aliases, kbs)
        check_one_account({"guardrail_arn": (guardrail,) if guardrail else (), "agent_alias_arns": aliases, "knowledge_base_arns": kbs})
        set_("region", region)
        set_("runtime_models", models)
        set_("mantle_models", mantle)
        set_("inference_scope", scope)
        set_("services", services)
        set_("capabilities", capabilities)
        set_("allow_api_keys", as_bool("allow_api_keys", self.allow_api_keys))
        set_("endpoint_policy", one_of("endpoint_policy", self.endpoint_policy, ENDPOINT_POLICY_MODES))
        set_("guardrail_arn", guardrail)
        set_("agent_alias_arns", aliases)
        set_("knowledge_base_arns", kbs)
        set_("service_tiers", parse_service_tiers("service_tiers", self.service_tiers or None))
        set_("claude_platform_principal_arns", tuple(dict.fromkeys(role_arns("claude_platform_principal_arns", self.claude_platform_principal_arns))))
        set_("model_regions", model_regions)
        set_("check_documented", check_documented)
        set_("warnings", warnings)

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def mantle_enabled(self) -> bool:
        return "bedrock-mantle" in self.services

    @property
    def runtime_model_ids(self) -> tuple[str, ...]:
        return tuple(m.model_id for m in self.runtime_models)


# Context key -> BedrockAccess argument, for the sentences of the config's shared checks.
_ARGUMENTS = {"guardrailArn": "guardrail_arn", "endpoints": "services", "agentAliasArns": "agent_alias_arns", "knowledgeBaseArns": "knowledge_base_arns"}


def _argument(key: str) -> str:
    return _ARGUMENTS.get(key, key)


def _runtime_models(value: Any) -> tuple[ModelRef, ...]:
    refs = list(value) if isinstance(value, (list, tuple)) and all(isinstance(v, ModelRef) for v in value) else None
    if refs is None:
        refs = [parse_model_id("runtime_models", m) for m in as_list("runtime_models", value)]
    if not refs:
        raise ConfigError("runtime_models is empty; list at least one model id such as amazon.nova-micro-v1:0.")
    return tuple(refs)


def _model_regions(value: Mapping[str, Any], models: tuple[ModelRef, ...], strict: bool) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """Each runtime model's given destinations as a tuple; a key naming no runtime model is refused.

    "*" is a global profile's destination. A region the built-in table does not list is refused
    (strict) or one warning (an account lookup may know a region added since).
    """
    ids = tuple(m.model_id for m in models)
    unknown = [key for key in value if key not in ids]
    if unknown:
        raise ConfigError(f"model_regions has key {unknown[0]!r}, which is not in runtime_models {list(ids)!r}; remove it or add the model.")
    given: dict[str, tuple[str, ...]] = {}
    warnings: tuple[str, ...] = ()
    for model_id, regions in value.items():
        key = f"model_regions[{model_id!r}]"
        entries = tuple(as_list(key, regions))
        for entry in entries:
            if entry != "*" and entry not in BEDROCK_REGIONS:
                sentence = f"{key} entry {entry!r} is not a Bedrock region known to this library; use one of: {', '.join(sorted(BEDROCK_REGIONS))}, or '*' for a global profile."
                if strict:
                    raise ConfigError(sentence)
                warnings += (sentence,)
        given[model_id] = entries
    return given, warnings


def _default_services(mantle: tuple[str, ...], agents: bool) -> tuple[str, ...]:
    return ("bedrock", "bedrock-runtime") + (("bedrock-mantle",) if mantle else ()) + (AGENT_SERVICES if agents else ())


def _documented(strict: bool, key: str, region: str, ids: tuple[str, ...], catalog: ModelCatalog) -> tuple[str, ...]:
    """Ids the documented table lacks: refused (strict) or one warning each, naming the close matches."""
    sentences = tuple(unknown_model_sentence(key, m, region, catalog) for m in ids if m not in catalog.ids)
    if strict and sentences:
        raise ConfigError(sentences[0])
    return sentences
