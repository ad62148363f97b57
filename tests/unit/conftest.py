"""Ordering of the unit tests: the simulator sweep last.

The tests that use the `sweep` fixture (tests/unit/test_policy_matrix.py, one simulator run
of ~20,000 cells) run after the data assertions, so `pytest -x` stops at a failing data
assertion without paying for the sweep. `make mutate` relies on it: mutmut orders a mutant's
tests by their call time, which does not include the sweep (a fixture), and runs them with -x.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: "sweep" in getattr(item, "fixturenames", ()))
