"""Configuration errors of the capability, guardrail and agent keys: one sentence each."""

from __future__ import annotations

import pytest

from private_bedrock.config.app_config import ConfigError, load_config

ACCOUNT = "111122223333"
ALIAS = "arn:aws:bedrock:us-east-1:111122223333:agent-alias/AGENT12345/ALIAS12345"
KB = "arn:aws:bedrock:us-east-1:111122223333:knowledge-base/KB12345678"
GUARDRAIL = "arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123def456"
RUNTIME_ONLY = ["bedrock", "bedrock-runtime"]
AGENTS = ["bedrock", "bedrock-runtime", "bedrock-agent-runtime"]


def load(account: str | None = ACCOUNT, **ctx):
    return load_config({"regions": ["us-east-1"], **ctx}, account).regions[0]


@pytest.mark.parametrize(
    ("ctx", "message"),
    [
        ({"capabilities": ["inference", "webSearch"]}, r"^capabilities entry 'webSearch' is not a known capability; use any of: inference, streaming, .*\.$"),
        ({"capabilities": ["streaming"]}, r"^capabilities \['streaming'\] lacks inference, which every other capability and the probe build on; add it\.$"),
        ({"capabilities": ["inference", "externalWebAccess"]}, r"^capabilities lists externalWebAccess without serverSideTools, which it extends; add serverSideTools or remove externalWebAccess\.$"),
        ({"capabilities": ["inference", "guardrails"], "endpoints": RUNTIME_ONLY}, r"^capabilities lists guardrails but no guardrailArn is set; set guardrailArn to arn:aws:bedrock:us-east-1:<account>:guardrail/<id>\.$"),
        ({"guardrailArn": GUARDRAIL, "endpoints": RUNTIME_ONLY}, r"^guardrailArn is set but capabilities lacks guardrails; add guardrails"),
        ({"guardrailArn": GUARDRAIL, "capabilities": ["inference", "guardrails"]}, r"^guardrailArn can be enforced on bedrock-runtime only \(bedrock-mantle has no guardrail condition key\); remove bedrock-mantle"),
        ({"guardrailArn": "abc123def456", "capabilities": ["inference", "guardrails"], "endpoints": RUNTIME_ONLY}, r"^guardrailArn entry 'abc123def456' is not an ARN such as arn:aws:bedrock:us-east-1:123456789012:guardrail/"),
        ({"endpoints": AGENTS}, r"^endpoints enables bedrock-agent-runtime but no agent or knowledge base is named; list the ones workloads may use in agentAliasArns and/or knowledgeBaseArns\.$"),
        ({"agentAliasArns": [ALIAS]}, r"^agentAliasArns is set but endpoints has no agent endpoint; add bedrock-agent-runtime"),
        ({"endpoints": AGENTS, "agentAliasArns": ["arn:aws:bedrock:us-east-1:111122223333:agent/AGENT12345"]}, r"^agentAliasArns entry '.*:agent/AGENT12345' is not an ARN such as .*agent-alias/AGENT12345/ALIAS12345\.$"),
        ({"endpoints": AGENTS, "knowledgeBaseArns": [KB.replace("us-east-1", "us-west-2")]}, r"^knowledgeBaseArns entry '.*' is in us-west-2, not us-east-1; name a resource of us-east-1 \(set it in regionOverrides\.us-east-1\)\.$"),
        ({"endpoints": AGENTS, "knowledgeBaseArns": [KB.replace("111122223333", "999999999999")]}, r"^knowledgeBaseArns entry '.*' belongs to account 999999999999, not the deployment account 111122223333; name a resource of 111122223333\.$"),
    ],
)
def test_one_sentence_errors(ctx: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(**ctx)


def test_without_an_account_the_named_resources_must_share_one() -> None:
    with pytest.raises(ConfigError, match=r"^The Bedrock resources named in the configuration belong to several accounts \(111122223333 \(agentAliasArns\), 999999999999 \(knowledgeBaseArns\)\)"):
        load(None, endpoints=AGENTS, agentAliasArns=[ALIAS], knowledgeBaseArns=[KB.replace("111122223333", "999999999999")])


def test_errors_name_the_override_the_user_wrote() -> None:
    with pytest.raises(ConfigError, match=r"^regionOverrides\.us-east-1\.capabilities entry 'nope'"):
        load_config({"regions": ["us-east-1"], "regionOverrides": {"us-east-1": {"capabilities": ["inference", "nope"]}}}, None)


def test_valid_settings_are_kept_in_documented_order() -> None:
    c = load(capabilities="storedResponses,inference", endpoints=AGENTS, agentAliasArns=[ALIAS, ALIAS], knowledgeBaseArns=[KB])
    assert c.capabilities == ("inference", "storedResponses")
    assert c.agent_alias_arns == (ALIAS,) and c.knowledge_base_arns == (KB,)
    g = load(capabilities=["inference", "guardrails"], endpoints=RUNTIME_ONLY, guardrailArn=GUARDRAIL)
    assert g.guardrail_arn == GUARDRAIL and g.has("guardrails")


def test_a_required_guardrail_warns_that_the_responses_api_runs_none() -> None:
    g = load(capabilities=["inference", "guardrails"], endpoints=RUNTIME_ONLY, guardrailArn=GUARDRAIL)
    (warning,) = [w for w in g.warnings if "Responses API" in w]
    assert warning.startswith("guardrailArn: guardrails do not apply to the Responses API") and "refuse" in warning
    assert not [w for w in load(endpoints=RUNTIME_ONLY).warnings if "Responses API" in w]
