#!/usr/bin/env python3
"""Entry point: read configuration once, build one stack per region, run the nag packs."""

from __future__ import annotations

import os
import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks

from stacks.config import AppConfig, ConfigError, load_config
from stacks.private_bedrock_stack import PrivateBedrockStack

NAG_PACKS = (AwsSolutionsChecks, NIST80053R5Checks, HIPAASecurityChecks)


def build(app: cdk.App, account: str | None) -> tuple[AppConfig, list[PrivateBedrockStack]]:
    """Validate the app's context and add one stack per configured region (tests call this)."""
    # Packs are registered before any construct exists so every resource is checked.
    for pack in NAG_PACKS:
        cdk.Validations.of(app).add_plugins(pack(app))
    config = load_config(app.node.get_all_context(), account)
    return config, [PrivateBedrockStack(app, config=region, account=config.account) for region in config.regions]


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
