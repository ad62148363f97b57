"""The simulator batch (private_bedrock/tools/prove/matrix.simulate): identical cells evaluated once, and the
opt-in cache of `make mutate` answering only byte-identical simulations (real simulator)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from private_bedrock.tools.prove.matrix import ROOT, SIMULATE, simulate
from private_bedrock.tools.prove.simulation_cache import ENV, SimulationCache, simulator_fingerprint

MODEL = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"


def cell(resource: str = MODEL, effect: str = "Allow") -> dict:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": "bedrock:InvokeModel", "Resource": MODEL}]}
    return {
        "request": {
            "principal": "arn:aws:sts::111122223333:assumed-role/app/s",
            "action": "bedrock:InvokeModel",
            "resource": {"resource": resource, "accountId": "111122223333"},
            "contextVariables": {},
        },
        "identityPolicies": [{"name": "p", "policy": policy}],
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
    }


def cached_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*/*.json"))


def test_identical_cells_are_evaluated_once_and_answered_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, str(tmp_path))
    other = MODEL.replace("nova-micro", "nova-lite")
    version, results = simulate([cell(), cell(other), cell()])
    assert [r["decision"] for r in results] == ["Allowed", "ImplicitlyDenied", "Allowed"]
    assert version and len(cached_files(tmp_path)) == 2  # two distinct simulations


def test_the_cache_answers_only_the_same_simulation_and_agrees_with_the_simulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    fresh = simulate([cell(), cell(effect="Deny")])
    monkeypatch.setenv(ENV, str(tmp_path))
    assert simulate([cell(), cell(effect="Deny")]) == fresh  # filled
    assert simulate([cell(), cell(effect="Deny")]) == fresh  # answered from the cache
    # Poison the cached answer: it is served for the same input only.
    for path in cached_files(tmp_path):
        entry = json.loads(path.read_text())
        entry["result"]["decision"] = "Poisoned"
        path.write_text(json.dumps(entry))
    assert [r["decision"] for r in simulate([cell()])[1]] == ["Poisoned"]
    changed = cell()
    changed["identityPolicies"][0]["policy"]["Statement"][0]["Resource"] = "*"
    assert [r["decision"] for r in simulate([changed])[1]] == ["Allowed"]


def test_without_the_variable_nothing_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert SimulationCache.from_environment(SIMULATE, ROOT / "node_modules") is None


def test_a_different_simulator_is_a_different_key(tmp_path: Path) -> None:
    sim = json.dumps(cell(), sort_keys=True)
    SimulationCache(tmp_path, "one").write("1.0", {sim: {"decision": "Allowed"}})
    assert SimulationCache(tmp_path, "one").read([sim]) == {sim: {"simulator": "1.0", "result": {"decision": "Allowed"}}}
    assert SimulationCache(tmp_path, "two").read([sim]) == {}
    assert len(simulator_fingerprint(SIMULATE, ROOT / "node_modules")) == 64


def test_a_failed_cell_is_never_cached(tmp_path: Path) -> None:
    SimulationCache(tmp_path, "one").write("1.0", {"{}": {"error": "invalid"}})
    assert cached_files(tmp_path) == []
