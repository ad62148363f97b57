"""NetworkSettings: what the network of one region is built from (private_bedrock/network/__init__.py)."""

from __future__ import annotations

from dataclasses import dataclass

from private_bedrock.config.topology import NetworkChoice


@dataclass(frozen=True)
class NetworkSettings:
    """The VPC choice and topology, the new VPC's range and zones, and the services placed in it."""

    region: str
    services: tuple[str, ...]  # the endpoint services the subnets must offer
    vpc_cidr: str  # the new VPC's range (unused with an existing VPC)
    az_count: int
    availability_zones: tuple[str, ...] = ()  # explicit names; empty = decided at synth/deploy
    flow_log_retention_days: int = 365
    on_prem_cidrs: tuple[str, ...] = ()  # admitted to the endpoints besides workloads
    choice: NetworkChoice = NetworkChoice()  # new or existing VPC; standalone, hub or spoke
