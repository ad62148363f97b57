"""Facts about one account and region, cached in cdk.context.json by `make lookup`.

The keys follow CDK's own lookups (`<provider>:account=...:region=...:<props>`), so
`cdk context` lists them and `cdk context --reset <key>` forgets one. Synthesis never asks
AWS itself: it reads these entries when the account is known, otherwise the documented table
in private_bedrock/facts/regions.py and private_bedrock/facts/model_catalog.py applies and is labelled as such.
Pure functions over the context mapping: no AWS calls, no CDK constructs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from private_bedrock.facts.model_catalog import DOCUMENTED_MANTLE, DOCUMENTED_RUNTIME, ModelCatalog

ENDPOINT_SERVICE_PROVIDER = "private-bedrock-endpoint-service"
INFERENCE_PROFILE_PROVIDER = "private-bedrock-inference-profile"
MODEL_CATALOG_PROVIDER = "private-bedrock-model-catalog"

ACCOUNT_SOURCE = "account lookup"
DOCUMENTED_SOURCE = "documented table"


def endpoint_service_key(account: str, region: str, service: str) -> str:
    return f"{ENDPOINT_SERVICE_PROVIDER}:account={account}:region={region}:serviceName=com.amazonaws.{region}.{service}"


def inference_profile_key(account: str, region: str, profile_id: str) -> str:
    return f"{INFERENCE_PROFILE_PROVIDER}:account={account}:region={region}:inferenceProfileId={profile_id}"


def model_catalog_key(account: str, region: str) -> str:
    return f"{MODEL_CATALOG_PROVIDER}:account={account}:region={region}"


@dataclass(frozen=True)
class EndpointServiceFact:
    """DescribeVpcEndpointServices for com.amazonaws.<region>.<service>."""

    offered: bool
    policy_supported: bool
    zones: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountFacts:
    """What the account said, where it was asked; empty = nothing cached (offline)."""

    endpoint_services: Mapping[str, EndpointServiceFact] = field(default_factory=dict)
    # profile id -> destination regions (GetInferenceProfile models[].modelArn), or None
    # when the account does not have the profile in this region.
    profile_regions: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)
    runtime_catalog: ModelCatalog = DOCUMENTED_RUNTIME
    mantle_catalog: ModelCatalog = DOCUMENTED_MANTLE


def _fact(value: Any) -> EndpointServiceFact | None:
    if not isinstance(value, Mapping) or "offered" not in value:
        return None
    return EndpointServiceFact(
        offered=bool(value["offered"]),
        policy_supported=bool(value.get("policySupported", False)),
        zones=tuple(value.get("availabilityZones", ())),
    )


def read_facts(context: Mapping[str, Any], account: str | None, region: str, services: tuple[str, ...], profile_ids: tuple[str, ...]) -> AccountFacts:
    """The cached answers for this account and region (only those present)."""
    if account is None:
        return AccountFacts()
    services_found = {}
    for service in services:
        fact = _fact(context.get(endpoint_service_key(account, region, service)))
        if fact is not None:
            services_found[service] = fact
    profiles: dict[str, tuple[str, ...] | None] = {}
    for profile_id in profile_ids:
        value = context.get(inference_profile_key(account, region, profile_id))
        if isinstance(value, Mapping) and "regions" in value:
            regions = value["regions"]
            profiles[profile_id] = tuple(regions) if value.get("found", True) else None
    runtime, mantle = DOCUMENTED_RUNTIME, DOCUMENTED_MANTLE
    cached = context.get(model_catalog_key(account, region))
    if isinstance(cached, Mapping):
        # Either list may be missing (models.list unreachable from the lookup machine, say):
        # the documented table stands in for that one, labelled as such.
        if cached.get("runtime") is not None:
            runtime = ModelCatalog(frozenset(cached["runtime"]), ACCOUNT_SOURCE)
        if cached.get("mantle") is not None:
            mantle = ModelCatalog(frozenset(cached["mantle"]), ACCOUNT_SOURCE)
    return AccountFacts(services_found, profiles, runtime, mantle)
