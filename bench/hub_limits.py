"""Benchmark of a hub's limits (a measurement to read, not a timed test).

    .venv/bin/python bench/hub_limits.py

Measures, with the same pure builders the stack calls (private_bedrock/policies/hub.py and
hub_shared.py, private_bedrock/config/topology.py), how many spoke accounts a hub admits before one of
its endpoint policies passes AWS's 20,480 characters (the largest of bedrock, bedrock-runtime
and bedrock-mantle decides), for each spokeAccess and 1, 5 and 10 allow-listed models
(cross-region `us.` inference profiles, the usual case), with:
  * same names: every spoke account has the same two roles (the probe and one application role);
  * distinct names: every spoke account's two roles have names no other account has;
and the size of an organization-access policy (the same for any number of accounts), the
role names it can list, and the spoke CIDR ranges the endpoint security group admits.
Counts are found by bisection over the builders' own refusal (ConfigError), so the figures are
the builders' limits, not estimates. Prints a Markdown table (README "Hub and spokes").
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.policies.hub import hub_endpoint_policy, principals_by_account
from private_bedrock.policies.hub_shared import ENDPOINT_POLICY_MAX_CHARS, admission, policy_chars, shared_hub_policy
from private_bedrock.config.topology import DEFAULT_SG_RULE_QUOTA

HUB = "111122223333"
# The hub's own probe role: in a template a CDK token; a role ARN of typical length here.
HUB_PROBE = f"arn:aws:iam::{HUB}:role/PrivateBedrock-us-east-1-ProbeInVpcRoleC1045263-AbCdEfGhIjKl"
ORG_ARN = "arn:aws:organizations::999988887777:organization/o-a1b2c3d4e5"
NAMES = ("PrivateBedrock-us-east-1-Probe", "analytics-app")
MODELS = (
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    "us.anthropic.claude-sonnet-4-20250514-v1:0",
    "us.anthropic.claude-opus-4-1-20250805-v1:0",
    "us.amazon.nova-pro-v1:0",
    "us.amazon.nova-lite-v1:0",
    "us.amazon.nova-micro-v1:0",
    "us.amazon.nova-premier-v1:0",
    "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
    "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
)
SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle")
CEILING = 5000  # accounts: where the bisection stops looking


def _roles(n: int, distinct: bool) -> list[str]:
    return [f"arn:aws:iam::{300000000000 + i}:role/{f'{name}-{i}' if distinct else name}" for i in range(n) for name in NAMES]


def _cfg(models: int, **hub: Any):
    ctx = {"regions": ["us-east-1"], "topology": "hub", "spokeCidrs": ["10.90.0.0/16"], "inferenceScope": "geography", "runtimeModels": list(MODELS[:models]), **hub}
    return load_config(ctx, HUB).regions[0]


def largest_policy(access: str, models: int, accounts: int, distinct: bool) -> int:
    """Characters of the largest endpoint policy; raises ConfigError over the limit."""
    roles = _roles(accounts, distinct)
    if access == "perAccount":
        cfg = _cfg(models, spokePrincipalArns=roles)
        grouped = principals_by_account(HUB, [HUB_PROBE], cfg.network.hub.spoke_principal_arns)  # type: ignore[union-attr]
        return max(policy_chars(hub_endpoint_policy(s, cfg.access, grouped)) for s in SERVICES)
    cfg = _cfg(models, spokeAccess="accounts", spokeOrganizationArn=ORG_ARN, spokePrincipalArns=roles)
    who = admission(HUB, [HUB_PROBE], cfg.network.hub)  # type: ignore[arg-type]
    return max(policy_chars(shared_hub_policy(s, cfg.access, who)) for s in SERVICES)


def most(fits: Callable[[int], bool]) -> int:
    """The largest n in 1..CEILING with fits(n) (fits is monotonic); CEILING if it never fails."""
    if not fits(1):
        return 0
    lo, hi = 1, CEILING
    if fits(hi):
        return hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def _fits(access: str, models: int, distinct: bool) -> Callable[[int], bool]:
    def fits(n: int) -> bool:
        try:
            largest_policy(access, models, n, distinct)
            return True
        except ConfigError:
            return False

    return fits


def organization_policy(models: int, names: int) -> int:
    cfg = _cfg(models, spokeAccess="organization", spokeOrganizationArn=ORG_ARN, spokeRoleNames=[f"team-{i:03d}/app-role-{i:03d}" for i in range(names)])
    who = admission(HUB, [HUB_PROBE], cfg.network.hub)  # type: ignore[arg-type]
    return max(policy_chars(shared_hub_policy(s, cfg.access, who)) for s in SERVICES)


def _org_names(models: int) -> int:
    def fits(n: int) -> bool:
        try:
            organization_policy(models, n)
            return True
        except ConfigError:
            return False

    return most(fits)


def spoke_ranges() -> int:
    """Non-adjacent spoke ranges the endpoint SG admits at the default quota (no on-premises ranges)."""
    def fits(n: int) -> bool:
        try:
            load_config({"regions": ["us-east-1"], "topology": "hub", "spokePrincipalArns": [HUB_PROBE], "spokeCidrs": [f"10.{90 + i // 100}.{(i % 100) * 2}.0/24" for i in range(n)]}, HUB)
            return True
        except ConfigError:
            return False

    return most(fits)


def main() -> None:
    started = time.perf_counter()
    print(f"Endpoint policy limit {ENDPOINT_POLICY_MAX_CHARS} characters; 2 roles per spoke account; largest of {', '.join(SERVICES)}.\n")
    print("| spokeAccess | models | accounts, same role names | accounts, distinct role names |")
    print("|---|---|---|---|")
    for access in ("perAccount", "accounts"):
        for models in (1, 5, 10):
            same, distinct = most(_fits(access, models, False)), most(_fits(access, models, True))
            print(f"| {access} | {models} | {same:,} ({2 * same:,} roles) | {distinct:,} ({2 * distinct:,} roles) |")
    for models in (1, 5, 10):
        size = organization_policy(models, len(NAMES))
        print(f"| organization | {models} | any ({size:,} characters with 2 names, for 1 or 1,000 accounts) | {_org_names(models):,} role names (no account listed) |")
    print(f"\nSpoke CIDR ranges after summarising, default quota {DEFAULT_SG_RULE_QUOTA}: {spoke_ranges()} (one rule is the hub's workload SG).")
    sizes = {n: largest_policy("accounts", 1, n, False) for n in (150, 151, 1000)}
    print(f"accounts access, 1 model: {sizes[150]:,} characters at 150 accounts, {sizes[151]:,} at 151, {sizes[1000]:,} at 1,000.")
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
