"""Security fixtures: the matrix of the session's synthesized templates, evaluated once."""

from __future__ import annotations

import copy
from typing import Any, Callable

import pytest

from tools.prove.matrix import RegionMatrix, prove


@pytest.fixture(scope="session")
def matrices(templates: dict[str, dict]) -> list[RegionMatrix]:
    """One simulator run over every region's template (tests/conftest.py synthesizes them)."""
    return prove(templates)


@pytest.fixture
def template_copy(templates: dict[str, dict]) -> Callable[[str], dict[str, Any]]:
    """A deep copy of a region's template that a test may loosen without touching the others."""
    return lambda region: copy.deepcopy(templates[region])
