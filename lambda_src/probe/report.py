"""Check results, the words that explain a denial, and the report the verify CLI reads."""

from __future__ import annotations

import re
import time

ALLOWED, DENIED, NETWORK_ERROR, ERROR = "allowed", "denied", "network_error", "error"
DETAIL_MAX = 400

# AWS names the policy type in the reason clause of an AccessDenied message, e.g.
# "... because no VPC endpoint policy allows the bedrock:InvokeModel action" or
# "... with an explicit deny in an identity-based policy".
_POLICY = (r"(VPC endpoint policy|identity-based policy|resource-based policy|service control policy"
           r"|resource control policy|permissions boundary|session policy)")
_NO_ALLOW = re.compile(r"because no " + _POLICY + r" allows", re.I)
_EXPLICIT = re.compile(r"with an explicit deny in an? " + _POLICY, re.I)
# What a 401/403 from mantle must say before it counts as an authorization decision;
# a bare 401 can also mean "wrong path prefix", which is a configuration error.
# "bearer" alone is not such a word: "The bearer token has expired" is a broken key, and
# counting it as a denial would let the bearer check pass without any policy deciding.
_AUTHZ_WORDS = re.compile(
    r"not authori[sz]ed|access[ _-]?denied|explicit deny|forbidden|permission|not allowed", re.I)
# 403s that are about the caller's credentials or signature, not a policy decision:
# counting them as "denied" would let a broken probe pass the control checks.
NOT_A_POLICY_DECISION = frozenset({
    "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch",
    "IncompleteSignature", "InvalidClientTokenId", "ExpiredTokenException", "MissingAuthenticationToken",
})


def denied_by(message: str) -> str:
    """Short phrase naming the policy that denied, from the AWS message when it tells."""
    m = _EXPLICIT.search(message or "")
    if m:
        return f"{m.group(1)} (explicit deny)"
    m = _NO_ALLOW.search(message or "")
    if m:
        return f"{m.group(1)} (no allow)"
    return "not stated in the message"


def looks_like_authz(message: str) -> bool:
    return bool(_AUTHZ_WORDS.search(message or ""))


def denial_detail(status: object, code: str, message: str) -> str:
    return f"denied_by: {denied_by(message)}; HTTP {status} {code}: {message}"


def result(spec, endpoint: str, outcome: str, detail: str, started: float) -> dict:
    detail = " ".join(str(detail).split())
    if len(detail) > DETAIL_MAX:
        detail = detail[: DETAIL_MAX - 1] + "…"
    return {
        "name": spec.name,
        "endpoint": endpoint,
        "expected": spec.expected,
        "outcome": outcome,
        "passed": outcome == spec.expected,
        "detail": detail,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def build(region: str, kind: str | None, checks: list[dict], skipped: list[dict], error: str | None = None) -> dict:
    report = {
        # No checks at all is not a pass: an empty run proves nothing.
        "passed": error is None and bool(checks) and all(c["passed"] for c in checks),
        "region": region,
        "probe_kind": kind,
        "checks": checks,
        "skipped": skipped,
    }
    if error is not None:
        report["error"] = error
    return report
