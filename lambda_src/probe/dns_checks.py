"""DNS from inside the VPC.

Private names (run): each enabled service name must resolve only to addresses inside the
VPC. "allowed" = every address is inside VPC_CIDR (private DNS works; VPC_CIDR may be a
comma-separated list: an existing VPC's subnets, or the hub VPC seen from a spoke), "denied" = at least
one address is outside (the name resolves publicly, or partly: an answer mixing endpoint
and public addresses lets some connections leave the VPC), "network_error" = no answer.

A public name (run_public_name): the DNS firewall must block it. "denied" = the resolver
says the name does not exist or has no address (NXDOMAIN/NODATA: what the firewall's BLOCK
answers), "allowed" = it resolved (a DNS exfiltration path is open), "network_error" = the
resolver failed or timed out, which says nothing about the firewall.
"""

from __future__ import annotations

import ipaddress
import socket
import time

from report import ALLOWED, DENIED, ERROR, NETWORK_ERROR, result

# getaddrinfo's answers for "the name has no address": NXDOMAIN, or NODATA where defined.
_NO_SUCH_NAME = {socket.EAI_NONAME} | ({socket.EAI_NODATA} if hasattr(socket, "EAI_NODATA") else set())


def _addresses(host: str) -> list[str]:
    return sorted({info[4][0] for info in socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)})


def run(spec, config) -> dict:
    started = time.perf_counter()
    host = config.host(spec.service)
    endpoint = host
    try:
        networks = [ipaddress.ip_network(c.strip(), strict=False) for c in config.vpc_cidr.split(",") if c.strip()]
    except ValueError as exc:
        return result(spec, endpoint, ERROR, f"VPC_CIDR is invalid: {exc}", started)
    try:
        addresses = _addresses(host)
    except (socket.gaierror, UnicodeError) as exc:
        return result(spec, endpoint, NETWORK_ERROR, f"{host} does not resolve: {exc}", started)
    ranges = ", ".join(map(str, networks))
    outside = [a for a in addresses if not any(ipaddress.ip_address(a.split("%")[0]) in n for n in networks)]
    if outside:
        return result(spec, endpoint, DENIED,
                      f"{host} -> {', '.join(addresses)}; outside {ranges}: {', '.join(outside)}", started)
    return result(spec, endpoint, ALLOWED, f"{host} -> {', '.join(addresses)} (all in {ranges})", started)


def run_public_name(spec, config) -> dict:
    started = time.perf_counter()
    name = spec.params["name"]
    try:
        addresses = _addresses(name)
    except socket.gaierror as exc:
        if exc.errno in _NO_SUCH_NAME:
            return result(spec, name, DENIED, f"{name} does not resolve from the VPC ({exc})", started)
        return result(spec, name, NETWORK_ERROR, f"the resolver failed for {name}: {exc}", started)
    except UnicodeError as exc:
        return result(spec, name, ERROR, f"{name} is not a valid DNS name: {exc}", started)
    return result(spec, name, ALLOWED, f"{name} -> {', '.join(addresses)}: public names resolve from the VPC",
                  started)
