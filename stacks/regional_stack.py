"""PrivateBedrockStack: one account and region; the design itself is private_bedrock.composition."""

from __future__ import annotations

from aws_cdk import Aspects, DefaultStackSynthesizer, Environment, Stack
from constructs import Construct

from private_bedrock.composition import compose, stack_description
from private_bedrock.config.app_config import RegionConfig
from private_bedrock.security.bootstrap_version import require_bootstrap_version
from private_bedrock.security.provider_logs import ProviderFunctionHardening


class PrivateBedrockStack(Stack):
    """One account and region, deployed with `cdk deploy` (a StackSet delivers the same
    composition to many accounts: stacks/fleet_stack.py)."""

    def __init__(self, scope: Construct, *, config: RegionConfig, account: str | None) -> None:
        super().__init__(
            scope,
            config.stack_id,
            env=Environment(account=account, region=config.region),
            description=stack_description(config),
            # CDK's rule only asks for bootstrap version 6; ours asks for the takeover fix.
            synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=False),
        )
        require_bootstrap_version(self)
        self.config = config
        self.composition = compose(self, config, account)
        # CDK's provider functions (restrict_default_security_group's) log to the stack's key.
        Aspects.of(self).add(ProviderFunctionHardening(key=self.composition.log_key, retention_days=config.flow_log_retention_days))
