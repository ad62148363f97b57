"""PrivateBedrockStack: composition only (network -> probe -> endpoints -> access), outputs."""

from __future__ import annotations

from aws_cdk import CfnOutput, Environment, Fn, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.access import SourceVpceOnlyPolicy, SourceVpceOnlyPolicyProps
from stacks.config import RegionConfig
from stacks.endpoints import BedrockEndpoints, BedrockEndpointsProps
from stacks.network import IsolatedNetwork, IsolatedNetworkProps, deploy_time_azs
from stacks.network_resolver import ResolverInboundEndpoint, ResolverInboundEndpointProps
from stacks.placement import Placement, choose_zones, supported_zones, unrestricted
from stacks.policies import pascal
from stacks.probe import ConnectivityProbe, ConnectivityProbeProps
from stacks.regions import private_dns_name


class PrivateBedrockStack(Stack):
    def __init__(self, scope: Construct, *, config: RegionConfig, account: str | None) -> None:
        super().__init__(
            scope,
            config.stack_id,
            env=Environment(account=account, region=config.region),
            description=f"Private Amazon Bedrock access over PrivateLink in {config.region} (bedrock, bedrock-runtime, bedrock-mantle)",
        )
        self.config = config
        placement = self._placement(config, account)
        retention = config.flow_log_retention_days
        log_key = self._log_key()

        network = IsolatedNetwork(
            self,
            "Network",
            props=IsolatedNetworkProps(
                cidr=config.vpc_cidr,
                availability_zones=placement.zones,
                flow_log_retention_days=retention,
                log_key=log_key,
                on_prem_cidrs=config.on_prem_cidrs,
            ),
        )
        subnet_of = dict(zip(placement.zones, network.subnets))
        if config.resolver_inbound_endpoint:
            resolver = ResolverInboundEndpoint(
                self,
                "OnPremDns",
                props=ResolverInboundEndpointProps(
                    vpc=network.vpc, subnets=network.subnets, on_prem_cidrs=config.on_prem_cidrs, name=f"{config.stack_id}-inbound"
                ),
            )
            CfnOutput(
                self,
                "ResolverInboundEndpointId",
                value=resolver.endpoint.attr_resolver_endpoint_id,
                description="Forward the <Service>PrivateDnsName names from on-premises DNS to this endpoint's addresses "
                "(aws route53resolver list-resolver-endpoint-ip-addresses --resolver-endpoint-id <id>)",
            )
        probe = ConnectivityProbe(
            self,
            "Probe",
            props=ConnectivityProbeProps(
                config=config,
                vpc=network.vpc,
                subnets=network.subnets,
                security_group=network.workload_sg,
                log_key=log_key,
                log_retention_days=retention,
            ),
        )
        endpoints = BedrockEndpoints(
            self,
            "Endpoints",
            props=BedrockEndpointsProps(
                config=config,
                account=self.account,
                vpc=network.vpc,
                security_group=network.endpoint_sg,
                subnets_by_service={svc: [subnet_of[az] for az in zones] for svc, zones in placement.by_service.items()},
                principal_arns=[probe.function.role.role_arn, *config.extra_principal_arns],  # type: ignore[union-attr]
            ),
        )
        access = SourceVpceOnlyPolicy(
            self,
            "Access",
            props=SourceVpceOnlyPolicyProps(config=config, account=self.account, endpoint_ids=endpoints.ids, roles=probe.roles),
        )
        self._outputs(network, endpoints, access, probe)
        # Read by `make synth`'s summary (tools/summary.py) and by reviewers of the template.
        self.template_options.metadata = {
            "PrivateBedrock": {
                "inferenceScope": config.inference_scope,
                "runtimeModels": [m.model_id for m in config.runtime_models],
                "mantleModels": list(config.mantle_models),
                "inferenceRegions": list(config.inference_regions()),
                "endpointPolicy": config.endpoint_policy,
                "allowApiKeys": config.allow_api_keys,
                # The real models the probe expects refused; the IAM matrix checks the same ones.
                "probeDeniedModels": {"runtime": config.probe.runtime_denied_model, "mantle": config.probe.mantle_denied_model},
                "azCount": config.az_count,
                # What the grants cover beyond inference; the IAM matrix derives its cells from these.
                "capabilities": list(config.capabilities),
                "guardrailArn": config.guardrail_arn,
                "agentAliasArns": list(config.agent_alias_arns),
                "knowledgeBaseArns": list(config.knowledge_base_arns),
            }
        }

    def _placement(self, config: RegionConfig, account: str | None) -> Placement:
        if account is None:
            # No account, no lookup: CloudFormation picks the zones at deploy time.
            zones = list(config.availability_zones) or deploy_time_azs(self, config.az_count)
            return unrestricted(zones, config.endpoints)
        candidates = list(config.availability_zones) or list(self.availability_zones)
        supported = {svc: supported_zones(self, config.region, svc, candidates) for svc in config.endpoints}
        if any(az.startswith("dummy") for az in candidates):
            # The account's zones are not looked up yet: CDK hands out placeholders and the
            # CLI synthesizes again once it has the answer. Judging placement now would fail
            # on placeholders against real cached zones.
            return unrestricted(candidates[: config.az_count], config.endpoints)
        return choose_zones(config.region, candidates, supported, config.az_count)

    def _log_key(self) -> kms.Key:
        key = kms.Key(
            self,
            "LogKey",
            description="Encrypts this stack's flow logs and probe logs",
            enable_key_rotation=True,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsOfThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{self.region}.amazonaws.com")],
                actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"],
                resources=["*"],  # in a key policy, "*" means this key
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{self.region}:{self.account}:log-group:*"}},
            )
        )
        return key

    def _outputs(self, network: IsolatedNetwork, endpoints: BedrockEndpoints, access: SourceVpceOnlyPolicy, probe: ConnectivityProbe) -> None:
        CfnOutput(self, "VpcId", value=network.vpc.vpc_id)
        CfnOutput(self, "WorkloadSecurityGroupId", value=network.workload_sg.security_group_id, description="Attach to workloads that call Bedrock")
        CfnOutput(self, "EndpointSecurityGroupId", value=network.endpoint_sg.security_group_id)
        CfnOutput(self, "SourceVpceOnlyPolicyArn", value=access.policy.managed_policy_arn, description="Attach to workload roles (and list them in extraPrincipalArns)")
        CfnOutput(self, "ProbeFunctionName", value=probe.function.function_name)
        CfnOutput(self, "ControlProbeFunctionName", value=probe.control_function.function_name)
        for service, endpoint in endpoints.endpoints.items():
            name = pascal(service)
            CfnOutput(self, f"{name}EndpointId", value=endpoint.vpc_endpoint_id)
            CfnOutput(self, f"{name}PrivateDnsName", value=private_dns_name(service, self.region), description="Forward this name to the VPC resolver for on-premises clients")
            # "<hosted zone>:<name>" of the regional entry; the name after ':' is what a
            # conditional forwarder or Route 53 Resolver rule can target.
            CfnOutput(self, f"{name}RegionalDnsName", value=Fn.select(1, Fn.split(":", Fn.select(0, endpoint.vpc_endpoint_dns_entries))))

