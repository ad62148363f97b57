#!/usr/bin/env python3
"""Entry point: read configuration once, build one stack per region, run the nag packs."""

from __future__ import annotations

import os
import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks

from stacks.config import AppConfig, ConfigError, load_config
from stacks.fence_output import write_fence_files
from stacks.fence_stack import OrganisationFenceProps, OrganisationFenceStack
from stacks.private_bedrock_stack import PrivateBedrockStack
from stacks.policies.scp import fence_policies

NAG_PACKS = (AwsSolutionsChecks, NIST80053R5Checks, HIPAASecurityChecks)


def build(app: cdk.App, account: str | None) -> tuple[AppConfig, list[cdk.Stack]]:
    """Validate the app's context, add one stack per configured region and the fence stack if configured (tests call this)."""
    # Packs are registered before any construct exists so every resource is checked.
    for pack in NAG_PACKS:
        cdk.Validations.of(app).add_plugins(pack(app))
    config = load_config(app.node.get_all_context(), account)
    stacks: list[cdk.Stack] = [PrivateBedrockStack(app, config=region, account=config.account) for region in config.regions]
    # The organisation fence: always written to cdk.out/scp/ for review; deployed by its own
    # stack in the management account only when configured (README: "Organisation fence").
    policies = fence_policies(config)
    write_fence_files(app.outdir, config, policies)
    if config.fence is not None and config.fence.enabled:
        assert config.fence.management_account is not None  # checked by load_config
        stacks.append(OrganisationFenceStack(app, props=OrganisationFenceProps(config.fence.management_account, config.fence.targets, policies)))
    return config, stacks


def main() -> None:
    app = cdk.App()
    try:
        # The only place that reads the environment: everything below gets typed config.
        build(app, os.environ.get("CDK_DEFAULT_ACCOUNT") or None)
    except ConfigError as err:
        print(f"Configuration error: {err}", file=sys.stderr)
        sys.exit(2)
    app.synth()


if __name__ == "__main__":
    main()
