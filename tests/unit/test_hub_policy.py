"""The hub's endpoint policy builder (private_bedrock/policies/hub.py), asserted as data, no synthesis.

tests/unit/test_topology.py checks the synthesized hub template; these pin the builder
itself: which account's roles reach which account's resources, the statement ids, the
denies written once, and the 20,480-character limit at its exact boundary.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.policies import endpoint_policy
from private_bedrock.policies.hub import ENDPOINT_POLICY_MAX_CHARS, hub_endpoint_policy, principals_by_account

HUB = "111122223333"
SPOKE = "222233334444"
OTHER_SPOKE = "555566667777"
HUB_ROLE = f"arn:aws:iam::{HUB}:role/PrivateBedrock-us-east-1-Probe"
SPOKE_ROLE = f"arn:aws:iam::{SPOKE}:role/PrivateBedrock-us-east-1-Probe"
SPOKE_APP = f"arn:aws:iam::{SPOKE}:role/analytics-app"
OTHER_ROLE = f"arn:aws:iam::{OTHER_SPOKE}:role/PrivateBedrock-us-east-1-Probe"


def cfg(**ctx: Any):
    """What the grants need (BedrockAccess) for the app's settings `ctx` in us-east-1."""
    return load_config({"regions": ["us-east-1"], **ctx}, HUB).regions[0].access


def sids(policy: dict[str, Any]) -> list[str]:
    return [s["Sid"] for s in policy["Statement"]]


def by_sid(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in policy["Statement"]}


def minified_length(policy: dict[str, Any]) -> int:
    # How AWS counts an endpoint policy: whitespace is not counted.
    return len(json.dumps(policy, separators=(",", ":")))


# --- principals_by_account ------------------------------------------------------------------


def test_principals_are_grouped_by_the_account_in_their_arn_hub_first_then_spokes_sorted() -> None:
    grouped = principals_by_account(HUB, (HUB_ROLE,), [OTHER_ROLE, SPOKE_APP, SPOKE_ROLE])
    # Sorted by ARN ("P" sorts before "a"), whatever order the configuration lists them in.
    assert grouped == {HUB: [HUB_ROLE], SPOKE: [SPOKE_ROLE, SPOKE_APP], OTHER_SPOKE: [OTHER_ROLE]}
    assert list(grouped) == [HUB, SPOKE, OTHER_SPOKE]


def test_a_spoke_role_in_the_hub_account_joins_the_hub_accounts_roles() -> None:
    second = f"arn:aws:iam::{HUB}:role/second-app"
    assert principals_by_account(HUB, [HUB_ROLE], [second]) == {HUB: [HUB_ROLE, second]}


def test_without_spokes_only_the_hub_account_is_listed() -> None:
    assert principals_by_account(HUB, [HUB_ROLE], []) == {HUB: [HUB_ROLE]}


# --- hub_endpoint_policy --------------------------------------------------------------------


def test_runtime_policy_admits_each_account_to_its_own_resources_only() -> None:
    policy = hub_endpoint_policy("bedrock-runtime", cfg(), {HUB: [HUB_ROLE], SPOKE: [SPOKE_ROLE, SPOKE_APP]})
    assert sids(policy) == [
        "InvokeConfiguredModels",
        "RespondWithConfiguredModels",
        f"InvokeConfiguredModelsSpoke{SPOKE}",
        f"RespondWithConfiguredModelsSpoke{SPOKE}",
        "DenyBearerTokens",
        "DenyServerSideTools",
    ]
    st = by_sid(policy)
    assert st["InvokeConfiguredModels"]["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [HUB_ROLE]}}
    assert st[f"InvokeConfiguredModelsSpoke{SPOKE}"]["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [SPOKE_ROLE, SPOKE_APP]}}
    # The project a Responses call runs in is the caller's own account's.
    assert st["RespondWithConfiguredModels"]["Resource"] == f"arn:aws:bedrock:us-east-1:{HUB}:project/default"
    assert st[f"RespondWithConfiguredModelsSpoke{SPOKE}"]["Resource"] == f"arn:aws:bedrock:us-east-1:{SPOKE}:project/default"
    assert st[f"RespondWithConfiguredModelsSpoke{SPOKE}"]["Action"] == "bedrock:InvokeModel"
    # Denies are for every principal, whatever its account: written once.
    assert st["DenyBearerTokens"] == {"Sid": "DenyBearerTokens", "Effect": "Deny", "Principal": "*", "Action": "bedrock:CallWithBearerToken", "Resource": "*"}
    assert st["DenyServerSideTools"]["Effect"] == "Deny" and "Condition" not in st["DenyServerSideTools"]
    assert policy["Version"] == "2012-10-17"


def test_mantle_policy_names_each_accounts_own_project() -> None:
    policy = hub_endpoint_policy("bedrock-mantle", cfg(), {HUB: [HUB_ROLE], SPOKE: [SPOKE_ROLE]})
    st = by_sid(policy)
    assert st["CreateInferenceConfiguredModels"]["Resource"] == f"arn:aws:bedrock-mantle:us-east-1:{HUB}:project/*"
    assert st[f"CreateInferenceConfiguredModelsSpoke{SPOKE}"]["Resource"] == f"arn:aws:bedrock-mantle:us-east-1:{SPOKE}:project/*"
    assert st[f"ReadModelsSpoke{SPOKE}"]["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [SPOKE_ROLE]}}
    assert [s for s in sids(policy) if s.startswith("Deny")] == ["DenyBearerTokens", "DenyServerSideTools"]
    assert by_sid(policy)["DenyBearerTokens"]["Action"] == "bedrock-mantle:CallWithBearerToken"


@pytest.mark.parametrize("service", ["bedrock", "bedrock-runtime", "bedrock-mantle"])
def test_the_hub_policy_is_the_standalone_policy_of_each_account_with_the_denies_once(service: str) -> None:
    """Built from the standalone builder per account, so the two cannot drift."""
    c = cfg()
    principals = {HUB: [HUB_ROLE], SPOKE: [SPOKE_ROLE], OTHER_SPOKE: [OTHER_ROLE]}
    hub, spoke, other = (endpoint_policy(service, c, account, roles)["Statement"] for account, roles in principals.items())
    expected = (
        [s for s in hub if s["Effect"] == "Allow"]
        + [{**s, "Sid": s["Sid"] + f"Spoke{SPOKE}"} for s in spoke if s["Effect"] == "Allow"]
        + [{**s, "Sid": s["Sid"] + f"Spoke{OTHER_SPOKE}"} for s in other if s["Effect"] == "Allow"]
        + [s for s in hub if s["Effect"] == "Deny"]
    )
    assert hub_endpoint_policy(service, c, principals) == {"Version": "2012-10-17", "Statement": expected}


def test_a_hub_without_spokes_keeps_every_deny() -> None:
    """The first account's denies are all kept, not only the first one."""
    policy = hub_endpoint_policy("bedrock-runtime", cfg(), {HUB: [HUB_ROLE]})
    assert sids(policy) == ["InvokeConfiguredModels", "RespondWithConfiguredModels", "DenyBearerTokens", "DenyServerSideTools"]
    assert policy == endpoint_policy("bedrock-runtime", cfg(), HUB, [HUB_ROLE])


def test_api_keys_allowed_per_account_for_that_accounts_roles() -> None:
    policy = hub_endpoint_policy("bedrock-runtime", cfg(allowApiKeys=True), {HUB: [HUB_ROLE], SPOKE: [SPOKE_ROLE]})
    st = by_sid(policy)
    assert "DenyBearerTokens" not in st
    assert (st["AllowBearerTokens"]["Effect"], st["AllowBearerTokens"]["Condition"]) == ("Allow", {"ArnEquals": {"aws:PrincipalArn": [HUB_ROLE]}})
    spoke = st[f"AllowBearerTokensSpoke{SPOKE}"]
    assert (spoke["Effect"], spoke["Condition"]) == ("Allow", {"ArnEquals": {"aws:PrincipalArn": [SPOKE_ROLE]}})


@pytest.mark.parametrize("accounts", [{HUB: [HUB_ROLE]}, {HUB: [HUB_ROLE], SPOKE: [SPOKE_ROLE]}])
def test_deny_mode_is_one_deny_for_every_account(accounts: dict[str, list[str]]) -> None:
    policy = hub_endpoint_policy("bedrock-runtime", cfg(endpointPolicy="deny"), accounts)
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyAllThroughThisEndpoint",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["bedrock:CallWithBearerToken", "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                "Resource": "*",
            }
        ],
    }


# --- the size limit at its boundary ----------------------------------------------------------


def _spokes(count: int, padding: int = 0) -> dict[str, list[str]]:
    """The hub and `count` spoke accounts with one role each; the last role's path is `padding`
    characters longer (a role ARN appears once in a bedrock endpoint policy: one character each)."""
    principals = {HUB: [HUB_ROLE]}
    for n in range(count):
        account = f"{300000000000 + n}"
        path = "p" * padding + "/" if n == count - 1 and padding else ""
        principals[account] = [f"arn:aws:iam::{account}:role/{path}PrivateBedrock-us-east-1-Probe"]
    return principals


def _at_the_limit() -> tuple[dict[str, list[str]], int]:
    """Spokes whose bedrock endpoint policy is exactly ENDPOINT_POLICY_MAX_CHARS long."""
    c = cfg()
    count = 1
    while minified_length(endpoint_policy_of(_spokes(count + 1))) <= 20480:
        count += 1
    padding = 20480 - minified_length(endpoint_policy_of(_spokes(count))) - 1  # the path's "/"
    assert padding > 0
    principals = _spokes(count, padding)
    assert minified_length(endpoint_policy_of(principals, c)) == 20480
    return principals, count + 1


def endpoint_policy_of(principals: dict[str, list[str]], c=None) -> dict[str, Any]:
    """The hub policy as the builder composes it, measured without the builder's own check."""
    c = c or cfg()
    statements, denies = [], {}
    for i, (account, roles) in enumerate(principals.items()):
        for st in endpoint_policy("bedrock", c, account, roles)["Statement"]:
            if st["Effect"] == "Deny":
                denies.setdefault(st["Sid"], st)
            else:
                statements.append(st if i == 0 else {**st, "Sid": f"{st['Sid']}Spoke{account}"})
    return {"Version": "2012-10-17", "Statement": statements + list(denies.values())}


def test_a_policy_of_exactly_the_limit_is_accepted_and_one_character_more_is_refused() -> None:
    assert ENDPOINT_POLICY_MAX_CHARS == 20480  # AWS's limit for a VPC endpoint policy
    principals, accounts = _at_the_limit()
    policy = hub_endpoint_policy("bedrock", cfg(), principals)
    assert minified_length(policy) == 20480 and policy == endpoint_policy_of(principals)
    # One character more: the last spoke role's path grows by one.
    last = list(principals)[-1]
    (role,) = principals[last]
    longer = {**principals, last: [role.replace("role/p", "role/pp", 1)]}
    with pytest.raises(ConfigError) as err:
        hub_endpoint_policy("bedrock", cfg(), longer)
    assert str(err.value) == (
        f"The bedrock endpoint policy of the hub in us-east-1 would be 20481 characters, over the 20480 a VPC endpoint "
        f"policy may have ({accounts} accounts); set spokeAccess to accounts or organization (one statement per grant for every account), or split the spokes over more hubs."
    )
