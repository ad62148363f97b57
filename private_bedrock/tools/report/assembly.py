"""Read a cloud assembly (cdk.out) through its manifest, as the CDK CLI does.

Globbing `*.template.json` would also pick up templates a previous synth left behind (a
region since removed from `regions`); the manifest lists exactly what the last synth built.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STACK_PREFIX = "PrivateBedrock-"
STACK_ARTIFACT = "aws:cloudformation:stack"
ASSET_MANIFEST = "cdk:asset-manifest"


class AssemblyError(ValueError):
    """The directory is not a readable cloud assembly."""


@dataclass(frozen=True)
class StackArtifact:
    stack_id: str  # the artifact id, PrivateBedrock-<region>
    region: str
    account: str | None  # None when synthesized account-agnostic
    template_path: Path
    asset_manifest: Path | None

    def template(self) -> dict[str, Any]:
        return json.loads(self.template_path.read_text())

    def asset_dirs(self) -> list[Path]:
        """The directories of this stack's file assets (the probe bundle among them)."""
        if self.asset_manifest is None or not self.asset_manifest.exists():
            return []
        files = json.loads(self.asset_manifest.read_text()).get("files", {})
        out = self.template_path.parent
        return [out / f["source"]["path"] for f in files.values() if f.get("source", {}).get("packaging") == "zip"]


    def asset_for_object(self, object_key: str) -> Path | None:
        """The built asset (a directory, or a zip file) published as `object_key`."""
        if self.asset_manifest is None or not self.asset_manifest.exists():
            return None
        files = json.loads(self.asset_manifest.read_text()).get("files", {})
        for f in files.values():
            if any(d.get("objectKey") == object_key for d in f.get("destinations", {}).values()):
                return self.template_path.parent / f["source"]["path"]
        return None


def _manifest(cdk_out: Path) -> dict[str, Any]:
    path = Path(cdk_out) / "manifest.json"
    if not path.exists():
        raise AssemblyError(f"No cloud assembly in {cdk_out} (no manifest.json); run `make synth` first.")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise AssemblyError(f"{path} is not valid JSON ({err.msg}); run `make synth` again.") from None


def _asset_manifest(cdk_out: Path, artifacts: dict[str, Any], art: dict[str, Any]) -> Path | None:
    return next(
        (cdk_out / artifacts[d]["properties"]["file"] for d in art.get("dependencies", [])
         if artifacts.get(d, {}).get("type") == ASSET_MANIFEST),
        None,
    )


def stacks(cdk_out: Path) -> list[StackArtifact]:
    """Every PrivateBedrock-<region> stack the last synth wrote, in the manifest's order."""
    cdk_out = Path(cdk_out)
    artifacts: dict[str, Any] = _manifest(cdk_out).get("artifacts", {})
    found = []
    for artifact_id, art in artifacts.items():
        if art.get("type") != STACK_ARTIFACT or not artifact_id.startswith(STACK_PREFIX):
            continue
        _, _, env = art.get("environment", "aws://unknown-account/unknown-region").partition("aws://")
        account, _, region = env.partition("/")
        assets = _asset_manifest(cdk_out, artifacts, art)
        found.append(
            StackArtifact(
                stack_id=artifact_id,
                region=region,
                account=None if account.startswith("unknown") else account,
                template_path=cdk_out / art["properties"]["templateFile"],
                asset_manifest=assets,
            )
        )
    return found


FLEET_STACK = "PrivateBedrockFleet"


@dataclass(frozen=True)
class FleetArtifact:
    """The StackSets delivery (fleet.enabled): what the fleet stack's metadata says, and the
    per-region templates its StackSets deliver (as stacks, for the summary and the tools)."""

    summary: dict[str, Any]
    members: list[StackArtifact]


def fleet(cdk_out: Path) -> FleetArtifact | None:
    """The fleet stack of the last synth, or None when the stacks are deployed per account."""
    cdk_out = Path(cdk_out)
    artifacts: dict[str, Any] = _manifest(cdk_out).get("artifacts", {})
    art = artifacts.get(FLEET_STACK)
    if art is None or art.get("type") != STACK_ARTIFACT:
        return None
    template = json.loads((cdk_out / art["properties"]["templateFile"]).read_text())
    summary = template.get("Metadata", {}).get(FLEET_STACK, {})
    members = [
        StackArtifact(stack_id=f"{STACK_PREFIX}{region}", region=region, account=None, template_path=cdk_out / file,
                      asset_manifest=_asset_manifest(cdk_out, artifacts, art))
        for region, file in summary.get("memberTemplates", {}).items()
    ]
    return FleetArtifact(summary=summary, members=members)


def templates_by_region(cdk_out: Path) -> dict[str, dict[str, Any]]:
    """region -> parsed template of every stack in the manifest."""
    return {s.region: s.template() for s in stacks(cdk_out)}


def main(argv: list[str] | None = None) -> int:
    """`python -m private_bedrock.tools.report.assembly cdk.out [--require-region R]`: list the stacks, or refuse R."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m private_bedrock.tools.report.assembly", description=main.__doc__)
    parser.add_argument("cdk_out", type=Path)
    parser.add_argument("--require-region", help="exit 2 with one sentence unless the assembly has this region's stack")
    args = parser.parse_args(argv)
    try:
        found = stacks(args.cdk_out)
    except AssemblyError as err:
        print(err, file=sys.stderr)
        return 2
    regions = [s.region for s in found]
    if args.require_region and args.require_region not in regions:
        print(
            f"Region {args.require_region} is not configured (this configuration builds {', '.join(regions) or 'no region'}); "
            f'add it to "regions" in cdk.json or pass CDK_ARGS="-c regions={",".join([*regions, args.require_region])}".',
            file=sys.stderr,
        )
        return 2
    if not args.require_region:
        print(f"stacks: {', '.join(s.stack_id for s in found)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
