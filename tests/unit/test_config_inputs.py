"""Configuration as users type it: JSON on the command line, overrides, network inputs."""

from __future__ import annotations

import ipaddress

import pytest

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.config.network_inputs import DEFAULT_VPC_CIDRS, default_vpc_cidr
from private_bedrock.facts.regions import BEDROCK_REGIONS


def regions_of(ctx: dict) -> dict:
    return {r.region: r for r in load_config(ctx, None).regions}


def refused(ctx: dict) -> str:
    with pytest.raises(ConfigError) as err:
        load_config(ctx, None)
    assert all("\n" not in problem and problem.endswith(".") for problem in err.value.problems), err.value.problems
    return str(err.value)


# --- JSON and lists from the command line (-c key=value arrives as a string) -------------


def test_region_overrides_accept_json_text() -> None:
    got = regions_of({"regionOverrides": '{"ap-northeast-1": {"inferenceScope": "global", "azCount": 3}}'})
    assert got["ap-northeast-1"].inference_scope == "global" and got["ap-northeast-1"].az_count == 3
    assert got["us-east-1"].inference_scope == "region" and got["us-east-1"].az_count == 2


def test_lists_accept_json_text_and_comma_lists_alike() -> None:
    assert list(regions_of({"regions": '["us-east-1"]'})) == ["us-east-1"]
    assert list(regions_of({"regions": ' [ "us-east-1", "us-east-2" ] '})) == ["us-east-1", "us-east-2"]
    assert list(regions_of({"regions": "us-east-1,us-east-2"})) == ["us-east-1", "us-east-2"]
    r = regions_of({"regions": "us-east-1", "onPremCidrs": '["192.168.10.0/24", "172.16.0.0/16"]'})["us-east-1"]
    assert r.on_prem_cidrs == ("192.168.10.0/24", "172.16.0.0/16")


@pytest.mark.parametrize(
    ("ctx", "fragment"),
    [
        ({"regionOverrides": '{"ap-northeast-1": {inferenceScope: "region"}}'}, "regionOverrides '{\"ap-northeast-1\": {inferenceScope: \"region\"}}' is not valid JSON"),
        ({"regions": '["us-east-1",]'}, "regions '[\"us-east-1\",]' is not valid JSON"),
        ({"regionOverrides": '["ap-northeast-1"]'}, "regionOverrides must be an object, for example -c regionOverrides="),
        ({"regionOverrides": "ap-northeast-1"}, "regionOverrides must be an object"),
        ({"regions": '[1, 2]'}, "regions must be a list of strings"),
        ({"regionOverrides": '{"ap-northeast-1": "region"}'}, "regionOverrides.ap-northeast-1 must be an object of settings"),
    ],
)
def test_malformed_json_is_one_sentence(ctx: dict, fragment: str) -> None:
    assert fragment in refused(ctx)


# --- overrides for regions that are not selected -----------------------------------------


JAPAN_OVERRIDE = {"ap-northeast-1": {"runtimeModels": ["jp.anthropic.claude-sonnet-4-5-20250929-v1:0"], "inferenceScope": "geography"}}


def test_override_of_an_unselected_region_is_ignored() -> None:
    got = regions_of({"regions": "us-east-1", "regionOverrides": JAPAN_OVERRIDE})
    assert list(got) == ["us-east-1"]
    # ... and applies as soon as the region is selected again.
    tokyo = regions_of({"regionOverrides": JAPAN_OVERRIDE})["ap-northeast-1"]
    assert tokyo.runtime_models[0].model_id == "jp.anthropic.claude-sonnet-4-5-20250929-v1:0"


def test_override_of_an_unknown_region_is_still_refused() -> None:
    message = refused({"regions": "us-east-1", "regionOverrides": {"ap-northeast1": {"azCount": 3}}})
    assert message.startswith("regionOverrides has an entry for 'ap-northeast1', which is not a region this app knows")


def test_unknown_key_in_an_unselected_override_is_still_refused() -> None:
    message = refused({"regions": "us-east-1", "regionOverrides": {"ap-northeast-1": {"azcount": 3}}})
    assert "regionOverrides.ap-northeast-1 has unknown key 'azcount'" in message


# --- VPC range and subnets -----------------------------------------------------------------


def test_default_regions_get_distinct_vpc_ranges() -> None:
    got = regions_of({})
    nets = [ipaddress.IPv4Network(r.vpc_cidr) for r in got.values()]
    assert got["us-east-1"].vpc_cidr == "10.80.0.0/16"
    assert not nets[0].overlaps(nets[1])


def test_every_known_region_has_a_distinct_private_default() -> None:
    nets = {r: ipaddress.IPv4Network(default_vpc_cidr(r)) for r in BEDROCK_REGIONS}
    assert set(DEFAULT_VPC_CIDRS) >= BEDROCK_REGIONS
    pairs = [(a, b) for a in nets for b in nets if a < b and nets[a].overlaps(nets[b])]
    assert not pairs
    assert all(n.prefixlen == 16 and n.subnet_of(ipaddress.IPv4Network("10.0.0.0/8")) for n in nets.values())
    # A region added to the table later still gets a stable /16 outside the table's ranges.
    fallback = ipaddress.IPv4Network(default_vpc_cidr("xx-future-1"))
    assert fallback == ipaddress.IPv4Network(default_vpc_cidr("xx-future-1"))
    assert fallback.subnet_of(ipaddress.IPv4Network("10.128.0.0/9"))


def test_a_top_level_vpc_cidr_applies_to_every_region() -> None:
    got = regions_of({"vpcCidr": "10.10.0.0/16"})
    assert {r.vpc_cidr for r in got.values()} == {"10.10.0.0/16"}


@pytest.mark.parametrize(
    ("ctx", "expected"),
    [
        ({"vpcCidr": "192.168.0.0/24"}, "vpcCidr 192.168.0.0/24 holds 1 /24 subnet(s) but azCount 2 needs 2 (one private /24 per availability zone); use a /23 or larger block (for example 192.168.0.0/23) or lower azCount."),
        ({"vpcCidr": "10.1.2.0/23", "azCount": 3}, "vpcCidr 10.1.2.0/23 holds 2 /24 subnet(s) but azCount 3 needs 3 (one private /24 per availability zone); use a /22 or larger block (for example 10.1.0.0/22) or lower azCount."),
        ({"regionOverrides": {"us-east-1": {"vpcCidr": "172.16.5.0/24"}}}, "regionOverrides.us-east-1.vpcCidr 172.16.5.0/24 holds 1 /24 subnet(s)"),
    ],
)
def test_vpc_too_small_for_its_subnets(ctx: dict, expected: str) -> None:
    assert refused(ctx).startswith(expected)


@pytest.mark.parametrize(("cidr", "azs"), [("192.168.0.0/24", 1), ("10.1.2.0/23", 2), ("10.1.0.0/22", 3)])
def test_smallest_ranges_that_fit_are_accepted(cidr: str, azs: int) -> None:
    r = regions_of({"regions": "us-east-1", "vpcCidr": cidr, "azCount": azs})["us-east-1"]
    assert r.vpc_cidr == cidr and r.az_count == azs


# --- on-premises ranges --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cidrs", "fragment"),
    [
        (["0.0.0.0/1", "128.0.0.0/1"], "onPremCidrs entry 0.0.0.0/1 spans a /1, more than any on-premises network"),
        (["10.0.0.0/7"], "spans a /7"),
        (["10.80.4.0/24"], "onPremCidrs entry 10.80.4.0/24 overlaps the VPC range 10.80.0.0/16"),
        (["10.0.0.0/8"], "onPremCidrs entry 10.0.0.0/8 overlaps the VPC range 10.80.0.0/16"),
        (["203.0.113.0/24"], "onPremCidrs entry 203.0.113.0/24 is public address space (not RFC 1918 or 100.64.0.0/10); if your on-premises network really owns it, set allowPublicOnPremCidrs to true"),
        (["169.254.0.0/16"], "is loopback, link-local, multicast or reserved"),
        (["192.168.0.0/16", "192.168.10.0/24"], "onPremCidrs lists overlapping ranges 192.168.0.0/16 and 192.168.10.0/24"),
    ],
)
def test_on_prem_ranges_that_cannot_be_meant(cidrs: list[str], fragment: str) -> None:
    assert fragment in refused({"regions": "us-east-1", "onPremCidrs": cidrs})


def test_public_on_prem_range_with_acknowledgement() -> None:
    r = regions_of({"regions": "us-east-1", "onPremCidrs": "203.0.113.0/24", "allowPublicOnPremCidrs": "true"})["us-east-1"]
    assert r.on_prem_cidrs == ("203.0.113.0/24",)
    # The acknowledgement does not admit a slice of the internet.
    assert "spans a /1" in refused({"regions": "us-east-1", "onPremCidrs": "0.0.0.0/1", "allowPublicOnPremCidrs": True})


def test_on_prem_overlap_is_judged_per_region() -> None:
    # 10.81.0.0/16 is Tokyo's default VPC range but not Virginia's.
    ctx = {"regionOverrides": {"us-east-1": {"onPremCidrs": ["10.81.0.0/16"]}}}
    assert regions_of(ctx)["us-east-1"].on_prem_cidrs == ("10.81.0.0/16",)
    assert "regionOverrides.ap-northeast-1.onPremCidrs entry 10.81.0.0/16 overlaps the VPC range 10.81.0.0/16" in refused(
        {"regionOverrides": {"ap-northeast-1": {"onPremCidrs": ["10.81.0.0/16"]}}}
    )


def test_resolver_endpoint_needs_on_prem_ranges() -> None:
    assert "resolverInboundEndpoint is true but onPremCidrs is empty" in refused({"resolverInboundEndpoint": True})
    r = regions_of({"regions": "us-east-1", "resolverInboundEndpoint": "true", "onPremCidrs": "192.168.0.0/16"})["us-east-1"]
    assert r.resolver_inbound_endpoint and not regions_of({})["us-east-1"].resolver_inbound_endpoint
