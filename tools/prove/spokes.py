"""The spoke columns of a hub's matrix: spoke roles calling through the hub's endpoints.

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
"""

from __future__ import annotations

from typing import Any, Mapping

from tools.prove.deployment import Deployment, read_deployment
from tools.prove.resolve import PARTITION

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

    def admitted(arn: str, in_org: bool) -> bool:
        return (arn in listed and (in_org or not org)) or (in_org and arn.split(":role/", 1)[1] in by_name)

    out = []
    for lid in spoke.identity_policy_roles:
        role = spoke.roles[lid]
        kind = "spoke" if admitted(role.arn, True) else "spoke-unlisted"
        note = ("admitted by the hub (spokePrincipalArns or spokeRoleNames)" if kind == "spoke" else "not listed by the hub") + "; carries the spoke's identity policy"
        out.append(principal_cls(f"spoke {_short(lid)}", kind, role.arn, spoke_account, spoke.policies_of(lid), note, org))
    # The same identity policy in an account the hub does not name (a member of its organisation, if it names one).
    lid = spoke.in_vpc_roles[0]
    stranger = read_deployment(spoke_template, hub.region, UNKNOWN_SPOKE_ACCOUNT)
    arn = f"arn:{PARTITION}:iam::{UNKNOWN_SPOKE_ACCOUNT}:role/{stranger.roles[lid].arn.rsplit('/', 1)[1]}"
    kind = "spoke" if admitted(arn, True) else "spoke-unlisted"
    what = "an account the hub does not name" + (" (a member of its organisation)" if org else "")
    note = f"the spoke's probe role and identity policy in {what}" + ("; organization access admits it by its name" if kind == "spoke" else "")
    out.append(principal_cls("unknown-account spoke", kind, arn, UNKNOWN_SPOKE_ACCOUNT, stranger.policies_of(lid), note, org))
    if org:
        # The listed role, its account in another organisation (one that left yours): only the
        # organisation Deny stands between it and the endpoints.
        role = spoke.roles[lid]
        note = f"the listed spoke role with its account in another organisation ({OTHER_ORG})"
        out.append(principal_cls("other-organization spoke", "spoke-unlisted", role.arn, spoke_account, spoke.policies_of(lid), note, OTHER_ORG))
    return out
