"""The Resolver inbound endpoint construct alone: two addresses even with one zone."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from private_bedrock.network.resolver_inbound import ResolverInboundEndpoint, ResolverInboundEndpointProps


def test_one_zone_gets_two_addresses_in_its_subnet() -> None:
    stack = cdk.Stack(cdk.App(), "T", env=cdk.Environment(region="us-east-1"))
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0, subnet_configuration=[ec2.SubnetConfiguration(name="P", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])
    ResolverInboundEndpoint(stack, "Dns", props=ResolverInboundEndpointProps(vpc=vpc, subnets=vpc.isolated_subnets, on_prem_cidrs=["10.9.0.0/16", "172.16.0.0/12"], name="t"))
    template = Template.from_stack(stack).to_json()
    (endpoint,) = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Route53Resolver::ResolverEndpoint"]
    (subnet,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::EC2::Subnet"]
    assert endpoint["IpAddresses"] == [{"SubnetId": {"Ref": subnet}}, {"SubnetId": {"Ref": subnet}}]
    sg = next(r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::EC2::SecurityGroup")
    assert sorted((r["CidrIp"], r["IpProtocol"], r["FromPort"]) for r in sg["SecurityGroupIngress"]) == [
        ("10.9.0.0/16", "tcp", 53), ("10.9.0.0/16", "udp", 53), ("172.16.0.0/12", "tcp", 53), ("172.16.0.0/12", "udp", 53)
    ]
