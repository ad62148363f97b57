"""Where inference may run: the documented table, the account's word, and what the summary says.

Explicit assertions per default region (not only via snapshots), and named tests that fail
the day a country or geography profile gains a destination outside its borders.
"""

from __future__ import annotations

import pytest

from private_bedrock.config.account_facts import endpoint_service_key, inference_profile_key, model_catalog_key
from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.facts.regions import AGENTS_REGIONS, BEDROCK_REGIONS, MANTLE_REGIONS, NEWER_REGIONS, PROFILE_GEOGRAPHIES, documented_regions
from tests.conftest import synth_in_process
from private_bedrock.tools.report.residency import residency_lines

ACCOUNT = "111122223333"
JP = "jp.amazon.nova-2-lite-v1:0"
JAPAN = {"ap-northeast-1", "ap-northeast-3"}
AUSTRALIA = {"ap-southeast-2", "ap-southeast-4"}


# --- the documented table ------------------------------------------------------------------


def test_jp_profile_stays_in_japan() -> None:
    assert set(PROFILE_GEOGRAPHIES["jp"]) == JAPAN


def test_au_profile_stays_in_australia() -> None:
    assert set(PROFILE_GEOGRAPHIES["au"]) == AUSTRALIA


def test_us_and_eu_profiles_stay_in_their_geography() -> None:
    assert all(r.startswith("us-") for r in PROFILE_GEOGRAPHIES["us"])
    assert all(r.startswith("eu-") for r in PROFILE_GEOGRAPHIES["eu"])


def test_apac_profile_stays_in_asia_pacific_and_includes_the_newer_destinations() -> None:
    apac = set(PROFILE_GEOGRAPHIES["apac"])
    # AWS's CDK docs: APAC profiles may also route to these (issue 8 §1).
    assert {"ap-southeast-5", "ap-southeast-7", "ap-east-2", "me-central-1"} <= apac
    assert all(r.startswith("ap-") for r in apac - {"me-central-1"})
    assert apac <= BEDROCK_REGIONS


def test_region_table_counts() -> None:
    assert len(BEDROCK_REGIONS) == 33 and len(NEWER_REGIONS) == 10 and NEWER_REGIONS <= BEDROCK_REGIONS
    assert len(AGENTS_REGIONS) == 15 and AGENTS_REGIONS <= BEDROCK_REGIONS
    assert len(MANTLE_REGIONS) == 13 and "ap-southeast-2" in MANTLE_REGIONS
    assert documented_regions("bedrock-agent-runtime") == AGENTS_REGIONS


# --- per default region, explicitly ----------------------------------------------------------


def test_us_east_1_keeps_inference_in_the_region() -> None:
    r = load_config({}, None).regions[0]
    assert r.region == "us-east-1" and r.inference_scope == "region"
    assert [m.model_id for m in r.runtime_models] == ["amazon.nova-micro-v1:0"]
    assert r.inference_regions() == ("us-east-1",)


def test_tokyo_keeps_inference_in_japan() -> None:
    r = load_config({}, None).regions[1]
    assert r.region == "ap-northeast-1" and r.inference_scope == "country"
    assert [m.model_id for m in r.runtime_models] == [JP]
    assert set(r.inference_regions()) == JAPAN
    assert r.model_sources == {JP: "documented table"}


@pytest.mark.parametrize(("region", "model"), [("ap-northeast-3", JP), ("ap-southeast-2", "au.anthropic.claude-haiku-4-5-20251001-v1:0"), ("ap-southeast-4", "au.anthropic.claude-haiku-4-5-20251001-v1:0")])
def test_country_defaults_of_osaka_sydney_melbourne(region: str, model: str) -> None:
    r = load_config({"regions": [region], "endpoints": ["bedrock", "bedrock-runtime"]}, None).regions[0]
    assert r.inference_scope == "country" and r.runtime_models[0].model_id == model
    assert set(r.inference_regions()) <= (JAPAN if model.startswith("jp.") else AUSTRALIA)


def test_agents_outside_their_regions_fail_at_synth_in_one_sentence() -> None:
    ctx = {"regions": ["ap-northeast-3"], "endpoints": ["bedrock", "bedrock-runtime", "bedrock-agent-runtime"]}
    with pytest.raises(ConfigError, match=r"^Region ap-northeast-3 does not offer Bedrock Agents according to AWS's documentation \(15 regions do: .*\); remove bedrock-agent-runtime from regionOverrides\.ap-northeast-3\.endpoints"):
        load_config(ctx, None)


def test_newer_region_is_accepted_and_labelled_unconfirmed() -> None:
    r = load_config({"regions": ["ap-southeast-7"], "endpoints": ["bedrock", "bedrock-runtime"], "runtimeModels": ["amazon.nova-micro-v1:0"]}, None).regions[0]
    assert r.endpoint_sources["bedrock-runtime"].startswith("documented table (a newer Bedrock region")


def test_mantle_in_sydney_is_documented_without_a_label() -> None:
    # The user guide's bedrock-mantle page lists ap-southeast-2 (read 2026-12): no "disputed" note.
    r = load_config({"regions": ["ap-southeast-2"]}, None).regions[0]
    assert r.endpoint_sources["bedrock-mantle"] == "documented table"


# --- the account's word -----------------------------------------------------------------------


def seeded(jp_regions: list[str], **extra) -> dict:
    """cdk.context.json as `make lookup` writes it for Tokyo (see tests/unit/test_lookup.py)."""
    ctx = {"regions": ["ap-northeast-1"], **extra}
    for service in ("bedrock", "bedrock-runtime", "bedrock-mantle"):
        ctx[endpoint_service_key(ACCOUNT, "ap-northeast-1", service)] = {"offered": True, "policySupported": True, "availabilityZones": ["ap-northeast-1a", "ap-northeast-1c"]}
    ctx[inference_profile_key(ACCOUNT, "ap-northeast-1", JP)] = {"found": True, "regions": jp_regions, "status": "ACTIVE"}
    ctx[model_catalog_key(ACCOUNT, "ap-northeast-1")] = {"runtime": [JP, "amazon.nova-lite-v1:0"], "mantle": ["openai.gpt-oss-20b", "openai.gpt-oss-120b"]}
    return ctx


def test_the_accounts_destinations_replace_the_documented_ones() -> None:
    r = load_config(seeded(["ap-northeast-1"]), ACCOUNT).regions[0]
    assert r.inference_regions() == ("ap-northeast-1",) and r.model_sources == {JP: "account lookup"}


def test_a_jp_profile_routed_outside_japan_is_refused_with_country_scope() -> None:
    with pytest.raises(ConfigError, match=r"^runtimeModels entry 'jp.amazon.nova-2-lite-v1:0' routes to ap-southeast-1 per the account lookup, outside Japan, which inferenceScope 'country' forbids"):
        load_config(seeded(["ap-northeast-1", "ap-southeast-1"]), ACCOUNT)
    # Written down as 'geography', the same answer is accepted and reported.
    r = load_config(seeded(["ap-northeast-1", "ap-southeast-1"], inferenceScope="geography"), ACCOUNT).regions[0]
    assert r.inference_regions() == ("ap-northeast-1", "ap-southeast-1")


def test_a_profile_the_account_does_not_have_is_refused() -> None:
    ctx = seeded(["ap-northeast-1"])
    ctx[inference_profile_key(ACCOUNT, "ap-northeast-1", JP)] = {"found": False, "regions": []}
    with pytest.raises(ConfigError, match=r"^runtimeModels entry 'jp.amazon.nova-2-lite-v1:0' is not an inference profile of this account in ap-northeast-1"):
        load_config(ctx, ACCOUNT)


@pytest.fixture(scope="module")
def seeded_tokyo_template() -> dict:
    """One in-process synth (nag packs included) of Tokyo with a concrete account and seeded lookups."""
    return synth_in_process(seeded(["ap-northeast-1", "ap-northeast-3"]), account=ACCOUNT)["PrivateBedrock-ap-northeast-1"]


def test_app_with_seeded_context_states_the_accounts_residency(seeded_tokyo_template: dict) -> None:
    meta = seeded_tokyo_template["Metadata"]["PrivateBedrock"]
    assert meta["residency"]["native"] == [
        {"model": JP, "regions": ["ap-northeast-1", "ap-northeast-3"], "why": "jp. profile (Japan only); destinations from the account lookup"}
    ]
    assert set(meta["residency"]["endpointSources"].values()) == {"account lookup"}
    lines = residency_lines(meta, "ap-northeast-1")
    assert lines[1] == f"native inference ({JP}) may run in: ap-northeast-1, ap-northeast-3 — jp. profile (Japan only); destinations from the account lookup"


# --- the summary, on the default templates the CLI synthesized --------------------------------


def test_summary_states_residency_first_per_default_region(templates: dict[str, dict]) -> None:
    tokyo = residency_lines(templates["ap-northeast-1"]["Metadata"]["PrivateBedrock"], "ap-northeast-1")
    assert tokyo[:3] == [
        "inference scope 'country' admits in ap-northeast-1: in-region ids, jp.",
        f"native inference ({JP}) may run in: ap-northeast-1, ap-northeast-3 — jp. profile (Japan only); destinations from the documented table",
        "bedrock-mantle inference (openai.gpt-oss-20b) runs in: ap-northeast-1 — in-region: bedrock-mantle serves its models in the region called",
    ]
    virginia = residency_lines(templates["us-east-1"]["Metadata"]["PrivateBedrock"], "us-east-1")
    assert virginia[1] == "native inference (amazon.nova-micro-v1:0) may run in: us-east-1 — in-region model id"
    assert virginia[3] == "endpoint services per: bedrock: documented table; bedrock-runtime: documented table; bedrock-mantle: documented table"
