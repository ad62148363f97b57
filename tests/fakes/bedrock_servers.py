"""Local stand-ins for the Bedrock endpoints, on 127.0.0.1, speaking real HTTP.

One ThreadingHTTPServer answers the three services the probe calls:
  bedrock         GET  /foundation-models
  bedrock-runtime POST /model/{modelId}/converse   (modelId URL-encoded by botocore)
  bedrock-mantle  GET  /v1/models, POST /v1/chat/completions, POST /v1/responses
It decides allow/deny from the request itself (which model, which auth), the way an
endpoint policy would, and checks the authentication for real: SigV4 signatures are
recomputed with the test's secret key, bearer tokens are decoded and their presigned
CallWithBearerToken credential checked. A probe that signs for the wrong service, sends
the wrong model or mixes up auth modes gets a different answer and its test fails.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

ACCOUNT = "123456789012"
ROLE = f"arn:aws:sts::{ACCOUNT}:assumed-role/PrivateBedrockProbe/probe"
_AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                   r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$")


@dataclass
class Credentials:
    access_key: str = "AKIDPROBETEST0000001"
    secret_key: str = "probe-test-secret-key-not-real"
    token: str = "probe-test-session-token"

    def env(self) -> dict:
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_SESSION_TOKEN": self.token}


@dataclass
class Policy:
    """What the fake endpoint policies allow. Everything else is denied."""

    allow_reads: bool = True  # ListFoundationModels and mantle models.list
    runtime_models: set = field(default_factory=lambda: {"amazon.nova-micro-v1:0"})
    mantle_models: set = field(default_factory=lambda: {"openai.gpt-oss-20b"})
    allow_bearer: bool = False
    reason: str = "because no VPC endpoint policy allows the {action} action"
    mantle_deny_status: int = 401

    @classmethod
    def deny_all(cls) -> "Policy":
        return cls(allow_reads=False, runtime_models=set(), mantle_models=set(), allow_bearer=False)


class FakeBedrock:
    def __init__(self, region: str = "us-east-1", policy: Policy | None = None,
                 credentials: Credentials | None = None):
        self.region = region
        self.policy = policy or Policy()
        self.credentials = credentials or Credentials()
        self.requests: list[dict] = []
        self.auth_failures: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FakeBedrock":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- authentication ------------------------------------------------------------------
    def check_sigv4(self, method: str, path: str, headers, body: bytes, service: str) -> str | None:
        """None if the SigV4 signature is valid for `service`, else why not."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials as BotoCredentials

        m = _AUTH.match(headers.get("Authorization", ""))
        if not m:
            return f"no SigV4 Authorization header: {headers.get('Authorization', '')[:40]!r}"
        key, _, region, scope_service, signed, signature = m.groups()
        if key != self.credentials.access_key:
            return f"unknown access key {key}"
        if (region, scope_service) != (self.region, service):
            return f"credential scope {region}/{scope_service}, expected {self.region}/{service}"
        if headers.get("X-Amz-Security-Token") != self.credentials.token:
            return "session token missing or wrong"
        sha = headers.get("X-Amz-Content-SHA256")
        if sha is not None and sha != hashlib.sha256(body).hexdigest():
            return "X-Amz-Content-SHA256 does not match the body"
        names = signed.split(";")
        request = AWSRequest(method=method, url=f"http://{headers['Host']}{path}", data=body,
                             headers={n: headers[n] for n in names if headers.get(n) is not None})
        request.context["timestamp"] = headers.get("X-Amz-Date", "")
        signer = SigV4Auth(BotoCredentials(*self.credentials.env().values()), service, region)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        return None if expected == signature else "signature does not match"

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

    def deny_message(self, action: str, resource: str) -> str:
        return (f"User: {ROLE} is not authorized to perform: {action} on resource: {resource} "
                + self.policy.reason.format(action=action))


def _handler_for(fake: FakeBedrock):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep pytest output clean
            pass

        def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _aws_error(self, status: int, code: str, message: str) -> None:
            self._send(status, {"message": message},
                       {"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/com.amazon.coral.service/"})

        def _mantle_error(self, status: int, code: str, message: str) -> None:
            self._send(status, {"error": {"message": message, "type": code, "code": code}})

        def do_GET(self):
            self._dispatch(b"")

        def do_POST(self):
            self._dispatch(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        def _dispatch(self, body: bytes) -> None:
            path = self.path
            route = urlsplit(path).path
            fake.requests.append({"method": self.command, "path": path, "headers": dict(self.headers),
                                  "body": body})
            if route == "/foundation-models" or route.startswith("/model/"):
                return self._native(route, path, body)
            if route.startswith("/v1/"):
                return self._mantle(route, path, body)
            self._send(404, {"message": f"no route {route}"})

        def _native(self, route: str, path: str, body: bytes) -> None:
            problem = fake.check_sigv4(self.command, path, self.headers, body, "bedrock")
            if problem:
                fake.auth_failures.append(problem)
                return self._aws_error(403, "InvalidSignatureException", problem)
            if route == "/foundation-models":
                if not fake.policy.allow_reads:
                    return self._aws_error(403, "AccessDeniedException",
                                           fake.deny_message("bedrock:ListFoundationModels", "*"))
                return self._send(200, {"modelSummaries": [{"modelId": m} for m in sorted(fake.policy.runtime_models)]})
            m = re.fullmatch(r"/model/([^/]+)/converse", route)
            if not m or self.command != "POST":
                return self._aws_error(404, "UnknownOperationException", route)
            model = unquote(m.group(1))
            if model not in fake.policy.runtime_models:
                arn = f"arn:aws:bedrock:{fake.region}::foundation-model/{model}"
                return self._aws_error(403, "AccessDeniedException", fake.deny_message("bedrock:InvokeModel", arn))
            self._send(200, {"output": {"message": {"role": "assistant", "content": [{"text": "OK"}]}},
                             "stopReason": "end_turn", "metrics": {"latencyMs": 5},
                             "usage": {"inputTokens": 4, "outputTokens": 1, "totalTokens": 5}})

        def _mantle(self, route: str, path: str, body: bytes) -> None:
            bearer = self.headers.get("Authorization", "").startswith("Bearer ")
            problem = fake.check_bearer(self.headers) if bearer else \
                fake.check_sigv4(self.command, path, self.headers, body, "bedrock-mantle")
            if problem:
                fake.auth_failures.append(problem)
                return self._mantle_error(401, "invalid_request_signature", problem)
            project = f"arn:aws:bedrock-mantle:{fake.region}:{ACCOUNT}:project/default"
            status = fake.policy.mantle_deny_status
            if bearer and not fake.policy.allow_bearer:
                return self._mantle_error(status, "access_denied",
                                          fake.deny_message("bedrock-mantle:CallWithBearerToken", project))
            if route == "/v1/models" and self.command == "GET":
                if not fake.policy.allow_reads:
                    return self._mantle_error(status, "access_denied",
                                              fake.deny_message("bedrock-mantle:ListModels", project))
                return self._send(200, {"object": "list", "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "openai"}
                    for m in sorted(fake.policy.mantle_models)]})
            if route not in ("/v1/chat/completions", "/v1/responses") or self.command != "POST":
                return self._mantle_error(404, "not_found", route)
            model = json.loads(body or b"{}").get("model")
            if model not in fake.policy.mantle_models:
                return self._mantle_error(status, "access_denied",
                                          fake.deny_message("bedrock-mantle:CreateInference", project))
            if route == "/v1/chat/completions":
                return self._send(200, {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0,
                                        "model": model, "choices": [{"index": 0, "finish_reason": "stop",
                                                                     "message": {"role": "assistant", "content": "OK"}}]})
            self._send(200, {"id": "resp_fake", "object": "response", "created_at": 0, "model": model,
                             "status": "completed", "output": [], "parallel_tool_calls": False,
                             "tool_choice": "auto", "tools": []})

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
