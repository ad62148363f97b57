"""The probe never passes for the wrong reason: refusals that are not a policy's, endpoints
that time out or refuse the connection, and a deadline that cuts the run short.

The real handler, real SDKs, real HTTP to local servers that answer with AWS's own shapes
and words (tests/fakes/bedrock_servers.py).
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fakes.bedrock_servers import (  # noqa: E402
    ACCOUNT_NOT_ENABLED,
    MARKETPLACE,
    MODEL_ACCESS_NOT_ENABLED,
    FakeBedrock,
    Policy,
    SilentServer,
    closed_port_url,
)
from tests.fakes.probe_env import FakeContext, by_name, failures, load_handler, run  # noqa: E402,F401

DNS = ("dns_bedrock", "dns_bedrock_runtime", "dns_bedrock_mantle", "dns_public_name_blocked")


def calls(report):
    return [c for c in report["checks"] if c["name"] not in DNS]


def join_probe_threads() -> None:
    """Let the checks the handler left running finish while their fake still listens: a late
    connection to a closed fake's port could reach the next test's fake on the same port."""
    for thread in threading.enumerate():
        if thread.name.startswith("probe"):
            thread.join(timeout=30)


@pytest.mark.parametrize("kind, refusal, reason", [("vpc", MODEL_ACCESS_NOT_ENABLED, "model access is not enabled"),
                                                   ("control", MODEL_ACCESS_NOT_ENABLED, "model access is not enabled"),
                                                   ("control", ACCOUNT_NOT_ENABLED, "account is not enabled"),
                                                   ("control", MARKETPLACE, "Marketplace subscription")])
def test_access_denied_for_another_reason_is_an_error_not_a_denial(run, kind, refusal, reason):
    # Every call is refused with AccessDenied, but not by a policy: a control probe (which
    # expects every call denied) and the VPC probe's denied-model checks must all fail.
    with FakeBedrock(policy=Policy(refusal=refusal)) as fake:
        report = run(fake, PROBE_KIND=kind)
    assert not report["passed"]
    assert {c["outcome"] for c in calls(report)} == {"error"}, failures(report)
    assert all(not c["passed"] for c in calls(report))
    assert all("not by a policy (" in c["detail"] and reason in c["detail"] for c in calls(report)), failures(report)


def test_the_same_refusal_from_a_policy_passes_the_control_probe(run):
    # The counterpart of the test above: same endpoints, the refusal now names a policy.
    with FakeBedrock(policy=Policy.deny_all()) as fake:
        report = run(fake, PROBE_KIND="control")
    assert report["passed"], failures(report)


def test_control_probe_against_endpoints_that_time_out_fails(run):
    with SilentServer() as silent:
        report = run(silent.url, PROBE_KIND="control", PROBE_TIMEOUT_SECONDS="0.5")
    assert report["checks"] and {c["outcome"] for c in report["checks"]} == {"network_error"}, failures(report)
    assert not report["passed"]


def test_control_probe_against_endpoints_that_refuse_the_connection_fails(run):
    report = run(closed_port_url(), PROBE_KIND="control", PROBE_TIMEOUT_SECONDS="2")
    assert report["checks"] and {c["outcome"] for c in report["checks"]} == {"network_error"}, failures(report)
    assert all(("connect" in c["detail"].lower()) for c in report["checks"]), failures(report)
    assert not report["passed"]


def test_a_call_that_outlives_the_deadline_is_not_reported_as_its_answer(run):
    # Every endpoint answers with the expected policy denial, but only after 2.5 s, while the
    # function has 1.2 s left: the handler must report what it saw by its deadline (nothing),
    # never the outcome the check expected.
    # (Had the handler waited for the answers, the outcomes would read "denied".)
    with FakeBedrock(policy=Policy.deny_all(), delay_seconds=2.5) as fake:
        report = run(fake, EXPECT_ALLOWED="denied", context=FakeContext(1200), PROBE_TIMEOUT_SECONDS="5")
        join_probe_threads()
    unfinished = calls(report)
    assert unfinished and {c["outcome"] for c in unfinished} == {"network_error"}, failures(report)
    assert all(c["detail"] == load_handler().DEADLINE_DETAIL and not c["passed"] for c in unfinished)
    assert not report["passed"]


def test_no_time_left_reports_every_check_unfinished_without_raising(run):
    # With no time left the pool is shut down before some checks even start: those futures
    # are cancelled, and a cancelled future must be reported, not have its result() raise.
    with FakeBedrock(policy=Policy.deny_all(), delay_seconds=1.0) as fake:
        report = run(fake, EXPECT_ALLOWED="denied", context=FakeContext(0))
        join_probe_threads()
    assert len(calls(report)) == 17  # every call check the default environment plans
    assert {c["outcome"] for c in calls(report)} == {"network_error"}, failures(report)
    assert not report["passed"]


def test_a_cancelled_or_running_check_is_reported_unfinished():
    handler = load_handler()  # puts the probe's flat modules on sys.path, as Lambda does
    import plan
    specs = [plan.CheckSpec(n, "runtime", "bedrock-runtime", "denied") for n in ("cancelled", "running", "finished")]
    cancelled, running, finished = Future(), Future(), Future()
    assert cancelled.cancel() and running.set_running_or_notify_cancel()
    finished.set_result({"name": "finished", "outcome": "denied", "passed": True})
    results = handler.collect(specs, [cancelled, running, finished], time.perf_counter())
    assert [(r["name"], r["outcome"], r["passed"]) for r in results] == [
        ("cancelled", "network_error", False), ("running", "network_error", False), ("finished", "denied", True)]


@pytest.mark.parametrize("remaining_ms, budget", [(60_000, 57.0), (6_000, 3.0), (4_000, 2.0), (0, 0.0)])
def test_the_budget_always_leaves_time_for_the_report(remaining_ms, budget):
    assert load_handler()._budget(FakeContext(remaining_ms)) == pytest.approx(budget)
