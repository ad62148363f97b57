"""IsolatedNetwork: a VPC with no route to the internet, flow logs, and the two SGs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from aws_cdk import Fn, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.log_groups import encrypted_log_group
from stacks.nag import acknowledge_compliance

TLS = ec2.Port.tcp(443)


@dataclass(frozen=True)
class IsolatedNetworkProps:
    cidr: str
    availability_zones: Sequence[str]  # names or deploy-time tokens, one subnet per zone
    flow_log_retention_days: int
    log_key: kms.IKey
    on_prem_cidrs: Sequence[str] = ()


class IsolatedNetwork(Construct):
    """Private isolated subnets only: no internet gateway, no NAT, no public IPs.

    Workloads live in `workload_sg`, whose only egress is TLS to `endpoint_sg`;
    `endpoint_sg` admits only TLS from workloads (and the configured on-premises ranges).
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

        self.endpoint_sg = ec2.SecurityGroup(
            self,
            "EndpointSg",
            vpc=self.vpc,
            description="Bedrock interface endpoints: TLS in from workloads only",
            allow_all_outbound=False,  # endpoints never initiate connections
        )
        self.workload_sg = ec2.SecurityGroup(
            self,
            "WorkloadSg",
            vpc=self.vpc,
            description="Workloads and the probe: TLS out to the Bedrock endpoints only",
            allow_all_outbound=False,
        )
        self.workload_sg.add_egress_rule(self.endpoint_sg, TLS, "TLS to the Bedrock endpoints")
        self.endpoint_sg.add_ingress_rule(self.workload_sg, TLS, "TLS from workloads")
        for cidr in props.on_prem_cidrs:
            self.endpoint_sg.add_ingress_rule(ec2.Peer.ipv4(cidr), TLS, f"TLS from on-premises {cidr}")

    @property
    def subnets(self) -> list[ec2.ISubnet]:
        return list(self.vpc.isolated_subnets)


def deploy_time_azs(stack: Stack, count: int) -> list[str]:
    """AZ names resolved by CloudFormation (Fn::GetAZs) when the account is unknown."""
    return [Fn.select(i, Fn.get_azs(stack.region)) for i in range(count)]
