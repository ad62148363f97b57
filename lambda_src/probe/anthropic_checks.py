"""The Anthropic Messages API on both inference endpoints, as the official Anthropic SDK sends it.

The anthropic package (2.16.0: a 2.9 MB wheel) is not bundled, it would break the bundle's
8 MB budget; the probe sends the same request on the wire, signed by botocore as the SDK
signs it (anthropic/lib/aws/_auth.py: botocore SigV4Auth):
- bedrock-mantle, `AnthropicBedrockMantle`: POST <mantle>/anthropic/v1/messages with the
  header `anthropic-version: 2023-06-01` and the model in the body, SigV4 for
  "bedrock-mantle". Authorized as bedrock-mantle:CreateInference with bedrock-mantle:Model
  [field: the Messages API page names no IAM action; Chat Completions and Responses use it].
- bedrock-runtime, `AnthropicBedrock`: POST <runtime>/model/<model>/invoke with
  `"anthropic_version": "bedrock-2023-05-31"` in the body, SigV4 for "bedrock": InvokeModel,
  made here with botocore's own client. With a required guardrail it carries the guardrail,
  as a workload must.
- bedrock-runtime natively (user guide "inference-messages-api", base URL <runtime>/anthropic):
  POST <runtime>/anthropic/v1/messages, the model in the body, SigV4 for "bedrock" (the
  runtime's signing name). Which resource AWS authorizes it on is not documented [field]: the
  model with bedrock:InvokeModel (InvokeConfiguredModels) or the default project with
  bedrock:ModelArn (RespondWithConfiguredModels); both admit exactly the allow list. A
  required guardrail goes in InvokeModel's headers (X-Amzn-Bedrock-GuardrailIdentifier /
  -Version); whether this route reads them is not documented either [field]: if it does not,
  the allowed check fails rather than passing unguarded.
"""

from __future__ import annotations

import json
import time

import aws_session
from report import ALLOWED, ERROR, refusal, result

PROMPT = "Reply with OK."
# The Messages path on both endpoints (bedrock-runtime serves it under its /anthropic base URL).
MESSAGES_PATH = "/anthropic/v1/messages"
MANTLE_VERSION = "2023-06-01"  # the anthropic-version header mantle requires
RUNTIME_VERSION = "bedrock-2023-05-31"  # the body field bedrock-runtime requires
_http: dict[str, object] = {}


def messages_url(config, service: str) -> str:
    """The endpoint's origin under the Messages path: an override may carry another path prefix
    (an OpenAI one for mantle); the origin is what botocore calls and what counts."""
    from urllib.parse import urlsplit

    parts = urlsplit(config.endpoint_url(service))
    return f"{parts.scheme}://{parts.netloc}{MESSAGES_PATH}"


def _message_detail(payload: dict) -> str:
    return f"message {payload.get('id')}, stop_reason={payload.get('stop_reason')}"


def _post(url: str, service: str, body: dict, headers: dict, config) -> tuple[str, str]:
    """A SigV4-signed JSON POST (as the Anthropic SDK signs it), judged like every other call."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.httpsession import URLLib3Session

    request = AWSRequest(method="POST", url=url, data=json.dumps(body).encode(),
                         headers={"content-type": "application/json", **headers})
    SigV4Auth(aws_session.credentials(), service, config.region).add_auth(request)
    with aws_session.lock:
        if "session" not in _http:
            # botocore's own HTTP stack (the runtime's urllib3): its errors are botocore's
            # network errors, classified like every other call.
            _http["session"] = URLLib3Session(timeout=(config.connect_timeout, config.timeout))
        session = _http["session"]
    response = session.send(request.prepare())
    text = response.content.decode("utf-8", "replace")
    try:
        payload = json.loads(text)
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    if response.status_code == 200:
        return ALLOWED, _message_detail(payload)
    # Anthropic's error shape (mantle) or AWS's {"Message"} with x-amzn-ErrorType (runtime).
    error = payload.get("error") if isinstance(payload.get("error"), dict) else {}
    message = error.get("message") or payload.get("message") or payload.get("Message") or text
    code = error.get("type") or (response.headers.get("x-amzn-ErrorType") or "").split(":")[0]
    if response.status_code in (401, 403):
        return refusal(response.status_code, code, message)
    return ERROR, f"HTTP {response.status_code}: {message}"


def _mantle(spec, config) -> tuple[str, str]:
    body = {"model": spec.params["model"], "max_tokens": 8, "messages": [{"role": "user", "content": PROMPT}]}
    return _post(messages_url(config, "bedrock-mantle"), "bedrock-mantle", body, {"anthropic-version": MANTLE_VERSION}, config)


def _guardrail_headers(config) -> dict:
    # InvokeModel's own header names (botocore's model): the grants demand the guardrail.
    if not config.guardrail_arn:
        return {}
    return {"X-Amzn-Bedrock-GuardrailIdentifier": config.guardrail_arn,
            "X-Amzn-Bedrock-GuardrailVersion": config.guardrail_version}


def _runtime_native(spec, config) -> tuple[str, str]:
    # AWS documents the body's anthropic_version for bedrock-runtime; the header is what
    # Anthropic-format routes read: whether this one needs it is not documented [field].
    body = {"model": spec.params["model"], "anthropic_version": RUNTIME_VERSION, "max_tokens": 8,
            "messages": [{"role": "user", "content": PROMPT}]}
    headers = {"anthropic-version": MANTLE_VERSION, **_guardrail_headers(config)}
    return _post(messages_url(config, "bedrock-runtime"), "bedrock", body, headers, config)


def _runtime(spec, config) -> tuple[str, str]:
    body = {"anthropic_version": RUNTIME_VERSION, "max_tokens": 8, "messages": [{"role": "user", "content": PROMPT}]}
    guardrail = {"guardrailIdentifier": config.guardrail_arn, "guardrailVersion": config.guardrail_version} if config.guardrail_arn else {}
    response = aws_session.client("bedrock-runtime", config).invoke_model(
        modelId=spec.params["model"], body=json.dumps(body), contentType="application/json",
        accept="application/json", **guardrail)
    return ALLOWED, _message_detail(json.loads(response["body"].read()))


def reset() -> None:
    with aws_session.lock:
        _http.clear()


def run(spec, config) -> dict:
    started = time.perf_counter()
    if spec.service == "bedrock-mantle":
        endpoint, call = messages_url(config, "bedrock-mantle"), _mantle
    elif spec.params.get("route") == "native":
        endpoint, call = messages_url(config, "bedrock-runtime"), _runtime_native
    else:
        endpoint, call = config.endpoint_url("bedrock-runtime"), _runtime
    try:
        outcome, detail = call(spec, config)
    except Exception as exc:
        outcome, detail = aws_session.classify(exc)
    return result(spec, endpoint, outcome, f"{spec.params['model']}: {detail}", started)
