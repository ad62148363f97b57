"""bedrock-mantle (OpenAI-compatible API) through the OpenAI Python SDK.

Requests are SigV4-signed by the SDK's own Bedrock provider (openai.providers.bedrock)
with the function role's credentials: no API key, no secret. The bearer check derives a
real short-term Bedrock API key from the same role (aws-bedrock-token-generator: a
presigned CallWithBearerToken URL), so its outcome says what the policies do with API keys.
"""

from __future__ import annotations

import time
from datetime import timedelta

import aws_session
from report import ALLOWED, DENIED, ERROR, NETWORK_ERROR, denial_detail, looks_like_authz, result

PROMPT = "Reply with OK."
_clients: dict[str, object] = {}


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


def _client(config, auth: str):
    # One client per auth mode, shared by the threads (the SDK client is thread-safe).
    with aws_session.lock:
        if auth not in _clients:
            import botocore.auth  # noqa: F401  the SDK's signer imports these lazily, per request
            import botocore.awsrequest  # noqa: F401
            from openai import DefaultHttpxClient, OpenAI, Timeout
            from openai.providers import bedrock

            base_url = config.mantle_base_url()
            if auth == "bearer":
                provider = bedrock(region=config.region, base_url=base_url, api_key=_bearer_token(config))
            else:
                # An explicit credential provider also keeps an AWS_BEARER_TOKEN_BEDROCK in the
                # environment from silently switching the SDK to bearer auth.
                provider = bedrock(region=config.region, base_url=base_url,
                                   credential_provider=aws_session.credentials)
            timeout = Timeout(config.timeout, connect=config.connect_timeout)
            if "http" not in _clients:
                # One HTTP client (connection pool, TLS context) for both auth modes: each
                # SDK-made client would load the CA bundle into a new SSL context. Same
                # defaults as the SDK's own (DefaultHttpxClient), same base URL and timeout.
                _clients["http"] = DefaultHttpxClient(base_url=base_url, timeout=timeout)
            client = OpenAI(provider=provider, max_retries=0, timeout=timeout, http_client=_clients["http"])
            # The SDK imports each resource module on first attribute access; do it here,
            # under the lock, so threads never import the same package tree concurrently.
            client.models, client.chat.completions, client.responses
            _clients[auth] = client
        return _clients[auth]


def _call(client, spec) -> str:
    call, model = spec.params["call"], spec.params.get("model")
    if call == "models":
        ids = [m.id for m in client.models.list().data]
        return f"{len(ids)} models" + (f", e.g. {', '.join(ids[:3])}" if ids else "")
    if call == "chat":
        r = client.chat.completions.create(model=model, max_tokens=32,
                                           messages=[{"role": "user", "content": PROMPT}])
        return f"{model}: chat completion {r.id}, finish_reason={r.choices[0].finish_reason if r.choices else None}"
    # store=False: nothing of the probe's exchange is kept server-side.
    r = client.responses.create(model=model, input=PROMPT, max_output_tokens=32, store=False)
    return f"{model}: response {r.id}, status={r.status}"


def classify(exc: Exception) -> tuple[str, str]:
    import openai

    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        cause = exc.__cause__ or exc
        return NETWORK_ERROR, f"{type(exc).__name__}: {type(cause).__name__}: {cause}"
    if isinstance(exc, openai.APIStatusError):
        message = str(exc)
        if exc.status_code in (401, 403) and looks_like_authz(message):
            return DENIED, denial_detail(exc.status_code, exc.code or exc.type or "", message)
        return ERROR, f"HTTP {exc.status_code}: {message}"
    return ERROR, f"{type(exc).__name__}: {exc}"


def run(spec, config) -> dict:
    started = time.perf_counter()
    endpoint = config.mantle_base_url()
    try:
        detail = _call(_client(config, spec.params.get("auth", "sigv4")), spec)
        outcome = ALLOWED
    except Exception as exc:
        outcome, detail = classify(exc)
        if spec.params.get("model"):
            detail = f"{spec.params['model']}: {detail}"
    if spec.params.get("auth") == "bearer":
        detail = f"bearer (short-term API key): {detail}"
    return result(spec, endpoint, outcome, detail, started)
