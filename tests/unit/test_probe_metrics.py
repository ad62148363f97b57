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

from private_bedrock.monitoring import metric_names as names  # noqa: E402
from tests.fakes.bedrock_servers import Credentials, FakeBedrock, Policy  # noqa: E402
from tests.fakes.probe_env import PROBE_DIR, load_handler, set_probe_env  # noqa: E402


@pytest.fixture
def run(monkeypatch, tmp_path, capsys):
    """run(fake, event={}, **env) -> (report, EMF documents printed on stdout)."""

    def _run(target, event=None, unreachable=(), **env):
        fake = isinstance(target, FakeBedrock)
        creds = target.credentials if fake else Credentials()
        urls = {**target.urls, **{s: "http://127.0.0.1:9" for s in unreachable}} if fake else None  # nothing listens on port 9
        set_probe_env(monkeypatch, tmp_path, url=None if fake else target, urls=urls, credentials=creds, **env)
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


def alarm_fires(alarm: dict, docs: list[dict], fed: tuple[float, ...] = ()) -> bool:
    """Would this synthesized single-metric alarm breach on the datapoints of one run's EMF
    (plus `fed` datapoints someone else published to the same metric)? CloudWatch's statistic
    over the period, then the alarm's comparison."""
    watched = (alarm["Namespace"], alarm["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in alarm["Dimensions"])))
    points = [v for k, v in metric_values(docs).items() if k == watched] + list(fed)
    value = {"Maximum": max, "Sum": sum, "Minimum": min}[alarm["Statistic"]](points)
    compare = {"GreaterThanOrEqualToThreshold": value >= alarm["Threshold"], "LessThanThreshold": value < alarm["Threshold"]}
    return compare[alarm["ComparisonOperator"]]


# The three ways a check misses its promise; each must raise the mismatch alarm.
MISSES = {
    # The endpoint lets a model through that the deployment promises to refuse.
    "leak": (dict(policy=Policy(mantle_models={"openai.gpt-oss-20b", "openai.gpt-oss-120b"})), (),
             {"mantle_chat_denied_model": "allowed"}),
    # The endpoint refuses the allow-listed model the deployment promises to serve.
    "refusal where access was promised": (dict(policy=Policy(runtime_models={"openai.gpt-oss-20b-1:0", "openai.gpt-5.4"})), (),
                                          {"runtime_converse_allowed_model": "denied"}),
    # bedrock-mantle cannot be reached at all (nothing listens there).
    "unreachable endpoint": ({}, ("bedrock-mantle",), {"mantle_models_list": "network_error"}),
}


@pytest.mark.parametrize("miss", sorted(MISSES))
def test_each_kind_of_miss_raises_the_mismatch_alarm(run, templates, miss) -> None:
    fake_args, unreachable, outcomes = MISSES[miss]
    alarm = alarm_metric(templates["us-east-1"], "-vpc-probe-mismatch")
    with FakeBedrock(**fake_args) as fake:
        report, docs = run(fake, unreachable=unreachable or ())
    by_name = {c["name"]: c for c in report["checks"]}
    for name, outcome in outcomes.items():
        assert by_name[name]["outcome"] == outcome and by_name[name]["expected"] != outcome
    assert alarm_fires(alarm, docs), miss
    # Someone publishing to the probe's namespace can add datapoints, not take one away:
    # a fed 0 or a negative value does not lower the period's Maximum.
    assert alarm["Statistic"] == "Maximum" and alarm_fires(alarm, docs, fed=(0, -100))


def test_a_passing_run_does_not_raise_the_mismatch_alarm(run, templates) -> None:
    alarm = alarm_metric(templates["us-east-1"], "-vpc-probe-mismatch")
    with FakeBedrock() as fake:
        report, docs = run(fake)
    assert report["passed"] and not alarm_fires(alarm, docs)


def test_a_check_whose_outcome_differs_from_its_expectation_counts_even_if_marked_passed() -> None:
    load_handler()
    metrics = sys.modules["metrics"]
    lying = {"probe_kind": "vpc", "checks": [
        {"name": "runtime_converse_denied_model", "expected": "denied", "outcome": "allowed", "passed": True, "latency_ms": 1},
        {"name": "mantle_models_list", "expected": "allowed", "outcome": "allowed", "passed": True, "latency_ms": 1},
    ]}
    values = metric_values(metrics.documents(lying, full_run=True, now_ms=1_700_000_000_000))
    assert values[summary("vpc", names.MISMATCHES)] == 1 and values[summary("vpc", names.CHECKS_PASSED)] == 1


def test_the_missed_run_and_throttle_alarms_are_lambdas_own_metrics(templates) -> None:
    """Customers cannot publish to AWS/ namespaces: nothing fed to the probe's namespace can
    silence these two."""
    t = templates["us-east-1"]
    for kind, prefix in (("vpc", "ProbeInVpc"), ("control", "ProbeOutsideVpc")):
        (fn,) = [k for k, r in t["Resources"].items() if r["Type"] == "AWS::Lambda::Function" and k.startswith(prefix)]
        missed = alarm_metric(t, f"-{kind}-probe-missed-run")
        assert (missed["Namespace"], missed["MetricName"], missed["Statistic"]) == ("AWS/Lambda", "Invocations", "Sum")
        assert missed["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": fn}}]
        assert (missed["ComparisonOperator"], missed["Threshold"], missed["TreatMissingData"]) == ("LessThanThreshold", 1, "breaching")
        throttled = alarm_metric(t, f"-{kind}-probe-throttled")
        assert (throttled["Namespace"], throttled["MetricName"], throttled["Statistic"]) == ("AWS/Lambda", "Throttles", "Sum")
        assert throttled["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": fn}}]
        assert (throttled["ComparisonOperator"], throttled["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
        # One throttle in an interval fires it; none does not.
        assert alarm_fires(throttled, [], fed=(1,)) and not alarm_fires(throttled, [], fed=(0,))
        # An interval without invocations fires the missed run; a run does not.
        assert alarm_fires(missed, [], fed=(0,)) and not alarm_fires(missed, [], fed=(1,))


def test_the_unreported_run_alarm_compares_lambdas_count_with_the_probes(run, templates) -> None:
    alarm = alarm_metric(templates["us-east-1"], "-control-probe-unreported-run")
    expression, *metrics = alarm["Metrics"]
    assert expression["Expression"] == "FILL(invocations, 0) - FILL(runs, 0)"
    by_id = {m["Id"]: m["MetricStat"]["Metric"] for m in metrics}
    assert (by_id["invocations"]["Namespace"], by_id["invocations"]["MetricName"]) == ("AWS/Lambda", "Invocations")
    runs = by_id["runs"]
    assert (runs["Namespace"], runs["MetricName"], runs["Dimensions"]) == (names.NAMESPACE, names.RUNS, [{"Name": names.KIND, "Value": "control"}])
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"], alarm["Threshold"]) == (2, 2, 1)
    # A run reports exactly one Runs datapoint: one invocation, one run, no breach.
    with FakeBedrock(policy=Policy.deny_all()) as fake:
        report, docs = run(fake, PROBE_KIND="control")
    assert report["passed"] and metric_values(docs)[summary("control", names.RUNS)] == 1


def test_a_report_error_publishes_report_error_and_no_checks(run) -> None:
    report, docs = run("http://127.0.0.1:9", event={"checks": ["no_such_check"]})
    assert report["error"]
    values = metric_values(docs)
    assert values[summary("vpc", names.REPORT_ERROR)] == 1
    assert summary("vpc", names.RUNS) not in values  # a bad event is no full run either
    assert not [k for k in values if k[1] == names.MISMATCH]


def test_a_configuration_error_on_the_full_event_still_counts_as_a_run(run) -> None:
    report, docs = run("http://127.0.0.1:9", ENDPOINTS="bedrock,nosuch")
    assert "nosuch" in report["error"]
    values = metric_values(docs)
    assert values[summary("vpc", names.RUNS)] == 1 and values[summary("vpc", names.REPORT_ERROR)] == 1


def test_a_subset_run_publishes_no_runs_so_it_cannot_stand_in_for_the_full_proof(run, templates) -> None:
    """Invocations counts every invocation; Runs only full-plan ones. A subset run (anyone
    allowed to invoke can send one) keeps Invocations up but shows as an unreported run."""
    with FakeBedrock() as fake:
        subset, subset_docs = run(fake, event={"checks": ["dns_bedrock"]})
        full, full_docs = run(fake)
    assert [c["name"] for c in subset["checks"]] == ["dns_bedrock"] and subset["passed"]
    assert summary("vpc", names.RUNS) not in metric_values(subset_docs)
    assert metric_values(subset_docs)[summary("vpc", names.MISMATCHES)] == 0  # its checks still count
    assert len(full["checks"]) > 1 and metric_values(full_docs)[summary("vpc", names.RUNS)] == 1
    # The unreported-run alarm's expression over one invocation per interval, two intervals.
    alarm = alarm_metric(templates["us-east-1"], "-vpc-probe-unreported-run")
    assert alarm["Metrics"][0]["Expression"] == "FILL(invocations, 0) - FILL(runs, 0)"

    def breaches(docs) -> bool:
        runs = metric_values(docs).get(summary("vpc", names.RUNS), 0)
        return 1 - runs >= alarm["Threshold"]

    assert breaches(subset_docs) and not breaches(full_docs)


def emitted_units(docs: list[dict]) -> dict[str, set[str]]:
    units: dict[str, set[str]] = {}
    for doc in docs:
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                units.setdefault(metric["Name"], set()).add(metric["Unit"])
    return units


def probe_metrics_alarms_read(template: dict) -> list[tuple[str, str, dict]]:
    """(alarm name, metric name, the rendered metric with its Unit) for every probe-namespace
    metric an alarm reads, alone or inside a metric-math expression."""
    out = []
    for r in template["Resources"].values():
        if r["Type"] != "AWS::CloudWatch::Alarm":
            continue
        p = r["Properties"]
        if p.get("Namespace") == names.NAMESPACE:
            out.append((p["AlarmName"], p["MetricName"], p))
        for q in p.get("Metrics", []):
            stat = q.get("MetricStat")
            if stat and stat["Metric"]["Namespace"] == names.NAMESPACE:
                out.append((p["AlarmName"], stat["Metric"]["MetricName"], stat))
    return out


def test_every_probe_metric_an_alarm_reads_names_the_unit_the_probe_publishes(run, templates) -> None:
    """Without a Unit an alarm reads datapoints of every unit (undefined with more than one),
    so a datapoint fed with another unit could unsettle it (PutMetricAlarm, "Unit")."""
    with FakeBedrock(policy=Policy(mantle_models={"openai.gpt-oss-20b", "openai.gpt-oss-120b"})) as fake:
        _, docs = run(fake)
    units = emitted_units(docs)
    assert all(len(u) == 1 for u in units.values()), units
    read = probe_metrics_alarms_read(templates["us-east-1"])
    assert {metric for _, metric, _ in read} == {names.MISMATCHES, names.REPORT_ERROR, names.RUNS}
    assert len({alarm for alarm, _, _ in read}) == 6  # mismatch, error, unreported run, per kind
    for alarm, metric, rendered in read:
        assert rendered.get("Unit") == next(iter(units[metric])), (alarm, metric, rendered)
    # The stack's mirror of the units agrees with what the probe prints.
    assert {name: unit for name, unit in names.UNITS.items() if name in units} == {n: next(iter(u)) for n, u in units.items()}


def test_the_report_is_unchanged_and_survives_a_broken_stdout(run) -> None:
    with FakeBedrock() as fake:
        report, _ = run(fake, event={"checks": ["runtime_converse_denied_model"]})
    assert set(report) == {"passed", "region", "probe_kind", "checks", "skipped", "sdk_versions"}
    metrics = sys.modules["metrics"]

    class Broken(io.StringIO):
        def write(self, _):
            raise OSError("stdout closed")

    metrics.emit(report, full_run=False, stream=Broken())  # must not raise


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
