"""What the grants cover beyond endpoints and models: `capabilities`, `serviceTiers`,
`guardrailArn`, `agentAliasArns` and `knowledgeBaseArns` (the named Bedrock resources).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from private_bedrock.config.endpoints import AGENT_SERVICES
from private_bedrock.config.context_keys import SERVICE_TIERS, default
from private_bedrock.config.errors import ConfigError
from private_bedrock.config.values import as_list
from private_bedrock.facts.capabilities import CAPABILITIES, REQUIRES

# Bedrock resource ARNs the configuration names (patterns from the Bedrock API reference).
GUARDRAIL_ARN = re.compile(r"^arn:aws:bedrock:([a-z0-9-]+):(\d{12}):guardrail/[a-z0-9]+$")
AGENT_ALIAS_ARN = re.compile(r"^arn:aws:bedrock:([a-z0-9-]+):(\d{12}):agent-alias/[0-9a-zA-Z]{10}/[0-9a-zA-Z]{10}$")
KNOWLEDGE_BASE_ARN = re.compile(r"^arn:aws:bedrock:([a-z0-9-]+):(\d{12}):knowledge-base/[0-9a-zA-Z]{10}$")


def parse_service_tiers(key: str, value: Any) -> tuple[str, ...]:
    """The tiers inference may name, in SERVICE_TIERS order (reordering changes no policy)."""
    if value is None:
        return ()
    tiers = as_list(key, value)
    for tier in tiers:
        if tier not in SERVICE_TIERS:
            raise ConfigError(f"{key} entry {tier!r} is not a Bedrock service tier; use some of: {', '.join(SERVICE_TIERS)}.")
    if "default" not in tiers:
        raise ConfigError(
            f"{key} {tiers!r} leaves out default; add default, because a request that names no tier runs at the "
            "default tier and AWS does not document whether it then carries the tier condition key."
        )
    return tuple(t for t in SERVICE_TIERS if t in tiers)


def parse_capabilities(key: str, value: Any) -> tuple[str, ...]:
    names = as_list(key, value)
    for name in names:
        if name not in CAPABILITIES:
            raise ConfigError(f"{key} entry {name!r} is not a known capability; use any of: {', '.join(CAPABILITIES)}.")
    if "inference" not in names:
        raise ConfigError(f"{key} {names!r} lacks inference, which every other capability and the probe build on; add it.")
    for name, needed in REQUIRES.items():
        if name in names and needed not in names:
            raise ConfigError(f"{key} lists {name} without {needed}, which it extends; add {needed} or remove {name}.")
    # Keep the documented order so the policies do not change when the user reorders the list.
    return tuple(c for c in CAPABILITIES if c in names)


def bedrock_arns(key: str, values: list[str], pattern: re.Pattern[str], example: str, region: str, account: str | None) -> tuple[str, ...]:
    """ARNs of this region's (and account's) Bedrock resources, validated one by one."""
    for arn in values:
        m = pattern.match(arn)
        if not m:
            raise ConfigError(f"{key} entry {arn!r} is not an ARN such as {example}.")
        if m.group(1) != region:
            raise ConfigError(f"{key} entry {arn!r} is in {m.group(1)}, not {region}; name a resource of {region} (set it in regionOverrides.{region}).")
        if account is not None and m.group(2) != account:
            raise ConfigError(f"{key} entry {arn!r} belongs to account {m.group(2)}, not the deployment account {account}; name a resource of {account}.")
    return tuple(dict.fromkeys(values))


def guardrail_format(where: Callable[[str], str], region: str, value: Any, account: str | None) -> str | None:
    """guardrailArn on its own (None, or a guardrail ARN of this region and account): needs no other key."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where('guardrailArn')} must be one guardrail ARN string, got {value!r}.")
    (guardrail,) = bedrock_arns(where("guardrailArn"), [value], GUARDRAIL_ARN, f"arn:aws:bedrock:{region}:123456789012:guardrail/abc123def456", region, account)
    return guardrail


def parse_guardrail(
    where: Callable[[str], str], region: str, value: Any, account: str | None, capabilities: tuple[str, ...], mantle_enabled: bool
) -> tuple[str | None, tuple[str, ...]]:
    """The guardrail inference must carry (or None) and the warnings that come with one."""
    guardrail = guardrail_format(where, region, value, account)
    if guardrail is None:
        if "guardrails" in capabilities:
            raise ConfigError(f"{where('capabilities')} lists guardrails but no guardrailArn is set; set guardrailArn to arn:aws:bedrock:{region}:<account>:guardrail/<id>.")
        return None, ()
    if "guardrails" not in capabilities:
        raise ConfigError(f"{where('guardrailArn')} is set but {where('capabilities')} lacks guardrails; add guardrails (Converse with a guardrail needs ApplyGuardrail).")
    if mantle_enabled:
        raise ConfigError(
            f"{where('guardrailArn')} can be enforced on bedrock-runtime only (bedrock-mantle has no guardrail condition key); "
            f"remove bedrock-mantle from {where('endpoints')} in {region} or unset {where('guardrailArn')}."
        )
    # "Guardrails don't apply to the Responses API" (bedrock-runtime, inference-responses-api,
    # read 2026-12). The model grants demand bedrock:GuardrailIdentifier, which those calls
    # cannot carry, so the policies refuse them: say so before someone wonders why.
    warning = (
        f"{where('guardrailArn')}: guardrails do not apply to the Responses API (nor, here, to Chat Completions) on "
        f"bedrock-runtime in {region}, so the policies refuse those calls; workloads that must be guarded call "
        "Converse or InvokeModel with the guardrail."
    )
    return guardrail, (warning,)


def parse_agent_arns(
    where: Callable[[str], str], region: str, settings: Mapping[str, Any], account: str | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The only agent aliases and knowledge bases bedrock-agent-runtime may use."""
    alias_arns = bedrock_arns(
        where("agentAliasArns"), as_list(where("agentAliasArns"), settings.get("agentAliasArns", default("agentAliasArns"))), AGENT_ALIAS_ARN,
        f"arn:aws:bedrock:{region}:123456789012:agent-alias/AGENT12345/ALIAS12345", region, account,
    )
    kb_arns = bedrock_arns(
        where("knowledgeBaseArns"), as_list(where("knowledgeBaseArns"), settings.get("knowledgeBaseArns", default("knowledgeBaseArns"))), KNOWLEDGE_BASE_ARN,
        f"arn:aws:bedrock:{region}:123456789012:knowledge-base/KB12345678", region, account,
    )
    return alias_arns, kb_arns


def check_agent_endpoints(where: Callable[[str], str], endpoints: tuple[str, ...], alias_arns: tuple[str, ...], kb_arns: tuple[str, ...]) -> None:
    agent_endpoints = [s for s in AGENT_SERVICES if s in endpoints]
    if agent_endpoints and not (alias_arns or kb_arns):
        raise ConfigError(
            f"{where('endpoints')} enables {' and '.join(agent_endpoints)} but no agent or knowledge base is named; "
            f"list the ones workloads may use in {where('agentAliasArns')} and/or {where('knowledgeBaseArns')}."
        )
    if (alias_arns or kb_arns) and not agent_endpoints:
        raise ConfigError(
            f"{where('agentAliasArns') if alias_arns else where('knowledgeBaseArns')} is set but {where('endpoints')} has no agent endpoint; "
            "add bedrock-agent-runtime (and bedrock-agent for reads) or remove the ARNs."
        )


def check_one_account(key_arns: Mapping[str, tuple[str, ...]]) -> None:
    """Without a deployment account, the named resources must at least share one account."""
    owners = {arn.split(":")[4]: key for key, arns in key_arns.items() for arn in arns}
    if len(owners) > 1:
        listed = ", ".join(f"{acct} ({key})" for acct, key in sorted(owners.items()))
        raise ConfigError(f"The Bedrock resources named in the configuration belong to several accounts ({listed}); name resources of the deployment account only.")
