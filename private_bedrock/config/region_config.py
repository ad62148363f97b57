"""RegionConfig: everything one regional stack is built from, validated (private_bedrock/config/region.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping

from private_bedrock.access import BedrockAccess
from private_bedrock.config.models import ModelRef
from private_bedrock.config.monitoring import DEFAULT_PROBE_SCHEDULE, MonitoringConfig
from private_bedrock.config.network_settings import NetworkSettings
from private_bedrock.config.probe_plan import ProbePlan
from private_bedrock.config.topology import NetworkChoice
from private_bedrock.facts.capabilities import DEFAULT_CAPABILITIES


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
    def access(self) -> BedrockAccess:
        """What the grants need (private_bedrock/access.py), from this region's validated settings."""
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

    @cached_property
    def network_settings(self) -> NetworkSettings:
        """What the network is built from (private_bedrock/network/__init__.py build_network)."""
        return NetworkSettings(
            region=self.region,
            services=self.endpoints,
            vpc_cidr=self.vpc_cidr,
            az_count=self.az_count,
            availability_zones=self.availability_zones,
            flow_log_retention_days=self.flow_log_retention_days,
            on_prem_cidrs=self.on_prem_cidrs,
            choice=self.network,
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
