"""CloudWatch metrics of a probe run, printed in the embedded metric format (EMF).

Lambda sends stdout to the function's log group and CloudWatch turns each EMF line into
metric data: no PutMetricData permission, no SDK call, no endpoint to reach from the VPC.
The report the handler returns is not changed.

One line per dimension set (an EMF document gives each metric name one value):
  {ProbeKind}            Runs (full-plan runs only), ChecksPassed, Mismatches, ReportError
  {ProbeKind, Check}     Mismatch, LatencyMs
  {ProbeKind, Endpoint}  Mismatches
The names are mirrored in private_bedrock/monitoring/metric_names.py; a test runs the real handler
and checks that what it prints is exactly what the alarms watch.
"""

from __future__ import annotations

import functools
import json
import sys
import time

import plan

NAMESPACE = "PrivateBedrock/Probe"
KIND, CHECK, ENDPOINT = "ProbeKind", "Check", "Endpoint"


def _document(dimensions: dict, values: dict, units: dict, timestamp_ms: int) -> dict:
    return {
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [list(dimensions)],
                "Metrics": [{"Name": name, "Unit": units[name]} for name in values],
            }],
        },
        **dimensions,
        **values,
    }


def _services_by_check() -> dict:
    """Check name -> endpoint service, from the same plan the handler ran (the report's
    "endpoint" is a URL, which would make a poor dimension)."""
    try:
        checks, _ = plan.build_plan(plan.load_config())
    except plan.PlanError:
        return {}
    return {spec.name: spec.service for spec in checks}


def is_mismatch(check: dict) -> bool:
    """A check whose outcome is not what the deployment expects: a leak (allowed, expected
    denied), a refusal where access was promised (denied, expected allowed), an endpoint that
    could not be reached or answered with an error (network_error, error). Judged from the
    outcome and the expectation, not only from the check's own "passed"."""
    return check.get("outcome") != check.get("expected") or not check.get("passed")


def documents(report: dict, *, full_run: bool, now_ms: int | None = None) -> list[dict]:
    """The EMF documents for one report (pure: the tests read them without printing).

    Runs counts full-plan runs only: the unreported-run alarm compares it with Lambda's
    Invocations, which counts every invocation, so a run of a chosen subset (anyone allowed
    to invoke the probe can send one) shows there as a run that did not report, instead of
    standing in for the scheduled proof of every check."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    kind = {KIND: report.get("probe_kind") or "unknown"}
    checks = report.get("checks") or []
    mismatches = sum(1 for c in checks if is_mismatch(c))
    summary = {"ChecksPassed": len(checks) - mismatches, "Mismatches": mismatches,
               # A run that could not even plan its checks is an error, not a silent pass.
               "ReportError": 1 if "error" in report or not checks else 0}
    if full_run:
        summary = {"Runs": 1, **summary}
    docs = [_document(kind, summary, {name: "Count" for name in summary}, now_ms)]
    services = _services_by_check()
    by_endpoint: dict[str, int] = {}
    for c in checks:
        docs.append(_document(
            {**kind, CHECK: c["name"]},
            {"Mismatch": 1 if is_mismatch(c) else 0, "LatencyMs": float(c.get("latency_ms") or 0.0)},
            {"Mismatch": "Count", "LatencyMs": "Milliseconds"},
            now_ms,
        ))
        service = services.get(c["name"])
        if service:
            by_endpoint[service] = by_endpoint.get(service, 0) + (1 if is_mismatch(c) else 0)
    for service, count in sorted(by_endpoint.items()):
        docs.append(_document({**kind, ENDPOINT: service}, {"Mismatches": count}, {"Mismatches": "Count"}, now_ms))
    return docs


def emit(report: dict, *, full_run: bool, stream=None) -> None:
    """Print one EMF line per document; never lets a metrics problem spoil the report."""
    out = stream or sys.stdout
    try:
        for doc in documents(report, full_run=full_run):
            out.write(json.dumps(doc, separators=(",", ":")) + "\n")
        out.flush()
    except Exception as exc:  # the report is what verify reads: it must come back regardless
        print(f"metrics not emitted: {type(exc).__name__}: {exc}", file=sys.stderr)


def published(handler):
    """Decorator for the Lambda handler: emit the metrics of every report it returns."""

    @functools.wraps(handler)
    def run(event, context=None):
        report = handler(event, context)
        emit(report, full_run=plan.runs_everything(event))
        return report

    return run
