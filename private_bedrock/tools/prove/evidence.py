"""What `make prove` evaluates: the last synth's cloud assembly, with only the layers it deploys.

The evidence ties every matrix to the exact files it was computed from (sha256 of each
template and of each fence policy file), says which policy layers were evaluated and why,
and keeps the organisation fence out unless the configuration deploys it (fence.enabled, the
fence manifest's "stack") or the caller asks for it, in which case every cell it decides is
marked hypothetical. Rendering is report.py's (terminal, Markdown) and `as_json` here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from private_bedrock.tools.report.assembly import AssemblyError, FleetArtifact, fleet, stacks
from private_bedrock.tools.prove.deployment import read_deployment
from private_bedrock.tools.prove.fence import MANIFEST, OWN_ACCOUNT, SCP_DIR, FenceLayer, load_fence
from private_bedrock.tools.prove.cells import PolicyCell
from private_bedrock.tools.prove.matrix import PATHS, RegionMatrix, prove, unexpected
from private_bedrock.tools.prove.monitoring import scheduler_cells
from private_bedrock.tools.prove.resolve import ACCOUNT

# How the organisation fence took part (Evidence.fence).
FENCE_DEPLOYED = "deployed"  # fence.enabled: evaluated as one more layer
FENCE_HYPOTHETICAL = "hypothetical"  # not deployed, evaluated because asked (--fence)
FENCE_NOT_DEPLOYED = "not deployed"  # not deployed, not evaluated
FENCE_LEFT_OUT = "left out"  # deployed, left out because asked (--no-fence)


@dataclass(frozen=True)
class EvidenceFile:
    """A file the evidence was computed from, with its hash."""

    name: str  # the stack, or the fence policy
    region: str
    path: Path
    sha256: str

    @classmethod
    def of(cls, name: str, region: str, path: Path) -> "EvidenceFile":
        return cls(name, region, path, hashlib.sha256(path.read_bytes()).hexdigest())


@dataclass(frozen=True)
class Evidence:
    cdk_out: Path
    templates: tuple[EvidenceFile, ...]
    matrices: tuple[RegionMatrix, ...]
    fence: str  # FENCE_*
    fence_files: tuple[EvidenceFile, ...] = ()
    summaries: tuple[str, ...] = ()  # a line per group of policy_cells
    account: str = ACCOUNT
    # The rows beside the Bedrock matrix: the scheduler role, the fleet verifier and asset
    # bucket, the fleet fence (private_bedrock/tools/prove/cells.py), each with what decided it.
    policy_cells: tuple[PolicyCell, ...] = ()

    @property
    def hypothetical(self) -> bool:
        return self.fence == FENCE_HYPOTHETICAL

    def unexpected(self) -> list[str]:
        return [c.describe() for c in unexpected(self.matrices)] + [c.describe() for c in self.policy_cells if not c.ok]

    def template_of(self, region: str) -> EvidenceFile:
        return next(t for t in self.templates if t.region == region)


class EvidenceError(RuntimeError):
    """The assembly cannot be proved as asked (one sentence for the user)."""


def deployment_account(cdk_out: Path, templates: Mapping[str, Mapping[str, Any]]) -> str:
    """The account to evaluate in: the synth's own when it had credentials; offline, the one
    account of the user's extraPrincipalArns if they share one (so their calls are modelled
    as same-account calls, as deployed); else a placeholder account."""
    concrete = {s.account for s in stacks(cdk_out) if s.account}
    if len(concrete) == 1:
        return concrete.pop()
    extra: set[str] = set()
    for region, template in templates.items():
        dep = read_deployment(template, region)
        # A hub's spoke roles live in the spoke accounts, not the deployment's.
        known = {r.arn for r in dep.roles.values()} | set(dep.metadata.get("spokePrincipalArns", []))
        extra |= {arn.split(":")[4] for arn in dep.endpoint_principal_arns if arn not in known}
    return extra.pop() if len(extra) == 1 else ACCOUNT


def gather(cdk_out: Path, fence: bool | None = None) -> Evidence:
    """Evaluate the assembly. `fence`: None = the fence only if deployed; True = also when not
    (hypothetical); False = never. Raises AssemblyError, EvidenceError, and the matrix's errors."""
    cdk_out = Path(cdk_out)
    found = stacks(cdk_out)
    delivery: FleetArtifact | None = None if found else fleet(cdk_out)
    if delivery is not None:
        found = delivery.members  # a fleet synth: the templates its StackSets deliver
    if not found:
        raise AssemblyError(f"The cloud assembly in {cdk_out} has no PrivateBedrock-<region> stack; run `make synth` first.")
    files = tuple(EvidenceFile.of(s.stack_id, s.region, s.template_path) for s in found)
    templates = {s.region: s.template() for s in found}

    layer = load_fence(cdk_out)
    if fence is True and layer is None:
        raise EvidenceError(f"--fence asks for the organisation fence, but {cdk_out}/{SCP_DIR}/{MANIFEST} does not exist; run `make synth` first.")
    if layer is None:
        mode = FENCE_NOT_DEPLOYED
    elif layer.deployed:
        mode = FENCE_LEFT_OUT if fence is False else FENCE_DEPLOYED
    else:
        mode = FENCE_HYPOTHETICAL if fence is True else FENCE_NOT_DEPLOYED
    used = layer if mode in (FENCE_DEPLOYED, FENCE_HYPOTHETICAL) else None
    fence_files: tuple[EvidenceFile, ...] = ()
    if used is not None:
        scp = cdk_out / SCP_DIR
        fence_files = tuple(EvidenceFile.of(name, "", scp / f"{name}.json") for name, _ in used.policies) + (EvidenceFile.of("fence manifest", "", scp / MANIFEST),)

    account = deployment_account(cdk_out, templates)
    matrices = prove(templates, account, fence=used)
    summaries: list[str] = []
    cells: list[PolicyCell] = []
    for region, template in templates.items():
        scheduler = scheduler_cells(template, region, account)
        if scheduler:
            summaries.append(f"scheduler role {region}: {len(scheduler)} cells, {sum(c.got == 'allow' for c in scheduler)} allowed, {sum(not c.ok for c in scheduler)} not as designed")
        cells += scheduler
    if delivery is not None:
        lines, delivered = _prove_fleet(cdk_out, delivery, used, mode == FENCE_HYPOTHETICAL)
        summaries += lines
        cells += delivered
    return Evidence(cdk_out, files, tuple(matrices), mode, fence_files, tuple(summaries), account, tuple(cells))


def _prove_fleet(cdk_out: Path, delivery: FleetArtifact, fence: FenceLayer | None = None, hypothetical: bool = False) -> tuple[list[str], list[PolicyCell]]:
    """The fleet verifier's and the asset buckets' cells (private_bedrock/tools/prove/fleet.py), and with the
    fleet form of the fence evaluated, its own cells (private_bedrock/tools/prove/fleet_fence.py): a line per
    region, and the cells."""
    from private_bedrock.tools.prove.fleet import asset_bucket_policy, verifier_cells
    from private_bedrock.tools.prove.fleet_fence import fleet_fence_cells

    s = delivery.summary
    artifacts = json.loads((cdk_out / "manifest.json").read_text())["artifacts"]
    lines: list[str] = []
    out: list[PolicyCell] = []
    for member in delivery.members:
        assets = json.loads((cdk_out / artifacts[f"PrivateBedrockFleetAssets-{member.region}"]["properties"]["templateFile"]).read_text())
        cells = verifier_cells(
            member.template(), member.region, admin=s["administratorAccount"], org=s["organizationId"], caller_arn=s["verifierCallerArns"][0],
            caller_arns=s["verifierCallerArns"],
            asset_bucket_policy=asset_bucket_policy(assets, member.region, s["administratorAccount"]),
        )
        wrong = [c.describe() for c in cells if not c.ok]
        allowed = sum(c.got == "allow" for c in cells)
        lines.append(f"fleet {member.region}: verifier role and asset bucket, {len(cells)} cells, {allowed} allowed, {len(wrong)} not as designed")
        out += cells
        if fence is not None and fence.network_form == OWN_ACCOUNT:
            # The fleet fence's endpoint owners the Bedrock matrix has no path for (private_bedrock/tools/prove/fleet_fence.py).
            cells = [replace(c, subject=f"{c.subject} (HYPOTHETICAL)") if hypothetical else c for c in fleet_fence_cells(fence, member.region)]
            wrong = [c.describe() for c in cells if not c.ok]
            lines.append(
                ("HYPOTHETICAL (fence.enabled is not set, nothing deploys it): " if hypothetical else "")
                + f"fleet fence {member.region}: {len(cells)} cells (Bedrock through the own account's endpoints only; the StackSet's stacks "
                f"changed, Bedrock endpoints created and the delivered ones changed by its execution role only), {sum(c.got == 'allow' for c in cells)} allowed, {len(wrong)} not as designed"
            )
            out += cells
    from private_bedrock.tools.prove.fleet import caller_cells

    fleet_template = json.loads((cdk_out / artifacts["PrivateBedrockFleet"]["properties"]["templateFile"]).read_text())
    cells = caller_cells(fleet_template, admin=s["administratorAccount"], org=s["organizationId"], caller_arn=s["verifierCallerArns"][0],
                         regions=s["regionOrder"], home_region=s["homeRegion"], call_as=s["callAs"])
    wrong = [c.describe() for c in cells if not c.ok]
    lines.append(f"fleet verifier's caller ({s.get('verifierCallerPolicy', 'PrivateBedrockFleetVerifyCaller')}): {len(cells)} cells, "
                 f"{sum(c.got == 'allow' for c in cells)} allowed, {len(wrong)} not as designed")
    out += cells
    return lines, out


def as_json(ev: Evidence) -> dict[str, Any]:
    """Every cell with what decided it, and the hashes that tie it to the files evaluated."""
    from private_bedrock.tools.prove.report import code, layers_sentence

    def cell(m: RegionMatrix, c: Any) -> dict[str, Any]:
        resource, context = c.request.for_account(c.principal.account)
        out = {
            "principal": c.principal.key, "request": c.request.key, "path": c.path.key,
            "action": c.request.action, "resource": resource, "context": context,
            "expected": c.expected, "got": c.got, "asDesigned": c.ok, "code": code(c, ev.hypothetical),
            "decidedBy": list(c.statements), "deniedBy": c.reason or None,
            "outsideThisDeploymentsControl": c.ungoverned,
        }
        if c.fenced:
            out["fence"] = {"decided": c.fence_decided, "state": ev.fence}
        return out

    return {
        "assembly": str(ev.cdk_out),
        "account": ev.account,
        "simulator": f"@cloud-copilot/iam-simulate {ev.matrices[0].simulator}" if ev.matrices else None,
        "layers": layers_sentence(ev),
        "fence": ev.fence,
        "templates": [{"stack": t.name, "region": t.region, "file": t.path.name, "sha256": t.sha256} for t in ev.templates],
        "fenceFiles": [{"name": f.name, "file": f.path.name, "sha256": f.sha256} for f in ev.fence_files],
        "regions": [
            {
                "region": m.region,
                "topology": m.topology,
                "template": {"stack": ev.template_of(m.region).name, "sha256": ev.template_of(m.region).sha256},
                "layer": m.layer,
                "fenced": m.fenced,
                "principals": [{"key": p.key, "kind": p.kind, "arn": p.role_arn, "account": p.account, "policies": [n for n, _ in p.policies], "note": p.note} for p in m.principals],
                "requests": [{"key": r.key, "label": r.label, "service": r.service, "action": r.action, "allowListed": r.allow_listed} for r in m.requests],
                "paths": [{"key": p.key, "label": p.label} for p in PATHS],
                "cells": [cell(m, c) for c in m.cells],
                "unexpected": len(m.unexpected()),
            }
            for m in ev.matrices
        ],
        "otherCells": [
            {"region": c.region, "subject": c.subject, "label": c.label, "action": c.action, "resource": c.resource, "expected": c.expected, "got": c.got, "asDesigned": c.ok, "decidedBy": list(c.statements)}
            for c in ev.policy_cells
        ],
        "summaries": list(ev.summaries),
        "unexpected": ev.unexpected(),
    }
