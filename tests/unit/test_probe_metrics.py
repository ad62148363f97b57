"""The probe's CloudWatch metrics (EMF), printed by the real handler against the local fakes.

The alarms in the template watch these metrics; a test here reads the synthesized alarm and
checks that a mismatch produces exactly the namespace, name and dimensions it watches.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from stacks.monitoring import metric_names as names  # noqa: E402
from tests.fakes.bedrock_servers import Credentials, FakeBedrock, Policy  # noqa: E402
from tests.fakes.probe_env import PROBE_DIR, load_handler, set_probe_env  # noqa: E402


@pytest.fixture
def run(monkeypatch, tmp_path, capsys):
    """run(fake, event={}, **env) -> (report, EMF documents printed on stdout)."""

    def _run(target, event=None, **env):
        fake = isinstance(target, FakeBedrock)
        creds = target.credentials if fake else Credentials()
        set_probe_env(monkeypatch, tmp_path, url=None if fake else target, urls=target.urls if fake else None, credentials=creds, **env)
        capsys.readouterr()
        report = load_handler().handler({} if event is None else event, None)
        lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
        return report, [json.loads(line) for line in lines]

    return _run


def metric_values(docs: list[dict]) -> dict[tuple, float]:
    """(namespace, metric name, ((dimension, value), ...)) -> value, as CloudWatch extracts them."""
    out = {}
    for doc in docs:
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for dims in directive["Dimensions"]:
                key_dims = tuple(sorted((d, doc[d]) for d in dims))
                for metric in directive["Metrics"]:
                    out[(directive["Namespace"], metric["Name"], key_dims)] = doc[metric["Name"]]
    return out


def summary(kind: str, metric: str) -> tuple:
    return (names.NAMESPACE, metric, ((names.KIND, kind),))


def test_a_passing_run_publishes_runs_passes_and_no_mismatch(run) -> None:
    with FakeBedrock() as fake:
        report, docs = run(fake)
    assert report["passed"]
    values = metric_values(docs)
    assert values[summary("vpc", names.RUNS)] == 1
    assert values[summary("vpc", names.MISMATCHES)] == 0
    assert values[summary("vpc", names.CHECKS_PASSED)] == len(report["checks"]) >= 12
    assert values[summary("vpc", names.REPORT_ERROR)] == 0
    for check in report["checks"]:
        dims = tuple(sorted(((names.KIND, "vpc"), (names.CHECK, check["name"]))))
        assert values[(names.NAMESPACE, names.MISMATCH, dims)] == 0
        assert values[(names.NAMESPACE, names.LATENCY, dims)] == check["latency_ms"]
    per_endpoint = {dict(k[2])[names.ENDPOINT]: v for k, v in values.items() if names.ENDPOINT in dict(k[2])}
    assert {"bedrock", "bedrock-runtime", "bedrock-mantle"} <= set(per_endpoint) and set(per_endpoint.values()) == {0}
    # Every document is valid EMF: a millisecond timestamp and units on each metric.
    for doc in docs:
        assert isinstance(doc["_aws"]["Timestamp"], int) and doc["_aws"]["Timestamp"] > 1_600_000_000_000
        assert all(mt["Unit"] in ("Count", "Milliseconds") for d in doc["_aws"]["CloudWatchMetrics"] for mt in d["Metrics"])


def test_a_mismatch_is_counted_by_check_by_endpoint_and_in_total(run) -> None:
    # The endpoint policy lets a model through that the deployment promises to refuse.
    with FakeBedrock(policy=Policy(mantle_models={"openai.gpt-oss-20b", "openai.gpt-oss-120b"})) as fake:
        report, docs = run(fake)
    assert not report["passed"]
    values = metric_values(docs)
    assert values[summary("vpc", names.MISMATCHES)] == 2
    assert values[summary("vpc", names.CHECKS_PASSED)] == len(report["checks"]) - 2
    failed = {k[2]: v for k, v in values.items() if k[1] == names.MISMATCH and v}
    assert {dict(d)[names.CHECK] for d in failed} == {"mantle_chat_denied_model", "mantle_responses_denied_model"}
    mantle = (names.NAMESPACE, names.MISMATCHES, tuple(sorted(((names.KIND, "vpc"), (names.ENDPOINT, "bedrock-mantle")))))
    runtime = (names.NAMESPACE, names.MISMATCHES, tuple(sorted(((names.KIND, "vpc"), (names.ENDPOINT, "bedrock-runtime")))))
    assert values[mantle] == 2 and values[runtime] == 0


def alarm_metric(template: dict, alarm_suffix: str) -> dict:
    (alarm,) = [r["Properties"] for r in template["Resources"].values()
                if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"]["AlarmName"].endswith(alarm_suffix)]
    return alarm


def test_the_mismatch_alarm_watches_exactly_what_a_mismatch_publishes(run, templates) -> None:
    alarm = alarm_metric(templates["us-east-1"], "-vpc-probe-mismatch")
    watched = (alarm["Namespace"], alarm["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in alarm["Dimensions"])))
    with FakeBedrock(policy=Policy(mantle_models={"openai.gpt-oss-20b", "openai.gpt-oss-120b"})) as fake:
        _, docs = run(fake)
    values = metric_values(docs)
    assert watched in values, (watched, sorted(values)[:5])
    # The alarm fires at its threshold with this value, and not with a passing run's.
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert values[watched] >= alarm["Threshold"] > 0


def test_the_missed_run_alarm_watches_the_runs_a_run_publishes(run, templates) -> None:
    alarm = alarm_metric(templates["us-east-1"], "-control-probe-missed-run")
    watched = (alarm["Namespace"], alarm["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in alarm["Dimensions"])))
    with FakeBedrock(policy=Policy.deny_all()) as fake:
        report, docs = run(fake, PROBE_KIND="control")
    assert report["passed"]
    assert metric_values(docs)[watched] == 1 >= alarm["Threshold"]  # one run: not "less than 1"


def test_a_report_error_publishes_report_error_and_no_checks(run) -> None:
    report, docs = run("http://127.0.0.1:9", event={"checks": ["no_such_check"]})
    assert report["error"]
    values = metric_values(docs)
    assert values[summary("vpc", names.REPORT_ERROR)] == 1
    assert values[summary("vpc", names.RUNS)] == 1
    assert not [k for k in values if k[1] == names.MISMATCH]


def test_the_report_is_unchanged_and_survives_a_broken_stdout(run) -> None:
    with FakeBedrock() as fake:
        report, _ = run(fake, event={"checks": ["runtime_converse_denied_model"]})
    assert set(report) == {"passed", "region", "probe_kind", "checks", "skipped", "sdk_versions"}
    metrics = sys.modules["metrics"]

    class Broken(io.StringIO):
        def write(self, _):
            raise OSError("stdout closed")

    metrics.emit(report, stream=Broken())  # must not raise


def test_the_stack_and_the_probe_agree_on_names_and_checks() -> None:
    load_handler()
    metrics, plan = sys.modules["metrics"], sys.modules["plan"]
    assert (metrics.NAMESPACE, metrics.KIND, metrics.CHECK, metrics.ENDPOINT) == (names.NAMESPACE, names.KIND, names.CHECK, names.ENDPOINT)
    models = {"RUNTIME_MODEL": "amazon.nova-micro-v1:0"}
    openai = {"RUNTIME_MODEL": "openai.gpt-oss-20b-1:0", "RUNTIME_OPENAI_MODEL": "openai.gpt-oss-20b-1:0"}
    for endpoints in (("bedrock", "bedrock-runtime", "bedrock-mantle"), ("bedrock", "bedrock-runtime"), ("bedrock-runtime",)):
        for kind in names.PROBE_KINDS:
            for extra in (models, openai):
                env = {"AWS_REGION": "us-east-1", "PROBE_KIND": kind, "VPC_CIDR": "10.0.0.0/16", "ENDPOINTS": ",".join(endpoints), **extra}
                checks, _ = plan.build_plan(plan.load_config(env))
                planned = [(c.name, c.service) for c in checks]
                mirror = names.probe_checks(kind, endpoints)
                # Every check the plan runs is on the dashboard, with its endpoint, in order.
                assert [c for c in mirror if c in planned] == planned, (kind, endpoints, extra)
    assert PROBE_DIR.joinpath("metrics.py").exists()
