"""An opt-in disk cache of simulator results, for mutation testing (`make mutate`).

A mutant of a policy builder changes a few policies; re-evaluating the other ~8,000 cells of
the builders' matrix for every mutant would take hours on two cores. With
PROVE_SIMULATION_CACHE=<directory> set, each result is kept under the hash of the exact
simulation (request, context, every policy, as canonical JSON) and of the simulator's own
files (simulate.mjs and the installed package versions), so a cell is answered from the
cache only when the simulator would see byte-for-byte the same input: a changed policy is
a different key and is evaluated afresh. Unset (every ordinary test run), nothing is cached.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

ENV = "PROVE_SIMULATION_CACHE"


def simulator_fingerprint(simulate_script: Path, node_modules: Path) -> str:
    """What decides the simulator's answers besides the simulation: the script, the memo
    stand-ins it loads (memo/*.mjs) and the installed packages (npm's
    node_modules/.package-lock.json lists every version)."""
    h = hashlib.sha256(simulate_script.read_bytes())
    for module in sorted(simulate_script.parent.glob("memo/*.mjs")):
        h.update(module.read_bytes())
    lock = node_modules / ".package-lock.json"
    manifests = [lock] if lock.exists() else sorted((node_modules / "@cloud-copilot").glob("*/package.json"))
    for path in manifests:
        h.update(path.read_bytes())
    return h.hexdigest()


class SimulationCache:
    def __init__(self, directory: Path, fingerprint: str) -> None:
        self.directory = directory
        self.fingerprint = fingerprint

    @classmethod
    def from_environment(cls, simulate_script: Path, node_modules: Path) -> "SimulationCache | None":
        directory = os.environ.get(ENV)
        if not directory:
            return None
        return cls(Path(directory), simulator_fingerprint(simulate_script, node_modules))

    def _path(self, simulation_json: str) -> Path:
        digest = hashlib.sha256(f"{self.fingerprint}\n{simulation_json}".encode()).hexdigest()
        return self.directory / digest[:2] / f"{digest}.json"

    def read(self, simulations: Iterable[str]) -> dict[str, dict[str, Any]]:
        """{simulation JSON: {"simulator": version, "result": result}} for the cached ones."""
        found = {}
        for sim in simulations:
            path = self._path(sim)
            if path.exists():
                found[sim] = json.loads(path.read_text())
        return found

    def write(self, version: str, results: Mapping[str, Mapping[str, Any]]) -> None:
        for sim, result in results.items():
            if result.get("error"):
                continue  # never keep a failure: the run stops on it anyway
            path = self._path(sim)
            path.parent.mkdir(parents=True, exist_ok=True)
            # Atomic: parallel mutant workers may write the same cell.
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w") as f:
                json.dump({"simulator": version, "result": result}, f)
            os.replace(tmp, path)
