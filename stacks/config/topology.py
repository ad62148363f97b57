"""Configuration of where the endpoints live: a new VPC or an existing one, and the topology.

Parsed by stacks/config/app_config.py (`parse_network`) for each region, like every other key, so each
can be overridden under regionOverrides.<region>. Errors are one sentence (ConfigError).

- standalone (default): this stack's VPC (new, or `vpcId` + `subnetIds`) holds the endpoints
  with private DNS; its own workloads use them.
- hub: the endpoints (private DNS off) and the DNS for their names, shared with spoke VPCs
  and accounts through a Route 53 Profile; the endpoint SG admits `spokeCidrs` on 443 and
  the endpoint policies admit `spokePrincipalArns`.
- spoke: an existing workload VPC that associates the hub's Route 53 Profile
  (`hubDnsProfileId`) and calls the hub's endpoints (`hubEndpointIds`, in `hubVpcCidr`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from stacks.config.errors import ConfigError
from stacks.config.values import ROLE_ARN, as_list, matching, role_arns

TOPOLOGIES: tuple[str, ...] = ("standalone", "hub", "spoke")
HUB_KEYS: tuple[str, ...] = ("spokeCidrs", "spokePrincipalArns")
SPOKE_KEYS: tuple[str, ...] = ("hubEndpointIds", "hubVpcCidr", "hubDnsProfileId")
TOPOLOGY_KEYS: tuple[str, ...] = ("vpcId", "subnetIds", "topology", *HUB_KEYS, *SPOKE_KEYS)

_VPC_ID = re.compile(r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$")
_SUBNET_ID = re.compile(r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$")
_VPCE_ID = re.compile(r"^vpce-([0-9a-f]{8}|[0-9a-f]{17})$")
_PROFILE_ID = re.compile(r"^rp-[0-9a-z]{1,64}$")


@dataclass(frozen=True)
class ExistingVpc:
    """A VPC the user already has: nothing is created in it but SGs, endpoints, DNS, probe."""

    vpc_id: str
    subnet_ids: tuple[str, ...]


@dataclass(frozen=True)
class HubSettings:
    spoke_cidrs: tuple[str, ...]  # admitted to the endpoint SG on 443
    spoke_principal_arns: tuple[str, ...]  # admitted by the endpoint policies

    @property
    def spoke_accounts(self) -> tuple[str, ...]:
        """Accounts the DNS profile is shared with (those of the spoke principals), sorted."""
        return tuple(sorted({ROLE_ARN.match(a).group(1) for a in self.spoke_principal_arns}))  # type: ignore[union-attr]


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
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        raise ConfigError(f"{key} {value!r} is not an IPv4 CIDR block such as 10.81.0.0/16.") from None
    if not net.is_private or net.prefixlen < 8:
        raise ConfigError(f"{key} {value!r} is not a private (RFC 1918) range of a VPC; give the VPC's CIDR such as 10.81.0.0/16.")
    return str(net)


def _endpoint_ids(key: str, value: Any, endpoints: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """{"bedrock-runtime": "vpce-..."} or ["bedrock-runtime=vpce-...", ...] -> pairs in endpoint order."""
    if isinstance(value, Mapping):
        pairs = dict(value)
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


def parse_network(
    region: str, settings: Mapping[str, Any], where: Callable[[str], str], endpoints: Sequence[str], vpc_cidr: str
) -> NetworkChoice:
    """Validate vpcId/subnetIds/topology and the hub or spoke settings of one region."""
    topology = settings.get("topology", "standalone")
    if topology not in TOPOLOGIES:
        raise ConfigError(f"{where('topology')} {topology!r} is not supported; use one of: {', '.join(TOPOLOGIES)}.")

    existing = None
    if "vpcId" in settings:
        vpc_id = settings["vpcId"]
        if not isinstance(vpc_id, str) or not _VPC_ID.match(vpc_id):
            raise ConfigError(f"{where('vpcId')} {vpc_id!r} is not a VPC id such as vpc-0123456789abcdef0.")
        subnets = _ids(where("subnetIds"), settings.get("subnetIds", []), _SUBNET_ID, "subnet-0123456789abcdef0", "a subnet id")
        if not subnets:
            raise ConfigError(
                f"{where('vpcId')} {vpc_id} needs subnetIds: the private subnets of that VPC the endpoints and the probe go into (one per zone you want)."
            )
        if settings.get("availabilityZones"):
            raise ConfigError(f"{where('availabilityZones')} does not apply with vpcId (the zones are those of subnetIds); remove it.")
        existing = ExistingVpc(vpc_id, subnets)
    elif settings.get("subnetIds"):
        raise ConfigError(f"{where('subnetIds')} is set without vpcId; give the VPC the subnets belong to, or remove subnetIds to create a new VPC.")

    for key in HUB_KEYS:
        if key in settings and topology != "hub":
            raise ConfigError(f"{where(key)} applies only with topology hub (this region's topology is {topology}); remove it.")
    for key in SPOKE_KEYS:
        if key in settings and topology != "spoke":
            raise ConfigError(f"{where(key)} applies only with topology spoke (this region's topology is {topology}); remove it.")

    if topology == "hub":
        cidrs = tuple(_private_cidr(where("spokeCidrs"), c) for c in as_list(where("spokeCidrs"), settings.get("spokeCidrs", [])))
        arns = role_arns(where("spokePrincipalArns"), settings.get("spokePrincipalArns", []))
        if not cidrs or not arns:
            missing = "spokeCidrs" if not cidrs else "spokePrincipalArns"
            raise ConfigError(
                f"topology hub in {region} needs {where(missing)}: the spoke VPCs' CIDRs (admitted on 443) and the spoke roles' ARNs (admitted by the endpoint policies)."
            )
        if existing is None:
            hub_cidr = ipaddress.IPv4Network(vpc_cidr)
            for c in cidrs:
                if ipaddress.IPv4Network(c).overlaps(hub_cidr):
                    raise ConfigError(
                        f"{where('spokeCidrs')} entry {c} overlaps the hub's vpcCidr {hub_cidr}; spokes are routed to the hub, so their ranges must differ."
                    )
        return NetworkChoice("hub", existing, hub=HubSettings(cidrs, arns))

    if topology == "spoke":
        if existing is None:
            raise ConfigError(f"topology spoke in {region} needs vpcId and subnetIds of the workload VPC (a spoke uses the hub's endpoints and creates no VPC).")
        for key in ("onPremCidrs", "extraPrincipalArns"):
            if settings.get(key):
                raise ConfigError(f"{where(key)} applies to the hub, which holds the endpoints; set it there (spoke roles go into the hub's spokePrincipalArns).")
        for key in SPOKE_KEYS:
            if not settings.get(key):
                raise ConfigError(f"topology spoke in {region} needs {where(key)} (from the hub stack's outputs).")
        ids = _endpoint_ids(where("hubEndpointIds"), settings["hubEndpointIds"], endpoints)
        profile = settings["hubDnsProfileId"]
        if not isinstance(profile, str) or not _PROFILE_ID.match(profile):
            raise ConfigError(f"{where('hubDnsProfileId')} {profile!r} is not a Route 53 Profile id such as rp-0123456789abcdef (the hub's DnsProfileId output).")
        return NetworkChoice("spoke", existing, spoke=SpokeSettings(ids, _private_cidr(where("hubVpcCidr"), settings["hubVpcCidr"]), profile))

    return NetworkChoice("standalone", existing)
