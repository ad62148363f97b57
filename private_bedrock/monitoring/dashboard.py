"""ProbeDashboard: one CloudWatch dashboard per region, laid out as docs/proving-and-verifying.md pictures it.

Plain aws-cdk-lib widgets (docs/internals.md says why not cdk-monitoring-constructs): every
metric here is either the probe's own (EMF) or one of two AWS namespaces with dimension
sets of their own, and the tests read the widgets' metrics straight from the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from private_bedrock.monitoring import metric_names as m
from private_bedrock.monitoring.alarms import LABEL, probe_metric

PRIVATELINK = "AWS/PrivateLinkEndpoints"
# Endpoint metrics, per endpoint: the documented dimension set
# {Endpoint Type, Service Name, VPC Endpoint Id, VPC Id} (PrivateLink user guide,
# "CloudWatch metrics for AWS PrivateLink").
ENDPOINT_METRICS = (("ActiveConnections", "Maximum"), ("NewConnections", "Sum"), ("BytesProcessed", "Sum"), ("PacketsDropped", "Sum"))
RESOLVER = "AWS/Route53Resolver"
# Queries of this VPC that matched the firewall rule group, and queries matching the
# block rule's domain list (Route 53 developer guide, DNS Firewall metrics).
FIREWALL_VPC_METRIC = "FirewallRuleGroupVpcQueryVolume"
FIREWALL_RULE_METRIC = "FirewallRuleQueryVolume"
WIDTH = 24


@dataclass(frozen=True)
class DnsFirewallRef:
    """The Route 53 Resolver DNS Firewall rule group associated with the VPC, if any."""

    rule_group_id: str
    block_domain_list_id: str | None = None  # the domain list of the BLOCK rule, when known


@dataclass(frozen=True)
class ProbeDashboardProps:
    region: str
    dashboard_name: str
    functions: dict[str, lambda_.IFunction]  # probe kind -> function
    endpoints: tuple[str, ...]
    endpoint_ids: Mapping[str, str]  # service -> vpce id
    vpc_id: str
    alarm_names: Sequence[str]  # plain names: the dashboard does not depend on the alarms
    schedule: str | None
    dns_firewall: DnsFirewallRef | None = None


def endpoint_metric(region: str, service: str, endpoint_id: str, vpc_id: str, name: str, statistic: str) -> cw.Metric:
    return cw.Metric(
        namespace=PRIVATELINK,
        metric_name=name,
        dimensions_map={
            "Endpoint Type": "Interface",
            "Service Name": f"com.amazonaws.{region}.{service}",
            "VPC Endpoint Id": endpoint_id,
            "VPC Id": vpc_id,
        },
        statistic=statistic,
        period=Duration.minutes(5),
        label=service,
    )


class ProbeDashboard(Construct):
    def __init__(self, scope: Construct, id: str, *, props: ProbeDashboardProps) -> None:
        super().__init__(scope, id)
        hour = Duration.hours(1)
        probed = [s for s in m.PROBED_SERVICES if s in props.endpoints]
        rows: list[list[cw.IWidget]] = [
            [cw.TextWidget(markdown=self._header(props), width=WIDTH, height=2)],
            [cw.AlarmStatusWidget(title="Alarms", alarms=self._alarms(props.alarm_names), width=WIDTH, height=3)],
            [
                cw.GraphWidget(
                    title="Probe results per run",
                    left=[probe_metric(name, kind, hour, label=f"{kind} {name}") for kind in props.functions for name in (m.CHECKS_PASSED, m.MISMATCHES)],
                    width=12, height=6, left_y_axis=cw.YAxisProps(min=0, label="checks"),
                ),
                cw.GraphWidget(
                    title="Mismatches per endpoint",
                    left=[
                        probe_metric(m.MISMATCHES, kind, hour, label=f"{kind} {service}", **{m.ENDPOINT: service})
                        for kind in props.functions for service in probed
                    ],
                    width=12, height=6, left_y_axis=cw.YAxisProps(min=0, label="checks"),
                ),
            ],
            [
                cw.GraphWidget(
                    title=f"Latency per check: {service}",
                    left=[
                        probe_metric(m.LATENCY, kind, hour, statistic="Maximum", label=f"{kind} {check}", **{m.CHECK: check})
                        for kind in props.functions for check, svc in m.probe_checks(kind, props.endpoints) if svc == service
                    ],
                    width=WIDTH // len(probed), height=6, left_y_axis=cw.YAxisProps(min=0, label="ms"),
                )
                for service in probed
            ],
            [
                cw.GraphWidget(
                    title=f"Endpoints: {name} ({statistic})",
                    left=[endpoint_metric(props.region, s, props.endpoint_ids[s], props.vpc_id, name, statistic) for s in props.endpoints],
                    width=WIDTH // len(ENDPOINT_METRICS), height=6,
                )
                for name, statistic in ENDPOINT_METRICS
            ],
            [
                cw.GraphWidget(
                    title="Probe functions",
                    # Lambda's own count of runs next to the runs the probe reported: a gap is a
                    # run whose metrics never arrived (the unreported-run alarm).
                    left=[fn.metric_invocations(period=hour, statistic="Sum", label=f"{kind} invocations (AWS/Lambda)") for kind, fn in props.functions.items()]
                    + [probe_metric(m.RUNS, kind, hour, label=f"{kind} reported runs (probe)") for kind in props.functions]
                    + [fn.metric_errors(period=hour, statistic="Sum", label=f"{kind} errors") for kind, fn in props.functions.items()]
                    + [fn.metric_throttles(period=hour, statistic="Sum", label=f"{kind} throttles") for kind, fn in props.functions.items()],
                    right=[fn.metric_duration(period=hour, statistic="Maximum", label=f"{kind} duration (max)") for kind, fn in props.functions.items()],
                    width=12 if props.dns_firewall else WIDTH, height=6,
                ),
                *([self._firewall_widget(props.vpc_id, props.dns_firewall)] if props.dns_firewall else []),
            ],
        ]
        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=props.dashboard_name, widgets=rows)

    def _alarms(self, names: Sequence[str]) -> list[cw.IAlarm]:
        # By ARN built from the name, not by reference: the dashboard needs no alarm to exist
        # first (and CloudFormation emulators that do not model alarms can still deploy it).
        stack = Stack.of(self)
        return [
            cw.Alarm.from_alarm_arn(self, f"Alarm{i}", f"arn:aws:cloudwatch:{stack.region}:{stack.account}:alarm:{name}")
            for i, name in enumerate(names)
        ]

    @staticmethod
    def _header(props: ProbeDashboardProps) -> str:
        schedule = f"run on `{props.schedule}`" if props.schedule else "have no schedule (`probeSchedule: off`): data only from `make verify`"
        kinds = " and the ".join(LABEL[k] for k in props.functions)
        return (
            f"# Private Bedrock in {props.region}\n"
            f"The {kinds} {schedule}. Every mismatch is a broken promise of the policies; see the README, section \"Continuous proof\"."
        )

    @staticmethod
    def _firewall_widget(vpc_id: str, firewall: DnsFirewallRef) -> cw.GraphWidget:
        five = Duration.minutes(5)
        metrics = [
            cw.Metric(
                namespace=RESOLVER, metric_name=FIREWALL_VPC_METRIC,
                dimensions_map={"FirewallRuleGroupId": firewall.rule_group_id, "VpcId": vpc_id},
                statistic="Sum", period=five, label="queries matching the rule group",
            )
        ]
        if firewall.block_domain_list_id:
            metrics.append(cw.Metric(
                namespace=RESOLVER, metric_name=FIREWALL_RULE_METRIC,
                dimensions_map={"FirewallRuleGroupId": firewall.rule_group_id, "FirewallDomainListId": firewall.block_domain_list_id},
                statistic="Sum", period=five, label="queries blocked",
            ))
        return cw.GraphWidget(title="DNS Firewall", left=metrics, width=12, height=6)
