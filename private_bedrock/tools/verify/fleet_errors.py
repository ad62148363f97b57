"""One sentence for an AWS error met while verifying a fleet (private_bedrock/tools/verify/fleet.py)."""

from __future__ import annotations

# Error codes AWS answers a throttled call with (botocore's standard retry mode retries
# these; listed here to report them by name when every retry was spent).
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException",
})


def error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    return (response or {}).get("Error", {}).get("Code") if isinstance(response, dict) else None


def explain(exc: Exception, doing: str) -> str:
    from botocore import exceptions as bx

    if isinstance(exc, bx.NoCredentialsError):
        return "No AWS credentials were found; use the StackSet administrator account's (for example AWS_PROFILE) and run again."
    if isinstance(exc, bx.ClientError):
        err = exc.response.get("Error", {})
        if err.get("Code") in THROTTLING_CODES:
            return f"AWS kept throttling {doing} ({err.get('Code')}) after every retry: {err.get('Message')}; run again later or with fewer --workers."
        return f"AWS refused {doing} ({err.get('Code')}): {err.get('Message')}."
    if isinstance(exc, bx.BotoCoreError):
        return f"Could not reach AWS while {doing}: {exc}."
    # Anything else is a bug, but one account's must not hide the other accounts' results.
    return f"{doing} failed unexpectedly: {type(exc).__name__}: {exc}"
