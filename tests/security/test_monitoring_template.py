"""Continuous proof in the templates: schedule, scheduler role, alarms, topic, dashboard, trail.

Default configuration: the session's CLI synth (tests/conftest.py). All options on (and a
region with the schedule off): one in-process synth per session, nag packs included.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from private_bedrock.monitoring import metric_names as names
from private_bedrock.monitoring.audit_trail import MANTLE_DATA_RESOURCE_TYPES, mantle_event_selectors
from tests.conftest import DEFAULT_REGIONS, synth_in_process
from tests.run_once import value_once

ALL_ON = {
    "regions": ["us-east-1", "ap-northeast-1"],
    "probeSchedule": "rate(15 minutes)",
    "alarmEmails": ["security@example.com"],
    "auditTrail": True,
    "regionOverrides": {"ap-northeast-1": {"probeSchedule": "off", "auditTrail": False},
                        # Server-side tools on: the trail records web search's data events too.
                        "us-east-1": {"capabilities": ["inference", "streaming", "serverSideTools"]}},
}


@pytest.fixture(scope="session")
def all_on(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """One synth per run (tests/run_once.py), shared with the scanners (test_scanners.py)."""
    return value_once(tmp_path_factory, "all-on", lambda: synth_in_process(ALL_ON))


def of_type(template: dict, cfn_type: str) -> dict[str, dict]:
    return {k: r["Properties"] for k, r in template["Resources"].items() if r["Type"] == cfn_type}


def function_id(template: dict, prefix: str) -> str:
    (fid,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Function" and k.startswith(prefix)]
    return fid


def alarms(template: dict) -> dict[str, dict]:
    return {p["AlarmName"].split("-", 4)[-1]: p for p in of_type(template, "AWS::CloudWatch::Alarm").values()}


def render(value: Any) -> str:
    """A Fn::Join'd string with its tokens as <Ref:X> / <GetAtt:X.Y>, to read as JSON."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(render(p) for p in parts)
    if "Ref" in value:
        return f"<Ref:{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return f"<GetAtt:{'.'.join(value['Fn::GetAtt'])}>"
    raise AssertionError(f"unexpected token {value}")


def dashboard_widgets(template: dict) -> list[dict]:
    (dash,) = of_type(template, "AWS::CloudWatch::Dashboard").values()
    return json.loads(render(dash["DashboardBody"]))["widgets"]


def widget_metrics(widget: dict) -> list[tuple[str, str, dict]]:
    """(namespace, metric name, dimensions) of a metric widget."""
    out = []
    for row in widget["properties"].get("metrics", []):
        parts = [p for p in row if not isinstance(p, dict)]
        out.append((parts[0], parts[1], dict(zip(parts[2::2], parts[3::2]))))
    return out


@pytest.fixture(params=DEFAULT_REGIONS)
def default(request, templates) -> dict:
    return templates[request.param]


# ----------------------------------------------------------------- schedule and its role


def test_both_probes_run_hourly_with_the_run_everything_event(default) -> None:
    schedules = of_type(default, "AWS::Scheduler::Schedule")
    targets = {s["Target"]["Arn"]["Fn::GetAtt"][0]: s for s in schedules.values()}
    assert set(targets) == {function_id(default, "ProbeInVpc"), function_id(default, "ProbeOutsideVpc")}
    for s in schedules.values():
        assert s["ScheduleExpression"] == "rate(1 hour)" and s["State"] == "ENABLED"
        assert s["FlexibleTimeWindow"] == {"Mode": "OFF"}
        assert s["Target"]["Input"] == "{}"
        assert s["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 0


def test_the_scheduler_role_may_invoke_exactly_the_two_probes(default) -> None:
    (schedule, *_) = of_type(default, "AWS::Scheduler::Schedule").values()
    role_id = schedule["Target"]["RoleArn"]["Fn::GetAtt"][0]
    role = default["Resources"][role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert "Policies" not in role and "ManagedPolicyArns" not in role
    attached = [p for p in of_type(default, "AWS::IAM::ManagedPolicy").values() if {"Ref": role_id} in p.get("Roles", [])]
    attached += [p for p in of_type(default, "AWS::IAM::Policy").values() if {"Ref": role_id} in p.get("Roles", [])]
    (policy,) = attached
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow" and statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == [
        {"Fn::GetAtt": [function_id(default, "ProbeInVpc"), "Arn"]},
        {"Fn::GetAtt": [function_id(default, "ProbeOutsideVpc"), "Arn"]},
    ]
    assert "Condition" not in statement


# ----------------------------------------------------------------- alarms and topic


def test_ten_alarms_with_their_thresholds_and_missing_data(default) -> None:
    found = alarms(default)
    assert set(found) == {f"{k}-probe-{a}" for k in ("vpc", "control") for a in ("mismatch", "error", "throttled", "missed-run", "unreported-run")}
    for kind in names.PROBE_KINDS:
        mismatch, error, missed = (found[f"{kind}-probe-{a}"] for a in ("mismatch", "error", "missed-run"))
        # Maximum: a datapoint fed into the custom namespace can raise it, never cancel a mismatch.
        assert (mismatch["Namespace"], mismatch["MetricName"], mismatch["Statistic"]) == (names.NAMESPACE, names.MISMATCHES, "Maximum")
        assert mismatch["Dimensions"] == [{"Name": names.KIND, "Value": kind}]
        assert (mismatch["ComparisonOperator"], mismatch["Threshold"], mismatch["EvaluationPeriods"]) == ("GreaterThanOrEqualToThreshold", 1, 1)
        assert mismatch["TreatMissingData"] == "notBreaching" and mismatch["Period"] == 3600

        # Lambda's own count of invocations, which nobody else can publish.
        assert (missed["Namespace"], missed["MetricName"], missed["ComparisonOperator"], missed["Threshold"]) == ("AWS/Lambda", "Invocations", "LessThanThreshold", 1)
        assert (missed["EvaluationPeriods"], missed["DatapointsToAlarm"], missed["Period"]) == (2, 2, 3600)
        assert missed["TreatMissingData"] == "breaching"
        throttled = found[f"{kind}-probe-throttled"]
        assert (throttled["Namespace"], throttled["MetricName"], throttled["Statistic"], throttled["Period"]) == ("AWS/Lambda", "Throttles", "Sum", 3600)
        assert throttled["TreatMissingData"] == "notBreaching"
        unreported = found[f"{kind}-probe-unreported-run"]
        assert unreported["Metrics"][0]["Expression"] == "FILL(invocations, 0) - FILL(runs, 0)"
        assert (unreported["EvaluationPeriods"], unreported["DatapointsToAlarm"], unreported["TreatMissingData"]) == (2, 2, "notBreaching")

        expression, lambda_errors, report_errors = error["Metrics"]
        assert expression["Expression"] == "FILL(lambdaErrors, 0) + FILL(reportErrors, 0)" and expression["ReturnData"]
        fn = function_id(default, "ProbeInVpc" if kind == "vpc" else "ProbeOutsideVpc")
        assert lambda_errors["MetricStat"]["Metric"] == {"Dimensions": [{"Name": "FunctionName", "Value": {"Ref": fn}}], "MetricName": "Errors", "Namespace": "AWS/Lambda"}
        assert report_errors["MetricStat"]["Metric"]["MetricName"] == names.REPORT_ERROR and report_errors["MetricStat"]["Stat"] == "Maximum"
        assert report_errors["MetricStat"]["Metric"]["Dimensions"] == [{"Name": names.KIND, "Value": kind}]
        assert (error["ComparisonOperator"], error["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)


def test_every_alarm_notifies_the_encrypted_topic_and_nobody_by_default(default) -> None:
    (topic_id, topic), = of_type(default, "AWS::SNS::Topic").items()
    for alarm in alarms(default).values():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}] and alarm["OKActions"] == [{"Ref": topic_id}]
    key_id = topic["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = default["Resources"][key_id]["Properties"]
    assert key["EnableKeyRotation"] is True
    services = [s for s in key["KeyPolicy"]["Statement"] if "Service" in s["Principal"]]
    assert services == [{
        "Sid": "CloudWatchAlarmsUseTheTopicKey", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
    }]
    assert not of_type(default, "AWS::SNS::Subscription")


def test_the_topic_takes_alarms_of_this_account_and_region_only_over_tls(default) -> None:
    (topic_id,) = of_type(default, "AWS::SNS::Topic")
    (policy,) = of_type(default, "AWS::SNS::TopicPolicy").values()
    deny, allow = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and allow["Action"] == "sns:Publish"
    assert allow["Resource"] == {"Ref": topic_id}
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert render(allow["Condition"]["ArnLike"]["aws:SourceArn"]).endswith(":<Ref:AWS::AccountId>:alarm:*")


# ----------------------------------------------------------------- dashboard


def test_dashboard_widgets_reference_the_right_metrics(default) -> None:
    widgets = dashboard_widgets(default)
    by_title = {w["properties"].get("title"): w for w in widgets}
    alarm_names = [p["AlarmName"] for p in of_type(default, "AWS::CloudWatch::Alarm").values()]
    region = next(iter(of_type(default, "AWS::EC2::VPCEndpoint").values()))["ServiceName"].split(".")[2]
    assert sorted(by_title["Alarms"]["properties"]["alarms"]) == sorted(
        f"arn:aws:cloudwatch:{region}:<Ref:AWS::AccountId>:alarm:{n}" for n in alarm_names
    )

    results = widget_metrics(by_title["Probe results per run"])
    assert {(m[1], m[2][names.KIND]) for m in results} == {(n, k) for n in (names.CHECKS_PASSED, names.MISMATCHES) for k in names.PROBE_KINDS}
    per_endpoint = widget_metrics(by_title["Mismatches per endpoint"])
    assert {m[2][names.ENDPOINT] for m in per_endpoint} == {"bedrock", "bedrock-runtime", "bedrock-mantle"}

    latency = [m for t, w in by_title.items() if t and t.startswith("Latency per check") for m in widget_metrics(w)]
    # One latency widget per endpoint; the DNS firewall check (the VPC resolver's) has none.
    expected = {(k, c) for k in names.PROBE_KINDS for c, s in names.probe_checks(k, ("bedrock", "bedrock-runtime", "bedrock-mantle")) if s in names.PROBED_SERVICES}
    assert {(m[2][names.KIND], m[2][names.CHECK]) for m in latency} == expected
    assert {m[1] for m in latency} == {names.LATENCY}

    endpoint_ids = {r["Properties"]["ServiceName"].split(".", 3)[3]: k for k, r in default["Resources"].items() if r["Type"] == "AWS::EC2::VPCEndpoint"}
    (vpc_id,) = [k for k, r in default["Resources"].items() if r["Type"] == "AWS::EC2::VPC"]
    seen = set()
    for title, w in by_title.items():
        if not (title or "").startswith("Endpoints: "):
            continue
        for namespace, metric, dims in widget_metrics(w):
            assert namespace == "AWS/PrivateLinkEndpoints"
            service = dims["Service Name"].split(".", 3)[3]
            assert dims == {"Endpoint Type": "Interface", "Service Name": dims["Service Name"],
                            "VPC Endpoint Id": f"<Ref:{endpoint_ids[service]}>", "VPC Id": f"<Ref:{vpc_id}>"}
            assert dims["Service Name"].startswith("com.amazonaws.") and dims["Service Name"].count(".") == 3
            seen.add((metric, service))
    assert seen == {(m, s) for m in ("ActiveConnections", "NewConnections", "BytesProcessed", "PacketsDropped") for s in endpoint_ids}
    # The VPC's DNS Firewall rule group: queries of this VPC that matched it.
    (group_id,) = [k for k, r in default["Resources"].items() if r["Type"] == "AWS::Route53Resolver::FirewallRuleGroup"]
    assert widget_metrics(by_title["DNS Firewall"]) == [
        ("AWS/Route53Resolver", "FirewallRuleGroupVpcQueryVolume", {"FirewallRuleGroupId": f"<Ref:{group_id}>", "VpcId": f"<Ref:{vpc_id}>"})
    ]
    # The grid fits: no widget overlaps another.
    cells = set()
    for w in widgets:
        mine = {(w["x"] + dx, w["y"] + dy) for dx in range(w["width"]) for dy in range(w["height"])}
        assert not cells & mine and all(x < 24 for x, _ in mine)
        cells |= mine


# ----------------------------------------------------------------- all options on / schedule off


def test_options_on_subscription_rate_and_periods(all_on) -> None:
    t = all_on["PrivateBedrock-us-east-1"]
    assert {s["ScheduleExpression"] for s in of_type(t, "AWS::Scheduler::Schedule").values()} == {"rate(15 minutes)"}
    (sub,) = of_type(t, "AWS::SNS::Subscription").values()
    assert (sub["Protocol"], sub["Endpoint"]) == ("email", "security@example.com")
    assert {a["Period"] for a in alarms(t).values() if "Period" in a} == {900}
    assert {m["MetricStat"]["Period"] for a in alarms(t).values() for m in a.get("Metrics", []) if "MetricStat" in m} == {900}


def test_schedule_off_means_no_schedule_and_no_missed_run_alarm(all_on) -> None:
    t = all_on["PrivateBedrock-ap-northeast-1"]
    assert not of_type(t, "AWS::Scheduler::Schedule")
    assert set(alarms(t)) == {f"{k}-probe-{a}" for k in ("vpc", "control") for a in ("mismatch", "error", "throttled")}
    assert not of_type(t, "AWS::CloudTrail::Trail")
    assert t["Metadata"]["PrivateBedrock"]["monitoring"]["probeSchedule"] == "off"


def test_audit_trail_logs_mantle_data_events_to_an_encrypted_private_bucket(all_on) -> None:
    t = all_on["PrivateBedrock-us-east-1"]
    (trail,) = of_type(t, "AWS::CloudTrail::Trail").values()
    assert "EventSelectors" not in trail
    assert trail["AdvancedEventSelectors"] == [
        {"Name": f"bedrock-mantle data events: {r.rsplit('::', 1)[1]}",
         "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": [r]}]}
        for r in MANTLE_DATA_RESOURCE_TYPES
    ] + [{"Name": "web search data events: Tool",
          "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::BedrockWebSearch::Tool"]}]}]
    # Without server-side tools there is no web search to record.
    assert [s["Name"] for s in mantle_event_selectors()] == [f"bedrock-mantle data events: {r.rsplit('::', 1)[1]}" for r in MANTLE_DATA_RESOURCE_TYPES]
    assert trail["EnableLogFileValidation"] is True and trail["IsMultiRegionTrail"] is False
    bucket_id = trail["S3BucketName"]["Ref"]
    bucket = t["Resources"][bucket_id]
    assert bucket["DeletionPolicy"] == "Retain"
    props = bucket["Properties"]
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    key_id = trail["KMSKeyId"]["Fn::GetAtt"][0]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]}}
    assert props["PublicAccessBlockConfiguration"] == {k: True for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")}
    assert "DestinationBucketName" in props["LoggingConfiguration"]
    policies = [p["PolicyDocument"]["Statement"] for p in of_type(t, "AWS::S3::BucketPolicy").values() if p["Bucket"] == {"Ref": bucket_id}]
    (statements,) = policies
    assert {"Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny"}.items() <= statements[0].items()
    # The key serves CloudTrail for this trail only.
    key = t["Resources"][key_id]["Properties"]["KeyPolicy"]["Statement"]
    trail_statements = [s for s in key if s.get("Principal") == {"Service": "cloudtrail.amazonaws.com"}]
    assert {s["Sid"] for s in trail_statements} == {"CloudTrailEncryptsThisTrail", "CloudTrailDescribesTheKey"}
    for s in trail_statements:
        assert render(s["Condition"]["StringEquals"]["aws:SourceArn"]).endswith(f":trail/{trail['TrailName']}")
    # Administration apart from use: no statement grants kms:*; the account's principals may
    # decrypt this trail's files only (and only when IAM lets them too).
    assert not [s for s in key if "kms:*" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]
    admin = next(s for s in key if s["Sid"] == "KeyAdministration")
    assert not {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"} & set(admin["Action"])
    (reader,) = [s for s in key if s["Sid"] == "ThisAccountReadsThisTrailsFiles"]
    assert sorted(reader["Action"]) == ["kms:Decrypt", "kms:ReEncryptFrom"]
    assert render(reader["Condition"]["StringLike"]["kms:EncryptionContext:aws:cloudtrail:arn"]).endswith(f":trail/{trail['TrailName']}")
    assert t["Resources"][key_id]["DeletionPolicy"] == "Retain"


def test_the_summary_prices_what_the_template_deploys(templates) -> None:
    from private_bedrock.tools.report.summary import monitoring_cost

    t = templates["us-east-1"]
    meta = t["Metadata"]["PrivateBedrock"]["monitoring"]
    assert meta == {"probeSchedule": "rate(1 hour)", "probeRunsPerMonth": 2 * 730, "customMetrics": 103, "alarmEmails": 0, "auditTrail": False}
    cost, how = monitoring_cost(meta, t["Resources"])
    # 103 metrics at most, 14 alarm metrics (the error and unreported-run alarms evaluate two each), a dashboard, the
    # topic's key, 1,460 runs of 5 GB-s on arm64 and 1,460 scheduler invocations.
    assert cost == pytest.approx(103 * 0.30 + 14 * 0.10 + 3.00 + 1.00 + 1460 * (5 * 0.0000133334 + 0.2e-6) + 1460e-6)
    assert "14 alarm metrics" in how and "1 more KMS key" in how
