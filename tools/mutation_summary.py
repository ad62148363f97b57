"""Summarise `mutmut results --all true` (read from stdin): score per module, survivors.

Usage: mutmut results --all true | python -m tools.mutation_summary
Exit status 1 when a mutant of the policy builders (stacks/policies) survives: the suite
must kill every one of them (docs/internals.md, "Mutation testing").
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict

_LINE = re.compile(r"^\s*(?P<name>[\w.]+)__mutmut_\d+: (?P<status>[\w ]+)$")
MUST_KILL = "stacks.policies."


def summarise(lines: list[str]) -> tuple[dict[str, Counter], list[str]]:
    by_module: dict[str, Counter] = defaultdict(Counter)
    survivors = []
    for line in lines:
        m = _LINE.match(line.rstrip())
        if not m:
            continue
        module = m["name"].rsplit(".", 1)[0]
        by_module[module][m["status"]] += 1
        if m["status"] == "survived":
            survivors.append(line.strip())
    return by_module, survivors


def main() -> int:
    by_module, survivors = summarise(sys.stdin.read().splitlines())
    total = Counter()
    for module in sorted(by_module):
        c = by_module[module]
        total.update(c)
        judged = c["killed"] + c["survived"] + c["timeout"]
        score = 100 * (c["killed"] + c["timeout"]) / judged if judged else 0.0
        print(f"{module:45} killed {c['killed']:4}  survived {c['survived']:3}  no tests {c['no tests']:3}  timeout {c['timeout']:2}  score {score:5.1f}%")
    judged = total["killed"] + total["survived"] + total["timeout"]
    if judged:
        print(f"{'all':45} killed {total['killed']:4}  survived {total['survived']:3}  score {100 * (total['killed'] + total['timeout']) / judged:5.1f}%")
    for s in survivors:
        print(f"  survived: {s}")
    return 1 if any(s.startswith(MUST_KILL) for s in survivors) else 0


if __name__ == "__main__":
    sys.exit(main())
