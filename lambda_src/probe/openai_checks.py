"""The OpenAI-compatible APIs through the OpenAI Python SDK: bedrock-mantle and bedrock-runtime.

Requests are SigV4-signed by the SDK's own Bedrock provider (openai.providers.bedrock) with
the function role's credentials: no API key, no secret. The provider signs for service
"bedrock-mantle" on mantle and "bedrock" on bedrock-runtime's /openai/v1 (endpoint="runtime").
The bearer checks derive a real short-term Bedrock API key from the same role
(aws-bedrock-token-generator: a presigned CallWithBearerToken URL), so their outcome says
what the policies do with API keys.
"""

from __future__ import annotations

import time
from datetime import timedelta

import aws_session
from report import ALLOWED, ERROR, NETWORK_ERROR, refusal, result

PROMPT = "Reply with OK."
# A question that needs the web: with tool_choice="required" the model must call the tool.
WEB_SEARCH_PROMPT = "Search the web for today's top headline on example.com and quote it."
_clients: dict[tuple[str, str], object] = {}
_http: dict[str, object] = {}


class _RoleCredentials:
    """The credential-provider shape aws_bedrock_token_generator expects (.load())."""

    def load(self):
        return aws_session.credentials()


def _bearer_token(config) -> str:
    from aws_bedrock_token_generator import provide_token

    # Short expiry: the key only has to live for this one call.
    return provide_token(region=config.region, aws_credentials_provider=_RoleCredentials(),
                         expiry=timedelta(minutes=5))


def reset() -> None:
    # Per invocation: a cached bearer client would reuse an expired 5-minute key on a warm
    # container and report a denial for the wrong reason.
    with aws_session.lock:
        _clients.clear()
        _http.clear()


def _client(config, service: str, auth: str):
    # One client per endpoint and auth mode, shared by the threads (the SDK client is thread-safe).
    key = (service, auth)
    with aws_session.lock:
        if key not in _clients:
            import botocore.auth  # noqa: F401  the SDK's signer imports these lazily, per request
            import botocore.awsrequest  # noqa: F401
            from openai import DefaultHttpxClient, OpenAI, Timeout
            from openai.providers import bedrock

            base_url = config.openai_base_url(service)
            # The provider tells the endpoints apart by hostname, which an override (a VPC
            # endpoint's own DNS name, a local test server) does not carry: say it.
            endpoint = "runtime" if service == "bedrock-runtime" else "mantle"
            if auth == "bearer":
                provider = bedrock(endpoint=endpoint, region=config.region, base_url=base_url,
                                   api_key=_bearer_token(config))
            else:
                # An explicit credential provider also keeps an AWS_BEARER_TOKEN_BEDROCK in the
                # environment from silently switching the SDK to bearer auth.
                provider = bedrock(endpoint=endpoint, region=config.region, base_url=base_url,
                                   credential_provider=aws_session.credentials)
            timeout = Timeout(config.timeout, connect=config.connect_timeout)
            if "http" not in _http:
                # One HTTP client (connection pool, TLS context) for every endpoint and auth
                # mode: each SDK-made client would load the CA bundle into a new SSL context.
                # Same defaults as the SDK's own; requests carry absolute URLs.
                _http["http"] = DefaultHttpxClient(timeout=timeout)
            client = OpenAI(provider=provider, max_retries=0, timeout=timeout, http_client=_http["http"])
            # The SDK imports each resource module on first attribute access; do it here,
            # under the lock, so threads never import the same package tree concurrently.
            client.models, client.chat.completions, client.responses
            _clients[key] = client
        return _clients[key]


def _web_search_outcome(response) -> tuple[str, str]:
    """A 200 answer to a web-search request: did the search run?"""
    calls = [item for item in (response.output or []) if getattr(item, "type", "") == "web_search_call"]
    statuses = sorted({str(getattr(c, "status", "?")) for c in calls})
    if any(s == "completed" for s in statuses):
        return ALLOWED, f"response {response.id}: the web search ran (web_search_call status {', '.join(statuses)})"
    # A failed or absent tool call is not a policy's refusal: nothing says why it failed.
    what = f"web_search_call status {', '.join(statuses)}" if calls else "no web_search_call in the output"
    return ERROR, f"response {response.id}: {what}; not a policy's refusal, so nothing is proven"


def _call(client, spec) -> tuple[str, str]:
    call, model = spec.params["call"], spec.params.get("model")
    if call == "models":
        ids = [m.id for m in client.models.list().data]
        return ALLOWED, f"{len(ids)} models" + (f", e.g. {', '.join(ids[:3])}" if ids else "")
    if call == "chat":
        r = client.chat.completions.create(model=model, max_tokens=32,
                                           messages=[{"role": "user", "content": PROMPT}])
        return ALLOWED, f"chat completion {r.id}, finish_reason={r.choices[0].finish_reason if r.choices else None}"
    if call == "web_search":
        r = client.responses.create(model=model, input=WEB_SEARCH_PROMPT, tools=[{"type": "web_search"}],
                                    tool_choice="required", max_output_tokens=64, store=False)
        return _web_search_outcome(r)
    # store=False: nothing of the probe's exchange is kept server-side.
    r = client.responses.create(model=model, input=PROMPT, max_output_tokens=32, store=False)
    return ALLOWED, f"response {r.id}, status={r.status}"


def _message(exc) -> str:
    """The error's own words. The SDK's text keeps only a lower-case "message"; AWS's
    authorizer answers {"Message": ...}, which the SDK leaves in .body only."""
    body = exc.body
    if isinstance(body, dict):
        text = body.get("message") or body.get("Message")
        if isinstance(text, str) and text:
            return text
    if isinstance(body, str) and body:
        return body
    return str(exc)


def classify(exc: Exception) -> tuple[str, str]:
    import openai

    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        cause = exc.__cause__ or exc
        return NETWORK_ERROR, f"{type(exc).__name__}: {type(cause).__name__}: {cause}"
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code in (401, 403):
            # mantle answers in OpenAI's shape (error.code); bedrock-runtime may answer in
            # AWS's (x-amzn-ErrorType header): take whichever names the error.
            aws_code = exc.response.headers.get("x-amzn-ErrorType", "").split(":")[0]
            return refusal(exc.status_code, exc.code or aws_code or exc.type or "", _message(exc))
        return ERROR, f"HTTP {exc.status_code}: {_message(exc)}"
    return ERROR, f"{type(exc).__name__}: {exc}"


def run(spec, config) -> dict:
    started = time.perf_counter()
    endpoint = config.openai_base_url(spec.service)
    auth = spec.params.get("auth", "sigv4")
    try:
        outcome, detail = _call(_client(config, spec.service, auth), spec)
    except Exception as exc:
        outcome, detail = classify(exc)
    if spec.params.get("model"):
        detail = f"{spec.params['model']}: {detail}"
    if auth == "bearer":
        detail = f"bearer (short-term API key): {detail}"
        if spec.params.get("note") and outcome == ERROR:
            detail = f"{spec.params['note']}; {detail}"
    return result(spec, endpoint, outcome, detail, started)
