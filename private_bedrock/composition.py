"""The regional design composed in one stack: network -> probe -> endpoints -> access -> monitoring, and the outputs.

The regional stack (stacks/regional_stack.py) and the stack a StackSet delivers to every
member account (stacks/fleet_stack.py) both call `compose`, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnOutput, Fn, Stack
from aws_cdk import aws_kms as kms

from private_bedrock.security.workload_policy import SourceVpceOnlyPolicy
from private_bedrock.config.app_config import RegionConfig
from private_bedrock.network.dns_firewall import DnsFirewall, DnsFirewallProps
from private_bedrock.network.dns_names import allow_list
from private_bedrock.network.endpoints import PrivateBedrockEndpoints
from private_bedrock.monitoring import DnsFirewallRef, ProbeMonitoring, ProbeMonitoringProps
from private_bedrock.security.log_groups import log_group_prefix
from private_bedrock.security.log_key import LogKey, LogKeyProps
from private_bedrock.network import Network, build_network
from private_bedrock.network.shared_dns import HubDns, HubDnsProps, SpokeDns, SpokeDnsProps
from private_bedrock.network.resolver_inbound import ResolverInboundEndpoint, ResolverInboundEndpointProps
from private_bedrock.policies import pascal
from private_bedrock.probe.construct import ConnectivityProbe, ConnectivityProbeProps
from private_bedrock.facts.regions import private_dns_name
from private_bedrock.config.design_metadata import design_metadata


def stack_description(config: RegionConfig) -> str:
    return f"Private Amazon Bedrock access over PrivateLink in {config.region} (bedrock, bedrock-runtime, bedrock-mantle)"


@dataclass(frozen=True)
class Composition:
    """What other constructs of the same stack may need from the composition."""

    probe: ConnectivityProbe
    access: SourceVpceOnlyPolicy
    log_key: kms.IKey  # encrypts the probes' environment (the fleet verifier reads it through Lambda)
    dns_firewall: DnsFirewall
    endpoints: PrivateBedrockEndpoints | None  # None in a spoke (it uses the hub's)


def compose(stack: Stack, config: RegionConfig, account: str | None) -> Composition:
    """The regional design in `stack`: a PrivateBedrockStack, or the stack a StackSet delivers."""
    retention = config.flow_log_retention_days
    log_key = LogKey(
        stack,
        "LogKey",
        props=LogKeyProps(
            region=stack.region, account=stack.account, log_group_prefix=log_group_prefix(stack.stack_name), admin_arns=config.key_admin_arns
        ),
    ).key
    network = build_network(stack, config.network_settings, account=account, log_key=log_key)
    dns_firewall = DnsFirewall(
        stack,
        "DnsFirewall",
        props=DnsFirewallProps(
            vpc_id=network.vpc.vpc_id,
            allowed_domains=allow_list(config.region, config.endpoints, config.dns_allowed_domains),
            log_key=log_key,
            log_retention_days=retention,
        ),
    )
    if config.resolver_inbound_endpoint:
        resolver = ResolverInboundEndpoint(
            stack,
            "OnPremDns",
            props=ResolverInboundEndpointProps(
                vpc=network.vpc, subnets=network.subnets, on_prem_cidrs=config.on_prem_cidrs, name=f"{config.stack_id}-inbound"
            ),
        )
        CfnOutput(
            stack,
            "ResolverInboundEndpointId",
            value=resolver.endpoint.attr_resolver_endpoint_id,
            description="Forward the <Service>PrivateDnsName names from on-premises DNS to this endpoint's addresses "
            "(aws route53resolver list-resolver-endpoint-ip-addresses --resolver-endpoint-id <id>)",
        )
    probe = ConnectivityProbe(
        stack,
        "Probe",
        props=ConnectivityProbeProps(
            plan=config.probe,
            access=config.access,
            vpc=network.vpc,
            subnets=network.subnets,
            security_group=network.workload_sg,
            log_key=log_key,
            log_retention_days=config.flow_log_retention_days,
            dns_cidrs=network.dns_cidrs,
            # A spoke's probe role is named so the hub's spokePrincipalArns can list it before it exists.
            role_name=f"{config.stack_id}-Probe" if config.network.spoke else None,
        ),
    )
    hub, spoke = config.network.hub, config.network.spoke
    endpoints: PrivateBedrockEndpoints | None = None
    hub_dns: HubDns | None = None
    if spoke is not None:
        # A spoke has no endpoints: the hub's, reached through the hub's shared DNS.
        endpoint_ids = spoke.endpoint_id_of
        SpokeDns(stack, "SharedDns", props=SpokeDnsProps(profile_id=spoke.dns_profile_id, vpc_id=network.vpc.vpc_id, name=f"{config.stack_id}-spoke"))
    else:
        assert network.endpoint_sg is not None
        endpoints = PrivateBedrockEndpoints(
            stack,
            "Endpoints",
            vpc=network.vpc,
            access=config.access,
            principals=[probe.function.role.role_arn, *config.extra_principal_arns],  # type: ignore[union-attr]
            subnets_by_service=network.subnets_by_service,
            security_group=network.endpoint_sg,
            workload_security_group=network.workload_sg,
            hub=hub,
        )
        endpoint_ids = endpoints.ids
        if hub is not None:
            hub_dns = HubDns(
                stack,
                "SharedDns",
                props=HubDnsProps(
                    region=config.region,
                    vpc=network.vpc,
                    endpoints=endpoints.endpoints,
                    # RAM refuses to share with the owner: a spoke in the hub's account needs no share.
                    spoke_accounts=[a for a in hub.share_principals if a != account],
                    name=f"{config.stack_id}-hub",
                ),
            )
    access = SourceVpceOnlyPolicy(stack, "Access", access=config.access, endpoints=endpoint_ids, roles=probe.roles)
    monitoring = ProbeMonitoring(
        stack,
        "Monitoring",
        props=ProbeMonitoringProps(
            monitoring=config.monitoring,
            region=config.region,
            name_prefix=config.stack_id,
            services=config.endpoints,
            probe_function=probe.function,
            control_function=probe.control_function,
            vpc_id=network.vpc.vpc_id,
            # A spoke's are the hub's endpoints (their metrics live in the hub's account).
            endpoint_ids=endpoint_ids,
            audit_retention_days=config.flow_log_retention_days,
            key_admin_arns=config.key_admin_arns,
            audit_web_search=config.has("serverSideTools"),
            dns_firewall=DnsFirewallRef(rule_group_id=dns_firewall.rule_group_id),
        ),
    )
    CfnOutput(stack, "AlarmTopicArn", value=monitoring.alarms.topic.topic_arn, description="Subscribe here to the probe alarms")
    CfnOutput(stack, "DashboardName", value=monitoring.dashboard.dashboard.dashboard_name)
    _outputs(stack, config, network, endpoints, access, probe, hub_dns)
    CfnOutput(stack, "DnsFirewallRuleGroupId", value=dns_firewall.rule_group_id, description="DNS Firewall rule group of the VPC (AWS/Route53Resolver metrics)")
    # Read by `make synth`'s summary (private_bedrock/tools/report/summary.py) and by reviewers of the template.
    stack.template_options.metadata = {"PrivateBedrock": design_metadata(config, monitoring.summary)}
    return Composition(probe=probe, access=access, log_key=log_key, dns_firewall=dns_firewall, endpoints=endpoints)


def _outputs(
    stack: Stack, cfg: RegionConfig, network: Network, endpoints: PrivateBedrockEndpoints | None, access: SourceVpceOnlyPolicy, probe: ConnectivityProbe, hub_dns: HubDns | None
) -> None:
    CfnOutput(stack, "VpcId", value=network.vpc.vpc_id)
    CfnOutput(stack, "SubnetIds", value=Fn.join(",", [s.subnet_id for s in network.subnets]), description="Place workloads in these subnets")
    CfnOutput(stack, "WorkloadSecurityGroupId", value=network.workload_sg.security_group_id, description="Attach to workloads that call Bedrock")
    if network.endpoint_sg is not None:
        CfnOutput(stack, "EndpointSecurityGroupId", value=network.endpoint_sg.security_group_id)
    CfnOutput(stack, "SourceVpceOnlyPolicyArn", value=access.policy.managed_policy_arn, description="Attach to workload roles (and list them in extraPrincipalArns)")
    CfnOutput(stack, "ProbeFunctionName", value=probe.function.function_name)
    CfnOutput(stack, "ControlProbeFunctionName", value=probe.control_function.function_name)
    if cfg.network.topology != "standalone":
        CfnOutput(stack, "ProbeRoleArn", value=probe.function.role.role_arn, description="A spoke's: list it in the hub's spokePrincipalArns")  # type: ignore[union-attr]
    if network.created_vpc and cfg.network.hub is not None:
        CfnOutput(stack, "HubVpcCidr", value=cfg.vpc_cidr, description="The spokes' hubVpcCidr")
    if hub_dns is not None:
        CfnOutput(stack, "DnsProfileId", value=hub_dns.profile.attr_id, description="The spokes' hubDnsProfileId (shared with their accounts through AWS RAM)")
    if cfg.network.spoke is not None:
        # The hub's endpoints, as this spoke's identity policy names them.
        for service, vpce in cfg.network.spoke.endpoint_ids:
            CfnOutput(stack, f"{pascal(service)}EndpointId", value=vpce, description="The hub's endpoint")
            CfnOutput(stack, f"{pascal(service)}PrivateDnsName", value=private_dns_name(service, stack.region))
        return
    assert endpoints is not None
    for service, endpoint in endpoints.endpoints.items():
        name = pascal(service)
        CfnOutput(stack, f"{name}EndpointId", value=endpoint.vpc_endpoint_id, description="The spokes' hubEndpointIds" if cfg.network.hub else None)
        CfnOutput(stack, f"{name}PrivateDnsName", value=private_dns_name(service, stack.region), description="Forward this name to the VPC resolver for on-premises clients")
        # "<hosted zone>:<name>" of the regional entry; the name after ':' is what a
        # conditional forwarder or Route 53 Resolver rule can target.
        CfnOutput(stack, f"{name}RegionalDnsName", value=Fn.select(1, Fn.split(":", Fn.select(0, endpoint.vpc_endpoint_dns_entries))))
