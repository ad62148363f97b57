"""Every fleet setting reaches the synthesized StackSets (the AWS::CloudFormation::StackSet
resources of the fleet stack), not only the parsed configuration.

Three configurations between them give every setting at least two values (callAs,
auto-deployment and retention, each concurrency and failure-tolerance form, the concurrency
mode, excluded accounts, OUs), so a value hard-wired in stacks/fleet_stack.py fails one of
them. What each StackSet must say is written from the raw context here, independently of
private_bedrock/config/fleet.py. The session's fleet synth is one; the other two are one-region fleet
stacks synthesized in-process without the nag packs or the probe's bundling (their member
templates are the session's, checked in test_fleet_template.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import FLEET_CONTEXT

# Each flips what the session's configuration (DELEGATED_ADMIN, auto-deployment on and retained,
# 25 % at a time, tolerance 0, strict, one excluded account) sets.
ONE_AT_A_TIME = {
    "callAs": "SELF", "autoDeployment": False, "maxConcurrentCount": 3, "failureToleranceCount": 2,
    "excludeAccounts": [], "organizationalUnits": ["ou-ab12-11112222"],
}
SOFT = {
    "retainStacksOnAccountRemoval": False, "maxConcurrentPercentage": 60, "failureTolerancePercentage": 10,
    "concurrencyMode": "SOFT_FAILURE_TOLERANCE", "excludeAccounts": ["111111111111", "222222222222"], "organizationalUnits": ["r-ab12"],
}
PAIRS = (("maxConcurrentPercentage", "maxConcurrentCount", ("MaxConcurrentPercentage", 25)), ("failureTolerancePercentage", "failureToleranceCount", ("FailureToleranceCount", 0)))


def expected_properties(fleet: dict[str, Any], region: str) -> dict[str, Any]:
    """The StackSet's properties (all but TemplateURL) that `fleet` (raw context) asks for."""
    auto = fleet.get("autoDeployment", True)
    preferences: dict[str, Any] = {}
    for percentage, count, default in PAIRS:
        given = [(k[0].upper() + k[1:], fleet[k]) for k in (percentage, count) if k in fleet]
        preferences.update(given or [default])
    preferences["ConcurrencyMode"] = fleet.get("concurrencyMode", "STRICT_FAILURE_TOLERANCE")
    targets: dict[str, Any] = {"OrganizationalUnitIds": fleet["organizationalUnits"], "AccountFilterType": "NONE"}
    if fleet.get("excludeAccounts"):
        targets |= {"Accounts": fleet["excludeAccounts"], "AccountFilterType": "DIFFERENCE"}
    return {
        "StackSetName": f"PrivateBedrock-{region}",
        "Description": f"Private Amazon Bedrock access in {region}, for every account of the target OUs",
        "PermissionModel": "SERVICE_MANAGED",
        "CallAs": fleet.get("callAs", "SELF"),
        "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": fleet.get("retainStacksOnAccountRemoval", True)} if auto else {"Enabled": False},
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "ManagedExecution": {"Active": True},
        "OperationPreferences": preferences,
        "StackInstancesGroup": [{"Regions": [region], "DeploymentTargets": targets}],
    }


def stack_sets(template: dict) -> dict[str, dict[str, Any]]:
    """region -> the StackSet's properties without TemplateURL."""
    out = {}
    for r in template["Resources"].values():
        if r["Type"] == "AWS::CloudFormation::StackSet":
            props = {k: v for k, v in r["Properties"].items() if k != "TemplateURL"}
            (group,) = props["StackInstancesGroup"]
            out[group["Regions"][0]] = props
    return out


def fleet_stack_template(fleet: dict[str, Any]) -> dict:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from private_bedrock.config.app_config import load_config
    from stacks.fleet_stack import FleetAssetsStack, FleetStack

    context = {**FLEET_CONTEXT, "regions": ["us-east-1"], "fleet": fleet, "aws:cdk:bundling-stacks": []}
    app = cdk.App(context=context)
    config = load_config(app.node.get_all_context(), None)
    assert config.fleet is not None
    assets = {r: FleetAssetsStack(app, fleet=config.fleet, region=r) for r in config.fleet.region_order}
    return Template.from_stack(FleetStack(app, config=config, assets=assets)).to_json()


def one_region(change: dict[str, Any]) -> dict[str, Any]:
    return {**FLEET_CONTEXT["fleet"], "regionOrder": ["us-east-1"], **change}


@pytest.fixture(scope="module", params=["one-at-a-time", "soft"])
def flipped(request: pytest.FixtureRequest) -> tuple[dict, dict]:
    fleet = one_region(ONE_AT_A_TIME if request.param == "one-at-a-time" else {**SOFT, "callAs": "SELF"})
    return fleet, fleet_stack_template(fleet)


def test_the_sessions_stack_sets_carry_every_setting(fleet_assembly) -> None:
    found = stack_sets(fleet_assembly["PrivateBedrockFleet"])
    assert found == {region: expected_properties(FLEET_CONTEXT["fleet"], region) for region in FLEET_CONTEXT["regions"]}


def test_flipped_settings_reach_the_stack_set(flipped: tuple[dict, dict]) -> None:
    fleet, template = flipped
    assert stack_sets(template) == {"us-east-1": expected_properties(fleet, "us-east-1")}


def test_the_three_configurations_give_every_setting_two_values() -> None:
    """The point of the flips: no property above is the same in all three configurations."""
    configurations = [FLEET_CONTEXT["fleet"], one_region(ONE_AT_A_TIME), one_region({**SOFT, "callAs": "SELF"})]
    props = [expected_properties(f, "us-east-1") for f in configurations]
    varying = {"CallAs", "AutoDeployment", "OperationPreferences", "StackInstancesGroup"}
    for key in varying:
        assert len({repr(p[key]) for p in props}) == 3 or (key == "CallAs" and len({p[key] for p in props}) == 2), key
    prefs = [p["OperationPreferences"] for p in props]
    for field in ("MaxConcurrentPercentage", "MaxConcurrentCount", "FailureTolerancePercentage", "FailureToleranceCount", "ConcurrencyMode"):
        assert len({repr(p.get(field)) for p in prefs}) >= 2, field
