"""load_config: the CDK context (cdk.json + cdk.context.json + -c flags) -> AppConfig."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from private_bedrock.config.context_keys import KNOWN_KEYS, is_cdk_key, default
from private_bedrock.config.errors import FAILED, Problems, ok
from private_bedrock.config.fence import FenceConfig, parse_fence
from private_bedrock.config.fleet import FleetConfig, parse_fleet
from private_bedrock.config.region import parse_region
from private_bedrock.config.region_config import RegionConfig
from private_bedrock.config.selection import parse_overrides, parse_regions, regional_settings
from private_bedrock.config.values import ACCOUNT_ID, unknown_key_sentences


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
    """Validate the CDK context (cdk.json + cdk.context.json + -c flags) into AppConfig.

    Every problem is collected and raised together (one ConfigError, one sentence each); a
    check whose input was refused is skipped (a region whose override was refused is not
    parsed, the fence is not checked against regions that failed).
    """
    p = Problems()
    ours = {k: v for k, v in context.items() if not is_cdk_key(k)}
    for sentence in unknown_key_sentences(None, ours, KNOWN_KEYS):
        p.add(sentence)
    if account is not None and not ACCOUNT_ID.match(account):
        p.add(f"CDK_DEFAULT_ACCOUNT {account!r} is not a 12-digit AWS account id.")
        account = None  # the regions are still checked, account-agnostic

    regions = p.check(parse_regions, ours.get("regions", default("regions")))
    overrides = parse_overrides(ours.get("regionOverrides", default("regionOverrides")), p)
    if not ok(regions, overrides):
        p.raise_if_any()
    settings_of = {region: regional_settings(ours, region, overrides.get(region, {})) for region in regions if ok(overrides.get(region))}
    fleet = p.check(parse_fleet, ours.get("fleet"), list(regions), settings_of)
    # A StackSet delivers one template to every account: the regional stacks are synthesized
    # account-agnostic (AWS::AccountId at deploy time, no lookups in the synthesizing account).
    # With the fleet refused, the regions are still checked, account-agnostic.
    regional_account = None if not ok(fleet) or fleet.enabled else account
    built = [p.check(parse_region, region, settings, frozenset(overrides.get(region, {})), context, regional_account) for region, settings in settings_of.items()]
    valid = [r for r in built if ok(r)]
    # The fence's form depends on the fleet (named endpoints, or each account's own).
    fence = p.check(parse_fence, ours.get("fence"), ours.get("fenceEndpointIds"), valid, fleet=fleet.enabled) if ok(fleet) else FAILED
    p.raise_if_any()
    return AppConfig(account=regional_account, regions=tuple(built), fence=fence, fleet=fleet)
