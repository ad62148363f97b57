"""Continuous proof: the probes on a schedule, their metrics, alarms, dashboard and audit trail."""

from stacks.monitoring.construct import ProbeMonitoring, ProbeMonitoringProps
from stacks.monitoring.dashboard import DnsFirewallRef

__all__ = ["DnsFirewallRef", "ProbeMonitoring", "ProbeMonitoringProps"]
