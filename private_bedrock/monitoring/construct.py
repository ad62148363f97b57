"""ProbeMonitoring: the continuous proof of one region, composed from its parts.

schedule (optional) -> the probes print EMF metrics -> alarms -> encrypted SNS topic,
a dashboard of all of it, and (optionally) a CloudTrail trail of bedrock-mantle data events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from private_bedrock.config.monitoring import MonitoringConfig
from private_bedrock.monitoring import metric_names as m
from private_bedrock.monitoring.alarms import ProbeAlarms, ProbeAlarmsProps
from private_bedrock.monitoring.audit_trail import MantleAuditTrail, MantleAuditTrailProps
from private_bedrock.monitoring.dashboard import DnsFirewallRef, ProbeDashboard, ProbeDashboardProps
from private_bedrock.monitoring.schedule import ProbeSchedule, ProbeScheduleProps

HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class ProbeMonitoringProps:
    monitoring: MonitoringConfig  # the schedule, the alarm addresses, the audit trail
    region: str
    name_prefix: str  # the dashboard is "<name_prefix>-probe"
    services: Sequence[str]  # the endpoint services the probes call (their metrics and widgets)
    probe_function: lambda_.IFunction
    control_function: lambda_.IFunction
    vpc_id: str
    endpoint_ids: Mapping[str, str]  # service -> VPC endpoint id
    audit_retention_days: int = 365  # how long the audit trail's bucket keeps trail files
    key_admin_arns: Sequence[str] = ()  # who alone may disable or delete the topic and trail keys; empty: the account root
    audit_web_search: bool = False  # also the web search tool's data events (serverSideTools)
    dns_firewall: DnsFirewallRef | None = None


class ProbeMonitoring(Construct):
    def __init__(self, scope: Construct, id: str, *, props: ProbeMonitoringProps) -> None:
        super().__init__(scope, id)
        mon = props.monitoring
        services = tuple(props.services)
        functions = {"vpc": props.probe_function, "control": props.control_function}
        self.schedule = (
            ProbeSchedule(self, "Schedule", props=ProbeScheduleProps(expression=mon.probe_schedule, functions=functions))
            if mon.probe_schedule
            else None
        )
        self.alarms = ProbeAlarms(
            self,
            "Alarms",
            props=ProbeAlarmsProps(region=props.region, functions=functions, interval_minutes=mon.interval_minutes, alarm_emails=mon.alarm_emails, key_admin_arns=props.key_admin_arns),
        )
        self.dashboard = ProbeDashboard(
            self,
            "Dashboard",
            props=ProbeDashboardProps(
                region=props.region,
                dashboard_name=f"{props.name_prefix}-probe",
                functions=functions,
                endpoints=services,
                endpoint_ids=props.endpoint_ids,
                vpc_id=props.vpc_id,
                alarm_names=self.alarms.alarm_names,
                schedule=mon.probe_schedule,
                dns_firewall=props.dns_firewall,
            ),
        )
        self.audit_trail = (
            MantleAuditTrail(self, "AuditTrail", props=MantleAuditTrailProps(
                retention_days=props.audit_retention_days, key_admin_arns=tuple(props.key_admin_arns),
                web_search=props.audit_web_search))
            if mon.audit_trail
            else None
        )

        runs = 0 if mon.interval_minutes is None else len(functions) * HOURS_PER_MONTH * 60 // mon.interval_minutes
        # For the template metadata: what `make synth` prices (private_bedrock/tools/report/summary.py).
        self.summary = {
            "probeSchedule": mon.probe_schedule or "off",
            "probeRunsPerMonth": runs,
            "customMetrics": m.custom_metric_count(services),
            "alarmEmails": len(mon.alarm_emails),
            "auditTrail": mon.audit_trail,
        }
