"""load_config: the CDK context (cdk.json + cdk.context.json + -c flags) -> AppConfig."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from private_bedrock.config.context_keys import KNOWN_KEYS, is_cdk_key
from private_bedrock.config.errors import ConfigError
from private_bedrock.config.fence import FenceConfig, parse_fence
from private_bedrock.config.fleet import FleetConfig, parse_fleet
from private_bedrock.config.region import parse_region
from private_bedrock.config.region_config import RegionConfig
from private_bedrock.config.selection import DEFAULT_REGIONS, parse_overrides, parse_regions, regional_settings
from private_bedrock.config.values import ACCOUNT_ID


@dataclass(frozen=True)
class AppConfig:
    account: str | None  # None: synthesize account-agnostic (no credentials needed)
    regions: tuple[RegionConfig, ...] = field(default_factory=tuple)
    fence: FenceConfig | None = None  # always set by load_config
    fleet: FleetConfig | None = None  # always set by load_config; enabled: StackSets deliver the stacks

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(w for r in self.regions for w in r.warnings)


def load_config(context: Mapping[str, Any], account: str | None) -> AppConfig:
    """Validate the CDK context (cdk.json + cdk.context.json + -c flags) into AppConfig."""
    ours = {k: v for k, v in context.items() if not is_cdk_key(k)}
    unknown = sorted(set(ours) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"Unknown context key {unknown[0]!r}; accepted keys are: {', '.join(sorted(KNOWN_KEYS))}."
        )
    if account is not None and not ACCOUNT_ID.match(account):
        raise ConfigError(f"CDK_DEFAULT_ACCOUNT {account!r} is not a 12-digit AWS account id.")

    regions = parse_regions(ours.get("regions", list(DEFAULT_REGIONS)))
    overrides = parse_overrides(ours.get("regionOverrides", {}))
    settings_of = regional_settings(ours, regions, overrides)
    fleet = parse_fleet(ours.get("fleet"), list(regions), settings_of)
    # A StackSet delivers one template to every account: the regional stacks are synthesized
    # account-agnostic (AWS::AccountId at deploy time, no lookups in the synthesizing account).
    regional_account = None if fleet.enabled else account
    built = [parse_region(region, settings_of[region], frozenset(overrides.get(region, {})), context, regional_account) for region in regions]
    fence = parse_fence(ours.get("fence"), ours.get("fenceEndpointIds"), built, fleet=fleet.enabled)
    return AppConfig(account=regional_account, regions=tuple(built), fence=fence, fleet=fleet)
