"""PrivateBedrockEndpoints: one interface endpoint per service of a BedrockAccess, private DNS (off in a hub), own policy."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from aws_cdk import Fn, Stack, Token
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from private_bedrock.access import BedrockAccess
from private_bedrock.config.errors import ConfigError
from private_bedrock.config.values import ACCOUNT_ID, role_arns
from private_bedrock.construct_inputs import described, require_access, require_like, require_list_of
from private_bedrock.config.topology import HubSettings
from private_bedrock.facts.regions import private_dns_name
from private_bedrock.network.security_groups import traffic_groups
from private_bedrock.policies import endpoint_policy, pascal
from private_bedrock.policies.hub import hub_endpoint_policy, principals_by_account
from private_bedrock.policies.hub_shared import admission, shared_hub_policy


def _policy(service: str, access: BedrockAccess, account: str, principals: Sequence[str], hub: HubSettings | None) -> dict[str, Any]:
    if hub is None:
        return endpoint_policy(service, access, account, principals)
    if hub.access == "perAccount":
        return hub_endpoint_policy(service, access, principals_by_account(account, principals, hub.spoke_principal_arns))
    return shared_hub_policy(service, access, admission(account, principals, hub))


class PrivateBedrockEndpoints(Construct):
    """The interface endpoints of `access.services` in `vpc`, each with the least-privilege
    policy built from `access` for `principals` (aws:PrincipalArn) only.

    Private DNS is on, so the SDKs' default endpoint names resolve to them inside the VPC
    (off with `hub`: the hub's Route 53 zones answer instead, for every spoke too, and the
    spokes' roles are admitted, each to its own account's resources).

    security_group: the endpoints' group; None creates one admitting only TLS from a new
    workload group (`workload_security_group`: attach it to the workloads). subnets: where the
    endpoints go (default: the VPC's private subnets, one per zone); subnets_by_service: per
    service instead (the zones each endpoint service offers). account: of the ARNs in the
    policies (default: the stack's).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        access: BedrockAccess,
        principals: Sequence[str],
        subnets: ec2.SubnetSelection | None = None,
        subnets_by_service: Mapping[str, Sequence[ec2.ISubnet]] | None = None,
        security_group: ec2.ISecurityGroup | None = None,
        workload_security_group: ec2.ISecurityGroup | None = None,
        hub: HubSettings | None = None,
        account: str | None = None,
    ) -> None:
        _check_inputs(scope, vpc, access, principals, subnets, subnets_by_service, security_group, workload_security_group, hub, account)
        super().__init__(scope, id)
        if security_group is None:
            security_group, workload_security_group = traffic_groups(self, vpc, (), workload_description="Workloads: TLS out to the Bedrock endpoints only")
        self.access = access
        self.security_group: ec2.ISecurityGroup = security_group
        self.workload_security_group: ec2.ISecurityGroup | None = workload_security_group
        self.principals: tuple[str, ...] = tuple(principals)
        account = account or Stack.of(self).account
        self.endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for service in access.services:
            placement = ec2.SubnetSelection(subnets=list(subnets_by_service[service])) if subnets_by_service is not None else subnets
            self.endpoints[service] = ec2.InterfaceVpcEndpoint(
                self,
                pascal(service),
                vpc=vpc,
                # InterfaceVpcEndpointAwsService (not ...Service) so private DNS defaults on and the
                # name is com.amazonaws.<region>.<service>; CDK has no constant for bedrock-mantle.
                service=ec2.InterfaceVpcEndpointAwsService(service),
                private_dns_enabled=hub is None,
                # open=False: CDK would otherwise admit the whole VPC CIDR on 443.
                open=False,
                security_groups=[security_group],
                subnets=placement,
            )
            # The document is set whole (not via add_to_policy) so the template holds exactly
            # what the pure builder returned, which the tests and the IAM matrix evaluate.
            cfn = self.endpoints[service].node.default_child
            assert isinstance(cfn, ec2.CfnVPCEndpoint)
            cfn.policy_document = _policy(service, access, account, self.principals, hub)

    @property
    def ids(self) -> dict[str, str]:
        """{service: vpce id}: what SourceVpceOnlyPolicy's aws:SourceVpce conditions name."""
        return {svc: ep.vpc_endpoint_id for svc, ep in self.endpoints.items()}

    @property
    def dns_names(self) -> dict[str, str]:
        """{service: the name SDKs call} (it resolves to the endpoint inside the VPC while private DNS is on)."""
        return {svc: private_dns_name(svc, self.access.region) for svc in self.endpoints}

    @property
    def regional_dns_names(self) -> dict[str, str]:
        """{service: the endpoint's own regional name} (vpce-...amazonaws.com, for resolvers and forwarders)."""
        return {svc: Fn.select(1, Fn.split(":", Fn.select(0, ep.vpc_endpoint_dns_entries))) for svc, ep in self.endpoints.items()}


def _check_inputs(
    scope: Construct,
    vpc: Any,
    access: Any,
    principals: Any,
    subnets: Any,
    subnets_by_service: Any,
    security_group: Any,
    workload_security_group: Any,
    hub: Any,
    account: Any,
) -> None:
    """Wrong types and mismatches as one sentence each, before CDK would raise from deep inside jsii."""
    require_access(access)
    require_like("vpc", vpc, ("vpc_id", "select_subnets"), "an ec2.IVpc (ec2.Vpc, or ec2.Vpc.from_lookup / from_vpc_attributes)")
    if isinstance(principals, str) or not isinstance(principals, Sequence) or not principals or not all(isinstance(p, str) for p in principals):
        raise ConfigError(f"principals must be a non-empty list of role ARNs (strings, such as role.role_arn), got {described(principals)}.")
    # A token (role.role_arn) resolves at deploy time; a literal must be a role ARN, or the
    # aws:PrincipalArn condition would admit no one.
    role_arns("principals", [p for p in principals if not Token.is_unresolved(p)])
    if hub is not None and not isinstance(hub, HubSettings):
        raise ConfigError(f"hub must be a HubSettings (the hub's spoke ranges and principals) or None, got {described(hub)}.")
    if account is not None and not (isinstance(account, str) and (Token.is_unresolved(account) or ACCOUNT_ID.match(account))):
        raise ConfigError(f"account must be a 12-digit AWS account id such as 123456789012 (or None for the stack's account), got {described(account)}.")
    require_like("security_group", security_group, ("security_group_id",), "an ec2.ISecurityGroup", optional=True)
    require_like("workload_security_group", workload_security_group, ("security_group_id",), "an ec2.ISecurityGroup", optional=True)
    if workload_security_group is not None and security_group is None:
        raise ConfigError("workload_security_group is given without security_group; give both, or neither to have both created.")
    if subnets is not None and not isinstance(subnets, ec2.SubnetSelection):
        raise ConfigError(f"subnets must be an ec2.SubnetSelection or None, got {described(subnets)}.")
    if subnets is not None and subnets_by_service is not None:
        raise ConfigError("subnets and subnets_by_service are both given; give one of them.")
    if subnets_by_service is not None:
        if not isinstance(subnets_by_service, Mapping):
            raise ConfigError(f"subnets_by_service must map each service to a list of ec2.ISubnet, got {described(subnets_by_service)}.")
        for service, service_subnets in subnets_by_service.items():
            require_list_of(f"subnets_by_service[{service!r}]", service_subnets, ("subnet_id",), "ec2.ISubnet")
        missing = [s for s in access.services if s not in subnets_by_service]
        if missing:
            raise ConfigError(f"subnets_by_service has no subnets for {', '.join(missing)}; give subnets for every service of access.services.")
    region = Stack.of(scope).region
    if not Token.is_unresolved(region) and region != access.region:
        raise ConfigError(
            f"access is for {access.region} but the stack is in {region}; build the BedrockAccess for {region} "
            "(the policies name the region's models and resources)."
        )
