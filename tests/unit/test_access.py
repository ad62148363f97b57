"""BedrockAccess: the library's value object of what the grants need, validated at construction."""

from __future__ import annotations

import pytest

from private_bedrock.access import BedrockAccess
from private_bedrock.config.app_config import ModelRef, load_config
from private_bedrock.config.errors import ConfigError

EXAMPLE = dict(region="eu-central-1", runtime_models=["eu.amazon.nova-micro-v1:0"], inference_scope="geography", mantle_models=["openai.gpt-oss-20b"])


def test_the_example_holds_tuples_and_derives_the_services() -> None:
    access = BedrockAccess(**EXAMPLE)
    assert access.runtime_models == (ModelRef("eu.amazon.nova-micro-v1:0", "eu"),)
    assert access.mantle_models == ("openai.gpt-oss-20b",)
    assert access.services == ("bedrock", "bedrock-runtime", "bedrock-mantle")
    assert access.capabilities == ("inference", "streaming")
    assert access.endpoint_policy == "allow" and access.allow_api_keys is False
    assert access.warnings == ()
    # Immutable, hashable, equal by value.
    with pytest.raises(AttributeError):
        access.region = "us-east-1"  # type: ignore[misc]
    assert hash(access) == hash(BedrockAccess(**EXAMPLE)) and access == BedrockAccess(**EXAMPLE)


def test_without_mantle_models_there_is_no_mantle_endpoint() -> None:
    access = BedrockAccess(region="us-east-1", runtime_models="amazon.nova-micro-v1:0")
    assert access.services == ("bedrock", "bedrock-runtime")
    assert access.runtime_model_ids == ("amazon.nova-micro-v1:0",)


def test_a_misspelt_model_id_names_the_close_match() -> None:
    with pytest.raises(ConfigError, match=r"^runtime_models entry 'eu.amazon.nova-micro-v1' is not a model id .*did you mean 'eu.amazon.nova-micro-v1:0'"):
        BedrockAccess(**{**EXAMPLE, "runtime_models": ["eu.amazon.nova-micro-v1"]})


def test_an_unlisted_model_is_a_warning_when_asked() -> None:
    access = BedrockAccess(**{**EXAMPLE, "runtime_models": ["eu.amazon.nova-micro-v1"], "check_documented": False})
    assert len(access.warnings) == 1 and "did you mean 'eu.amazon.nova-micro-v1:0'" in access.warnings[0]


def test_a_profile_outside_the_scope_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigError, match=r"inference profile that inferenceScope 'region' does not admit in eu-central-1.*set inference_scope to 'geography'"):
        BedrockAccess(**{**EXAMPLE, "inference_scope": "region"})


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"region": 3}, r"^region 3 has no Amazon Bedrock PrivateLink endpoints"),
        ({"runtime_models": 5}, r"^runtime_models must be a list of strings"),
        ({"runtime_models": []}, r"^runtime_models is empty"),
        ({"mantle_models": ["eu.openai.gpt-oss-20b"]}, r"^mantle_models entry 'eu.openai.gpt-oss-20b' is not a bedrock-mantle model id"),
        ({"inference_scope": "planet"}, r"^inference_scope 'planet' is not supported; use one of: region, country, geography, global\.$"),
        ({"endpoint_policy": "open"}, r"^endpoint_policy 'open' is not supported"),
        ({"allow_api_keys": "yes"}, r"^allow_api_keys must be true or false, got 'yes'\.$"),
        ({"capabilities": ["streaming"]}, r"lacks inference"),
        ({"services": ["bedrock"]}, r"^services must include bedrock-runtime"),
        ({"services": "bedrock-runtime,bedrock-runtime"}, r"^services lists bedrock-runtime more than once; list each endpoint once\.$"),
        ({"service_tiers": ["flex"]}, r"^service_tiers \['flex'\] leaves out default"),
        ({"guardrail_arn": "arn:aws:bedrock:eu-central-1:123456789012:guardrail/abc"}, r"^guardrail_arn is set but capabilities lacks guardrails"),
        ({"agent_alias_arns": ["arn:aws:bedrock:eu-central-1:1:agent-alias/x"]}, r"^agent_alias_arns entry .* is not an ARN such as"),
        ({"model_regions": {"eu.amazon.nova-micro-v1:0": 5}}, r"^model_regions\['eu.amazon.nova-micro-v1:0'\] must be a list of strings"),
        ({"model_regions": {"eu.amazon.nova-micro-v1:0": ["eu-central-1", "eu-nowhere-1"]}}, r"^model_regions\['eu.amazon.nova-micro-v1:0'\] entry 'eu-nowhere-1' is not a Bedrock region"),
        ({"model_regions": {"amazon.nova-lite-v1:0": ["eu-central-1"]}}, r"^model_regions has key 'amazon.nova-lite-v1:0', which is not in runtime_models"),
        ({"claude_platform_principal_arns": ["arn:aws:iam::*:role/x"]}, r"^claude_platform_principal_arns entry .* is not an IAM role ARN"),
    ],
)
def test_a_bad_value_is_one_sentence(changes: dict, sentence: str) -> None:
    with pytest.raises(ConfigError, match=sentence) as err:
        BedrockAccess(**{**EXAMPLE, **changes})
    assert str(err.value).count("\n") == 0 and str(err.value).endswith((".", "?"))


def test_the_app_config_composes_the_same_value() -> None:
    cfg = load_config({"regions": ["eu-central-1"], "runtimeModels": ["eu.amazon.nova-micro-v1:0"], "inferenceScope": "geography"}, None).regions[0]
    assert cfg.access == BedrockAccess(**EXAMPLE, check_documented=False)
    assert cfg.access is cfg.access  # built once


def test_model_regions_given_as_a_string_is_a_list_of_regions() -> None:
    access = BedrockAccess(**{**EXAMPLE, "model_regions": {"eu.amazon.nova-micro-v1:0": "eu-central-1,eu-west-1"}})
    assert access.model_regions == {"eu.amazon.nova-micro-v1:0": ("eu-central-1", "eu-west-1")}
