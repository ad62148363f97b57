"""Write a minimal cloud assembly (manifest.json + templates) the way the CDK CLI lays it out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping


def write_assembly(directory: Path, templates: Mapping[str, Mapping[str, Any]], account: str = "unknown-account") -> Path:
    """region -> template, written as PrivateBedrock-<region> stacks listed by a manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, Any] = {}
    for region, template in templates.items():
        stack = f"PrivateBedrock-{region}"
        (directory / f"{stack}.template.json").write_text(json.dumps(template))
        artifacts[stack] = {
            "type": "aws:cloudformation:stack",
            "environment": f"aws://{account}/{region}",
            "properties": {"templateFile": f"{stack}.template.json"},
        }
    (directory / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))
    return directory
