"""Known model ids, to catch a typo at synth instead of after a deploy (issue 14).

Two sources, and synthesis says which one it used:
- the account's catalog (ListFoundationModels, ListInferenceProfiles, bedrock-mantle
  models.list), cached in cdk.context.json by `make lookup`: authoritative, so an unknown id
  is refused;
- the documented table below, offline: it lags AWS, so an unknown id is a warning (still
  naming close matches), never a refusal of a model AWS may have added since.

The table lists what the model cards and inference-profile pages document (checked 2026-11);
it is deliberately not exhaustive.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from private_bedrock.facts.regions import PROFILE_PREFIXES

# Native foundation-model ids -> the profile prefixes AWS documents for them.
RUNTIME_FOUNDATION_MODELS: dict[str, tuple[str, ...]] = {
    "amazon.nova-micro-v1:0": ("us", "eu", "apac"),
    "amazon.nova-lite-v1:0": ("us", "eu", "apac"),
    "amazon.nova-pro-v1:0": ("us", "eu", "apac"),
    "amazon.nova-premier-v1:0": ("us",),
    "amazon.nova-2-lite-v1:0": ("us", "eu", "jp", "global"),
    "anthropic.claude-3-haiku-20240307-v1:0": ("us", "eu", "apac"),
    "anthropic.claude-3-5-sonnet-20240620-v1:0": ("us", "eu", "apac"),
    "anthropic.claude-3-7-sonnet-20250219-v1:0": ("us", "eu", "apac"),
    "anthropic.claude-sonnet-4-20250514-v1:0": ("us", "eu", "apac", "global"),
    "anthropic.claude-sonnet-4-5-20250929-v1:0": ("us", "eu", "jp", "au", "global"),
    "anthropic.claude-haiku-4-5-20251001-v1:0": ("us", "eu", "jp", "au", "global"),
    "anthropic.claude-sonnet-4-6": ("us", "eu", "jp", "au", "global"),
    "anthropic.claude-opus-4-1-20250805-v1:0": ("us",),
    "meta.llama3-8b-instruct-v1:0": (),
    "meta.llama3-70b-instruct-v1:0": (),
    "mistral.mistral-small-2402-v1:0": (),
    "mistral.mistral-large-2402-v1:0": (),
    "openai.gpt-oss-20b-1:0": (),
    "openai.gpt-oss-120b-1:0": (),
}
# Models documented as offered in-region (an id without prefix) in a region, for hints.
IN_REGION_MODELS: dict[str, tuple[str, ...]] = {
    "us-east-1": ("amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0", "amazon.nova-pro-v1:0"),
}
# bedrock-mantle model ids (no region prefix; served under /v1 or /openai/v1).
MANTLE_MODELS: tuple[str, ...] = (
    "openai.gpt-oss-20b",
    "openai.gpt-oss-120b",
    "openai.gpt-oss-safeguard-20b",
    "openai.gpt-oss-safeguard-120b",
)


def documented_runtime_ids() -> frozenset[str]:
    """Every documented native id: foundation models and their profile ids."""
    ids = set(RUNTIME_FOUNDATION_MODELS)
    for model, prefixes in RUNTIME_FOUNDATION_MODELS.items():
        ids.update(f"{p}.{model}" for p in prefixes)
    return frozenset(ids)


def profiles_with_prefix(prefix: str) -> tuple[str, ...]:
    """Documented profile ids of one prefix (jp. -> jp.amazon.nova-2-lite-v1:0, ...)."""
    return tuple(f"{prefix}.{m}" for m, prefixes in RUNTIME_FOUNDATION_MODELS.items() if prefix in prefixes)


@dataclass(frozen=True)
class ModelCatalog:
    """The ids one region offers on one endpoint, and where that list came from."""

    ids: frozenset[str]
    source: str  # "account lookup" or "documented table"

    @property
    def authoritative(self) -> bool:
        return self.source == "account lookup"


DOCUMENTED_RUNTIME = ModelCatalog(documented_runtime_ids(), "documented table")
DOCUMENTED_MANTLE = ModelCatalog(frozenset(MANTLE_MODELS), "documented table")


def _kind(model_id: str) -> str:
    """'jp' for jp.anthropic..., '' for an in-region id: suggestions keep the user's kind."""
    head = model_id.partition(".")[0]
    return head if head in PROFILE_PREFIXES else ""


def close_matches(model_id: str, known: frozenset[str]) -> list[str]:
    """Known ids that look like `model_id` (a typo, a missing version suffix), same kind first."""
    same_kind = sorted(k for k in known if _kind(k) == _kind(model_id)) or sorted(known)
    # "amazon.nova-micro-v1" is a prefix of "amazon.nova-micro-v1:0": always worth naming.
    prefixed = [k for k in same_kind if k.startswith(model_id + ":")][:1]
    similar = [m for m in difflib.get_close_matches(model_id, same_kind, n=3, cutoff=0.75) if m not in prefixed]
    return (prefixed + similar)[:3]


def unknown_model_sentence(where: str, model_id: str, region: str, catalog: ModelCatalog) -> str:
    """One sentence naming the unknown id, the source of the list and the closest known ids."""
    matches = close_matches(model_id, catalog.ids)
    hint = f"did you mean {' or '.join(repr(m) for m in matches)}?" if matches else "check the id against the Bedrock model catalog."
    if catalog.authoritative:
        return f"{where} entry {model_id!r} is not offered to this account in {region} (account lookup cached in cdk.context.json); {hint}"
    return (
        f"{where} entry {model_id!r} is not a model id this app knows (documented table, which may lag AWS; "
        f"`make lookup` asks the account); {hint}"
    )
