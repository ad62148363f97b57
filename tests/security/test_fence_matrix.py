"""The IAM matrix with the organisation fence's SCPs as one more layer (private_bedrock/tools/prove/fence.py).

The fence is generated in-process from the default configuration plus a break-glass role (no
extra synth: the fence does not change the regional templates), and the policy files of the
session's `cdk synth` are evaluated as well.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from private_bedrock.config.app_config import load_config
from private_bedrock.policies.scp import fence_manifest, fence_policies
from private_bedrock.tools.prove.fence import FenceLayer, load_fence
from private_bedrock.tools.prove.matrix import ALLOW, DENY, RegionMatrix, prove, unexpected
from private_bedrock.tools.prove.report import code

BREAK_GLASS = "arn:aws:iam::123456789012:role/BedrockBreakGlass*"
EXEMPT = "arn:aws:iam::123456789012:role/service-role/BedrockBatchExecution"
NETWORK_SID = "PrivateBedrockFence-1/FenceBedrockOffTheseEndpoints"
OFF_ENDPOINTS = ("foreign", "none", "cfn")
CONSUMER_REQUESTS = {
    "batch-other", "provisioned-other", "app-profile-other", "prompt-router-other", "evaluation-other", "customize-other",
    "model-evaluation-other", "prompt-optimization-other", "provisioned-update-other",
}
UNJUDGED_REQUESTS = {"custom-model-import", "marketplace-endpoint", "connect-ai-prompt"}


def fence_for(extra: dict[str, Any] | None = None, **context: Any) -> FenceLayer:
    # The code's defaults (as the session's synth), plus a break-glass role and an exempt service role.
    config = load_config({"fence": {"breakGlassPrincipalArns": [BREAK_GLASS], "exemptServiceRoleArns": [EXEMPT], **(extra or {})}, **context}, None)
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
    return dataclasses.replace(fence, policies=policies)


def test_every_cell_is_as_designed_under_the_fence(fenced: list[RegionMatrix]) -> None:
    bad = unexpected(fenced)
    assert not bad, "\n".join(c.describe() for c in bad)
    assert all(m.fenced for m in fenced)


def test_every_ungoverned_allow_becomes_a_denial_naming_the_scp(matrices: list[RegionMatrix], fenced: list[RegionMatrix]) -> None:
    opened = [c for m in matrices for c in m.cells if c.got == ALLOW and c.ungoverned]
    assert opened, "the unfenced matrix must have allow† cells for this test to mean anything"
    claude = {"claude-platform": "FenceClaudePlatform", "claude-platform-bearer": "FenceClaudePlatformApiKeys"}
    for c in opened:
        after = region(fenced, c.region).cell(c.principal.key, c.request.key, c.path.key)
        # Claude Platform is not a prefix of the network statement: its own statements refuse it.
        sid = f"/{claude[c.request.key]}" if c.request.key in claude else NETWORK_SID
        assert after.got == DENY and sid in after.reason and code(after) == "deny S!", after.describe()


def test_an_account_admin_is_denied_everything_off_the_endpoints(fenced: list[RegionMatrix]) -> None:
    for m in fenced:
        cells = [c for c in m.cells if c.principal.key == "account admin" and c.path.key in OFF_ENDPOINTS]
        assert cells and m.cell("account admin", "invoke", "own").principal.policies[0][1]["Statement"][0]["Action"] == "*"
        for c in cells:
            assert c.got == DENY and code(c) == "deny S!", c.describe()
        # AgentCore's runtimes, browser and code interpreter: the network statement, every path.
        for key in ("agentcore-runtime", "agentcore-browser", "agentcore-code", "agentcore-gateway", "nova-act"):
            for path in OFF_ENDPOINTS:
                assert NETWORK_SID in m.cell("account admin", key, path).reason, (m.region, key, path)


def test_an_exempt_role_keeps_to_the_models_regions_keys_and_retention(fenced: list[RegionMatrix]) -> None:
    """Exempt from the network statement only: off the endpoints it may call allow-listed
    models, but nothing the other statements refuse (a model outside the list, named by any
    model-consuming action, another region, API keys, Claude Platform, retention)."""
    us = region(fenced, "us-east-1")
    assert us.cell("exempt service role", "invoke", "none").got == ALLOW and code(us.cell("exempt service role", "invoke", "none")) == "allow‡"
    assert us.cell("exempt service role", "batch", "none").got == ALLOW
    # A custom model of its own account passes (its base was judged when customized, or it
    # predates the fence: the README's residual); another account's does not (below).
    assert us.cell("exempt service role", "batch-custom-own", "none").got == ALLOW
    expected_sid = {
        "invoke-other": "FenceModelsWithoutProfile", "mantle-create-other": "FenceMantleModels", "invoke-outside": "FenceBedrockOutsideTheseRegions",
        "bearer": "FenceApiKeys", "claude-platform": "FenceClaudePlatform", "claude-platform-bearer": "FenceClaudePlatformApiKeys",
        "retention-account": "FenceDataRetention", "enforced-guardrail": "FenceDataRetention", "mantle-retention-account": "FenceDataRetention",
        "mantle-project-retention": "FenceProjectDataRetention",
        **{key: "FenceModelConsumers" for key in CONSUMER_REQUESTS},
        "batch-custom-foreign": "FenceForeignCustomModels",
        **{key: "FenceUnjudgedModels" for key in UNJUDGED_REQUESTS},
    }
    for key, sid in expected_sid.items():
        for path in OFF_ENDPOINTS:
            cell = us.cell("exempt service role", key, path)
            assert cell.got == DENY and f"/{sid}" in cell.reason, cell.describe()
    # Tokyo's profile: the destination model through the profile, allowed; without it, refused.
    tokyo = region(fenced, "ap-northeast-1")
    assert tokyo.cell("exempt service role", "invoke-dest", "none").got == ALLOW
    assert "FenceBedrockOutsideTheseRegions" in tokyo.cell("exempt service role", "invoke-dest-direct", "none").reason


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
    the cells the other statements still cover (keys, regions, models, Claude Platform,
    retention: what the design marks fence_refuses) stay denied."""
    matrices = prove({"us-east-1": templates["us-east-1"]}, fence=without(fence, "FenceBedrockOffTheseEndpoints"))
    opened = {(c.principal.key, c.request.key, c.path.key) for c in unexpected(matrices)}
    # async-start names an async-invoke resource, which no model statement's NotResource admits.
    # Mantle CountTokens carries bedrock-mantle:Model, so FenceMantleModels covers it; runtime
    # CountTokens runs no model and is left to the network statement (count-tokens-other opens).
    still_denied = {"bearer", "mantle-bearer", "invoke-outside", "invoke-other", "mantle-create-other", "mantle-count-tokens-other", "async-start"}
    assert still_denied <= {r.key for r in matrices[0].requests if r.fence_refuses}
    requests = {r.key for r in matrices[0].requests if not r.fence_refuses}
    admins = ("same-account admin", "other-account admin", "account admin")
    assert opened == {(a, r, p) for a in admins for r in requests for p in OFF_ENDPOINTS}


@pytest.mark.parametrize(
    "sid, requests",
    [
        ("FenceModelConsumers", CONSUMER_REQUESTS),
        ("FenceForeignCustomModels", {"batch-custom-foreign"}),
        ("FenceDataRetention", {"retention-account", "enforced-guardrail", "mantle-retention-account"}),
        ("FenceProjectDataRetention", {"mantle-project-retention"}),
    ],
)
def test_without_a_model_or_retention_statement_exactly_the_exempt_roles_cells_open(templates: dict[str, dict], fence: FenceLayer, sid: str, requests: set[str]) -> None:
    """Everyone else is still held by the network statement off the endpoints; the exempt
    role is held only by the statement dropped, so exactly its cells open."""
    matrices = prove({"us-east-1": templates["us-east-1"]}, fence=without(fence, sid))
    opened = {(c.principal.key, c.request.key, c.path.key) for c in unexpected(matrices)}
    assert opened == {("exempt service role", r, p) for r in requests for p in OFF_ENDPOINTS}


def test_without_the_unjudged_models_statement_their_cells_open(templates: dict[str, dict], fence: FenceLayer) -> None:
    """The Bedrock ones open for the exempt role only (the network statement holds the rest);
    Amazon Q in Connect is no prefix of the network statement nor of the identity policy's Denies:
    its cell opens for every principal allowed wisdom:* (the broad workload included)."""
    matrices = prove({"us-east-1": templates["us-east-1"]}, fence=without(fence, "FenceUnjudgedModels"))
    opened = {(c.principal.key, c.request.key, c.path.key) for c in unexpected(matrices)}
    principals = ("broad workload", "same-account admin", "other-account admin", "account admin", "exempt service role")
    bedrock = {("exempt service role", r, p) for r in UNJUDGED_REQUESTS - {"connect-ai-prompt"} for p in OFF_ENDPOINTS}
    assert opened == bedrock | {(a, "connect-ai-prompt", p) for a in principals for p in OFF_ENDPOINTS}


def test_without_the_claude_platform_statement_every_admin_reaches_it(templates: dict[str, dict], fence: FenceLayer) -> None:
    matrices = prove({"us-east-1": templates["us-east-1"]}, fence=without(fence, "FenceClaudePlatform"))
    opened = {(c.principal.key, c.request.key, c.path.key) for c in unexpected(matrices)}
    # Its API keys stay denied (FenceApiKeys); roles carrying the identity policy stay denied by it.
    principals = ("same-account admin", "other-account admin", "account admin", "exempt service role")
    assert opened == {(a, "claude-platform", p) for a in principals for p in OFF_ENDPOINTS}


def test_claude_platform_opens_for_the_named_role_only(templates: dict[str, dict]) -> None:
    named = "arn:aws:iam::111122223333:role/BedrockAdmin"  # the matrix's same-account admin
    layer = fence_for(claudePlatform={"enabled": True, "principalArns": [named]})
    (m,) = prove({"us-east-1": templates["us-east-1"]}, fence=layer)
    opened = {(c.principal.key, c.request.key, c.path.key) for c in m.unexpected()}
    assert opened == {("same-account admin", "claude-platform", p) for p in OFF_ENDPOINTS}
    # Its API keys are still refused, and so is everyone else.
    assert "/FenceClaudePlatformApiKeys" in m.cell("same-account admin", "claude-platform-bearer", "none").reason
    assert "FenceClaudePlatform" in m.cell("other-account admin", "claude-platform", "none").reason


def test_claude_platform_api_keys_stay_denied_where_a_region_allows_api_keys(templates: dict[str, dict]) -> None:
    """allowApiKeys makes FenceApiKeys conditional on our endpoints; Claude Platform's keys never
    travel through them, so their own statement stays unconditional, for the named role too."""
    named = "arn:aws:iam::111122223333:role/BedrockAdmin"  # the matrix's same-account admin
    layer = fence_for(claudePlatform={"enabled": True, "principalArns": [named]}, regionOverrides={"us-east-1": {"allowApiKeys": True}})
    api_keys = next(st for _, doc in layer.policies for st in doc["Statement"] if st["Sid"] == "FenceApiKeys")
    assert "StringNotEquals" in api_keys["Condition"], "the hypothesis needs FenceApiKeys in its conditional form"
    (m,) = prove({"us-east-1": templates["us-east-1"]}, fence=layer)
    for path in ("own", *OFF_ENDPOINTS):
        cell = m.cell("same-account admin", "claude-platform-bearer", path)
        assert cell.got == DENY and (path == "own" or "/FenceClaudePlatformApiKeys" in cell.reason), cell.describe()
    # Drop the statement and exactly the named role's Claude Platform API-key cells open off the endpoints.
    (loose,) = prove({"us-east-1": templates["us-east-1"]}, fence=without(layer, "FenceClaudePlatformApiKeys"))
    opened = {(c.principal.key, c.request.key, c.path.key) for c in loose.unexpected()}
    assert opened == {("same-account admin", r, p) for r in ("claude-platform", "claude-platform-bearer") for p in OFF_ENDPOINTS}


def test_without_the_break_glass_exemption_break_glass_is_denied(templates: dict[str, dict], fence: FenceLayer) -> None:
    no_exemption = dataclasses.replace(
        fence, policies=tuple((n, json.loads(json.dumps(d).replace(BREAK_GLASS, "arn:aws:iam::123456789012:role/SomeoneElse"))) for n, d in fence.policies)
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
