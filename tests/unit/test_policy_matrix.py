"""The IAM matrix of the pure policy builders over many configurations, no synthesis.

private_bedrock/tools/prove/builders.py assembles the template shape from the builders' output; every
configuration below x every layer (both, identity alone, endpoint alone) is evaluated by
iam-simulate in one Node process. This is the fast, wide sweep (and what `make mutate`
runs against each mutant of the builders); tests/security proves the synthesized templates.
"""

from __future__ import annotations

from typing import Any

import pytest

from private_bedrock.facts.capabilities import CAPABILITIES
from private_bedrock.config.app_config import load_config
from private_bedrock.tools.prove.builders import builder_template
from private_bedrock.tools.prove.matrix import ALLOW, DENY, LAYERS, Job, RegionMatrix, prove_many, unexpected

ROLE = "arn:aws:iam::111122223333:role/analytics-app"
ALL_ENDPOINTS = ["bedrock", "bedrock-runtime", "bedrock-mantle", "bedrock-agent", "bedrock-agent-runtime"]
ALIAS = "arn:aws:bedrock:us-east-1:111122223333:agent-alias/AGENT12345/ALIAS12345"
KB = "arn:aws:bedrock:us-east-1:111122223333:knowledge-base/KB12345678"
GUARDRAIL = "arn:aws:bedrock:us-west-2:111122223333:guardrail/abc123def456"

# name -> (region, context): each one exercises a branch of the builders.
CONFIGURATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "default-us-east-1": ("us-east-1", {}),
    "default-tokyo": ("ap-northeast-1", {}),
    # Frankfurt has no default (no country profile): the eu. profile is written down.
    "frankfurt-eu-profile": ("eu-central-1", {"runtimeModels": ["eu.amazon.nova-micro-v1:0"], "inferenceScope": "geography"}),
    "api-keys": ("us-east-1", {"allowApiKeys": True}),
    "api-keys-tokyo": ("ap-northeast-1", {"allowApiKeys": True}),
    "deny-mode": ("us-east-1", {"endpointPolicy": "deny"}),
    "agents-extra-principal": ("us-east-1", {"endpoints": ALL_ENDPOINTS, "extraPrincipalArns": [ROLE], "agentAliasArns": [ALIAS], "knowledgeBaseArns": [KB]}),
    # Every capability that goes with bedrock-mantle, and a guardrail enforced where it can be.
    "all-capabilities": ("us-east-1", {"capabilities": [c for c in CAPABILITIES if c != "guardrails"]}),
    "guardrail": ("us-west-2", {"endpoints": ["bedrock", "bedrock-runtime"], "capabilities": ["inference", "streaming", "guardrails"], "guardrailArn": GUARDRAIL, "inferenceScope": "geography", "runtimeModels": ["us.amazon.nova-lite-v1:0"]}),
    "no-mantle": ("us-east-1", {"endpoints": ["bedrock", "bedrock-runtime"]}),
    "runtime-only": ("us-east-1", {"endpoints": ["bedrock-runtime", "bedrock-mantle"]}),
    "two-mantle-models": ("us-east-1", {"mantleModels": ["openai.gpt-oss-20b", "openai.gpt-oss-120b"]}),
    "mixed-models": ("us-east-1", {"runtimeModels": ["amazon.nova-lite-v1:0", "us.amazon.nova-micro-v1:0"], "inferenceScope": "geography"}),
    "global-profile": ("us-east-1", {"runtimeModels": ["global.amazon.nova-micro-v1:0"], "inferenceScope": "global"}),
    # A cost guard: no priority (or reserved) tier, through a profile and on bedrock-mantle.
    "service-tiers": ("ap-northeast-1", {"serviceTiers": ["flex", "default"], "capabilities": ["inference", "streaming", "asyncInvoke"]}),
}


def _config(region: str, context: dict[str, Any]):
    return load_config({"regions": [region], **context}, None).regions[0]


@pytest.fixture(scope="module")
def sweep() -> dict[tuple[str, str], RegionMatrix]:
    jobs = [
        Job(name, region, builder_template(_config(region, ctx)), layer)
        for name, (region, ctx) in CONFIGURATIONS.items()
        for layer in LAYERS
    ]
    return {(m.config, m.layer): m for m in prove_many(jobs)}


def test_every_cell_of_every_configuration_and_layer(sweep) -> None:
    bad = unexpected(sweep.values())
    assert not bad, f"{len(bad)} cell(s) are not what the design promises:\n" + "\n".join(c.describe() for c in bad)
    assert len(sweep) == len(CONFIGURATIONS) * len(LAYERS)


def test_the_sweep_reaches_each_branch(sweep) -> None:
    """Guards the sweep itself: each configuration shows what it is there for."""
    both = {name: sweep[(name, "both")] for name in CONFIGURATIONS}
    assert both["api-keys"].cell("ProbeInVpcRole", "bearer", "own").got == ALLOW
    assert both["default-us-east-1"].cell("ProbeInVpcRole", "bearer", "own").got == DENY
    assert all(c.got == DENY for c in both["deny-mode"].cells if c.path.key == "own")
    assert {"bedrock-agent", "bedrock-agent-runtime"} <= set(both["agents-extra-principal"].deployment.endpoints)
    assert "bedrock-mantle" not in both["no-mantle"].deployment.endpoints
    assert {"mantle-create", "mantle-create-1"} <= {r.key for r in both["two-mantle-models"].requests}
    for name in ("default-tokyo", "frankfurt-eu-profile", "global-profile"):
        assert both[name].cell("ProbeInVpcRole", "invoke-dest", "own").got == ALLOW, name
        assert both[name].cell("ProbeInVpcRole", "invoke-dest-direct", "own").got == DENY, name
    tiers = both["service-tiers"]
    for request in ("invoke", "invoke-tier-default", "responses-tier-default", "mantle-create", "mantle-create-tier-default"):
        assert tiers.cell("ProbeInVpcRole", request, "own").got == ALLOW, request
    for request in ("invoke-tier-priority", "responses-tier-priority", "mantle-create-tier-priority"):
        assert tiers.cell("ProbeInVpcRole", request, "own").got == DENY, request
    assert not [r for r in both["default-us-east-1"].requests if "-tier-" in r.key]
    mixed = both["mixed-models"]
    assert mixed.cell("ProbeInVpcRole", "invoke", "own").got == ALLOW
    assert mixed.cell("ProbeInVpcRole", "invoke-1", "own").got == ALLOW
    assert mixed.cell("ProbeInVpcRole", "invoke-dest-1", "own").got == ALLOW


@pytest.mark.parametrize("layer", LAYERS)
def test_outside_the_endpoints_nothing_of_ours_is_allowed(sweep, layer: str) -> None:
    for (_name, lay), m in sweep.items():
        if lay != layer or layer == "endpoint":
            continue
        for c in m.cells:
            if c.path.key != "own" and c.principal.kind != "admin":
                assert c.got == DENY, c.describe()
