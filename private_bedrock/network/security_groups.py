"""The two security groups every mode uses: TLS from workloads to the endpoints, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

TLS = ec2.Port.tcp(443)


@dataclass(frozen=True)
class Peer:
    """A range admitted to the endpoints on 443 besides the workload SG (on-premises, a spoke)."""

    cidr: str
    label: str  # "on-premises", "spoke"


WORKLOAD_SG_DESCRIPTION = "Workloads and the probe: TLS out to the Bedrock endpoints only"


def traffic_groups(
    scope: Construct, vpc: ec2.IVpc, peers: Sequence[Peer], *, workload_description: str = WORKLOAD_SG_DESCRIPTION
) -> tuple[ec2.SecurityGroup, ec2.SecurityGroup]:
    """(endpoint SG, workload SG) in `scope` (ids EndpointSg, WorkloadSg, stable across modes)."""
    endpoint_sg = ec2.SecurityGroup(
        scope,
        "EndpointSg",
        vpc=vpc,
        description="Bedrock interface endpoints: TLS in from workloads only",
        allow_all_outbound=False,  # endpoints never initiate connections
    )
    workload_sg = ec2.SecurityGroup(
        scope,
        "WorkloadSg",
        vpc=vpc,
        description=workload_description,
        allow_all_outbound=False,
    )
    workload_sg.add_egress_rule(endpoint_sg, TLS, "TLS to the Bedrock endpoints")
    endpoint_sg.add_ingress_rule(workload_sg, TLS, "TLS from workloads")
    for peer in peers:
        endpoint_sg.add_ingress_rule(ec2.Peer.ipv4(peer.cidr), TLS, f"TLS from {peer.label} {peer.cidr}")
    return endpoint_sg, workload_sg


def spoke_workload_group(scope: Construct, vpc: ec2.IVpc, hub_cidr: str) -> ec2.SecurityGroup:
    """A spoke has no endpoints of its own: its workloads may reach the hub's range on 443 only."""
    workload_sg = ec2.SecurityGroup(
        scope,
        "WorkloadSg",
        vpc=vpc,
        description="Workloads and the probe: TLS out to the hub Bedrock endpoints only",
        allow_all_outbound=False,
    )
    workload_sg.add_egress_rule(ec2.Peer.ipv4(hub_cidr), TLS, f"TLS to the hub Bedrock endpoints in {hub_cidr}")
    return workload_sg
