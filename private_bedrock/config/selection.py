"""`regions` and `regionOverrides`: which regions get a stack, and each one's settings."""

from __future__ import annotations

from typing import Any, Mapping

from private_bedrock.config.context_keys import REGIONAL_KEYS
from private_bedrock.config.errors import ConfigError
from private_bedrock.config.values import as_list, as_mapping
from private_bedrock.facts.regions import BEDROCK_REGIONS

DEFAULT_REGIONS: tuple[str, ...] = ("us-east-1", "ap-northeast-1")


def parse_regions(value: Any) -> tuple[str, ...]:
    regions = as_list("regions", value)
    if not regions:
        raise ConfigError("regions is empty; list at least one region, for example -c regions=us-east-1.")
    if len(set(regions)) != len(regions):
        raise ConfigError(f"regions {regions!r} lists a region twice; list each region once.")
    for region in regions:
        if region not in BEDROCK_REGIONS:
            raise ConfigError(
                f"Region {region!r} has no Amazon Bedrock PrivateLink endpoints known to this app; "
                f"use one of: {', '.join(sorted(BEDROCK_REGIONS))}."
            )
    return tuple(regions)


def parse_overrides(value: Any) -> Mapping[str, Mapping[str, Any]]:
    overrides = as_mapping("regionOverrides", value, '{"ap-northeast-1": {"inferenceScope": "region"}}')
    for region, override in overrides.items():
        # An override for a region that is not selected now is kept for later and ignored
        # (`-c regions=us-east-1` with a Tokyo override in cdk.json); a misspelt region is not.
        if region not in BEDROCK_REGIONS:
            raise ConfigError(
                f"regionOverrides has an entry for {region!r}, which is not a region this app knows; "
                f"use one of: {', '.join(sorted(BEDROCK_REGIONS))}."
            )
        if not isinstance(override, Mapping):
            raise ConfigError(f"regionOverrides.{region} must be an object of settings, got {override!r}.")
        bad = sorted(set(override) - set(REGIONAL_KEYS))
        if bad:
            raise ConfigError(
                f"regionOverrides.{region} has unknown key {bad[0]!r}; accepted keys are: {', '.join(REGIONAL_KEYS)}."
            )
    return overrides


def regional_settings(ours: Mapping[str, Any], regions: tuple[str, ...], overrides: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each region's settings: the top-level keys, then its override on top."""
    return {region: {**{k: ours[k] for k in REGIONAL_KEYS if k in ours}, **overrides.get(region, {})} for region in regions}
