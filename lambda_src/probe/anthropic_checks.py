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
"""

from __future__ import annotations

import json
import time

import aws_session
from report import ALLOWED, ERROR, refusal, result

PROMPT = "Reply with OK."
MANTLE_PATH = "/anthropic/v1/messages"
MANTLE_VERSION = "2023-06-01"  # the anthropic-version header mantle requires
RUNTIME_VERSION = "bedrock-2023-05-31"  # the body field bedrock-runtime requires
_http: dict[str, object] = {}


def mantle_url(config) -> str:
    """mantle's origin (an override may carry an OpenAI path prefix: the origin is what counts)."""
    from urllib.parse import urlsplit

    parts = urlsplit(config.endpoint_url("bedrock-mantle"))
    return f"{parts.scheme}://{parts.netloc}{MANTLE_PATH}"


def _message_detail(payload: dict) -> str:
    return f"message {payload.get('id')}, stop_reason={payload.get('stop_reason')}"


def _mantle(spec, config) -> tuple[str, str]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.httpsession import URLLib3Session

    body = json.dumps({"model": spec.params["model"], "max_tokens": 8,
                       "messages": [{"role": "user", "content": PROMPT}]}).encode()
    request = AWSRequest(method="POST", url=mantle_url(config), data=body,
                         headers={"content-type": "application/json", "anthropic-version": MANTLE_VERSION})
    SigV4Auth(aws_session.credentials(), "bedrock-mantle", config.region).add_auth(request)
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
    if response.status_code == 200:
        return ALLOWED, _message_detail(payload)
    error = payload.get("error") if isinstance(payload.get("error"), dict) else {}
    message = error.get("message") or payload.get("message") or payload.get("Message") or text
    if response.status_code in (401, 403):
        return refusal(response.status_code, error.get("type") or "", message)
    return ERROR, f"HTTP {response.status_code}: {message}"


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
    mantle = spec.service == "bedrock-mantle"
    endpoint = mantle_url(config) if mantle else config.endpoint_url("bedrock-runtime")
    try:
        outcome, detail = _mantle(spec, config) if mantle else _runtime(spec, config)
    except Exception as exc:
        outcome, detail = aws_session.classify(exc)
    return result(spec, endpoint, outcome, f"{spec.params['model']}: {detail}", started)
