"""Private DNS: each enabled service name must resolve only to addresses inside the VPC.

Outcome mapping: "allowed" = every address is inside VPC_CIDR (private DNS works; a
comma-separated list of ranges: an existing VPC's subnets, or a hub VPC seen from a spoke),
"denied" = at least one address is outside (the name resolves publicly, traffic would
leave the VPC), "network_error" = the name does not resolve.
"""

from __future__ import annotations

import ipaddress
import socket
import time

from report import ALLOWED, DENIED, ERROR, NETWORK_ERROR, result


def run(spec, config) -> dict:
    started = time.perf_counter()
    host = config.host(spec.service)
    endpoint = host
    try:
        networks = [ipaddress.ip_network(c.strip(), strict=False) for c in config.vpc_cidr.split(",") if c.strip()]
    except ValueError as exc:
        return result(spec, endpoint, ERROR, f"VPC_CIDR is invalid: {exc}", started)
    try:
        infos = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        return result(spec, endpoint, NETWORK_ERROR, f"{host} does not resolve: {exc}", started)
    addresses = sorted({info[4][0] for info in infos})
    ranges = ", ".join(map(str, networks))
    outside = [a for a in addresses if not any(ipaddress.ip_address(a.split("%")[0]) in n for n in networks)]
    if outside:
        return result(spec, endpoint, DENIED,
                      f"{host} -> {', '.join(addresses)}; outside {ranges}: {', '.join(outside)}", started)
    return result(spec, endpoint, ALLOWED, f"{host} -> {', '.join(addresses)} (all in {ranges})", started)
