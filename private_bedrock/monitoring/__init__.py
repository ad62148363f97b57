"""Continuous proof: the probes on a schedule, their metrics, alarms, dashboard and audit trail."""

from private_bedrock.monitoring.construct import ProbeMonitoring, ProbeMonitoringProps
from private_bedrock.monitoring.dashboard import DnsFirewallRef

__all__ = ["DnsFirewallRef", "ProbeMonitoring", "ProbeMonitoringProps"]
