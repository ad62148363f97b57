"""The organisation fence as a layer of the IAM matrix: the SCPs `make synth` wrote to cdk.out/scp/.

The policy files name the regional stacks' endpoint ids (or labelled placeholders until
`make fence-ids` has run); the matrix evaluates the templates with made-up ids
(tools/prove/resolve.py), so each id of the manifest is replaced by the made-up id of the
same region's endpoint for the same service. Every principal of the matrix is taken to be in
an account under a fenced target: the SCPs sit on an OU next to FullAWSAccess, below a root
that has FullAWSAccess only (SCPs allow nothing by themselves).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

SCP_DIR = "scp"
MANIFEST = "fence-manifest.json"
FULL_AWS_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
# Regions a call "outside the configured regions" is sent to: the first not configured.
OUTSIDE_REGION_CANDIDATES = ("eu-west-3", "sa-east-1", "us-west-1", "ca-central-1")


@dataclass(frozen=True)
class FenceLayer:
    policies: tuple[tuple[str, Mapping[str, Any]], ...]  # (name, document) as written
    endpoint_ids: Mapping[str, Mapping[str, str]]  # region -> service -> id as the documents name it
    regions: tuple[str, ...]
    break_glass_principal_arns: tuple[str, ...]
    exempt_service_role_arns: tuple[str, ...] = ()  # exact role ARNs (stacks/config/fence.py)

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any], documents: Mapping[str, Mapping[str, Any]]) -> "FenceLayer":
        return cls(
            policies=tuple((p["name"], documents[p["name"]]) for p in manifest["policies"]),
            endpoint_ids=manifest["endpointIds"],
            regions=tuple(manifest["regions"]),
            break_glass_principal_arns=tuple(manifest["breakGlassPrincipalArns"]),
            exempt_service_role_arns=tuple(manifest.get("exemptServiceRoleArns", [])),
        )

    def outside_region(self) -> str:
        return next(r for r in OUTSIDE_REGION_CANDIDATES if r not in self.regions)

    def service_control_policies(self, matrix_ids: Mapping[tuple[str, str], str]) -> list[dict[str, Any]]:
        """The simulator's org levels, with each endpoint id replaced by the matrix's id for it."""
        replace = {self.endpoint_ids[r][s]: fake for (r, s), fake in matrix_ids.items() if s in self.endpoint_ids.get(r, {})}
        fenced = [{"name": name, "policy": _replace_strings(doc, replace)} for name, doc in self.policies]
        return [
            {"orgIdentifier": "r-root", "policies": [{"name": "FullAWSAccess", "policy": FULL_AWS_ACCESS}]},
            {"orgIdentifier": "ou-fenced", "policies": [{"name": "FullAWSAccess", "policy": FULL_AWS_ACCESS}, *fenced]},
        ]


def _replace_strings(value: Any, replace: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return replace.get(value, value)
    if isinstance(value, list):
        return [_replace_strings(v, replace) for v in value]
    if isinstance(value, dict):
        return {k: _replace_strings(v, replace) for k, v in value.items()}
    return value


def load_fence(cdk_out: Path) -> FenceLayer | None:
    """The fence `make synth` wrote next to the templates, or None when there is none."""
    manifest_path = Path(cdk_out) / SCP_DIR / MANIFEST
    if not manifest_path.exists():
        return None
    manifest = json.loads(manifest_path.read_text())
    documents = {p["name"]: json.loads((manifest_path.parent / p["file"]).read_text()) for p in manifest["policies"]}
    return FenceLayer.from_manifest(manifest, documents)


def concrete_principal_arn(pattern: str) -> str:
    """A role ARN that matches an ArnNotLike pattern of the break-glass list (wildcards filled)."""
    return re.sub(r"[*?]", "x", pattern)


def requested_region(resource: str, default: str) -> str:
    """aws:RequestedRegion of a call on `resource`: the ARN's region, else the endpoint's."""
    parts = resource.split(":")
    return parts[3] if len(parts) > 3 and parts[3] and "*" not in parts[3] else default


def scp_denials(result: Mapping[str, Any]) -> Sequence[str]:
    return result.get("scpDenials") or []
