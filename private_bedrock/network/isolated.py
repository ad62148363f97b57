"""IsolatedNetwork: a VPC with no route to the internet, flow logs, and the two SGs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from aws_cdk import Fn, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from private_bedrock.config.network_settings import NetworkSettings
from private_bedrock.security.log_groups import encrypted_log_group
from private_bedrock.security.nag import acknowledge_compliance
from private_bedrock.network.security_groups import Peer, traffic_groups
from private_bedrock.network.placement import Placement, choose_zones, supported_zones, unrestricted


@dataclass(frozen=True)
class IsolatedNetworkProps:
    cidr: str
    availability_zones: Sequence[str]  # names or deploy-time tokens, one subnet per zone
    flow_log_retention_days: int
    log_key: kms.IKey
    endpoint_peers: Sequence[Peer] = ()  # CIDRs admitted to the endpoints besides workloads


class IsolatedNetwork(Construct):
    """Private isolated subnets only: no internet gateway, no NAT, no public IPs.

    Workloads live in `workload_sg`, whose only egress is TLS to `endpoint_sg`;
    `endpoint_sg` admits only TLS from workloads (and the configured on-premises or spoke ranges).
    The SGs are the same in every mode (private_bedrock/network/security_groups.py).
    """

    def __init__(self, scope: Construct, id: str, *, props: IsolatedNetworkProps) -> None:
        super().__init__(scope, id)
        # Flow logs are audit evidence: they outlive the stack.
        flow_log_group = encrypted_log_group(
            self, "FlowLogs", key=props.log_key, retention_days=props.flow_log_retention_days, removal_policy=RemovalPolicy.RETAIN
        )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(props.cidr),
            availability_zones=list(props.availability_zones),
            nat_gateways=0,
            create_internet_gateway=False,
            enable_dns_hostnames=True,  # both required for the endpoints' private DNS
            enable_dns_support=True,
            restrict_default_security_group=True,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)
            ],
            flow_logs={
                "All": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_log_group),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
        )
        flow_log_role = self.vpc.node.find_child("All").node.find_child("IAMRole")
        acknowledge_compliance(
            flow_log_role,
            "IAMNoInlinePolicy",
            "CDK's flow-log delivery role: its inline policy only writes to this VPC's flow-log group and passes itself to VPC Flow Logs.",
        )

        self.endpoint_sg, self.workload_sg = traffic_groups(self, self.vpc, props.endpoint_peers)

    @property
    def subnets(self) -> list[ec2.ISubnet]:
        return list(self.vpc.isolated_subnets)


def isolated_placement(scope: Construct, settings: NetworkSettings, account: str | None) -> Placement:
    """The new VPC's zones, and the zones each endpoint goes into (see private_bedrock/network/placement.py)."""
    stack = Stack.of(scope)
    if account is None:
        # No account, no lookup: CloudFormation picks the zones at deploy time.
        zones = list(settings.availability_zones) or deploy_time_azs(stack, settings.az_count)
        return unrestricted(zones, settings.services)
    candidates = list(settings.availability_zones) or list(stack.availability_zones)
    supported = {svc: supported_zones(scope, settings.region, svc, candidates) for svc in settings.services}
    if any(az.startswith("dummy") for az in candidates):
        # The account's zones are not looked up yet: CDK hands out placeholders and the
        # CLI synthesizes again once it has the answer. Judging placement now would fail
        # on placeholders against real cached zones.
        return unrestricted(candidates[: settings.az_count], settings.services)
    return choose_zones(settings.region, candidates, supported, settings.az_count)


def deploy_time_azs(stack: Stack, count: int) -> list[str]:
    """AZ names resolved by CloudFormation (Fn::GetAZs) when the account is unknown."""
    return [Fn.select(i, Fn.get_azs(stack.region)) for i in range(count)]
