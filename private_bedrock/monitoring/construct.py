"""ProbeMonitoring: the continuous proof of one region, composed from its parts.

schedule (optional) -> the probes print EMF metrics -> alarms -> encrypted SNS topic,
a dashboard of all of it, and (optionally) a CloudTrail trail of bedrock-mantle data events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from private_bedrock.config.app_config import RegionConfig
from private_bedrock.monitoring import metric_names as m
from private_bedrock.monitoring.alarms import ProbeAlarms, ProbeAlarmsProps
from private_bedrock.monitoring.audit_trail import MantleAuditTrail, MantleAuditTrailProps
from private_bedrock.monitoring.dashboard import DnsFirewallRef, ProbeDashboard, ProbeDashboardProps
from private_bedrock.monitoring.schedule import ProbeSchedule, ProbeScheduleProps

HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class ProbeMonitoringProps:
    config: RegionConfig
    probe_function: lambda_.IFunction
    control_function: lambda_.IFunction
    vpc_id: str
    endpoint_ids: Mapping[str, str]  # service -> VPC endpoint id
    dns_firewall: DnsFirewallRef | None = None


class ProbeMonitoring(Construct):
    def __init__(self, scope: Construct, id: str, *, props: ProbeMonitoringProps) -> None:
        super().__init__(scope, id)
        cfg = props.config
        mon = cfg.monitoring
        functions = {"vpc": props.probe_function, "control": props.control_function}
        self.schedule = (
            ProbeSchedule(self, "Schedule", props=ProbeScheduleProps(expression=mon.probe_schedule, functions=functions))
            if mon.probe_schedule
            else None
        )
        self.alarms = ProbeAlarms(
            self,
            "Alarms",
            props=ProbeAlarmsProps(region=cfg.region, functions=functions, interval_minutes=mon.interval_minutes, alarm_emails=mon.alarm_emails, key_admin_arns=cfg.key_admin_arns),
        )
        self.dashboard = ProbeDashboard(
            self,
            "Dashboard",
            props=ProbeDashboardProps(
                region=cfg.region,
                dashboard_name=f"{cfg.stack_id}-probe",
                functions=functions,
                endpoints=cfg.endpoints,
                endpoint_ids=props.endpoint_ids,
                vpc_id=props.vpc_id,
                alarm_names=self.alarms.alarm_names,
                schedule=mon.probe_schedule,
                dns_firewall=props.dns_firewall,
            ),
        )
        self.audit_trail = (
            MantleAuditTrail(self, "AuditTrail", props=MantleAuditTrailProps(
                retention_days=cfg.flow_log_retention_days, key_admin_arns=tuple(cfg.key_admin_arns),
                web_search=cfg.has("serverSideTools")))
            if mon.audit_trail
            else None
        )

        runs = 0 if mon.interval_minutes is None else len(functions) * HOURS_PER_MONTH * 60 // mon.interval_minutes
        # For the template metadata: what `make synth` prices (private_bedrock/tools/report/summary.py).
        self.summary = {
            "probeSchedule": mon.probe_schedule or "off",
            "probeRunsPerMonth": runs,
            "customMetrics": m.custom_metric_count(cfg.endpoints),
            "alarmEmails": len(mon.alarm_emails),
            "auditTrail": mon.audit_trail,
        }
