"""tools/mutation_summary: the score line and the rule that policy-builder mutants must die."""

from __future__ import annotations

from tools.mutation_summary import summarise

LINES = """
    stacks.policies.grants.x_grants_for__mutmut_1: killed
    stacks.policies.grants.x_grants_for__mutmut_2: survived
    stacks.policies.grants.x_grants_for__mutmut_3: no tests
    report.x_denied_by__mutmut_1: killed
    report.x_denied_by__mutmut_2: timeout
""".splitlines()


def test_counts_per_module_and_lists_survivors() -> None:
    by_module, survivors = summarise(LINES)
    assert by_module["stacks.policies.grants"] == {"killed": 1, "survived": 1, "no tests": 1}
    assert by_module["report"] == {"killed": 1, "timeout": 1}
    assert survivors == ["stacks.policies.grants.x_grants_for__mutmut_2: survived"]


def test_exit_status_fails_on_a_surviving_policy_mutant(monkeypatch, capsys) -> None:
    import io

    from tools import mutation_summary

    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(LINES)))
    assert mutation_summary.main() == 1
    assert "survived: stacks.policies.grants" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(line for line in LINES if "survived" not in line)))
    assert mutation_summary.main() == 0
