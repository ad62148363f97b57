"""The organisation fence's configuration: the `fence` context object and `fenceEndpointIds`.

Parsed once by private_bedrock/config/load.py (load_config) into a frozen FenceConfig. Every mistake is a
ConfigError of one sentence. The endpoint ids are not typed by hand: `make fence-ids` reads
them from the deployed regional stacks' outputs and stores them in cdk.context.json under
`fenceEndpointIds` (see private_bedrock/tools/lookup/fence_ids.py), so the management account's synth does not need
the workload account's credentials.

Two forms of the network statement (private_bedrock/policies/scp.py): single-account and hub
configurations name their endpoints exactly (`aws:SourceVpce`, ids from `make fence-ids`);
with `fleet.enabled` every member account has endpoints of its own whose ids no one can list
at synth, so the fence admits the endpoints of the caller's own account (`aws:VpceAccount`)
and takes no ids at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from private_bedrock.config.context_keys import DEFAULT_MAX_POLICIES, FENCE_KEYS, SCPS_PER_TARGET, default
from private_bedrock.config.errors import ConfigError, Problems
from private_bedrock.config.region_config import RegionConfig
from private_bedrock.config.values import ACCOUNT_ID, ORG_TARGET, as_bool, as_int, as_list, as_mapping, matching, unknown_key_sentences
from private_bedrock.facts.regions import BEDROCK_REGIONS, SERVICES

# ArnNotLike accepts wildcards in the name, but the account must be concrete: with `*` any
# member account could create a role of that name and walk through the fence.
_PRINCIPAL = re.compile(r"^arn:aws:iam::\d{12}:(role|user)/[\w+=,.@/*-]+$")
_SERVICE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$")
_VPCE = re.compile(r"^vpce-[0-9a-f]{8,17}$")


@dataclass(frozen=True)
class FenceConfig:
    """What the service control policies need beyond the regional configuration."""

    enabled: bool = False  # create the management-account stack (PrivateBedrockFence)
    management_account: str | None = None
    targets: tuple[str, ...] = ()
    break_glass_principal_arns: tuple[str, ...] = ()  # exempt from every fence statement
    # Roles an AWS service assumes to act for you (for example Bedrock agent execution
    # roles), exact ARNs only: exempt from the network statement only, never from models
    # (model-consuming actions included), regions, keys, Claude Platform or retention.
    exempt_service_role_arns: tuple[str, ...] = ()
    # Services whose forward-access calls (aws:CalledViaFirst) may reach Bedrock without
    # our endpoints; empty by default, which is the narrowest rule.
    via_services: tuple[str, ...] = ()
    max_policies: int = DEFAULT_MAX_POLICIES
    # (region, service, vpce id) from `make fence-ids`; empty until the stacks are deployed.
    endpoint_ids: tuple[tuple[str, str, str], ...] = ()
    # fleet.enabled: StackSets give every member account its own endpoints, so the network
    # statement admits the caller's own account's endpoints (aws:VpceAccount), not listed ids.
    own_account_endpoints: bool = False

    def endpoint_id(self, region: str, service: str) -> str | None:
        return next((i for r, s, i in self.endpoint_ids if (r, s) == (region, service)), None)


def _principals(key: str, value: Any) -> tuple[str, ...]:
    arns = tuple(as_list(key, value))
    for arn in arns:
        if not _PRINCIPAL.match(arn):
            raise ConfigError(
                f"{key} entry {arn!r} is not an IAM role or user ARN with a 12-digit account, such as "
                "arn:aws:iam::123456789012:role/BreakGlass (a wildcard account would let any member account create the role)."
            )
    return arns


def _exact_roles(key: str, value: Any) -> tuple[str, ...]:
    """Exempt service roles leave the network statement: each must be one exact role. A name
    pattern would admit every role of that name someone with iam:CreateRole creates."""
    for arn in as_list(key, value):
        if "*" in arn or "?" in arn or ":role/" not in arn:
            raise ConfigError(
                f"{key} entry {arn!r} is not one exact role ARN; name each service role in full, such as "
                "arn:aws:iam::123456789012:role/service-role/AmazonBedrockExecutionRoleForAgents_ABC123 "
                "(a wildcard lets anyone who may create a role of that name leave the fence)."
            )
    return _principals(key, value)


def _endpoint_ids(raw: Any, regions: Sequence[RegionConfig]) -> tuple[tuple[str, str, str], ...]:
    """The ids of the endpoints this configuration builds; ids of regions or services not
    selected now (`-c regions=us-east-1` with both regions' ids stored) are kept and ignored."""
    raw = as_mapping("fenceEndpointIds", raw, '{"us-east-1": {"bedrock-runtime": "vpce-0123456789abcdef0"}}')
    by_region = {r.region: r for r in regions}
    out: list[tuple[str, str, str]] = []
    problems = Problems()
    for region, services in sorted(raw.items()):
        if region not in BEDROCK_REGIONS:
            problems.add(f"fenceEndpointIds has ids for {region!r}, which is not a region this app knows; run `make fence-ids` again or remove the entry.")
            continue
        if not isinstance(services, Mapping):
            problems.add(f"fenceEndpointIds.{region} must be an object {{service: vpce-id}}, got {services!r}.")
            continue
        for service, vpce in sorted(services.items()):
            if service not in SERVICES:
                problems.add(f"fenceEndpointIds.{region}.{service} is not an endpoint service of this app; use one of: {', '.join(SERVICES)}.")
            elif not isinstance(vpce, str) or not _VPCE.match(vpce):
                problems.add(f"fenceEndpointIds.{region}.{service} {vpce!r} is not a VPC endpoint id such as vpce-0123456789abcdef0.")
            elif region in by_region and service in by_region[region].endpoints:
                out.append((region, service, vpce))
    problems.raise_if_any()
    return tuple(out) + _hub_ids_of_spokes(out, regions)


def _hub_ids_of_spokes(given: Sequence[tuple[str, str, str]], regions: Sequence[RegionConfig]) -> tuple[tuple[str, str, str], ...]:
    """A spoke calls Bedrock through its hub's endpoints: the fence names those (hubEndpointIds),
    with no `make fence-ids` needed; a different id stored for a spoke region is refused."""
    stored = {(r, s): i for r, s, i in given}
    out: list[tuple[str, str, str]] = []
    for cfg in regions:
        spoke = cfg.network.spoke
        for service, hub_id in spoke.endpoint_ids if spoke is not None else ():
            other = stored.get((cfg.region, service))
            if other is None:
                out.append((cfg.region, service, hub_id))
            elif other != hub_id:
                raise ConfigError(
                    f"fenceEndpointIds.{cfg.region}.{service} {other!r} is not the hub's endpoint {hub_id!r} (hubEndpointIds); "
                    "a spoke's calls go through the hub's endpoints, so remove the entry and the fence uses the hub's id."
                )
    return tuple(out)


def parse_fence(raw: Any, raw_ids: Any, regions: Sequence[RegionConfig], *, fleet: bool = False) -> FenceConfig:
    """Validate `fence` and `fenceEndpointIds` against the regional configuration; `fleet`:
    the stacks are delivered by StackSets (fleet.enabled), one set of endpoints per account."""
    # `-c fence='{"enabled": true, ...}'` arrives as JSON text.
    raw = as_mapping("fence", {} if raw is None else raw, '{"enabled": true, "targets": ["ou-..."]}')
    p = Problems()
    for sentence in unknown_key_sentences("fence", raw, FENCE_KEYS):
        p.add(sentence)
    account = p.check(_management_account, raw.get("managementAccount") or None)
    targets = p.check(matching, "fence.targets", raw.get("targets", default("fence.targets")), ORG_TARGET, "an AWS Organizations root (r-...), OU (ou-...-...) or 12-digit account id", unique_noun="a target")
    via = p.check(_via_services, raw.get("viaServices", default("fence.viaServices")))
    max_policies = p.check(_max_policies, raw.get("maxPolicies", default("fence.maxPolicies")))
    enabled = p.check(as_bool, "fence.enabled", raw.get("enabled", default("fence.enabled")))
    break_glass = p.check(_principals, "fence.breakGlassPrincipalArns", raw.get("breakGlassPrincipalArns", default("fence.breakGlassPrincipalArns")))
    exempt = p.check(_exact_roles, "fence.exemptServiceRoleArns", raw.get("exemptServiceRoleArns", default("fence.exemptServiceRoleArns")))
    endpoint_ids = p.check(_fleet_without_ids, raw_ids) if fleet else p.check(_endpoint_ids, raw_ids if raw_ids is not None else {}, regions)
    p.raise_if_any()
    fence = FenceConfig(
        enabled=enabled,
        management_account=account,
        targets=targets,
        break_glass_principal_arns=break_glass,
        exempt_service_role_arns=exempt,
        via_services=via,
        max_policies=max_policies,
        endpoint_ids=endpoint_ids,
        own_account_endpoints=fleet,
    )
    if fence.enabled:
        _check_deployable(fence, regions)
    return fence


def _management_account(account: Any) -> str | None:
    if account is not None and (not isinstance(account, str) or not ACCOUNT_ID.match(account)):
        raise ConfigError(f"fence.managementAccount {account!r} is not a 12-digit AWS account id.")
    return account


def _via_services(value: Any) -> tuple[str, ...]:
    via = tuple(as_list("fence.viaServices", value))
    for service in via:
        if not _SERVICE.match(service):
            raise ConfigError(f"fence.viaServices entry {service!r} is not a service principal such as cloudformation.amazonaws.com.")
    return via


def _max_policies(value: Any) -> int:
    max_policies = as_int("fence.maxPolicies", value)
    if not 1 <= max_policies <= DEFAULT_MAX_POLICIES:
        raise ConfigError(
            f"fence.maxPolicies {max_policies} is out of range; use 1 to {DEFAULT_MAX_POLICIES} "
            f"({SCPS_PER_TARGET} SCPs per target, one of them FullAWSAccess)."
        )
    return max_policies


def _fleet_without_ids(raw_ids: Any) -> tuple[tuple[str, str, str], ...]:
    """A fleet's fence names no endpoint: ids stored for a single-account deployment would
    suggest a precision the fleet fence does not have, so they are refused."""
    if raw_ids:
        raise ConfigError(
            "fenceEndpointIds is set but fleet.enabled gives every member account endpoints of its own, which the fence admits by "
            "their account (aws:VpceAccount) rather than by id; remove fenceEndpointIds from cdk.context.json (or -c) for the fleet."
        )
    return ()


def _check_deployable(fence: FenceConfig, regions: Sequence[RegionConfig]) -> None:
    """The fence stack is refused until it can only do what it promises."""
    p = Problems()
    if fence.management_account is None:
        p.add("fence.enabled is true but fence.managementAccount is not set; give the 12-digit id of the management (or delegated administrator) account.")
    if not fence.targets:
        p.add("fence.enabled is true but fence.targets is empty; list the OU or account ids to attach the policies to (a test OU first).")
    if not fence.break_glass_principal_arns:
        p.add(
            "fence.enabled is true but fence.breakGlassPrincipalArns is empty; name at least one role that stays exempt, or no one outside the VPCs can repair Bedrock access."
        )
    # A fleet has no ids to wait for: every member account's own endpoints are admitted.
    missing = [] if fence.own_account_endpoints else [f"{r.region}/{s}" for r in regions for s in r.endpoints if fence.endpoint_id(r.region, s) is None]
    if missing:
        p.add(
            f"fence.enabled is true but the endpoint id of {missing[0]} is unknown ({len(missing)} missing); "
            "deploy the regional stacks, then run `make fence-ids` with their account's credentials."
        )
    p.raise_if_any()
