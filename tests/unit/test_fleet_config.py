"""The `fleet` configuration (StackSets delivery): defaults, and one sentence per mistake."""

from __future__ import annotations

import json
from typing import Any

import pytest

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.config.fleet import DEFAULT_FAILURE_TOLERANCE_COUNT, DEFAULT_MAX_CONCURRENT_PERCENTAGE

ADMIN = "999988887777"
MINIMAL = {
    "enabled": True,
    "administratorAccount": ADMIN,
    "organizationId": "o-a1b2c3d4e5",
    "organizationalUnits": ["ou-ab12-cd34ef56"],
    "verifierCallerArns": [f"arn:aws:iam::{ADMIN}:role/PlatformVerify"],
}


def config(fleet: Any = None, **context: Any):
    return load_config({**context, **({"fleet": fleet} if fleet is not None else {})}, None)


def test_no_fleet_is_disabled_and_changes_nothing() -> None:
    cfg = config()
    assert cfg.fleet is not None and not cfg.fleet.enabled
    assert config({"enabled": False, "organizationalUnits": "whatever"}).fleet.enabled is False


def test_the_safe_defaults() -> None:
    fleet = config(MINIMAL).fleet
    assert fleet.enabled and fleet.call_as == "SELF" and fleet.home_region == "us-east-1"
    assert fleet.region_order == ("us-east-1", "ap-northeast-1")
    p = fleet.preferences
    assert (p.max_concurrent_percentage, p.max_concurrent_count) == (DEFAULT_MAX_CONCURRENT_PERCENTAGE, None) == (25, None)
    assert (p.failure_tolerance_percentage, p.failure_tolerance_count) == (None, DEFAULT_FAILURE_TOLERANCE_COUNT) == (None, 0)
    assert p.concurrency_mode == "STRICT_FAILURE_TOLERANCE"
    assert fleet.auto_deployment and fleet.retain_stacks_on_account_removal
    assert fleet.asset_bucket("eu-west-1") == f"private-bedrock-fleet-{ADMIN}-eu-west-1"
    assert fleet.verifier_role_name("us-east-1") == "PrivateBedrockFleetVerifier-us-east-1"


def test_the_regional_stacks_are_synthesized_account_agnostic_in_fleet_mode() -> None:
    """Whatever account the synthesizing credentials have, the delivered template names none."""
    assert load_config({"fleet": MINIMAL}, "111122223333").account is None
    assert load_config({}, "111122223333").account == "111122223333"


def test_json_text_from_the_command_line_and_explicit_preferences() -> None:
    raw = {**MINIMAL, "maxConcurrentCount": 3, "failureToleranceCount": 2, "callAs": "DELEGATED_ADMIN",
           "regionOrder": ["ap-northeast-1", "us-east-1"], "autoDeployment": "false"}
    fleet = config(json.dumps(raw)).fleet
    assert fleet.call_as == "DELEGATED_ADMIN" and fleet.region_order == ("ap-northeast-1", "us-east-1")
    assert (fleet.preferences.max_concurrent_count, fleet.preferences.max_concurrent_percentage) == (3, None)
    assert (fleet.preferences.failure_tolerance_count, fleet.preferences.failure_tolerance_percentage) == (2, None)
    # With auto-deployment off there is no retain setting (CloudFormation takes it only with it on).
    assert not fleet.auto_deployment and fleet.retain_stacks_on_account_removal is None
    kept = config({**MINIMAL, "retainStacksOnAccountRemoval": False}).fleet
    assert kept.auto_deployment and kept.retain_stacks_on_account_removal is False


def test_region_order_keeps_unselected_regions_for_later() -> None:
    fleet = config({**MINIMAL, "regionOrder": ["ap-northeast-1", "us-east-1"]}, regions=["us-east-1"]).fleet
    assert fleet.region_order == ("us-east-1",)


@pytest.mark.parametrize(
    ("change", "context", "message"),
    [
        ({"bogus": 1}, {}, r"fleet has unknown key 'bogus'; accepted keys are: enabled, "),
        ({"administratorAccount": "12345"}, {}, r"fleet.administratorAccount '12345' is not a 12-digit AWS account id"),
        ({"callAs": "ADMIN"}, {}, r"fleet.callAs 'ADMIN' is not supported; use SELF .* or DELEGATED_ADMIN"),
        ({"homeRegion": "mars-1"}, {}, r"fleet.homeRegion 'mars-1' is not a region this app knows"),
        ({"organizationId": "org-1"}, {}, r"fleet.organizationId 'org-1' is not an AWS Organizations id such as o-a1b2c3d4e5"),
        ({"organizationalUnits": []}, {}, r"fleet.organizationalUnits is empty; list the OU ids"),
        ({"organizationalUnits": ["ou-1"]}, {}, r"fleet.organizationalUnits entry 'ou-1' is not an OU id such as ou-ab12-cd34ef56"),
        ({"organizationalUnits": ["123456789012"]}, {}, r"'123456789012' is not an OU id .*accounts are left out with excludeAccounts"),
        ({"organizationalUnits": ["r-ab12", "r-ab12"]}, {}, r"fleet.organizationalUnits \['r-ab12', 'r-ab12'\] lists an OU twice; list each once"),
        ({"excludeAccounts": ["1234"]}, {}, r"fleet.excludeAccounts entry '1234' is not a 12-digit AWS account id"),
        ({"regionOrder": ["us-east-1"]}, {}, r"fleet.regionOrder \['us-east-1'\] leaves out 'ap-northeast-1'; list every configured region once"),
        ({"regionOrder": ["us-east-1", "ap-northeast-1", "moon-1"]}, {}, r"fleet.regionOrder entry 'moon-1' is not a region this app knows"),
        ({"maxConcurrentPercentage": 0}, {}, r"fleet.maxConcurrentPercentage 0 is out of range; use a whole number from 1 to 100"),
        ({"maxConcurrentPercentage": 101}, {}, r"fleet.maxConcurrentPercentage 101 is out of range"),
        ({"failureTolerancePercentage": 150}, {}, r"fleet.failureTolerancePercentage 150 is out of range; use a whole number from 0 to 100"),
        ({"maxConcurrentPercentage": 10, "maxConcurrentCount": 2}, {}, r"fleet sets both maxConcurrentPercentage and maxConcurrentCount; StackSets take one of them"),
        ({"maxConcurrentCount": 5}, {}, r"fleet.maxConcurrentCount 5 exceeds failureToleranceCount \+ 1 \(1\)"),
        ({"concurrencyMode": "FAST"}, {}, r"fleet.concurrencyMode 'FAST' is not supported"),
        ({"autoDeployment": "yes"}, {}, r"fleet.autoDeployment must be true or false, got 'yes'"),
        ({"autoDeployment": False, "retainStacksOnAccountRemoval": False}, {},
         r"^fleet.retainStacksOnAccountRemoval is set but fleet.autoDeployment is false; .* so remove it or set autoDeployment to true\.$"),
        ({"verifierCallerArns": []}, {}, r"fleet.verifierCallerArns is empty; name the role\(s\) in 999988887777"),
        ({"verifierCallerArns": ["arn:aws:iam::111122223333:role/X"]}, {}, r"is in account 111122223333, not the administrator account 999988887777"),
        ({"verifierCallerArns": ["arn:aws:iam::999988887777:user/bob"]}, {}, r"is not an IAM role ARN such as"),
        # A wildcard would trust any role someone names so; only Identity Center's reserved path takes one.
        ({"verifierCallerArns": ["arn:aws:iam::999988887777:role/*"]}, {}, r"a wildcard only as an Identity Center role's suffix"),
        ({"verifierCallerArns": ["arn:aws:iam::999988887777:role/Platform*"]}, {}, r"is not an IAM role ARN such as"),
        ({"verifierCallerArns": ["arn:aws:iam::999988887777:role/AWSReservedSSO_Platform_*"]}, {}, r"is not an IAM role ARN such as"),
        # The suffix pinned by hand must be exactly Identity Center's 16 characters.
        ({"verifierCallerArns": ["arn:aws:iam::999988887777:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Platform_????"]}, {}, r"is not an IAM role ARN such as"),
        ({}, {"vpcId": "vpc-0123456789abcdef0", "subnetIds": ["subnet-0123456789abcdef0"]}, r"vpcId is set for us-east-1 but fleet.enabled delivers one template to every account"),
        ({}, {"extraPrincipalArns": ["arn:aws:iam::111122223333:role/app"]}, r"extraPrincipalArns is set for us-east-1 .* a role ARN names one account; remove extraPrincipalArns"),
        ({}, {"regionOverrides": {"ap-northeast-1": {"keyAdminArns": ["arn:aws:iam::111122223333:role/k"]}}}, r"keyAdminArns is set for ap-northeast-1"),
        ({}, {"topology": "hub", "spokeCidrs": ["10.90.0.0/16"], "spokePrincipalArns": ["arn:aws:iam::111122223333:role/p"]},
         r"topology 'hub' in us-east-1 cannot be delivered by a StackSet"),
    ],
)
def test_fleet_mistakes_are_one_sentence(change: dict, context: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        config({**MINIMAL, **change}, **context)
    assert all(problem.endswith(".") and "\n" not in problem for problem in err.value.problems)


def test_fleet_must_be_an_object() -> None:
    with pytest.raises(ConfigError, match=r"fleet must be an object, for example -c fleet="):
        config(["ou-ab12-cd34ef56"])
    with pytest.raises(ConfigError, match=r"fleet '\{nope' is not valid JSON"):
        config("{nope")


def test_an_identity_center_role_may_end_in_its_suffix_wildcard() -> None:
    sso = f"arn:aws:iam::{ADMIN}:role/aws-reserved/sso.amazonaws.com/ap-northeast-1/AWSReservedSSO_PlatformVerify_*"
    pinned = sso[:-1] + "?" * 16
    fleet = config({**MINIMAL, "verifierCallerArns": [sso, pinned.replace("PlatformVerify", "Audit")]}).fleet
    assert fleet is not None and fleet.verifier_caller_arns == (sso, pinned.replace("PlatformVerify", "Audit"))
    # The trust pins the suffix's length (tests/security/test_fleet_matrix.py: the cells).
    from private_bedrock.policies.fleet import caller_pattern

    assert [caller_pattern(a) for a in fleet.verifier_caller_arns] == [pinned, pinned.replace("PlatformVerify", "Audit")]
