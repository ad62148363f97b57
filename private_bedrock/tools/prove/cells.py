"""PolicyCell: one request against one role's or one bucket's policies, beside the Bedrock matrix.

The monitoring's scheduler role and the fleet's verifier role and asset bucket are proved cell
by cell like the Bedrock matrix, by the same simulator; this is their shared cell and the one
loop that sends a batch of them and reads the decisions back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

from private_bedrock.tools.prove.matrix import ALLOW, DENY, SimulationError, deciding_statements, simulate


@dataclass(frozen=True)
class PolicyCell:
    region: str
    subject: str  # whose policy decides, as the report names it ("principal <role>", "trust", ...)
    label: str
    action: str
    resource: str
    expected: str
    got: str | None = None
    statements: tuple[str, ...] = ()  # what decided it, as Cell.statements (private_bedrock/tools/prove/matrix.py)

    @property
    def ok(self) -> bool:
        return self.got == self.expected

    def describe(self) -> str:
        return f"region {self.region} | {self.subject} | {self.label} [{self.action} on {self.resource}] | expected {self.expected} | got {self.got}"


def evaluate_cells(cells: Sequence[PolicyCell], simulations: Sequence[Mapping[str, Any]]) -> list[PolicyCell]:
    """Each cell with the simulator's decision for its simulation (same order); a rejected
    simulation fails the run, it is never read as a denial."""
    _, results = simulate(simulations)
    out = []
    for cell, res, sim in zip(cells, results, simulations, strict=True):
        if res.get("error"):
            raise SimulationError(f"the simulator rejected a cell: {cell.describe()}\n{res['error']}")
        out.append(replace(cell, got=ALLOW if res["decision"] == "Allowed" else DENY, statements=deciding_statements(res, sim)))
    return out
