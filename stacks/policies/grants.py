"""The one list of grants per service: what this deployment's workloads may do.

Both the endpoint policies and the identity policy (and the organisation fence) are derived
from these grants, so they can never disagree about what a workload may do. `account` may
be a CDK token (a string); CDK resolves it when the policy is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from stacks.config import ModelRef, RegionConfig
from stacks.policies.arns import PARTITION, bedrock_arn_base, foundation_model_arn, inference_profile_arn, mantle_project_arn
from stacks.regions import GLOBAL_PREFIX, PROFILE_GEOGRAPHIES

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


def grants_for(service: str, cfg: RegionConfig, account: str) -> list[Grant]:
    """What the workloads of this deployment need through `service`'s endpoint."""
    if service == "bedrock":
        # The probe's control-plane read. ListFoundationModels has no resource type.
        return [Grant("ListFoundationModels", ("bedrock:ListFoundationModels",), ("*",))]
    if service == "bedrock-runtime":
        return _runtime_grants(cfg, account)
    if service == "bedrock-mantle":
        project = mantle_project_arn(cfg.region, account)
        return [
            Grant(
                "CreateInferenceConfiguredModels",
                ("bedrock-mantle:CreateInference",),
                (project,),
                {"StringEquals": {"bedrock-mantle:Model": list(cfg.mantle_models)}},
            ),
            Grant("ReadModels", ("bedrock-mantle:ListModels", "bedrock-mantle:GetModel"), (project,)),
        ]
    base = bedrock_arn_base(cfg.region, account)
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
