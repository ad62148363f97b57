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

import aws_session
import control_plane
import dns_checks
import mantle_checks
import metrics
import plan
import report
import runtime_checks

# Seconds kept back from the Lambda deadline to build and return the report.
_MARGIN = 3.0
_DEFAULT_BUDGET = 55.0


# The check modules are light: each imports its SDK inside the call.
_FAMILIES = {"dns": dns_checks, "control": control_plane, "runtime": runtime_checks, "mantle": mantle_checks}


def _run_one(spec, config) -> dict:
    started = time.perf_counter()
    try:
        return _FAMILIES[spec.family].run(spec, config)
    except Exception as exc:  # a probe bug still yields a report line, not a crash
        return report.result(spec, spec.service, report.ERROR, f"probe failure: {type(exc).__name__}: {exc}", started)


def _budget(context) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        return max(1.0, remaining() / 1000.0 - _MARGIN)
    return _DEFAULT_BUDGET


@metrics.published  # CloudWatch metrics (EMF) of every report, for the scheduled runs' alarms
def handler(event, context=None) -> dict:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
    kind = os.environ.get("PROBE_KIND")
    try:
        config = plan.load_config()
        checks, skipped = plan.build_plan(config)
        checks = plan.select(checks, event)
    except plan.PlanError as exc:
        return report.build(region, kind, [], [], error=str(exc))

    aws_session.reset()
    mantle_checks.reset()
    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="probe")
    futures = [pool.submit(_run_one, spec, config) for spec in checks]
    wait(futures, timeout=_budget(context))
    pool.shutdown(wait=False, cancel_futures=True)

    results = []
    for spec, future in zip(checks, futures):
        if future.done():
            results.append(future.result())
        else:  # every call has its own timeout; this only guards against a stuck resolver
            results.append(report.result(spec, spec.service, report.NETWORK_ERROR,
                                         "did not finish before the function's deadline", started))
    out = report.build(config.region, config.kind, results, skipped)
    out["sdk_versions"] = _sdk_versions()
    return out


def _sdk_versions() -> dict:
    # Which botocore the runtime gave us matters (the bundle relies on the runtime's copy);
    # report only what this run actually imported.
    import sys

    return {name: getattr(sys.modules[name], "__version__", "?")
            for name in ("botocore", "openai") if name in sys.modules}
