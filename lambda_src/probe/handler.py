"""Lambda entry point of the private-Bedrock probe.

Event: {} runs every enabled check; {"checks": ["name", ...]} runs a subset; any other
shape returns a report with "error" and passed=false. The handler never raises because a
call failed: every failure is a check outcome.

Checks run concurrently in threads: they are I/O-bound, so the wall-clock of a run is
about the slowest check plus the (serialized, CPU-bound) SDK imports, not their sum.
SDKs are imported lazily by the check modules, so a subset (or a run without mantle) imports
only what it uses.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor, wait

import anthropic_checks
import aws_session
import contract
import control_plane
import dns_checks
import metrics
import openai_checks
import plan
import report
import runtime_checks

# Seconds kept back from the Lambda deadline to build and return the report.
_MARGIN = 3.0
_DEFAULT_BUDGET = 55.0
DEADLINE_DETAIL = "did not finish before the function's deadline"


# The check modules are light: each imports its SDK inside the call.
_FAMILIES = {
    "dns": dns_checks.run,
    "dns_public": dns_checks.run_public_name,
    "control": control_plane.run,
    "runtime": runtime_checks.run,
    "openai": openai_checks.run,
    "anthropic": anthropic_checks.run,
}


def _run_one(spec, config) -> dict:
    started = time.perf_counter()
    try:
        return _FAMILIES[spec.family](spec, config)
    except Exception as exc:  # a probe bug still yields a report line, not a crash
        return report.result(spec, spec.service, report.ERROR, f"probe failure: {type(exc).__name__}: {exc}", started)


def _budget(context) -> float:
    """Seconds the checks may run: always less than the time the function has left."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return _DEFAULT_BUDGET
    left = max(0.0, remaining() / 1000.0)
    # Keep the margin for the report; with less than two margins left, keep half instead.
    return left - _MARGIN if left > 2 * _MARGIN else left / 2


def collect(checks, futures, started: float) -> list[dict]:
    """One result per check: its own when it finished, "did not finish" otherwise."""
    results = []
    for spec, future in zip(checks, futures):
        # A cancelled future is "done" too (shutdown cancels checks no thread had started),
        # and its result() raises: it did not finish either.
        if future.done() and not future.cancelled():
            results.append(future.result())
        else:  # every call has its own timeout; this guards a stuck resolver and a short deadline
            results.append(report.result(spec, spec.service, report.NETWORK_ERROR, DEADLINE_DETAIL, started))
    return results


@metrics.published  # CloudWatch metrics (EMF) of every report, for the scheduled runs' alarms
def handler(event, context=None) -> dict:
    region = next((os.environ[n] for n in contract.REGION if os.environ.get(n)), "")
    kind = os.environ.get(contract.PROBE_KIND)
    try:
        config = plan.load_config()
        checks, skipped = plan.build_plan(config)
        checks = plan.select(checks, event)
    except plan.PlanError as exc:
        return report.build(region, kind, [], [], error=str(exc))

    aws_session.reset()
    openai_checks.reset()
    anthropic_checks.reset()
    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=max(1, len(checks)), thread_name_prefix="probe")
    futures = [pool.submit(_run_one, spec, config) for spec in checks]
    wait(futures, timeout=_budget(context))
    pool.shutdown(wait=False, cancel_futures=True)

    out = report.build(config.region, config.kind, collect(checks, futures, started), skipped)
    out["sdk_versions"] = _sdk_versions()
    return out


def _sdk_versions() -> dict:
    # Which botocore the runtime gave us matters (the bundle relies on the runtime's copy);
    # report only what this run actually imported.
    import sys

    return {name: getattr(sys.modules[name], "__version__", "?")
            for name in ("botocore", "openai") if name in sys.modules}
