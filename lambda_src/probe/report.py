"""Check results, the words that explain a refusal, and the report the verify CLI reads."""

from __future__ import annotations

import re
import time

ALLOWED, DENIED, NETWORK_ERROR, ERROR = "allowed", "denied", "network_error", "error"
DETAIL_MAX = 400

# A refusal counts as "denied" only when AWS's message says IAM refused a Bedrock action:
# "User: <arn> is not authorized to perform: bedrock:InvokeModel on resource: <arn> because
# no VPC endpoint policy allows the bedrock:InvokeModel action" (bedrock, bedrock-runtime),
# "... bedrock-mantle:CreateInference on resource: ...project/default (no identity-based
# policy allows the action)" (mantle, [field]), "... with an explicit deny in a service
# control policy: arn:aws:organizations::...". An AccessDenied for any other reason (model
# access not enabled, Marketplace subscription, account not enabled, legacy model) is not our
# policies at work, so it is an "error" that fails the check whatever the check expected.
_IAM_REFUSAL = re.compile(r"is not authori[sz]ed to perform: ([a-z0-9-]+):([A-Za-z0-9]+)")
# The IAM prefixes whose refusals the probe's checks are about.
POLICED_PREFIXES = frozenset({"bedrock", "bedrock-mantle", "bedrock-websearch"})
_POLICY = (r"(VPC endpoint policy|identity-based policy|resource-based policy|service control policy"
           r"|resource control policy|permissions boundary|session policy)")
_NO_ALLOW = re.compile(r"\bno " + _POLICY + r" allows", re.I)
_EXPLICIT = re.compile(r"\bexplicit deny in an? " + _POLICY, re.I)
# AccessDenied messages AWS sends for reasons other than a policy, and what they mean.
_OTHER_REASONS = (
    (re.compile(r"don't have access to the model", re.I), "model access is not enabled for this account"),
    (re.compile(r"AWS Marketplace", re.I), "the model's AWS Marketplace subscription is missing"),
    (re.compile(r"account is not authori[sz]ed to invoke this API", re.I),
     "the account is not enabled for this API in this region"),
    (re.compile(r"\bLegacy\b", re.I), "the model is legacy and no longer available to this account"),
    (re.compile(r"use case details", re.I), "the model provider's use-case form has not been submitted"),
    (re.compile(r"agreement|EULA", re.I), "the model's agreement has not been accepted"),
)
# 401/403 codes about the caller's credentials or signature, not a policy decision.
NOT_A_POLICY_DECISION = frozenset({
    "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch",
    "IncompleteSignature", "InvalidClientTokenId", "ExpiredTokenException", "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "invalid_request_signature", "invalid_api_key",
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


def refusal(status: object, code: str, message: str) -> tuple[str, str]:
    """(outcome, detail) for an HTTP 401/403 answer: DENIED only for a policy's refusal."""
    message = message or ""
    head = f"HTTP {status} {code}".rstrip()
    if code in NOT_A_POLICY_DECISION:
        return ERROR, f"not a policy decision (credentials or signature); {head}: {message}"
    m = _IAM_REFUSAL.search(message)
    if m and m.group(1) in POLICED_PREFIXES:
        return DENIED, f"denied_by: {denied_by(message)}; {head}: {message}"
    if m:
        return ERROR, (f"refused for {m.group(1)}:{m.group(2)}, not for the Bedrock action this check is "
                       f"about (a prerequisite, not our policies); {head}: {message}")
    reason = next((why for pattern, why in _OTHER_REASONS if pattern.search(message)), "reason not stated")
    return ERROR, f"access denied, not by a policy ({reason}); {head}: {message}"


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
