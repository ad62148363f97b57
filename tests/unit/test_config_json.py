"""`-c key='{...}'` and `-c key='[...]'`: the CLI passes JSON text, accepted wherever an object or list is."""

from __future__ import annotations

import json

import pytest

from private_bedrock.config.app_config import ConfigError, load_config

HUB_IDS = {"bedrock": "vpce-0aaaaaaaaaaaaaaa1", "bedrock-runtime": "vpce-0aaaaaaaaaaaaaaa2", "bedrock-mantle": "vpce-0aaaaaaaaaaaaaaa3"}
SPOKE = {
    "regions": "us-east-1",
    "topology": "spoke",
    "vpcId": "vpc-05b0ce0000000000a",
    "subnetIds": "subnet-05b0ce0000000000a,subnet-05b0ce0000000000b",
    "hubVpcCidr": "10.80.0.0/16",
    "hubDnsProfileId": "rp-0a1b2c3d4e5f6a7b",
}
FENCE = {"enabled": True, "managementAccount": "999988887777", "targets": ["ou-ab12-cdef3456"], "breakGlassPrincipalArns": ["arn:aws:iam::999988887777:role/BreakGlass"]}
IDS = {"us-east-1": {"bedrock": "vpce-0bbbbbbbbbbbbbbb1", "bedrock-runtime": "vpce-0bbbbbbbbbbbbbbb2", "bedrock-mantle": "vpce-0bbbbbbbbbbbbbbb3"}}


def problem(context: dict) -> str:
    with pytest.raises(ConfigError) as err:
        load_config(context, None)
    (sentence,) = err.value.problems
    return sentence


@pytest.mark.parametrize("form", [HUB_IDS, json.dumps(HUB_IDS), f"  {json.dumps(HUB_IDS)} ", [f"{s}={i}" for s, i in HUB_IDS.items()], json.dumps([f"{s}={i}" for s, i in HUB_IDS.items()])])
def test_hub_endpoint_ids_as_an_object_its_json_text_or_a_list(form) -> None:
    (region,) = load_config({**SPOKE, "hubEndpointIds": form}, None).regions
    assert region.network.spoke is not None and region.network.spoke.endpoint_id_of == HUB_IDS


def test_hub_endpoint_ids_json_text_is_checked_like_the_object() -> None:
    text = json.dumps({**HUB_IDS, "bedrock-mantle": "vpce-nope"})
    assert problem({**SPOKE, "hubEndpointIds": text}) == (
        "hubEndpointIds entry for bedrock-mantle 'vpce-nope' is not a VPC endpoint id such as vpce-0123456789abcdef0."
    )


def test_hub_endpoint_ids_that_are_not_json_are_one_sentence() -> None:
    assert problem({**SPOKE, "hubEndpointIds": "{bedrock: vpce-0aaaaaaaaaaaaaaa1}"}) == (
        "hubEndpointIds '{bedrock: vpce-0aaaaaaaaaaaaaaa1}' is not valid JSON (Expecting property name enclosed in double quotes at character 1); "
        """quote it for the shell, for example -c hubEndpointIds='{"bedrock-runtime": "vpce-0123456789abcdef0"}'."""
    )


def test_fence_and_its_endpoint_ids_as_json_text() -> None:
    from_json = load_config({"regions": "us-east-1", "fence": json.dumps(FENCE), "fenceEndpointIds": json.dumps(IDS)}, None).fence
    from_objects = load_config({"regions": "us-east-1", "fence": FENCE, "fenceEndpointIds": IDS}, None).fence
    assert from_json == from_objects and from_json is not None and from_json.enabled
    assert from_json.endpoint_id("us-east-1", "bedrock-runtime") == "vpce-0bbbbbbbbbbbbbbb2"


def test_fence_that_is_not_json_is_one_sentence() -> None:
    sentence = problem({"regions": "us-east-1", "fence": "{'enabled': true}"})
    assert sentence.startswith("fence \"{'enabled': true}\" is not valid JSON (Expecting property name enclosed in double quotes at character 1); quote it for the shell, for example -c fence='{")


def test_fence_that_is_not_an_object_says_what_is_expected() -> None:
    assert problem({"regions": "us-east-1", "fence": "enabled"}).startswith("fence must be an object, for example -c fence='{")


def test_region_overrides_and_claude_platform_as_json_text() -> None:
    overrides = json.dumps({"us-east-1": {"azCount": 1, "claudePlatform": {"enabled": True, "principalArns": ["arn:aws:iam::123456789012:role/claude-app"]}}})
    (region,) = load_config({"regions": "us-east-1", "regionOverrides": overrides}, None).regions
    assert region.az_count == 1 and region.claude_platform_principal_arns == ("arn:aws:iam::123456789012:role/claude-app",)
    platform = json.dumps({"enabled": True, "principalArns": ["arn:aws:iam::123456789012:role/claude-app"]})
    (region,) = load_config({"regions": "us-east-1", "claudePlatform": platform}, None).regions
    assert region.claude_platform_principal_arns == ("arn:aws:iam::123456789012:role/claude-app",)


def test_lists_as_json_text() -> None:
    (region,) = load_config({"regions": '["us-east-1"]', "runtimeModels": '["amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0"]'}, None).regions
    assert [m.model_id for m in region.runtime_models] == ["amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0"]
