"""Configuration of where the endpoints live: a new VPC or an existing one, and the topology.

Parsed by private_bedrock/config/region.py (`parse_network`) for each region, like every other key, so each
can be overridden under regionOverrides.<region>. Errors are one sentence (ConfigError).

- standalone (default): this stack's VPC (new, or `vpcId` + `subnetIds`) holds the endpoints
  with private DNS; its own workloads use them.
- hub: the endpoints (private DNS off) and the DNS for their names, shared with spoke VPCs
  and accounts through a Route 53 Profile; the endpoint SG admits `spokeCidrs` on 443
  (summarised: adjacent and nested ranges collapse) and the endpoint policies admit the spoke
  roles in the form `spokeAccess` chooses (private_bedrock/policies/hub_shared.py).
- spoke: an existing workload VPC that associates the hub's Route 53 Profile
  (`hubDnsProfileId`) and calls the hub's endpoints (`hubEndpointIds`, in `hubVpcCidr`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from private_bedrock.config.context_keys import DEFAULT_SG_RULE_QUOTA, HUB_KEYS, MAX_SG_RULE_QUOTA, SPOKE_ACCESS, SPOKE_KEYS, TOPOLOGIES, default
from private_bedrock.config.errors import ConfigError, Problems
from private_bedrock.config.network_inputs import ipv4_network
from private_bedrock.config.values import ROLE_ARN, as_int, as_list, as_mapping, matching, one_of, role_arns

ENDPOINT_IDS_EXAMPLE = '{"bedrock-runtime": "vpce-0123456789abcdef0"}'
_VPC_ID = re.compile(r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$")
_SUBNET_ID = re.compile(r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$")
_VPCE_ID = re.compile(r"^vpce-([0-9a-f]{8}|[0-9a-f]{17})$")
_PROFILE_ID = re.compile(r"^rp-[0-9a-z]{1,64}$")
_ORG_ARN = re.compile(r"^arn:aws:organizations::(\d{12}):organization/(o-[a-z0-9]{10,32})$")
# A role name, with its path if it has one (no wildcards: the name is admitted in every
# account of the organisation, which is already the widest this key may reach).
# An organisation path as aws:PrincipalOrgPaths carries it: o-.../r-.../ou-.../ (an OU and what is under it).
_ORG_PATH = re.compile(r"^(o-[a-z0-9]{10,32})/r-[0-9a-z]{4,32}/(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}/)+$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]+(/[\w+=,.@-]+)*$")


@dataclass(frozen=True)
class ExistingVpc:
    """A VPC the user already has: nothing is created in it but SGs, endpoints, DNS, probe."""

    vpc_id: str
    subnet_ids: tuple[str, ...]


@dataclass(frozen=True)
class HubSettings:
    spoke_cidrs: tuple[str, ...]  # admitted to the endpoint SG on 443, summarised (collapsed)
    spoke_principal_arns: tuple[str, ...]  # admitted by the endpoint policies
    access: str = "perAccount"  # SPOKE_ACCESS
    organization_arn: str | None = None  # arn:aws:organizations::<management>:organization/o-...
    role_names: tuple[str, ...] = ()  # organization access: names admitted in every member account
    org_paths: tuple[str, ...] = ()  # organization access: only member accounts under these OUs

    @property
    def organization_id(self) -> str | None:
        return _ORG_ARN.match(self.organization_arn).group(2) if self.organization_arn else None  # type: ignore[union-attr]

    @property
    def spoke_accounts(self) -> tuple[str, ...]:
        """Accounts the DNS profile is shared with (those of the spoke principals), sorted."""
        return tuple(sorted({ROLE_ARN.match(a).group(1) for a in self.spoke_principal_arns}))  # type: ignore[union-attr]

    @property
    def share_principals(self) -> tuple[str, ...]:
        """RAM principals of the DNS profile share: the organisation (organization access), else the accounts."""
        return (self.organization_arn,) if self.access == "organization" and self.organization_arn else self.spoke_accounts


@dataclass(frozen=True)
class SpokeSettings:
    endpoint_ids: tuple[tuple[str, str], ...]  # (service, hub vpce id), in endpoint order
    hub_vpc_cidr: str  # where the hub's endpoint addresses are: the probe's DNS check range
    dns_profile_id: str  # the hub's Route 53 Profile, shared with this account through RAM

    @property
    def endpoint_id_of(self) -> dict[str, str]:
        return dict(self.endpoint_ids)


@dataclass(frozen=True)
class NetworkChoice:
    topology: str = "standalone"
    existing: ExistingVpc | None = None  # None: a new isolated VPC
    hub: HubSettings | None = None
    spoke: SpokeSettings | None = None


def _ids(key: str, value: Any, pattern: re.Pattern[str], example: str, kind: str) -> tuple[str, ...]:
    return matching(key, value, pattern, f"{kind} such as {example}", unique_noun="an id")


def _private_cidr(key: str, value: str) -> str:
    net = ipv4_network(key, value, "10.81.0.0/16")
    if not net.is_private or net.prefixlen < 8:
        raise ConfigError(f"{key} {value!r} is not a private (RFC 1918) range of a VPC; give the VPC's CIDR such as 10.81.0.0/16.")
    return str(net)


def _endpoint_ids(key: str, value: Any, endpoints: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """{"bedrock-runtime": "vpce-..."} (its JSON text from `-c`) or ["bedrock-runtime=vpce-...", ...]
    -> pairs in endpoint order."""
    if isinstance(value, Mapping) or (isinstance(value, str) and value.strip().startswith("{")):
        pairs = dict(as_mapping(key, value, ENDPOINT_IDS_EXAMPLE))
    else:
        pairs = {}
        for item in as_list(key, value):
            service, sep, vpce = item.partition("=")
            if not sep:
                raise ConfigError(f"{key} entry {item!r} is not service=vpce-id such as bedrock-runtime=vpce-0123456789abcdef0.")
            pairs[service.strip()] = vpce.strip()
    unknown = sorted(set(pairs) - set(endpoints))
    if unknown:
        raise ConfigError(f"{key} names {unknown[0]!r}, which is not in endpoints ({', '.join(endpoints)}); remove it or enable that endpoint.")
    for service in endpoints:
        if service not in pairs:
            raise ConfigError(f"{key} has no id for {service}; give the hub stack's {service} endpoint id (its output), or leave {service} out of endpoints.")
        if not isinstance(pairs[service], str) or not _VPCE_ID.match(pairs[service]):
            raise ConfigError(f"{key} entry for {service} {pairs[service]!r} is not a VPC endpoint id such as vpce-0123456789abcdef0.")
    return tuple((s, pairs[s]) for s in endpoints)


def summarised_cidrs(key: str, cidrs: Sequence[str]) -> tuple[str, ...]:
    """The smallest list of ranges covering `cidrs`: adjacent ranges merge, nested ones drop out."""
    nets = [ipaddress.IPv4Network(_private_cidr(key, c)) for c in cidrs]
    return tuple(str(n) for n in ipaddress.collapse_addresses(nets))


def _org_arn(key: str, value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not _ORG_ARN.match(value)):
        raise ConfigError(
            f"{key} {value!r} is not an AWS Organizations ARN such as "
            "arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5 (aws organizations describe-organization)."
        )
    return value


def _spoke_cidrs(key: str, value: Any) -> tuple[str, ...]:
    cidrs = as_list(key, value)
    p = Problems()
    for c in cidrs:
        p.check(_private_cidr, key, c)
    p.raise_if_any()
    return summarised_cidrs(key, cidrs)


def _hub_settings(region: str, settings: Mapping[str, Any], where: Callable[[str], str], hub_vpc_cidr: str | None) -> HubSettings:
    p = Problems()
    access = p.check(one_of, where("spokeAccess"), settings.get("spokeAccess", default("spokeAccess")), SPOKE_ACCESS)
    cidrs = p.check(_spoke_cidrs, where("spokeCidrs"), settings.get("spokeCidrs", default("spokeCidrs")))
    arns = p.check(role_arns, where("spokePrincipalArns"), settings.get("spokePrincipalArns", default("spokePrincipalArns")))
    names = p.check(matching, where("spokeRoleNames"), settings.get("spokeRoleNames", default("spokeRoleNames")), _ROLE_NAME, "an IAM role name (with its path, if any) such as my-app or team/my-app", unique_noun="a name")
    org_arn = p.check(_org_arn, where("spokeOrganizationArn"), settings.get("spokeOrganizationArn"))
    paths = p.check(matching, where("spokeOrgPaths"), settings.get("spokeOrgPaths", default("spokeOrgPaths")), _ORG_PATH, "an organisation path to an OU such as o-a1b2c3d4e5/r-ab12/ou-ab12-cd34ef56/", unique_noun="a path")
    p.raise_if_any()  # the checks below compare these values with each other
    if paths and access != "organization":
        p.add(f"{where('spokeOrgPaths')} applies only with spokeAccess organization (this hub's is {access}); remove it or choose organization.")
    if access == "organization":
        if org_arn is None:
            p.add(f"{where('spokeAccess')} organization needs {where('spokeOrganizationArn')}: the organisation whose member accounts' roles the hub admits.")
        if not names and not arns:
            p.add(f"{where('spokeAccess')} organization needs {where('spokeRoleNames')} (role names admitted in every member account) or {where('spokePrincipalArns')}.")
    else:
        if names:
            p.add(f"{where('spokeRoleNames')} applies only with spokeAccess organization (this hub's is {access}); list the roles in spokePrincipalArns instead, or choose organization.")
        if org_arn is not None and access == "perAccount":
            p.add(f"{where('spokeOrganizationArn')} applies only with spokeAccess accounts or organization (this hub's is perAccount); remove it or choose one of those.")
    # With spokeAccess organization, missing roles are reported above.
    if not cidrs or not (arns or names or access == "organization"):
        missing = "spokeCidrs" if not cidrs else "spokePrincipalArns"
        p.add(f"topology hub in {region} needs {where(missing)}: the spoke VPCs' CIDRs (admitted on 443) and the spoke roles' ARNs (admitted by the endpoint policies).")
    if hub_vpc_cidr is not None:
        hub_net = ipaddress.IPv4Network(hub_vpc_cidr)
        for c in cidrs:
            if ipaddress.IPv4Network(c).overlaps(hub_net):
                p.add(f"{where('spokeCidrs')} entry {c} overlaps the hub's vpcCidr {hub_net}; spokes are routed to the hub, so their ranges must differ.")
    org_id = _ORG_ARN.match(org_arn).group(2) if org_arn else None  # type: ignore[union-attr]
    for path in paths if org_id else ():  # without an organisation, its absence is reported above
        if not path.startswith(f"{org_id}/"):
            p.add(f"{where('spokeOrgPaths')} entry {path!r} is not in the organisation {org_id} of spokeOrganizationArn; give a path that starts with {org_id}/.")
    p.raise_if_any()
    return HubSettings(cidrs, arns, access, org_arn, names, paths)


def check_inbound_rule_quota(key: str, quota_value: Any, on_prem: Sequence[str], network: NetworkChoice) -> int:
    """Refuse an endpoint security group with more inbound rules than the quota allows.

    The rules: one from the workload SG, one per on-premises range, one per summarised spoke range.
    """
    quota = DEFAULT_SG_RULE_QUOTA if quota_value is None else as_int(key, quota_value)
    if not 1 <= quota <= MAX_SG_RULE_QUOTA:
        raise ConfigError(f"{key} {quota} is not a security group inbound rule quota; give your account's quota, 1 to {MAX_SG_RULE_QUOTA} (AWS's default is {DEFAULT_SG_RULE_QUOTA}).")
    spokes = network.hub.spoke_cidrs if network.hub else ()
    rules = 1 + len(on_prem) + len(spokes)
    if rules > quota:
        raise ConfigError(
            f"The endpoint security group would need {rules} inbound rules (1 for the workloads, {len(on_prem)} for onPremCidrs, "
            f"{len(spokes)} for spokeCidrs after summarising), over the quota of {quota}; give supernets that cover several spoke VPCs, "
            f"or raise the quota with AWS and set {key}."
        )
    return quota


def _existing(settings: Mapping[str, Any], where: Callable[[str], str]) -> ExistingVpc | None:
    """vpcId and subnetIds: an existing VPC, or None for a new one."""
    if "vpcId" not in settings:
        if settings.get("subnetIds"):
            raise ConfigError(f"{where('subnetIds')} is set without vpcId; give the VPC the subnets belong to, or remove subnetIds to create a new VPC.")
        return None
    p = Problems()
    vpc_id = settings["vpcId"]
    if not isinstance(vpc_id, str) or not _VPC_ID.match(vpc_id):
        p.add(f"{where('vpcId')} {vpc_id!r} is not a VPC id such as vpc-0123456789abcdef0.")
    subnets = p.check(_ids, where("subnetIds"), settings.get("subnetIds", default("subnetIds")), _SUBNET_ID, "subnet-0123456789abcdef0", "a subnet id")
    if subnets == ():
        p.add(f"{where('vpcId')} {vpc_id} needs subnetIds: the private subnets of that VPC the endpoints and the probe go into (one per zone you want).")
    if settings.get("availabilityZones"):
        p.add(f"{where('availabilityZones')} does not apply with vpcId (the zones are those of subnetIds); remove it.")
    p.raise_if_any()
    return ExistingVpc(vpc_id, subnets)


def _spoke_settings(region: str, settings: Mapping[str, Any], where: Callable[[str], str], endpoints: Sequence[str]) -> SpokeSettings:
    p = Problems()
    for key in ("onPremCidrs", "extraPrincipalArns"):
        if settings.get(key):
            p.add(f"{where(key)} applies to the hub, which holds the endpoints; set it there (spoke roles go into the hub's spokePrincipalArns).")
    for key in SPOKE_KEYS:
        if not settings.get(key):
            p.add(f"topology spoke in {region} needs {where(key)} (from the hub stack's outputs).")
    p.raise_if_any()
    ids = p.check(_endpoint_ids, where("hubEndpointIds"), settings["hubEndpointIds"], endpoints)
    profile = settings["hubDnsProfileId"]
    if not isinstance(profile, str) or not _PROFILE_ID.match(profile):
        p.add(f"{where('hubDnsProfileId')} {profile!r} is not a Route 53 Profile id such as rp-0123456789abcdef (the hub's DnsProfileId output).")
    hub_vpc_cidr = p.check(_private_cidr, where("hubVpcCidr"), settings["hubVpcCidr"])
    p.raise_if_any()
    return SpokeSettings(ids, hub_vpc_cidr, profile)


def parse_network(
    region: str, settings: Mapping[str, Any], where: Callable[[str], str], endpoints: Sequence[str], vpc_cidr: str
) -> NetworkChoice:
    """Validate vpcId/subnetIds/topology and the hub or spoke settings of one region."""
    p = Problems()
    topology = settings.get("topology", default("topology"))
    if topology not in TOPOLOGIES:
        p.add(f"{where('topology')} {topology!r} is not supported; use one of: {', '.join(TOPOLOGIES)}.")
    existing = p.check(_existing, settings, where)
    if topology in TOPOLOGIES:
        for key in HUB_KEYS:
            if key in settings and topology != "hub":
                p.add(f"{where(key)} applies only with topology hub (this region's topology is {topology}); remove it.")
        for key in SPOKE_KEYS:
            if key in settings and topology != "spoke":
                p.add(f"{where(key)} applies only with topology spoke (this region's topology is {topology}); remove it.")
    p.raise_if_any()  # the hub's and spoke's settings depend on the topology and the VPC

    if topology == "hub":
        return NetworkChoice("hub", existing, hub=_hub_settings(region, settings, where, vpc_cidr if existing is None else None))
    if topology == "spoke":
        if existing is None:
            raise ConfigError(f"topology spoke in {region} needs vpcId and subnetIds of the workload VPC (a spoke uses the hub's endpoints and creates no VPC).")
        return NetworkChoice("spoke", existing, spoke=_spoke_settings(region, settings, where, endpoints))
    return NetworkChoice("standalone", existing)
