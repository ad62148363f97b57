"""AZ placement with a concrete account, using pre-seeded lookup context (no network)."""

from __future__ import annotations

import pytest

from private_bedrock.config.app_config import ConfigError
from private_bedrock.network.placement import choose_zones
from tests.conftest import synth_in_process

ACCOUNT = "111122223333"
ALL_AZS = [f"us-east-1{x}" for x in "abcdef"]


def lookups(mantle_azs: list[str]) -> dict:
    """What the CLI caches in cdk.context.json after asking EC2."""
    ctx: dict = {f"availability-zones:account={ACCOUNT}:region=us-east-1": ALL_AZS}
    for service, azs in (("bedrock", ALL_AZS), ("bedrock-runtime", ALL_AZS), ("bedrock-mantle", mantle_azs)):
        ctx[f"endpoint-service-availability-zones:account={ACCOUNT}:region=us-east-1:serviceName=com.amazonaws.us-east-1.{service}"] = azs
    return ctx


def placement_of(template: dict) -> tuple[list[str], dict[str, list[str]]]:
    subnets = {k: r["Properties"]["AvailabilityZone"] for k, r in template["Resources"].items() if r["Type"] == "AWS::EC2::Subnet"}
    by_service = {
        r["Properties"]["ServiceName"].rsplit(".", 1)[1]: sorted(subnets[s["Ref"]] for s in r["Properties"]["SubnetIds"])
        for r in template["Resources"].values()
        if r["Type"] == "AWS::EC2::VPCEndpoint"
    }
    return sorted(subnets.values()), by_service


@pytest.fixture(scope="module")
def narrow_mantle() -> dict:
    """azCount 3 while bedrock-mantle is offered in one zone only (us-east-1d)."""
    ctx = {"regions": ["us-east-1"], "azCount": 3, **lookups(["us-east-1d"])}
    return synth_in_process(ctx, ACCOUNT)["PrivateBedrock-us-east-1"]


def test_vpc_spans_a_zone_that_offers_mantle(narrow_mantle: dict) -> None:
    zones, _ = placement_of(narrow_mantle)
    assert zones == ["us-east-1a", "us-east-1b", "us-east-1d"]


def test_mantle_endpoint_only_in_zones_that_offer_it(narrow_mantle: dict) -> None:
    _, by_service = placement_of(narrow_mantle)
    assert by_service == {
        "bedrock": ["us-east-1a", "us-east-1b", "us-east-1d"],
        "bedrock-runtime": ["us-east-1a", "us-east-1b", "us-east-1d"],
        "bedrock-mantle": ["us-east-1d"],
    }


def test_zones_offering_every_service_are_preferred() -> None:
    ctx = {"regions": ["us-east-1"], "azCount": 2, **lookups(["us-east-1c", "us-east-1e", "us-east-1f"])}
    zones, by_service = placement_of(synth_in_process(ctx, ACCOUNT)["PrivateBedrock-us-east-1"])
    assert zones == ["us-east-1c", "us-east-1e"]
    assert by_service["bedrock-mantle"] == zones


def test_explicit_zones_without_mantle_fail_with_one_sentence() -> None:
    supported = {"bedrock": ALL_AZS, "bedrock-runtime": ALL_AZS, "bedrock-mantle": ["us-east-1d"]}
    with pytest.raises(ConfigError, match=r"^No chosen availability zone of us-east-1 offers bedrock-mantle \(offered in: us-east-1d\); raise azCount"):
        choose_zones("us-east-1", ["us-east-1a", "us-east-1b"], supported, 2)


def test_more_zones_than_the_account_has() -> None:
    with pytest.raises(ConfigError, match="azCount 3 exceeds the 2 availability zones"):
        choose_zones("us-east-1", ["us-east-1a", "us-east-1b"], {}, 3)


def test_pending_zone_lookup_does_not_fail_synth() -> None:
    """Only the endpoint-service lookup is cached: the CLI still has to look up the zones."""
    ctx = {"regions": ["us-east-1"], **lookups(["us-east-1d"])}
    del ctx[f"availability-zones:account={ACCOUNT}:region=us-east-1"]
    zones, _ = placement_of(synth_in_process(ctx, ACCOUNT)["PrivateBedrock-us-east-1"])
    assert zones == ["dummy1a", "dummy1b"]  # CDK's placeholders, replaced after the lookup
