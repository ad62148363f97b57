"""Pure policy builders: (region config, account, endpoint ids, principals) -> policy JSON.

No constructs here. Both the endpoint policies and the identity policy are derived from one
list of grants per service, so the two can never disagree about what a workload may do.
`account` and the ids may be CDK tokens (strings); CDK resolves them when the dict is used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from stacks.config import ModelRef, RegionConfig
from stacks.regions import GLOBAL_PREFIX, PROFILE_GEOGRAPHIES

PARTITION = "aws"  # every region in stacks/regions.py is in the commercial partition

# Every Bedrock action, for the identity policy's Deny outside this deployment's endpoints.
FENCED_PREFIXES = ("bedrock:*", "bedrock-mantle:*")
INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
# Bearer-token (API key) authentication is a permission of its own per service prefix;
# forbidding API keys means denying both (aws-facts: api-keys-permissions).
BEARER_ACTION = {
    "bedrock": "bedrock:CallWithBearerToken",
    "bedrock-runtime": "bedrock:CallWithBearerToken",
    "bedrock-agent": "bedrock:CallWithBearerToken",
    "bedrock-agent-runtime": "bedrock:CallWithBearerToken",
    "bedrock-mantle": "bedrock-mantle:CallWithBearerToken",
}


@dataclass(frozen=True)
class Grant:
    """One thing the deployment's workloads may do through one endpoint."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def foundation_model_arn(region: str, model_id: str) -> str:
    # Foundation models are AWS-owned: the ARN has no account.
    return f"arn:{PARTITION}:bedrock:{region}::foundation-model/{model_id}"


def inference_profile_arn(region: str, account: str, profile_id: str) -> str:
    return f"arn:{PARTITION}:bedrock:{region}:{account}:inference-profile/{profile_id}"


def profile_destination_arns(model: ModelRef) -> tuple[str, ...]:
    """Foundation-model ARNs a cross-region profile may route a request to."""
    fm = model.foundation_model_id
    if model.profile_prefix == GLOBAL_PREFIX:
        # Global profiles route to any commercial region; AWS documents the region-less
        # ARN for them, and the regional form covers the per-region authorization.
        return (f"arn:{PARTITION}:bedrock:::foundation-model/{fm}", foundation_model_arn("*", fm))
    assert model.profile_prefix is not None
    return tuple(foundation_model_arn(r, fm) for r in PROFILE_GEOGRAPHIES[model.profile_prefix])


def _runtime_grants(cfg: RegionConfig, account: str) -> list[Grant]:
    direct = [
        inference_profile_arn(cfg.region, account, m.model_id) if m.is_profile else foundation_model_arn(cfg.region, m.model_id)
        for m in cfg.runtime_models
    ]
    grants = [Grant("InvokeConfiguredModels", INVOKE_ACTIONS, tuple(direct))]
    for i, model in enumerate(m for m in cfg.runtime_models if m.is_profile):
        # The profile ARN alone is not enough: the call is also authorized against the
        # foundation model in the destination region, but only via this profile.
        grants.append(
            Grant(
                f"InvokeThroughProfile{i}",
                INVOKE_ACTIONS,
                profile_destination_arns(model),
                {"StringEquals": {"bedrock:InferenceProfileArn": inference_profile_arn(cfg.region, account, model.model_id)}},
            )
        )
    return grants


def _mantle_project_arn(cfg: RegionConfig, account: str) -> str:
    # Mantle authorizes inference against a project; the id of the default project is
    # not documented, so grant the projects of this account in this region only.
    return f"arn:{PARTITION}:bedrock-mantle:{cfg.region}:{account}:project/*"


def grants_for(service: str, cfg: RegionConfig, account: str) -> list[Grant]:
    """What the workloads of this deployment need through `service`'s endpoint."""
    if service == "bedrock":
        # The probe's control-plane read. ListFoundationModels has no resource type.
        return [Grant("ListFoundationModels", ("bedrock:ListFoundationModels",), ("*",))]
    if service == "bedrock-runtime":
        return _runtime_grants(cfg, account)
    if service == "bedrock-mantle":
        project = _mantle_project_arn(cfg, account)
        return [
            Grant(
                "CreateInferenceConfiguredModels",
                ("bedrock-mantle:CreateInference",),
                (project,),
                {"StringEquals": {"bedrock-mantle:Model": list(cfg.mantle_models)}},
            ),
            Grant("ReadModels", ("bedrock-mantle:ListModels", "bedrock-mantle:GetModel"), (project,)),
        ]
    base = f"arn:{PARTITION}:bedrock:{cfg.region}:{account}"
    if service == "bedrock-agent":
        return [
            Grant("ReadAgentsAndKnowledgeBases", ("bedrock:GetAgent", "bedrock:GetKnowledgeBase"), (f"{base}:agent/*", f"{base}:knowledge-base/*")),
            # List actions have no resource type.
            Grant("ListAgentsAndKnowledgeBases", ("bedrock:ListAgents", "bedrock:ListKnowledgeBases"), ("*",)),
        ]
    if service == "bedrock-agent-runtime":
        return [
            Grant("InvokeAgents", ("bedrock:InvokeAgent",), (f"{base}:agent-alias/*",)),
            Grant("RetrieveFromKnowledgeBases", ("bedrock:Retrieve",), (f"{base}:knowledge-base/*",)),
        ]
    raise ValueError(f"no grants defined for service {service!r}")


def _one_or_many(values: Sequence[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)


def _statement(effect: str, sid: str, actions: Sequence[str], resources: Sequence[str], conditions: Mapping[str, Any] | None = None, *, principal: bool = False) -> dict[str, Any]:
    st: dict[str, Any] = {"Sid": sid, "Effect": effect}
    if principal:
        st["Principal"] = "*"
    st["Action"] = _one_or_many(actions)
    st["Resource"] = _one_or_many(resources)
    if conditions:
        st["Condition"] = {op: dict(kv) for op, kv in conditions.items()}
    return st


def _merge(conditions: Mapping[str, Mapping[str, Any]], extra: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {op: dict(kv) for op, kv in conditions.items()}
    for op, kv in extra.items():
        merged.setdefault(op, {}).update(kv)
    return merged


def endpoint_policy(service: str, cfg: RegionConfig, account: str, principal_arns: Sequence[str]) -> dict[str, Any]:
    """The VPC endpoint policy for `service`.

    allow mode: each grant for this deployment's principals only (Principal "*" narrowed by
    aws:PrincipalArn, the form endpoint policies support), bearer tokens denied unless the
    config opts in. deny mode: an explicit Deny of everything the grants name (the
    seed's "flip the endpoint policy to Deny" demonstration).
    """
    grants = grants_for(service, cfg, account)
    bearer = BEARER_ACTION[service]
    if cfg.endpoint_policy == "deny":
        actions = sorted({a for g in grants for a in g.actions} | {bearer})
        return {"Version": "2012-10-17", "Statement": [_statement("Deny", "DenyAllThroughThisEndpoint", actions, ["*"], principal=True)]}

    principals = {"ArnEquals": {"aws:PrincipalArn": list(principal_arns)}}
    statements = [
        _statement("Allow", g.sid, g.actions, g.resources, _merge(g.conditions, principals), principal=True) for g in grants
    ]
    if cfg.allow_api_keys:
        statements.append(_statement("Allow", "AllowBearerTokens", [bearer], ["*"], principals, principal=True))
    else:
        statements.append(_statement("Deny", "DenyBearerTokens", [bearer], ["*"], principal=True))
    return {"Version": "2012-10-17", "Statement": statements}


def source_vpce_policy(cfg: RegionConfig, account: str, endpoint_ids: Mapping[str, str]) -> dict[str, Any]:
    """The identity policy: exactly the grants, each only through its own endpoint.

    aws:SourceVpce is present only on requests that travel through a VPC endpoint, so the
    Allows are void outside the VPC; the explicit Deny is defence in depth against any other
    policy of the same principal that would allow these actions from elsewhere.
    """
    statements: list[dict[str, Any]] = []
    for service in cfg.endpoints:
        for g in grants_for(service, cfg, account):
            vpce = {"StringEquals": {"aws:SourceVpce": endpoint_ids[service]}}
            statements.append(_statement("Allow", f"{pascal(service)}{g.sid}", g.actions, g.resources, _merge(g.conditions, vpce)))
    all_ids = [endpoint_ids[s] for s in cfg.endpoints]
    # The fence covers every action of both prefixes, not only the granted ones: a broader
    # grant elsewhere (say AmazonBedrockFullAccess on the same role) must not work from
    # outside the VPC either. Wildcards are safe in a Deny. Calls an AWS service makes on
    # the principal's behalf (forward access sessions) carry no aws:SourceVpce and are
    # left to that service's own authorization.
    statements.append(
        _statement(
            "Deny",
            "DenyBedrockOutsideThisDeploymentsEndpoints",
            FENCED_PREFIXES,
            ["*"],
            {
                "StringNotEquals": {"aws:SourceVpce": _one_or_many(all_ids)},
                "BoolIfExists": {"aws:ViaAWSService": "false"},
            },
        )
    )
    bearer_actions = sorted({BEARER_ACTION[s] for s in cfg.endpoints})
    if cfg.allow_api_keys:
        for service in cfg.endpoints:
            statements.append(
                _statement("Allow", f"{pascal(service)}BearerTokens", [BEARER_ACTION[service]], ["*"], {"StringEquals": {"aws:SourceVpce": endpoint_ids[service]}})
            )
    else:
        statements.append(_statement("Deny", "DenyBearerTokens", bearer_actions, ["*"]))
    return {"Version": "2012-10-17", "Statement": statements}


# IAM counts a managed policy's JSON without whitespace; beyond this CloudFormation fails
# at deploy time with LimitExceeded, so the app refuses such a configuration at synth.
MANAGED_POLICY_MAX_CHARS = 6144
# Stand-ins of the real length for tokens (12-digit account, vpce-<17 hex>).
_SAMPLE_ACCOUNT = "123456789012"
_SAMPLE_VPCE = "vpce-0123456789abcdef0"


def identity_policy_chars(cfg: RegionConfig) -> int:
    """Size of the deployed identity policy as IAM counts it."""
    document = source_vpce_policy(cfg, _SAMPLE_ACCOUNT, {s: _SAMPLE_VPCE for s in cfg.endpoints})
    return len(json.dumps(document, separators=(",", ":")))


def pascal(service: str) -> str:
    """bedrock-runtime -> BedrockRuntime (statement ids, construct ids, output names)."""
    return "".join(part.capitalize() for part in service.split("-"))
