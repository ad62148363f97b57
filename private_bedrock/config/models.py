"""Model ids and where inference for them may run: `runtimeModels`, `mantleModels`, `inferenceScope`.

A native model id is an in-region foundation model or a cross-region inference profile; the
scope says which profile prefixes are admitted, and a country profile must stay in its country.
Unknown ids are refused when the account said so (cached lookup), a warning otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from private_bedrock.config.account_facts import ACCOUNT_SOURCE, DOCUMENTED_SOURCE, AccountFacts
from private_bedrock.config.errors import ConfigError
from private_bedrock.facts.model_catalog import IN_REGION_MODELS, ModelCatalog, profiles_with_prefix, unknown_model_sentence
from private_bedrock.facts.regions import (
    COUNTRY_PROFILES,
    GLOBAL_PREFIX,
    INFERENCE_SCOPES,
    PROFILE_GEOGRAPHIES,
    PROFILE_PREFIXES,
    admitted_prefixes,
    country_prefix,
    geographies_of,
    scope_meaning,
)

MODEL_ID = re.compile(r"^[a-z0-9-]+\.[a-z0-9][a-z0-9._:-]*$")


@dataclass(frozen=True)
class ModelRef:
    """A native (bedrock-runtime) model id: an in-region foundation model or a profile."""

    model_id: str
    # None for an in-region foundation model; "us", "eu", "apac", "jp", "au" or "global".
    profile_prefix: str | None = None

    @property
    def is_profile(self) -> bool:
        return self.profile_prefix is not None

    @property
    def foundation_model_id(self) -> str:
        """The underlying foundation model (the profile id without its prefix)."""
        if self.profile_prefix is None:
            return self.model_id
        return self.model_id[len(self.profile_prefix) + 1 :]

    def documented_regions(self, source_region: str) -> tuple[str, ...]:
        """Where inference may run when this id is called from `source_region`, per the docs."""
        if self.profile_prefix is None:
            return (source_region,)
        if self.profile_prefix == GLOBAL_PREFIX:
            return ("*",)
        return PROFILE_GEOGRAPHIES[self.profile_prefix]


def parse_model_id(key: str, model_id: str) -> ModelRef:
    if model_id.startswith("arn:"):
        raise ConfigError(
            f"{key} entry {model_id!r} is an ARN; give the model or inference profile id "
            "(for example amazon.nova-micro-v1:0 or us.amazon.nova-micro-v1:0)."
        )
    if not MODEL_ID.match(model_id):
        raise ConfigError(
            f"{key} entry {model_id!r} is not a Bedrock model id; expected provider.model "
            "in lower case (for example amazon.nova-micro-v1:0), optionally prefixed by a "
            f"cross-region profile prefix ({', '.join(p + '.' for p in PROFILE_PREFIXES)})."
        )
    prefix, _, rest = model_id.partition(".")
    if prefix in PROFILE_PREFIXES:
        if not MODEL_ID.match(rest):
            raise ConfigError(
                f"{key} entry {model_id!r} is an inference profile id without a model; "
                f"expected {prefix}.provider.model (for example {prefix}.amazon.nova-micro-v1:0)."
            )
        return ModelRef(model_id, prefix)
    return ModelRef(model_id, None)


def check_mantle_model_id(key: str, model_id: str) -> None:
    if not MODEL_ID.match(model_id) or model_id.partition(".")[0] in PROFILE_PREFIXES:
        raise ConfigError(
            f"{key} entry {model_id!r} is not a bedrock-mantle model id; expected "
            "provider.model without a region prefix (for example openai.gpt-oss-20b)."
        )


def scope_hint(region: str) -> str:
    """Real models that keep inference in `region` or its country, or the wider choice there is."""
    country = country_prefix(region)
    options = [*IN_REGION_MODELS.get(region, ())[:2], *(profiles_with_prefix(country)[:2] if country else ())]
    if options:
        return "for example " + " or ".join(options)
    broad = next((p for p in geographies_of(region) if p not in COUNTRY_PROFILES), None)
    wider = f", or the {broad}. profile such as {profiles_with_prefix(broad)[0]} with inferenceScope 'geography'" if broad else ""
    return f"a model the account offers in-region there (`make lookup` lists them){wider}"


def check_scope(where: str, scope_where: str, region: str, scope: str, model: ModelRef, regions: tuple[str, ...], source: str) -> None:
    """The model id's prefix must be one the scope admits, and a country profile must stay in its country."""
    if model.profile_prefix is None:
        return
    admitted = admitted_prefixes(region, scope)
    if model.profile_prefix not in admitted:
        wider = next((s for s in INFERENCE_SCOPES if model.profile_prefix in admitted_prefixes(region, s)), "global")
        raise ConfigError(
            f"{where} entry {model.model_id!r} is a cross-region inference profile that inferenceScope "
            f"{scope!r} does not admit in {region} (it admits {scope_meaning(region, scope)}); "
            f"use a model that keeps inference where you need it ({scope_hint(region)}) or set {scope_where} to {wider!r} if that residency is acceptable."
        )
    country = COUNTRY_PROFILES.get(model.profile_prefix)
    if country and scope == "country" and "*" not in regions:
        outside = [r for r in regions if r not in PROFILE_GEOGRAPHIES[model.profile_prefix]]
        if outside:
            raise ConfigError(
                f"{where} entry {model.model_id!r} routes to {', '.join(outside)} per the {source}, outside "
                f"{country}, which inferenceScope 'country' forbids; choose another model or set {scope_where} to 'geography'."
            )


def model_destinations(
    where: str, scope_where: str, region: str, scope: str, models: tuple[ModelRef, ...], facts: AccountFacts
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Where each model may run (the account's profile lookup, else the documented table) and
    which of the two said so; a model the scope does not admit is refused."""
    model_regions: dict[str, tuple[str, ...]] = {}
    model_sources: dict[str, str] = {}
    for m in models:
        looked_up = facts.profile_regions.get(m.model_id, ()) if m.is_profile else ()
        if m.model_id in facts.profile_regions and looked_up is None:
            raise ConfigError(
                f"{where} entry {m.model_id!r} is not an inference profile of this account in {region} "
                f"(account lookup, cdk.context.json); {scope_hint(region)}."
            )
        model_regions[m.model_id] = tuple(looked_up or ()) or m.documented_regions(region)
        model_sources[m.model_id] = ACCOUNT_SOURCE if looked_up else DOCUMENTED_SOURCE
        check_scope(where, scope_where, region, scope, m, model_regions[m.model_id], model_sources[m.model_id])
    return model_regions, model_sources


def check_model_ids(where: str, region: str, ids: tuple[str, ...], catalog: ModelCatalog) -> tuple[str, ...]:
    """Unknown ids: refused when the account said so, a warning against the documented table."""
    warnings = []
    for model_id in ids:
        if model_id in catalog.ids:
            continue
        sentence = unknown_model_sentence(where, model_id, region, catalog)
        if catalog.authoritative:
            raise ConfigError(sentence)
        warnings.append(sentence)
    return tuple(warnings)
