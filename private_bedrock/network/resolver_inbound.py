"""ResolverInboundEndpoint: on-premises resolvers forward the Bedrock names into the VPC.

With private DNS on, the endpoints' names (bedrock-runtime.<region>.amazonaws.com, ...) resolve
to the endpoints' private addresses only inside the VPC. A Route 53 Resolver inbound endpoint
gives on-premises DNS servers addresses in the VPC to forward those names to; its security
group admits DNS (TCP and UDP 53) from the on-premises ranges and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_route53resolver as route53resolver
from constructs import Construct

DNS_PORTS = (ec2.Port.tcp(53), ec2.Port.udp(53))
# Route 53 Resolver requires at least two addresses per endpoint.
MIN_ADDRESSES = 2


@dataclass(frozen=True)
class ResolverInboundEndpointProps:
    vpc: ec2.IVpc
    subnets: Sequence[ec2.ISubnet]  # one address in each; two in the only one when there is one
    on_prem_cidrs: Sequence[str]
    name: str


class ResolverInboundEndpoint(Construct):
    def __init__(self, scope: Construct, id: str, *, props: ResolverInboundEndpointProps) -> None:
        super().__init__(scope, id)
        self.security_group = ec2.SecurityGroup(
            self,
            "Sg",
            vpc=props.vpc,
            description="Route 53 Resolver inbound endpoint: DNS in from on-premises only",
            allow_all_outbound=False,  # answers go back on the inbound connection
        )
        for cidr in props.on_prem_cidrs:
            for port in DNS_PORTS:
                self.security_group.add_ingress_rule(ec2.Peer.ipv4(cidr), port, f"DNS from on-premises {cidr}")
        subnets = list(props.subnets)
        while len(subnets) < MIN_ADDRESSES:
            subnets.append(subnets[0])
        self.endpoint = route53resolver.CfnResolverEndpoint(
            self,
            "Endpoint",
            direction="INBOUND",
            name=props.name,
            security_group_ids=[self.security_group.security_group_id],
            ip_addresses=[route53resolver.CfnResolverEndpoint.IpAddressRequestProperty(subnet_id=s.subnet_id) for s in subnets],
        )
