"""The residency part of `make synth`'s summary: where inference may run, and why.

Reads the `PrivateBedrock.residency` metadata the stack writes (private_bedrock/config/residency.py); pure
text so tests can assert it line by line.
"""

from __future__ import annotations

from typing import Any, Mapping


def _places(regions: list[str]) -> str:
    return "any commercial region" if "*" in regions else ", ".join(regions)


def residency_lines(meta: Mapping[str, Any], region: str) -> list[str]:
    """Lines for one region, native inference first, then bedrock-mantle, then the sources."""
    residency = meta.get("residency")
    if not residency:  # a template from before residency metadata existed
        return [f"native inference may run in: {_places(meta.get('inferenceRegions', []))}"]
    lines = [f"inference scope {residency['scope']!r} admits in {region}: {residency['scopeAdmits']}"]
    for entry in residency["native"]:
        lines.append(f"native inference ({entry['model']}) may run in: {_places(entry['regions'])} — {entry['why']}")
    mantle = residency.get("mantle")
    if mantle:
        lines.append(f"bedrock-mantle inference ({', '.join(mantle['models'])}) runs in: {_places(mantle['regions'])} — {mantle['why']}")
    else:
        lines.append("bedrock-mantle: not enabled in this region")
    sources = residency.get("endpointSources", {})
    if sources:
        lines.append("endpoint services per: " + "; ".join(f"{svc}: {src}" for svc, src in sources.items()))
    lines.extend(f"warning: {w}" for w in residency.get("warnings", []))
    return lines
