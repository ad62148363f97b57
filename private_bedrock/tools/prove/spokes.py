"""The spoke columns of a hub's matrix, and a spoke's own matrix.

A spoke template (topology spoke) has no endpoints of its own; its identity policy names the
hub's endpoint ids. Paired with its hub's template, its roles become columns of the hub's
matrix, evaluated with the spoke's identity policy and the hub's endpoint policies:
- spoke (listed): a spoke role the hub's configuration admits (metadata spokePrincipalArns):
  allowed through the hub endpoint for the allow-listed requests, denied everywhere else;
- spoke-unlisted: a spoke role the hub does not admit (the spoke's control probe role), and
  a role of an account the hub does not know carrying the same identity policy: denied on
  every path.
A hub that names its organisation (spokeAccess accounts or organization, metadata
spokeOrganizationId) has the spoke accounts modelled as members of it, and one more column:
the spoke's listed role in an account of another organisation (denied everywhere). Under
organization access a role is admitted by its name (spokeRoleNames) in any member account,
so there the unknown member account's probe role is a listed spoke: that is what the mode
trusts, and the matrix shows it.

A hub's assembly alone (no spoke template): one column per spokePrincipalArns role, modelled
like an extraPrincipalArns role: carrying the hub's identity policy as resolved in the role's
own account (which is what a spoke of the same allow list deploys: its policy names the hub's
endpoint ids), its other policies unknown.

A spoke's assembly alone: its identity policy is what it deploys; the hub's endpoint policies
are not in it. Its matrix is the "identity" layer setting over the hub's endpoint ids (from
the template metadata hubEndpointIds), each hub endpoint standing in with full access: what
the hub admits is proved by the hub's assembly.
"""

from __future__ import annotations

from typing import Any, Mapping

from dataclasses import replace

from private_bedrock.tools.prove.deployment import Deployment, Endpoint, read_deployment
from private_bedrock.tools.prove.fence import concrete_principal_arn
from private_bedrock.tools.prove.resolve import PARTITION

SPOKE_ACCOUNT = "222233334444"  # the spoke template is resolved as if deployed here
UNKNOWN_SPOKE_ACCOUNT = "555566667777"  # an account the hub admits no one from
OTHER_ORG = "o-0th3r0rg000"


def _short(logical_id: str) -> str:
    return logical_id[:-8] if len(logical_id) > 8 and all(c in "0123456789ABCDEF" for c in logical_id[-8:]) else logical_id


def spoke_principals(hub: Deployment, spoke_template: Mapping[str, Any], principal_cls: type, spoke_account: str = SPOKE_ACCOUNT) -> list[Any]:
    """Columns for the roles of `spoke_template` (resolved in `spoke_account`) and an unknown account."""
    spoke: Deployment = read_deployment(spoke_template, hub.region, spoke_account)
    if spoke.metadata.get("topology") != "spoke":
        raise ValueError(f"{hub.region}: the template paired with the hub is not a spoke (topology {spoke.metadata.get('topology')!r})")
    listed = set(hub.metadata.get("spokePrincipalArns", []))
    org = hub.metadata.get("spokeOrganizationId")
    by_name = set(hub.metadata.get("spokeRoleNames", [])) if hub.metadata.get("spokeAccess") == "organization" else set()

    # With spokeOrgPaths the spoke is modelled under the first listed OU, the unknown member
    # account under another OU of the same root (a name alone does not admit it there).
    paths = list(hub.metadata.get("spokeOrgPaths", []))
    inside = (f"{paths[0]}ou-spok-00000000/",) if paths else ()
    elsewhere = (f"{paths[0].split('/ou-', 1)[0]}/ou-else-00000000/",) if paths else ()

    def admitted(arn: str, in_org: bool, in_paths: bool = True) -> bool:
        return (arn in listed and (in_org or not org)) or (in_org and in_paths and arn.split(":role/", 1)[1] in by_name)

    out = []
    for lid in spoke.identity_policy_roles:
        role = spoke.roles[lid]
        kind = "spoke" if admitted(role.arn, True) else "spoke-unlisted"
        note = ("admitted by the hub (spokePrincipalArns or spokeRoleNames)" if kind == "spoke" else "not listed by the hub") + "; carries the spoke's identity policy"
        out.append(principal_cls(f"spoke {_short(lid)}", kind, role.arn, spoke_account, spoke.policies_of(lid), note, org, inside))
    # The same identity policy in an account the hub does not name (a member of its organisation, if it names one).
    lid = spoke.in_vpc_roles[0]
    stranger = read_deployment(spoke_template, hub.region, UNKNOWN_SPOKE_ACCOUNT)
    arn = f"arn:{PARTITION}:iam::{UNKNOWN_SPOKE_ACCOUNT}:role/{stranger.roles[lid].arn.rsplit('/', 1)[1]}"
    kind = "spoke" if admitted(arn, True, not paths) else "spoke-unlisted"
    what = "an account the hub does not name" + (" (a member of its organisation)" if org else "") + (" under an OU the hub does not list" if paths else "")
    note = f"the spoke's probe role and identity policy in {what}" + ("; organization access admits it by its name" if kind == "spoke" else "")
    out.append(principal_cls("unknown-account spoke", kind, arn, UNKNOWN_SPOKE_ACCOUNT, stranger.policies_of(lid), note, org, elsewhere))
    if org:
        # The listed role, its account in another organisation (one that left yours): only the
        # organisation Deny stands between it and the endpoints.
        role = spoke.roles[lid]
        note = f"the listed spoke role with its account in another organisation ({OTHER_ORG})"
        out.append(principal_cls("other-organization spoke", "spoke-unlisted", role.arn, spoke_account, spoke.policies_of(lid), note, OTHER_ORG, (f"{OTHER_ORG}/r-0th3/ou-0th3-00000000/",) if paths else ()))
    return out


HUB_ENDPOINT_POLICY_UNKNOWN = {"Version": "2012-10-17", "Statement": [{"Sid": "HubPolicyNotInThisAssembly", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}


def spoke_deployment(spoke: Deployment) -> Deployment:
    """A spoke read alone: the hub's endpoints (metadata hubEndpointIds) as its endpoints."""
    ids = spoke.metadata.get("hubEndpointIds") or {}
    if not ids:
        raise ValueError(f"{spoke.region}: the spoke template names no hub endpoint (metadata hubEndpointIds)")
    endpoints = {svc: Endpoint(svc, f"HubEndpoint-{svc}", vpce, HUB_ENDPOINT_POLICY_UNKNOWN) for svc, vpce in sorted(ids.items())}
    return replace(spoke, endpoints=endpoints)


def listed_spoke_principals(hub: Deployment, hub_template: Mapping[str, Any], principal_cls: type) -> list[Any]:
    """A hub alone: a column per spokePrincipalArns role (see the module's docstring)."""
    arns = list(hub.metadata.get("spokePrincipalArns", []))
    if not arns:
        return []
    out = []
    resolved: dict[str, Deployment] = {}  # per account: spokes list several roles each
    for listed in arns:
        arn = concrete_principal_arn(listed)
        account = arn.split(":")[4]
        if account not in resolved:
            resolved[account] = read_deployment(hub_template, hub.region, account)
        as_there = resolved[account]
        carrier = next(iter(as_there.identity_policy_roles), None)
        identity = tuple((n, d) for n, d in as_there.policies_of(carrier) if n == as_there.identity_policy_id) if carrier else ()
        if not identity:
            raise ValueError(f"{hub.region}: the identity policy is attached to no role of the hub template; cannot model spokePrincipalArns")
        note = (
            f"your spokePrincipalArns entry{' (' + listed + ')' if listed != arn else ''}, in account {account}: modelled carrying the hub's "
            "SourceVpceOnlyPolicy as resolved in its account (its spoke's own identity policy is proved by the spoke's assembly)"
        )
        # Spokes name their probe roles alike (PrivateBedrock-<region>-Probe): the account tells them apart.
        # A hub that names its organisation admits its members only: the listed roles are modelled in it.
        out.append(principal_cls(f"{account}/{arn.rsplit('/', 1)[1]} (spoke)", "spoke", arn, account, identity, note, hub.metadata.get("spokeOrganizationId")))
    return out
