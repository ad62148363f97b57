"""A hub's endpoint policy: the same grants, once per account whose principals it admits.

Account-scoped resources (an inference profile, the mantle project, agents) are the
caller's own account's, so a spoke account's roles need the grants built for that account.
Each account's statements name only that account's roles (aws:PrincipalArn), so no spoke
gets another account's resources: least privilege holds per account. Built by calling the
standalone builder (private_bedrock/policies/endpoint.py) per account, so the two cannot drift.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from private_bedrock.access import BedrockAccess
from private_bedrock.config.errors import ConfigError
from private_bedrock.policies.endpoint import endpoint_policy

# VPC endpoint policies are limited to 20,480 characters (whitespace not counted).
ENDPOINT_POLICY_MAX_CHARS = 20480


def policy_chars(document: Mapping[str, Any]) -> int:
    """How AWS counts an endpoint policy: whitespace is not counted."""
    return len(json.dumps(document, separators=(",", ":")))


def principals_by_account(hub_account: str, hub_principals: Sequence[str], spoke_principals: Sequence[str]) -> dict[str, list[str]]:
    """{account: role ARNs}: the hub's own account first, then each spoke account (sorted)."""
    grouped: dict[str, list[str]] = {hub_account: list(hub_principals)}
    for arn in sorted(spoke_principals):
        grouped.setdefault(arn.split(":")[4], []).append(arn)
    return grouped


def hub_endpoint_policy(service: str, access: BedrockAccess, principals: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The endpoint policy for `service` admitting each account's listed roles to its own resources.

    The hub account's statements keep the standalone Sids; a spoke account's get the suffix
    `Spoke<account>`. Denies (bearer tokens, deny mode's one Deny) are account-independent:
    written once.
    """
    accounts = list(principals)
    statements: list[dict[str, Any]] = []
    denies: dict[str, dict[str, Any]] = {}
    for i, account in enumerate(accounts):
        for st in endpoint_policy(service, access, account, principals[account])["Statement"]:
            if st["Effect"] == "Deny":
                denies.setdefault(st["Sid"], st)
                continue
            statements.append(st if i == 0 else {**st, "Sid": f"{st['Sid']}Spoke{account}"})
    document = {"Version": "2012-10-17", "Statement": statements + list(denies.values())}
    size = policy_chars(document)
    if size > ENDPOINT_POLICY_MAX_CHARS:
        raise ConfigError(
            f"The {service} endpoint policy of the hub in {access.region} would be {size} characters, over the "
            f"{ENDPOINT_POLICY_MAX_CHARS} a VPC endpoint policy may have ({len(accounts)} accounts); set spokeAccess to accounts or organization (one statement per grant for every account), or split the spokes over more hubs."
        )
    return document
