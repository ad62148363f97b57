"""The StackSets delivery (fleet.enabled): the stacks of the administrator account.

- PrivateBedrockFleetAssets-<region> (one per target region): the region's asset bucket.
- PrivateBedrockFleet (home region): one StackSet per target region, service-managed, whose
  template is that region's composition (stacks/regional_stack.py: compose) plus the
  fleet verifier role, synthesized account-agnostic; and cdk-stacksets' BucketDeployments
  that copy the probe's code from the CDK asset bucket into each region's asset bucket.

Why cdk-stacksets and not a hand-built AWS::CloudFormation::StackSet: its StackSetStack
synthesizes a nested template as a file asset of the parent and rewrites the nested stack's
file assets to `<prefix>-<AWS::Region>` buckets, publishing them with the parent's deploy.
A hand-built StackSet would need the same three pieces (template upload, per-region asset
copy, asset location rewrite) written and kept in step with CDK by us. Why one StackSet per
region: the regional configuration differs (models, endpoints, scope), so the templates do.
"""

from __future__ import annotations

from aws_cdk import DefaultStackSynthesizer, Environment, Stack, Tags
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from cdk_stacksets import (
    Capability,
    DeploymentType,
    OperationPreferences,
    StackSet,
    StackSetStack,
    StackSetTarget,
    StackSetTemplate,
)
from constructs import Construct

from private_bedrock.config.app_config import AppConfig, RegionConfig
from private_bedrock.config.fleet import DELIVERED_ENDPOINT_TAG, FleetConfig
from private_bedrock.fleet.asset_bucket import FleetAssetBucket, FleetAssetBucketProps
from private_bedrock.fleet.bucket_deployment import acknowledge_bucket_deployments
from private_bedrock.fleet.caller_policy import FleetVerifyCallerPolicy
from private_bedrock.fleet.verifier import FleetVerifierRole, FleetVerifierRoleProps
from private_bedrock.policies.fleet import CALLER_POLICY_NAME, VerifierTargets
from private_bedrock.composition import compose, stack_description
from private_bedrock.security.bootstrap_version import require_bootstrap_version
from private_bedrock.security.provider_logs import give_providers_log_groups
from stacks.names import FLEET_STACK_ID, fleet_assets_stack_id

class FleetAssetsStack(Stack):
    """One target region's asset bucket, in the administrator account."""

    def __init__(self, scope: Construct, *, fleet: FleetConfig, region: str) -> None:
        super().__init__(
            scope,
            fleet_assets_stack_id(region),
            env=Environment(account=fleet.administrator_account, region=region),
            description=f"Private Bedrock fleet: the probe code for StackSet instances in {region}, readable by the organisation only",
            synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=False),
        )
        require_bootstrap_version(self)
        assert fleet.organization_id is not None  # checked by parse_fleet
        self.assets = FleetAssetBucket(
            self, "Assets", props=FleetAssetBucketProps(bucket_name=fleet.asset_bucket(region), organization_id=fleet.organization_id)
        )


class FleetMemberStack(StackSetStack):
    """The stack a StackSet delivers to every member account of one region."""

    def __init__(self, scope: Construct, id: str, *, config: RegionConfig, fleet: FleetConfig, asset_bucket: s3.IBucket) -> None:
        super().__init__(scope, id, asset_buckets=[asset_bucket], asset_bucket_prefix=fleet.asset_bucket_prefix)
        self.template_options.description = stack_description(config) + ", delivered by a StackSet"
        composition = compose(self, config, None)
        # CDK's provider functions log to the stack's key. Hardened here, before the verifier
        # role exists (not by the ProviderFunctionHardening Aspect, which would add the log
        # groups after it and so reorder the delivered template's resources).
        give_providers_log_groups(self, key=composition.log_key, retention_days=config.flow_log_retention_days)
        # The fence's FenceDeliveredEndpoints keeps these endpoints (and their policies) the
        # StackSet's: a member account's admin may not modify, delete or untag them.
        for endpoint in (composition.endpoints.endpoints.values() if composition.endpoints else ()):
            Tags.of(endpoint).add(*DELIVERED_ENDPOINT_TAG)
        functions = (composition.probe.function, composition.probe.control_function)
        assert fleet.administrator_account is not None and fleet.organization_id is not None  # checked by parse_fleet
        self.verifier = FleetVerifierRole(
            self,
            "FleetVerifier",
            props=FleetVerifierRoleProps(
                role_name=fleet.verifier_role_name(config.region),
                administrator_account=fleet.administrator_account,
                caller_arns=fleet.verifier_caller_arns,
                organization_id=fleet.organization_id,
                targets=VerifierTargets(
                    stack_id=self.stack_id,
                    function_arns=(functions[0].function_arn, functions[1].function_arn),
                    identity_policy_arn=composition.access.policy.managed_policy_arn,
                    asset_object_arns=tuple(dict.fromkeys(_code_object_arn(self, f, fleet, config.region) for f in functions)),
                    region=config.region,
                    account=self.account,
                    asset_account=fleet.administrator_account,
                    log_key_arn=composition.log_key.key_arn,
                    firewall_rule_group_arns=(_resolver_arn(self, config.region, "firewall-rule-group", composition.dns_firewall.rule_group_id),),
                    firewall_domain_list_arns=tuple(
                        _resolver_arn(self, config.region, "firewall-domain-list", d.ref) for d in composition.dns_firewall.domain_lists
                    ),
                ),
            ),
        )


def _resolver_arn(stack: Stack, region: str, kind: str, resource_id: str) -> str:
    return f"arn:aws:route53resolver:{region}:{stack.account}:{kind}/{resource_id}"


def _code_object_arn(stack: Stack, function: lambda_.Function, fleet: FleetConfig, region: str) -> str:
    """The exact S3 object the function's code comes from (its asset hash is known at synth)."""
    cfn = function.node.default_child
    assert isinstance(cfn, lambda_.CfnFunction)
    code = stack.resolve(cfn.code)
    return f"arn:aws:s3:::{fleet.asset_bucket(region)}/{code['s3Key']}"


class FleetStack(Stack):
    """The StackSets, in the administrator account's home region."""

    def __init__(self, scope: Construct, *, config: AppConfig, assets: dict[str, FleetAssetsStack]) -> None:
        fleet = config.fleet
        assert fleet is not None and fleet.enabled
        super().__init__(
            scope,
            FLEET_STACK_ID,
            env=Environment(account=fleet.administrator_account, region=fleet.home_region),
            description="Private Bedrock fleet: one StackSet per region delivering the per-account stacks to the organisation's OUs",
            # Its file assets (the StackSets' templates, the probe code) go through the
            # bootstrap bucket: the same minimum version as the regional stacks.
            synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=False),
        )
        require_bootstrap_version(self)
        by_region = {r.region: r for r in config.regions}
        previous: StackSet | None = None
        self.stack_sets: dict[str, StackSet] = {}
        member_templates: dict[str, str] = {}
        for region in fleet.region_order:
            self.add_stack_dependency(assets[region], "the asset bucket must exist before the code is copied into it")
            bucket = s3.Bucket.from_bucket_name(self, f"AssetBucket-{region}", fleet.asset_bucket(region))
            member = FleetMemberStack(self, f"Member-{region}", config=by_region[region], fleet=fleet, asset_bucket=bucket)
            member_templates[region] = member.template_file
            stack_set = StackSet(
                self,
                f"StackSet-{region}",
                stack_set_name=fleet.stack_set_name(region),
                description=f"Private Amazon Bedrock access in {region}, for every account of the target OUs",
                template=StackSetTemplate.from_stack_set_stack(member),
                target=StackSetTarget.from_organizational_units(
                    regions=[region],
                    organizational_units=list(fleet.organizational_units),
                    exclude_accounts=list(fleet.exclude_accounts) or None,
                ),
                deployment_type=DeploymentType.service_managed(
                    delegated_admin=fleet.call_as == "DELEGATED_ADMIN",
                    auto_deploy_enabled=fleet.auto_deployment,
                    # None with auto-deployment off (cdk-stacksets and CloudFormation take it only with it on).
                    auto_deploy_retain_stacks=fleet.retain_stacks_on_account_removal,
                ),
                operation_preferences=_preferences(fleet),
                capabilities=[Capability.NAMED_IAM],
                managed_execution=True,
            )
            cfn = stack_set.node.default_child
            # cdk-stacksets has no ConcurrencyMode yet; CloudFormation's property takes it.
            cfn.add_property_override("OperationPreferences.ConcurrencyMode", fleet.preferences.concurrency_mode)  # type: ignore[union-attr]
            if previous is not None:
                # regionOrder: the next region's rollout starts when the previous one finished.
                stack_set.node.add_dependency(previous)
            previous = stack_set
            self.stack_sets[region] = stack_set
        FleetVerifyCallerPolicy(self, "VerifyCaller", fleet=fleet)
        acknowledge_bucket_deployments(self, fleet)
        # Read by `make synth`'s summary (private_bedrock/tools/report/summary.py, private_bedrock/tools/report/assembly.py: fleet).
        self.template_options.metadata = {"PrivateBedrockFleet": {**fleet_summary(fleet), "memberTemplates": member_templates}}


def _preferences(fleet: FleetConfig) -> OperationPreferences:
    p = fleet.preferences
    return OperationPreferences(
        max_concurrent_percentage=p.max_concurrent_percentage,
        max_concurrent_count=p.max_concurrent_count,
        failure_tolerance_percentage=p.failure_tolerance_percentage,
        failure_tolerance_count=p.failure_tolerance_count,
    )


def fleet_summary(fleet: FleetConfig) -> dict:
    """What `make synth`'s summary prints (private_bedrock/tools/report/summary.py)."""
    return {
        "administratorAccount": fleet.administrator_account,
        "callAs": fleet.call_as,
        "homeRegion": fleet.home_region,
        "organizationId": fleet.organization_id,
        "organizationalUnits": list(fleet.organizational_units),
        "excludeAccounts": list(fleet.exclude_accounts),
        "regionOrder": list(fleet.region_order),
        "autoDeployment": fleet.auto_deployment,
        "retainStacksOnAccountRemoval": fleet.retain_stacks_on_account_removal,
        "verifierRoles": [fleet.verifier_role_name(r) for r in fleet.region_order],
        "verifierCallerArns": list(fleet.verifier_caller_arns),
        "verifierCallerPolicy": CALLER_POLICY_NAME,
        "operationPreferences": {k: v for k, v in vars(fleet.preferences).items() if v is not None},
        "assetBuckets": [fleet.asset_bucket(r) for r in fleet.region_order],
    }
