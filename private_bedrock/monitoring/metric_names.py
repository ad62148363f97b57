"""What the probe publishes (lambda_src/probe/metrics.py) and which checks each probe runs.

The probe is plain Python without CDK, so the names live twice; tests/unit/test_probe_metrics.py
runs the real handler and fails if the two ever disagree.
"""

from __future__ import annotations

NAMESPACE = "PrivateBedrock/Probe"
KIND, CHECK, ENDPOINT = "ProbeKind", "Check", "Endpoint"
PROBE_KINDS = ("vpc", "control")

# {ProbeKind}
RUNS, CHECKS_PASSED, MISMATCHES, REPORT_ERROR = "Runs", "ChecksPassed", "Mismatches", "ReportError"
# {ProbeKind, Check}: MISMATCH and LATENCY; {ProbeKind, Endpoint}: MISMATCHES
MISMATCH, LATENCY = "Mismatch", "LatencyMs"
# The unit the probe publishes each metric with. An alarm must name it: without a Unit, an
# alarm reads the datapoints of every unit, and with more than one its behaviour is undefined
# (PutMetricAlarm, "Unit"), so a datapoint fed with another unit could unsettle it.
UNITS = {RUNS: "Count", CHECKS_PASSED: "Count", MISMATCHES: "Count", REPORT_ERROR: "Count", MISMATCH: "Count", LATENCY: "Milliseconds"}

PROBED_SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle")
# The DNS firewall check's "endpoint" is the VPC resolver.
RESOLVER_CHECK = ("dns_public_name_blocked", "vpc-resolver")
_CALL_CHECKS = (
    ("control_list_foundation_models", "bedrock"),
    ("runtime_converse_allowed_model", "bedrock-runtime"),
    ("runtime_converse_denied_model", "bedrock-runtime"),
    ("runtime_anthropic_messages_allowed_model", "bedrock-runtime"),
    ("runtime_anthropic_messages_denied_model", "bedrock-runtime"),
    ("runtime_anthropic_native_messages_allowed_model", "bedrock-runtime"),
    ("runtime_anthropic_native_messages_denied_model", "bedrock-runtime"),
    ("runtime_openai_chat_allowed_model", "bedrock-runtime"),
    ("runtime_openai_responses_allowed_model", "bedrock-runtime"),
    ("runtime_openai_chat_denied_model", "bedrock-runtime"),
    ("runtime_openai_bearer_token", "bedrock-runtime"),
    ("mantle_models_list", "bedrock-mantle"),
    ("mantle_chat_allowed_model", "bedrock-mantle"),
    ("mantle_responses_allowed_model", "bedrock-mantle"),
    ("mantle_chat_denied_model", "bedrock-mantle"),
    ("mantle_responses_denied_model", "bedrock-mantle"),
    ("mantle_anthropic_messages_allowed_model", "bedrock-mantle"),
    ("mantle_anthropic_messages_denied_model", "bedrock-mantle"),
    ("mantle_web_search_tool", "bedrock-mantle"),
    ("mantle_bearer_token", "bedrock-mantle"),
)


def probe_checks(kind: str, endpoints: tuple[str, ...]) -> list[tuple[str, str]]:
    """(check, service) the probe of this kind may run, in lambda_src/probe/plan.py's order.

    A superset: the plan skips some checks by configuration (no OpenAI model allow-listed on
    bedrock-runtime, API keys unsupported in the region, no public name to try); their
    dashboard lines then stay empty. The control probe runs outside the VPC: no DNS checks.
    """
    dns = [] if kind == "control" else [("dns_" + s.replace("-", "_"), s) for s in PROBED_SERVICES if s in endpoints] + [RESOLVER_CHECK]
    return dns + [(name, service) for name, service in _CALL_CHECKS if service in endpoints]


def custom_metric_count(endpoints: tuple[str, ...]) -> int:
    """Distinct metrics (name x dimension values) a region publishes at most: what CloudWatch bills."""
    total = 0
    for kind in PROBE_KINDS:
        checks = probe_checks(kind, endpoints)
        total += 4  # Runs, ChecksPassed, Mismatches, ReportError
        total += 2 * len(checks)  # Mismatch, LatencyMs per check
        total += len({service for _, service in checks})  # Mismatches per endpoint
    return total
