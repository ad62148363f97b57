"""The identity policy builder: exactly the grants, each only through its own endpoint."""

from __future__ import annotations

import json
from typing import Any, Mapping

from private_bedrock.access import BedrockAccess
from private_bedrock.policies.grants import BEARER_ACTION, FENCED_PREFIXES, grants_for, tool_denials
from private_bedrock.policies.model_paths import AGENT_ACTIONS, CLAUDE_PLATFORM_ACTIONS, CLAUDE_PLATFORM_BEARER_ACTION
from private_bedrock.policies.names import pascal
from private_bedrock.policies.statements import merge_conditions, one_or_many, statement


def source_vpce_policy(access: BedrockAccess, account: str, endpoint_ids: Mapping[str, str]) -> dict[str, Any]:
    """The identity policy: exactly the grants, each only through its own endpoint.

    aws:SourceVpce is present only on requests that travel through a VPC endpoint, so the
    Allows are void outside the VPC; the explicit Deny is defence in depth against any other
    policy of the same principal that would allow these actions from elsewhere.
    """
    statements: list[dict[str, Any]] = []
    for service in access.services:
        for g in grants_for(service, access, account):
            vpce = {"StringEquals": {"aws:SourceVpce": endpoint_ids[service]}}
            statements.append(statement("Allow", f"{pascal(service)}{g.sid}", g.actions, g.resources, merge_conditions(g.conditions, vpce)))
    # Every Allow comes before the Denies. (cdk-nag's IAMPolicyNoStatementsWithFullAccess reads
    # a `prefix:*` of a Deny followed anywhere by an Allow as full access: a false positive.)
    # Claude Platform's API keys never travel through this deployment's endpoints (which is
    # what allowApiKeys admits): denied either way.
    bearer_actions = [CLAUDE_PLATFORM_BEARER_ACTION]
    if access.allow_api_keys:
        for service in access.services:
            statements.append(
                statement("Allow", f"{pascal(service)}BearerTokens", [BEARER_ACTION[service]], ["*"], {"StringEquals": {"aws:SourceVpce": endpoint_ids[service]}})
            )
    else:
        bearer_actions += {BEARER_ACTION[s] for s in access.services}
    all_ids = [endpoint_ids[s] for s in access.services]
    # The fence covers every action of both prefixes, not only the granted ones: a broader
    # grant elsewhere (say AmazonBedrockFullAccess on the same role) must not work from
    # outside the VPC either. Wildcards are safe in a Deny.
    #
    # No exemption for requests an AWS service forwards with the caller's identity
    # (aws:ViaAWSService): such a request carries no aws:SourceVpce, and an exemption keyed
    # on it lets any forwarding service (CloudFormation creating agents, knowledge bases,
    # guardrails or flows with the caller's credentials) act on Bedrock from anywhere. None
    # of the calls this deployment grants is forwarded by another service: inference,
    # cross-region routing, Responses, stored responses and model reads are all decided
    # on the request that came through the endpoint. Naming services with
    # aws:CalledViaFirst would only re-open a path nothing here needs.
    # All of AgentCore and Nova Act are fenced the same way (runtimes, browser, code interpreter,
    # gateways and browser agents reach models and the internet; none is granted here). With
    # serverSideTools on, web search is too (otherwise a role with broader rights could run it
    # from anywhere); off, the tools are denied outright below.
    fenced = FENCED_PREFIXES + AGENT_ACTIONS + (("bedrock-websearch:*",) if access.has("serverSideTools") else ())
    statements.append(
        statement(
            "Deny",
            "DenyBedrockOutsideThisDeploymentsEndpoints",
            fenced,
            ["*"],
            {"StringNotEquals": {"aws:SourceVpce": one_or_many(all_ids)}},
        )
    )
    statements.append(statement("Deny", "DenyBearerTokens", sorted(set(bearer_actions)), ["*"]))
    # Claude Platform on AWS (Anthropic-operated, data may leave AWS): denied but to the roles
    # claudePlatform names, who then need their own grant on their workspace.
    named = list(access.claude_platform_principal_arns)
    statements.append(statement("Deny", "DenyClaudePlatform", CLAUDE_PLATFORM_ACTIONS, ["*"], {"ArnNotEquals": {"aws:PrincipalArn": one_or_many(named)}} if named else None))
    tools = tool_denials(access)
    if tools:
        # Server-side tools act outside the VPC on the caller's behalf; refused from anywhere.
        statements.append(statement("Deny", "DenyServerSideTools", tools, ["*"]))
    return {"Version": "2012-10-17", "Statement": statements}


# IAM counts a managed policy's JSON without whitespace; beyond this CloudFormation fails
# at deploy time with LimitExceeded, so the app refuses such a configuration at synth.
MANAGED_POLICY_MAX_CHARS = 6144
# Stand-ins of the real length for tokens (12-digit account, vpce-<17 hex>).
_SAMPLE_ACCOUNT = "123456789012"
_SAMPLE_VPCE = "vpce-0123456789abcdef0"


def identity_policy_chars(access: BedrockAccess) -> int:
    """Size of the deployed identity policy as IAM counts it."""
    document = source_vpce_policy(access, _SAMPLE_ACCOUNT, {s: _SAMPLE_VPCE for s in access.services})
    return len(json.dumps(document, separators=(",", ":")))
