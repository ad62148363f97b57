#!/usr/bin/env python3
"""Entry point: read configuration once, build one stack per region, run the nag packs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def _use_project_interpreter() -> None:
    """`npx cdk ...` from a fresh shell runs cdk.json's `python3 app.py` outside the project's
    virtualenv: run this file again with the project's interpreter, or say how to get one."""
    try:
        import aws_cdk  # noqa: F401
    except ModuleNotFoundError:
        if VENV_PYTHON.exists() and not os.environ.get("PRIVATE_BEDROCK_REEXEC"):
            os.environ["PRIVATE_BEDROCK_REEXEC"] = "1"
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(ROOT / "app.py"), *sys.argv[1:]])
        print(f"{sys.executable} cannot import aws_cdk and {VENV_PYTHON} does not exist: run `make setup` (or `make synth`) first.", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    _use_project_interpreter()

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks  # noqa: E402

from private_bedrock.config.app_config import AppConfig, ConfigError, load_config  # noqa: E402
from private_bedrock.config.feature_flags import FEATURE_FLAGS  # noqa: E402
from private_bedrock.fence_files import write_fence_files  # noqa: E402
from stacks.fence_stack import OrganisationFenceProps, OrganisationFenceStack  # noqa: E402
from stacks.fleet_stack import FleetAssetsStack, FleetStack  # noqa: E402
from private_bedrock.policies.scp import fence_policies  # noqa: E402
from stacks.regional_stack import PrivateBedrockStack  # noqa: E402

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
        # (README: "Roll out to an organisation with StackSets"); nothing is deployed per account here.
        assets = {region: FleetAssetsStack(app, fleet=config.fleet, region=region) for region in config.fleet.region_order}
        stacks: list[cdk.Stack] = [*assets.values(), FleetStack(app, config=config, assets=assets)]
    else:
        stacks = [PrivateBedrockStack(app, config=region, account=config.account) for region in config.regions]
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
        config, _ = build(app, os.environ.get("CDK_DEFAULT_ACCOUNT") or None)
    except ConfigError as err:
        print(f"Configuration error: {err}", file=sys.stderr)
        sys.exit(2)
    for warning in config.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    app.synth()


if __name__ == "__main__":
    main()
