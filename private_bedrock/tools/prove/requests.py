"""The requests of the IAM matrix: what a workload (or an attacker) may ask of Bedrock.

Each request names the endpoint service it travels through, the IAM action and resource AWS
authorizes, the request context that matters, and whether the design allow-lists it. What is
allow-listed comes from the template's metadata (models, capabilities, named agents), never
from the policies under test, so a loosened policy shows up as a cell that should be denied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from private_bedrock.config.app_config import SERVICE_TIERS
from private_bedrock.facts.regions import PROFILE_PREFIXES
from private_bedrock.tools.prove.deployment import Deployment
from private_bedrock.tools.prove.resolve import OUTSIDE_ACCOUNT, PARTITION

# Regions a profile may route to that no table of this project lists (AWS adds some): the
# wildcard grant must cover them, the regional tables never could.
UNLISTED_DESTINATIONS = ("me-central-1", "ap-southeast-7", "ap-east-2", "ap-southeast-5", "il-central-1")


class MatrixInputError(RuntimeError):
    """The template lacks what the matrix needs to build its requests."""


@dataclass(frozen=True)
class Request:
    key: str
    label: str
    service: str  # the endpoint service the call travels through
    action: str
    resource: str  # "{account}" stands for the caller's account
    allow_listed: bool
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    # Whether the organisation fence refuses the request whatever the network path (models
    # outside the allow list, other regions, API keys, Claude Platform, retention): what holds
    # an exempt service role, which is exempt from the network statement only. The design's
    # word, stated here, never read from the SCPs under test.
    fence_refuses: bool = False

    def for_account(self, account: str) -> tuple[str, dict[str, Any]]:
        ctx = {k: (v.replace("{account}", account) if isinstance(v, str) else [x.replace("{account}", account) for x in v]) for k, v in self.context.items()}
        return self.resource.replace("{account}", account), ctx


def _fm(region: str, model_id: str) -> str:
    return f"arn:{PARTITION}:bedrock:{region}::foundation-model/{model_id}"


def _profile(region: str, profile_id: str) -> str:
    return f"arn:{PARTITION}:bedrock:{region}:{{account}}:inference-profile/{profile_id}"


def _destination(region: str, inference_regions: Sequence[str]) -> str:
    """A destination of the profile other than the source region (the interesting one)."""
    others = [r for r in inference_regions if r != region and "*" not in r]
    return others[0] if others else region


def _unlisted(region: str, inference_regions: Sequence[str]) -> str:
    return next(r for r in UNLISTED_DESTINATIONS if r != region and r not in inference_regions)


def _tier_requests(meta: Mapping[str, Any], service_prefix: str, calls: Sequence[tuple[str, str, str, str, Mapping[str, str]]]) -> list[Request]:
    """With serviceTiers set: each call naming the default tier (allowed) and a tier left out (refused).

    The calls without a tier are the plain requests above (allowed either way the key is
    absent or valued default: the grants use ...IfExists and the list always holds default).
    """
    tiers = list(meta.get("serviceTiers") or [])
    if not tiers:
        return []
    key = f"{service_prefix}:ServiceTier"
    service = "bedrock-mantle" if service_prefix == "bedrock-mantle" else "bedrock-runtime"
    refused = next((t for t in SERVICE_TIERS if t not in tiers), None)
    out = []
    for base, label, action, resource, ctx in calls:
        out.append(Request(f"{base}-tier-default", f"{label} at the default tier", service, action, resource, True, {**ctx, key: "default"}))
        if refused:
            out.append(Request(f"{base}-tier-{refused}", f"{label} at the {refused} tier (not in serviceTiers)", service, action, resource, False, {**ctx, key: refused}))
    return out


def _runtime(region: str, meta: Mapping[str, Any], has: Any) -> list[Request]:
    runtime_models: list[str] = list(meta.get("runtimeModels", []))
    if not runtime_models:
        raise MatrixInputError(f"{region}: template metadata PrivateBedrock.runtimeModels is missing")
    guardrail = meta.get("guardrailArn")
    # With a guardrail configured, the allow-listed calls carry it; a call without it is refused.
    with_guardrail = {"bedrock:GuardrailIdentifier": guardrail} if guardrail else {}
    out: list[Request] = []
    first_arn = ""
    for i, model in enumerate(runtime_models):
        prefix, _, rest = model.partition(".")
        is_profile = prefix in PROFILE_PREFIXES
        arn = _profile(region, model) if is_profile else _fm(region, model)
        first_arn = first_arn or arn
        sfx = f"-{i}" if i else ""
        out.append(Request(f"invoke{sfx}", f"InvokeModel {model}", "bedrock-runtime", "bedrock:InvokeModel", arn, True, with_guardrail))
        out.append(Request(f"stream{sfx}", f"InvokeModelWithResponseStream {model}", "bedrock-runtime", "bedrock:InvokeModelWithResponseStream", arn, has("streaming"), with_guardrail))
        if is_profile:
            regions = list(meta.get("inferenceRegions", []))
            dest, new = _destination(region, regions), _unlisted(region, regions)
            via = {"bedrock:InferenceProfileArn": _profile(region, model), **with_guardrail}
            out.append(Request(f"invoke-dest{sfx}", f"InvokeModel {rest} in {dest} via the profile", "bedrock-runtime", "bedrock:InvokeModel", _fm(dest, rest), True, via))
            out.append(Request(f"invoke-dest-new{sfx}", f"InvokeModel {rest} in {new} (in no table) via the profile", "bedrock-runtime", "bedrock:InvokeModel", _fm(new, rest), True, via))
            out.append(Request(f"invoke-dest-direct{sfx}", f"InvokeModel {rest} in {dest} without the profile", "bedrock-runtime", "bedrock:InvokeModel", _fm(dest, rest), False, with_guardrail, fence_refuses=True))
    other = meta["probeDeniedModels"]["runtime"]
    out.append(Request("invoke-other", f"InvokeModel {other} (not allow-listed)", "bedrock-runtime", "bedrock:InvokeModel", _fm(region, other), False, with_guardrail, fence_refuses=True))
    if guardrail:
        out.append(Request("invoke-no-guardrail", f"InvokeModel {runtime_models[0]} without the guardrail", "bedrock-runtime", "bedrock:InvokeModel", first_arn, False))
        out.append(Request("apply-guardrail", "ApplyGuardrail (the configured guardrail)", "bedrock-runtime", "bedrock:ApplyGuardrail", guardrail, has("guardrails")))
    # Responses on bedrock-runtime: bedrock:InvokeModel on the default project, bedrock:ModelArn = the model.
    # (The fence judges such a call by the model resource AWS also authorizes: invoke-other.)
    project = f"arn:{PARTITION}:bedrock:{region}:{{account}}:project/default"
    if guardrail:
        # Guardrails do not apply to the Responses API, so its calls carry none and are refused;
        # a route authorized on the project alone with the guardrail (the native Messages API
        # may be one [field]) is allowed, and only with it.
        out.append(Request("responses", f"Responses API {runtime_models[0]} (no guardrail applies): InvokeModel on the default project", "bedrock-runtime", "bedrock:InvokeModel", project, False, {"bedrock:ModelArn": first_arn}))
        out.append(Request("project-guarded", f"{runtime_models[0]} with the guardrail: InvokeModel on the default project", "bedrock-runtime", "bedrock:InvokeModel", project, True, {"bedrock:ModelArn": first_arn, **with_guardrail}))
    else:
        out.append(Request("responses", f"Responses API {runtime_models[0]}: InvokeModel on the default project", "bedrock-runtime", "bedrock:InvokeModel", project, True, {"bedrock:ModelArn": first_arn}))
    out.append(Request("responses-other", f"Responses API {other} (not allow-listed): InvokeModel on the default project", "bedrock-runtime", "bedrock:InvokeModel", project, False, {"bedrock:ModelArn": _fm(region, other)}))
    out += _tier_requests(meta, "bedrock", [
        ("invoke", f"InvokeModel {runtime_models[0]}", "bedrock:InvokeModel", first_arn, with_guardrail),
        ("responses", f"Responses API {runtime_models[0]} on the default project", "bedrock:InvokeModel", project, {"bedrock:ModelArn": first_arn, **with_guardrail}),
    ])
    fm0 = runtime_models[0].partition(".")[2] if runtime_models[0].partition(".")[0] in PROFILE_PREFIXES else runtime_models[0]
    out.append(Request("count-tokens", f"CountTokens {fm0}", "bedrock-runtime", "bedrock:CountTokens", _fm(region, fm0), has("countTokens")))
    out.append(Request("count-tokens-other", f"CountTokens {other} (not allow-listed)", "bedrock-runtime", "bedrock:CountTokens", _fm(region, other), False))
    job = f"arn:{PARTITION}:bedrock:{region}:{{account}}:async-invoke/abcdef123456"
    # Without the capability no grant names async-invoke, so the fence's model statement refuses it too.
    out.append(Request("async-start", "StartAsyncInvoke (InvokeModel on the new async-invoke)", "bedrock-runtime", "bedrock:InvokeModel", job, has("asyncInvoke"), fence_refuses=not has("asyncInvoke")))
    out.append(Request("async-get", "GetAsyncInvoke", "bedrock-runtime", "bedrock:GetAsyncInvoke", job, has("asyncInvoke")))
    out.append(Request("stored-get", "GetInvoke (read a stored response)", "bedrock-runtime", "bedrock:GetInvoke", project, has("storedResponses")))
    out.append(Request("stored-delete", "DeleteInvoke (delete a stored response)", "bedrock-runtime", "bedrock:DeleteInvoke", project, has("storedResponses")))
    tool = f"arn:{PARTITION}:bedrock::{{account}}:system-tool/web_search"
    out.append(Request("invoke-tool", "InvokeTool (a server-side system tool)", "bedrock-runtime", "bedrock:InvokeTool", tool, has("serverSideTools")))
    return out


def _mantle(region: str, meta: Mapping[str, Any], has: Any) -> list[Request]:
    project = f"arn:{PARTITION}:bedrock-mantle:{region}:{{account}}:project/default"
    out = [
        Request(f"mantle-create{'-' + str(i) if i else ''}", f"mantle CreateInference {model}", "bedrock-mantle", "bedrock-mantle:CreateInference", project, True, {"bedrock-mantle:Model": model})
        for i, model in enumerate(meta.get("mantleModels", []))
    ]
    out += _tier_requests(meta, "bedrock-mantle", [
        ("mantle-create", f"mantle CreateInference {meta['mantleModels'][0]}", "bedrock-mantle:CreateInference", project, {"bedrock-mantle:Model": meta["mantleModels"][0]}),
    ])
    out.append(Request("mantle-list", "mantle ListModels", "bedrock-mantle", "bedrock-mantle:ListModels", project, True))
    other = meta["probeDeniedModels"]["mantle"]
    out.append(Request("mantle-create-other", f"mantle CreateInference {other} (not allow-listed)", "bedrock-mantle", "bedrock-mantle:CreateInference", project, False, {"bedrock-mantle:Model": other}, fence_refuses=True))
    # Counting tokens is model-scoped like inference: only the allow list, only with the capability.
    first = meta["mantleModels"][0]
    out.append(Request("mantle-count-tokens", f"mantle CountTokens {first}", "bedrock-mantle", "bedrock-mantle:CountTokens", project, has("countTokens"), {"bedrock-mantle:Model": first}))
    out.append(Request("mantle-count-tokens-other", f"mantle CountTokens {other} (not allow-listed)", "bedrock-mantle", "bedrock-mantle:CountTokens", project, False, {"bedrock-mantle:Model": other}, fence_refuses=True))
    out.append(Request("mantle-stored-get", "mantle GetInference (read a stored response)", "bedrock-mantle", "bedrock-mantle:GetInference", project, has("storedResponses")))
    out.append(Request("mantle-stored-delete", "mantle DeleteInference", "bedrock-mantle", "bedrock-mantle:DeleteInference", project, has("storedResponses")))
    search = f"arn:{PARTITION}:bedrock-websearch:{region}:aws:tool/web_search"
    out.append(Request("websearch", "web search tool (bedrock-websearch:InvokeSearch)", "bedrock-mantle", "bedrock-websearch:InvokeSearch", search, has("serverSideTools")))
    out.append(Request("websearch-fetch", "web fetch tool (bedrock-websearch:InvokeFetch)", "bedrock-mantle", "bedrock-websearch:InvokeFetch", search, has("serverSideTools")))
    out.append(Request("websearch-external", "web fetch from the live internet (bedrock-websearch:ExternalWebAccess)", "bedrock-mantle", "bedrock-websearch:ExternalWebAccess", "*", has("externalWebAccess")))
    # A gateway of the user's: never granted here, and fenced unless serverSideTools is on.
    agentcore = f"arn:{PARTITION}:bedrock-agentcore:{region}"
    out.append(Request("agentcore-gateway", "AgentCore gateway tool (bedrock-agentcore:InvokeGateway)", "bedrock-mantle", "bedrock-agentcore:InvokeGateway", f"{agentcore}:{{account}}:gateway/prove-matrix-gw", False))
    # The rest of AgentCore: runtimes, browser and code interpreter (AWS-owned tools), never
    # granted, fenced to our endpoints (none of which serves AgentCore) in both layers and the
    # fence. They travel "through" the mantle endpoint here, where server-side tools start.
    out.append(Request("agentcore-runtime", "AgentCore InvokeAgentRuntime", "bedrock-mantle", "bedrock-agentcore:InvokeAgentRuntime", f"{agentcore}:{{account}}:runtime/prove_matrix-AbCdEf1234", False))
    out.append(Request("agentcore-browser", "AgentCore StartBrowserSession", "bedrock-mantle", "bedrock-agentcore:StartBrowserSession", f"{agentcore}:aws:browser/aws.browser.v1", False))
    out.append(Request("agentcore-code", "AgentCore InvokeCodeInterpreter", "bedrock-mantle", "bedrock-agentcore:InvokeCodeInterpreter", f"{agentcore}:aws:code-interpreter/aws.codeinterpreter.v1", False))
    run = f"arn:{PARTITION}:nova-act:{region}:{{account}}:workflow-definition/prove-matrix/workflow-run/run-1"
    out.append(Request("nova-act", "Nova Act InvokeActStep (a browser agent)", "bedrock-mantle", "nova-act:InvokeActStep", run, False))
    return out


def _agents(region: str, meta: Mapping[str, Any], services: set[str]) -> list[Request]:
    aliases, kbs = list(meta.get("agentAliasArns", [])), list(meta.get("knowledgeBaseArns", []))
    base = f"arn:{PARTITION}:bedrock:{region}:{{account}}"
    out: list[Request] = []
    if "bedrock-agent-runtime" in services:
        if aliases:
            out.append(Request("invoke-agent", "InvokeAgent (a configured alias)", "bedrock-agent-runtime", "bedrock:InvokeAgent", aliases[0], True))
        if kbs:
            out.append(Request("retrieve", "Retrieve (a configured knowledge base)", "bedrock-agent-runtime", "bedrock:Retrieve", kbs[0], True))
        out.append(Request("invoke-agent-other", "InvokeAgent (an alias not configured)", "bedrock-agent-runtime", "bedrock:InvokeAgent", f"{base}:agent-alias/OTHERAGENT/OTHERALIAS", False))
        out.append(Request("retrieve-other", "Retrieve (a knowledge base not configured)", "bedrock-agent-runtime", "bedrock:Retrieve", f"{base}:knowledge-base/OTHERKB123", False))
    if "bedrock-agent" in services:
        if aliases:
            agent = aliases[0].split(":agent-alias/")[0] + ":agent/" + aliases[0].split(":agent-alias/")[1].split("/")[0]
            out.append(Request("get-agent", "GetAgent (a configured agent)", "bedrock-agent", "bedrock:GetAgent", agent, True))
        out.append(Request("get-agent-other", "GetAgent (an agent not configured)", "bedrock-agent", "bedrock:GetAgent", f"{base}:agent/OTHERAGENT", False))
    return out


def requests_for(dep: Deployment, exp: Any, fence: Any = None) -> tuple[Request, ...]:
    """`exp` is the matrix's Expectations (capabilities, API keys) read from the metadata;
    `fence` the organisation fence layer (private_bedrock/tools/prove/fence.py), when the matrix includes it."""
    region, meta, services = dep.region, dep.metadata, set(dep.endpoints)
    out: list[Request] = []
    control_plane = "bedrock" if "bedrock" in services else "bedrock-runtime"
    if "bedrock" in services:
        out.append(Request("list-fm", "ListFoundationModels", "bedrock", "bedrock:ListFoundationModels", "*", True))
    if "bedrock-runtime" in services:
        out += _runtime(region, meta, exp.has)
    if "bedrock-mantle" in services:
        out += _mantle(region, meta, exp.has)
    out += _agents(region, meta, services)
    out.append(
        Request(
            "customize", "CreateModelCustomizationJob (unrelated action)", control_plane, "bedrock:CreateModelCustomizationJob",
            f"arn:{PARTITION}:bedrock:{region}:{{account}}:custom-model/prove-matrix", False,
        )
    )
    # What CloudFormation would create with the caller's credentials (issue 9 section 1).
    out.append(
        Request(
            "create-agent", "CreateAgent (what a stack would create)", control_plane, "bedrock:CreateAgent", "*", False,
        )
    )
    if fence is not None and "bedrock-runtime" in services:
        # The fence's region statement: a model call sent to a region outside the configuration.
        runtime_models = list(meta.get("runtimeModels", []))
        model = next(m for m in [*runtime_models, meta["probeDeniedModels"]["runtime"]] if m.partition(".")[0] not in PROFILE_PREFIXES)
        outside = fence.outside_region()
        out.append(Request("invoke-outside", f"InvokeModel {model} in {outside} (outside the configured regions)", "bedrock-runtime", "bedrock:InvokeModel", _fm(outside, model), False, fence_refuses=True))
    if fence is not None:
        out += _fenced_control_plane(region, meta, control_plane)
    out.append(Request("bearer", "bedrock:CallWithBearerToken (API key)", "bedrock-runtime", "bedrock:CallWithBearerToken", "*", exp.allow_api_keys, fence_refuses=True))
    if "bedrock-mantle" in services:
        out.append(Request("mantle-bearer", "bedrock-mantle:CallWithBearerToken (API key)", "bedrock-mantle", "bedrock-mantle:CallWithBearerToken", "*", exp.allow_api_keys, fence_refuses=True))
    out += _claude_platform(region, control_plane if "bedrock-runtime" not in services else "bedrock-runtime")
    return tuple(r for r in out if r.service in services)


def _claude_platform(region: str, service: str) -> list[Request]:
    """Claude Platform on AWS: no endpoint of this deployment serves it; the cells through
    "our endpoint" ask whether a request carrying our aws:SourceVpce would pass (it must not)."""
    workspace = f"arn:{PARTITION}:aws-external-anthropic:{region}:{{account}}:workspace/wrkspc_provematrix"
    return [
        Request("claude-platform", "Claude Platform CreateInference (aws-external-anthropic)", service, "aws-external-anthropic:CreateInference", workspace, False, fence_refuses=True),
        Request("claude-platform-bearer", "aws-external-anthropic:CallWithBearerToken (Claude Platform API key)", service, "aws-external-anthropic:CallWithBearerToken", "*", False, fence_refuses=True),
    ]


# The model-consuming actions besides InvokeModel (private_bedrock/policies/model_paths.py), each on a
# model outside the allow list: the fence's FenceModelConsumers refuses them for everyone it binds.
_CONSUMERS = (
    ("batch-other", "bedrock:CreateModelInvocationJob", "batch inference"),
    ("provisioned-other", "bedrock:CreateProvisionedModelThroughput", "provisioned throughput"),
    ("app-profile-other", "bedrock:CreateInferenceProfile", "an application inference profile"),
    ("prompt-router-other", "bedrock:CreatePromptRouter", "a prompt router"),
    ("evaluation-other", "bedrock:CreateEvaluationJob", "an evaluation job"),
    ("customize-other", "bedrock:CreateModelCustomizationJob", "fine-tuning"),
    ("model-evaluation-other", "bedrock:CreateModelEvaluationJob", "a model evaluation job"),
    ("prompt-optimization-other", "bedrock:CreateAdvancedPromptOptimizationJob", "a prompt optimization job"),
    ("provisioned-update-other", "bedrock:UpdateProvisionedModelThroughput", "re-binding provisioned throughput"),
)
# Another account's custom model (shared with it by a resource policy): FenceForeignCustomModels.
FOREIGN_MODEL_ACCOUNT = OUTSIDE_ACCOUNT
# Ways to a model that name no foundation model: FenceUnjudgedModels (break-glass only).
_UNJUDGED = (
    ("custom-model-import", "bedrock:CreateCustomModel", "CreateCustomModel (a custom model from S3 artifacts)"),
    ("marketplace-endpoint", "bedrock:CreateMarketplaceModelEndpoint", "CreateMarketplaceModelEndpoint (a Marketplace model on SageMaker)"),
    ("connect-ai-prompt", "wisdom:CreateAIPrompt", "Amazon Q in Connect CreateAIPrompt (picks a model)"),
)


def _fenced_control_plane(region: str, meta: Mapping[str, Any], service: str) -> list[Request]:
    """What only the organisation fence judges beyond the network: models named by control-plane
    actions, and the data-retention settings (cells of the fenced matrix only)."""
    first = meta["runtimeModels"][0]
    listed = first.partition(".")[2] if first.partition(".")[0] in PROFILE_PREFIXES else first  # its foundation model
    other = meta["probeDeniedModels"]["runtime"]
    out = [Request("batch", f"CreateModelInvocationJob {listed} (batch, allow-listed model)", service, "bedrock:CreateModelInvocationJob", _fm(region, listed), False)]
    out += [Request(key, f"{action.split(':')[1]} {other} ({what}, not allow-listed)", service, action, _fm(region, other), False, fence_refuses=True) for key, action, what in _CONSUMERS]
    # Batch on a custom model: the caller's own account's passes (its base model was judged when
    # it was customized, or it predates the fence: a known residual); another account's is refused.
    own_custom = f"arn:{PARTITION}:bedrock:{region}:{{account}}:custom-model/prove-matrix"
    foreign_custom = f"arn:{PARTITION}:bedrock:{region}:{FOREIGN_MODEL_ACCOUNT}:custom-model/shared-model"
    out.append(Request("batch-custom-own", "CreateModelInvocationJob on a custom model of the caller's account", service, "bedrock:CreateModelInvocationJob", own_custom, False))
    out.append(Request("batch-custom-foreign", "CreateModelInvocationJob on another account's custom model", service, "bedrock:CreateModelInvocationJob", foreign_custom, False, fence_refuses=True))
    out += [Request(key, label, service, action, "*", False, fence_refuses=True) for key, action, label in _UNJUDGED]
    out.append(Request("retention-account", "PutAccountDataRetention (bedrock)", service, "bedrock:PutAccountDataRetention", "*", False, {"bedrock:DataRetentionMode": "provider_data_share"}, fence_refuses=True))
    out.append(Request("enforced-guardrail", "DeleteEnforcedGuardrailConfiguration", service, "bedrock:DeleteEnforcedGuardrailConfiguration", "*", False, fence_refuses=True))
    # (Dropped with the other bedrock-mantle requests where the region has no mantle endpoint.)
    project = f"arn:{PARTITION}:bedrock-mantle:{region}:{{account}}:project/prove-matrix"
    out.append(Request("mantle-retention-account", "mantle PutAccountDataRetention", "bedrock-mantle", "bedrock-mantle:PutAccountDataRetention", "*", False, {"bedrock-mantle:DataRetentionMode": "aws_review"}, fence_refuses=True))
    out.append(Request("mantle-project-retention", "mantle CreateProject with a retention mode", "bedrock-mantle", "bedrock-mantle:CreateProject", project, False, {"bedrock-mantle:DataRetentionMode": "aws_review"}, fence_refuses=True))
    return out
