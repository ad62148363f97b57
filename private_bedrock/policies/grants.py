"""The one list of grants per service: what this deployment's workloads may do.

Both the endpoint policies and the identity policy (and the organisation fence) are derived
from these grants, so they can never disagree about what a workload may do. `account` may
be a CDK token (a string); CDK resolves it when the policy is used.

Each capability of private_bedrock/facts/capabilities.py maps to the grants below; `inference` is always on.
"""

from __future__ import annotations

from typing import Any

from private_bedrock.access import BedrockAccess
from private_bedrock.config.app_config import ModelRef
from private_bedrock.policies.arns import (
    PARTITION,
    agent_arn_of_alias,
    any_region_foundation_model_arn,
    bedrock_arn_base,
    bedrock_project_arn,
    foundation_model_arn,
    inference_profile_arn,
    mantle_project_arn,
    system_tool_arn,
    websearch_tool_arn,
)
from private_bedrock.facts.regions import GLOBAL_PREFIX
from private_bedrock.policies.statements import Grant, merge_conditions

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
# Tools the Responses API runs on AWS's side with the caller's permissions. They reach
# outside the VPC on the caller's behalf (web search can fetch any URL), so they are denied
# unless the serverSideTools capability enables them. Names checked against iam-data:
# bedrock-websearch (InvokeSearch, InvokeFetch, ExternalWebAccess), bedrock:InvokeTool
# (system-tool), bedrock-agentcore:InvokeGateway / InvokeWebSearch (AgentCore gateway tools).
SERVER_SIDE_TOOL_ACTIONS = (
    "bedrock-websearch:*",
    "bedrock:InvokeTool",
    "bedrock-agentcore:InvokeGateway",
    "bedrock-agentcore:InvokeWebSearch",
)
EXTERNAL_WEB_ACCESS_ACTION = "bedrock-websearch:ExternalWebAccess"
# Endpoints whose requests can start a server-side tool (the OpenAI-compatible APIs), and the
# IAM prefixes of the tool services themselves.
TOOL_ENDPOINTS = ("bedrock-runtime", "bedrock-mantle")
TOOL_PREFIXES = ("bedrock-websearch", "bedrock-agentcore")


def profile_destination_arns(model: ModelRef) -> tuple[str, ...]:
    """Foundation-model ARNs a cross-region profile may route a request to.

    The region wildcard makes the grant complete by construction: AWS adds destination
    regions to profiles (APAC gained ap-southeast-5/-7, ap-east-2, me-central-1) and a request
    routed to a region the grant misses is refused. The grant still admits the model only
    through the profile (bedrock:InferenceProfileArn), which decides where inference runs.
    """
    fm = model.foundation_model_id
    if model.profile_prefix == GLOBAL_PREFIX:
        # Global profiles: AWS documents the region-less ARN as well.
        return (f"arn:{PARTITION}:bedrock:::foundation-model/{fm}", any_region_foundation_model_arn(fm))
    assert model.profile_prefix is not None
    return (any_region_foundation_model_arn(fm),)


def direct_model_arns(access: BedrockAccess, account: str) -> tuple[str, ...]:
    """What a workload names as modelId: an in-region foundation model or a profile."""
    return tuple(
        inference_profile_arn(access.region, account, m.model_id) if m.is_profile else foundation_model_arn(access.region, m.model_id)
        for m in access.runtime_models
    )


def _guardrail_condition(access: BedrockAccess) -> dict[str, dict[str, Any]]:
    """With a guardrail configured, inference is allowed only with it (any of its versions)."""
    if access.guardrail_arn is None:
        return {}
    return {"ArnLike": {"bedrock:GuardrailIdentifier": [access.guardrail_arn, f"{access.guardrail_arn}:*"]}}


# Service tiers (botocore 1.44 ServiceTierType; iam-data: bedrock:ServiceTier on InvokeModel and
# InvokeModelWithResponseStream, bedrock-mantle:ServiceTier on CreateInference). Whether AWS sets
# the key on a request that names no tier, or values it "default", is not documented [field]:
# ...IfExists lets a request without the key through, and the configuration insists on
# "default" in the list (private_bedrock/config/access_inputs.py), so an untiered request passes either way.
SERVICE_TIER_KEYS = {"bedrock": "bedrock:ServiceTier", "bedrock-mantle": "bedrock-mantle:ServiceTier"}


def service_tier_condition(access: BedrockAccess, prefix: str) -> dict[str, dict[str, Any]]:
    """With serviceTiers set, the tier-carrying grants admit only those tiers (or none named)."""
    if not access.service_tiers:
        return {}
    return {"StringEqualsIfExists": {SERVICE_TIER_KEYS[prefix]: list(access.service_tiers)}}


def _runtime_grants(access: BedrockAccess, account: str) -> list[Grant]:
    actions = ("bedrock:InvokeModel",) + (("bedrock:InvokeModelWithResponseStream",) if access.has("streaming") else ())
    tiers = service_tier_condition(access, "bedrock")
    # Every model invocation: with the guardrail when one is required, in the allowed tiers.
    invoking = {**_guardrail_condition(access), **tiers}
    direct = direct_model_arns(access, account)
    grants = [Grant("InvokeConfiguredModels", actions, direct, invoking)]
    profiles = [m for m in access.runtime_models if m.is_profile]
    if profiles:
        # The profile ARN alone is not enough: the call is also authorized against the
        # foundation model in the destination region, but only via an allow-listed profile.
        # One statement for all profiles: a system profile routes only to its own model, so
        # "model A via profile B" is not a request AWS can make, and the policy stays small.
        via = {"StringEquals": {"bedrock:InferenceProfileArn": [inference_profile_arn(access.region, account, m.model_id) for m in profiles]}}
        destinations = tuple(dict.fromkeys(a for m in profiles for a in profile_destination_arns(m)))
        grants.append(Grant("InvokeThroughProfiles", actions, destinations, {**via, **invoking}))
    # Responses on bedrock-runtime (/openai/v1/responses) also authorize bedrock:InvokeModel on
    # the account's default project, with bedrock:ModelArn naming the model the call runs.
    # bedrock:ModelArn "is valued at the inference profile or foundation model your request
    # named, never the destination models" (user guide, bedrock-mantle page, read 2026-12):
    # exactly the ids a workload may name, no destination-region ARNs.
    # With a required guardrail the project grant demands it too: "guardrails don't apply to the
    # Responses API" (the synth warning says those calls are refused), and whether the native
    # Anthropic Messages route (/anthropic/v1/messages) is authorized on the project alone is
    # not documented [field]; without the condition there, such a route would run unguarded.
    grants.append(
        Grant("RespondWithConfiguredModels", ("bedrock:InvokeModel",), (bedrock_project_arn(access.region, account),),
              merge_conditions({"ArnLike": {"bedrock:ModelArn": list(direct)}, **tiers}, _guardrail_condition(access)))
    )
    # The configuration sets guardrailArn exactly when the guardrails capability is on.
    if access.guardrail_arn:
        grants.append(Grant("ApplyConfiguredGuardrail", ("bedrock:ApplyGuardrail",), (access.guardrail_arn,)))
    if access.has("countTokens"):
        # CountTokens takes only foundation-model resources: the models behind the allow list, here.
        fms = tuple(dict.fromkeys(foundation_model_arn(access.region, m.foundation_model_id) for m in access.runtime_models))
        grants.append(Grant("CountTokensConfiguredModels", ("bedrock:CountTokens",), fms))
    base = bedrock_arn_base(access.region, account)
    if access.has("asyncInvoke"):
        # StartAsyncInvoke is authorized as bedrock:InvokeModel on the model (granted above)
        # and on the new async-invoke resource, whose id AWS generates.
        grants.append(Grant("StartAsyncInvokes", ("bedrock:InvokeModel",), (f"{base}:async-invoke/*",), tiers))
        grants.append(Grant("ReadAsyncInvokes", ("bedrock:GetAsyncInvoke",), (f"{base}:async-invoke/*",)))
        grants.append(Grant("ListAsyncInvokes", ("bedrock:ListAsyncInvokes",), ("*",)))
    if access.has("storedResponses"):
        grants.append(
            Grant("ManageStoredResponses", ("bedrock:GetInvoke", "bedrock:CancelInvoke", "bedrock:DeleteInvoke"), (bedrock_project_arn(access.region, account),))
        )
    if access.has("serverSideTools"):
        grants.append(Grant("InvokeSystemTools", ("bedrock:InvokeTool",), (system_tool_arn(account),)))
    return grants


def _mantle_grants(access: BedrockAccess, account: str) -> list[Grant]:
    project = mantle_project_arn(access.region, account)
    models = {"StringEquals": {"bedrock-mantle:Model": list(access.mantle_models)}}
    grants = [
        Grant("CreateInferenceConfiguredModels", ("bedrock-mantle:CreateInference",), (project,), {**models, **service_tier_condition(access, "bedrock-mantle")}),
        Grant("ReadModels", ("bedrock-mantle:ListModels", "bedrock-mantle:GetModel"), (project,)),
    ]
    if access.has("countTokens"):
        grants.append(Grant("CountTokensConfiguredModels", ("bedrock-mantle:CountTokens",), (project,), models))
    if access.has("storedResponses"):
        grants.append(
            Grant("ManageStoredResponses", ("bedrock-mantle:GetInference", "bedrock-mantle:CancelInference", "bedrock-mantle:DeleteInference"), (project,))
        )
    if access.has("serverSideTools"):
        grants.append(Grant("UseWebSearch", ("bedrock-websearch:InvokeSearch", "bedrock-websearch:InvokeFetch"), (websearch_tool_arn(access.region),)))
    if access.has("externalWebAccess"):
        # A permission-only action without a resource type: Resource "*" is the only form.
        grants.append(Grant("FetchFromTheLiveWeb", (EXTERNAL_WEB_ACCESS_ACTION,), ("*",)))
    return grants


def _agent_read_grants(access: BedrockAccess) -> list[Grant]:
    grants = []
    agents = tuple(dict.fromkeys(agent_arn_of_alias(a) for a in access.agent_alias_arns))
    if agents:
        grants.append(Grant("ReadConfiguredAgents", ("bedrock:GetAgent",), agents))
    if access.knowledge_base_arns:
        grants.append(Grant("ReadConfiguredKnowledgeBases", ("bedrock:GetKnowledgeBase",), access.knowledge_base_arns))
    # List actions have no resource type.
    grants.append(Grant("ListAgentsAndKnowledgeBases", ("bedrock:ListAgents", "bedrock:ListKnowledgeBases"), ("*",)))
    return grants


def _agent_runtime_grants(access: BedrockAccess) -> list[Grant]:
    # Only the named agents and knowledge bases: any other agent of the account runs under
    # its own service role with any model, which would bypass the model allow list.
    grants = []
    if access.agent_alias_arns:
        grants.append(Grant("InvokeConfiguredAgents", ("bedrock:InvokeAgent",), access.agent_alias_arns))
    if access.knowledge_base_arns:
        grants.append(Grant("RetrieveFromConfiguredKnowledgeBases", ("bedrock:Retrieve",), access.knowledge_base_arns))
    return grants


def grants_for(service: str, access: BedrockAccess, account: str) -> list[Grant]:
    """What the workloads of this deployment need through `service`'s endpoint."""
    if service == "bedrock":
        # The probe's control-plane read. ListFoundationModels has no resource type.
        return [Grant("ListFoundationModels", ("bedrock:ListFoundationModels",), ("*",))]
    if service == "bedrock-runtime":
        return _runtime_grants(access, account)
    if service == "bedrock-mantle":
        return _mantle_grants(access, account)
    if service == "bedrock-agent":
        return _agent_read_grants(access)
    if service == "bedrock-agent-runtime":
        return _agent_runtime_grants(access)
    raise ValueError(f"no grants defined for service {service!r}")


def tool_denials(access: BedrockAccess) -> tuple[str, ...]:
    """Server-side tool actions this deployment refuses (empty when all are enabled)."""
    if not access.has("serverSideTools"):
        return SERVER_SIDE_TOOL_ACTIONS
    if not access.has("externalWebAccess"):
        return (EXTERNAL_WEB_ACCESS_ACTION,)
    return ()
