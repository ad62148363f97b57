"""AZ placement: choose subnet zones so every enabled endpoint service is offered in one.

An interface endpoint service is not offered in every AZ (bedrock-mantle was seen in 3 of
6 us-east-1 zones); a subnet in an unsupported zone fails the deploy with "The VPC endpoint
service ... does not support the availability zone of the subnet". With a concrete account
we ask EC2 at synth time through CDK's own context provider (cached in cdk.context.json
under endpoint-service-availability-zones:...), exactly as lookup_supported_azs does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from aws_cdk import ContextProvider
from constructs import Construct

from private_bedrock.config.app_config import ConfigError

# The cloud-assembly provider name InterfaceVpcEndpoint(lookup_supported_azs=True) uses; jsii's
# Python enum for it carries the member name, not this wire value, so it is spelled out.
ENDPOINT_SERVICE_AZ_PROVIDER = "endpoint-service-availability-zones"


@dataclass(frozen=True)
class Placement:
    zones: tuple[str, ...]  # the VPC's subnet zones
    by_service: Mapping[str, tuple[str, ...]]  # the zones each endpoint is placed in


def service_name(region: str, service: str) -> str:
    return f"com.amazonaws.{region}.{service}"


def supported_zones(scope: Construct, region: str, service: str, fallback: Sequence[str]) -> tuple[str, ...]:
    """Zones where `service` is offered, from cdk.context.json or an EC2 lookup by the CLI."""
    result = ContextProvider.get_value(
        scope,
        provider=ENDPOINT_SERVICE_AZ_PROVIDER,
        props={"serviceName": service_name(region, service)},
        dummy_value=list(fallback),
    )
    return tuple(result.value)


def choose_zones(region: str, candidates: Sequence[str], supported: Mapping[str, Sequence[str]], count: int) -> Placement:
    """Pick `count` zones, preferring those that offer the most enabled services."""
    if len(candidates) < count:
        raise ConfigError(f"azCount {count} exceeds the {len(candidates)} availability zones of {region} in this account; use {len(candidates)} or fewer.")
    ranked = sorted(candidates, key=lambda az: (-sum(az in zs for zs in supported.values()), candidates.index(az)))
    chosen = tuple(sorted(ranked[:count]))
    by_service = {svc: tuple(az for az in chosen if az in zs) for svc, zs in supported.items()}
    for svc, zones in by_service.items():
        if not zones:
            raise ConfigError(
                f"No chosen availability zone of {region} offers {svc} (offered in: {', '.join(supported[svc]) or 'none'}); "
                "raise azCount or list availabilityZones that include one of those zones."
            )
    return Placement(chosen, by_service)


def unrestricted(zones: Sequence[str], services: Sequence[str]) -> Placement:
    """No lookup possible (no account): every endpoint in every subnet."""
    return Placement(tuple(zones), {svc: tuple(zones) for svc in services})
