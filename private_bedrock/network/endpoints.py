"""BedrockEndpoints: one interface endpoint per enabled service, private DNS (off in a hub), own policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from private_bedrock.config.app_config import RegionConfig
from private_bedrock.config.topology import HubSettings
from private_bedrock.policies import endpoint_policy, pascal
from private_bedrock.policies.hub import hub_endpoint_policy, principals_by_account
from private_bedrock.policies.hub_shared import admission, shared_hub_policy


@dataclass(frozen=True)
class BedrockEndpointsProps:
    config: RegionConfig
    account: str
    vpc: ec2.IVpc
    security_group: ec2.ISecurityGroup
    subnets_by_service: Mapping[str, Sequence[ec2.ISubnet]]
    principal_arns: Sequence[str]  # who may call through the endpoints (aws:PrincipalArn)
    # A hub: private DNS off (the hub's Route 53 zones answer instead, for every spoke too),
    # and the spokes' roles admitted, each to its own account's resources.
    hub: HubSettings | None = None


def _policy(service: str, props: BedrockEndpointsProps) -> dict:
    access, hub = props.config.access, props.hub
    if hub is None:
        return endpoint_policy(service, access, props.account, props.principal_arns)
    if hub.access == "perAccount":
        return hub_endpoint_policy(service, access, principals_by_account(props.account, props.principal_arns, hub.spoke_principal_arns))
    return shared_hub_policy(service, access, admission(props.account, props.principal_arns, hub))


class BedrockEndpoints(Construct):
    def __init__(self, scope: Construct, id: str, *, props: BedrockEndpointsProps) -> None:
        super().__init__(scope, id)
        cfg = props.config
        self.endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for service in cfg.endpoints:
            self.endpoints[service] = ec2.InterfaceVpcEndpoint(
                self,
                pascal(service),
                vpc=props.vpc,
                # InterfaceVpcEndpointAwsService (not ...Service) so private DNS defaults on and the
                # name is com.amazonaws.<region>.<service>; CDK has no constant for bedrock-mantle.
                service=ec2.InterfaceVpcEndpointAwsService(service),
                private_dns_enabled=props.hub is None,
                # open=False: CDK would otherwise admit the whole VPC CIDR on 443.
                open=False,
                security_groups=[props.security_group],
                subnets=ec2.SubnetSelection(subnets=list(props.subnets_by_service[service])),
            )
            # The document is set whole (not via add_to_policy) so the template holds exactly
            # what the pure builder returned, which the tests and the IAM matrix evaluate.
            cfn = self.endpoints[service].node.default_child
            assert isinstance(cfn, ec2.CfnVPCEndpoint)
            cfn.policy_document = _policy(service, props)

    @property
    def ids(self) -> dict[str, str]:
        return {svc: ep.vpc_endpoint_id for svc, ep in self.endpoints.items()}
