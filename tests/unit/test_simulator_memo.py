"""The simulator's memoized sub-questions (private_bedrock/tools/prove/memo/) change no answer.

simulate.mjs hands iam-simulate memoizing stand-ins for two pure helpers of its dependencies.
Here the same batch, cells of several configurations and layers, is evaluated with and
without them (PROVE_SIMULATOR_MEMO=off): every result must be identical, and the memoized run
must report that both stand-ins were in use (so a package upgrade that bypasses them shows up
here rather than as a silently slower suite).
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from private_bedrock.config.app_config import load_config
from private_bedrock.tools.prove import matrix
from private_bedrock.tools.prove.builders import builder_template
from private_bedrock.tools.prove.matrix import NODE, ROOT, SIMULATE, Job, prove_many

# A mix that reaches conditions with and without IfExists, several resource types per action,
# the mantle and OpenAI-compatible paths and the agent endpoints.
CONFIGURATIONS = {
    "api-keys": ("us-east-1", {"allowApiKeys": True}, "both"),
    "all-endpoints": ("us-east-1", {"endpoints": ["bedrock", "bedrock-runtime", "bedrock-mantle", "bedrock-agent", "bedrock-agent-runtime"],
                                     "agentAliasArns": ["arn:aws:bedrock:us-east-1:111122223333:agent-alias/AGENT12345/ALIAS12345"]}, "identity"),
    "tokyo": ("ap-northeast-1", {}, "endpoint"),
}


@pytest.fixture(scope="module")
def batch() -> str:
    """The simulator's stdin for those configurations' cells, captured as prove_many sends it."""
    captured: list[dict[str, Any]] = []
    real = matrix.simulate

    def capture(simulations):
        captured.extend(simulations)
        return real(simulations)

    jobs = [Job(name, region, builder_template(load_config({"regions": [region], **ctx}, None).regions[0]), layer)
            for name, (region, ctx, layer) in CONFIGURATIONS.items()]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(matrix, "simulate", capture)
        prove_many(jobs)
    # Every third cell: the variety of all three, at a third of the plain simulator's time.
    cells = [{"id": str(i), "simulation": s} for i, s in enumerate(captured[::3])]
    return json.dumps({"cells": cells})


def _run(batch: str, memo: str) -> dict[str, Any]:
    env = {**os.environ, "PROVE_SIMULATOR_MEMO": memo}
    proc = subprocess.run([str(NODE), str(SIMULATE)], input=batch, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=True)
    assert proc.stderr == "", proc.stderr  # no warning from the module hooks either
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def runs(batch: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(memoized, plain) answers to the same batch."""
    return _run(batch, "on"), _run(batch, "off")


def test_memoized_and_plain_simulator_give_identical_results(batch: str, runs) -> None:
    memoized, plain = runs
    assert len(plain["results"]) == len(json.loads(batch)["cells"]) > 500
    assert memoized["results"] == plain["results"]
    # Both outcomes occur, so the comparison covers allows and denials.
    assert {r["decision"] for r in plain["results"]} >= {"Allowed", "ImplicitlyDenied", "ExplicitlyDenied"}


def test_the_memoized_run_used_both_stand_ins(runs) -> None:
    memoized, plain = runs
    assert plain["memo"] == {}
    memo = memoized["memo"]
    assert memo.keys() == {"resourceTypes", "caseInsensitive"}
    assert all(count > 0 for count in memo.values()), memo
