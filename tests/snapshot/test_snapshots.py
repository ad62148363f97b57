"""Syrupy snapshots of every default region's template, asset hashes neutralised.

A failing snapshot means the template changed: review the diff, then accept it with
`.venv/bin/python -m pytest tests/snapshot --snapshot-update`.
"""

from __future__ import annotations

import json
import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import DEFAULT_REGIONS

_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def neutralise(template: dict) -> dict:
    """Asset hashes change with any byte of the bundled probe; the snapshot is about infrastructure."""
    return json.loads(_HASH.sub("<asset-hash>", json.dumps(template)))


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("region", DEFAULT_REGIONS)
def test_template_snapshot(region: str, templates: dict[str, dict], snapshot_json) -> None:
    assert neutralise(templates[region]) == snapshot_json


def test_neutralise_only_touches_hashes() -> None:
    h = "a" * 64
    assert neutralise({"S3Key": f"{h}.zip", "Name": "keep"}) == {"S3Key": "<asset-hash>.zip", "Name": "keep"}
