"""The names a VPC of this app may resolve (pure; the DNS Firewall's allow list).

Everything else gets NXDOMAIN: a workload in the VPC cannot smuggle data out in DNS
queries to a name whose authoritative server someone else runs (DNS exfiltration).
Each entry says why the VPC needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from private_bedrock.facts.regions import private_dns_name


@dataclass(frozen=True)
class AllowedName:
    domain: str  # as DNS Firewall matches it: "*." matches every name below, not the name itself
    why: str


def ec2_internal_domain(region: str) -> str:
    """The zone of EC2's private host names (ip-10-0-0-1.<zone>) in `region`."""
    return "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"


def required_names(region: str, services: Iterable[str]) -> tuple[AllowedName, ...]:
    names: list[AllowedName] = []
    for service in services:
        names.append(AllowedName(private_dns_name(service, region), f"{service}: the private DNS name the SDKs call (answered by the endpoint's private zone)"))
        # Interface endpoints' own names: vpce-<id>-<suffix>[-<az>].<service>.<region>.vpce.amazonaws.com.
        # Clients that target the endpoint directly (and on-premises forwarders) use them.
        names.append(AllowedName(f"*.{service}.{region}.vpce.amazonaws.com", f"{service}: the endpoint's regional and zonal names"))
    # EC2's private host names are answered by the VPC resolver itself and never leave AWS;
    # instances look up their own names at boot. Lambda needs none: its runtime API and
    # logs do not go through the VPC's DNS, and the probe calls only the endpoints above.
    names.append(AllowedName(f"*.{ec2_internal_domain(region)}", "EC2 private host names of instances in the VPC"))
    return tuple(names)


def allow_list(region: str, services: Iterable[str], extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The domain list: required names first, then the user's own, without duplicates."""
    seen: dict[str, None] = {}
    for d in [n.domain for n in required_names(region, services)] + list(extra):
        seen[d] = None
    return tuple(seen)
