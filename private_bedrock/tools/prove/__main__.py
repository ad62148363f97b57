"""Print the IAM allow/deny matrix of the last synth's cloud assembly; exit 1 on any unexpected cell.

Usage: private-bedrock prove [cdk.out] [--fence | --no-fence] [--markdown | --json] [--width N]

Only the layers the configuration deploys are evaluated: the endpoint policies and the
identity policy of every template, and the organisation fence's SCPs (cdk.out/scp/) only when
fence.enabled is set. --fence evaluates the fence anyway, marking every cell it decides
hypothetical; --no-fence leaves a deployed fence out. --markdown and --json print every cell
with the statements that decided it and the sha256 of each template, for an audit file.

Exit status: 0 every cell as designed, 1 some cell is not (each one is listed), 2 the matrix
could not be built (no assembly, a template of an unexpected shape, a simulator error).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from private_bedrock.tools.report.assembly import AssemblyError
from private_bedrock.tools.prove.deployment import TemplateShapeError
from private_bedrock.tools.prove.evidence import EvidenceError, as_json, gather
from private_bedrock.tools.prove.matrix import SimulationError
from private_bedrock.tools.prove.report import console_for, markdown_evidence, print_evidence
from private_bedrock.tools.prove.resolve import UnresolvedIntrinsic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="private-bedrock prove", description=__doc__.splitlines()[0])
    parser.add_argument("cdk_out", nargs="?", default="cdk.out", type=Path, help="a cloud assembly directory (default: cdk.out, what `make synth` wrote)")
    fence = parser.add_mutually_exclusive_group()
    fence.add_argument("--fence", dest="fence", action="store_const", const=True, default=None, help="evaluate the organisation fence's SCPs even if fence.enabled is not set (marked hypothetical)")
    fence.add_argument("--no-fence", dest="fence", action="store_const", const=False, help="leave the organisation fence out even if it is deployed")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--markdown", action="store_true", help="a Markdown audit file: every table, every cell with the statements that decided it, the templates' sha256")
    out.add_argument("--json", action="store_true", help="the same as JSON")
    parser.add_argument("--width", type=int, help="terminal width to lay the tables out for (default: the terminal's, or COLUMNS, or 120)")
    args = parser.parse_args(argv)

    try:
        ev = gather(args.cdk_out, args.fence)
    except (AssemblyError, EvidenceError) as err:
        print(err, file=sys.stderr)
        return 2
    except (SimulationError, TemplateShapeError, UnresolvedIntrinsic, ValueError) as err:
        print(f"Could not build the matrix: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(as_json(ev), indent=1, ensure_ascii=False))
    elif args.markdown:
        print(markdown_evidence(ev), end="")
    else:
        print_evidence(ev, console_for(args.width))
    bad = ev.unexpected()
    if bad:
        print(f"\n{len(bad)} cell(s) are not what the design promises:", file=sys.stderr)
        for line in bad:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
