"""The StackSets delivery mode's configuration: the `fleet` context object.

Parsed once by private_bedrock/config/load.py (load_config) into a frozen FleetConfig, like the
fence. When `fleet.enabled` is true the per-account stacks are not deployed with `cdk deploy`
but by one CloudFormation StackSet per region (service-managed permissions) from the
management or a delegated-administrator account (docs/stacksets.md: "Roll out to an organisation with
StackSets"). Every mistake is a ConfigError of one sentence naming the value and the fix.

The delivered template is one for every account, so nothing in it may name one account:
settings that do (an existing `vpcId`, role or resource ARNs, key administrators) or that
need a synth-time lookup in the target account are refused here, with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from private_bedrock.config.context_keys import CALL_AS, CONCURRENCY_MODES, DEFAULT_FAILURE_TOLERANCE_COUNT, DEFAULT_MAX_CONCURRENT_PERCENTAGE, FLEET_KEYS, KEYS, UNSET, default
from private_bedrock.config.errors import FAILED, ConfigError, Problems, ok
from private_bedrock.facts.regions import BEDROCK_REGIONS
from private_bedrock.config.values import ACCOUNT_ID, as_bool, as_int, as_mapping, matching, unknown_key_sentences

# Regional settings that name one account's resources or need a lookup in the target
# account: a StackSet template is the same in every account, so they cannot be honoured.
ACCOUNT_SPECIFIC_KEYS: dict[str, str] = {
    "vpcId": "an existing VPC is one account's (and importing it needs a lookup in that account)",
    "subnetIds": "subnets are one account's",
    "extraPrincipalArns": "a role ARN names one account",
    "keyAdminArns": "a key administrator ARN names one account",
    "guardrailArn": "a guardrail ARN names one account",
    "agentAliasArns": "an agent alias ARN names one account",
    "knowledgeBaseArns": "a knowledge base ARN names one account",
}

_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
# Organizations ids: a root r-xxxx or an OU ou-xxxx-xxxxxxxx (the API's own patterns).
_OU = re.compile(r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})$")
# Callers in the administrator account: exact role ARNs, or an IAM Identity Center role of a
# permission set with its random suffix as `*` (the trust pins it to 16 `?`:
# private_bedrock/policies/fleet.py caller_pattern). Only under the reserved path, which no one can
# create roles in: `role/Platform*` would trust any role someone with iam:CreateRole names so.
_CALLER = re.compile(
    r"^arn:aws:iam::(\d{12}):role/(?:[\w+=,.@/-]+|aws-reserved/sso\.amazonaws\.com/(?:[a-z0-9-]+/)?AWSReservedSSO_[\w+=,.@-]+_(?:\*|\?{16}))$"
)
# IAM role names are at most 64 characters; ours is PrivateBedrockFleetVerifier-<region>.
VERIFIER_ROLE_PREFIX = "PrivateBedrockFleetVerifier"
# The tag on every interface endpoint a StackSet delivers (fleet member stacks only): the fence
# (private_bedrock/policies/scp.py, FenceDeliveredEndpoints) lets only the StackSets execution role and
# break-glass change, delete or untag an endpoint that carries it, or give the key to another.
DELIVERED_ENDPOINT_TAG = ("PrivateBedrockDelivered", "true")


@dataclass(frozen=True)
class OperationPreferences:
    """How fast a StackSet operation goes and when it stops (exactly one of each pair is set)."""

    max_concurrent_percentage: int | None = DEFAULT_MAX_CONCURRENT_PERCENTAGE
    max_concurrent_count: int | None = None
    failure_tolerance_percentage: int | None = None
    failure_tolerance_count: int | None = DEFAULT_FAILURE_TOLERANCE_COUNT
    concurrency_mode: str = "STRICT_FAILURE_TOLERANCE"


@dataclass(frozen=True)
class FleetConfig:
    enabled: bool = False
    administrator_account: str | None = None  # where the StackSets (and the asset buckets) live
    call_as: str = "SELF"  # DELEGATED_ADMIN from a registered delegated administrator
    home_region: str | None = None  # the region of the administrator's stack that holds the StackSets
    organization_id: str | None = None  # aws:PrincipalOrgID of the asset buckets and the verifier's trust
    organizational_units: tuple[str, ...] = ()
    exclude_accounts: tuple[str, ...] = ()
    region_order: tuple[str, ...] = ()  # every configured region, in rollout order
    preferences: OperationPreferences = OperationPreferences()
    auto_deployment: bool = True
    # None with auto-deployment off: CloudFormation takes the setting only with it on.
    retain_stacks_on_account_removal: bool | None = True
    verifier_caller_arns: tuple[str, ...] = ()  # administrator-account roles that may assume the verifier

    @property
    def asset_bucket_prefix(self) -> str:
        """`<prefix>-<region>` is each region's asset bucket (cdk-stacksets' naming)."""
        return f"private-bedrock-fleet-{self.administrator_account}"

    def asset_bucket(self, region: str) -> str:
        return f"{self.asset_bucket_prefix}-{region}"

    @staticmethod
    def stack_set_name(region: str) -> str:
        return f"PrivateBedrock-{region}"

    @staticmethod
    def verifier_role_name(region: str) -> str:
        return f"{VERIFIER_ROLE_PREFIX}-{region}"


def _int(key: str, value: Any) -> int:
    number = as_int(f"fleet.{key}", value)
    low, high = KEYS[f"fleet.{key}"].minimum, KEYS[f"fleet.{key}"].maximum
    assert low is not None and high is not None  # the table gives every whole-number key its range
    if not low <= number <= high:
        raise ConfigError(f"fleet.{key} {number} is out of range; use a whole number from {low} to {high}.")
    return number


def _one_of_pair(raw: Mapping[str, Any], percentage: str, count: str) -> tuple[int | None, int | None]:
    """StackSets take a percentage or a count, never both; absent: the table's default of either."""
    if percentage in raw and count in raw:
        raise ConfigError(f"fleet sets both {percentage} and {count}; StackSets take one of them, remove the other.")
    if percentage in raw:
        return _int(percentage, raw[percentage]), None
    if count in raw:
        return None, _int(count, raw[count])
    return _default_or_none(f"fleet.{percentage}"), _default_or_none(f"fleet.{count}")


def _default_or_none(name: str) -> int | None:
    value = KEYS[name].default
    return None if value is UNSET else value


def _preferences(raw: Mapping[str, Any]) -> OperationPreferences:
    max_pct, max_count = _one_of_pair(raw, "maxConcurrentPercentage", "maxConcurrentCount")
    tol_pct, tol_count = _one_of_pair(raw, "failureTolerancePercentage", "failureToleranceCount")
    mode = raw.get("concurrencyMode", default("fleet.concurrencyMode"))
    if mode not in CONCURRENCY_MODES:
        raise ConfigError(f"fleet.concurrencyMode {mode!r} is not supported; use one of: {', '.join(CONCURRENCY_MODES)}.")
    # With a count, CloudFormation requires MaxConcurrentCount <= FailureToleranceCount + 1 in
    # strict mode; say so here rather than at deploy time.
    if mode == "STRICT_FAILURE_TOLERANCE" and max_count is not None and tol_count is not None and max_count > tol_count + 1:
        raise ConfigError(
            f"fleet.maxConcurrentCount {max_count} exceeds failureToleranceCount + 1 ({tol_count + 1}), which CloudFormation refuses in "
            "STRICT_FAILURE_TOLERANCE mode; lower maxConcurrentCount, raise failureToleranceCount or use maxConcurrentPercentage."
        )
    return OperationPreferences(max_pct, max_count, tol_pct, tol_count, mode)


def _one_of(key: str, value: Any, accepted: tuple[str, ...], fix: str) -> str:
    if value not in accepted:
        raise ConfigError(f"fleet.{key} {value!r} is not supported; {fix}.")
    return value


def _administrator(admin: Any) -> str:
    if not isinstance(admin, str) or not ACCOUNT_ID.match(admin):
        raise ConfigError(
            f"fleet.administratorAccount {admin!r} is not a 12-digit AWS account id; give the management or delegated-administrator account that holds the StackSets."
        )
    return admin


def _home_region(home: Any) -> str:
    if home not in BEDROCK_REGIONS:
        raise ConfigError(f"fleet.homeRegion {home!r} is not a region this app knows; use one of: {', '.join(sorted(BEDROCK_REGIONS))}.")
    return home


def _organization(org: Any) -> str:
    if not isinstance(org, str) or not _ORG_ID.match(org):
        raise ConfigError(
            f"fleet.organizationId {org!r} is not an AWS Organizations id such as o-a1b2c3d4e5 (aws organizations describe-organization); the asset buckets and the verifier role admit that organisation only."
        )
    return org


def _units(value: Any) -> tuple[str, ...]:
    ous = matching(
        "fleet.organizationalUnits", value, _OU,
        "an OU id such as ou-ab12-cd34ef56 or a root id such as r-ab12 (accounts are left out with excludeAccounts)", unique_noun="an OU",
    )
    if not ous:
        raise ConfigError("fleet.organizationalUnits is empty; list the OU ids (ou-xxxx-yyyyyyyy) or the root (r-xxxx) whose accounts get the stacks, a test OU first.")
    return ous


def _region_order(value: Any, regions: Sequence[str]) -> tuple[str, ...]:
    order = matching("fleet.regionOrder", value, re.compile(r".+"), "a region", unique_noun="a region")
    for region in order:
        if region not in BEDROCK_REGIONS:
            raise ConfigError(f"fleet.regionOrder entry {region!r} is not a region this app knows; use one of: {', '.join(sorted(BEDROCK_REGIONS))}.")
    # A region not selected now (`-c regions=us-east-1` with both in cdk.json) keeps its place for later.
    order = tuple(r for r in order if r in regions)
    missing = [r for r in regions if r not in order]
    if missing:
        raise ConfigError(f"fleet.regionOrder {list(order)!r} leaves out {missing[0]!r}; list every configured region once, in rollout order.")
    return order


def _callers(value: Any, admin: str) -> tuple[str, ...]:
    """`admin` may be FAILED (refused): the ARNs' own form is still checked."""
    callers = matching("fleet.verifierCallerArns", value, re.compile(r".+"), "a role ARN", unique_noun="a role")
    shown = admin if ok(admin) else "123456789012"
    if not callers:
        raise ConfigError(
            f"fleet.verifierCallerArns is empty; name the role(s) in {shown} that run `make verify FLEET=...`, such as arn:aws:iam::{shown}:role/PlatformVerify (the verifier role in each account trusts only them)."
        )
    p = Problems()
    for arn in callers:
        m = _CALLER.match(arn)
        if not m:
            p.add(
                f"fleet.verifierCallerArns entry {arn!r} is not an IAM role ARN such as arn:aws:iam::{shown}:role/PlatformVerify "
                f"(a wildcard only as an Identity Center role's suffix: arn:aws:iam::{shown}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformVerify_*)."
            )
        elif ok(admin) and m.group(1) != admin:
            p.add(f"fleet.verifierCallerArns entry {arn!r} is in account {m.group(1)}, not the administrator account {admin}; the verifier trusts the administrator account only.")
    p.raise_if_any()
    return callers


def _check_deliverable(region: str, settings: Mapping[str, Any]) -> None:
    """A StackSet template is the same in every account: nothing in it may name one account."""
    p = Problems()
    for key, why in ACCOUNT_SPECIFIC_KEYS.items():
        if settings.get(key):
            p.add(f"{key} is set for {region} but fleet.enabled delivers one template to every account and {why}; remove {key} (or deploy that account with `cdk deploy` instead).")
    topology = settings.get("topology", default("topology"))
    if topology != "standalone":
        p.add(
            f"topology {topology!r} in {region} cannot be delivered by a StackSet (a {topology} names one account's VPC and peers); deploy it with `cdk deploy` and use the fleet for standalone accounts."
        )
    p.raise_if_any()


def _retain(raw: Mapping[str, Any], auto: bool) -> bool | None:
    if not auto and "retainStacksOnAccountRemoval" in raw:
        raise ConfigError(
            "fleet.retainStacksOnAccountRemoval is set but fleet.autoDeployment is false; CloudFormation applies it only to the stacks "
            "auto-deployment removes (AutoDeployment.RetainStacksOnAccountRemoval), so remove it or set autoDeployment to true."
        )
    return as_bool("fleet.retainStacksOnAccountRemoval", raw.get("retainStacksOnAccountRemoval", default("fleet.retainStacksOnAccountRemoval"))) if auto else None


def parse_fleet(raw: Any, regions: Sequence[str], regional_settings: Mapping[str, Mapping[str, Any]]) -> FleetConfig:
    """Validate `fleet` against the configured regions and their (merged) settings; a region
    missing from `regional_settings` (its override was refused) is not checked here."""
    raw = as_mapping("fleet", {} if raw is None else raw, '{"enabled": true, "organizationalUnits": ["ou-ab12-cd34ef56"]}')
    p = Problems()
    for sentence in unknown_key_sentences("fleet", raw, FLEET_KEYS):
        p.add(sentence)
    enabled = p.check(as_bool, "fleet.enabled", raw.get("enabled", bool(raw)))
    if not enabled:  # False, or refused: the rest applies only to an enabled fleet
        p.raise_if_any()
        return FleetConfig()

    admin = p.check(_administrator, raw.get("administratorAccount"))
    call_as = p.check(_one_of, "callAs", raw.get("callAs", default("fleet.callAs")), CALL_AS, "use SELF (the management account) or DELEGATED_ADMIN (a registered delegated administrator)")
    home = p.check(_home_region, raw.get("homeRegion", regions[0]))
    org = p.check(_organization, raw.get("organizationId"))
    ous = p.check(_units, raw.get("organizationalUnits", default("fleet.organizationalUnits")))
    excluded = p.check(matching, "fleet.excludeAccounts", raw.get("excludeAccounts", default("fleet.excludeAccounts")), ACCOUNT_ID, "a 12-digit AWS account id", unique_noun="an account")
    order = p.check(_region_order, raw.get("regionOrder", list(regions)), regions)
    callers = p.check(_callers, raw.get("verifierCallerArns", default("fleet.verifierCallerArns")), admin)
    for region in regions:
        if region in regional_settings:
            p.check(_check_deliverable, region, regional_settings[region])
    auto = p.check(as_bool, "fleet.autoDeployment", raw.get("autoDeployment", default("fleet.autoDeployment")))
    retain = p.check(_retain, raw, auto) if ok(auto) else FAILED
    preferences = p.check(_preferences, raw)
    p.raise_if_any()
    return FleetConfig(
        enabled=True,
        administrator_account=admin,
        call_as=call_as,
        home_region=home,
        organization_id=org,
        organizational_units=ous,
        exclude_accounts=excluded,
        region_order=order,
        preferences=preferences,
        auto_deployment=auto,
        retain_stacks_on_account_removal=retain,
        verifier_caller_arns=callers,
    )
