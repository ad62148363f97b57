"""The dashboard's DNS Firewall widget, which appears only when a firewall rule group exists.

The stack passes the rule group of the VPC's Route 53 Resolver DNS Firewall when one is
deployed; here the construct is built alone (one small synth, no nag packs needed: a
dashboard widget has no security finding) with ids such as the firewall construct passes.
"""

from __future__ import annotations

import json
import os

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from private_bedrock.monitoring.dashboard import FIREWALL_RULE_METRIC, FIREWALL_VPC_METRIC, DnsFirewallRef, ProbeDashboard, ProbeDashboardProps
from tests.conftest import NODE_BIN
from tests.security.test_monitoring_template import dashboard_widgets, widget_metrics


@pytest.fixture(scope="module")
def dashboards() -> dict[str, dict]:
    os.environ.setdefault("JSII_NODE", str(NODE_BIN / "node"))
    app = cdk.App()
    stack = cdk.Stack(app, "DashboardOnly", env=cdk.Environment(account="111122223333", region="eu-central-1"))
    functions = {
        kind: lambda_.Function(stack, kind, runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler", code=lambda_.Code.from_inline("def handler(e, c): return {}"))
        for kind in ("vpc", "control")
    }
    common = dict(region="eu-central-1", functions=functions, endpoints=("bedrock-runtime", "bedrock-mantle"),
                  endpoint_ids={"bedrock-runtime": "vpce-0runtime", "bedrock-mantle": "vpce-0mantle"},
                  vpc_id="vpc-0abc", alarm_names=["a-mismatch"], schedule="rate(1 hour)")
    ProbeDashboard(stack, "WithFirewall", props=ProbeDashboardProps(dashboard_name="with", dns_firewall=DnsFirewallRef("rslvr-frg-0aaa", "rslvr-fdl-0bbb"), **common))
    ProbeDashboard(stack, "RuleGroupOnly", props=ProbeDashboardProps(dashboard_name="group", dns_firewall=DnsFirewallRef("rslvr-frg-0aaa"), **common))
    ProbeDashboard(stack, "NoFirewall", props=ProbeDashboardProps(dashboard_name="none", **common))
    template = app.synth().get_stack_by_name("DashboardOnly").template
    out = {}
    for res in template["Resources"].values():
        if res["Type"] == "AWS::CloudWatch::Dashboard":
            single = {"Resources": {"D": res}}
            out[res["Properties"]["DashboardName"]] = single
    return out


def titled(template: dict, title: str) -> dict | None:
    return next((w for w in dashboard_widgets(template) if w["properties"].get("title") == title), None)


def test_firewall_widget_reads_the_rule_group_and_its_block_list(dashboards) -> None:
    widget = titled(dashboards["with"], "DNS Firewall")
    assert widget is not None
    assert widget_metrics(widget) == [
        ("AWS/Route53Resolver", FIREWALL_VPC_METRIC, {"FirewallRuleGroupId": "rslvr-frg-0aaa", "VpcId": "vpc-0abc"}),
        ("AWS/Route53Resolver", FIREWALL_RULE_METRIC, {"FirewallRuleGroupId": "rslvr-frg-0aaa", "FirewallDomainListId": "rslvr-fdl-0bbb"}),
    ]
    assert all(row[-1]["stat"] == "Sum" for row in widget["properties"]["metrics"])


def test_without_a_block_list_only_the_rule_group_volume(dashboards) -> None:
    widget = titled(dashboards["group"], "DNS Firewall")
    assert [m[1] for m in widget_metrics(widget)] == [FIREWALL_VPC_METRIC]


def test_no_firewall_no_widget_and_the_functions_row_takes_the_width(dashboards) -> None:
    assert titled(dashboards["none"], "DNS Firewall") is None
    assert titled(dashboards["none"], "Probe functions")["width"] == 24
    assert titled(dashboards["with"], "Probe functions")["width"] == 12


def test_two_endpoints_two_latency_widgets_and_endpoint_ids_in_the_dimensions(dashboards) -> None:
    widgets = dashboard_widgets(dashboards["none"])
    latency = [w for w in widgets if w["properties"].get("title", "").startswith("Latency per check")]
    assert [w["width"] for w in latency] == [12, 12]
    connections = next(w for w in widgets if w["properties"].get("title", "").startswith("Endpoints: ActiveConnections"))
    assert {m[2]["VPC Endpoint Id"] for m in widget_metrics(connections)} == {"vpce-0runtime", "vpce-0mantle"}
    assert json.dumps(widgets).count("com.amazonaws.eu-central-1.bedrock-mantle") == 4  # one per endpoint metric
