"""Print the IAM allow/deny matrix of the synthesized templates; exit 1 on any unexpected cell.

Usage: python -m tools.prove [cdk.out] [--markdown] [--no-fence]

With the organisation fence's policies in cdk.out/scp/ (written by `make synth`), every cell
is also evaluated under them; --no-fence shows what the account-level policies alone do.

Exit status: 0 every cell as designed, 1 some cell is not (each one is listed), 2 the matrix
could not be built (no templates, a template of an unexpected shape, a simulator error).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from typing import Any, Mapping

from tools.assembly import AssemblyError, FleetArtifact, fleet, stacks
from tools.prove.deployment import TemplateShapeError, read_deployment
from tools.prove.fence import load_fence
from tools.prove.matrix import SimulationError, load_templates, prove, unexpected
from tools.prove.report import FENCE_LEGEND, LEGEND, UNEXPECTED_LEGEND, markdown, print_matrices
from tools.prove.resolve import ACCOUNT, UnresolvedIntrinsic


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.prove", description=__doc__.splitlines()[0])
    parser.add_argument("cdk_out", nargs="?", default="cdk.out", type=Path, help="a cloud assembly directory (default: cdk.out); its manifest.json names the stacks")
    parser.add_argument("--markdown", action="store_true", help="print GitHub Markdown tables instead")
    parser.add_argument("--no-fence", action="store_true", help="leave out the organisation fence's SCPs (cdk.out/scp/)")
    args = parser.parse_args(argv)

    try:
        templates = load_templates(args.cdk_out)
        # A fleet synth (fleet.enabled): the templates its StackSets deliver, one per region.
        delivery = None if templates else fleet(args.cdk_out)
    except AssemblyError as err:
        print(err, file=sys.stderr)
        return 2
    if delivery is not None:
        templates = {m.region: m.template() for m in delivery.members}
    if not templates:
        print(f"The cloud assembly in {args.cdk_out} has no PrivateBedrock-<region> stack; run `make synth` first.", file=sys.stderr)
        return 2
    try:
        fence = None if args.no_fence else load_fence(args.cdk_out)
        matrices = prove(templates, deployment_account(args.cdk_out, templates), fence=fence)
        fleet_lines, fleet_bad = _prove_fleet(args.cdk_out, delivery) if delivery is not None else ([], [])
    except (SimulationError, TemplateShapeError, UnresolvedIntrinsic) as err:
        print(f"Could not build the matrix: {err}", file=sys.stderr)
        return 2
    if args.markdown:
        for m in matrices:
            print(f"#### {m.region}\n\n{markdown(m)}\n")
        print(LEGEND)
        if unexpected(matrices):
            print(UNEXPECTED_LEGEND)
        if any(m.fenced for m in matrices):
            print(FENCE_LEGEND)
    else:
        print_matrices(matrices)
    for line in fleet_lines:
        print(line)
    bad = [cell.describe() for cell in unexpected(matrices)] + fleet_bad
    if bad:
        print(f"\n{len(bad)} cell(s) are not what the design promises:", file=sys.stderr)
        for line in bad:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


def _prove_fleet(cdk_out: Path, delivery: FleetArtifact) -> tuple[list[str], list[str]]:
    """The fleet verifier's and the asset buckets' cells (tools/prove/fleet.py): a line per
    region, and the cells that are not as designed."""
    import json

    from tools.prove.fleet import asset_bucket_policy, verifier_cells

    s = delivery.summary
    artifacts = json.loads((cdk_out / "manifest.json").read_text())["artifacts"]
    lines: list[str] = []
    bad: list[str] = []
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
        bad += wrong
    return lines, bad


if __name__ == "__main__":
    sys.exit(main())
