"""One region's settings (top-level keys merged with regionOverrides.<region>) -> RegionConfig.

Each concern is parsed by its own module; this one orders them and collects their problems
(private_bedrock/config/errors.py Problems): a check that needs another key's value runs only
when that value passed (the endpoints decide which models are checked, the VPC range which
on-premises ranges may not overlap it), every other check runs regardless.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from private_bedrock.config.access_inputs import check_agent_endpoints, check_one_account, guardrail_format, parse_agent_arns, parse_capabilities, parse_guardrail, parse_service_tiers
from private_bedrock.config.account_facts import read_facts
from private_bedrock.config.claude_platform import parse_claude_platform
from private_bedrock.config.endpoints import check_endpoint, check_endpoint_names
from private_bedrock.config.context_keys import ENDPOINT_POLICY_MODES, KEYS, LOG_RETENTION_DAYS, default
from private_bedrock.config.errors import FAILED, ConfigError, Problems, ok
from private_bedrock.config.models import ModelRef, check_mantle_model_id, check_model_ids, model_destinations, parse_model_id, scope_hint
from private_bedrock.config.monitoring import parse_monitoring
from private_bedrock.config.network_inputs import check_on_prem_cidrs, check_subnets_fit, check_zones, cidr, default_vpc_cidr, dns_domain
from private_bedrock.config.probe_plan import parse_base_path, parse_public_dns_name, probe_plan
from private_bedrock.config.region_config import RegionConfig
from private_bedrock.config.topology import check_inbound_rule_quota, parse_network
from private_bedrock.config.values import ROLE_OR_USER_ARN, as_bool, as_int, as_list, matching, one_of, role_arns
from private_bedrock.facts.regions import INFERENCE_SCOPES, default_runtime_model

Where = Callable[[str], str]


def _az_count(key: str, value: Any) -> int:
    count = as_int(key, value)
    low, high = KEYS["azCount"].minimum, KEYS["azCount"].maximum
    assert low is not None and high is not None  # the table gives every whole-number key its range
    if not low <= count <= high:
        *most, last = range(low, high + 1)
        raise ConfigError(f"{key} {count} is out of range; use {', '.join(map(str, most))} or {last}.")
    return count


def _endpoints(key: str, value: Any) -> tuple[str, ...]:
    endpoints = tuple(as_list(key, value))
    check_endpoint_names(key, endpoints)
    return endpoints


def _runtime_models(where: Where, region: str, settings: Mapping[str, Any]) -> tuple[tuple[ModelRef, ...], str]:
    """The native models and the scope that applies when inferenceScope is not set."""
    if "runtimeModels" in settings:
        raw_models = as_list(where("runtimeModels"), settings["runtimeModels"])
        if not raw_models:
            raise ConfigError(f"{where('runtimeModels')} is empty; list at least one model id such as amazon.nova-micro-v1:0.")
        problems = Problems()
        models = tuple(problems.check(parse_model_id, where("runtimeModels"), m) for m in raw_models)
        problems.raise_if_any()
        # Models the user chose keep inference in the region unless they say otherwise.
        return models, "region"
    default = default_runtime_model(region)
    if default is None:
        raise ConfigError(
            f"Region {region} has no built-in default model that keeps inference in the region or its country; "
            f"set regionOverrides.{region}.runtimeModels to {scope_hint(region)}."
        )
    models = (parse_model_id("runtimeModels", default),)
    # The built-in default is in-region where AWS offers it in-region, else the profile
    # of the region's own country (see private_bedrock/facts/regions.py and docs/models-and-residency.md).
    return models, "region" if not models[0].is_profile else "country"


def _mantle_models(key: str, value: Any, mantle_enabled: bool) -> tuple[str, ...]:
    models = tuple(as_list(key, value))
    problems = Problems()
    for m in models:
        problems.check(check_mantle_model_id, key, m)
    problems.raise_if_any()
    if mantle_enabled and not models:
        raise ConfigError(f"{key} is empty while bedrock-mantle is enabled; list a model such as openai.gpt-oss-20b.")
    return models


def _retention(key: str, value: Any) -> int:
    retention = as_int(key, value)
    if retention not in LOG_RETENTION_DAYS:
        raise ConfigError(f"{key} {retention} is not a CloudWatch Logs retention period; use one of: {', '.join(map(str, LOG_RETENTION_DAYS))}.")
    return retention


def _cidrs(key: str, value: Any) -> tuple[str, ...]:
    problems = Problems()
    cidrs = tuple(problems.check(cidr, key, c, vpc=False) for c in as_list(key, value))
    problems.raise_if_any()
    return cidrs


def _dns_domains(key: str, value: Any) -> tuple[str, ...]:
    problems = Problems()
    domains = tuple(problems.check(dns_domain, key, d) for d in as_list(key, value))
    problems.raise_if_any()
    return domains


def _resolver(where: Where, value: Any, on_prem: Any) -> bool:
    resolver = as_bool(where("resolverInboundEndpoint"), value)
    if resolver and on_prem == ():
        raise ConfigError(
            f"{where('resolverInboundEndpoint')} is true but onPremCidrs is empty; list the on-premises ranges "
            "whose resolvers may query it (its security group admits DNS from them only)."
        )
    return resolver


def parse_region(region: str, settings: Mapping[str, Any], overridden: frozenset[str], context: Mapping[str, Any], account: str | None) -> RegionConfig:
    def where(key: str) -> str:
        """Name the setting where the user wrote it, so the error points at the right line."""
        return f"regionOverrides.{region}.{key}" if key in overridden else key

    p = Problems()
    az_count = p.check(_az_count, where("azCount"), settings.get("azCount", default("azCount")))
    azs = p.check(lambda: tuple(as_list(where("availabilityZones"), settings.get("availabilityZones", default("availabilityZones")))))
    if ok(az_count, azs):
        p.check(check_zones, where("availabilityZones"), region, azs, az_count)
    endpoints = p.check(_endpoints, where("endpoints"), settings.get("endpoints", default("endpoints")))
    models, default_scope = p.check(_runtime_models, where, region, settings) or (FAILED, FAILED)
    # With the models refused, an explicit scope is still checked (the default needs the models).
    scope = p.check(one_of, where("inferenceScope"), settings.get("inferenceScope", default_scope if ok(default_scope) else "region"), INFERENCE_SCOPES)

    warnings: tuple[str, ...] = ()
    endpoint_sources: dict[str, str] = {}
    model_regions: Any = FAILED
    model_sources: dict[str, str] = {}
    facts = read_facts(context, account, region, endpoints if ok(endpoints) else (), tuple(m.model_id for m in models if m.is_profile) if ok(models) else ())
    if ok(endpoints):
        for service in endpoints:
            endpoint_sources[service] = p.check(check_endpoint, where("endpoints"), region, service, facts)
    if ok(models, scope):
        model_regions, model_sources = p.check(model_destinations, where("runtimeModels"), where("inferenceScope"), region, scope, models, facts) or (FAILED, {})
    if ok(models):
        warnings += p.check(check_model_ids, where("runtimeModels"), region, tuple(m.model_id for m in models), facts.runtime_catalog) or ()
    if account is not None and not facts.endpoint_services:
        warnings += (
            f"No account lookup is cached for {region} (account {account}), so the documented table applies; "
            "run `make lookup` to ask the account and cache its answers in cdk.context.json.",
        )

    mantle_enabled = ok(endpoints) and "bedrock-mantle" in endpoints
    mantle_models = p.check(_mantle_models, where("mantleModels"), settings.get("mantleModels", default("mantleModels")), mantle_enabled)
    if mantle_enabled and ok(mantle_models):
        warnings += p.check(check_model_ids, where("mantleModels"), region, mantle_models, facts.mantle_catalog) or ()

    principals = p.check(role_arns, where("extraPrincipalArns"), settings.get("extraPrincipalArns", default("extraPrincipalArns")))
    base_path = p.check(parse_base_path, where("mantleBasePath"), settings.get("mantleBasePath", default("mantleBasePath")))
    public_dns_name = p.check(parse_public_dns_name, where("probePublicDnsName"), settings.get("probePublicDnsName", default("probePublicDnsName")))
    retention = p.check(_retention, where("flowLogRetentionDays"), settings.get("flowLogRetentionDays", default("flowLogRetentionDays")))
    dns_domains = p.check(_dns_domains, where("dnsAllowedDomains"), settings.get("dnsAllowedDomains", default("dnsAllowedDomains")))
    key_admins = p.check(
        matching, where("keyAdminArns"), settings.get("keyAdminArns", default("keyAdminArns")), ROLE_OR_USER_ARN, "an IAM role or user ARN such as arn:aws:iam::123456789012:role/key-admin"
    )
    vpc_cidr = p.check(cidr, where("vpcCidr"), settings.get("vpcCidr", default_vpc_cidr(region)), vpc=True)
    if ok(vpc_cidr, az_count):
        p.check(check_subnets_fit, where("vpcCidr"), vpc_cidr, az_count)
    on_prem = p.check(_cidrs, where("onPremCidrs"), settings.get("onPremCidrs", default("onPremCidrs")))
    public_ack = p.check(as_bool, where("allowPublicOnPremCidrs"), settings.get("allowPublicOnPremCidrs", default("allowPublicOnPremCidrs")))
    if ok(on_prem, vpc_cidr, public_ack):
        p.check(check_on_prem_cidrs, where("onPremCidrs"), on_prem, vpc_cidr, public_acknowledged=public_ack, ack_key=where("allowPublicOnPremCidrs"))
    resolver = p.check(_resolver, where, settings.get("resolverInboundEndpoint", default("resolverInboundEndpoint")), on_prem)
    network: Any = FAILED
    if ok(endpoints, vpc_cidr):
        network = p.check(parse_network, region, settings, where, endpoints, vpc_cidr)
    if ok(on_prem, network):
        p.check(check_inbound_rule_quota, where("securityGroupRuleQuota"), settings.get("securityGroupRuleQuota"), on_prem, network)

    capabilities = p.check(parse_capabilities, where("capabilities"), settings.get("capabilities", default("capabilities")))
    guardrail: Any = FAILED
    # The ARN's form needs no other key, so it is checked even when the cross-checks cannot run.
    guardrail_given = p.check(guardrail_format, where, region, settings.get("guardrailArn"), account)
    if ok(guardrail_given, capabilities, endpoints):
        guardrail, guardrail_warnings = p.check(parse_guardrail, where, region, guardrail_given, account, capabilities, mantle_enabled) or (FAILED, ())
        warnings += guardrail_warnings
    alias_arns, kb_arns = p.check(parse_agent_arns, where, region, settings, account) or (FAILED, FAILED)
    if ok(endpoints, alias_arns):
        p.check(check_agent_endpoints, where, endpoints, alias_arns, kb_arns)
    if account is None and ok(guardrail, alias_arns):
        p.check(check_one_account, {"guardrailArn": (guardrail,) if guardrail else (), "agentAliasArns": alias_arns, "knowledgeBaseArns": kb_arns})
    allow_api_keys = p.check(as_bool, where("allowApiKeys"), settings.get("allowApiKeys", default("allowApiKeys")))
    endpoint_policy = p.check(one_of, where("endpointPolicy"), settings.get("endpointPolicy", default("endpointPolicy")), ENDPOINT_POLICY_MODES)
    monitoring = p.check(parse_monitoring, where, settings)
    probe: Any = FAILED
    if ok(models, mantle_models, base_path, public_dns_name, capabilities, endpoints):
        probe = p.check(probe_plan, where, region, models, mantle_models, mantle_enabled, base_path, public_dns_name, capabilities)
    claude_principals = p.check(parse_claude_platform, where, settings.get("claudePlatform"))
    service_tiers = p.check(parse_service_tiers, where("serviceTiers"), settings.get("serviceTiers"))
    p.raise_if_any()
    config = RegionConfig(
        region=region,
        az_count=az_count,
        availability_zones=azs,
        vpc_cidr=vpc_cidr,
        endpoints=endpoints,
        runtime_models=models,
        mantle_models=mantle_models if mantle_enabled else (),
        inference_scope=scope,
        allow_api_keys=allow_api_keys,
        extra_principal_arns=principals,
        on_prem_cidrs=on_prem,
        resolver_inbound_endpoint=resolver,
        endpoint_policy=endpoint_policy,
        flow_log_retention_days=retention,
        monitoring=monitoring,
        probe=probe,
        capabilities=capabilities,
        guardrail_arn=guardrail,
        agent_alias_arns=alias_arns,
        knowledge_base_arns=kb_arns,
        claude_platform_principal_arns=claude_principals,
        service_tiers=service_tiers,
        model_regions=model_regions,
        model_sources=model_sources,
        endpoint_sources=endpoint_sources,
        warnings=warnings,
        dns_allowed_domains=dns_domains,
        key_admin_arns=key_admins,
        network=network,
    )
    # The grants' value, built once here so a refusal of it is one more problem of this run.
    p.check(lambda: config.access)
    p.raise_if_any()
    return config
