"""Private Amazon Bedrock access as code: a CDK construct library.

    from private_bedrock import BedrockAccess, PrivateBedrockEndpoints, SourceVpceOnlyPolicy

Folders by concern: `config` (context to typed slices), `facts` (AWS facts as data),
`policies` (pure policy documents), `network`, `probe`, `monitoring`, `security`, `fleet`
(constructs), `tools` (the command-line tools).

The names below are loaded on first use (PEP 562), so importing the package, or running
`python -m private_bedrock.tools...`, does not load aws_cdk.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "BedrockAccess": "private_bedrock.access",
    "ConfigError": "private_bedrock.config.errors",
    "ModelRef": "private_bedrock.config.models",
    "MonitoringConfig": "private_bedrock.config.monitoring",
    "NetworkSettings": "private_bedrock.config.network_settings",
    "ProbePlan": "private_bedrock.config.probe_plan",
    "Network": "private_bedrock.network",
    "build_network": "private_bedrock.network",
    "PrivateBedrockEndpoints": "private_bedrock.network.endpoints",
    "SourceVpceOnlyPolicy": "private_bedrock.security.workload_policy",
    "ConnectivityProbe": "private_bedrock.probe.construct",
    "ConnectivityProbeProps": "private_bedrock.probe.construct",
    "ProbeMonitoring": "private_bedrock.monitoring.construct",
    "ProbeMonitoringProps": "private_bedrock.monitoring.construct",
    "DnsFirewallRef": "private_bedrock.monitoring.dashboard",
    "DnsFirewall": "private_bedrock.network.dns_firewall",
    "DnsFirewallProps": "private_bedrock.network.dns_firewall",
    "IsolatedNetwork": "private_bedrock.network.isolated",
    "IsolatedNetworkProps": "private_bedrock.network.isolated",
    "ImportedVpc": "private_bedrock.network.existing",
    "ImportedVpcProps": "private_bedrock.network.existing",
    "ResolverInboundEndpoint": "private_bedrock.network.resolver_inbound",
    "ResolverInboundEndpointProps": "private_bedrock.network.resolver_inbound",
    "HubDns": "private_bedrock.network.shared_dns",
    "HubDnsProps": "private_bedrock.network.shared_dns",
    "SpokeDns": "private_bedrock.network.shared_dns",
    "SpokeDnsProps": "private_bedrock.network.shared_dns",
    "LogKey": "private_bedrock.security.log_key",
    "LogKeyProps": "private_bedrock.security.log_key",
    "ProviderFunctionHardening": "private_bedrock.security.provider_logs",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from private_bedrock.access import BedrockAccess
    from private_bedrock.config.errors import ConfigError
    from private_bedrock.config.models import ModelRef
    from private_bedrock.config.monitoring import MonitoringConfig
    from private_bedrock.config.network_settings import NetworkSettings
    from private_bedrock.config.probe_plan import ProbePlan
    from private_bedrock.network import Network, build_network
    from private_bedrock.monitoring.construct import ProbeMonitoring, ProbeMonitoringProps
    from private_bedrock.monitoring.dashboard import DnsFirewallRef
    from private_bedrock.network.dns_firewall import DnsFirewall, DnsFirewallProps
    from private_bedrock.network.endpoints import PrivateBedrockEndpoints
    from private_bedrock.network.existing import ImportedVpc, ImportedVpcProps
    from private_bedrock.network.isolated import IsolatedNetwork, IsolatedNetworkProps
    from private_bedrock.network.resolver_inbound import ResolverInboundEndpoint, ResolverInboundEndpointProps
    from private_bedrock.network.shared_dns import HubDns, HubDnsProps, SpokeDns, SpokeDnsProps
    from private_bedrock.probe.construct import ConnectivityProbe, ConnectivityProbeProps
    from private_bedrock.security.log_key import LogKey, LogKeyProps
    from private_bedrock.security.provider_logs import ProviderFunctionHardening
    from private_bedrock.security.workload_policy import SourceVpceOnlyPolicy


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'private_bedrock' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # loaded once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
