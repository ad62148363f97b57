"""A hub at organisation size, synth-free: the shared endpoint policies (private_bedrock/policies/hub_shared.py),
the spoke CIDR summary and the security group quota (private_bedrock/config/topology.py).

The IAM evaluation of these policies is in tests/security/test_hub_scale_matrix.py; here the
shapes, the sizes against AWS's limits and every refusal, at hundreds of accounts.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.policies.hub import hub_endpoint_policy, principals_by_account
from private_bedrock.policies.hub_shared import ENDPOINT_POLICY_MAX_CHARS, PRINCIPAL_ACCOUNT, Admission, admission, policy_chars, shared_hub_policy
from private_bedrock.config.topology import summarised_cidrs

HUB = "111122223333"
HUB_PROBE = f"arn:aws:iam::{HUB}:role/HubProbe"
ORG_ARN = "arn:aws:organizations::999988887777:organization/o-a1b2c3d4e5"
PROBE = "PrivateBedrock-us-east-1-Probe"
SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle")


def accounts(n: int) -> list[str]:
    return [f"{300000000000 + i}" for i in range(n)]


def roles(n_accounts: int, names: tuple[str, ...] = (PROBE, "analytics-app"), distinct: bool = False) -> list[str]:
    return [f"arn:aws:iam::{a}:role/{f'{n}-{a}' if distinct else n}" for a in accounts(n_accounts) for n in names]


def hub_cfg(**ctx: Any):
    base = {"regions": ["us-east-1"], "topology": "hub", "spokeCidrs": ["10.90.0.0/16"]}
    return load_config({**base, **ctx}, HUB).regions[0]


def shared(cfg, service: str) -> dict[str, Any]:
    return shared_hub_policy(service, cfg.access, admission(HUB, [HUB_PROBE], cfg.network.hub))


def by_sid(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in policy["Statement"]}


# --- spoke CIDRs -----------------------------------------------------------------------------


def test_adjacent_and_nested_spoke_ranges_collapse_into_the_fewest_rules() -> None:
    assert summarised_cidrs("spokeCidrs", ["10.91.0.0/16", "10.90.0.0/16", "10.90.4.0/24", "10.92.0.0/16"]) == ("10.90.0.0/15", "10.92.0.0/16")
    # A supernet is accepted and covers what it contains.
    assert summarised_cidrs("spokeCidrs", ["10.64.0.0/10", "10.65.1.0/24"]) == ("10.64.0.0/10",)
    assert hub_cfg(spokeCidrs=["10.90.0.0/16", "10.91.0.0/16"], spokePrincipalArns=[HUB_PROBE]).network.hub.spoke_cidrs == ("10.90.0.0/15",)


def _separate(n: int) -> list[str]:
    """n spoke ranges no two of which merge (every other /24)."""
    return [f"10.{90 + i // 100}.{(i % 100) * 2}.0/24" for i in range(n)]


def test_the_endpoint_sg_quota_is_met_at_its_boundary_and_refused_one_rule_over() -> None:
    # 60 inbound rules by default: one for the workload SG, 59 left for spoke ranges.
    assert len(hub_cfg(spokeCidrs=_separate(59), spokePrincipalArns=[HUB_PROBE]).network.hub.spoke_cidrs) == 59
    with pytest.raises(ConfigError) as err:
        hub_cfg(spokeCidrs=_separate(60), spokePrincipalArns=[HUB_PROBE])
    assert str(err.value) == (
        "The endpoint security group would need 61 inbound rules (1 for the workloads, 0 for onPremCidrs, 60 for spokeCidrs after summarising), "
        "over the quota of 60; give supernets that cover several spoke VPCs, or raise the quota with AWS and set securityGroupRuleQuota."
    )
    # Ranges that summarise into few rules are not refused however many were listed.
    adjacent = [f"10.90.{i}.0/24" for i in range(256)]
    assert hub_cfg(spokeCidrs=adjacent, spokePrincipalArns=[HUB_PROBE]).network.hub.spoke_cidrs == ("10.90.0.0/16",)
    # A raised quota is honoured; on-premises ranges count too.
    assert hub_cfg(spokeCidrs=_separate(60), spokePrincipalArns=[HUB_PROBE], securityGroupRuleQuota=61)
    with pytest.raises(ConfigError, match=r"need 61 inbound rules \(1 for the workloads, 2 for onPremCidrs, 58 for spokeCidrs"):
        hub_cfg(spokeCidrs=_separate(58), spokePrincipalArns=[HUB_PROBE], onPremCidrs=["192.168.0.0/24", "192.168.2.0/24"])


@pytest.mark.parametrize("quota", [0, 1001])
def test_a_quota_aws_cannot_have_is_refused(quota: int) -> None:
    with pytest.raises(ConfigError, match=rf"^securityGroupRuleQuota {quota} is not a security group inbound rule quota; give your account's quota, 1 to 1000"):
        hub_cfg(spokePrincipalArns=[HUB_PROBE], securityGroupRuleQuota=quota)


# --- configuration refusals ------------------------------------------------------------------


@pytest.mark.parametrize(
    "ctx, message",
    [
        ({"spokeAccess": "everyone"}, "spokeAccess 'everyone' is not supported; use one of: perAccount, accounts, organization."),
        ({"spokeAccess": "organization", "spokeRoleNames": [PROBE]}, "spokeAccess organization needs spokeOrganizationArn: the organisation whose member accounts' roles the hub admits."),
        ({"spokeAccess": "organization", "spokeOrganizationArn": ORG_ARN}, "spokeAccess organization needs spokeRoleNames (role names admitted in every member account) or spokePrincipalArns."),
        ({"spokeAccess": "accounts", "spokePrincipalArns": [HUB_PROBE], "spokeRoleNames": [PROBE]}, "spokeRoleNames applies only with spokeAccess organization (this hub's is accounts); list the roles in spokePrincipalArns instead, or choose organization."),
        ({"spokePrincipalArns": [HUB_PROBE], "spokeOrganizationArn": ORG_ARN}, "spokeOrganizationArn applies only with spokeAccess accounts or organization (this hub's is perAccount); remove it or choose one of those."),
        ({"spokeAccess": "accounts", "spokePrincipalArns": [HUB_PROBE], "spokeOrganizationArn": "o-a1b2c3d4e5"}, "spokeOrganizationArn 'o-a1b2c3d4e5' is not an AWS Organizations ARN such as arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5 (aws organizations describe-organization)."),
        ({"spokeAccess": "organization", "spokeOrganizationArn": ORG_ARN, "spokeRoleNames": ["app-*"]}, "spokeRoleNames entry 'app-*' is not an IAM role name (with its path, if any) such as my-app or team/my-app."),
        ({"spokeAccess": "accounts", "spokePrincipalArns": [HUB_PROBE], "spokeOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-cd34ef56/"]}, "spokeOrgPaths applies only with spokeAccess organization (this hub's is accounts); remove it or choose organization."),
        ({"spokeAccess": "organization", "spokeOrganizationArn": ORG_ARN, "spokeRoleNames": [PROBE], "spokeOrgPaths": ["o-zzzzzzzzzz/r-ab12/ou-ab12-cd34ef56/"]}, "spokeOrgPaths entry 'o-zzzzzzzzzz/r-ab12/ou-ab12-cd34ef56/' is not in the organisation o-a1b2c3d4e5 of spokeOrganizationArn; give a path that starts with o-a1b2c3d4e5/."),
        ({"spokeAccess": "organization", "spokeOrganizationArn": ORG_ARN, "spokeRoleNames": [PROBE], "spokeOrgPaths": ["o-a1b2c3d4e5/r-ab12/"]}, "spokeOrgPaths entry 'o-a1b2c3d4e5/r-ab12/' is not an organisation path to an OU such as o-a1b2c3d4e5/r-ab12/ou-ab12-cd34ef56/."),
        ({"spokeAccess": "accounts", "spokePrincipalArns": ["arn:aws:iam::*:role/app"]}, None),
    ],
)
def test_bad_hub_input_is_one_sentence(ctx: dict[str, Any], message: str | None) -> None:
    with pytest.raises(ConfigError) as err:
        hub_cfg(**ctx)
    if message is not None:
        assert str(err.value) == message
    else:  # a wildcard account in a role ARN: refused as not a role ARN (it would admit every account)
        assert "is not an IAM role ARN" in str(err.value)


def test_a_hub_without_any_spoke_role_is_refused_in_every_mode() -> None:
    with pytest.raises(ConfigError, match="^topology hub in us-east-1 needs spokePrincipalArns"):
        hub_cfg(spokeAccess="accounts")


# --- admission: who the Denies let through ---------------------------------------------------


def test_names_every_spoke_account_lists_are_written_once_and_kept_off_the_hub_account() -> None:
    odd = "arn:aws:iam::300000000001:role/team/only-here"
    cfg = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(3, (PROBE,)) + [odd])
    who = admission(HUB, [HUB_PROBE], cfg.network.hub)
    assert who.accounts == (HUB, *accounts(3))
    assert who.role_patterns == (HUB_PROBE, f"arn:aws:iam::*:role/{PROBE}", odd)
    # The hub account lists no role of that name: the wildcard must not admit one there.
    assert who.hub_account_denied == (PROBE,)
    deny = by_sid(shared(cfg, "bedrock"))["DenySpokeRoleNamesInHubAccount"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"ArnLike": {"aws:PrincipalArn": [f"arn:aws:iam::{HUB}:role/{PROBE}"]}}


def test_a_hub_principal_of_another_account_is_exempt_from_the_account_deny_by_its_exact_arn() -> None:
    extra = "arn:aws:iam::777788889999:role/platform-tester"
    cfg = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(2, (PROBE,)))
    who = admission(HUB, [HUB_PROBE, extra], cfg.network.hub)
    assert who.account_exempt == (extra,) and extra in who.role_patterns and "777788889999" not in who.accounts
    deny = by_sid(shared_hub_policy("bedrock", cfg.access, who))["DenyOtherAccounts"]
    assert deny["Condition"] == {"StringNotEquals": {"aws:PrincipalAccount": [HUB, *accounts(2)]}, "ArnNotEquals": {"aws:PrincipalArn": [extra]}}


def test_one_spoke_account_is_listed_exactly_and_a_name_the_hub_lists_is_not_denied_there() -> None:
    cfg = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(1, (PROBE,)))
    assert admission(HUB, [HUB_PROBE], cfg.network.hub).role_patterns == (HUB_PROBE, f"arn:aws:iam::300000000000:role/{PROBE}")
    cfg = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(2, (PROBE,)))
    assert admission(HUB, [HUB_PROBE, f"arn:aws:iam::{HUB}:role/{PROBE}"], cfg.network.hub).hub_account_denied == ()


def test_organization_access_lists_names_and_exceptions_and_no_account() -> None:
    extra = "arn:aws:iam::300000000007:role/special"
    cfg = hub_cfg(spokeAccess="organization", spokeOrganizationArn=ORG_ARN, spokeRoleNames=[PROBE, "team/app"], spokePrincipalArns=[extra])
    who = admission(HUB, [HUB_PROBE], cfg.network.hub)
    assert (who.organization_id, who.accounts) == ("o-a1b2c3d4e5", ())
    assert who.role_patterns == (HUB_PROBE, f"arn:aws:iam::*:role/{PROBE}", "arn:aws:iam::*:role/team/app", extra)
    st = by_sid(shared(cfg, "bedrock-runtime"))
    assert st["DenyOutsideOrganization"]["Condition"] == {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    assert "DenyOtherAccounts" not in st and "DenySpokeRoleNamesInHubAccount" not in st
    assert cfg.network.hub.share_principals == (ORG_ARN,)


# --- the shared policy's shape ---------------------------------------------------------------

ARN_FIELDS_BEFORE_RESOURCE = 5


def _resources(st: dict[str, Any]) -> list[str]:
    return st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]


@pytest.mark.parametrize("service", SERVICES)
def test_the_account_variable_is_never_in_an_arns_account_field_and_every_own_resource_is_pinned(service: str) -> None:
    """IAM substitutes variables only after an ARN's fifth colon: the account is `*` plus the aws:ResourceAccount pin."""
    cfg = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(3), inferenceScope="geography", runtimeModels=["us.amazon.nova-lite-v1:0", "amazon.nova-micro-v1:0"])
    policy = shared(cfg, service)
    for st in policy["Statement"]:
        for r in _resources(st):
            assert PRINCIPAL_ACCOUNT not in ":".join(r.split(":")[:ARN_FIELDS_BEFORE_RESOURCE]), (st["Sid"], r)
            if r != "*" and r.split(":")[4] == "*":
                assert st["Condition"]["StringEquals"]["aws:ResourceAccount"] == PRINCIPAL_ACCOUNT, st["Sid"]
        for op, kv in st.get("Condition", {}).items():
            if PRINCIPAL_ACCOUNT in str(kv):
                assert op in ("StringEquals", "StringLike"), (st["Sid"], op)  # the operators the simulator substitutes in
    # The spoke accounts appear only in the Denies of who may call: no grant names one.
    cfg_distinct = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(3, distinct=True))
    naming = {s["Sid"] for s in shared(cfg_distinct, service)["Statement"] if re.search(r"3000000000\d\d", str(s))}
    assert naming == {"DenyUnlistedRoles"}  # exact ARNs name their accounts: no account list is needed


def test_a_mixed_grant_is_split_into_account_free_and_pinned_statements() -> None:
    cfg = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(2), inferenceScope="geography", runtimeModels=["us.amazon.nova-lite-v1:0", "amazon.nova-micro-v1:0"])
    st = by_sid(shared(cfg, "bedrock-runtime"))
    assert st["InvokeConfiguredModels"]["Resource"] == "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"
    assert "Condition" not in st["InvokeConfiguredModels"]
    own = st["InvokeConfiguredModelsInOwnAccount"]
    assert own["Resource"] == "arn:aws:bedrock:us-east-1:*:inference-profile/us.amazon.nova-lite-v1:0"
    assert own["Condition"] == {"StringEquals": {"aws:ResourceAccount": PRINCIPAL_ACCOUNT}}
    assert st["InvokeThroughProfiles"]["Condition"] == {
        "StringEquals": {"bedrock:InferenceProfileArn": [f"arn:aws:bedrock:us-east-1:{PRINCIPAL_ACCOUNT}:inference-profile/us.amazon.nova-lite-v1:0"]}
    }
    # Responses: bedrock:ModelArn is what the request named, never a profile's destinations; the
    # account-free model ARN keeps ArnLike, the caller's own profile is a string match of its own.
    assert st["RespondWithConfiguredModels"]["Condition"]["ArnLike"] == {
        "bedrock:ModelArn": ["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"]
    }
    assert st["RespondWithConfiguredModelsOwnProfiles"]["Condition"] == {
        "StringEquals": {"bedrock:ModelArn": [f"arn:aws:bedrock:us-east-1:{PRINCIPAL_ACCOUNT}:inference-profile/us.amazon.nova-lite-v1:0"], "aws:ResourceAccount": PRINCIPAL_ACCOUNT}
    }
    # Every Allowed action is in the who-Denies.
    allowed = {a for s in st.values() if s["Effect"] == "Allow" for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    for sid in ("DenyOtherAccounts", "DenyUnlistedRoles"):
        assert set(st[sid]["Action"]) == allowed and st[sid]["Resource"] == "*"


def test_deny_mode_stays_one_deny() -> None:
    cfg = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(2), endpointPolicy="deny")
    assert [s["Sid"] for s in shared(cfg, "bedrock-runtime")["Statement"]] == ["DenyAllThroughThisEndpoint"]


# --- sizes at organisation scale -------------------------------------------------------------


def test_150_accounts_with_300_roles_fit_and_grow_by_one_account_id_each() -> None:
    cfg = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(150))
    cfg_151 = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(151))
    for service in SERVICES:
        size = policy_chars(shared(cfg, service))
        assert size <= ENDPOINT_POLICY_MAX_CHARS
        # One more account with the same two role names: its id once in the account Deny ("300000000150",).
        assert policy_chars(shared(cfg_151, service)) - size == len('"300000000150",')


def test_the_per_account_form_refuses_what_the_shared_form_fits() -> None:
    cfg = hub_cfg(spokePrincipalArns=roles(150))
    with pytest.raises(ConfigError, match=r"^The bedrock-runtime endpoint policy of the hub in us-east-1 would be \d+ characters, over the 20480"):
        hub_endpoint_policy("bedrock-runtime", cfg.access, principals_by_account(HUB, [HUB_PROBE], cfg.network.hub.spoke_principal_arns))


def test_organization_access_does_not_depend_on_the_number_of_accounts() -> None:
    """1,000 member accounts or one: the same document (no account is in it)."""
    cfg = hub_cfg(spokeAccess="organization", spokeOrganizationArn=ORG_ARN, spokeRoleNames=[PROBE, "analytics-app"])
    for service in SERVICES:
        policy = shared(cfg, service)
        assert policy_chars(policy) < ENDPOINT_POLICY_MAX_CHARS // 4
        assert not re.search(r"\d{12}", str(policy).replace(HUB, "")), service  # only the hub's own probe role is named


def test_distinct_role_names_are_listed_exactly_and_refused_over_the_limit_in_one_sentence() -> None:
    fits = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(100, distinct=True))
    assert policy_chars(shared(fits, "bedrock-runtime")) <= ENDPOINT_POLICY_MAX_CHARS
    over = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(150, distinct=True))
    with pytest.raises(ConfigError) as err:
        shared(over, "bedrock")
    assert re.fullmatch(
        r"The bedrock endpoint policy of the hub in us-east-1 would be \d+ characters, over the 20480 a VPC endpoint policy may have "
        r"\(301 role entries\); give the roles the same names in every spoke account \(one entry each\), or use spokeAccess "
        r"organization, or split the spokes over more hubs\.",
        str(err.value),
    )


@pytest.mark.parametrize("access", ["accounts", "organization"])
def test_every_capability_builds_a_shared_policy_with_its_own_account_resources_pinned(access: str) -> None:
    """The optional features (async invoke, stored responses, system tools, agents, ...) in both shared forms."""
    from tests.conftest import OPTIONAL_CONTEXT

    ctx = {k: v for k, v in OPTIONAL_CONTEXT.items() if k not in ("onPremCidrs", "resolverInboundEndpoint")}
    ctx |= {"topology": "hub", "spokeCidrs": ["10.90.0.0/16"], "spokeAccess": access, "spokeOrganizationArn": ORG_ARN}
    ctx |= {"spokeRoleNames": [PROBE]} if access == "organization" else {"spokePrincipalArns": roles(2)}
    for cfg in load_config(ctx, HUB).regions:
        who = admission(HUB, [HUB_PROBE], cfg.network.hub)
        for service in cfg.endpoints:
            for st in shared_hub_policy(service, cfg.access, who)["Statement"]:
                for r in _resources(st):
                    assert PRINCIPAL_ACCOUNT not in ":".join(r.split(":")[:ARN_FIELDS_BEFORE_RESOURCE]), (service, st["Sid"], r)
                    if st["Effect"] == "Allow" and r != "*" and r.split(":")[4] == "*":
                        assert st["Condition"]["StringEquals"]["aws:ResourceAccount"] == PRINCIPAL_ACCOUNT, (service, st["Sid"])


def test_org_paths_deny_everyone_outside_the_ous_but_the_roles_named_exactly() -> None:
    path = "o-a1b2c3d4e5/r-ab12/ou-ab12-cd34ef56/"
    extra = "arn:aws:iam::300000000007:role/special"
    cfg = hub_cfg(spokeAccess="organization", spokeOrganizationArn=ORG_ARN, spokeRoleNames=[PROBE], spokeOrgPaths=[path], spokePrincipalArns=[extra])
    deny = by_sid(shared(cfg, "bedrock-runtime"))["DenyOutsideOrgPaths"]
    assert deny["Effect"] == "Deny" and deny["Resource"] == "*"
    assert deny["Condition"] == {"ForAllValues:StringNotLike": {"aws:PrincipalOrgPaths": [f"{path}*"]}, "ArnNotEquals": {"aws:PrincipalArn": [HUB_PROBE, extra]}}
    # Without OUs there is no such statement.
    assert "DenyOutsideOrgPaths" not in by_sid(shared(hub_cfg(spokeAccess="organization", spokeOrganizationArn=ORG_ARN, spokeRoleNames=[PROBE]), "bedrock"))


# --- the who-Denies and the guards, statement by statement -----------------------------------


def deny(sid: str, actions: list[str], condition: dict[str, Any]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Deny", "Principal": "*", "Action": actions, "Resource": "*", "Condition": condition}


def test_accounts_access_denies_everyone_but_the_listed_accounts_and_roles_for_every_allowed_action() -> None:
    extra = "arn:aws:iam::777788889999:role/platform-tester"
    cfg = hub_cfg(spokeAccess="accounts", spokeOrganizationArn=ORG_ARN, spokePrincipalArns=roles(2, (PROBE,)))
    policy = shared_hub_policy("bedrock-runtime", cfg.access, admission(HUB, [HUB_PROBE, extra], cfg.network.hub))
    assert policy["Version"] == "2012-10-17"
    st = by_sid(policy)
    allowed = sorted({a for s in st.values() if s["Effect"] == "Allow" for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])})
    assert [s for s in policy["Statement"] if s["Sid"].startswith("Deny") and s["Sid"] not in ("DenyBearerTokens", "DenyServerSideTools")] == [
        deny("DenyOutsideOrganization", allowed, {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
        deny("DenyOtherAccounts", allowed, {"StringNotEquals": {"aws:PrincipalAccount": [HUB, *accounts(2)]}, "ArnNotEquals": {"aws:PrincipalArn": [extra]}}),
        deny("DenyUnlistedRoles", allowed, {"ArnNotLike": {"aws:PrincipalArn": [HUB_PROBE, extra, f"arn:aws:iam::*:role/{PROBE}"]}}),
        deny("DenySpokeRoleNamesInHubAccount", allowed, {"ArnLike": {"aws:PrincipalArn": [f"arn:aws:iam::{HUB}:role/{PROBE}"]}}),
    ]
    # The endpoint's own Denies stay, for every principal: API keys are refused through the hub too.
    assert st["DenyBearerTokens"] == {"Sid": "DenyBearerTokens", "Effect": "Deny", "Principal": "*", "Action": "bedrock:CallWithBearerToken", "Resource": "*"}


def test_org_paths_deny_is_for_every_principal_and_every_allowed_action() -> None:
    path = "o-a1b2c3d4e5/r-ab12/ou-ab12-cd34ef56/"
    cfg = hub_cfg(spokeAccess="organization", spokeOrganizationArn=ORG_ARN, spokeRoleNames=[PROBE], spokeOrgPaths=[path])
    st = by_sid(shared(cfg, "bedrock-runtime"))
    allowed = sorted({a for s in st.values() if s["Effect"] == "Allow" for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])})
    assert st["DenyOutsideOrgPaths"] == deny(
        "DenyOutsideOrgPaths", allowed, {"ForAllValues:StringNotLike": {"aws:PrincipalOrgPaths": [f"{path}*"]}, "ArnNotEquals": {"aws:PrincipalArn": [HUB_PROBE]}}
    )


def test_a_shared_name_the_hub_account_lists_among_the_spokes_is_admitted_there_by_its_exact_arn() -> None:
    in_hub = f"arn:aws:iam::{HUB}:role/{PROBE}"
    cfg = hub_cfg(spokeAccess="accounts", spokePrincipalArns=[*roles(2, (PROBE,)), in_hub])
    who = admission(HUB, [HUB_PROBE], cfg.network.hub)
    assert who.role_patterns == (HUB_PROBE, f"arn:aws:iam::*:role/{PROBE}", in_hub)
    assert who.hub_account_denied == ()  # the hub account lists the name: no Deny of it there
    assert who.organization_id is None and "DenyOutsideOrganization" not in by_sid(shared(cfg, "bedrock"))


def test_a_model_named_only_through_the_callers_own_profile_keeps_the_grants_sid() -> None:
    cfg = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(2), inferenceScope="geography", runtimeModels=["us.amazon.nova-lite-v1:0"])
    st = by_sid(shared(cfg, "bedrock-runtime"))
    assert "RespondWithConfiguredModelsOwnProfiles" not in st
    assert st["RespondWithConfiguredModels"]["Condition"] == {
        "StringEquals": {"bedrock:ModelArn": [f"arn:aws:bedrock:us-east-1:{PRINCIPAL_ACCOUNT}:inference-profile/us.amazon.nova-lite-v1:0"], "aws:ResourceAccount": PRINCIPAL_ACCOUNT}
    }


def test_the_shared_policy_is_refused_one_character_over_the_limit_and_accepted_at_it() -> None:
    cfg = hub_cfg(spokeAccess="accounts", spokePrincipalArns=roles(2, (PROBE,)))
    base = admission(HUB, [HUB_PROBE], cfg.network.hub)

    def padded(n: int) -> Admission:  # one more listed role, its name n characters long
        return Admission(base.organization_id, base.accounts, (*base.role_patterns, f"arn:aws:iam::{HUB}:role/{'p' * n}"))

    size = policy_chars(shared_hub_policy("bedrock", cfg.access, padded(1)))
    at_limit = ENDPOINT_POLICY_MAX_CHARS - size + 1
    assert policy_chars(shared_hub_policy("bedrock", cfg.access, padded(at_limit))) == ENDPOINT_POLICY_MAX_CHARS
    with pytest.raises(ConfigError, match=rf"^The bedrock endpoint policy of the hub in us-east-1 would be {ENDPOINT_POLICY_MAX_CHARS + 1} characters, over the 20480 a VPC "
                       r"endpoint policy may have \(3 role entries, 3 accounts\); give the roles the same names"):
        shared_hub_policy("bedrock", cfg.access, padded(at_limit + 1))


def test_the_account_variable_outside_an_arns_account_field_is_refused_by_sid() -> None:
    """A grant written so cannot be made per-account (IAM would not substitute the variable there)."""
    from private_bedrock.policies.hub_shared import _own_account_allows

    bad = {"Sid": "S", "Effect": "Allow", "Action": "s3:GetObject", "Resource": [f"arn:aws:s3:::bucket-{PRINCIPAL_ACCOUNT}/*"]}
    with pytest.raises(AssertionError, match=re.escape(f"S: the account variable outside an ARN's account field: ['arn:aws:s3:::bucket-{PRINCIPAL_ACCOUNT}/*']")):
        _own_account_allows(bad)


def test_variable_values_become_one_string_match_of_their_own() -> None:
    from private_bedrock.policies.hub_shared import _variable_values_as_strings

    profile = f"arn:aws:bedrock:us-east-1:{PRINCIPAL_ACCOUNT}:inference-profile/p"
    st = {"Sid": "S", "Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}
    # A single value (not a list) is one value, matched exactly.
    assert _variable_values_as_strings({**st, "Condition": {"ArnLike": {"bedrock:ModelArn": profile}}}) == [
        {**st, "Condition": {"StringEquals": {"bedrock:ModelArn": [profile]}}}
    ]
    # A value with a wildcard keeps its wildcard: StringLike, whichever of * and ? it has.
    for pattern in (f"{profile}*", f"{profile}?"):
        assert _variable_values_as_strings({**st, "Condition": {"ArnLike": {"bedrock:ModelArn": [pattern]}}}) == [
            {**st, "Condition": {"StringLike": {"bedrock:ModelArn": [pattern]}}}
        ]
    # The values without the variable keep their operator, beside the other keys of that operator.
    guardrail = {"bedrock:GuardrailIdentifier": ["arn:aws:bedrock:us-east-1:111122223333:guardrail/g"]}
    model = "arn:aws:bedrock:us-east-1::foundation-model/m"
    assert _variable_values_as_strings({**st, "Condition": {"ArnLike": {"bedrock:ModelArn": [profile, model], **guardrail}}}) == [
        {**st, "Condition": {"ArnLike": {**guardrail, "bedrock:ModelArn": [model]}}},
        {**st, "Sid": "SOwnProfiles", "Condition": {"ArnLike": guardrail, "StringEquals": {"bedrock:ModelArn": [profile]}}},
    ]
    two = {**st, "Condition": {"ArnLike": {"bedrock:ModelArn": [profile]}, "ArnEquals": {"bedrock:InferenceProfileArn": [profile]}}}
    with pytest.raises(AssertionError, match=r"^S: more than one ARN condition names the account"):
        _variable_values_as_strings(two)
