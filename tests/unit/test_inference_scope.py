"""inferenceScope x model-id kinds: what is accepted, what is refused, and why."""

from __future__ import annotations

import pytest

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.facts.regions import INFERENCE_SCOPES, admitted_prefixes


def tokyo(scope: str, model: str):
    ctx = {"regions": ["ap-northeast-1"], "inferenceScope": scope, "runtimeModels": [model]}
    return load_config(ctx, None).regions[0]


IN_REGION = "anthropic.claude-sonnet-4-5-20250929-v1:0"
JP = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0"
NOT_ADMITTED = "does not admit in ap-northeast-1"


@pytest.mark.parametrize(
    ("scope", "model", "refusal"),
    [
        ("region", IN_REGION, None),
        ("region", JP, "inferenceScope 'region' does not admit in ap-northeast-1 .it admits in-region ids.; .* set inferenceScope to 'country'"),
        ("region", "apac.amazon.nova-micro-v1:0", NOT_ADMITTED),
        ("region", "global.amazon.nova-micro-v1:0", NOT_ADMITTED),
        ("country", IN_REGION, None),
        ("country", JP, None),
        # apac. is not Japan: the country scope refuses it and says which scope would admit it.
        ("country", "apac.amazon.nova-micro-v1:0", r"'country' does not admit in ap-northeast-1 \(it admits in-region ids, jp\.\); .* set inferenceScope to 'geography'"),
        ("country", "us.amazon.nova-micro-v1:0", NOT_ADMITTED),
        ("geography", IN_REGION, None),
        ("geography", JP, None),
        ("geography", "apac.amazon.nova-micro-v1:0", None),
        ("geography", "us.amazon.nova-micro-v1:0", r"it admits in-region ids, apac\., jp\.\)"),
        ("geography", "eu.amazon.nova-micro-v1:0", NOT_ADMITTED),
        ("geography", "global.amazon.nova-micro-v1:0", NOT_ADMITTED),
        ("global", IN_REGION, None),
        ("global", "global.amazon.nova-micro-v1:0", None),
        ("global", "us.amazon.nova-micro-v1:0", None),
    ],
)
def test_scope_model_matrix(scope: str, model: str, refusal: str | None) -> None:
    if refusal is None:
        assert tokyo(scope, model).runtime_models[0].model_id == model
    else:
        with pytest.raises(ConfigError, match=refusal):
            tokyo(scope, model)


def test_refusals_name_models_really_offered_with_the_country_profile() -> None:
    with pytest.raises(ConfigError, match=r"for example jp\.amazon\.nova-2-lite-v1:0"):
        tokyo("country", "apac.amazon.nova-micro-v1:0")


def test_user_models_default_to_region_scope() -> None:
    # Choosing a profile is a residency decision: it must be said out loud.
    with pytest.raises(ConfigError, match="inferenceScope 'region' does not admit"):
        load_config({"regions": ["eu-central-1"], "runtimeModels": ["eu.amazon.nova-micro-v1:0"]}, None)


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("ap-northeast-1", {"region": (), "country": ("jp",), "geography": ("apac", "jp"), "global": ("us", "eu", "apac", "jp", "au", "global")}),
        ("ap-southeast-2", {"region": (), "country": ("au",), "geography": ("apac", "au")}),
        ("us-east-1", {"region": (), "country": ("us",), "geography": ("us",)}),
        ("eu-central-1", {"region": (), "country": (), "geography": ("eu",)}),
    ],
)
def test_each_scope_admits_exactly_these_prefixes(region: str, expected: dict) -> None:
    for scope, prefixes in expected.items():
        assert scope in INFERENCE_SCOPES
        assert admitted_prefixes(region, scope) == prefixes, (region, scope)


@pytest.mark.parametrize(
    ("model", "where"),
    [
        (IN_REGION, ("ap-northeast-1",)),
        (JP, ("ap-northeast-1", "ap-northeast-3")),
        ("global.amazon.nova-micro-v1:0", ("*",)),
    ],
)
def test_where_inference_may_run(model: str, where: tuple[str, ...]) -> None:
    assert tokyo("global", model).inference_regions() == where


def test_old_scope_values_keep_their_meaning() -> None:
    # 'geography' (the old Tokyo default) still admits what it did: jp. and apac.
    assert tokyo("geography", "apac.amazon.nova-micro-v1:0").inference_scope == "geography"
    with pytest.raises(ConfigError, match=r"inferenceScope 'continent' is not supported; use one of: region, country, geography, global"):
        tokyo("continent", JP)
