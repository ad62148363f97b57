"""inferenceScope x model-id kinds: what is accepted, what is refused, and why."""

from __future__ import annotations

import pytest

from stacks.config import ConfigError, load_config


def tokyo(scope: str, model: str):
    ctx = {"regions": ["ap-northeast-1"], "inferenceScope": scope, "runtimeModels": [model]}
    return load_config(ctx, None).regions[0]


IN_REGION = "anthropic.claude-sonnet-4-5-20250929-v1:0"


@pytest.mark.parametrize(
    ("scope", "model", "refusal"),
    [
        ("region", IN_REGION, None),
        ("region", "jp.anthropic.claude-sonnet-4-5-20250929-v1:0", "inferenceScope 'region' forbids"),
        ("region", "apac.amazon.nova-micro-v1:0", "inferenceScope 'region' forbids"),
        ("region", "global.amazon.nova-micro-v1:0", "inferenceScope 'region' forbids"),
        ("geography", IN_REGION, None),
        ("geography", "jp.anthropic.claude-sonnet-4-5-20250929-v1:0", None),
        ("geography", "apac.amazon.nova-micro-v1:0", None),
        ("geography", "us.amazon.nova-micro-v1:0", "routes outside the geography of ap-northeast-1"),
        ("geography", "eu.amazon.nova-micro-v1:0", "routes outside the geography of ap-northeast-1"),
        ("geography", "global.amazon.nova-micro-v1:0", "routes outside the geography of ap-northeast-1"),
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


def test_user_models_default_to_region_scope() -> None:
    # Choosing a profile is a residency decision: it must be said out loud.
    with pytest.raises(ConfigError, match="inferenceScope 'region' forbids"):
        load_config({"regions": ["eu-central-1"], "runtimeModels": ["eu.amazon.nova-micro-v1:0"]}, None)


@pytest.mark.parametrize(
    ("model", "where"),
    [
        (IN_REGION, ("ap-northeast-1",)),
        ("jp.anthropic.claude-sonnet-4-5-20250929-v1:0", ("ap-northeast-1", "ap-northeast-3")),
        ("global.amazon.nova-micro-v1:0", ("*",)),
    ],
)
def test_where_inference_may_run(model: str, where: tuple[str, ...]) -> None:
    assert tokyo("global", model).inference_regions() == where
