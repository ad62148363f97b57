#!/usr/bin/env python3
"""Entry point: read configuration once, build one stack per region, run the nag packs."""

from __future__ import annotations

import os
import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks

from stacks.config import ConfigError, load_config
from stacks.private_bedrock_stack import PrivateBedrockStack


def main() -> None:
    app = cdk.App()
    for pack in (AwsSolutionsChecks, NIST80053R5Checks, HIPAASecurityChecks):
        cdk.Validations.of(app).add_plugins(pack(app))
    try:
        # The only place that reads the environment: everything below gets typed config.
        config = load_config(app.node.get_all_context(), os.environ.get("CDK_DEFAULT_ACCOUNT") or None)
        for region in config.regions:
            PrivateBedrockStack(app, config=region, account=config.account)
    except ConfigError as err:
        print(f"Configuration error: {err}", file=sys.stderr)
        sys.exit(2)
    app.synth()


if __name__ == "__main__":
    main()
