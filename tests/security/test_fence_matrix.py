"""The IAM matrix with the organisation fence's SCPs as one more layer (tools/prove/fence.py).

The fence is generated in-process from the default configuration plus a break-glass role (no
extra synth: the fence does not change the regional templates), and the policy files of the
session's `cdk synth` are evaluated as well.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stacks.config.app_config import load_config
from stacks.policies.scp import fence_manifest, fence_policies
from tools.prove.fence import FenceLayer, load_fence
from tools.prove.matrix import ALLOW, DENY, RegionMatrix, prove, unexpected
from tools.prove.report import code

BREAK_GLASS = "arn:aws:iam::123456789012:role/BedrockBreakGlass*"
NETWORK_SID = "PrivateBedrockFence-1/FenceBedrockOffTheseEndpoints"


def fence_for(extra: dict[str, Any] | None = None) -> FenceLayer:
    # The code's defaults (as the session's synth), plus a break-glass role.
    config = load_config({"fence": {"breakGlassPrincipalArns": [BREAK_GLASS], **(extra or {})}}, None)
    policies = fence_policies(config)
    return FenceLayer.from_manifest(fence_manifest(config, policies), {p.name: p.document for p in policies})


@pytest.fixture(scope="module")
def fence() -> FenceLayer:
    return fence_for()


@pytest.fixture(scope="module")
def fenced(templates: dict[str, dict], fence: FenceLayer) -> list[RegionMatrix]:
    return prove(templates, fence=fence)


def region(matrices: list[RegionMatrix], name: str) -> RegionMatrix:
    return next(m for m in matrices if m.region == name)


def without(fence: FenceLayer, sid: str) -> FenceLayer:
    policies = tuple((name, {**doc, "Statement": [s for s in doc["Statement"] if s["Sid"] != sid]}) for name, doc in fence.policies)
    return FenceLayer(policies, fence.endpoint_ids, fence.regions, fence.break_glass_principal_arns)


def test_every_cell_is_as_designed_under_the_fence(fenced: list[RegionMatrix]) -> None:
    bad = unexpected(fenced)
    assert not bad, "\n".join(c.describe() for c in bad)
    assert all(m.fenced for m in fenced)


def test_every_ungoverned_allow_becomes_a_denial_naming_the_scp(matrices: list[RegionMatrix], fenced: list[RegionMatrix]) -> None:
    # AgentCore gateway tools are outside the org fence by design (tools/prove/requests.py).
    opened = [c for m in matrices for c in m.cells if c.got == ALLOW and c.ungoverned and c.request.org_fenced]
    assert opened, "the unfenced matrix must have allow† cells for this test to mean anything"
    for c in opened:
        after = region(fenced, c.region).cell(c.principal.key, c.request.key, c.path.key)
        assert after.got == DENY and NETWORK_SID in after.reason and code(after) == "deny S!", after.describe()


def test_the_workloads_allowed_cells_stay_allowed(matrices: list[RegionMatrix], fenced: list[RegionMatrix]) -> None:
    def allowed(ms: list[RegionMatrix]) -> set[tuple[str, str, str, str]]:
        return {(c.region, c.principal.key, c.request.key, c.path.key) for m in ms for c in m.cells if c.got == ALLOW and c.principal.kind == "workload"}

    assert allowed(fenced) == allowed(matrices) and allowed(matrices)


def test_break_glass_is_allowed_everywhere_off_our_endpoints(fenced: list[RegionMatrix]) -> None:
    for m in fenced:
        cells = [c for c in m.cells if c.principal.kind == "breakglass"]
        assert cells and cells[0].principal.role_arn == "arn:aws:iam::123456789012:role/BedrockBreakGlassx"
        for c in cells:
            # Through our endpoints the endpoint policy still names only the workloads.
            assert c.got == (DENY if c.path.key == "own" else ALLOW), c.describe()
            assert c.got == DENY or code(c) == "allow‡"


def test_api_keys_other_regions_and_cross_region_profiles(fenced: list[RegionMatrix]) -> None:
    us = region(fenced, "us-east-1")
    for request in ("bearer", "mantle-bearer"):
        cell = us.cell("same-account admin", request, "own")
        assert cell.got == DENY and "PrivateBedrockFence-1/FenceApiKeys" in cell.reason, cell.describe()
    outside = us.cell("same-account admin", "invoke-outside", "none")
    assert outside.got == DENY and "FenceBedrockOutsideTheseRegions" in outside.reason and "eu-west-3" in outside.request.label
    tokyo = region(fenced, "ap-northeast-1")
    # The apac profile's destination model in another region, through the profile: allowed.
    assert tokyo.cell("ProbeInVpcRole", "invoke-dest", "own").got == ALLOW
    direct = tokyo.cell("ProbeInVpcRole", "invoke-dest-direct", "own")
    assert direct.got == DENY and "FenceBedrockOutsideTheseRegions" in direct.reason
    # Models outside the allow lists are refused by the fence as well as by our policies.
    assert "FenceModelsWithoutProfile" in us.cell("ProbeInVpcRole", "invoke-other", "own").reason
    assert "FenceMantleModels" in us.cell("ProbeInVpcRole", "mantle-create-other", "own").reason


def test_without_the_network_statement_exactly_the_uncovered_admin_cells_open(templates: dict[str, dict], fence: FenceLayer) -> None:
    """The fence has teeth: drop its network statement and the matrix names each cell it opens;
    the cells the other statements still cover (keys, regions, models) stay denied."""
    matrices = prove({"us-east-1": templates["us-east-1"]}, fence=without(fence, "FenceBedrockOffTheseEndpoints"))
    opened = {(c.principal.key, c.request.key, c.path.key) for c in unexpected(matrices)}
    # async-start names an async-invoke resource, which no model statement's NotResource admits.
    # Mantle CountTokens carries bedrock-mantle:Model, so FenceMantleModels covers it; runtime
    # CountTokens runs no model and is left to the network statement (count-tokens-other opens).
    still_denied = {"bearer", "mantle-bearer", "invoke-outside", "invoke-other", "mantle-create-other", "mantle-count-tokens-other", "async-start"}
    requests = {r.key for r in matrices[0].requests if r.org_fenced}
    off_endpoints = ("foreign", "none", "cfn")
    assert opened == {(a, r, p) for a in ("same-account admin", "other-account admin") for r in requests - still_denied for p in off_endpoints}


def test_without_the_break_glass_exemption_break_glass_is_denied(templates: dict[str, dict], fence: FenceLayer) -> None:
    no_exemption = FenceLayer(
        tuple((n, json.loads(json.dumps(d).replace(BREAK_GLASS, "arn:aws:iam::123456789012:role/SomeoneElse"))) for n, d in fence.policies),
        fence.endpoint_ids, fence.regions, fence.break_glass_principal_arns,
    )
    matrices = prove({"us-east-1": templates["us-east-1"]}, fence=no_exemption)
    opened = {(c.principal.key, c.path.key) for c in unexpected(matrices)}
    assert opened == {("break-glass admin", path) for path in ("foreign", "none", "cfn")}


def test_the_synthesized_policy_files_evaluate_as_designed(templates: dict[str, dict], cdk_out: Path) -> None:
    """`make synth` wrote cdk.out/scp/ with placeholders; the matrix maps them to its endpoints."""
    layer = load_fence(cdk_out)
    assert layer is not None and [name for name, _ in layer.policies] == ["PrivateBedrockFence-1"]
    matrices = prove(templates, fence=layer)
    assert not unexpected(matrices)
    admin = region(matrices, "us-east-1").cell("same-account admin", "invoke", "none")
    assert admin.got == DENY and NETWORK_SID in admin.reason
