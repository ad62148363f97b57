"""The VPC endpoint policy builder: the grants, for this deployment's principals only."""

from __future__ import annotations

from typing import Any, Sequence

from private_bedrock.access import BedrockAccess
from private_bedrock.policies.grants import BEARER_ACTION, TOOL_ENDPOINTS, TOOL_PREFIXES, grants_for, tool_denials
from private_bedrock.policies.statements import Conditions, merge_conditions, statement


def endpoint_policy(service: str, access: BedrockAccess, account: str, principal_arns: Sequence[str]) -> dict[str, Any]:
    """The VPC endpoint policy for `service`, for `principal_arns` (aws:PrincipalArn) only."""
    return endpoint_policy_for(service, access, account, {"ArnEquals": {"aws:PrincipalArn": list(principal_arns)}})


def endpoint_policy_for(service: str, access: BedrockAccess, account: str, principals: Conditions) -> dict[str, Any]:
    """The VPC endpoint policy for `service`, each Allow conditioned on `principals`.

    allow mode: each grant for this deployment's principals only (Principal "*" narrowed by
    aws:PrincipalArn, the form endpoint policies support), bearer tokens denied unless the
    config opts in, server-side tools denied unless a capability enables them. deny mode: an
    explicit Deny of everything the grants name (the seed's "flip the endpoint policy to
    Deny" demonstration).
    """
    grants = grants_for(service, access, account)
    bearer = BEARER_ACTION[service]
    if access.endpoint_policy == "deny":
        actions = sorted({a for g in grants for a in g.actions} | {bearer})
        return {"Version": "2012-10-17", "Statement": [statement("Deny", "DenyAllThroughThisEndpoint", actions, ["*"], principal=True)]}

    statements = [
        statement("Allow", g.sid, g.actions, g.resources, merge_conditions(g.conditions, principals), principal=True) for g in grants
    ]
    if access.allow_api_keys:
        statements.append(statement("Allow", "AllowBearerTokens", [bearer], ["*"], principals, principal=True))
    else:
        statements.append(statement("Deny", "DenyBearerTokens", [bearer], ["*"], principal=True))
    # The tool actions a request through this endpoint can be authorized for: its own IAM
    # prefix and the tool services' (bedrock:InvokeTool never travels through mantle).
    own_prefix = BEARER_ACTION[service].split(":")[0]
    tools = [a for a in tool_denials(access) if a.split(":")[0] in (own_prefix, *TOOL_PREFIXES)]
    if service in TOOL_ENDPOINTS and tools:
        # For every principal, whatever its own policies say: a request through this
        # endpoint cannot start a tool that reaches outside the VPC.
        statements.append(statement("Deny", "DenyServerSideTools", tools, ["*"], principal=True))
    return {"Version": "2012-10-17", "Statement": statements}
