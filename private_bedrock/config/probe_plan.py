"""What the probe calls: allowed models from the allow lists, refused ones from outside them.

Also the two settings only the probe reads: `mantleBasePath` and `probePublicDnsName`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from private_bedrock.config.context_keys import DEFAULT_PROBE_PUBLIC_DNS_NAME, MANTLE_BASE_PATHS
from private_bedrock.config.errors import ConfigError
from private_bedrock.config.models import ModelRef
from private_bedrock.facts.regions import api_key_support

# Real models the probe uses to show that a model outside the allow list is refused.
# (Authorization happens before model lookup, so a refusal is shown whatever the region offers.)
RUNTIME_DENIAL_CANDIDATES = (
    "amazon.nova-lite-v1:0", "amazon.nova-pro-v1:0", "amazon.nova-micro-v1:0",
    "meta.llama3-8b-instruct-v1:0", "mistral.mistral-small-2402-v1:0",
)
MANTLE_DENIAL_CANDIDATES = ("openai.gpt-oss-120b", "openai.gpt-oss-20b", "openai.gpt-oss-safeguard-20b", "openai.gpt-oss-safeguard-120b")
# bedrock-runtime's OpenAI-compatible APIs (/openai/v1: Chat Completions, Responses) serve
# only OpenAI models, under their bedrock-runtime ids ("You can use the Create chat completion
# API with all OpenAI models supported in Amazon Bedrock", inference-chat-completions.html);
# Nova and the other Converse models are not served there [field: re-check
# models-api-compatibility.html when AWS adds models]. So the probe's runtime OpenAI checks
# use the first allow-listed runtime model of this provider, and show a refusal with an
# OpenAI model outside the allow list (one the path would otherwise serve). Responses on
# bedrock-runtime does not serve the GPT OSS models ("Responses API access to GPT OSS models"
# is listed as mantle-only, inference-responses-api.html), so its check needs another one.
RUNTIME_OPENAI_PROVIDER = "openai."
RUNTIME_RESPONSES_NOT_SERVED = ("openai.gpt-oss-",)
RUNTIME_OPENAI_DENIAL_CANDIDATES = ("openai.gpt-oss-120b-1:0", "openai.gpt-oss-20b-1:0")
# The Anthropic Messages API (bedrock-mantle /anthropic/v1/messages; bedrock-runtime through
# the Anthropic SDK's AnthropicBedrock, i.e. InvokeModel) serves Claude models: the probe's
# allowed calls use the first allow-listed model of this provider, its refusals a Claude model
# outside the lists. Mantle's Claude ids carry no version suffix (models.list is the truth) [field].
ANTHROPIC_PROVIDER = "anthropic."
RUNTIME_ANTHROPIC_DENIAL_CANDIDATES = ("anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0")
MANTLE_ANTHROPIC_DENIAL_CANDIDATES = ("anthropic.claude-haiku-4-5", "anthropic.claude-sonnet-4-5")
_DNS_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class ProbePlan:
    """What the probe calls; the denied models are real ids outside the allow lists."""

    runtime_model: str
    runtime_denied_model: str
    mantle_model: str | None
    mantle_denied_model: str | None
    mantle_base_path: str
    # bedrock-runtime /openai/v1 (see RUNTIME_OPENAI_PROVIDER): None when no allow-listed
    # runtime model is served there, and then the probe skips the calls that need one.
    runtime_openai_model: str | None = None
    runtime_responses_model: str | None = None
    runtime_openai_denied_model: str = RUNTIME_OPENAI_DENIAL_CANDIDATES[0]
    # None: no DNS firewall to prove (the probe then skips its public-name check).
    public_dns_name: str | None = DEFAULT_PROBE_PUBLIC_DNS_NAME
    # "supported" | "disputed" | "unsupported" (private_bedrock/facts/regions.py api_key_support).
    api_keys_in_region: str = "supported"
    # Whether mantle's server-side web search is expected to work (a capability enables it).
    web_search_allowed: bool = False
    # The Anthropic Messages API (see ANTHROPIC_PROVIDER): None when no Claude model is allow-listed.
    runtime_anthropic_model: str | None = None
    runtime_anthropic_denied_model: str = RUNTIME_ANTHROPIC_DENIAL_CANDIDATES[0]
    mantle_anthropic_model: str | None = None
    mantle_anthropic_denied_model: str = MANTLE_ANTHROPIC_DENIAL_CANDIDATES[0]


def parse_base_path(key: str, value: Any) -> str:
    if value not in MANTLE_BASE_PATHS:
        raise ConfigError(f"{key} {value!r} is not supported; use /v1 or /openai/v1.")
    return value


def parse_public_dns_name(key: str, value: Any) -> str:
    if not isinstance(value, str) or not _DNS_NAME.match(value.strip().lower().rstrip(".")):
        raise ConfigError(
            f"{key} {value!r} is not a DNS name; give a public name the "
            "VPC must not resolve, for example example.com."
        )
    return value.strip().lower().rstrip(".")


def denial_model(key: str, candidates: tuple[str, ...], allowed: set[str]) -> str:
    """A real model outside the allow list, for the probe to show that it is refused."""
    for candidate in candidates:
        if candidate not in allowed:
            return candidate
    raise ConfigError(
        f"{key} allow-lists every model the probe uses to show a refusal ({', '.join(candidates)}); "
        "leave at least one of them out."
    )


def probe_plan(
    where: Callable[[str], str], region: str, models: tuple[ModelRef, ...], mantle_models: tuple[str, ...], mantle_enabled: bool,
    base_path: str, public_dns_name: str, capabilities: tuple[str, ...],
) -> ProbePlan:
    runtime_ids = {m.model_id for m in models} | {m.foundation_model_id for m in models}
    openai = [m for m in models if m.foundation_model_id.startswith(RUNTIME_OPENAI_PROVIDER)]
    return ProbePlan(
        runtime_model=models[0].model_id,
        runtime_denied_model=denial_model(where("runtimeModels"), RUNTIME_DENIAL_CANDIDATES, runtime_ids),
        mantle_model=mantle_models[0] if mantle_enabled else None,
        mantle_denied_model=denial_model(where("mantleModels"), MANTLE_DENIAL_CANDIDATES, set(mantle_models)) if mantle_enabled else None,
        mantle_base_path=base_path,
        runtime_openai_model=next((m.model_id for m in openai), None),
        runtime_responses_model=next((m.model_id for m in openai if not m.foundation_model_id.startswith(RUNTIME_RESPONSES_NOT_SERVED)), None),
        # Never raises: runtime_denied_model above already proved a candidate is free.
        runtime_openai_denied_model=denial_model(where("runtimeModels"), RUNTIME_OPENAI_DENIAL_CANDIDATES + RUNTIME_DENIAL_CANDIDATES, runtime_ids),
        public_dns_name=public_dns_name,
        api_keys_in_region=api_key_support(region),
        # The capability that confines server-side tools to our endpoints instead of denying them.
        web_search_allowed="serverSideTools" in capabilities,
        runtime_anthropic_model=next((m.model_id for m in models if m.foundation_model_id.startswith(ANTHROPIC_PROVIDER)), None),
        runtime_anthropic_denied_model=denial_model(where("runtimeModels"), RUNTIME_ANTHROPIC_DENIAL_CANDIDATES, runtime_ids),
        mantle_anthropic_model=next((m for m in mantle_models if m.startswith(ANTHROPIC_PROVIDER)), None) if mantle_enabled else None,
        mantle_anthropic_denied_model=denial_model(where("mantleModels"), MANTLE_ANTHROPIC_DENIAL_CANDIDATES, set(mantle_models)),
    )
