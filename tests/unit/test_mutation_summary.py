"""private_bedrock/tools/dev/mutation_summary: the score line and the rule that policy-builder mutants must die."""

from __future__ import annotations

import io

import pytest

from private_bedrock.tools.dev import mutation_summary
from private_bedrock.tools.dev.mutation_summary import summarise

LINES = """
    private_bedrock.policies.grants.x_grants_for__mutmut_1: killed
    private_bedrock.policies.grants.x_grants_for__mutmut_2: survived
    private_bedrock.policies.grants.x_grants_for__mutmut_3: no tests
    private_bedrock.policies.grants.x_grants_for__mutmut_4: timeout
    report.x_denied_by__mutmut_1: killed
    report.x_denied_by__mutmut_2: timeout
""".splitlines()


def test_counts_per_module_and_lists_what_is_not_killed() -> None:
    by_module, alive = summarise(LINES)
    assert by_module["private_bedrock.policies.grants"] == {"killed": 1, "survived": 1, "no tests": 1, "timeout": 1}
    assert by_module["report"] == {"killed": 1, "timeout": 1}
    assert alive == ["private_bedrock.policies.grants.x_grants_for__mutmut_2: survived", "private_bedrock.policies.grants.x_grants_for__mutmut_3: no tests"]


def run(monkeypatch: pytest.MonkeyPatch, lines: list[str]) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines)))
    return mutation_summary.main()


def test_exit_status_fails_on_a_policy_mutant_that_is_not_killed(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(monkeypatch, LINES) == 1
    out = capsys.readouterr().out
    assert "not killed: private_bedrock.policies.grants.x_grants_for__mutmut_2: survived" in out
    assert "not killed: private_bedrock.policies.grants.x_grants_for__mutmut_3: no tests" in out
    assert run(monkeypatch, [line for line in LINES if "survived" not in line]) == 1  # no tests is not a kill
    assert run(monkeypatch, [line for line in LINES if "survived" not in line and "no tests" not in line]) == 0
    # An interrupted run is not a score.
    assert run(monkeypatch, ["    private_bedrock.policies.arns.x_pascal__mutmut_1: not checked"]) == 1
    # Outside the policy builders a survivor is reported, not fatal.
    assert run(monkeypatch, ["    report.x_denied_by__mutmut_3: survived"]) == 0


def test_the_score_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run(monkeypatch, LINES)
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if not line.startswith("  ")}
    assert rows["private_bedrock.policies.grants"].split() == [
        "private_bedrock.policies.grants", "mutants", "4", "killed", "1", "timeout", "1", "survived", "1", "no", "tests", "1", "not", "checked", "0", "score", "50.0%"
    ]
    assert "mutants    6" in rows["all"] and "score  66.7%" in rows["all"]
