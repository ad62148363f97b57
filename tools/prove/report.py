"""Print the matrix: one table per region, rows = request x path, columns = principals."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from tools.prove.matrix import ALLOW, Cell, RegionMatrix

PATH_LABEL = {"own": "our {service} endpoint", "foreign": "a foreign endpoint", "none": "no endpoint", "cfn": "CloudFormation for the caller"}
WIDTH = 170  # wide enough for one line per row; used when stdout is not a terminal
KIND_LABEL = {"workload": "workload", "control": "control", "broad": "identity policy + admin", "admin": "admin", "breakglass": "break-glass", "exempt": "exempt service role", "spoke": "listed spoke", "spoke-unlisted": "unlisted spoke"}

LEGEND = (
    "ALLOW = allowed as designed. allow† = allowed, but outside this deployment's control: the role does not "
    "carry the SourceVpce policy and the call does not use this deployment's endpoints (the organisation fence, "
    "cdk.out/scp/, turns them into denials). deny: E = no endpoint-policy Allow, E! = explicit endpoint-policy Deny, "
    "I = no identity-policy Allow, I! = explicit identity-policy Deny."
)
# Said only when a cell is marked: a legend line with a cross reads like a failure.
UNEXPECTED_LEGEND = "✗ = not what the design promises."
FENCE_LEGEND = (
    "With the organisation fence (cdk.out/scp/): S! = explicit Deny of a service control policy (the cell's "
    "detail names the policy and statement); allow‡ = a break-glass principal, exempt from the fence by configuration, "
    "or an exempt service role off the endpoints (exempt from the network statement only)."
)


def code(cell: Cell) -> str:
    """Short plain-text form of a cell's outcome."""
    if cell.got == ALLOW:
        text = ("allow‡" if cell.principal.kind in ("breakglass", "exempt") else "allow†") if cell.ungoverned and cell.ok else "ALLOW"
    else:
        parts = []
        for layer, letter in (("endpoint policy", "E"), ("identity", "I"), ("service control policy", "S")):
            if f"{layer} (explicit" in cell.reason:
                parts.append(letter + "!")
            elif layer in cell.reason:
                parts.append(letter)
        text = "deny " + ("+".join(parts) or cell.reason)
    return text if cell.ok else f"{text} ✗"


def _styled(cell: Cell) -> str:
    text = code(cell)
    if not cell.ok:
        return f"[bold red]{text}[/]"
    if cell.got == ALLOW:
        return f"[yellow]{text}[/]" if cell.ungoverned else f"[bold green]{text}[/]"
    return f"[dim]{text}[/]"


def table(matrix: RegionMatrix) -> Table:
    bad = len(matrix.unexpected())
    fenced = " with the organisation fence" if matrix.fenced else ""
    title = f"{matrix.region}{fenced}: {len(matrix.cells)} cells, " + (f"[bold red]{bad} unexpected[/]" if bad else "all as designed")
    t = Table(title=title, title_justify="left", show_lines=False)
    t.add_column("request", no_wrap=True)
    t.add_column("path", no_wrap=True)
    for p in matrix.principals:
        t.add_column(f"{p.key}\n({KIND_LABEL[p.kind]})", justify="center")
    for r in matrix.requests:
        for i, path in enumerate(("own", "foreign", "none")):
            row = [c for p in matrix.principals for c in [matrix.cell(p.key, r.key, path)]]
            t.add_row(r.label if i == 0 else "", PATH_LABEL[path].format(service=r.service), *(_styled(c) for c in row), end_section=path == "none")
    return t


def print_matrices(matrices: list[RegionMatrix], console: Console | None = None) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=WIDTH)
    for m in matrices:
        console.print(table(m))
        for p in m.principals:
            console.print(f"  [bold]{p.key}[/]: {p.role_arn} — {p.note}", highlight=False)
        for c in m.unexpected():
            console.print(f"  [bold red]✗ {c.describe()}[/]", highlight=False)
        console.print()
    console.print(LEGEND, highlight=False)
    if any(m.unexpected() for m in matrices):
        console.print(UNEXPECTED_LEGEND, highlight=False)
    if any(m.fenced for m in matrices):
        console.print(FENCE_LEGEND, highlight=False)
    if matrices:
        console.print(f"[dim]evaluated by @cloud-copilot/iam-simulate {matrices[0].simulator}[/]")


def markdown(matrix: RegionMatrix) -> str:
    """The same table as GitHub Markdown (for the README)."""
    head = ["request", "path", *(f"{p.key} ({KIND_LABEL[p.kind]})" for p in matrix.principals)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in matrix.requests:
        for i, path in enumerate(("own", "foreign", "none")):
            cells = [code(matrix.cell(p.key, r.key, path)) for p in matrix.principals]
            label = r.label if i == 0 else ""
            lines.append("| " + " | ".join([label, PATH_LABEL[path].format(service=r.service), *(f"**{c}**" if c == "ALLOW" else c for c in cells)]) + " |")
    return "\n".join(lines)
