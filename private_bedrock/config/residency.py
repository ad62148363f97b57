"""Where inference may run, per model, and why: the residency statement of one region.

Pure: RegionConfig -> JSON-ready dict, stored in the template's metadata by the stack and
printed first, per region, by private_bedrock/tools/report/summary.py.
"""

from __future__ import annotations

from typing import Any

from private_bedrock.config.region_config import RegionConfig
from private_bedrock.facts.regions import COUNTRY_PROFILES, scope_meaning


def _why_native(config: RegionConfig, model_id: str, prefix: str | None, regions: tuple[str, ...]) -> str:
    if prefix is None:
        return "in-region model id"
    source = config.model_sources.get(model_id, "documented table")
    kind = f"{prefix}. profile" + (f" ({COUNTRY_PROFILES[prefix]} only)" if prefix in COUNTRY_PROFILES else "")
    if "*" in regions:
        return f"{kind}: any commercial region"
    return f"{kind}; destinations from the {source}"


def residency_metadata(config: RegionConfig) -> dict[str, Any]:
    native = []
    for model in config.runtime_models:
        regions = config.regions_of(model)
        native.append(
            {
                "model": model.model_id,
                "regions": list(regions),
                "why": _why_native(config, model.model_id, model.profile_prefix, regions),
            }
        )
    mantle = None
    if config.mantle_enabled:
        mantle = {
            "models": list(config.mantle_models),
            "regions": [config.region],
            # Mantle model ids carry no cross-region prefix: the endpoint serves them in its region.
            "why": "in-region: bedrock-mantle serves its models in the region called",
        }
    return {
        "scope": config.inference_scope,
        "scopeAdmits": scope_meaning(config.region, config.inference_scope),
        "native": native,
        "mantle": mantle,
        "endpointSources": dict(config.endpoint_sources),
        "warnings": list(config.warnings),
    }
