"""Every context key this app reads, declared once: name, type, default, accepted values,
whether regionOverrides.<region> may set it, and one line saying what it does.

The parsers take their key lists, defaults and accepted values from this table (so the
checks and the reference cannot disagree), and private_bedrock/config/reference.py writes
docs/configuration.md and docs/cdk-context.schema.json from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from private_bedrock.facts.capabilities import CAPABILITIES, DEFAULT_CAPABILITIES
from private_bedrock.facts.regions import BEDROCK_REGIONS, DEFAULT_MANTLE_MODEL, INFERENCE_SCOPES, SERVICES

# --- accepted values and defaults the parsers share with the table ----------------------------

DEFAULT_REGIONS: tuple[str, ...] = ("us-east-1", "ap-northeast-1")
DEFAULT_ENDPOINTS: tuple[str, ...] = ("bedrock", "bedrock-runtime", "bedrock-mantle")
# "allow" (normal) or "deny" (the seed's flip-to-Deny demo): what the endpoint policies say.
ENDPOINT_POLICY_MODES: tuple[str, ...] = ("allow", "deny")
# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653,
)
# Bedrock service tiers (botocore 1.44: ServiceTierType of bedrock-runtime; the same values for
# bedrock-mantle's service_tier), the values of bedrock:ServiceTier / bedrock-mantle:ServiceTier.
SERVICE_TIERS: tuple[str, ...] = ("priority", "default", "flex", "reserved")
MANTLE_BASE_PATHS: tuple[str, ...] = ("/v1", "/openai/v1")
DEFAULT_PROBE_SCHEDULE = "rate(1 hour)"
# The missed-run alarm waits two intervals, and CloudWatch evaluates at most one day of
# periods; the shortest interval keeps the probe's Bedrock calls (and cost) sensible.
PROBE_INTERVAL_MINUTES = (5, 12 * 60)
# A public name the probe must NOT be able to resolve from the VPC (the DNS firewall blocks it).
DEFAULT_PROBE_PUBLIC_DNS_NAME = "example.com"
TOPOLOGIES: tuple[str, ...] = ("standalone", "hub", "spoke")
# How a hub's endpoint policies admit spoke roles (private_bedrock/policies/hub_shared.py):
# perAccount: each account's roles by explicit ARN in statements of their own (documented
#   forms only; about 30 accounts with one model fit in 20,480 characters);
# accounts: one set of statements for every account, resources pinned to the caller's own
#   account (aws:ResourceAccount = ${aws:PrincipalAccount}); the accounts and roles listed once;
# organization: the same statements for every account of one AWS Organization whose role has a
#   name in spokeRoleNames: the policy's size does not depend on the number of accounts.
SPOKE_ACCESS: tuple[str, ...] = ("perAccount", "accounts", "organization")
# Inbound rules per security group: AWS's default quota (adjustable up to 1,000; rules per
# group x groups per network interface may not exceed 1,000). A referenced managed prefix
# list counts its max entries, so a list would not raise this limit (aws-facts, 2026-12).
DEFAULT_SG_RULE_QUOTA = 60
MAX_SG_RULE_QUOTA = 1000
# Five SCPs may be attached to one target, and FullAWSAccess (which SCPs need to allow
# anything at all) usually takes one slot: four are left for the fence by default.
SCPS_PER_TARGET = 5
DEFAULT_MAX_POLICIES = SCPS_PER_TARGET - 1
CALL_AS: tuple[str, ...] = ("SELF", "DELEGATED_ADMIN")
CONCURRENCY_MODES: tuple[str, ...] = ("STRICT_FAILURE_TOLERANCE", "SOFT_FAILURE_TOLERANCE")
# Safe defaults: a quarter of the accounts at a time, stop at the first failure (CloudFormation
# then stops the operation in that region and the next regions are not started).
DEFAULT_MAX_CONCURRENT_PERCENTAGE = 25
DEFAULT_FAILURE_TOLERANCE_COUNT = 0

# --- the table ----------------------------------------------------------------------------------

TYPES = ("string", "integer", "boolean", "list", "object")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # no default value: absent means "not set" (or the default is computed)


@dataclass(frozen=True)
class Key:
    name: str  # as written; a nested key's name includes its object: "fence.enabled"
    type: str  # one of TYPES; a list is a list of strings
    description: str
    default: Any = UNSET  # the value the parsers use when the key is absent
    default_text: str | None = None  # how the default is decided, when it is not one value
    accepted: tuple[Any, ...] = ()  # the only values (a list: the only entries); empty = a pattern or free text
    accepted_text: str | None = None  # the accepted form, when it is not a list of values
    minimum: int | None = None
    maximum: int | None = None
    regional: bool = False  # may be set per region in regionOverrides.<region>
    group: str = ""  # "hub" / "spoke": applies only with that topology

    @property
    def section(self) -> str:
        """The object the key is in: "" (the context itself), "fence", "fleet", "claudePlatform"."""
        return self.name.rpartition(".")[0]

    @property
    def short_name(self) -> str:
        return self.name.rpartition(".")[2]


def _r(name: str, type_: str, description: str, **kw: Any) -> Key:
    return Key(name, type_, description, regional=True, **kw)


_ROLE = "IAM role ARNs with a 12-digit account, such as arn:aws:iam::123456789012:role/my-workload"
_PER_REGION = "Bedrock ARNs of the region's (and account's) resources"

TABLE: tuple[Key, ...] = (
    Key("regions", "list", "The regions that get a stack (one `PrivateBedrock-<region>` each).", default=list(DEFAULT_REGIONS), accepted=tuple(sorted(BEDROCK_REGIONS))),
    Key("regionOverrides", "object", "Settings for one region on top of the top-level ones, `{region: {key: value}}`; only the keys marked per region.", default={}),
    _r("azCount", "integer", "Availability zones: one private /24 subnet and one endpoint network interface each.", default=2, minimum=1, maximum=3),
    _r("availabilityZones", "list", "Zone names to use (as many as azCount); empty: decided at synth (or deploy).", default=[], accepted_text="zones of the region, such as us-east-1a"),
    _r("vpcCidr", "string", "The new VPC's range: a private /16 to /24 holding one /24 per zone.", default_text="a distinct /16 per region (us-east-1 10.80.0.0/16, ap-northeast-1 10.81.0.0/16, ...)", accepted_text="a private IPv4 CIDR, /16 to /24"),
    _r("endpoints", "list", "The interface endpoints to create; bedrock-runtime is required.", default=list(DEFAULT_ENDPOINTS), accepted=SERVICES),
    _r("runtimeModels", "list", "The native (bedrock-runtime) model or inference profile ids the grants allow; the first is the probe's.", default_text="the region's built-in model that keeps inference in the region (or its country's profile)", accepted_text="model ids (amazon.nova-micro-v1:0) or profile ids (us.amazon.nova-micro-v1:0); no ARNs"),
    _r("mantleModels", "list", "The bedrock-mantle model ids the grants allow (used with bedrock-mantle in endpoints).", default=[DEFAULT_MANTLE_MODEL], accepted_text="provider.model without a region prefix"),
    _r("inferenceScope", "string", "How far inference may travel: the profile prefixes runtimeModels may use.", default_text="region; country when the built-in default model is a country profile", accepted=INFERENCE_SCOPES),
    _r("allowApiKeys", "boolean", "Admit Bedrock API keys (bearer tokens) through this deployment's endpoints.", default=False),
    _r("claudePlatform", "object", "Claude Platform on AWS: denied by default; `{\"enabled\": true, \"principalArns\": [...]}` exempts exactly those roles.", default={}),
    _r("extraPrincipalArns", "list", "More roles the endpoint policies admit besides the workload role.", default=[], accepted_text=_ROLE),
    _r("onPremCidrs", "list", "On-premises ranges admitted to the endpoints on 443.", default=[], accepted_text="IPv4 CIDRs, /8 or narrower, private unless allowPublicOnPremCidrs"),
    _r("endpointPolicy", "string", "What the endpoint policies say: allow (normal) or deny (refuse everything).", default="allow", accepted=ENDPOINT_POLICY_MODES),
    _r("flowLogRetentionDays", "integer", "How long the VPC flow logs are kept (days).", default=365, accepted=LOG_RETENTION_DAYS),
    _r("mantleBasePath", "string", "The bedrock-mantle API path the probe calls.", default="/v1", accepted=MANTLE_BASE_PATHS),
    _r("dnsAllowedDomains", "list", "Your own domains the DNS firewall lets the VPC resolve, on top of the AWS names it needs.", default=[], accepted_text="lower-case names such as corp.example.com, or *.corp.example.com"),
    _r("keyAdminArns", "list", "Who administers the log key; empty: the account root.", default=[], accepted_text="IAM role or user ARNs"),
    _r("allowPublicOnPremCidrs", "boolean", "Acknowledge onPremCidrs that are public address space your network owns.", default=False),
    _r("resolverInboundEndpoint", "boolean", "A Route 53 Resolver inbound endpoint for on-premises DNS (needs onPremCidrs).", default=False),
    _r("capabilities", "list", "What the grants cover beyond inference on the allowed models (inference is required).", default=list(DEFAULT_CAPABILITIES), accepted=tuple(CAPABILITIES)),
    _r("guardrailArn", "string", "The guardrail every bedrock-runtime inference must carry (needs the guardrails capability).", accepted_text=f"{_PER_REGION}: `arn:aws:bedrock:<region>:<account>:guardrail/<id>`"),
    _r("agentAliasArns", "list", "The only agent aliases bedrock-agent-runtime may invoke.", default=[], accepted_text=f"{_PER_REGION}: `arn:aws:bedrock:<region>:<account>:agent-alias/<agent>/<alias>`"),
    _r("knowledgeBaseArns", "list", "The only knowledge bases bedrock-agent-runtime may retrieve from.", default=[], accepted_text=f"{_PER_REGION}: `arn:aws:bedrock:<region>:<account>:knowledge-base/<id>`"),
    _r("probePublicDnsName", "string", "A public name the probe must fail to resolve from the VPC (proves the DNS firewall).", default=DEFAULT_PROBE_PUBLIC_DNS_NAME, accepted_text="a DNS name"),
    _r("vpcId", "string", "An existing VPC to put the endpoints in instead of a new one (with subnetIds).", accepted_text="vpc-0123456789abcdef0"),
    _r("subnetIds", "list", "The existing VPC's private subnets for the endpoints and the probe.", default=[], accepted_text="subnet ids such as subnet-0123456789abcdef0"),
    _r("topology", "string", "standalone: its own endpoints; hub: endpoints shared with spokes; spoke: uses a hub's.", default="standalone", accepted=TOPOLOGIES),
    _r("securityGroupRuleQuota", "integer", "Your account's inbound rules per security group quota (checks the endpoint group fits).", default=DEFAULT_SG_RULE_QUOTA, minimum=1, maximum=MAX_SG_RULE_QUOTA),
    _r("spokeCidrs", "list", "The spoke VPCs' ranges admitted on 443 (summarised).", default=[], accepted_text="private IPv4 CIDRs", group="hub"),
    _r("spokePrincipalArns", "list", "The spoke roles the hub's endpoint policies admit.", default=[], accepted_text=_ROLE, group="hub"),
    _r("spokeAccess", "string", "How the hub admits spoke roles: per account, one set for all accounts, or an organisation's role names.", default="perAccount", accepted=SPOKE_ACCESS, group="hub"),
    _r("spokeOrganizationArn", "string", "The organisation of the spoke accounts (spokeAccess accounts or organization).", accepted_text="`arn:aws:organizations::<management>:organization/o-...`", group="hub"),
    _r("spokeRoleNames", "list", "Role names admitted in every member account (spokeAccess organization).", default=[], accepted_text="role names, with their path if any", group="hub"),
    _r("spokeOrgPaths", "list", "Only member accounts under these OUs (spokeAccess organization).", default=[], accepted_text="o-.../r-.../ou-.../", group="hub"),
    _r("hubEndpointIds", "object", "The hub's endpoint ids, one per service in endpoints (the hub stack's outputs).", accepted_text='`{"bedrock-runtime": "vpce-..."}`, or a list of `service=vpce-id`', group="spoke"),
    _r("hubVpcCidr", "string", "The hub VPC's range (where its endpoint addresses are).", accepted_text="a private IPv4 CIDR", group="spoke"),
    _r("hubDnsProfileId", "string", "The hub's Route 53 Profile, shared with this account (its DnsProfileId output).", accepted_text="rp-...", group="spoke"),
    _r("probeSchedule", "string", "How often the probe runs, or off.", default=DEFAULT_PROBE_SCHEDULE, accepted_text=f"off, or rate({PROBE_INTERVAL_MINUTES[0]} minutes) to rate({PROBE_INTERVAL_MINUTES[1] // 60} hours)"),
    _r("alarmEmails", "list", "Who the probe's alarms email.", default=[], accepted_text="email addresses"),
    _r("auditTrail", "boolean", "A CloudTrail trail of bedrock-mantle data events.", default=False),
    _r("serviceTiers", "list", "The service tiers inference may ask for (default is required); not set: every tier.", accepted=SERVICE_TIERS),
    Key("fence", "object", "The organisation fence: service control policies that keep Bedrock behind these endpoints.", default={}),
    Key(
        "fenceEndpointIds", "object",
        "The deployed endpoints' ids the fence names, `{region: {service: vpce-id}}`; written by `make fence-ids` (see below).", default={},
        accepted_text='`{"us-east-1": {"bedrock-runtime": "vpce-0123456789abcdef0"}}`',
    ),
    Key("fleet", "object", "Delivery by CloudFormation StackSets to the accounts of an organisation's OUs.", default={}),
    Key("fence.enabled", "boolean", "Create the management-account stack that attaches the policies.", default=False),
    Key("fence.managementAccount", "string", "The management (or delegated administrator) account.", accepted_text="a 12-digit account id"),
    Key("fence.targets", "list", "Where the policies are attached.", default=[], accepted_text="roots (r-...), OUs (ou-...-...) or 12-digit account ids"),
    Key("fence.breakGlassPrincipalArns", "list", "Roles exempt from every fence statement (at least one when enabled).", default=[], accepted_text="IAM role or user ARNs with a 12-digit account; * in the name only"),
    Key("fence.exemptServiceRoleArns", "list", "Roles an AWS service assumes for you, exempt from the network statement only.", default=[], accepted_text="exact IAM role ARNs"),
    Key("fence.viaServices", "list", "Services whose forward-access calls may reach Bedrock without the endpoints.", default=[], accepted_text="service principals such as cloudformation.amazonaws.com"),
    Key("fence.maxPolicies", "integer", "How many SCPs the fence may use per target.", default=DEFAULT_MAX_POLICIES, minimum=1, maximum=DEFAULT_MAX_POLICIES),
    Key("fleet.enabled", "boolean", "Deliver the regional stacks by StackSets.", default_text="true when fleet has any key"),
    Key("fleet.administratorAccount", "string", "The management or delegated-administrator account that holds the StackSets.", accepted_text="a 12-digit account id"),
    Key("fleet.callAs", "string", "Who calls StackSets: SELF (the management account) or DELEGATED_ADMIN (a registered delegated administrator).", default="SELF", accepted=CALL_AS),
    Key("fleet.homeRegion", "string", "The region of the administrator's stack that holds the StackSets.", default_text="the first of regions", accepted_text="a region of regions' accepted values"),
    Key("fleet.organizationId", "string", "The organisation the asset buckets and the verifier role admit.", accepted_text="o-..."),
    Key("fleet.organizationalUnits", "list", "The OUs (or root) whose accounts get the stacks.", default=[], accepted_text="ou-...-... or r-..."),
    Key("fleet.excludeAccounts", "list", "Accounts of those OUs left out.", default=[], accepted_text="12-digit account ids"),
    Key("fleet.regionOrder", "list", "Every configured region once, in rollout order.", default_text="the order of regions"),
    Key("fleet.maxConcurrentPercentage", "integer", "Accounts at a time, as a percentage (or maxConcurrentCount).", default=DEFAULT_MAX_CONCURRENT_PERCENTAGE, minimum=1, maximum=100),
    Key("fleet.maxConcurrentCount", "integer", "Accounts at a time, as a count (instead of the percentage).", minimum=1, maximum=10_000),
    Key("fleet.failureTolerancePercentage", "integer", "Failed accounts tolerated per region, as a percentage (or failureToleranceCount).", minimum=0, maximum=100),
    Key("fleet.failureToleranceCount", "integer", "Failed accounts tolerated per region, as a count.", default=DEFAULT_FAILURE_TOLERANCE_COUNT, minimum=0, maximum=10_000),
    Key("fleet.concurrencyMode", "string", "How CloudFormation applies the failure tolerance.", default="STRICT_FAILURE_TOLERANCE", accepted=CONCURRENCY_MODES),
    Key("fleet.autoDeployment", "boolean", "Deploy to accounts that join the OUs later (and remove from those that leave).", default=True),
    Key("fleet.retainStacksOnAccountRemoval", "boolean", "Keep the stacks of an account that leaves the OUs (with autoDeployment).", default=True),
    Key("fleet.verifierCallerArns", "list", "The administrator-account roles that may assume the verifier role in each account.", default=[], accepted_text="IAM role ARNs of the administrator account"),
    Key("claudePlatform.enabled", "boolean", "Exempt the named roles from the Claude Platform Denies.", default=False),
    Key("claudePlatform.principalArns", "list", "The roles exempt (exact role ARNs, at least one when enabled).", default=[], accepted_text="exact IAM role ARNs"),
)
KEYS: dict[str, Key] = {k.name: k for k in TABLE}


def keys_in(section: str) -> tuple[str, ...]:
    """The short names of the keys of one object ("fence"), or of the context itself ("")."""
    return tuple(k.short_name for k in TABLE if k.section == section)


def default(name: str) -> Any:
    """The default of a key with one default value (a KeyError for one decided otherwise)."""
    value = KEYS[name].default
    if value is UNSET:
        raise KeyError(f"{name} has no single default value")
    return list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict) else value


def accepted(name: str) -> tuple[Any, ...]:
    return KEYS[name].accepted


# Keys that may differ per region (top level = default, regionOverrides.<region> = override).
REGIONAL_KEYS: tuple[str, ...] = tuple(k.name for k in TABLE if k.regional)
HUB_KEYS: tuple[str, ...] = tuple(k.name for k in TABLE if k.group == "hub")
SPOKE_KEYS: tuple[str, ...] = tuple(k.name for k in TABLE if k.group == "spoke")
TOPOLOGY_KEYS: tuple[str, ...] = ("vpcId", "subnetIds", "topology", "securityGroupRuleQuota", *HUB_KEYS, *SPOKE_KEYS)
GLOBAL_KEYS: tuple[str, ...] = tuple(k.name for k in TABLE if not k.section and not k.regional)
KNOWN_KEYS: frozenset[str] = frozenset(keys_in(""))
FENCE_KEYS: tuple[str, ...] = keys_in("fence")
FLEET_KEYS: tuple[str, ...] = keys_in("fleet")
CLAUDE_PLATFORM_KEYS: tuple[str, ...] = keys_in("claudePlatform")

# What the CDK CLI itself stores in the context (`cdk acknowledge` writes this one).
CDK_KEYS: frozenset[str] = frozenset({"acknowledged-issue-numbers"})


def is_cdk_key(key: str) -> bool:
    """CDK's own context (feature flags, lookups, CLI settings) is not ours to judge."""
    return key.startswith("@") or ":" in key or key.startswith("aws-cdk") or key.startswith("cdk") or key in CDK_KEYS
