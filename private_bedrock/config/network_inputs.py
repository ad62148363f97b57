"""Checks and defaults for the network inputs: zones, the VPC range, its subnets, on-premises
ranges, the names the DNS firewall lets through.

Pure functions over strings (no CDK): private_bedrock/config/region.py calls them while it validates, so a
range that cannot work stops synthesis with one sentence instead of a jsii stack trace.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
from typing import Any, Sequence

from private_bedrock.config.errors import ConfigError

# One private isolated subnet per availability zone, each this size (network.py builds them).
SUBNET_PREFIX = 24
# The widest on-premises range we accept even with an acknowledgement: anything wider is a
# slice of the internet (0.0.0.0/1 and 128.0.0.0/1 together admit every address).
WIDEST_ON_PREM_PREFIX = 8
# Ranges an organisation's own network uses without owning public space: RFC 1918 and the
# RFC 6598 shared range (carrier-grade NAT, common behind Direct Connect partners).
PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
# Never a network that can reach a VPC endpoint: loopback, link-local, multicast, reserved.
UNROUTABLE_RANGES = tuple(
    ipaddress.IPv4Network(c) for c in ("127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4")
)

_AZ_NAME = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")

# Default VPC ranges, one /16 per region, all distinct, so any two regions of this app can be
# joined to one network (Transit Gateway peering, a shared on-premises routing table) without
# renumbering. A region added later to private_bedrock/facts/regions.py without an entry here gets a
# deterministic /16 from 10.128.0.0/9 (see default_vpc_cidr); add it here to keep them distinct.
DEFAULT_VPC_CIDRS: dict[str, str] = {
    "us-east-1": "10.80.0.0/16",
    "ap-northeast-1": "10.81.0.0/16",
    "us-east-2": "10.82.0.0/16",
    "us-west-1": "10.83.0.0/16",
    "us-west-2": "10.84.0.0/16",
    "ca-central-1": "10.85.0.0/16",
    "sa-east-1": "10.86.0.0/16",
    "eu-central-1": "10.87.0.0/16",
    "eu-central-2": "10.88.0.0/16",
    "eu-west-1": "10.89.0.0/16",
    "eu-west-2": "10.90.0.0/16",
    "eu-west-3": "10.91.0.0/16",
    "eu-north-1": "10.92.0.0/16",
    "eu-south-1": "10.93.0.0/16",
    "eu-south-2": "10.94.0.0/16",
    "ap-northeast-2": "10.95.0.0/16",
    "ap-northeast-3": "10.96.0.0/16",
    "ap-south-1": "10.97.0.0/16",
    "ap-south-2": "10.98.0.0/16",
    "ap-southeast-1": "10.99.0.0/16",
    "ap-southeast-2": "10.100.0.0/16",
    "ap-southeast-3": "10.101.0.0/16",
    "ap-southeast-4": "10.102.0.0/16",
    # The ten newer Bedrock regions (private_bedrock/facts/regions.py NEWER_REGIONS).
    "af-south-1": "10.103.0.0/16",
    "ap-east-2": "10.104.0.0/16",
    "ap-southeast-5": "10.105.0.0/16",
    "ap-southeast-6": "10.106.0.0/16",
    "ap-southeast-7": "10.107.0.0/16",
    "ca-west-1": "10.108.0.0/16",
    "il-central-1": "10.109.0.0/16",
    "me-central-1": "10.110.0.0/16",
    "me-south-1": "10.111.0.0/16",
    "mx-central-1": "10.112.0.0/16",
}


def default_vpc_cidr(region: str) -> str:
    """The region's default VPC range (the table above, else a stable /16 in 10.128.0.0/9)."""
    if region in DEFAULT_VPC_CIDRS:
        return DEFAULT_VPC_CIDRS[region]
    second_octet = 128 + int(hashlib.sha256(region.encode()).hexdigest(), 16) % 128
    return f"10.{second_octet}.0.0/16"


def check_subnets_fit(key: str, vpc_cidr: str, az_count: int) -> None:
    """One /24 per zone must fit in the VPC range."""
    vpc = ipaddress.IPv4Network(vpc_cidr)
    room = 2 ** (SUBNET_PREFIX - vpc.prefixlen) if vpc.prefixlen <= SUBNET_PREFIX else 0
    if room >= az_count:
        return
    needed = SUBNET_PREFIX - math.ceil(math.log2(az_count))
    example = ipaddress.IPv4Network((int(vpc.network_address), needed), strict=False)
    raise ConfigError(
        f"{key} {vpc_cidr} holds {room} /{SUBNET_PREFIX} subnet(s) but azCount {az_count} needs {az_count} "
        f"(one private /{SUBNET_PREFIX} per availability zone); use a /{needed} or larger block "
        f"(for example {example}) or lower azCount."
    )


def _is_private(net: ipaddress.IPv4Network) -> bool:
    return any(net.subnet_of(p) for p in PRIVATE_RANGES)


def check_on_prem_cidrs(key: str, cidrs: Sequence[str], vpc_cidr: str, *, public_acknowledged: bool, ack_key: str) -> None:
    """On-premises ranges: not the VPC's own, not a slice of the internet, public only when said so."""
    vpc = ipaddress.IPv4Network(vpc_cidr)
    nets = [ipaddress.IPv4Network(c) for c in cidrs]
    for net in nets:
        if net.prefixlen < WIDEST_ON_PREM_PREFIX:
            raise ConfigError(
                f"{key} entry {net} spans a /{net.prefixlen}, more than any on-premises network "
                f"(it admits a large part of the internet); list your on-premises ranges themselves, "
                f"each /{WIDEST_ON_PREM_PREFIX} or narrower."
            )
        if any(net.overlaps(u) for u in UNROUTABLE_RANGES):
            raise ConfigError(
                f"{key} entry {net} is loopback, link-local, multicast or reserved address space, which "
                "cannot reach a VPC endpoint; list the ranges your on-premises clients use."
            )
        if net.overlaps(vpc):
            raise ConfigError(
                f"{key} entry {net} overlaps the VPC range {vpc}; traffic to it would never leave the VPC, "
                "so give the on-premises ranges only, or choose a vpcCidr that does not overlap them."
            )
        if not _is_private(net) and not public_acknowledged:
            raise ConfigError(
                f"{key} entry {net} is public address space (not RFC 1918 or 100.64.0.0/10); if your "
                f"on-premises network really owns it, set {ack_key} to true, otherwise list the private ranges."
            )
    for i, a in enumerate(nets):
        for b in nets[i + 1 :]:
            if a.overlaps(b):
                raise ConfigError(f"{key} lists overlapping ranges {a} and {b}; list each range once.")


def check_zones(key: str, region: str, azs: Sequence[str], az_count: int) -> None:
    """Explicit zone names: each a zone of `region`, as many as azCount."""
    for az in azs:
        if not _AZ_NAME.match(az) or not az.startswith(region):
            raise ConfigError(f"{key} entry {az!r} is not an availability zone of {region} (for example {region}a).")
    repeated = sorted({az for az in azs if list(azs).count(az) > 1})
    if repeated:
        # Two subnets of one tier in one zone: CloudFormation refuses the second, after the first deployed.
        raise ConfigError(f"{key} lists {', '.join(repeated)} more than once; list {az_count} different zones.")
    if azs and len(azs) != az_count:
        raise ConfigError(f"{key} lists {len(azs)} zones but azCount is {az_count}; make them agree.")


def ipv4_network(key: str, value: Any, example: str) -> ipaddress.IPv4Network:
    """A CIDR block written exactly (no host bits); `example` completes "such as ..."."""
    try:
        if not isinstance(value, str):  # IPv4Network(7) would be 0.0.0.7/32
            raise ValueError(value)
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        raise ConfigError(f"{key} {value!r} is not an IPv4 CIDR block such as {example}.") from None


def cidr(key: str, value: str, *, vpc: bool) -> str:
    net = ipv4_network(key, value, "10.0.0.0/16")
    if net.prefixlen == 0:
        raise ConfigError(f"{key} {value!r} admits the whole internet; give the on-premises ranges only.")
    if vpc and not (16 <= net.prefixlen <= 24):
        raise ConfigError(f"{key} {value!r} must be a /16 to /24 block (AWS VPC limits and room for the subnets).")
    if vpc and not net.is_private:
        raise ConfigError(f"{key} {value!r} is not a private (RFC 1918) range; use for example 10.80.0.0/16.")
    return str(net)


def dns_domain(key: str, value: str) -> str:
    """A name DNS Firewall can match: lower case, optionally '*.' for every name below it."""
    if value.strip("*.") == "":
        raise ConfigError(f"{key} entry {value!r} would allow every name and switch the DNS firewall off; list your own domains, for example corp.example.com.")
    labels = (value[2:] if value.startswith("*.") else value).split(".")
    if len(value) > 253 or len(labels) < 2 or not all(_DNS_LABEL.match(label) for label in labels):
        raise ConfigError(
            f"{key} entry {value!r} is not a domain name DNS Firewall can match; give lower-case names "
            "without a trailing dot such as corp.example.com, or *.corp.example.com for the names below it."
        )
    return value
