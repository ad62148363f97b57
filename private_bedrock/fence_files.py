"""Write the fence's policies as readable JSON next to the templates (cdk.out/scp/)."""

from __future__ import annotations

import json
from pathlib import Path

from private_bedrock.config.app_config import AppConfig
from private_bedrock.policies.scp import FencePolicy, fence_manifest

SCP_DIR = "scp"
MANIFEST = "fence-manifest.json"


def write_fence_files(outdir: str | Path, config: AppConfig, policies: list[FencePolicy]) -> Path:
    """<outdir>/scp/<name>.json per policy (indented for review; deployed minified) + the manifest."""
    target = Path(outdir) / SCP_DIR
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.json"):
        stale.unlink()
    for policy in policies:
        (target / f"{policy.name}.json").write_text(json.dumps(policy.document, indent=2) + "\n")
    (target / MANIFEST).write_text(json.dumps(fence_manifest(config, policies), indent=2) + "\n")
    return target
