"""The pure policy builders, asserted as data (statements), not as template text."""

from __future__ import annotations

from stacks.config import load_config
from stacks.policies import endpoint_policy, grants_for, source_vpce_policy

ACCOUNT = "111122223333"
PROBE = "arn:aws:iam::111122223333:role/probe"
IDS = {"bedrock": "vpce-0b", "bedrock-runtime": "vpce-0r", "bedrock-mantle": "vpce-0m"}


def cfg(**ctx):
    return load_config({"regions": ["us-east-1"], **ctx}, None).regions[0]


def by_sid(policy: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in policy["Statement"]}


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
    c = cfg(endpoints=["bedrock", "bedrock-runtime", "bedrock-mantle", "bedrock-agent", "bedrock-agent-runtime"])
    policies = [endpoint_policy(s, c, ACCOUNT, [PROBE]) for s in c.endpoints]
    policies.append(source_vpce_policy(c, ACCOUNT, {**IDS, "bedrock-agent": "vpce-0a", "bedrock-agent-runtime": "vpce-0ar"}))
    for policy in policies:
        for st in policy["Statement"]:
            actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
            # Wildcards only ever widen a Deny.
            assert st["Effect"] == "Deny" or all("*" not in a for a in actions), st


def test_mantle_inference_is_limited_to_configured_models() -> None:
    policy = endpoint_policy("bedrock-mantle", cfg(mantleModels=["openai.gpt-oss-20b"]), ACCOUNT, [PROBE])
    st = by_sid(policy)["CreateInferenceConfiguredModels"]
    assert st["Action"] == "bedrock-mantle:CreateInference"
    assert st["Resource"] == "arn:aws:bedrock-mantle:us-east-1:111122223333:project/*"
    assert st["Condition"]["StringEquals"] == {"bedrock-mantle:Model": ["openai.gpt-oss-20b"]}
    assert by_sid(policy)["DenyBearerTokens"]["Action"] == "bedrock-mantle:CallWithBearerToken"


def test_control_plane_endpoint_allows_only_the_probe_read() -> None:
    policy = endpoint_policy("bedrock", cfg(), ACCOUNT, [PROBE])
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert [s["Action"] for s in allows] == ["bedrock:ListFoundationModels"]


def test_api_keys_opt_in_allows_bearer_for_our_principals_only() -> None:
    policy = endpoint_policy("bedrock-runtime", cfg(allowApiKeys=True), ACCOUNT, [PROBE])
    st = by_sid(policy)["AllowBearerTokens"]
    assert st["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [PROBE]}}
    assert "DenyBearerTokens" not in by_sid(policy)


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
    assert deny["Condition"] == {
        "StringNotEquals": {"aws:SourceVpce": list(IDS.values())},
        "BoolIfExists": {"aws:ViaAWSService": "false"},
    }
    # Every Bedrock action is fenced, not only the granted ones.
    assert deny["Action"] == ["bedrock:*", "bedrock-mantle:*"] and deny["Resource"] == "*"
    assert set(by_sid(policy)["DenyBearerTokens"]["Action"]) == {"bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken"}


def test_cross_region_profile_grants_exactly_profile_and_destination_models() -> None:
    c = load_config(
        {"regions": ["ap-northeast-1"], "inferenceScope": "geography", "runtimeModels": ["jp.anthropic.claude-sonnet-4-5-20250929-v1:0"]},
        None,
    ).regions[0]
    grants = {g.sid: g for g in grants_for("bedrock-runtime", c, ACCOUNT)}
    profile_arn = "arn:aws:bedrock:ap-northeast-1:111122223333:inference-profile/jp.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert grants["InvokeConfiguredModels"].resources == (profile_arn,)
    via = grants["InvokeThroughProfile0"]
    assert via.resources == (
        "arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:ap-northeast-3::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
    )
    assert via.conditions == {"StringEquals": {"bedrock:InferenceProfileArn": profile_arn}}
    # The same grants reach the endpoint policy and the identity policy.
    ep = by_sid(endpoint_policy("bedrock-runtime", c, ACCOUNT, [PROBE]))["InvokeThroughProfile0"]
    assert ep["Condition"]["StringEquals"] == {"bedrock:InferenceProfileArn": profile_arn}
    ident = by_sid(source_vpce_policy(c, ACCOUNT, IDS))["BedrockRuntimeInvokeThroughProfile0"]
    assert ident["Resource"] == list(via.resources)
    assert ident["Condition"]["StringEquals"] == {"bedrock:InferenceProfileArn": profile_arn, "aws:SourceVpce": "vpce-0r"}


def test_global_profile_grants_the_regionless_and_any_region_model_arns() -> None:
    c = load_config({"regions": ["us-east-1"], "inferenceScope": "global", "runtimeModels": ["global.amazon.nova-micro-v1:0"]}, None).regions[0]
    via = {g.sid: g for g in grants_for("bedrock-runtime", c, ACCOUNT)}["InvokeThroughProfile0"]
    assert via.resources == (
        "arn:aws:bedrock:::foundation-model/amazon.nova-micro-v1:0",
        "arn:aws:bedrock:*::foundation-model/amazon.nova-micro-v1:0",
    )


def test_mixed_in_region_and_profile_models() -> None:
    c = load_config(
        {"regions": ["us-east-1"], "inferenceScope": "geography", "runtimeModels": ["amazon.nova-micro-v1:0", "us.amazon.nova-lite-v1:0"]},
        None,
    ).regions[0]
    grants = {g.sid: g for g in grants_for("bedrock-runtime", c, ACCOUNT)}
    assert grants["InvokeConfiguredModels"].resources == (
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0",
        "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.amazon.nova-lite-v1:0",
    )
    assert set(grants) == {"InvokeConfiguredModels", "InvokeThroughProfile0"}
