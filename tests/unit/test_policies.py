"""The pure policy builders, asserted as data (statements), not as template text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from private_bedrock.facts.capabilities import CAPABILITIES
from private_bedrock.config.app_config import load_config
from private_bedrock.policies import SERVER_SIDE_TOOL_ACTIONS, endpoint_policy, grants_for, identity_policy_chars, source_vpce_policy

IAM_DATA = Path(__file__).resolve().parents[2] / "node_modules" / "@cloud-copilot" / "iam-data" / "data"
ACCOUNT = "111122223333"
PROBE = "arn:aws:iam::111122223333:role/probe"
IDS = {"bedrock": "vpce-0b", "bedrock-runtime": "vpce-0r", "bedrock-mantle": "vpce-0m", "bedrock-agent": "vpce-0a", "bedrock-agent-runtime": "vpce-0ar"}
ALIAS = "arn:aws:bedrock:us-east-1:111122223333:agent-alias/AGENT12345/ALIAS12345"
KB = "arn:aws:bedrock:us-east-1:111122223333:knowledge-base/KB12345678"
GUARDRAIL = "arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123def456"
ALL_ENDPOINTS = ["bedrock", "bedrock-runtime", "bedrock-mantle", "bedrock-agent", "bedrock-agent-runtime"]
# Every capability that can go together with bedrock-mantle (guardrails needs mantle off).
ALL_BUT_GUARDRAILS = [c for c in CAPABILITIES if c != "guardrails"]


def cfg(**ctx):
    """What the grants need (BedrockAccess) for the app's settings `ctx` in us-east-1."""
    return load_config({"regions": ["us-east-1"], **ctx}, ACCOUNT).regions[0].access


def by_sid(policy: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in policy["Statement"]}


def as_list(value) -> list:
    return [value] if isinstance(value, str) else list(value)


def allowed_actions(service: str, c) -> set[str]:
    return {a for g in grants_for(service, c, ACCOUNT) for a in g.actions}


def test_runtime_endpoint_allows_only_the_configured_model_for_our_principals() -> None:
    policy = endpoint_policy("bedrock-runtime", cfg(), ACCOUNT, [PROBE])
    allow = by_sid(policy)["InvokeConfiguredModels"]
    assert allow["Effect"] == "Allow" and allow["Principal"] == "*"
    assert allow["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert allow["Resource"] == "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"
    assert allow["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [PROBE]}}
    deny = by_sid(policy)["DenyBearerTokens"]
    assert (deny["Effect"], deny["Action"], deny["Resource"]) == ("Deny", "bedrock:CallWithBearerToken", "*")


def test_no_allow_statement_has_a_wildcard_action() -> None:
    c = cfg(endpoints=ALL_ENDPOINTS, capabilities=ALL_BUT_GUARDRAILS, agentAliasArns=[ALIAS], knowledgeBaseArns=[KB])
    policies = [endpoint_policy(s, c, ACCOUNT, [PROBE]) for s in c.services]
    policies.append(source_vpce_policy(c, ACCOUNT, IDS))
    for policy in policies:
        for st in policy["Statement"]:
            # Wildcards only ever widen a Deny.
            assert st["Effect"] == "Deny" or all("*" not in a for a in as_list(st["Action"])), st


def documented_spelling(prefix: str) -> dict[str, str]:
    """lower-case -> the IAM reference's spelling of every action of `prefix` (iam-data)."""
    actions = json.loads((IAM_DATA / "actions" / f"{prefix}.json").read_text())
    return {k: v["name"] for k, v in actions.items()}


def test_every_action_any_configuration_names_is_spelled_as_the_iam_reference_spells_it() -> None:
    """IAM matches actions case-insensitively, so a mis-cased action would still work; the
    policies (and the reviews, lints and diffs that read them) use the documented spelling."""
    everything = cfg(endpoints=ALL_ENDPOINTS, capabilities=ALL_BUT_GUARDRAILS, agentAliasArns=[ALIAS], knowledgeBaseArns=[KB], allowApiKeys=True)
    guarded = cfg(endpoints=["bedrock", "bedrock-runtime"], capabilities=["inference", "streaming", "guardrails"], guardrailArn=GUARDRAIL)
    named = set(SERVER_SIDE_TOOL_ACTIONS)
    for c in (everything, guarded, cfg(), cfg(endpointPolicy="deny")):
        policies = [endpoint_policy(s, c, ACCOUNT, [PROBE]) for s in c.services] + [source_vpce_policy(c, ACCOUNT, IDS)]
        named |= {a for p in policies for st in p["Statement"] for a in as_list(st["Action"])}
    assert "bedrock:ApplyGuardrail" in named and "bedrock:GetAgent" in named
    for action in named:
        prefix, _, verb = action.partition(":")
        if verb == "*":
            continue
        assert documented_spelling(prefix).get(verb.lower()) == verb, action
    assert {"InvokeSearch", "InvokeFetch", "ExternalWebAccess"} <= set(documented_spelling("bedrock-websearch").values())


def test_mantle_inference_is_limited_to_configured_models() -> None:
    policy = endpoint_policy("bedrock-mantle", cfg(mantleModels=["openai.gpt-oss-20b"]), ACCOUNT, [PROBE])
    st = by_sid(policy)["CreateInferenceConfiguredModels"]
    assert st["Action"] == "bedrock-mantle:CreateInference"
    assert st["Resource"] == "arn:aws:bedrock-mantle:us-east-1:111122223333:project/*"
    assert st["Condition"]["StringEquals"] == {"bedrock-mantle:Model": ["openai.gpt-oss-20b"]}
    assert by_sid(policy)["DenyBearerTokens"]["Action"] == "bedrock-mantle:CallWithBearerToken"


def test_control_plane_endpoint_allows_only_the_probe_read() -> None:
    policy = endpoint_policy("bedrock", cfg(), ACCOUNT, [PROBE])
    assert by_sid(policy)["ListFoundationModels"] == {
        "Sid": "ListFoundationModels", "Effect": "Allow", "Principal": "*", "Action": "bedrock:ListFoundationModels", "Resource": "*",
        "Condition": {"ArnEquals": {"aws:PrincipalArn": [PROBE]}},
    }
    with pytest.raises(ValueError, match=r"^no grants defined for service 'bedrock-foo'$"):
        grants_for("bedrock-foo", cfg(), ACCOUNT)
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert [s["Action"] for s in allows] == ["bedrock:ListFoundationModels"]
    assert "DenyServerSideTools" not in by_sid(policy)  # no tool starts through the control plane


def test_api_keys_opt_in_allows_bearer_for_our_principals_only() -> None:
    policy = endpoint_policy("bedrock-runtime", cfg(allowApiKeys=True), ACCOUNT, [PROBE])
    st = by_sid(policy)["AllowBearerTokens"]
    assert st["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [PROBE]}}
    assert "DenyBearerTokens" not in by_sid(policy)


def test_api_keys_opt_in_allows_bearer_in_the_identity_policy_only_through_each_endpoint() -> None:
    """The Allow carries its own aws:SourceVpce condition (issue 15: losing it was caught by
    no test, since the fence Deny still refuses off the endpoints)."""
    policy = source_vpce_policy(cfg(allowApiKeys=True), ACCOUNT, IDS)
    bearer = [s for s in policy["Statement"] if s["Sid"].endswith("BearerTokens") and s["Effect"] == "Allow"]
    # Claude Platform's keys never come through these endpoints: still denied.
    assert by_sid(policy)["DenyBearerTokens"] == {"Sid": "DenyBearerTokens", "Effect": "Deny", "Action": "aws-external-anthropic:CallWithBearerToken", "Resource": "*"}
    assert bearer == [
        {"Sid": f"{name}BearerTokens", "Effect": "Allow", "Action": action, "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": IDS[service]}}}
        for name, service, action in (
            ("Bedrock", "bedrock", "bedrock:CallWithBearerToken"),
            ("BedrockRuntime", "bedrock-runtime", "bedrock:CallWithBearerToken"),
            ("BedrockMantle", "bedrock-mantle", "bedrock-mantle:CallWithBearerToken"),
        )
    ]


def test_deny_mode_denies_everything_the_grants_name() -> None:
    policy = endpoint_policy("bedrock-runtime", cfg(endpointPolicy="deny"), ACCOUNT, [PROBE])
    assert policy["Statement"] == [
        {
            "Sid": "DenyAllThroughThisEndpoint",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["bedrock:CallWithBearerToken", "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": "*",
        }
    ]


def test_identity_policy_allows_each_grant_only_through_its_own_endpoint() -> None:
    policy = source_vpce_policy(cfg(), ACCOUNT, IDS)
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert allows, "no Allow statements"
    for st in allows:
        service = {"Bedrock": "bedrock", "BedrockRuntime": "bedrock-runtime", "BedrockMantle": "bedrock-mantle"}[
            next(p for p in ("BedrockRuntime", "BedrockMantle", "Bedrock") if st["Sid"].startswith(p))
        ]
        assert st["Condition"]["StringEquals"]["aws:SourceVpce"] == IDS[service], st
    deny = by_sid(policy)["DenyBedrockOutsideThisDeploymentsEndpoints"]
    # No exemption for services acting on the caller's behalf (aws:ViaAWSService): the only
    # condition is the endpoint ids (issue 9, section 1).
    assert deny["Condition"] == {"StringNotEquals": {"aws:SourceVpce": ["vpce-0b", "vpce-0r", "vpce-0m"]}}
    # Every Bedrock action is fenced, not only the granted ones.
    # All of AgentCore and Nova Act too (runtimes, browser, code interpreter, gateways, browser agents: none is granted).
    assert deny["Action"] == ["bedrock:*", "bedrock-mantle:*", "bedrock-agentcore:*", "nova-act:*"] and deny["Resource"] == "*"
    assert by_sid(policy)["DenyBearerTokens"] == {
        "Sid": "DenyBearerTokens", "Effect": "Deny", "Action": ["aws-external-anthropic:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken", "bedrock:CallWithBearerToken"], "Resource": "*"
    }


PROFILE = "arn:aws:bedrock:ap-northeast-1:111122223333:inference-profile/jp.anthropic.claude-sonnet-4-5-20250929-v1:0"


def test_cross_region_profile_grants_the_model_in_every_region_only_via_the_profile() -> None:
    c = load_config(
        {"regions": ["ap-northeast-1"], "inferenceScope": "geography", "runtimeModels": ["jp.anthropic.claude-sonnet-4-5-20250929-v1:0"]},
        ACCOUNT,
    ).regions[0].access
    grants = {g.sid: g for g in grants_for("bedrock-runtime", c, ACCOUNT)}
    assert grants["InvokeConfiguredModels"].resources == (PROFILE,)
    via = grants["InvokeThroughProfiles"]
    # Complete by construction: whatever destinations AWS adds to the profile.
    assert via.resources == ("arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",)
    assert via.conditions == {"StringEquals": {"bedrock:InferenceProfileArn": [PROFILE]}}
    # The same grants reach the endpoint policy and the identity policy.
    ep = by_sid(endpoint_policy("bedrock-runtime", c, ACCOUNT, [PROBE]))["InvokeThroughProfiles"]
    assert ep["Resource"] == via.resources[0]
    assert ep["Condition"]["StringEquals"] == {"bedrock:InferenceProfileArn": [PROFILE]}
    ident = by_sid(source_vpce_policy(c, ACCOUNT, IDS))["BedrockRuntimeInvokeThroughProfiles"]
    assert ident["Resource"] == via.resources[0]
    assert ident["Condition"]["StringEquals"] == {"bedrock:InferenceProfileArn": [PROFILE], "aws:SourceVpce": "vpce-0r"}


def test_global_profile_grants_the_regionless_and_any_region_model_arns() -> None:
    c = cfg(inferenceScope="global", runtimeModels=["global.amazon.nova-micro-v1:0"])
    via = {g.sid: g for g in grants_for("bedrock-runtime", c, ACCOUNT)}["InvokeThroughProfiles"]
    assert via.resources == (
        "arn:aws:bedrock:::foundation-model/amazon.nova-micro-v1:0",
        "arn:aws:bedrock:*::foundation-model/amazon.nova-micro-v1:0",
    )


def test_mixed_in_region_and_profile_models() -> None:
    c = cfg(inferenceScope="geography", runtimeModels=["amazon.nova-micro-v1:0", "us.amazon.nova-lite-v1:0"])
    grants = {g.sid: g for g in grants_for("bedrock-runtime", c, ACCOUNT)}
    assert grants["InvokeConfiguredModels"].resources == (
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0",
        "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.amazon.nova-lite-v1:0",
    )
    assert grants["InvokeThroughProfiles"].resources == ("arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0",)
    assert set(grants) == {"InvokeConfiguredModels", "InvokeThroughProfiles", "RespondWithConfiguredModels"}


def test_profile_grants_shrink_the_identity_policy() -> None:
    """One wildcard ARN per profile model instead of one ARN per destination region."""
    models = [f"apac.amazon.nova-{m}-v1:0" for m in ("micro", "lite", "pro", "premier", "sonic", "canvas")]
    c = load_config({"regions": ["ap-northeast-1"], "inferenceScope": "geography", "runtimeModels": models}, None).regions[0].access
    assert identity_policy_chars(c) < 5000


# Real-length ids (vpce- and 17 hex digits), as the deployed policy carries once CDK resolves them.
DEPLOYED_IDS = {s: f"vpce-0{n}{'0123456789abcdef'[n] * 15}" for n, s in enumerate(ALL_ENDPOINTS)}


@pytest.mark.parametrize(
    "context",
    [
        {},
        {"allowApiKeys": True, "endpoints": ALL_ENDPOINTS, "capabilities": ALL_BUT_GUARDRAILS, "agentAliasArns": [ALIAS], "knowledgeBaseArns": [KB]},
        {"inferenceScope": "geography", "runtimeModels": ["amazon.nova-micro-v1:0", "us.amazon.nova-lite-v1:0"]},
    ],
    ids=["default", "everything", "profiles"],
)
def test_the_size_estimate_is_the_deployed_policys_length_as_iam_counts_it(context: dict) -> None:
    """The 6,144-character refusal relies on this figure: the deployed document (a 12-digit
    account, real-length endpoint ids) serialized without whitespace, to the character."""
    c = cfg(**context)
    deployed = source_vpce_policy(c, "444455556666", {s: DEPLOYED_IDS[s] for s in c.services})
    assert all(len(i) == 22 for i in DEPLOYED_IDS.values())
    assert identity_policy_chars(c) == len(json.dumps(deployed, separators=(",", ":")))


def test_responses_on_bedrock_runtime_grant_the_default_project_for_the_allow_listed_models() -> None:
    c = load_config({"regions": ["ap-northeast-1"], "inferenceScope": "geography", "runtimeModels": ["jp.anthropic.claude-sonnet-4-5-20250929-v1:0"]}, ACCOUNT).regions[0].access
    grant = {g.sid: g for g in grants_for("bedrock-runtime", c, ACCOUNT)}["RespondWithConfiguredModels"]
    assert grant.actions == ("bedrock:InvokeModel",)
    # Only the default project, not project/*.
    assert grant.resources == ("arn:aws:bedrock:ap-northeast-1:111122223333:project/default",)
    # bedrock:ModelArn is the profile the request named, never a destination model.
    assert grant.conditions == {"ArnLike": {"bedrock:ModelArn": [PROFILE]}}


def test_service_tiers_restrict_every_tier_carrying_grant_and_nothing_else() -> None:
    c = load_config({"regions": ["ap-northeast-1"], "serviceTiers": ["flex", "default"], "capabilities": ["inference", "streaming", "asyncInvoke", "countTokens"]}, ACCOUNT).regions[0].access
    assert c.service_tiers == ("default", "flex")  # the table's order, whatever the user's
    runtime = {g.sid: g for g in grants_for("bedrock-runtime", c, ACCOUNT)}
    mantle = {g.sid: g for g in grants_for("bedrock-mantle", c, ACCOUNT)}
    tiered = {"InvokeConfiguredModels", "InvokeThroughProfiles", "RespondWithConfiguredModels", "StartAsyncInvokes"}
    for sid, g in runtime.items():
        expected = {"bedrock:ServiceTier": ["default", "flex"]} if sid in tiered else None
        assert g.conditions.get("StringEqualsIfExists") == expected, sid
    for sid, g in mantle.items():
        expected = {"bedrock-mantle:ServiceTier": ["default", "flex"]} if sid == "CreateInferenceConfiguredModels" else None
        assert g.conditions.get("StringEqualsIfExists") == expected, sid
    # Without the setting, no tier condition anywhere.
    plain = load_config({"regions": ["ap-northeast-1"]}, ACCOUNT).regions[0].access
    for service in ("bedrock-runtime", "bedrock-mantle"):
        assert all("StringEqualsIfExists" not in g.conditions for g in grants_for(service, plain, ACCOUNT))


# --- capabilities ----------------------------------------------------------------------------

# capability -> (service, actions it adds) beyond the default inference + streaming.
ADDED = {
    "countTokens": {("bedrock-runtime", "bedrock:CountTokens"), ("bedrock-mantle", "bedrock-mantle:CountTokens")},
    "asyncInvoke": {("bedrock-runtime", "bedrock:GetAsyncInvoke"), ("bedrock-runtime", "bedrock:ListAsyncInvokes")},
    "storedResponses": {
        ("bedrock-runtime", "bedrock:GetInvoke"), ("bedrock-runtime", "bedrock:CancelInvoke"), ("bedrock-runtime", "bedrock:DeleteInvoke"),
        ("bedrock-mantle", "bedrock-mantle:GetInference"), ("bedrock-mantle", "bedrock-mantle:CancelInference"), ("bedrock-mantle", "bedrock-mantle:DeleteInference"),
    },
    "serverSideTools": {("bedrock-runtime", "bedrock:InvokeTool"), ("bedrock-mantle", "bedrock-websearch:InvokeSearch"), ("bedrock-mantle", "bedrock-websearch:InvokeFetch")},
    "bidirectionalStreaming": set(),  # authorized as bedrock:InvokeModel, already granted
}


def pairs(c) -> set[tuple[str, str]]:
    return {(s, a) for s in ("bedrock-runtime", "bedrock-mantle") for a in allowed_actions(s, c)}


@pytest.mark.parametrize("capability", sorted(ADDED))
def test_each_capability_adds_exactly_its_actions(capability: str) -> None:
    assert pairs(cfg(capabilities=["inference", "streaming", capability])) - pairs(cfg()) == ADDED[capability]


def test_default_capabilities_are_inference_and_streaming_only() -> None:
    assert cfg().capabilities == ("inference", "streaming")
    assert pairs(cfg()) == {
        ("bedrock-runtime", "bedrock:InvokeModel"), ("bedrock-runtime", "bedrock:InvokeModelWithResponseStream"),
        ("bedrock-mantle", "bedrock-mantle:CreateInference"), ("bedrock-mantle", "bedrock-mantle:ListModels"), ("bedrock-mantle", "bedrock-mantle:GetModel"),
    }


def test_without_streaming_no_stream_action_is_granted() -> None:
    assert "bedrock:InvokeModelWithResponseStream" not in allowed_actions("bedrock-runtime", cfg(capabilities=["inference"]))


def test_async_invoke_grants_only_this_accounts_async_invocations_in_the_region() -> None:
    grants = {g.sid: g for g in grants_for("bedrock-runtime", cfg(capabilities=["inference", "asyncInvoke"]), ACCOUNT)}
    assert grants["StartAsyncInvokes"].actions == ("bedrock:InvokeModel",)
    assert grants["StartAsyncInvokes"].resources == grants["ReadAsyncInvokes"].resources == ("arn:aws:bedrock:us-east-1:111122223333:async-invoke/*",)


def test_stored_responses_are_limited_to_the_default_project() -> None:
    grants = {g.sid: g for g in grants_for("bedrock-runtime", cfg(capabilities=["inference", "storedResponses"]), ACCOUNT)}
    assert grants["ManageStoredResponses"].resources == ("arn:aws:bedrock:us-east-1:111122223333:project/default",)


def test_guardrail_is_required_on_every_runtime_inference_grant() -> None:
    c = cfg(endpoints=["bedrock", "bedrock-runtime"], capabilities=["inference", "streaming", "guardrails"], guardrailArn=GUARDRAIL, inferenceScope="geography", runtimeModels=["us.amazon.nova-lite-v1:0"])
    grants = {g.sid: g for g in grants_for("bedrock-runtime", c, ACCOUNT)}
    required = {"bedrock:GuardrailIdentifier": [GUARDRAIL, GUARDRAIL + ":*"]}
    for sid in ("InvokeConfiguredModels", "InvokeThroughProfiles"):
        assert grants[sid].conditions["ArnLike"] == required, sid
    # The project grant too (Responses, and any route authorized on the project alone), beside its
    # model condition: no inference grant runs without the guardrail.
    respond = grants["RespondWithConfiguredModels"].conditions["ArnLike"]
    assert respond == {"bedrock:ModelArn": [f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-lite-v1:0"], **required}
    assert grants["ApplyConfiguredGuardrail"].actions == ("bedrock:ApplyGuardrail",)
    assert grants["ApplyConfiguredGuardrail"].resources == (GUARDRAIL,)
    ep = by_sid(endpoint_policy("bedrock-runtime", c, ACCOUNT, [PROBE]))["InvokeConfiguredModels"]
    assert ep["Condition"]["ArnLike"] == required


def test_server_side_tools_are_denied_in_both_layers_by_default() -> None:
    c = cfg()
    for service in ("bedrock-runtime", "bedrock-mantle"):
        deny = by_sid(endpoint_policy(service, c, ACCOUNT, [PROBE]))["DenyServerSideTools"]
        assert (deny["Effect"], deny["Principal"], deny["Resource"]) == ("Deny", "*", "*")
        # Each endpoint names the tool actions a request through it can be authorized for.
        expected = [a for a in SERVER_SIDE_TOOL_ACTIONS if service == "bedrock-runtime" or not a.startswith("bedrock:")]
        assert deny["Action"] == expected
    deny = by_sid(source_vpce_policy(c, ACCOUNT, IDS))["DenyServerSideTools"]
    assert deny["Action"] == list(SERVER_SIDE_TOOL_ACTIONS) and "Condition" not in deny
    assert {"bedrock-websearch:*", "bedrock-agentcore:InvokeGateway"} <= set(SERVER_SIDE_TOOL_ACTIONS)


def test_server_side_tools_capability_keeps_the_live_web_denied_unless_asked() -> None:
    tools = cfg(capabilities=["inference", "serverSideTools"])
    assert by_sid(source_vpce_policy(tools, ACCOUNT, IDS))["DenyServerSideTools"]["Action"] == "bedrock-websearch:ExternalWebAccess"
    assert by_sid(endpoint_policy("bedrock-mantle", tools, ACCOUNT, [PROBE]))["DenyServerSideTools"]["Action"] == "bedrock-websearch:ExternalWebAccess"
    web = cfg(capabilities=["inference", "serverSideTools", "externalWebAccess"])
    assert "DenyServerSideTools" not in by_sid(source_vpce_policy(web, ACCOUNT, IDS))
    grant = {g.sid: g for g in grants_for("bedrock-mantle", web, ACCOUNT)}["UseWebSearch"]
    assert grant.resources == ("arn:aws:bedrock-websearch:us-east-1:aws:tool/*",)


def test_agents_are_granted_only_by_their_configured_arns() -> None:
    c = cfg(endpoints=ALL_ENDPOINTS, agentAliasArns=[ALIAS], knowledgeBaseArns=[KB])
    runtime = {g.sid: g for g in grants_for("bedrock-agent-runtime", c, ACCOUNT)}
    assert runtime["InvokeConfiguredAgents"].resources == (ALIAS,)
    assert runtime["RetrieveFromConfiguredKnowledgeBases"].resources == (KB,)
    reads = {g.sid: g for g in grants_for("bedrock-agent", c, ACCOUNT)}
    assert reads["ReadConfiguredAgents"].resources == ("arn:aws:bedrock:us-east-1:111122223333:agent/AGENT12345",)
    assert reads["ReadConfiguredKnowledgeBases"].resources == (KB,)
    every = [r for s in ("bedrock-agent", "bedrock-agent-runtime") for g in grants_for(s, c, ACCOUNT) for r in g.resources]
    assert not any(r.endswith("/*") for r in every), every


def test_runtime_grants_of_every_capability_as_data() -> None:
    c = cfg(capabilities=ALL_BUT_GUARDRAILS)
    model = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"
    project = ("arn:aws:bedrock:us-east-1:111122223333:project/default",)
    async_invokes = ("arn:aws:bedrock:us-east-1:111122223333:async-invoke/*",)
    grants = [(g.sid, g.actions, g.resources, dict(g.conditions)) for g in grants_for("bedrock-runtime", c, ACCOUNT)]
    assert grants == [
        ("InvokeConfiguredModels", ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"), (model,), {}),
        ("RespondWithConfiguredModels", ("bedrock:InvokeModel",), project, {"ArnLike": {"bedrock:ModelArn": [model]}}),
        ("CountTokensConfiguredModels", ("bedrock:CountTokens",), (model,), {}),
        ("StartAsyncInvokes", ("bedrock:InvokeModel",), async_invokes, {}),
        ("ReadAsyncInvokes", ("bedrock:GetAsyncInvoke",), async_invokes, {}),
        ("ListAsyncInvokes", ("bedrock:ListAsyncInvokes",), ("*",), {}),
        ("ManageStoredResponses", ("bedrock:GetInvoke", "bedrock:CancelInvoke", "bedrock:DeleteInvoke"), project, {}),
        ("InvokeSystemTools", ("bedrock:InvokeTool",), ("arn:aws:bedrock::111122223333:system-tool/*",), {}),
    ]


def test_mantle_grants_of_every_capability_as_data() -> None:
    c = cfg(capabilities=ALL_BUT_GUARDRAILS, mantleModels=["openai.gpt-oss-20b", "openai.gpt-oss-120b"])
    project = ("arn:aws:bedrock-mantle:us-east-1:111122223333:project/*",)
    models = {"StringEquals": {"bedrock-mantle:Model": ["openai.gpt-oss-20b", "openai.gpt-oss-120b"]}}
    grants = [(g.sid, g.actions, g.resources, dict(g.conditions)) for g in grants_for("bedrock-mantle", c, ACCOUNT)]
    assert grants == [
        ("CreateInferenceConfiguredModels", ("bedrock-mantle:CreateInference",), project, models),
        ("ReadModels", ("bedrock-mantle:ListModels", "bedrock-mantle:GetModel"), project, {}),
        # Counting tokens is pinned to the allow-listed models too, like inference.
        ("CountTokensConfiguredModels", ("bedrock-mantle:CountTokens",), project, models),
        ("ManageStoredResponses", ("bedrock-mantle:GetInference", "bedrock-mantle:CancelInference", "bedrock-mantle:DeleteInference"), project, {}),
        ("UseWebSearch", ("bedrock-websearch:InvokeSearch", "bedrock-websearch:InvokeFetch"), ("arn:aws:bedrock-websearch:us-east-1:aws:tool/*",), {}),
        ("FetchFromTheLiveWeb", ("bedrock-websearch:ExternalWebAccess",), ("*",), {}),
    ]


def test_agent_grants_as_data() -> None:
    second = "arn:aws:bedrock:us-east-1:111122223333:agent-alias/AGENT12345/ALIAS67890"
    other = "arn:aws:bedrock:us-east-1:111122223333:agent-alias/AGENT67890/ALIAS12345"
    c = cfg(endpoints=ALL_ENDPOINTS, agentAliasArns=[ALIAS, second, other], knowledgeBaseArns=[KB])
    reads = [(g.sid, g.actions, g.resources, dict(g.conditions)) for g in grants_for("bedrock-agent", c, ACCOUNT)]
    assert reads == [
        # Two aliases of one agent: the agent once.
        ("ReadConfiguredAgents", ("bedrock:GetAgent",), ("arn:aws:bedrock:us-east-1:111122223333:agent/AGENT12345", "arn:aws:bedrock:us-east-1:111122223333:agent/AGENT67890"), {}),
        ("ReadConfiguredKnowledgeBases", ("bedrock:GetKnowledgeBase",), (KB,), {}),
        ("ListAgentsAndKnowledgeBases", ("bedrock:ListAgents", "bedrock:ListKnowledgeBases"), ("*",), {}),
    ]
    runs = [(g.sid, g.actions, g.resources, dict(g.conditions)) for g in grants_for("bedrock-agent-runtime", c, ACCOUNT)]
    assert runs == [
        ("InvokeConfiguredAgents", ("bedrock:InvokeAgent",), (ALIAS, second, other), {}),
        ("RetrieveFromConfiguredKnowledgeBases", ("bedrock:Retrieve",), (KB,), {}),
    ]
    # Agents only: nothing about knowledge bases.
    agents = cfg(endpoints=ALL_ENDPOINTS, agentAliasArns=[ALIAS])
    assert [g.sid for g in grants_for("bedrock-agent", agents, ACCOUNT)] == ["ReadConfiguredAgents", "ListAgentsAndKnowledgeBases"]
    assert [g.sid for g in grants_for("bedrock-agent-runtime", agents, ACCOUNT)] == ["InvokeConfiguredAgents"]


def test_knowledge_bases_alone_grant_no_agent() -> None:
    c = cfg(endpoints=["bedrock", "bedrock-runtime", "bedrock-agent-runtime"], knowledgeBaseArns=[KB])
    assert allowed_actions("bedrock-agent-runtime", c) == {"bedrock:Retrieve"}


def test_claude_platform_is_denied_in_the_identity_policy_to_all_but_the_named_roles() -> None:
    deny = by_sid(source_vpce_policy(cfg(), ACCOUNT, IDS))["DenyClaudePlatform"]
    assert deny == {"Sid": "DenyClaudePlatform", "Effect": "Deny", "Action": "aws-external-anthropic:*", "Resource": "*"}
    named = ["arn:aws:iam::111122223333:role/claude-app", "arn:aws:iam::111122223333:role/claude-batch"]
    for roles, exempt in ((named[:1], named[0]), (named, named)):
        deny = by_sid(source_vpce_policy(cfg(claudePlatform={"enabled": True, "principalArns": roles}), ACCOUNT, IDS))["DenyClaudePlatform"]
        assert deny == {
            "Sid": "DenyClaudePlatform", "Effect": "Deny", "Action": "aws-external-anthropic:*", "Resource": "*",
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": exempt}},
        }


def test_with_server_side_tools_web_search_is_held_to_the_endpoints_like_bedrock() -> None:
    fence = by_sid(source_vpce_policy(cfg(capabilities=["inference", "serverSideTools"]), ACCOUNT, IDS))["DenyBedrockOutsideThisDeploymentsEndpoints"]
    assert fence["Action"][-1] == "bedrock-websearch:*"
    assert "bedrock-websearch:*" not in by_sid(source_vpce_policy(cfg(), ACCOUNT, IDS))["DenyBedrockOutsideThisDeploymentsEndpoints"]["Action"]
