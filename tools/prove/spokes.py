"""The spoke columns of a hub's matrix: spoke roles calling through the hub's endpoints.

A spoke template (topology spoke) has no endpoints of its own; its identity policy names the
hub's endpoint ids. Paired with its hub's template, its roles become columns of the hub's
matrix, evaluated with the spoke's identity policy and the hub's endpoint policies:
- spoke (listed): a spoke role the hub's configuration admits (metadata spokePrincipalArns):
  allowed through the hub endpoint for the allow-listed requests, denied everywhere else;
- spoke-unlisted: a spoke role the hub does not admit (the spoke's control probe role), and
  a role of an account the hub does not know carrying the same identity policy: denied on
  every path.
"""

from __future__ import annotations

from typing import Any, Mapping

from tools.prove.deployment import Deployment, read_deployment
from tools.prove.resolve import PARTITION

SPOKE_ACCOUNT = "222233334444"  # the spoke template is resolved as if deployed here
UNKNOWN_SPOKE_ACCOUNT = "555566667777"  # an account the hub admits no one from


def _short(logical_id: str) -> str:
    return logical_id[:-8] if len(logical_id) > 8 and all(c in "0123456789ABCDEF" for c in logical_id[-8:]) else logical_id


def spoke_principals(hub: Deployment, spoke_template: Mapping[str, Any], principal_cls: type, spoke_account: str = SPOKE_ACCOUNT) -> list[Any]:
    """Columns for the roles of `spoke_template` (resolved in `spoke_account`) and an unknown account."""
    spoke: Deployment = read_deployment(spoke_template, hub.region, spoke_account)
    if spoke.metadata.get("topology") != "spoke":
        raise ValueError(f"{hub.region}: the template paired with the hub is not a spoke (topology {spoke.metadata.get('topology')!r})")
    listed = set(hub.metadata.get("spokePrincipalArns", []))
    out = []
    for lid in spoke.identity_policy_roles:
        role = spoke.roles[lid]
        kind = "spoke" if role.arn in listed else "spoke-unlisted"
        note = ("listed in the hub's spokePrincipalArns" if kind == "spoke" else "not listed by the hub") + "; carries the spoke's identity policy"
        out.append(principal_cls(f"spoke {_short(lid)}", kind, role.arn, spoke_account, spoke.policies_of(lid), note))
    # The same identity policy in an account the hub does not admit at all.
    stranger = read_deployment(spoke_template, hub.region, UNKNOWN_SPOKE_ACCOUNT)
    lid = spoke.in_vpc_roles[0]
    out.append(
        principal_cls(
            "unknown-account spoke",
            "spoke-unlisted",
            f"arn:{PARTITION}:iam::{UNKNOWN_SPOKE_ACCOUNT}:role/{stranger.roles[lid].arn.rsplit('/', 1)[1]}",
            UNKNOWN_SPOKE_ACCOUNT,
            stranger.policies_of(lid),
            "the spoke's probe role and identity policy in an account the hub does not admit",
        )
    )
    return out
