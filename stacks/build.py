"""The app's stacks from its context: validate the configuration once, add one stack per region (or the
fleet's StackSets), the organisation fence when configured, and the nag packs over all of them."""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks

from private_bedrock.config.app_config import AppConfig, load_config
from private_bedrock.config.feature_flags import FEATURE_FLAGS
from private_bedrock.fence_files import write_fence_files
from private_bedrock.policies.scp import fence_policies
from stacks.fence_stack import OrganisationFenceProps, OrganisationFenceStack
from stacks.fleet_stack import FleetAssetsStack, FleetStack
from stacks.regional_stack import PrivateBedrockStack

NAG_PACKS = (AwsSolutionsChecks, NIST80053R5Checks, HIPAASecurityChecks)


def build(app: cdk.App, account: str | None) -> tuple[AppConfig, list[cdk.Stack]]:
    """Validate the app's context, add one stack per configured region and the fence stack if configured (tests call this)."""
    # Flags first: they must be set before any construct exists. cdk.json or -c still win.
    for flag, value in FEATURE_FLAGS.items():
        if app.node.try_get_context(flag) is None:
            app.node.set_context(flag, value)
    # Packs are registered before any construct exists so every resource is checked.
    for pack in NAG_PACKS:
        cdk.Validations.of(app).add_plugins(pack(app))
    config = load_config(app.node.get_all_context(), account)
    if config.fleet is not None and config.fleet.enabled:
        # StackSets deliver the regional stacks to every account of the target OUs
        # (docs/stacksets.md); nothing is deployed per account here.
        assets = {region: FleetAssetsStack(app, fleet=config.fleet, region=region) for region in config.fleet.region_order}
        stacks: list[cdk.Stack] = [*assets.values(), FleetStack(app, config=config, assets=assets)]
    else:
        stacks = [PrivateBedrockStack(app, config=region, account=config.account) for region in config.regions]
    # The organisation fence: always written to cdk.out/scp/ for review; deployed by its own
    # stack in the management account only when configured (docs/organisation-fence.md).
    policies = fence_policies(config)
    write_fence_files(app.outdir, config, policies)
    if config.fence is not None and config.fence.enabled:
        assert config.fence.management_account is not None  # checked by load_config
        stacks.append(OrganisationFenceStack(app, props=OrganisationFenceProps(config.fence.management_account, config.fence.targets, policies)))
    return config, stacks
