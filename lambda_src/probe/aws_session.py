"""One botocore session for every check, bounded timeouts, and botocore error -> outcome.

botocore (not boto3) because the probe only needs clients and credentials: skipping boto3's
resource layer saves import time on a cold start. botocore comes from the Lambda runtime.
"""

from __future__ import annotations

import threading

from report import ALLOWED, ERROR, NETWORK_ERROR, refusal

# botocore sessions are not thread-safe (clients are), and first imports of big packages
# from several threads at once can trip Python's import deadlock detection. So every SDK
# import and client creation (openai_checks uses it too) goes through this one lock; that
# costs nothing because that work is CPU-bound under the GIL anyway.
lock = threading.RLock()
_session = None
_clients: dict[str, object] = {}
# botocore's data loader (the service models and endpoint tables it has parsed) outlives the
# session: it holds only files shipped with botocore, so a warm invocation need not parse the
# bedrock and bedrock-runtime models again.
_loader = None


def reset() -> None:
    """Forget the session: each invocation reads its environment and credentials afresh
    (the parsed service models are kept)."""
    global _session
    with lock:
        _session = None
        _clients.clear()


def session():
    # Creating a session loads config and endpoint data: do it once, share it.
    global _session, _loader
    with lock:
        if _session is None:
            import botocore.session

            _session = botocore.session.get_session()
            if _loader is None:
                _loader = _session.get_component("data_loader")
            else:
                _session.register_component("data_loader", _loader)
        return _session


def client(service: str, config):
    # One client per service and invocation, shared by the checks (botocore clients are
    # thread-safe): creating one resolves endpoints and builds the service's operation model.
    with lock:
        if service not in _clients:
            _clients[service] = _new_client(service, config)
        return _clients[service]


def _new_client(service: str, config):
    with lock:
        from botocore.config import Config

    cfg = Config(
        region_name=config.region,
        connect_timeout=config.connect_timeout,
        read_timeout=config.timeout,
        # One attempt: a retry would hide throttling and blow the Lambda time budget.
        retries={"total_max_attempts": 1, "mode": "standard"},
        user_agent_extra="private-bedrock-probe",
    )
    # Endpoint overrides (AWS_ENDPOINT_URL_BEDROCK[_RUNTIME]) are applied by botocore itself.
    with lock:
        return session().create_client(service, config=cfg)


def credentials():
    with lock:
        creds = session().get_credentials()
    if creds is None:
        raise RuntimeError("no AWS credentials in the function's environment")
    return creds


def classify(exc: Exception) -> tuple[str, str]:
    """(outcome, detail) for an exception raised by a botocore call."""
    from botocore import exceptions as bx

    if isinstance(exc, bx.ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code", "")
        message = err.get("Message", "") or str(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status in (401, 403) or code.startswith("AccessDenied"):
            return refusal(status, code, message)  # "denied" only when a policy refused
        return ERROR, f"HTTP {status} {code}: {message}"
    # Timeouts, refused connections and unresolvable hosts: the call never got an answer,
    # which says nothing about policy.
    network = (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError,
               bx.ConnectionClosedError, bx.HTTPClientError)
    if isinstance(exc, network):
        return NETWORK_ERROR, f"{type(exc).__name__}: {exc}"
    return ERROR, f"{type(exc).__name__}: {exc}"


def ok(detail: str) -> tuple[str, str]:
    return ALLOWED, detail
