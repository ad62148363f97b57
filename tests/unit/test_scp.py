"""The organisation fence's generator (private_bedrock/policies/scp.py) and its configuration (private_bedrock/config/fence.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.policies.scp import (
    MANTLE_MODEL_ACTIONS,
    SCP_MAX_CHARS,
    fence_manifest,
    fence_policies,
    fence_statements,
    placeholder_id,
    split,
)

ROOT = Path(__file__).resolve().parents[2]
IAM_DATA = ROOT / "node_modules" / "@cloud-copilot" / "iam-data" / "data"
BREAK_GLASS = "arn:aws:iam::123456789012:role/BedrockBreakGlass"
IDS = {
    "us-east-1": {"bedrock": "vpce-0aaaaaaaaaaaaaaa1", "bedrock-runtime": "vpce-0aaaaaaaaaaaaaaa2", "bedrock-mantle": "vpce-0aaaaaaaaaaaaaaa3"},
    "ap-northeast-1": {"bedrock": "vpce-0bbbbbbbbbbbbbbb1", "bedrock-runtime": "vpce-0bbbbbbbbbbbbbbb2", "bedrock-mantle": "vpce-0bbbbbbbbbbbbbbb3"},
}
ENABLED = {"enabled": True, "managementAccount": "999988887777", "targets": ["ou-ab12-cdef3456"], "breakGlassPrincipalArns": [BREAK_GLASS]}


def config(**context: Any):
    return load_config(context, None)


def by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def default_statements(**context: Any) -> dict[str, dict[str, Any]]:
    cfg = config(**{"fence": {"breakGlassPrincipalArns": [BREAK_GLASS]}, "fenceEndpointIds": IDS, **context})
    return by_sid(fence_statements(cfg, lambda r, s: cfg.fence.endpoint_id(r, s)))


# --- statements ----------------------------------------------------------------------------


def test_every_statement_is_a_deny_that_exempts_the_break_glass_principals() -> None:
    for sid, st in default_statements().items():
        assert st["Effect"] == "Deny", sid
        assert as_list(st["Condition"]["ArnNotLike"]["aws:PrincipalArn"]) == [BREAK_GLASS], sid


def test_bedrock_only_through_the_configured_endpoints() -> None:
    st = default_statements()["FenceBedrockOffTheseEndpoints"]
    assert st["Action"] == ["bedrock:*", "bedrock-mantle:*", "bedrock-websearch:*", "bedrock-agentcore:*", "nova-act:*"] and st["Resource"] == "*"
    assert st["Condition"]["StringNotEquals"] == {"aws:SourceVpce": [i for r in IDS.values() for i in r.values()]}
    # No blanket exemption for calls AWS services make on a principal's behalf.
    assert "aws:ViaAWSService" not in json.dumps(st)


def test_exemptions_for_services_are_opt_in_and_narrow() -> None:
    role = "arn:aws:iam::123456789012:role/service-role/AmazonBedrockExecutionRoleForAgents_ABC123"
    cfg = config(fence={"breakGlassPrincipalArns": [BREAK_GLASS], "exemptServiceRoleArns": [role], "viaServices": ["cloudformation.amazonaws.com"]})
    sts = by_sid(fence_statements(cfg, placeholder_id))
    network = sts["FenceBedrockOffTheseEndpoints"]["Condition"]
    assert network["StringNotEquals"]["aws:CalledViaFirst"] == "cloudformation.amazonaws.com"
    assert network["ArnNotLike"]["aws:PrincipalArn"] == [BREAK_GLASS, role]
    # The service role is exempt from the network statement only, never from models (those it
    # names in batch jobs, provisioned throughput and the like included), keys, Claude Platform or retention.
    others = [sid for sid in sts if sid != "FenceBedrockOffTheseEndpoints"]
    assert {"FenceModelConsumers", "FenceClaudePlatform", "FenceDataRetention"} <= set(others)
    for sid in others:
        assert role not in json.dumps(sts[sid]), sid


def test_api_keys_are_denied_both_ways() -> None:
    sts = default_statements()
    assert sts["FenceApiKeys"]["Action"] == ["bedrock-mantle:CallWithBearerToken", "bedrock:CallWithBearerToken"]
    assert set(sts["FenceApiKeys"]["Condition"]) == {"ArnNotLike"}
    # Claude Platform's API keys (its own CallWithBearerToken) have a statement of their own.
    assert sts["FenceClaudePlatformApiKeys"]["Action"] == "aws-external-anthropic:CallWithBearerToken"
    long_term = sts["FenceLongTermApiKeys"]
    assert long_term["Action"] == "iam:CreateServiceSpecificCredential"
    assert long_term["Condition"]["StringEquals"] == {"iam:ServiceSpecificCredentialServiceName": "bedrock.amazonaws.com"}


def test_api_keys_opted_in_by_a_region_stay_allowed_only_through_its_endpoints() -> None:
    named = "arn:aws:iam::123456789012:role/claude-app"
    sts = default_statements(regionOverrides={"us-east-1": {"allowApiKeys": True}}, claudePlatform={"enabled": True, "principalArns": [named]})
    assert sts["FenceApiKeys"]["Condition"]["StringNotEquals"] == {"aws:SourceVpce": list(IDS["us-east-1"].values())}
    assert "aws-external-anthropic:CallWithBearerToken" not in json.dumps(sts["FenceApiKeys"])
    # Claude Platform's keys keep their unconditional Deny: break-glass only, not even the claudePlatform roles.
    claude_keys = sts["FenceClaudePlatformApiKeys"]
    assert claude_keys["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}} and claude_keys["Resource"] == "*"


def test_custom_models_of_other_accounts_and_unjudged_models_are_denied() -> None:
    sts = default_statements()
    foreign = sts["FenceForeignCustomModels"]
    assert foreign["Action"] == "bedrock:*" and foreign["Resource"] == "arn:aws:bedrock:*:*:custom-model/*"
    # The account, not the organisation: a member account's model has its base judged by nobody here.
    assert foreign["Condition"] == {"StringNotEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}, "ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}}
    unjudged = sts["FenceUnjudgedModels"]
    assert unjudged["Action"] == [
        "bedrock:CreateCustomModel", "bedrock:CreateMarketplaceModelEndpoint", "bedrock:RegisterMarketplaceModelEndpoint",
        "bedrock:UpdateMarketplaceModelEndpoint", "wisdom:CreateAIPrompt", "wisdom:UpdateAIPrompt",
    ]
    assert unjudged["Resource"] == "*" and unjudged["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}}
    consumers = sts["FenceModelConsumers"]
    assert {"bedrock:CreateAdvancedPromptOptimizationJob", "bedrock:CreateModelEvaluationJob", "bedrock:UpdateProvisionedModelThroughput"} <= set(consumers["Action"])
    assert "arn:aws:bedrock:*:*:provisioned-model/*" in consumers["NotResource"]


def test_regions_outside_the_configuration_are_denied_except_through_configured_profiles() -> None:
    st = default_statements()["FenceBedrockOutsideTheseRegions"]
    assert st["Condition"]["StringNotEquals"] == {"aws:RequestedRegion": ["us-east-1", "ap-northeast-1"]}
    # Tokyo's default model is the jp. profile: its destination regions keep working.
    assert st["Condition"]["ArnNotLike"]["bedrock:InferenceProfileArn"] == "arn:aws:bedrock:ap-northeast-1:*:inference-profile/jp.amazon.nova-2-lite-v1:0"


def test_runtime_models_come_from_the_grants() -> None:
    sts = default_statements()
    profile = "arn:aws:bedrock:ap-northeast-1:*:inference-profile/jp.amazon.nova-2-lite-v1:0"
    direct = sts["FenceModelsWithoutProfile"]
    assert direct["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    # The default project of each region: Responses on bedrock-runtime authorize against it.
    assert direct["NotResource"] == [
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0",
        "arn:aws:bedrock:us-east-1:*:project/default",
        profile,
        "arn:aws:bedrock:ap-northeast-1:*:project/default",
    ]
    assert direct["Condition"]["Null"] == {"bedrock:InferenceProfileArn": "true"}
    through = sts["FenceModelsThroughProfiles"]
    assert through["Condition"]["Null"] == {"bedrock:InferenceProfileArn": "false"}
    # The model in every region (the grants' region wildcard), only through the profile.
    assert "arn:aws:bedrock:*::foundation-model/amazon.nova-2-lite-v1:0" in through["NotResource"] and profile in through["NotResource"]
    other = sts["FenceOtherProfiles"]["Condition"]
    assert other["Null"] == {"bedrock:InferenceProfileArn": "false"} and other["ArnNotLike"]["bedrock:InferenceProfileArn"] == profile


def test_without_profiles_every_profile_call_is_denied() -> None:
    sts = default_statements(regions=["us-east-1"], fenceEndpointIds={"us-east-1": IDS["us-east-1"]})
    assert "FenceModelsThroughProfiles" not in sts
    assert "bedrock:InferenceProfileArn" not in json.dumps(sts["FenceBedrockOutsideTheseRegions"])
    assert sts["FenceOtherProfiles"]["Condition"]["Null"] == {"bedrock:InferenceProfileArn": "false"}


def test_mantle_models_and_data_retention() -> None:
    sts = default_statements(mantleModels=["openai.gpt-oss-20b", "openai.gpt-oss-120b"])
    assert sts["FenceMantleModels"]["Action"] == list(MANTLE_MODEL_ACTIONS)
    assert sts["FenceMantleModels"]["Condition"]["StringNotEquals"] == {"bedrock-mantle:Model": ["openai.gpt-oss-20b", "openai.gpt-oss-120b"]}
    assert sts["FenceDataRetention"]["Action"] == [
        "bedrock-mantle:PutAccountDataRetention", "bedrock:PutAccountDataRetention",
        "bedrock:DeleteEnforcedGuardrailConfiguration", "bedrock:PutEnforcedGuardrailConfiguration",
    ]
    assert sts["FenceProjectDataRetention"]["Condition"]["Null"] == {"bedrock-mantle:DataRetentionMode": "false"}


def _iam_data(prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    actions = json.loads((IAM_DATA / "actions" / f"{prefix}.json").read_text())
    keys = json.loads((IAM_DATA / "conditionKeys" / f"{prefix}.json").read_text())
    return actions, keys


def test_every_action_and_condition_key_exists_in_iam_data() -> None:
    """Action names and service condition keys are checked against the IAM reference data."""
    for st in default_statements(mantleModels=["openai.gpt-oss-20b"]).values():
        for action in as_list(st["Action"]):
            prefix, _, name = action.partition(":")
            actions, _ = _iam_data(prefix)
            assert name == "*" or name.lower() in actions, action
        for kv in st.get("Condition", {}).values():
            for key in kv:
                prefix = key.split(":")[0]
                if prefix != "aws":
                    _, keys = _iam_data(prefix)
                    assert key.lower() in keys, key


def test_the_mantle_model_actions_are_every_action_that_carries_the_key() -> None:
    actions, _ = _iam_data("bedrock-mantle")
    carrying = sorted(f"bedrock-mantle:{a['name']}" for a in actions.values() if "bedrock-mantle:Model" in a["conditionKeys"])
    assert carrying == sorted(MANTLE_MODEL_ACTIONS)


# --- sizes and splitting -----------------------------------------------------------------------


def _statement(sid: str, chars: int) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Deny", "Action": "bedrock:InvokeModel", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "x" * chars}}}


def test_split_fills_each_policy_in_order_and_is_deterministic() -> None:
    statements = [_statement(f"S{i}", 2000) for i in range(5)]
    assert split(statements, max_policies=4) == [[0, 1], [2, 3], [4]]
    assert split(list(statements), max_policies=4) == split(statements, max_policies=4)


def test_split_fails_in_one_sentence_when_the_policies_do_not_fit() -> None:
    with pytest.raises(ConfigError, match=r"^The fence needs 3 service control policies but fence.maxPolicies allows 2 per target; .*\.$"):
        split([_statement(f"S{i}", 2000) for i in range(5)], max_policies=2)
    with pytest.raises(ConfigError, match=r"^The fence statement Big alone is \d+ characters, over the 5120 "):
        split([_statement("Big", SCP_MAX_CHARS)], max_policies=4)


def test_sizes_are_counted_minified_with_real_length_ids() -> None:
    # One region with a break-glass role fits one policy (4,819 characters with real-length ids, 2026-12);
    # the default two regions need a second one.
    (single,) = fence_policies(config(regions=["us-east-1"], fence={"breakGlassPrincipalArns": [BREAK_GLASS]}))
    assert single.content == json.dumps(single.document, separators=(",", ":")) and len(single.content) <= SCP_MAX_CHARS
    cfg = config(fence={"breakGlassPrincipalArns": [BREAK_GLASS]})
    policy, second = fence_policies(cfg)
    assert policy.content == json.dumps(policy.document, separators=(",", ":"))
    # Placeholders are longer than real ids: the manifest still reports the deployable size.
    with_ids = fence_policies(config(fence={"breakGlassPrincipalArns": [BREAK_GLASS]}, fenceEndpointIds=IDS))
    assert placeholder_id("us-east-1", "bedrock") in policy.content and "PLACEHOLDER" not in with_ids[0].content
    assert all(len(p.content) <= SCP_MAX_CHARS for p in with_ids) and len(with_ids) == 2


def test_a_large_configuration_is_split_and_every_policy_fits() -> None:
    regions = ["us-east-1", "us-east-2", "us-west-2", "eu-central-1", "eu-west-1", "eu-west-2", "ap-northeast-1", "ap-south-1"]
    models = ["amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0", "amazon.nova-pro-v1:0"]
    cfg = config(
        regions=regions,
        runtimeModels=models,
        mantleModels=["openai.gpt-oss-20b", "openai.gpt-oss-120b"],
        fence={"breakGlassPrincipalArns": [BREAK_GLASS, "arn:aws:iam::123456789012:role/SecondBreakGlass"]},
    )
    policies = fence_policies(cfg)
    assert len(policies) >= 2
    assert [p.name for p in policies] == [f"PrivateBedrockFence-{i}" for i in range(1, len(policies) + 1)]
    assert all(len(p.content.replace("vpce-PLACEHOLDER-", "")) <= SCP_MAX_CHARS for p in policies)
    # Every statement lands in exactly one policy, in order.
    sids = [st["Sid"] for p in policies for st in p.document["Statement"]]
    assert sids == [st["Sid"] for st in fence_statements(cfg, placeholder_id)]
    assert fence_manifest(cfg, policies)["policies"][0]["chars"] == len(policies[0].content)


def test_a_configuration_that_cannot_fit_fails_at_synth() -> None:
    cfg = config(
        regions=["us-east-1", "us-east-2", "us-west-2", "eu-central-1", "eu-west-1", "eu-west-2", "ap-northeast-1", "ap-south-1"],
        runtimeModels=["amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0", "amazon.nova-pro-v1:0"],
        fence={"maxPolicies": 1, "breakGlassPrincipalArns": [BREAK_GLASS, "arn:aws:iam::123456789012:role/SecondBreakGlass"]},
    )
    with pytest.raises(ConfigError, match=r"^The fence needs \d service control policies but fence.maxPolicies allows 1 per target"):
        fence_policies(cfg)


# --- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fence", "message"),
    [
        ({"enable": True}, r"^fence has unknown key 'enable' \(did you mean 'enabled'\?\); rename it, or remove it\.$"),
        ({"scope": "org"}, r"^fence has unknown key 'scope'; accepted keys are: enabled, managementAccount, "),
        ({"targets": ["ou-xyz"]}, r"^fence.targets entry 'ou-xyz' is not an AWS Organizations root"),
        ({"targets": ["r-ab12", "r-ab12"]}, r"lists a target twice"),
        ({"managementAccount": "1234"}, r"^fence.managementAccount '1234' is not a 12-digit"),
        ({"breakGlassPrincipalArns": ["arn:aws:iam::*:role/BreakGlass"]}, r"wildcard account would let any member account create the role"),
        ({"viaServices": ["cloudformation"]}, r"^fence.viaServices entry 'cloudformation' is not a service principal"),
        # Exempt service roles leave the network statement: exact ARNs only (break-glass keeps its name patterns).
        (
            {"exemptServiceRoleArns": ["arn:aws:iam::123456789012:role/service-role/AmazonBedrockExecutionRoleForAgents_*"]},
            r"^fence.exemptServiceRoleArns entry 'arn:aws:iam::123456789012:role/service-role/AmazonBedrockExecutionRoleForAgents_\*' is not one exact role ARN; "
            r"name each service role in full, .* \(a wildcard lets anyone who may create a role of that name leave the fence\)\.$",
        ),
        ({"exemptServiceRoleArns": ["arn:aws:iam::123456789012:role/Batch?"]}, r"is not one exact role ARN"),
        ({"exemptServiceRoleArns": ["arn:aws:iam::123456789012:user/batch"]}, r"is not one exact role ARN"),
        ({"maxPolicies": 5}, r"^fence.maxPolicies 5 is out of range; use 1 to 4 \(5 SCPs per target, one of them FullAWSAccess\)\.$"),
        ({**ENABLED, "managementAccount": None}, r"fence.managementAccount is not set"),
        ({**ENABLED, "targets": []}, r"fence.targets is empty"),
        ({**ENABLED, "breakGlassPrincipalArns": []}, r"fence.breakGlassPrincipalArns is empty"),
        (ENABLED, r"^fence.enabled is true but the endpoint id of us-east-1/bedrock is unknown \(6 missing\); deploy the regional stacks, then run `make fence-ids`"),
        ("{not json", r"^fence '\{not json' is not valid JSON"),
    ],
)
def test_fence_configuration_errors_are_one_sentence(fence: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        config(fence=fence)
    assert str(err.value).count(". ") == 0 or str(err.value).endswith(".")


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ({"mars-1": {}}, r"fenceEndpointIds has ids for 'mars-1', which is not a region this app knows"),
        ({"us-east-1": {"bedrock-foo": "vpce-0123456789abcdef0"}}, r"fenceEndpointIds.us-east-1.bedrock-foo is not an endpoint service of this app"),
        ({"us-east-1": {"bedrock": "vpc-0123"}}, r"fenceEndpointIds.us-east-1.bedrock 'vpc-0123' is not a VPC endpoint id"),
    ],
)
def test_endpoint_id_errors(ids: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config(fenceEndpointIds=ids)


def test_break_glass_keeps_its_name_patterns() -> None:
    cfg = config(fence={"breakGlassPrincipalArns": ["arn:aws:iam::123456789012:role/BreakGlass*"]})
    assert cfg.fence.break_glass_principal_arns == ("arn:aws:iam::123456789012:role/BreakGlass*",)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            {"enabled": True},
            r"^claudePlatform.enabled is true but claudePlatform.principalArns is empty; name the roles that may use Claude Platform on AWS "
            r"\(it is never opened to every principal\), or set enabled to false\.$",
        ),
        ({"principalArns": ["arn:aws:iam::123456789012:role/claude-app"]}, r"^claudePlatform.principalArns is set but claudePlatform.enabled is false; "),
        ({"enabled": True, "principalArns": ["arn:aws:iam::123456789012:role/claude-*"]}, r"^claudePlatform.principalArns entry 'arn:aws:iam::123456789012:role/claude-\*' is not an IAM role ARN"),
        ({"enabled": True, "principalArns": ["arn:aws:iam::*:role/claude-app"]}, r"is not an IAM role ARN"),
        ({"enable": True}, r"^claudePlatform has unknown key 'enable' \(did you mean 'enabled'\?\); rename it, or remove it\.$"),
        ({"open": True}, r"^claudePlatform has unknown key 'open'; accepted keys are: enabled, principalArns\.$"),
    ],
)
def test_claude_platform_setting_errors_are_one_sentence(setting: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config(claudePlatform=setting)


def test_claude_platform_is_denied_to_all_but_the_named_roles() -> None:
    named = ["arn:aws:iam::123456789012:role/claude-app", "arn:aws:iam::123456789012:role/claude-batch"]
    sts = default_statements()
    assert sts["FenceClaudePlatform"] == {
        "Sid": "FenceClaudePlatform", "Effect": "Deny", "Action": "aws-external-anthropic:*", "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}},
    }
    # Named per region (regionOverrides work): the fence exempts the union, and only from this statement.
    sts = default_statements(claudePlatform={"enabled": True, "principalArns": named[:1]}, regionOverrides={"ap-northeast-1": {"claudePlatform": {"enabled": True, "principalArns": named}}})
    assert sts["FenceClaudePlatform"]["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [BREAK_GLASS, *named]}}
    assert [sid for sid, st in sts.items() if named[0] in json.dumps(st)] == ["FenceClaudePlatform"]


def test_model_consuming_actions_keep_to_the_allow_list() -> None:
    sts = default_statements(regionOverrides={"us-east-1": {"runtimeModels": ["amazon.nova-micro-v1:0", "us.amazon.nova-lite-v1:0"], "inferenceScope": "geography"}})
    st = sts["FenceModelConsumers"]
    assert st["Action"] == [
        "bedrock:CreateAdvancedPromptOptimizationJob", "bedrock:CreateEvaluationJob", "bedrock:CreateInferenceProfile",
        "bedrock:CreateModelCustomizationJob", "bedrock:CreateModelEvaluationJob", "bedrock:CreateModelInvocationJob",
        "bedrock:CreatePromptRouter", "bedrock:CreateProvisionedModelThroughput", "bedrock:UpdateProvisionedModelThroughput",
    ]
    assert st["NotResource"] == [
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0",
        "arn:aws:bedrock:us-east-1:*:inference-profile/us.amazon.nova-lite-v1:0",
        "arn:aws:bedrock:ap-northeast-1:*:inference-profile/jp.amazon.nova-2-lite-v1:0",
        "arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0",
        "arn:aws:bedrock:*::foundation-model/amazon.nova-2-lite-v1:0",
        "arn:aws:bedrock:*:*:application-inference-profile/*",
        "arn:aws:bedrock:*:*:custom-model/*",
        "arn:aws:bedrock:*:*:default-prompt-router/*",
        "arn:aws:bedrock:*:*:model-invocation-job/*",
        "arn:aws:bedrock:*:*:prompt-router/*",
        "arn:aws:bedrock:*:*:provisioned-model/*",
    ]
    # Only break-glass is exempt; no other resource of the grants (projects, async invocations) leaks in.
    assert st["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}} and "project/" not in json.dumps(st)


def test_ids_of_regions_and_services_not_built_now_are_ignored() -> None:
    cfg = config(regions=["us-east-1"], endpoints=["bedrock-runtime"], fenceEndpointIds={**IDS, "eu-west-1": {"bedrock": "vpce-0123456789abcdef0"}})
    assert cfg.fence.endpoint_ids == (("us-east-1", "bedrock-runtime", IDS["us-east-1"]["bedrock-runtime"]),)


def test_an_enabled_fence_with_every_id_is_accepted() -> None:
    cfg = config(fence=json.dumps(ENABLED), fenceEndpointIds=IDS)
    assert cfg.fence.enabled and cfg.fence.targets == ("ou-ab12-cdef3456",)
    assert cfg.fence.endpoint_id("ap-northeast-1", "bedrock-mantle") == "vpce-0bbbbbbbbbbbbbbb3"


def test_only_model_invocation_grants_shape_the_model_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other runtime grants (a `*` list action, a project read) and `*` among an invocation's
    resources must not widen NotResource, and a profile condition may list several profiles
    under any operator."""
    import private_bedrock.policies.scp as scp
    from private_bedrock.policies.grants import Grant

    profiles = ["arn:aws:bedrock:us-east-1:*:inference-profile/us.a", "arn:aws:bedrock:us-east-1:*:inference-profile/us.b"]

    def grants(service: str, cfg: Any, account: str) -> list[Grant]:
        if service != "bedrock-runtime":
            return []
        return [
            # A grant that invokes nothing first: it is skipped, the grants after it still count.
            Grant("ListJobs", ("bedrock:ListAsyncInvokes",), ("*",)),
            Grant("Direct", ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"), ("arn:aws:bedrock:us-east-1::foundation-model/a", "*")),
            Grant("Via", ("bedrock:InvokeModel",), ("arn:aws:bedrock:*::foundation-model/a",), {"ArnEquals": {"bedrock:InferenceProfileArn": profiles}}),
            Grant("ReadResponses", ("bedrock:GetInvoke",), ("arn:aws:bedrock:us-east-1:*:project/default",)),
        ]

    monkeypatch.setattr(scp, "grants_for", grants)
    sts = by_sid(fence_statements(config(regions=["us-east-1"], endpoints=["bedrock-runtime"]), placeholder_id))
    assert sts["FenceModelsWithoutProfile"]["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert sts["FenceModelsWithoutProfile"]["NotResource"] == ["arn:aws:bedrock:us-east-1::foundation-model/a", *profiles]
    assert sts["FenceModelsThroughProfiles"]["NotResource"] == ["arn:aws:bedrock:*::foundation-model/a", *profiles]
    assert sts["FenceOtherProfiles"]["Condition"]["ArnNotLike"]["bedrock:InferenceProfileArn"] == profiles


# --- the manifest the tools read -----------------------------------------------------------------


def test_the_manifest_describes_every_policy_id_and_exemption() -> None:
    role = "arn:aws:iam::123456789012:role/service-role/AmazonBedrockExecutionRoleForAgents_ABC123"
    cfg = config(
        regions=["us-east-1", "ap-northeast-1"],
        fence={**ENABLED, "enabled": False, "exemptServiceRoleArns": [role]},
        fenceEndpointIds={"us-east-1": IDS["us-east-1"]},
    )
    policies = fence_policies(cfg)
    manifest = fence_manifest(cfg, policies)
    assert manifest == {
        "policies": [{"name": p.name, "file": f"{p.name}.json", "chars": len(p.content), "maxChars": 5120} for p in policies],
        "networkForm": "exact-endpoints",
        "endpointIds": {
            "us-east-1": IDS["us-east-1"],
            "ap-northeast-1": {s: f"vpce-PLACEHOLDER-ap-northeast-1-{s}" for s in ("bedrock", "bedrock-runtime", "bedrock-mantle")},
        },
        "placeholders": True,
        "regions": ["us-east-1", "ap-northeast-1"],
        "breakGlassPrincipalArns": [BREAK_GLASS],
        "exemptServiceRoleArns": [role],
        "targets": ["ou-ab12-cdef3456"],
        "managementAccount": ENABLED["managementAccount"],
        "stack": False,
        "configured": True,
    }
    assert [p["name"] for p in manifest["policies"]] == ["PrivateBedrockFence-1", "PrivateBedrockFence-2"]


def test_the_manifest_without_placeholders_and_with_the_stack() -> None:
    cfg = config(fence=ENABLED, fenceEndpointIds=IDS)
    manifest = fence_manifest(cfg, fence_policies(cfg))
    assert manifest["placeholders"] is False and manifest["stack"] is True
    assert manifest["endpointIds"] == IDS


# --- the size limits at their boundaries ----------------------------------------------------------


def _doc_length(statements: list[dict[str, Any]]) -> int:
    # What Organizations counts: the minified JSON of the whole policy.
    return len(json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":")))


def _padded(sid: str, others: list[dict[str, Any]], total: int) -> dict[str, Any]:
    """A statement that brings the policy of `others` + itself to exactly `total` characters."""
    return _statement(sid, total - _doc_length([*others, _statement(sid, 0)]))


def test_a_statement_of_exactly_the_limit_fits_and_one_character_more_is_refused() -> None:
    exact = _padded("Exact", [], SCP_MAX_CHARS)
    assert _doc_length([exact]) == 5120 and split([exact], max_policies=1) == [[0]]
    over = _padded("Over", [], SCP_MAX_CHARS + 1)
    with pytest.raises(ConfigError) as err:
        split([over], max_policies=4)
    assert str(err.value) == (
        "The fence statement Over alone is 5121 characters, over the 5120 of a service control policy; allow-list fewer "
        "models or profiles, or configure fewer regions or break-glass principals."
    )


def test_two_statements_share_a_policy_up_to_exactly_the_limit() -> None:
    first = _statement("First", 2000)
    second = _padded("Second", [first], SCP_MAX_CHARS)
    assert _doc_length([first, second]) == 5120 and split([first, second], max_policies=1) == [[0, 1]]
    longer = _padded("Second", [first], SCP_MAX_CHARS + 1)
    assert split([first, longer], max_policies=2) == [[0], [1]]


def test_exactly_max_policies_is_accepted() -> None:
    statements = [_statement(f"S{i}", 2000) for i in range(5)]
    assert split(statements, max_policies=3) == [[0, 1], [2, 3], [4]]
    with pytest.raises(ConfigError) as err:
        split(statements, max_policies=2)
    assert str(err.value) == (
        "The fence needs 3 service control policies but fence.maxPolicies allows 2 per target; allow-list fewer models or "
        "profiles, configure fewer regions, or free an SCP slot on the targets and raise fence.maxPolicies."
    )


def test_each_policy_document_is_a_2012_10_17_policy_of_its_statements() -> None:
    cfg = config(fence={"breakGlassPrincipalArns": [BREAK_GLASS]}, fenceEndpointIds=IDS)
    policies = fence_policies(cfg)
    assert [p.name for p in policies] == ["PrivateBedrockFence-1", "PrivateBedrockFence-2"]
    assert all(set(p.document) == {"Version", "Statement"} and p.document["Version"] == "2012-10-17" for p in policies)
    assert [st for p in policies for st in p.document["Statement"]] == fence_statements(cfg, lambda r, s: cfg.fence.endpoint_id(r, s))


def test_known_endpoint_ids_are_measured_as_they_are() -> None:
    """Older endpoints have 8-hex-digit ids: known ids are sized as themselves, unknown ones
    as a 17-digit stand-in. At the first region count where 17-digit ids need a second
    policy, the short ids still fit one."""
    regions = ["us-east-1", "us-east-2", "us-west-2", "eu-central-1", "eu-west-1", "eu-west-2", "ap-northeast-1", "ap-south-1", "ap-southeast-2", "ap-southeast-3", "eu-north-1", "eu-south-1", "sa-east-1"]
    services = ("bedrock", "bedrock-runtime", "bedrock-mantle")
    for n in range(1, len(regions) + 1):
        context = {"regions": regions[:n], "runtimeModels": ["amazon.nova-micro-v1:0"]}
        if len(fence_policies(config(**context))) == 2:
            break
    else:
        pytest.fail("no region count needs two policies")
    short = {r: {s: f"vpce-{i:02x}{k:x}abcde" for k, s in enumerate(services)} for i, r in enumerate(regions[:n])}
    (policy,) = fence_policies(config(**context, fenceEndpointIds=short))
    assert len(policy.content) <= SCP_MAX_CHARS and "vpce-00" + "0abcde" in policy.content


def test_condition_values_collect_a_key_under_every_operator() -> None:
    from private_bedrock.policies.scp import _condition_values

    conditions = {"StringEquals": {"k": "one", "other": "x"}, "ArnLike": {"k": ["two", "three"]}}
    assert _condition_values(conditions, "k") == ["one", "two", "three"]
    assert _condition_values(conditions, "missing") == []


def test_profiles_of_every_region_shape_the_profile_statements() -> None:
    sts = default_statements(regionOverrides={"us-east-1": {"runtimeModels": ["us.amazon.nova-lite-v1:0"], "inferenceScope": "geography"}})
    us = "arn:aws:bedrock:us-east-1:*:inference-profile/us.amazon.nova-lite-v1:0"
    jp = "arn:aws:bedrock:ap-northeast-1:*:inference-profile/jp.amazon.nova-2-lite-v1:0"
    assert sts["FenceOtherProfiles"]["Condition"]["ArnNotLike"]["bedrock:InferenceProfileArn"] == [us, jp]
    assert sts["FenceBedrockOutsideTheseRegions"]["Condition"]["ArnNotLike"]["bedrock:InferenceProfileArn"] == [us, jp]
    assert sts["FenceModelsThroughProfiles"]["NotResource"] == [
        "arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0",
        "arn:aws:bedrock:*::foundation-model/amazon.nova-2-lite-v1:0",
        us,
        jp,
    ]


def test_async_invocations_stay_invocable_whatever_grant_comes_before_them() -> None:
    """StartAsyncInvoke is bedrock:InvokeModel on the async-invoke resource: it joins NotResource,
    although grants that invoke nothing (CountTokens) come before it."""
    sts = default_statements(regions=["us-east-1"], fenceEndpointIds={"us-east-1": IDS["us-east-1"]}, capabilities=["inference", "streaming", "countTokens", "asyncInvoke"])
    assert sts["FenceModelsWithoutProfile"]["NotResource"] == [
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0",
        "arn:aws:bedrock:us-east-1:*:project/default",
        "arn:aws:bedrock:us-east-1:*:async-invoke/*",
    ]


def test_without_any_mantle_endpoint_every_mantle_model_is_denied() -> None:
    sts = default_statements(endpoints=["bedrock", "bedrock-runtime"], fenceEndpointIds={r: {s: i for s, i in ids.items() if s != "bedrock-mantle"} for r, ids in IDS.items()})
    assert sts["FenceMantleModels"]["Action"] == list(MANTLE_MODEL_ACTIONS)
    assert sts["FenceMantleModels"]["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}}


# --- the fleet form: every member account's own endpoints, no ids ----------------------------------

FLEET = {
    "enabled": True, "administratorAccount": "999988887777", "organizationId": "o-a1b2c3d4e5",
    "organizationalUnits": ["ou-ab12-cd34ef56"], "verifierCallerArns": ["arn:aws:iam::999988887777:role/PlatformVerify"],
}


def fleet_statements(**context: Any) -> dict[str, dict[str, Any]]:
    cfg = config(**{"fleet": FLEET, "fence": ENABLED, **context})
    return by_sid(fence_statements(cfg, lambda r, s: pytest.fail(f"the fleet form asked for the id of {r}/{s}")))


def test_the_fleet_fence_needs_no_endpoint_ids_and_admits_only_the_callers_own_account() -> None:
    cfg = config(fleet=FLEET, fence=ENABLED)
    assert cfg.fence.enabled and cfg.fence.own_account_endpoints and cfg.fence.endpoint_ids == ()
    sts = fleet_statements()
    assert "FenceBedrockOffTheseEndpoints" not in sts
    network = sts["FenceBedrockOffOwnAccountEndpoints"]
    assert network["Action"] == ["bedrock:*", "bedrock-mantle:*", "bedrock-websearch:*", "bedrock-agentcore:*", "nova-act:*"] and network["Resource"] == "*"
    # StringNotEquals: an absent aws:VpceAccount (no endpoint, or a surface that leaves it out) is denied.
    assert network["Condition"] == {"StringNotEquals": {"aws:VpceAccount": "${aws:PrincipalAccount}"}, "ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}}
    manifest = fence_manifest(cfg, fence_policies(cfg))
    assert manifest["networkForm"] == "own-account-endpoints" and manifest["endpointIds"] == {} and manifest["placeholders"] is False
    assert "vpce-" not in json.dumps([p.document for p in fence_policies(cfg)])


def test_the_fleet_fence_keeps_the_service_exemptions() -> None:
    role = "arn:aws:iam::123456789012:role/service-role/AmazonBedrockExecutionRoleForAgents_ABC123"
    sts = fleet_statements(fence={**ENABLED, "viaServices": ["cloudformation.amazonaws.com"], "exemptServiceRoleArns": [role]})
    cond = sts["FenceBedrockOffOwnAccountEndpoints"]["Condition"]
    assert cond["StringNotEquals"] == {"aws:VpceAccount": "${aws:PrincipalAccount}", "aws:CalledViaFirst": "cloudformation.amazonaws.com"}
    assert cond["ArnNotLike"]["aws:PrincipalArn"] == [BREAK_GLASS, role]


def test_fleet_api_keys_only_through_own_endpoints_of_the_regions_that_allow_them() -> None:
    assert set(fleet_statements()["FenceApiKeys"]["Condition"]) == {"ArnNotLike"}  # no region allows keys: denied everywhere
    sts = fleet_statements(regions=["us-east-1", "ap-northeast-1"], regionOverrides={"us-east-1": {"allowApiKeys": True}})
    assert sts["FenceApiKeys"]["Condition"]["StringNotEquals"] == {"aws:VpceAccount": "${aws:PrincipalAccount}"}
    assert sts["FenceApiKeysOutsideKeyedRegions"]["Condition"]["StringNotEquals"] == {"aws:RequestedRegion": "us-east-1"}
    both = fleet_statements(regions=["us-east-1", "ap-northeast-1"], allowApiKeys=True)
    assert "FenceApiKeysOutsideKeyedRegions" not in both


def test_a_fleet_fence_with_endpoint_ids_is_one_sentence() -> None:
    with pytest.raises(ConfigError, match=r"^fenceEndpointIds is set but fleet.enabled gives every member account endpoints of its own, .*; remove fenceEndpointIds from cdk.context.json \(or -c\) for the fleet\.$"):
        config(fleet=FLEET, fence=ENABLED, fenceEndpointIds=IDS)


def test_single_account_and_hub_configurations_keep_the_exact_endpoints() -> None:
    cfg = config(fence=ENABLED, fenceEndpointIds=IDS)
    assert not cfg.fence.own_account_endpoints
    assert fence_manifest(cfg, fence_policies(cfg))["networkForm"] == "exact-endpoints"
    assert "aws:VpceAccount" not in json.dumps([p.document for p in fence_policies(cfg)])


def test_the_fleet_protects_its_stacks_and_the_execution_role_with_actions_iam_knows() -> None:
    sts = fleet_statements()
    stacks, role = sts["FenceFleetStacksToStackSets"], sts["FenceStackSetsExecutionRole"]
    # Each action exists and is authorized on the resource type the statement names.
    for st, kind in ((stacks, "stack"), (role, "role")):
        for action in as_list(st["Action"]):
            prefix, _, name = action.partition(":")
            actions, _ = _iam_data(prefix)
            assert [r["name"] for r in actions[name.lower()]["resourceTypes"]] in ([kind], [kind, "changeset"]), action
    assert {"cloudformation:UpdateStack", "cloudformation:DeleteStack", "cloudformation:ExecuteChangeSet"} <= set(stacks["Action"])
    assert {"iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePolicy"} <= set(role["Action"])
    # Only a fleet has StackSet stacks to protect.
    assert "FenceFleetStacksToStackSets" not in default_statements() and "FenceStackSetsExecutionRole" not in default_statements()


def test_the_fleet_protects_its_delivered_endpoints_with_actions_iam_knows_on_a_vpc_endpoint() -> None:
    sts = fleet_statements()
    for sid in ("FenceBedrockEndpointsToStackSets", "FenceDeliveredEndpoints", "FenceDeliveredEndpointTag"):
        for action in as_list(sts[sid]["Action"]):
            prefix, _, name = action.partition(":")
            actions, _ = _iam_data(prefix)
            assert "vpc-endpoint" in [r["name"] for r in actions[name.lower()]["resourceTypes"]], action
    # Only a fleet delivers tagged endpoints.
    assert not {"FenceDeliveredEndpoints", "FenceDeliveredEndpointTag"} & set(default_statements())


def test_the_fleet_fence_fits_two_service_control_policies() -> None:
    """docs/internals.md gives the figures (4,927 and 2,917 characters, measured 2026-12-03)."""
    policies = fence_policies(config(fleet=FLEET, fence=ENABLED))
    assert len(policies) == 2
    assert all(len(p.content) <= SCP_MAX_CHARS for p in policies)
    assert "FenceDeliveredEndpointTag" in {st["Sid"] for st in policies[-1].document["Statement"]}


def test_the_fleet_statements_exempt_only_break_glass_and_the_stacksets_execution_role() -> None:
    """Who may change what the StackSets deliver: the StackSet execution role (which delivers it)
    and break-glass; the execution role itself only break-glass may change."""
    sts = fleet_statements()
    execution_role = "arn:aws:iam::*:role/stacksets-exec-*"
    both = {"ArnNotLike": {"aws:PrincipalArn": [BREAK_GLASS, execution_role]}}
    endpoints = "arn:aws:ec2:*:*:vpc-endpoint/*"
    assert sts["FenceFleetStacksToStackSets"] == {
        "Sid": "FenceFleetStacksToStackSets", "Effect": "Deny", "Action": [
            "cloudformation:CancelUpdateStack", "cloudformation:ContinueUpdateRollback", "cloudformation:CreateChangeSet", "cloudformation:DeleteStack",
            "cloudformation:ExecuteChangeSet", "cloudformation:RollbackStack", "cloudformation:SetStackPolicy", "cloudformation:UpdateStack",
            "cloudformation:UpdateTerminationProtection",
        ],
        "Resource": "arn:aws:cloudformation:*:*:stack/StackSet-PrivateBedrock-*/*", "Condition": both,
    }
    assert sts["FenceStackSetsExecutionRole"] == {
        "Sid": "FenceStackSetsExecutionRole", "Effect": "Deny", "Action": [
            "iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy",
            "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole",
        ],
        "Resource": execution_role, "Condition": {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}},
    }
    assert sts["FenceBedrockEndpointsToStackSets"] == {
        "Sid": "FenceBedrockEndpointsToStackSets", "Effect": "Deny", "Action": "ec2:CreateVpcEndpoint", "Resource": endpoints,
        "Condition": {"StringLike": {"ec2:VpceServiceName": "com.amazonaws.*.bedrock*"}, **both},
    }
    assert sts["FenceDeliveredEndpoints"] == {
        "Sid": "FenceDeliveredEndpoints", "Effect": "Deny", "Action": ["ec2:DeleteTags", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint"], "Resource": endpoints,
        "Condition": {"Null": {"aws:ResourceTag/PrivateBedrockDelivered": "false"}, **both},
    }
    assert sts["FenceDeliveredEndpointTag"] == {
        "Sid": "FenceDeliveredEndpointTag", "Effect": "Deny", "Action": "ec2:CreateTags", "Resource": endpoints,
        "Condition": {"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": "PrivateBedrockDelivered"}, **both},
    }


HUB_IDS = ["bedrock=vpce-0cccccccccccccc01", "bedrock-runtime=vpce-0cccccccccccccc02", "bedrock-mantle=vpce-0cccccccccccccc03"]
SPOKE = {"regions": ["us-east-1"], "topology": "spoke", "vpcId": "vpc-05b0ce0000000000a", "subnetIds": ["subnet-05b0ce0000000000a"],
         "hubVpcCidr": "10.80.0.0/16", "hubDnsProfileId": "rp-0a1b2c3d4e5f6a7b", "hubEndpointIds": HUB_IDS}


@pytest.mark.parametrize(
    ("context", "configured"),
    [
        ({"regions": ["us-east-1"]}, False),
        ({"regions": ["us-east-1"], "fence": {"targets": ["ou-ab12-cdef3456"]}}, True),  # a fence setting alone
        ({"regions": ["us-east-1"], "fence": {"maxPolicies": 2}}, True),  # a non-default policy count alone
        ({"regions": ["us-east-1"], "fenceEndpointIds": {"us-east-1": IDS["us-east-1"]}}, True),  # ids stored by `make fence-ids` alone
        (SPOKE, False),  # a spoke's hub ids come by themselves: no fence was asked for
        ({**SPOKE, "fence": {"targets": ["ou-ab12-cdef3456"]}}, True),
    ],
)
def test_the_manifest_says_whether_a_fence_was_asked_for(context: dict[str, Any], configured: bool) -> None:
    cfg = load_config(context, None)
    assert fence_manifest(cfg, fence_policies(cfg))["configured"] is configured
