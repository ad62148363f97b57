"""Summarise `mutmut results --all true` (read from stdin): score per module, survivors.

Usage: mutmut results --all true | python -m private_bedrock.tools.dev.mutation_summary
Exit status 1 when a mutant of the policy builders (private_bedrock/policies) is not killed: one that
survived, one no selected test reaches, or one the run has not checked yet (an interrupted
run is not a score). The suite must kill every one of them (docs/internals.md, "Mutation
testing").
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict

_LINE = re.compile(r"^\s*(?P<name>[\w.]+)__mutmut_\d+: (?P<status>[\w ]+)$")
MUST_KILL = "private_bedrock.policies."
KILLED = ("killed", "timeout")  # a mutant that hangs the tests is detected, as a kill is
NOT_KILLED = ("survived", "no tests", "not checked", "suspicious", "skipped")


def summarise(lines: list[str]) -> tuple[dict[str, Counter], list[str]]:
    """({module: Counter(status)}, the lines of every mutant that is not killed)."""
    by_module: dict[str, Counter] = defaultdict(Counter)
    alive = []
    for line in lines:
        m = _LINE.match(line.rstrip())
        if not m:
            continue
        module = m["name"].rsplit(".", 1)[0]
        by_module[module][m["status"]] += 1
        if m["status"] not in KILLED:
            alive.append(line.strip())
    return by_module, alive


def _row(label: str, c: Counter) -> str:
    total = sum(c.values())
    killed = sum(c[s] for s in KILLED)
    others = ", ".join(f"{s} {c[s]}" for s in sorted(c) if s not in KILLED and s not in NOT_KILLED)
    score = 100 * killed / total if total else 0.0
    return (
        f"{label:38} mutants {total:4}  killed {c['killed']:4}  timeout {c['timeout']:2}  survived {c['survived']:3}"
        f"  no tests {c['no tests']:3}  not checked {c['not checked']:4}  score {score:5.1f}%" + (f"  ({others})" if others else "")
    )


def main() -> int:
    by_module, alive = summarise(sys.stdin.read().splitlines())
    total: Counter = Counter()
    for module in sorted(by_module):
        total.update(by_module[module])
        print(_row(module, by_module[module]))
    print(_row("all", total))
    for line in alive:
        if not line.endswith("not checked"):
            print(f"  not killed: {line}")
    return 1 if any(line.startswith(MUST_KILL) for line in alive) else 0


if __name__ == "__main__":
    sys.exit(main())
