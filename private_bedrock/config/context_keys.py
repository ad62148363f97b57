"""The context keys this app reads, and which of them may differ per region."""

from __future__ import annotations

from private_bedrock.config.topology import TOPOLOGY_KEYS

# Keys that may differ per region (top level = default, regionOverrides.<region> = override).
REGIONAL_KEYS: tuple[str, ...] = (
    "azCount",
    "availabilityZones",
    "vpcCidr",
    "endpoints",
    "runtimeModels",
    "mantleModels",
    "inferenceScope",
    "allowApiKeys",
    "claudePlatform",
    "extraPrincipalArns",
    "onPremCidrs",
    "endpointPolicy",
    "flowLogRetentionDays",
    "mantleBasePath",
    "dnsAllowedDomains",
    "keyAdminArns",
    "allowPublicOnPremCidrs",
    "resolverInboundEndpoint",
    "capabilities",
    "guardrailArn",
    "agentAliasArns",
    "knowledgeBaseArns",
    "probePublicDnsName",
    *TOPOLOGY_KEYS,
    "probeSchedule",
    "alarmEmails",
    "auditTrail",
    "serviceTiers",
)
# fence: the organisation fence (private_bedrock/config/fence.py); fenceEndpointIds: written by `make fence-ids`.
# fleet: delivery by CloudFormation StackSets (private_bedrock/config/fleet.py).
GLOBAL_KEYS: tuple[str, ...] = ("regions", "regionOverrides", "fence", "fenceEndpointIds", "fleet")
KNOWN_KEYS: frozenset[str] = frozenset(REGIONAL_KEYS + GLOBAL_KEYS)


# What the CDK CLI itself stores in the context (`cdk acknowledge` writes this one).
CDK_KEYS: frozenset[str] = frozenset({"acknowledged-issue-numbers"})


def is_cdk_key(key: str) -> bool:
    """CDK's own context (feature flags, lookups, CLI settings) is not ours to judge."""
    return key.startswith("@") or ":" in key or key.startswith("aws-cdk") or key.startswith("cdk") or key in CDK_KEYS
