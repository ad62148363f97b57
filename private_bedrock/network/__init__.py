"""Where the endpoints live, behind one interface: a new isolated VPC or an existing one.

`build_network` is the only entry point the stack uses; it returns a `Network` whatever the
choice (private_bedrock/config/topology.py). `IsolatedNetwork`, `IsolatedNetworkProps` and
`deploy_time_azs` stay importable from here (one import for the stack).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from private_bedrock.config.network_settings import NetworkSettings
from private_bedrock.network.existing import ImportedVpc, ImportedVpcProps
from private_bedrock.network.isolated import IsolatedNetwork, IsolatedNetworkProps, deploy_time_azs, isolated_placement
from private_bedrock.network.security_groups import Peer, spoke_workload_group, traffic_groups

__all__ = ["Network", "NetworkSettings", "build_network", "IsolatedNetwork", "IsolatedNetworkProps", "deploy_time_azs"]

# Ranges a name may resolve into when an existing VPC's CIDRs are not known (offline synth).
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


@dataclass(frozen=True)
class Network:
    """What the rest of the stack needs from the network, in every mode."""

    vpc: ec2.IVpc
    subnets: Sequence[ec2.ISubnet]  # where the probe (and the workloads) go
    subnets_by_service: Mapping[str, Sequence[ec2.ISubnet]]  # where each endpoint goes (empty for a spoke)
    workload_sg: ec2.ISecurityGroup
    endpoint_sg: ec2.ISecurityGroup | None  # None for a spoke: the endpoints are the hub's
    dns_cidrs: tuple[str, ...]  # the endpoint names must resolve into these (the probe's DNS check)
    created_vpc: bool


def endpoint_peers(settings: NetworkSettings) -> list[Peer]:
    peers = [Peer(c, "on-premises") for c in settings.on_prem_cidrs]
    if settings.choice.hub is not None:
        peers += [Peer(c, "spoke") for c in settings.choice.hub.spoke_cidrs]
    return peers


def build_network(scope: Construct, settings: NetworkSettings, *, account: str | None, log_key: kms.IKey) -> Network:
    """The isolated VPC or the existing one of `settings.choice`; `account` None: no lookups (offline synth)."""
    choice = settings.choice
    endpoint_sg: ec2.ISecurityGroup | None = None
    if choice.existing is None:
        placement = isolated_placement(scope, settings, account)
        isolated = IsolatedNetwork(
            scope,
            "Network",
            props=IsolatedNetworkProps(
                cidr=settings.vpc_cidr,
                availability_zones=placement.zones,
                flow_log_retention_days=settings.flow_log_retention_days,
                log_key=log_key,
                endpoint_peers=endpoint_peers(settings),
            ),
        )
        vpc, subnets = isolated.vpc, isolated.subnets
        subnet_of = dict(zip(placement.zones, subnets))
        by_service = {svc: [subnet_of[az] for az in zones] for svc, zones in placement.by_service.items()}
        endpoint_sg, workload_sg = isolated.endpoint_sg, isolated.workload_sg
        dns_cidrs: tuple[str, ...] = (settings.vpc_cidr,)
    else:
        spoke = choice.spoke
        imported = ImportedVpc(
            scope,
            "Network",
            props=ImportedVpcProps(
                existing=choice.existing,
                region=settings.region,
                services=() if spoke else settings.services,
                lookup=account is not None,
                # Names this stack answers for in the VPC: its endpoints' (standalone), its zones (hub),
                # or the hub's profile (spoke). Any other private-DNS endpoint for them would conflict.
                dns_names_for=settings.services,
            ),
        )
        vpc, subnets = imported.vpc, imported.subnets
        if spoke is not None:
            # The endpoints are the hub's: no endpoint SG here, and the names resolve into the hub VPC.
            by_service = {}
            workload_sg = spoke_workload_group(imported, vpc, spoke.hub_vpc_cidr)
            dns_cidrs = (spoke.hub_vpc_cidr,)
        else:
            by_service = imported.subnets_by_service
            endpoint_sg, workload_sg = traffic_groups(imported, vpc, endpoint_peers(settings))
            dns_cidrs = imported.subnet_cidrs or PRIVATE_RANGES
    return Network(
        vpc=vpc,
        subnets=subnets,
        subnets_by_service=by_service,
        workload_sg=workload_sg,
        endpoint_sg=endpoint_sg,
        dns_cidrs=dns_cidrs,
        created_vpc=choice.existing is None,
    )
