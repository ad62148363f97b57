"""Local stand-ins for the Bedrock endpoints, on 127.0.0.1, speaking real HTTP.

Two ThreadingHTTPServers, like the two DNS names a real region has:
  amazonaws (bedrock + bedrock-runtime)
    GET  /foundation-models                   ListFoundationModels      (SigV4 "bedrock")
    POST /model/{modelId}/converse             Converse                  (SigV4 "bedrock")
    POST /model/{modelId}/invoke               InvokeModel (the Anthropic SDK's AnthropicBedrock) (SigV4 "bedrock")
    POST /anthropic/v1/messages               Anthropic Messages API, natively (SigV4 "bedrock")
    POST /openai/v1/chat/completions           OpenAI Chat Completions   (SigV4 "bedrock" or API key)
    POST /openai/v1/responses                  OpenAI Responses          (SigV4 "bedrock" or API key)
  mantle (bedrock-mantle)
    GET  /v1/models, POST /v1/chat/completions, POST /v1/responses  (SigV4 "bedrock-mantle" or API key)
    POST /anthropic/v1/messages               Anthropic Messages API    (SigV4 "bedrock-mantle", anthropic-version header)
It decides allow/deny from the request itself (which model, which auth, which tools), the
way an endpoint policy would, and checks the authentication for real: SigV4 signatures are
recomputed with the test's secret key and their credential scope must name the service
(`bedrock` on bedrock-runtime, also for its /openai/v1 routes; `bedrock-mantle` on mantle);
bearer tokens are decoded and their presigned CallWithBearerToken credential checked. A
probe that signs for the wrong service, sends the wrong model or mixes up auth modes gets a
different answer and its test fails.

Refusals use AWS's shapes and words, as seen from the real services (sources in comments):
IAM's "User: <arn> is not authorized to perform: <action> on resource: <arn> because no VPC
endpoint policy allows the <action> action" on bedrock-runtime (403 AccessDeniedException,
body {"Message": ...}), OpenAI-shaped `401 access_denied` "... (no identity-based policy
allows the action)" on mantle, and AccessDenied answers that are NOT a policy's (model access,
Marketplace, account) through Policy.refusal.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.loopback import AwsHandler, LoopbackServers
ACCOUNT = "123456789012"
ROLE = f"arn:aws:sts::{ACCOUNT}:assumed-role/PrivateBedrockProbe/probe"
_AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                   r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$")
# botocore's restJson parser reads the code from this header (AWS appends the coral namespace).
_CORAL = ":http://internal.amazon.com/coral/com.amazon.coral.service/"
# What bedrock-runtime answers for a wrong signature (InvalidSignatureException, 403).
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you provided. "
                      "Check your AWS Secret Access Key and signing method. Consult the service "
                      "documentation for details.")


@dataclass
class Credentials:
    access_key: str = "AKIDPROBETEST0000001"
    secret_key: str = "probe-test-secret-key-not-real"
    token: str = "probe-test-session-token"

    def env(self) -> dict:
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_SESSION_TOKEN": self.token}


@dataclass(frozen=True)
class Refusal:
    """An answer that refuses without any policy deciding (AWS's own words)."""

    status: int
    code: str
    message: str


# AccessDenied answers Bedrock gives for reasons that are not a policy, verbatim from the field
# (aws-samples/amazon-bedrock-workshop#100, dirkpetersen/our-chat#3, ...-agentcore#41).
MODEL_ACCESS_NOT_ENABLED = Refusal(403, "AccessDeniedException",
                                   "You don't have access to the model with the specified model ID.")
ACCOUNT_NOT_ENABLED = Refusal(403, "AccessDeniedException", "Your account is not authorized to invoke this API operation.")
MARKETPLACE = Refusal(
    403, "AccessDeniedException",
    "Model access is denied due to IAM user or service role is not authorized to perform the required AWS "
    "Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to "
    "this model. Refer to the Amazon Bedrock documentation for further details. Your AWS Marketplace "
    "subscription for this model cannot be completed at this time. If you recently fixed this issue, try "
    "again after 2 minutes.")


@dataclass
class Policy:
    """What the fake endpoint policies allow. Everything else is denied."""

    allow_reads: bool = True  # ListFoundationModels and mantle models.list
    # bedrock-runtime ids: Converse and /openai/v1 alike authorize bedrock:InvokeModel on them.
    runtime_models: set = field(default_factory=lambda: {"amazon.nova-micro-v1:0", "openai.gpt-oss-20b-1:0",
                                                         "openai.gpt-5.4"})
    mantle_models: set = field(default_factory=lambda: {"openai.gpt-oss-20b"})
    allow_bearer: bool = False
    # Creating a response on bedrock-runtime also authorizes InvokeModel on the default project.
    allow_runtime_project: bool = True
    allow_web_search: bool = False
    # How a refused web search shows: "request" (the call is refused) or "tool_call" (200, the
    # model's web_search_call failed: nothing says why).
    web_search_refused_as: str = "request"
    denied_by: str = "VPC endpoint policy"
    explicit: bool = False
    mantle_deny_status: int = 401  # [field] IAM denials on mantle's OpenAI routes came back as 401
    # Set: every authenticated request gets this answer instead (a non-policy refusal).
    refusal: Refusal | None = None
    # A required guardrail (bedrock:GuardrailIdentifier on the model grants): a native call
    # without it is refused, and the OpenAI-compatible routes, which carry none, always are.
    guardrail: str | None = None
    # How mantle's Anthropic route refuses: 403 in Anthropic's error shape, IAM's words without
    # a policy clause [field: internals, "seen from mantle's Anthropic-format route"].
    anthropic_deny_status: int = 403

    @classmethod
    def deny_all(cls) -> "Policy":
        return cls(allow_reads=False, runtime_models=set(), mantle_models=set(), allow_bearer=False)

    def runtime_reason(self, action: str) -> str:
        # IAM's own clause (e.g. BerriAI/litellm#39166, aws-samples/semantic-search...#43).
        if self.explicit:
            return f"with an explicit deny in a {self.denied_by}"
        return f"because no {self.denied_by} allows the {action} action"

    def mantle_reason(self) -> str:
        # mantle's wording, [field]: "(no identity-based policy allows the action)".
        return f"(explicit deny in a {self.denied_by})" if self.explicit else f"(no {self.denied_by} allows the action)"


class FakeBedrock(LoopbackServers):
    def __init__(self, region: str = "us-east-1", policy: Policy | None = None,
                 credentials: Credentials | None = None, delay_seconds: float = 0.0):
        self.region = region
        self.policy = policy or Policy()
        self.credentials = credentials or Credentials()
        self.delay_seconds = delay_seconds  # before every answer: a slow endpoint
        self.requests: list[dict] = []
        self.auth_failures: list[str] = []
        # bedrock and bedrock-runtime share the first (one host, as AWS's amazonaws.com names).
        self._serve({name: _handler_for(self, name) for name in ("amazonaws", "mantle")})

    @property
    def mantle_url(self) -> str:
        return self._url("mantle")

    @property
    def urls(self) -> dict:
        """Per service, what AWS_ENDPOINT_URL_<SERVICE> should point at."""
        return {"bedrock": self.url, "bedrock-runtime": self.url, "bedrock-mantle": self.mantle_url}

    # -- authentication ------------------------------------------------------------------
    def check_sigv4(self, method: str, path: str, headers, body: bytes, service: str) -> str | None:
        """None if the SigV4 signature is valid for `service`, else AWS's words for why not."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials as BotoCredentials

        m = _AUTH.match(headers.get("Authorization", ""))
        if not m:
            return "Missing Authentication Token"
        key, _, region, scope_service, signed, signature = m.groups()
        if key != self.credentials.access_key:
            return "The security token included in the request is invalid."
        if scope_service != service:
            return f"Credential should be scoped to correct service: '{service}'."  # AWS's words
        if region != self.region:
            return f"Credential should be scoped to a valid region, not '{region}'."
        if headers.get("X-Amz-Security-Token") != self.credentials.token:
            return "The security token included in the request is invalid."
        sha = headers.get("X-Amz-Content-SHA256")
        if sha is not None and sha != hashlib.sha256(body).hexdigest():
            return "The provided 'x-amz-content-sha256' header does not match what was computed."
        names = signed.split(";")
        request = AWSRequest(method=method, url=f"http://{headers['Host']}{path}", data=body,
                             headers={n: headers[n] for n in names if headers.get(n) is not None})
        request.context["timestamp"] = headers.get("X-Amz-Date", "")
        signer = SigV4Auth(BotoCredentials(*self.credentials.env().values()), service, region)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        return None if expected == signature else SIGNATURE_MISMATCH

    def check_bearer(self, headers) -> str | None:
        value = headers.get("Authorization", "")
        if not value.startswith("Bearer bedrock-api-key-"):
            return f"not a Bedrock API key: {value[:30]!r}"
        try:
            url = base64.b64decode(value[len("Bearer bedrock-api-key-"):]).decode()
        except ValueError:
            return "API key is not base64"
        query = parse_qs(urlsplit("https://" + url).query)
        cred = query.get("X-Amz-Credential", [""])[0]
        if query.get("Action") != ["CallWithBearerToken"]:
            return "API key is not a presigned CallWithBearerToken request"
        if not (cred.startswith(self.credentials.access_key + "/") and cred.endswith(f"/{self.region}/bedrock/aws4_request")):
            return f"API key credential {cred!r} is not this role's"
        if not query.get("X-Amz-Signature") or int(query.get("X-Amz-Expires", ["0"])[0]) > 43200:
            return "API key is unsigned or lives longer than 12 hours"
        return None

    def not_authorized(self, action: str, resource: str, reason: str) -> str:
        return f"User: {ROLE} is not authorized to perform: {action} on resource: {resource} {reason}"


def _signature_error_code(problem: str) -> str:
    """The code bedrock-runtime sends with each of these authentication failures."""
    if problem == "Missing Authentication Token":
        return "MissingAuthenticationTokenException"
    if "security token included in the request is invalid" in problem:
        return "UnrecognizedClientException"
    return "InvalidSignatureException"


def _handler_for(fake: FakeBedrock, host: str):
    class Handler(AwsHandler):
        def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
            request_id = {"x-amzn-RequestId": "00000000-0000-0000-0000-000000000000"}
            self.reply(status, json.dumps(payload).encode(), "application/json", {**request_id, **(headers or {})})

        # -- the two error shapes --------------------------------------------------------
        def _aws_error(self, status: int, code: str, message: str, key: str = "message") -> None:
            self._send(status, {key: message}, {"x-amzn-ErrorType": code + _CORAL})

        def _openai_error(self, status: int, code: str, message: str, type_: str | None = None) -> None:
            self._send(status, {"error": {"message": message, "type": type_ or code, "code": code}})

        def _runtime_deny(self, action: str, resource: str) -> None:
            message = fake.not_authorized(action, resource, fake.policy.runtime_reason(action))
            self._aws_error(403, "AccessDeniedException", message, key="Message")

        def _mantle_deny(self, action: str, resource: str) -> None:
            message = fake.not_authorized(action, resource, fake.policy.mantle_reason())
            self._openai_error(fake.policy.mantle_deny_status, "access_denied", message)

        def do_GET(self):
            self._dispatch(b"")

        def do_POST(self):
            self._dispatch(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        def _dispatch(self, body: bytes) -> None:
            path = self.path
            route = urlsplit(path).path
            fake.requests.append({"host": host, "method": self.command, "path": path,
                                  "headers": dict(self.headers), "body": body})
            if fake.delay_seconds:
                time.sleep(fake.delay_seconds)
            if host == "mantle":
                return self._mantle(route, path, body)
            if route == "/foundation-models" or route.startswith("/model/"):
                return self._native(route, path, body)
            if route.startswith("/openai/v1/"):
                return self._runtime_openai(route, path, body)
            if route == "/anthropic/v1/messages" and self.command == "POST":
                return self._runtime_anthropic(path, body)
            self._aws_error(404, "UnknownOperationException", f"no route {route}")

        # -- bedrock / bedrock-runtime ------------------------------------------------
        def _refused_before_policy(self, problem: str | None) -> bool:
            """A bad signature or a configured refusal answers before any policy is judged."""
            if problem:
                fake.auth_failures.append(problem)
                self._aws_error(403, _signature_error_code(problem), problem)
                return True
            if fake.policy.refusal:
                r = fake.policy.refusal
                self._aws_error(r.status, r.code, r.message)
                return True
            return False

        def _model_refused(self, model: str, guardrail: str | None) -> bool:
            """InvokeModel's authorization: an allow-listed model, with the guardrail if one is required."""
            if model not in fake.policy.runtime_models or (fake.policy.guardrail and guardrail != fake.policy.guardrail):
                self._runtime_deny("bedrock:InvokeModel", f"arn:aws:bedrock:{fake.region}::foundation-model/{model}")
                return True
            return False

        def _native(self, route: str, path: str, body: bytes) -> None:
            problem = fake.check_sigv4(self.command, path, self.headers, body, "bedrock")
            if self._refused_before_policy(problem):
                return None
            if route == "/foundation-models":
                if not fake.policy.allow_reads:
                    return self._runtime_deny("bedrock:ListFoundationModels", "*")
                return self._send(200, {"modelSummaries": [{"modelId": m} for m in sorted(fake.policy.runtime_models)]})
            m = re.fullmatch(r"/model/([^/]+)/(converse|invoke)", route)
            if not m or self.command != "POST":
                return self._aws_error(404, "UnknownOperationException", route)
            model, operation = unquote(m.group(1)), m.group(2)
            request = json.loads(body or b"{}")
            if operation == "converse":
                guardrail = (request.get("guardrailConfig") or {}).get("guardrailIdentifier")
            else:
                guardrail = self.headers.get("X-Amzn-Bedrock-GuardrailIdentifier")
            if self._model_refused(model, guardrail):
                return None
            if operation == "invoke":
                return self._anthropic_message(model, request, body_version=True)
            self._send(200, {"output": {"message": {"role": "assistant", "content": [{"text": "OK"}]}},
                             "stopReason": "end_turn", "metrics": {"latencyMs": 5},
                             "usage": {"inputTokens": 4, "outputTokens": 1, "totalTokens": 5}})

        def _runtime_anthropic(self, path: str, body: bytes) -> None:
            # bedrock-runtime's native Messages API: authorized like InvokeModel on the model
            # named in the body, the guardrail from InvokeModel's header. AWS documents neither
            # the resource (the model, or the default project with bedrock:ModelArn: the grants
            # admit the same list either way) nor the guardrail's carrier [field]; the refusal
            # is modelled in bedrock-runtime's shape and IAM's words, as the other runtime paths.
            problem = fake.check_sigv4(self.command, path, self.headers, body, "bedrock")
            if self._refused_before_policy(problem):
                return None
            request = json.loads(body or b"{}")
            model = request.get("model", "")
            guardrail = self.headers.get("X-Amzn-Bedrock-GuardrailIdentifier")
            if self._model_refused(model, guardrail):
                return None
            self._anthropic_message(model, request, body_version=True)

        def _runtime_openai(self, route: str, path: str, body: bytes) -> None:
            bearer = self.headers.get("Authorization", "").startswith("Bearer ")
            problem = fake.check_bearer(self.headers) if bearer else \
                fake.check_sigv4(self.command, path, self.headers, body, "bedrock")
            if self._refused_before_policy(problem):
                return None
            if bearer and not fake.policy.allow_bearer:
                return self._runtime_deny("bedrock:CallWithBearerToken", "*")
            api = route.removeprefix("/openai/v1")
            if api not in ("/chat/completions", "/responses") or self.command != "POST":
                return self._aws_error(404, "UnknownOperationException", route)
            model = json.loads(body or b"{}").get("model", "")
            if model not in fake.policy.runtime_models or fake.policy.guardrail:
                return self._runtime_deny("bedrock:InvokeModel", f"arn:aws:bedrock:{fake.region}::foundation-model/{model}")
            if api == "/responses" and not fake.policy.allow_runtime_project:
                return self._runtime_deny("bedrock:InvokeModel", f"arn:aws:bedrock:{fake.region}:{ACCOUNT}:project/default")
            # Authorization first, then whether this route serves the model: OpenAI models only,
            # and no GPT OSS on Responses (inference-responses-api.html).
            served = model.startswith("openai.") and not (api == "/responses" and model.startswith("openai.gpt-oss-"))
            if not served:
                return self._openai_error(400, "validation_error",
                                          f"The model '{model}' does not support the '/v1{api}' API",
                                          "invalid_request_error")
            self._ok(api, model, json.loads(body))

        # -- bedrock-mantle -----------------------------------------------------------
        def _mantle(self, route: str, path: str, body: bytes) -> None:
            bearer = self.headers.get("Authorization", "").startswith("Bearer ")
            problem = fake.check_bearer(self.headers) if bearer else \
                fake.check_sigv4(self.command, path, self.headers, body, "bedrock-mantle")
            if problem:
                fake.auth_failures.append(problem)
                return self._openai_error(401, "invalid_request_signature", problem, "authentication_error")
            if fake.policy.refusal:
                r = fake.policy.refusal
                return self._openai_error(r.status, r.code, r.message, "permission_error")
            project = f"arn:aws:bedrock-mantle:{fake.region}:{ACCOUNT}:project/default"
            if bearer and not fake.policy.allow_bearer:
                return self._mantle_deny("bedrock-mantle:CallWithBearerToken", project)
            if route == "/v1/models" and self.command == "GET":
                if not fake.policy.allow_reads:
                    return self._mantle_deny("bedrock-mantle:ListModels", project)
                return self._send(200, {"object": "list", "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "openai"}
                    for m in sorted(fake.policy.mantle_models)]})
            if route == "/anthropic/v1/messages" and self.command == "POST":
                return self._mantle_anthropic(body, project)
            if route not in ("/v1/chat/completions", "/v1/responses") or self.command != "POST":
                # A wrong prefix for the model (e.g. /openai/v1 for GPT OSS), in AWS's words.
                model = json.loads(body or b"{}").get("model", "") if body else ""
                return self._openai_error(400 if model else 404, "invalid_request_error",
                                          f"model `{model}` isn't supported on this route" if model else f"no route {route}")
            request = json.loads(body or b"{}")
            model = request.get("model")
            if model not in fake.policy.mantle_models:
                return self._mantle_deny("bedrock-mantle:CreateInference", project)
            web_search = any(t.get("type", "").startswith("web_search") for t in request.get("tools") or [])
            if web_search and not fake.policy.allow_web_search and fake.policy.web_search_refused_as == "request":
                # Tool resource as in AWS's sample policies: arn:aws:bedrock-websearch:<region>:aws:tool/*.
                return self._mantle_deny("bedrock-websearch:InvokeSearch",
                                         f"arn:aws:bedrock-websearch:{fake.region}:aws:tool/web-search")
            self._ok(route.removeprefix("/v1"), model, request,
                     web_search="completed" if fake.policy.allow_web_search else "failed")

        def _mantle_anthropic(self, body: bytes, project: str) -> None:
            # Anthropic's error shape: {"type": "error", "error": {"type": ..., "message": ...}}.
            def error(status: int, type_: str, message: str) -> None:
                self._send(status, {"type": "error", "error": {"type": type_, "message": message}})

            # AWS documents 2023-06-01; the Anthropic SDK 2.16 sends its own (2026-10-21): whether
            # mantle takes every version is not documented [field], so any value passes here.
            if not self.headers.get("anthropic-version"):
                return error(400, "invalid_request_error", "anthropic-version: header is required")
            request = json.loads(body or b"{}")
            model = request.get("model", "")
            if model not in fake.policy.mantle_models:
                message = f"User: {ROLE} is not authorized to perform: bedrock-mantle:CreateInference on resource: {project}"
                return error(fake.policy.anthropic_deny_status, "permission_error", message)
            if not model.startswith("anthropic."):
                return error(400, "invalid_request_error", f"model `{model}` isn't supported on this route")
            self._anthropic_message(model, request)

        def _anthropic_message(self, model: str, request: dict, body_version: bool = False) -> None:
            # AWS documents bedrock-2023-05-31 in the body; the Anthropic SDK 2.16 puts its own
            # version there: whether InvokeModel takes it is [field], so any value passes here.
            if body_version and not request.get("anthropic_version"):
                return self._aws_error(400, "ValidationException", "anthropic_version is required in the body")
            if "anthropic." not in model:  # a Claude model or a profile of one
                return self._aws_error(400, "ValidationException", f"{model} does not take the Messages API body")
            self._send(200, {"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
                             "content": [{"type": "text", "text": "OK"}], "stop_reason": "end_turn",
                             "usage": {"input_tokens": 4, "output_tokens": 1}})

        def _ok(self, api: str, model: str, request: dict, web_search: str | None = None) -> None:
            if api == "/chat/completions":
                return self._send(200, {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0,
                                        "model": model, "choices": [{"index": 0, "finish_reason": "stop",
                                                                     "message": {"role": "assistant", "content": "OK"}}]})
            output = []
            if web_search and any(t.get("type", "").startswith("web_search") for t in request.get("tools") or []):
                output.append({"type": "web_search_call", "id": "ws_fake", "status": web_search,
                               "action": {"type": "search", "query": "example.com headline"}})
            output.append({"type": "message", "id": "msg_fake", "role": "assistant", "status": "completed",
                           "content": [{"type": "output_text", "text": "OK", "annotations": []}]})
            self._send(200, {"id": "resp_fake", "object": "response", "created_at": 0, "model": model,
                             "status": "completed", "output": output, "parallel_tool_calls": False,
                             "tool_choice": request.get("tool_choice", "auto"), "tools": request.get("tools", []),
                             "store": request.get("store", True)})

    return Handler


class SilentServer:
    """Accepts TCP connections (the kernel completes the handshake) and never answers."""

    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def __enter__(self) -> "SilentServer":
        return self

    def __exit__(self, *exc) -> None:
        self._sock.close()


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting is refused at once (RST)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
