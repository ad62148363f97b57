"""`make help` lists every target a user can run, each with one line."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _phony_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    (line,) = re.findall(r"^\.PHONY: (.+)$", text, re.M)
    return set(line.split())


def test_make_help_lists_every_phony_target_with_a_description() -> None:
    out = subprocess.run(["make", "-s", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60).stdout
    listed = {}
    for row in out.splitlines():
        name, _, text = row.strip().partition(" ")
        listed[name] = text.strip()
    assert set(listed) == _phony_targets()
    assert {"setup-dev", "clean", "synth", "test", "prove", "verify"} <= set(listed)
    assert all(listed.values()), [n for n, t in listed.items() if not t]


def test_make_test_lints_before_it_runs_the_suite() -> None:
    recipe = subprocess.run(["make", "-n", "-W", "requirements-dev.txt", "test"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60).stdout
    lines = recipe.splitlines()
    ruff, mypy, pytest = (next(i for i, line in enumerate(lines) if f"-m {tool}" in line) for tool in ("ruff check", "mypy", "pytest"))
    assert ruff < mypy < pytest
