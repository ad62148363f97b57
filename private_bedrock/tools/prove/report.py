"""Print the matrix: per region, rows = request x path, columns = principals.

Terminal: the principal columns are split into as many tables as the width needs (each
repeats the request and path columns), and every column is as wide as its longest cell, so
no cell is ever cut short, at any width and with any number of principals. Markdown (an audit
file): one full table per region and one row per cell naming the statements that decided it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Sequence

from rich.console import Console
from rich.table import Table

from private_bedrock.tools.prove.cells import PolicyCell
from private_bedrock.tools.prove.matrix import ALLOW, PATHS, Cell, Principal, RegionMatrix, Request

if TYPE_CHECKING:
    from private_bedrock.tools.prove.evidence import Evidence

PATH_LABEL = {"own": "our {service} endpoint", "foreign": "a foreign endpoint", "none": "no endpoint", "cfn": "CloudFormation for the caller"}
# A spoke's "own" endpoint is its hub's: its policy is in the hub's assembly, not this one.
SPOKE_OWN_LABEL = "the hub's {service} endpoint (its policy: the hub's assembly)"
FILE_WIDTH = 120  # the width when stdout is not a terminal and COLUMNS is not set
KIND_LABEL = {
    "workload": "workload", "control": "control", "broad": "identity policy + admin", "admin": "admin", "breakglass": "break-glass",
    "exempt": "exempt service role", "spoke": "listed spoke", "spoke-unlisted": "unlisted spoke",
}
HYPOTHETICAL_MARK = " hyp."

LEGEND = (
    "ALLOW = allowed as designed. allow† = allowed, but outside this deployment's control: the role does not "
    "carry the SourceVpce policy and the call does not use this deployment's endpoints (the organisation fence "
    "turns them into denials where it is attached). deny: E = no endpoint-policy Allow, E! = explicit "
    "endpoint-policy Deny, I = no identity-policy Allow, I! = explicit identity-policy Deny."
)
# Said only when a cell is marked: a legend line with a cross reads like a failure.
UNEXPECTED_LEGEND = "✗ = not what the design promises."
FENCE_LEGEND = (
    "With the organisation fence (cdk.out/scp/): S! = explicit Deny of a service control policy (the cell's "
    "detail names the policy and statement); allow‡ = a break-glass principal, exempt from the fence by configuration, "
    "or an exempt service role off the endpoints (exempt from the network statement only)."
)
HYPOTHETICAL_LEGEND = (
    "hyp. = HYPOTHETICAL: decided by the organisation fence, which this configuration does not deploy (fence.enabled "
    "is not set). The cell says what would happen if the SCPs in cdk.out/scp/ were attached, not what is deployed."
)
SPOKE_NOTE = (
    "A spoke deploys no endpoint: its roles call through the hub's. Evaluated here: the spoke's identity policy, on "
    "the hub's endpoint ids (hubEndpointIds), each hub endpoint taken as full access. Whom the hub's endpoint policies "
    "admit is not in this assembly: `make prove` on the hub's assembly proves it."
)


def code(cell: Cell, hypothetical: bool = False) -> str:
    """Short plain-text form of a cell's outcome (`hypothetical`: the fence is not deployed)."""
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
    if hypothetical and cell.fence_decided:
        text += HYPOTHETICAL_MARK
    return text if cell.ok else f"{text} ✗"


def path_label(matrix: RegionMatrix, request: Request, path: str) -> str:
    label = SPOKE_OWN_LABEL if path == "own" and matrix.topology == "spoke" else PATH_LABEL[path]
    return label.format(service=request.service)


def _styled(cell: Cell, hypothetical: bool) -> str:
    text = code(cell, hypothetical)
    if not cell.ok:
        return f"[bold red]{text}[/]"
    if cell.got == ALLOW:
        return f"[yellow]{text}[/]" if cell.ungoverned else f"[bold green]{text}[/]"
    return f"[dim]{text}[/]"


def _header(p: Principal) -> str:
    return f"{p.key}\n({KIND_LABEL[p.kind]})"


def _longest_cells(matrix: RegionMatrix, hypothetical: bool) -> dict[str, int]:
    """Each principal's longest cell code, in one pass over the cells."""
    longest: dict[str, int] = {}
    for c in matrix.cells:
        longest[c.principal.key] = max(longest.get(c.principal.key, 0), len(code(c, hypothetical)))
    return longest


def _column_width(longest: int, p: Principal) -> int:
    """As wide as the column's longest cell, and its header's longest word (up to 24)."""
    word = max(len(w) for w in _header(p).replace("\n", " ").split())
    return max(longest, min(word, 24), 5)


def chunks(matrix: RegionMatrix, width: int, hypothetical: bool = False) -> tuple[int, int, list[list[tuple[Principal, int]]]]:
    """(request column width, path column width, principal columns per table) for `width`."""
    labels = [path_label(matrix, r, p.key) for r in matrix.requests for p in PATHS]
    path_w = min(max(len(x) for x in labels), max(12, width // 5))
    req_w = min(max(len(r.label) for r in matrix.requests), max(16, width // 4))
    fixed = req_w + path_w + 2 * 3 + 1  # two columns of padding and rules, plus the last rule
    out: list[list[tuple[Principal, int]]] = []
    current: list[tuple[Principal, int]] = []
    used = fixed
    longest = _longest_cells(matrix, hypothetical)
    for p in matrix.principals:
        w = _column_width(longest.get(p.key, 0), p)
        if current and used + w + 3 > width:
            out.append(current)
            current, used = [], fixed
        current.append((p, w))
        used += w + 3
    if current:
        out.append(current)
    return req_w, path_w, out


def tables(matrix: RegionMatrix, width: int, hypothetical: bool = False) -> list[Table]:
    """The region's matrix as tables that each fit `width` (columns split, never cut)."""
    req_w, path_w, groups = chunks(matrix, width, hypothetical)
    out = []
    start = 1
    for group in groups:
        caption = f"principals {start}–{start + len(group) - 1} of {len(matrix.principals)}" if len(groups) > 1 else None
        start += len(group)
        t = Table(caption=caption, caption_justify="left", show_lines=False)
        t.add_column("request", width=req_w, overflow="fold")
        t.add_column("path", width=path_w, overflow="fold")
        for p, w in group:
            t.add_column(_header(p), width=w, justify="center", overflow="fold")
        for r in matrix.requests:
            for i, path in enumerate(PATHS):
                row = [matrix.cell(p.key, r.key, path.key) for p, _ in group]
                t.add_row(r.label if i == 0 else "", path_label(matrix, r, path.key), *(_styled(c, hypothetical) for c in row), end_section=i == len(PATHS) - 1)
        out.append(t)
    return out


def region_title(matrix: RegionMatrix, hypothetical: bool = False) -> str:
    bad = len(matrix.unexpected())
    kind = {"hub": " (hub)", "spoke": " (spoke: its identity policy only)"}.get(matrix.topology, "")
    fence = ""
    if matrix.fenced:
        fence = " with the organisation fence" + (" — HYPOTHETICAL: fence.enabled is not set, nothing deploys it" if hypothetical else "")
    return f"{matrix.region}{kind}{fence}: {len(matrix.cells)} cells, " + (f"[bold red]{bad} unexpected[/]" if bad else "all as designed")


def console_for(width: int | None = None) -> Console:
    if width:
        return Console(width=width)
    console = Console()
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console = Console(width=FILE_WIDTH)
    return console


def print_matrices(matrices: Sequence[RegionMatrix], console: Console | None = None, hypothetical: bool = False) -> None:
    console = console or console_for()
    for m in matrices:
        console.print(f"[bold]{region_title(m, hypothetical)}[/]", highlight=False)
        if m.topology == "spoke":
            console.print(SPOKE_NOTE, highlight=False)
        for t in tables(m, console.width, hypothetical):
            console.print(t)
        for p in m.principals:
            mark = " (HYPOTHETICAL: the fence is not deployed)" if hypothetical and p.kind == "breakglass" else ""
            console.print(f"  [bold]{p.key}[/]: {p.role_arn} — {p.note}{mark}", highlight=False)
        for c in m.unexpected():
            console.print(f"  [bold red]✗ {c.describe()}[/]", highlight=False)
        console.print()
    for line in legends(matrices, hypothetical):
        console.print(line, highlight=False)
    if matrices:
        console.print(f"[dim]evaluated by @cloud-copilot/iam-simulate {matrices[0].simulator}[/]")


def legends(matrices: Sequence[RegionMatrix], hypothetical: bool = False) -> list[str]:
    out = [LEGEND]
    if any(m.unexpected() for m in matrices):
        out.append(UNEXPECTED_LEGEND)
    if any(m.fenced for m in matrices):
        if hypothetical:
            out += [FENCE_LEGEND.replace("With the organisation fence", "With the organisation fence (HYPOTHETICAL)", 1), HYPOTHETICAL_LEGEND]
        else:
            out.append(FENCE_LEGEND)
    return out


def layers_sentence(ev: "Evidence") -> str:
    """What was evaluated, and what was not, in one paragraph."""
    from private_bedrock.tools.prove.evidence import FENCE_DEPLOYED, FENCE_HYPOTHETICAL, FENCE_LEFT_OUT

    base = "Evaluated: each template's VPC endpoint policies and the identity policy (SourceVpceOnlyPolicy) of the roles that carry it"
    fence = {
        FENCE_DEPLOYED: "; the organisation fence's SCPs (fence.enabled; cdk.out/scp/), taken as attached to an OU next to FullAWSAccess.",
        FENCE_HYPOTHETICAL: "; and, HYPOTHETICALLY, the organisation fence's SCPs (cdk.out/scp/): fence.enabled is not set, so nothing deploys them; every cell they decide is marked hyp.",
        FENCE_LEFT_OUT: ". The organisation fence is deployed (fence.enabled) but left out on request (--no-fence): the cells show the account-level policies alone.",
    }.get(ev.fence, ". The organisation fence is not evaluated: fence.enabled is not set, so this configuration deploys no SCP (`--fence` evaluates cdk.out/scp/ as a hypothesis).")
    return (
        base + fence + " Not evaluated: policies outside these templates (permission boundaries, session policies, "
        "your organisation's other SCPs and RCPs, the principals' own policies beyond what each column says it carries)."
    )


def print_evidence(ev: "Evidence", console: Console | None = None) -> None:
    console = console or console_for()
    console.print(f"[bold]IAM matrix of the cloud assembly {ev.cdk_out}[/] (evaluated in account {ev.account})", highlight=False)
    # sha256sum's format: `sha256sum -c` checks the files against these lines.
    console.print("sha256 of the files evaluated:", highlight=False)
    for f in (*ev.templates, *ev.fence_files):
        console.print(f"{f.sha256}  {f.path}", highlight=False, soft_wrap=True)
    console.print(layers_sentence(ev), highlight=False)
    console.print()
    print_matrices(ev.matrices, console, ev.hypothetical)
    if ev.policy_cells:
        console.print("[bold]Beside the Bedrock matrix[/]: the roles and resource policies that run and deliver the proof", highlight=False)
        console.print(policy_table(ev.policy_cells))
    for line in ev.summaries:
        console.print(line, highlight=False, soft_wrap=True)  # one line each, for grep


def policy_table(cells: Sequence[PolicyCell]) -> Table:
    t = Table(show_lines=False)
    for name in ("region", "whose policy", "request", "expected", "got"):
        t.add_column(name, overflow="fold")
    for c in cells:
        got = f"[bold red]{c.got} ✗[/]" if not c.ok else (f"[bold green]{c.got}[/]" if c.got == ALLOW else f"[dim]{c.got}[/]")
        t.add_row(c.region, c.subject, f"{c.label}\n[dim]{c.action} on {c.resource}[/]", c.expected, got)
    return t


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(matrix: RegionMatrix, hypothetical: bool = False) -> str:
    """The region's table as GitHub Markdown, every principal in one table."""
    head = ["request", "path", *(f"{p.key} ({KIND_LABEL[p.kind]})" for p in matrix.principals)]
    lines = ["| " + " | ".join(_md(h) for h in head) + " |", "|" + "---|" * len(head)]
    for r in matrix.requests:
        for i, path in enumerate(PATHS):
            cells = [code(matrix.cell(p.key, r.key, path.key), hypothetical) for p in matrix.principals]
            label = r.label if i == 0 else ""
            lines.append("| " + " | ".join([_md(label), _md(path_label(matrix, r, path.key)), *(f"**{c}**" if c == "ALLOW" else c for c in cells)]) + " |")
    return "\n".join(lines)


def markdown_decisions(matrix: RegionMatrix, hypothetical: bool = False) -> str:
    """One row per cell: its request as the simulator saw it and the statements that decided it."""
    lines = ["| principal | request | action on resource | path | expected | outcome | decided by (policy/Sid) |", "|---|---|---|---|---|---|---|"]
    for c in matrix.cells:
        resource, _ = c.request.for_account(c.principal.account)
        lines.append(
            "| " + " | ".join(_md(x) for x in (c.principal.key, c.request.label, f"{c.request.action} on {resource}", path_label(matrix, c.request, c.path.key), c.expected, code(c, hypothetical), "; ".join(c.statements) or c.reason)) + " |"
        )
    return "\n".join(lines)


def markdown_evidence(ev: "Evidence") -> str:
    out = [f"# IAM matrix of the cloud assembly `{ev.cdk_out}`", "", f"Evaluated in account {ev.account}.", ""]
    out += ["| file | sha256 |", "|---|---|"] + [f"| {f.path.name} | `{f.sha256}` |" for f in (*ev.templates, *ev.fence_files)]
    out += ["", layers_sentence(ev), ""]
    for m in ev.matrices:
        out += [f"## {region_title(m, ev.hypothetical).replace('[bold red]', '').replace('[/]', '')}", ""]
        out += [f"Template {ev.template_of(m.region).path.name}, sha256 `{ev.template_of(m.region).sha256}`.", ""]
        if m.topology == "spoke":
            out += [SPOKE_NOTE, ""]
        out += [markdown(m, ev.hypothetical), ""]
        out += ["Principals:", ""] + [f"- **{_md(p.key)}** ({KIND_LABEL[p.kind]}): `{p.role_arn}` — {p.note}" + (" (HYPOTHETICAL: the fence is not deployed)" if ev.hypothetical and p.kind == "breakglass" else "") for p in m.principals] + [""]
        out += [f"### {m.region}: every cell and what decided it", "", markdown_decisions(m, ev.hypothetical), ""]
    if ev.policy_cells:
        out += ["## Beside the Bedrock matrix: the roles and resource policies that run and deliver the proof", ""]
        out += ["| region | whose policy | request | action on resource | expected | got | decided by (policy/Sid) |", "|---|---|---|---|---|---|---|"]
        out += ["| " + " | ".join(_md(x) for x in (c.region, c.subject, c.label, f"{c.action} on {c.resource}", c.expected, c.expected if c.ok else f"{c.got} ✗", "; ".join(c.statements))) + " |" for c in ev.policy_cells]
        out += [""]
    out += [*(f"- {line}" for line in ev.summaries)]
    out += ["", *legends(ev.matrices, ev.hypothetical)]
    bad = ev.unexpected()
    if bad:
        out += ["", f"**{len(bad)} cell(s) are not what the design promises:**", "", *(f"- {_md(b)}" for b in bad)]
    if ev.matrices:
        out += ["", f"Evaluated by @cloud-copilot/iam-simulate {ev.matrices[0].simulator}."]
    return "\n".join(out) + "\n"
