"""The organisation fence of a spoke names its hub's endpoints (hubEndpointIds), not its own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.policies.scp import fence_manifest, fence_policies

HUB_IDS = {"bedrock": "vpce-0aaaaaaaaaaaaaaa1", "bedrock-runtime": "vpce-0aaaaaaaaaaaaaaa2", "bedrock-mantle": "vpce-0aaaaaaaaaaaaaaa3"}
SPOKE = {
    "regions": ["us-east-1"],
    "topology": "spoke",
    "vpcId": "vpc-05b0ce0000000000a",
    "subnetIds": ["subnet-05b0ce0000000000a", "subnet-05b0ce0000000000b"],
    "hubVpcCidr": "10.80.0.0/16",
    "hubDnsProfileId": "rp-0a1b2c3d4e5f6a7b",
    "hubEndpointIds": [f"{s}={i}" for s, i in HUB_IDS.items()],
}
FENCE = {"enabled": True, "managementAccount": "999988887777", "targets": ["ou-ab12-cdef3456"], "breakGlassPrincipalArns": ["arn:aws:iam::999988887777:role/BreakGlass"]}


def spoke_config(**extra: Any):
    return load_config({**SPOKE, "fence": FENCE, **extra}, None)


def test_a_spoke_fence_names_the_hub_endpoints_without_fence_ids() -> None:
    config = spoke_config()
    assert config.fence is not None
    assert {s: config.fence.endpoint_id("us-east-1", s) for s in HUB_IDS} == HUB_IDS
    manifest = fence_manifest(config, fence_policies(config))
    assert manifest["placeholders"] is False
    assert manifest["endpointIds"] == {"us-east-1": HUB_IDS}
    text = "".join(p.content for p in fence_policies(config))
    assert all(i in text for i in HUB_IDS.values()) and "PLACEHOLDER" not in text
    # The SCP's endpoint statement denies Bedrock outside exactly these endpoints.
    vpces = {v for p in fence_policies(config) for st in json.loads(p.content)["Statement"]
             for v in (st.get("Condition", {}).get("StringNotEquals", {}).get("aws:SourceVpce") or [])}
    assert set(HUB_IDS.values()) <= vpces


def test_the_same_hub_id_stored_by_make_fence_ids_is_accepted() -> None:
    config = spoke_config(fenceEndpointIds={"us-east-1": {"bedrock-runtime": HUB_IDS["bedrock-runtime"]}})
    assert config.fence is not None and config.fence.endpoint_id("us-east-1", "bedrock-runtime") == HUB_IDS["bedrock-runtime"]


def test_another_id_for_a_spoke_is_one_sentence() -> None:
    with pytest.raises(ConfigError) as err:
        spoke_config(fenceEndpointIds={"us-east-1": {"bedrock-runtime": "vpce-0bbbbbbbbbbbbbbb9"}})
    message = str(err.value)
    assert message.startswith("fenceEndpointIds.us-east-1.bedrock-runtime 'vpce-0bbbbbbbbbbbbbbb9' is not the hub's endpoint 'vpce-0aaaaaaaaaaaaaaa2'")
    assert message.count(".") >= 1 and "\n" not in message
