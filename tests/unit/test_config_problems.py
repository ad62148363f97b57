"""One run reports every problem of the configuration, and an unknown key names its close match."""

from __future__ import annotations

import pytest

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.facts.regions import SERVICES


def problems_of(context: dict, account: str | None = None) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as err:
        load_config(context, account)
    assert str(err.value) == "\n".join(err.value.problems)
    return err.value.problems


def test_three_independent_mistakes_are_reported_together() -> None:
    got = problems_of({"regions": "us-east-1", "azCount": 7, "endpointPolicy": "open", "alarmEmails": ["security"]})
    assert got == (
        "azCount 7 is out of range; use 1, 2 or 3.",
        "endpointPolicy 'open' is not supported; use one of: allow, deny.",
        "alarmEmails entry 'security' is not an email address such as security@example.com.",
    )


def test_mistakes_in_several_regions_and_the_fence_are_reported_together() -> None:
    got = problems_of({
        "regionOverrides": {"us-east-1": {"flowLogRetentionDays": 2}, "ap-northeast-1": {"inferenceScope": "planet"}},
        "fence": {"maxPolicies": 9},
        "regoins": ["us-east-1"],
    })
    assert len(got) == 4, got
    assert got[0].startswith("Unknown context key 'regoins'")
    assert any(p.startswith("regionOverrides.us-east-1.flowLogRetentionDays 2 is not a CloudWatch Logs retention period") for p in got)
    assert any(p.startswith("regionOverrides.ap-northeast-1.inferenceScope 'planet' is not supported") for p in got)
    assert got[-1].startswith("fence.maxPolicies 9 is out of range")


def test_a_check_that_needs_a_refused_value_is_skipped() -> None:
    # availabilityZones is compared with azCount: with azCount refused, only azCount is reported.
    got = problems_of({"regions": "us-east-1", "azCount": "two", "availabilityZones": ["us-east-1a"]})
    assert got == ("azCount must be a whole number, got 'two'.",)


def test_a_top_level_mistake_shared_by_every_region_is_reported_once() -> None:
    got = problems_of({"regions": ["us-east-1", "ap-northeast-1"], "mantleBasePath": "/v2"})
    assert got == ("mantleBasePath '/v2' is not supported; use /v1 or /openai/v1.",)


def test_every_entry_of_a_list_is_checked() -> None:
    got = problems_of({"regions": "us-east-1", "onPremCidrs": ["10.1.0.0/33", "192.168.0.0/40"]})
    assert got == (
        "onPremCidrs '10.1.0.0/33' is not an IPv4 CIDR block such as 10.0.0.0/16.",
        "onPremCidrs '192.168.0.0/40' is not an IPv4 CIDR block such as 10.0.0.0/16.",
    )


def test_a_region_whose_override_is_refused_is_not_parsed_but_the_others_are() -> None:
    got = problems_of({"regionOverrides": {"us-east-1": {"azcount": 3}, "ap-northeast-1": {"azCount": 0}}})
    assert got == (
        "regionOverrides.us-east-1 has unknown key 'azcount' (did you mean 'azCount'?); rename it, or remove it.",
        "regionOverrides.ap-northeast-1.azCount 0 is out of range; use 1, 2 or 3.",
    )


def test_fleet_mistakes_are_reported_together() -> None:
    got = problems_of({"regions": "us-east-1", "fleet": {"enabled": True, "administratorAccount": "1234", "organizationId": "org", "organizationalUnits": ["ou-ab12-cd34ef56"],
                                                          "verifierCallerArns": ["arn:aws:iam::111122223333:role/V"]}})
    assert [p.split(" ")[0] for p in got] == ["fleet.administratorAccount", "fleet.organizationId"]


def test_a_refused_fleet_still_lets_the_regions_be_checked() -> None:
    got = problems_of({"regions": "us-east-1", "azCount": 0, "fleet": {"enabled": "yes"}})
    assert got == ("fleet.enabled must be true or false, got 'yes'.", "azCount 0 is out of range; use 1, 2 or 3.")


def test_a_bad_account_is_reported_with_the_configuration_problems() -> None:
    got = problems_of({"regions": "us-east-1", "azCount": 4}, account="12345")
    assert got == ("CDK_DEFAULT_ACCOUNT '12345' is not a 12-digit AWS account id.", "azCount 4 is out of range; use 1, 2 or 3.")


# --- unknown keys: the close match, or the accepted keys --------------------------------------


@pytest.mark.parametrize(
    ("context", "sentence"),
    [
        ({"regoins": "us-east-1"}, "Unknown context key 'regoins' (did you mean 'regions'?); rename it, or remove it."),
        ({"AZCount": 2}, "Unknown context key 'AZCount' (did you mean 'azCount'?); rename it, or remove it."),
        ({"hubEndpointId": {}}, "Unknown context key 'hubEndpointId' (did you mean 'hubEndpointIds'?); rename it, or remove it."),
        ({"regionOverrides": {"us-east-1": {"runtimeModel": ["amazon.nova-micro-v1:0"]}}},
         "regionOverrides.us-east-1 has unknown key 'runtimeModel' (did you mean 'runtimeModels'?); rename it, or remove it."),
        ({"fence": {"enable": True}}, "fence has unknown key 'enable' (did you mean 'enabled'?); rename it, or remove it."),
        ({"fleet": {"enabled": False, "organisationId": "o-a1b2c3d4e5"}}, "fleet has unknown key 'organisationId' (did you mean 'organizationId'?); rename it, or remove it."),
        ({"claudePlatform": {"principalArn": []}}, "claudePlatform has unknown key 'principalArn' (did you mean 'principalArns'?); rename it, or remove it."),
        ({"regions": "us-east1"}, "Region 'us-east1' has no Amazon Bedrock PrivateLink endpoints known to this app (did you mean 'us-east-1'?); correct it, or remove it."),
    ],
)
def test_an_unknown_key_names_its_close_match(context: dict, sentence: str) -> None:
    assert sentence in problems_of(context)


def test_an_unknown_key_without_a_close_match_lists_the_accepted_keys() -> None:
    (sentence,) = problems_of({"colour": "blue"})
    assert sentence.startswith("Unknown context key 'colour'; accepted keys are: agentAliasArns, alarmEmails,")
    assert "did you mean" not in sentence and sentence.endswith(".")


def test_every_unknown_key_is_reported() -> None:
    got = problems_of({"regoins": "us-east-1", "azcount": 2})
    assert [p.split("'")[1] for p in got] == ["azcount", "regoins"]


def test_the_cdk_cli_own_context_is_ignored() -> None:
    config = load_config({
        "acknowledged-issue-numbers": [32775],
        "@aws-cdk/core:enablePartitionLiterals": True,
        "aws:cdk:enable-path-metadata": True,
        "cdk-assets-bundling": "x",
        "regions": "us-east-1",
    }, None)
    assert [r.region for r in config.regions] == ["us-east-1"]


def test_hub_settings_are_checked_together() -> None:
    got = problems_of({"regions": "us-east-1", "topology": "hub", "spokeAccess": "everyone", "spokeCidrs": ["10.90.0.0/33"],
                       "spokePrincipalArns": ["arn:aws:iam::*:role/app"]})
    assert [p.split(" ")[0] for p in got] == ["spokeAccess", "spokeCidrs", "spokePrincipalArns"]


def test_an_existing_vpc_and_a_topology_key_are_checked_together() -> None:
    got = problems_of({"regions": "us-east-1", "vpcId": "vpc-1", "subnetIds": ["subnet-1"], "hubVpcCidr": "10.80.0.0/16"})
    assert got == (
        "vpcId 'vpc-1' is not a VPC id such as vpc-0123456789abcdef0.",
        "subnetIds entry 'subnet-1' is not a subnet id such as subnet-0123456789abcdef0.",
        "hubVpcCidr applies only with topology spoke (this region's topology is standalone); remove it.",
    )


def test_an_endpoint_listed_twice_is_refused() -> None:
    got = problems_of({"regions": "us-east-1", "endpoints": "bedrock-runtime,bedrock-runtime"})
    assert got == ("endpoints lists bedrock-runtime more than once; list each endpoint once.",)


def test_a_malformed_guardrail_arn_is_reported_with_a_refused_capability() -> None:
    got = problems_of({"regions": "us-east-1", "capabilities": ["flying"], "guardrailArn": "arn:aws:bedrock:us-east-1:1:guardrail/x"})
    assert len(got) == 2, got
    assert got[0].startswith("capabilities ")
    assert got[1].startswith("guardrailArn entry 'arn:aws:bedrock:us-east-1:1:guardrail/x' is not an ARN such as")


def test_a_misspelt_choice_names_its_close_match() -> None:
    got = problems_of({"regions": "us-east-1", "endpoints": "bedrock,bedrock-runtim"})
    assert got == (
        "endpoints entry 'bedrock-runtim' is not supported (did you mean 'bedrock-runtime'?); use one of: "
        + ", ".join(SERVICES) + ".",
    )
