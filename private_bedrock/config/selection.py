"""`regions` and `regionOverrides`: which regions get a stack, and each one's settings."""

from __future__ import annotations

from typing import Any, Mapping

from private_bedrock.config.context_keys import REGIONAL_KEYS
from private_bedrock.config.errors import FAILED, ConfigError, Problems, ok
from private_bedrock.config.values import as_list, as_mapping, close_key, unknown_key_sentences
from private_bedrock.facts.regions import BEDROCK_REGIONS


def parse_regions(value: Any) -> tuple[str, ...]:
    regions = as_list("regions", value)
    if not regions:
        raise ConfigError("regions is empty; list at least one region, for example -c regions=us-east-1.")
    problems = Problems()
    if len(set(regions)) != len(regions):
        problems.add(f"regions {regions!r} lists a region twice; list each region once.")
    for region in regions:
        if region not in BEDROCK_REGIONS:
            problems.add(f"Region {region!r} has no Amazon Bedrock PrivateLink endpoints known to this app{_region_hint(region)}.")
    problems.raise_if_any()
    return tuple(regions)


def _region_hint(region: str) -> str:
    """Completes a sentence about a region name this app does not know: the close match, else every one."""
    match = close_key(region, BEDROCK_REGIONS)
    return f" (did you mean {match!r}?); correct it, or remove it" if match else f"; use one of: {', '.join(sorted(BEDROCK_REGIONS))}"


def _override(region: str, override: Any) -> Mapping[str, Any]:
    # An override for a region that is not selected now is kept for later and ignored
    # (`-c regions=us-east-1` with a Tokyo override in cdk.json); a misspelt region is not.
    if region not in BEDROCK_REGIONS:
        raise ConfigError(f"regionOverrides has an entry for {region!r}, which is not a region this app knows{_region_hint(region)}.")
    if not isinstance(override, Mapping):
        raise ConfigError(f"regionOverrides.{region} must be an object of settings, got {override!r}.")
    bad = unknown_key_sentences(f"regionOverrides.{region}", override, REGIONAL_KEYS)
    if bad:
        raise ConfigError(*bad)
    return override


def parse_overrides(value: Any, problems: Problems) -> Any:
    """Each region's override, FAILED where refused (that region is not parsed then), or FAILED
    when regionOverrides is not an object; the problems go to `problems`, every one of them."""
    overrides = problems.check(as_mapping, "regionOverrides", value, '{"ap-northeast-1": {"inferenceScope": "region"}}')
    if not ok(overrides):
        return FAILED
    return {region: problems.check(_override, region, override) for region, override in overrides.items()}


def regional_settings(ours: Mapping[str, Any], region: str, override: Mapping[str, Any]) -> dict[str, Any]:
    """One region's settings: the top-level keys, then its override on top."""
    return {**{k: ours[k] for k in REGIONAL_KEYS if k in ours}, **override}
