"""The fleet verifier's results file: one JSON line per stack instance, written as each
finishes, so an interrupted run (Ctrl-C, a lost laptop lid, a CI timeout) loses nothing and
`--resume` verifies only what is left.

A resumed row is reused only when it is still evidence for the fleet as it is now: the same
stack instance (account, region, stack name), a verdict (passed or failed; an instance that
could not be verified is tried again), verified against the StackSet template that is
current now (its SHA-256: a StackSet updated since means every instance is verified again),
and no older than `max_age` seconds. Drift is not resumed: the detection runs in every run,
on AWS's side, while the instances are verified.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Mapping

VERSION = 1
REUSABLE = ("passed", "failed")


def instance_key(row: Mapping[str, Any]) -> tuple[str, str, str | None]:
    return (str(row["account"]), str(row["region"]), row.get("stack_name"))


class Journal:
    def __init__(self, path: Path, *, resume: bool, templates: Mapping[str, str | None], max_age: float, now: float | None = None):
        """`templates`: StackSet name -> SHA-256 of its current template."""
        self.path = path
        self.reused: dict[tuple[str, str, str | None], dict] = {}
        now = time.time() if now is None else now
        if resume and path.exists():
            for line in path.read_text().splitlines():
                try:
                    row = json.loads(line)
                except ValueError:
                    continue  # the line a killed run was writing
                if not isinstance(row, dict) or row.get("kind") != "instance" or row.get("version") != VERSION:
                    continue
                current = templates.get(row.get("stack_set", ""))
                if (row.get("status") in REUSABLE and current is not None and row.get("template_sha256") == current
                        and now - float(row.get("verified_at", 0)) <= max_age):
                    self.reused[instance_key(row)] = row  # a later line of the same instance wins
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._file = path.open("a" if resume else "w", encoding="utf-8")
        self._write({"kind": "run", "version": VERSION, "started_at": now, "resumed": len(self.reused)})

    def _write(self, row: Mapping[str, Any]) -> None:
        with self._lock:
            self._file.write(json.dumps(row, separators=(",", ":")) + "\n")
            self._file.flush()  # on disk for the next run even if this one is killed

    def record(self, row: Mapping[str, Any]) -> None:
        self._write({"kind": "instance", "version": VERSION, **row})

    def close(self) -> None:
        self._file.close()
