"""One region's settings (top-level keys merged with regionOverrides.<region>) -> RegionConfig.

Each concern is parsed by its own module; this one orders them, since some checks need the
outcome of others (the endpoints decide which models are checked, the VPC range decides
which on-premises ranges may not overlap it).
"""

from __future__ import annotations

from typing import Any, Mapping

from private_bedrock.config.access_inputs import ENDPOINT_POLICY_MODES, check_agent_endpoints, check_one_account, parse_agent_arns, parse_capabilities, parse_guardrail, parse_service_tiers
from private_bedrock.config.account_facts import read_facts
from private_bedrock.config.claude_platform import parse_claude_platform
from private_bedrock.config.endpoints import DEFAULT_ENDPOINTS, check_endpoint, check_endpoint_names
from private_bedrock.config.errors import ConfigError
from private_bedrock.config.models import check_mantle_model_id, check_model_ids, model_destinations, parse_model_id, scope_hint
from private_bedrock.config.monitoring import parse_monitoring
from private_bedrock.config.network_inputs import check_on_prem_cidrs, check_subnets_fit, check_zones, cidr, default_vpc_cidr, dns_domain
from private_bedrock.config.probe_plan import DEFAULT_PROBE_PUBLIC_DNS_NAME, parse_base_path, parse_public_dns_name, probe_plan
from private_bedrock.config.region_config import RegionConfig
from private_bedrock.config.topology import check_inbound_rule_quota, parse_network
from private_bedrock.config.values import ROLE_OR_USER_ARN, as_bool, as_int, as_list, matching, one_of, role_arns
from private_bedrock.facts.capabilities import DEFAULT_CAPABILITIES
from private_bedrock.facts.regions import DEFAULT_MANTLE_MODEL, INFERENCE_SCOPES, default_runtime_model

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653,
)


def parse_region(region: str, settings: Mapping[str, Any], overridden: frozenset[str], context: Mapping[str, Any], account: str | None) -> RegionConfig:
    def where(key: str) -> str:
        """Name the setting where the user wrote it, so the error points at the right line."""
        return f"regionOverrides.{region}.{key}" if key in overridden else key

    az_count = as_int(where("azCount"), settings.get("azCount", 2))
    if not 1 <= az_count <= 3:
        raise ConfigError(f"{where('azCount')} {az_count} is out of range; use 1, 2 or 3.")
    azs = tuple(as_list(where("availabilityZones"), settings.get("availabilityZones", [])))
    check_zones(where("availabilityZones"), region, azs, az_count)

    endpoints = tuple(as_list(where("endpoints"), settings.get("endpoints", list(DEFAULT_ENDPOINTS))))
    check_endpoint_names(where("endpoints"), endpoints)

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
                f"set regionOverrides.{region}.runtimeModels to {scope_hint(region)}."
            )
        models = (parse_model_id("runtimeModels", default),)
        # The built-in default is in-region where AWS offers it in-region, else the profile
        # of the region's own country (see private_bedrock/facts/regions.py and the README).
        default_scope = "region" if not models[0].is_profile else "country"
    scope = one_of(where("inferenceScope"), settings.get("inferenceScope", default_scope), INFERENCE_SCOPES)

    facts = read_facts(context, account, region, endpoints, tuple(m.model_id for m in models if m.is_profile))
    endpoint_sources = {service: check_endpoint(where("endpoints"), region, service, facts) for service in endpoints}
    model_regions, model_sources = model_destinations(where("runtimeModels"), where("inferenceScope"), region, scope, models, facts)
    warnings = check_model_ids(where("runtimeModels"), region, tuple(m.model_id for m in models), facts.runtime_catalog)
    if account is not None and not facts.endpoint_services:
        warnings += (
            f"No account lookup is cached for {region} (account {account}), so the documented table applies; "
            "run `make lookup` to ask the account and cache its answers in cdk.context.json.",
        )

    mantle_enabled = "bedrock-mantle" in endpoints
    mantle_models = tuple(as_list(where("mantleModels"), settings.get("mantleModels", [DEFAULT_MANTLE_MODEL])))
    for m in mantle_models:
        check_mantle_model_id(where("mantleModels"), m)
    if mantle_enabled and not mantle_models:
        raise ConfigError(f"{where('mantleModels')} is empty while bedrock-mantle is enabled; list a model such as openai.gpt-oss-20b.")
    if mantle_enabled:
        warnings += check_model_ids(where("mantleModels"), region, mantle_models, facts.mantle_catalog)

    principals = role_arns(where("extraPrincipalArns"), settings.get("extraPrincipalArns", []))
    base_path = parse_base_path(where("mantleBasePath"), settings.get("mantleBasePath", "/v1"))
    public_dns_name = parse_public_dns_name(where("probePublicDnsName"), settings.get("probePublicDnsName", DEFAULT_PROBE_PUBLIC_DNS_NAME))

    retention = as_int(where("flowLogRetentionDays"), settings.get("flowLogRetentionDays", 365))
    if retention not in LOG_RETENTION_DAYS:
        raise ConfigError(
            f"{where('flowLogRetentionDays')} {retention} is not a CloudWatch Logs retention period; "
            f"use one of: {', '.join(map(str, LOG_RETENTION_DAYS))}."
        )

    dns_domains = tuple(dns_domain(where("dnsAllowedDomains"), d) for d in as_list(where("dnsAllowedDomains"), settings.get("dnsAllowedDomains", [])))
    key_admins = matching(
        where("keyAdminArns"), settings.get("keyAdminArns", []), ROLE_OR_USER_ARN, "an IAM role or user ARN such as arn:aws:iam::123456789012:role/key-admin"
    )
    vpc_cidr = cidr(where("vpcCidr"), settings.get("vpcCidr", default_vpc_cidr(region)), vpc=True)
    check_subnets_fit(where("vpcCidr"), vpc_cidr, az_count)
    on_prem = tuple(cidr(where("onPremCidrs"), c, vpc=False) for c in as_list(where("onPremCidrs"), settings.get("onPremCidrs", [])))
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

    capabilities = parse_capabilities(where("capabilities"), settings.get("capabilities", list(DEFAULT_CAPABILITIES)))
    guardrail, guardrail_warnings = parse_guardrail(where, region, settings.get("guardrailArn"), account, capabilities, mantle_enabled)
    warnings += guardrail_warnings
    alias_arns, kb_arns = parse_agent_arns(where, region, settings, account)
    check_agent_endpoints(where, endpoints, alias_arns, kb_arns)
    if account is None:
        check_one_account({"guardrailArn": (guardrail,) if guardrail else (), "agentAliasArns": alias_arns, "knowledgeBaseArns": kb_arns})
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
        monitoring=parse_monitoring(where, settings),
        probe=probe_plan(where, region, models, mantle_models, mantle_enabled, base_path, public_dns_name, capabilities),
        capabilities=capabilities,
        guardrail_arn=guardrail,
        agent_alias_arns=alias_arns,
        knowledge_base_arns=kb_arns,
        claude_platform_principal_arns=parse_claude_platform(where, settings.get("claudePlatform")),
        service_tiers=parse_service_tiers(where("serviceTiers"), settings.get("serviceTiers")),
        model_regions=model_regions,
        model_sources=model_sources,
        endpoint_sources=endpoint_sources,
        warnings=warnings,
        dns_allowed_domains=dns_domains,
        key_admin_arns=key_admins,
        network=network,
    )
