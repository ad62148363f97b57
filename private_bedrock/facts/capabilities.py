"""The named capabilities a deployment may grant its workloads (configuration key `capabilities`).

Pure data, read by private_bedrock/config/access_inputs.py (validation) and private_bedrock/policies/grants.py (what each
capability grants). Each name is one documented, tested set of actions with the narrowest
resources IAM allows; the capabilities table of docs/models-and-residency.md is written from the same sentences.
"""

from __future__ import annotations

# name -> what it lets a workload do (one line, used in error messages and docs/models-and-residency.md).
CAPABILITIES: dict[str, str] = {
    "inference": "InvokeModel/Converse, Chat Completions and Responses (bedrock-runtime /openai/v1) on the allow-listed models; bedrock-mantle CreateInference and model reads",
    "streaming": "InvokeModelWithResponseStream/ConverseStream on the allow-listed models",
    "bidirectionalStreaming": "InvokeModelWithBidirectionalStream (speech-to-speech); AWS authorizes it as bedrock:InvokeModel, so it adds no action beyond inference",
    "guardrails": "ApplyGuardrail on the configured guardrailArn, and every bedrock-runtime inference only with that guardrail (bedrock:GuardrailIdentifier)",
    "countTokens": "CountTokens on the allow-listed models (bedrock-runtime and bedrock-mantle)",
    "asyncInvoke": "StartAsyncInvoke/GetAsyncInvoke/ListAsyncInvokes in this account and region (output goes to the caller's own S3 bucket)",
    "storedResponses": "read, cancel and delete stored or background responses: bedrock GetInvoke/CancelInvoke/DeleteInvoke on the default project, bedrock-mantle GetInference/CancelInference/DeleteInference",
    "serverSideTools": "server-side tools of the Responses API: web search and fetch from Bedrock's index and cache (bedrock-websearch InvokeSearch/InvokeFetch), bedrock InvokeTool",
    "externalWebAccess": "lets web fetch reach the live internet after a cache miss (bedrock-websearch:ExternalWebAccess); needs serverSideTools",
}
DEFAULT_CAPABILITIES: tuple[str, ...] = ("inference", "streaming")
# Capabilities that only make sense together with another one.
REQUIRES: dict[str, str] = {"externalWebAccess": "serverSideTools"}
