"""The organisation fence as a layer of the IAM matrix: the SCPs `make synth` wrote to cdk.out/scp/.

The policy files name the regional stacks' endpoint ids (or labelled placeholders until
`make fence-ids` has run); the matrix evaluates the templates with made-up ids
(private_bedrock/tools/prove/resolve.py), so each id of the manifest is replaced by the made-up id of the
same region's endpoint for the same service. Every principal of the matrix is taken to be in
an account under a fenced target: the SCPs sit on an OU next to FullAWSAccess, below a root
that has FullAWSAccess only (SCPs allow nothing by themselves).

A fleet's fence (networkForm own-account-endpoints) names no ids: its network statement admits
any endpoint of the caller's own account (aws:VpceAccount = ${aws:PrincipalAccount}). The
matrix then gives each endpoint path its owner: this deployment's endpoint belongs to the
deployment's account, the other endpoint (FOREIGN_VPCE_ACCOUNT) to another member account.
`fleet_fence_cells` adds what the Bedrock matrix has no path for: another endpoint of the
caller's own account (admitted: the fence cannot tell one endpoint of an account from another),
another organisation's endpoint, and a request through the caller's own endpoint without the
key (denied: fails closed).
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
EXACT, OWN_ACCOUNT = "exact-endpoints", "own-account-endpoints"  # the manifest's networkForm
# The owner of the matrix's "another VPC endpoint" under a fleet fence: another member account.
FOREIGN_VPCE_ACCOUNT = "555566667777"


@dataclass(frozen=True)
class FenceLayer:
    policies: tuple[tuple[str, Mapping[str, Any]], ...]  # (name, document) as written
    endpoint_ids: Mapping[str, Mapping[str, str]]  # region -> service -> id as the documents name it
    regions: tuple[str, ...]
    break_glass_principal_arns: tuple[str, ...]
    network_form: str = EXACT
    # Whether the configuration deploys it (fence.enabled: the manifest's "stack"); the policy
    # files are written for review either way, and evaluating them otherwise is a hypothesis.
    deployed: bool = False
    exempt_service_role_arns: tuple[str, ...] = ()  # exact role ARNs (private_bedrock/config/fence.py)

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any], documents: Mapping[str, Mapping[str, Any]]) -> "FenceLayer":
        return cls(
            policies=tuple((p["name"], documents[p["name"]]) for p in manifest["policies"]),
            endpoint_ids=manifest["endpointIds"],
            regions=tuple(manifest["regions"]),
            break_glass_principal_arns=tuple(manifest["breakGlassPrincipalArns"]),
            network_form=manifest.get("networkForm", EXACT),
            deployed=bool(manifest.get("stack", False)),
            exempt_service_role_arns=tuple(manifest.get("exemptServiceRoleArns", [])),
        )

    def endpoint_owner(self, path: str, account: str) -> dict[str, str]:
        """aws:VpceAccount of a request on matrix path `path` (the fleet form only): this
        deployment's endpoint is `account`'s, the other endpoint another member account's."""
        if self.network_form != OWN_ACCOUNT or path not in ("own", "foreign"):
            return {}
        return {"aws:VpceAccount": account if path == "own" else FOREIGN_VPCE_ACCOUNT}

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
