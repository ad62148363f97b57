"""A hub's endpoint policy written once for every spoke account (spokeAccess accounts or organization).

The per-account form (private_bedrock/policies/hub.py) repeats every grant for each account, so it
grows with the accounts. Here the policy has two halves:
- what: each grant once, for the caller's own account. IAM substitutes policy variables only
  after the fifth colon of a Resource ARN (IAM User Guide, "Where you can use policy
  variables", checked 2026-12-03), so an account-scoped resource is written with account `*`
  and pinned by `aws:ResourceAccount` = `${aws:PrincipalAccount}`; condition values that name
  the account (bedrock:InferenceProfileArn, bedrock:ModelArn) carry the variable directly,
  which string and ARN operators support (same page). Foundation models have no account and
  stay in statements of their own, without the pin.
- who: Denies (for every action the Allows name) of every principal the hub does not admit,
  each list written once: outside the organisation (aws:PrincipalOrgID) or its listed OUs
  (aws:PrincipalOrgPaths; roles listed by exact ARN exempt), not one of the
  listed accounts (aws:PrincipalAccount, accounts access, written only beside a wildcard), not
  one of the listed roles (aws:PrincipalArn, ArnNotLike). A role name every listed spoke
  account has is written once as arn:aws:iam::*:role/NAME; the account Deny keeps it to the
  listed accounts, and a Deny keeps it out of the hub account unless the hub lists it there.

Least privilege per account holds by the pin: a spoke role reaches only resources of its
own account. Whether Bedrock puts aws:ResourceAccount into the request context of every
action is [field]: AWS documents the key as present for most services; where it is absent
the Allow does not match and the call is refused (fails closed), which the probe shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from private_bedrock.access import BedrockAccess
from private_bedrock.config.errors import ConfigError
from private_bedrock.config.topology import HubSettings
from private_bedrock.policies.endpoint import endpoint_policy_for
from private_bedrock.policies.hub import ENDPOINT_POLICY_MAX_CHARS, policy_chars  # noqa: F401 (re-exported for bench/)
from private_bedrock.policies.statements import merge_conditions, one_or_many, statement

PRINCIPAL_ACCOUNT = "${aws:PrincipalAccount}"
OWN_ACCOUNT = {"StringEquals": {"aws:ResourceAccount": PRINCIPAL_ACCOUNT}}


@dataclass(frozen=True)
class Admission:
    """Who a shared hub policy admits; each field becomes one Deny of everyone else."""

    organization_id: str | None  # DenyOutsideOrganization
    accounts: tuple[str, ...]  # DenyOtherAccounts (empty: the role entries name their accounts, or organization access)
    role_patterns: tuple[str, ...]  # DenyUnlistedRoles: exact ARNs or arn:aws:iam::*:role/NAME
    # Names written with a wildcard account that the hub account does not list: denied there.
    hub_account_denied: tuple[str, ...] = ()
    # The hub's own principals in accounts not listed (extraPrincipalArns of another account):
    # exempt from DenyOtherAccounts by exact ARN, so the wildcard names do not reach that account.
    account_exempt: tuple[str, ...] = ()
    # organization access under OUs: DenyOutsideOrgPaths; the roles listed by exact ARN (the
    # hub's own, spokePrincipalArns) are exempt: they are named, so no OU needs to vouch for them.
    org_paths: tuple[str, ...] = ()
    path_exempt: tuple[str, ...] = ()


def _role_name(arn: str) -> str:
    # A role ARN has ":role/" once: a path and a name have no ":" (ROLE_ARN in config/values.py).
    return arn.split(":role/")[1]


def admission(hub_account: str, hub_principals: Sequence[str], hub: HubSettings) -> Admission:
    """The admission of `hub` (access accounts or organization) with the hub's own principals.

    The hub's principals (its probe role, a CDK token, and extraPrincipalArns) are listed exactly.
    """
    exact = list(dict.fromkeys(hub_principals))
    if hub.access == "organization":
        wildcard = [f"arn:aws:iam::*:role/{n}" for n in hub.role_names]
        patterns = tuple(exact + wildcard + [a for a in hub.spoke_principal_arns if a not in exact])
        named = tuple(exact + [a for a in hub.spoke_principal_arns if a not in exact])
        return Admission(hub.organization_id, (), patterns, org_paths=hub.org_paths, path_exempt=named)
    by_account: dict[str, set[str]] = {}
    for arn in hub.spoke_principal_arns:
        by_account.setdefault(arn.split(":")[4], set()).add(_role_name(arn))
    spoke_accounts = sorted(a for a in by_account if a != hub_account)
    # Names every spoke account lists: one wildcard pattern instead of one ARN per account.
    common = sorted(set.intersection(*(by_account[a] for a in spoke_accounts))) if len(spoke_accounts) > 1 else []
    listed_in_hub = by_account.get(hub_account, set()) | {_role_name(a) for a in hub_principals if ":role/" in a}
    rest = [a for a in hub.spoke_principal_arns if _role_name(a) not in common or a.split(":")[4] == hub_account]
    patterns = tuple(exact + [f"arn:aws:iam::*:role/{n}" for n in common] + [a for a in sorted(rest) if a not in exact])
    # Exact ARNs name their account already: the account list is needed only beside a wildcard.
    listed_accounts = tuple([hub_account] + spoke_accounts) if common else ()
    elsewhere = tuple(a for a in exact if listed_accounts and ":role/" in a and a.split(":")[4] not in listed_accounts)
    return Admission(hub.organization_id, listed_accounts, patterns, tuple(n for n in common if n not in listed_in_hub), elsewhere)


def _own_account_allows(st: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One Allow of the account-variable form -> the statements IAM evaluates as meant."""
    resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
    own = [r.replace(f":{PRINCIPAL_ACCOUNT}:", ":*:") for r in resources if f":{PRINCIPAL_ACCOUNT}:" in r]
    free = [r for r in resources if f":{PRINCIPAL_ACCOUNT}:" not in r]
    if any(PRINCIPAL_ACCOUNT in r for r in free):
        raise AssertionError(f"{st['Sid']}: the account variable outside an ARN's account field: {free}")
    out = []
    conditions = st.get("Condition", {})
    if free:
        out.append({**st, "Resource": one_or_many(free)})
    if own:
        pinned = {**st, "Sid": st["Sid"] + ("InOwnAccount" if free else ""), "Resource": one_or_many(own), "Condition": merge_conditions(conditions, OWN_ACCOUNT)}
        out.append(pinned)
    return [s for st in out for s in _variable_values_as_strings(st)]


def _variable_values_as_strings(st: dict[str, Any]) -> list[dict[str, Any]]:
    """ARN-operator values that carry the account variable -> a statement of their own with a string operator.

    IAM documents variables for ARN operators too, but the offline simulator (iam-simulate
    0.1.173) does not substitute them there, so the matrix could not prove such a value;
    StringEquals (StringLike for a value with a wildcard) means the same for an ARN and both
    evaluate it. The values without the variable keep their ARN operator in the original
    statement: one key under two operators would need both to match.
    """
    moved = [(op, key) for op, kv in st.get("Condition", {}).items() if op.startswith("Arn") for key, vs in kv.items() if PRINCIPAL_ACCOUNT in json.dumps(vs)]
    if not moved:
        return [st]
    assert len(moved) == 1, f"{st['Sid']}: more than one ARN condition names the account: {moved}"
    (op, key), cond = moved[0], st["Condition"]
    values = cond[op][key] if isinstance(cond[op][key], list) else [cond[op][key]]
    with_var = [v for v in values if PRINCIPAL_ACCOUNT in v]
    rest = [v for v in values if PRINCIPAL_ACCOUNT not in v]
    others = {o: dict(kv) for o, kv in cond.items()}
    del others[op][key]
    others = {o: kv for o, kv in others.items() if kv}
    string_op = "StringLike" if any("*" in v or "?" in v for v in with_var) else "StringEquals"
    out = []
    if rest:
        out.append({**st, "Condition": merge_conditions(others, {op: {key: rest}})})
    out.append({**st, "Sid": st["Sid"] + ("OwnProfiles" if rest else ""), "Condition": merge_conditions(others, {string_op: {key: with_var}})})
    return out


def _who_denies(actions: Sequence[str], who: Admission) -> list[dict[str, Any]]:
    acts = sorted(set(actions))
    denies = []
    if who.organization_id:
        denies.append(statement("Deny", "DenyOutsideOrganization", acts, ["*"], {"StringNotEquals": {"aws:PrincipalOrgID": who.organization_id}}, principal=True))
    if who.org_paths:
        # ForAllValues over the principal's paths: denied unless one is under a listed OU; an
        # absent key makes ForAllValues true, so a principal without paths is denied too.
        outside = {"ForAllValues:StringNotLike": {"aws:PrincipalOrgPaths": [f"{p}*" for p in who.org_paths]}, "ArnNotEquals": {"aws:PrincipalArn": list(who.path_exempt)}}
        denies.append(statement("Deny", "DenyOutsideOrgPaths", acts, ["*"], outside, principal=True))
    if who.accounts:
        others = {"StringNotEquals": {"aws:PrincipalAccount": list(who.accounts)}}
        if who.account_exempt:
            others["ArnNotEquals"] = {"aws:PrincipalArn": list(who.account_exempt)}
        denies.append(statement("Deny", "DenyOtherAccounts", acts, ["*"], others, principal=True))
    denies.append(statement("Deny", "DenyUnlistedRoles", acts, ["*"], {"ArnNotLike": {"aws:PrincipalArn": list(who.role_patterns)}}, principal=True))
    if who.hub_account_denied:
        hub = who.accounts[0]
        arns = [f"arn:aws:iam::{hub}:role/{n}" for n in who.hub_account_denied]
        denies.append(statement("Deny", "DenySpokeRoleNamesInHubAccount", acts, ["*"], {"ArnLike": {"aws:PrincipalArn": arns}}, principal=True))
    return denies


def shared_hub_policy(service: str, access: BedrockAccess, who: Admission) -> dict[str, Any]:
    """The endpoint policy for `service`: the grants once for every admitted account, then the Denies of everyone else."""
    base = endpoint_policy_for(service, access, PRINCIPAL_ACCOUNT, {})
    if access.endpoint_policy == "deny":
        return base
    allows = [s for st in base["Statement"] if st["Effect"] == "Allow" for s in _own_account_allows(st)]
    denies = [st for st in base["Statement"] if st["Effect"] == "Deny"]
    actions = [a for st in allows for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])]
    document = {"Version": "2012-10-17", "Statement": allows + _who_denies(actions, who) + denies}
    check_size(service, access.region, document, who)
    return document


def check_size(service: str, region: str, document: Mapping[str, Any], who: Admission) -> None:
    size = policy_chars(document)
    if size > ENDPOINT_POLICY_MAX_CHARS:
        raise ConfigError(
            f"The {service} endpoint policy of the hub in {region} would be {size} characters, over the {ENDPOINT_POLICY_MAX_CHARS} "
            f"a VPC endpoint policy may have ({len(who.role_patterns)} role entries{f', {len(who.accounts)} accounts' if who.accounts else ''}); give the roles the same "
            "names in every spoke account (one entry each), or use spokeAccess organization, or split the spokes over more hubs."
        )

