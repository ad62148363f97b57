"""Pure policy builders of the StackSets delivery: the asset buckets and the fleet verifier.

No constructs here. Each document comes from one list of grants, so the template tests and
the IAM matrix (private_bedrock/tools/prove/fleet.py) read exactly what is allowed. ARNs may be CDK tokens.

- Asset bucket (one per target region, in the administrator account): any principal OF THE
  ORGANISATION may read the objects (CloudFormation's StackSet execution role in each member
  account, when it creates the probe functions from the zip; the fleet verifier, when it
  checks the deployed code), nothing else; TLS only.
- Fleet verifier role (delivered into every member account): trusted by named roles of the
  administrator account only, inside the organisation; allowed exactly the reads
  `make verify` makes (private_bedrock/tools/verify/regional.py) on this stack's own resources, publishing a version
  of each probe function and invoking those versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from private_bedrock.policies.statements import Grant, statement


# --------------------------------------------------------------------- asset buckets

ASSET_READ_ACTIONS = ("s3:GetObject",)


def asset_bucket_statements(bucket_arn: str, organization_id: str) -> list[dict]:
    """Read for the organisation's principals only (TLS is enforced by the bucket construct's
    own DenyInsecureTransport statement: Bucket(enforce_ssl=True))."""
    return [
        statement(
            "Allow", "OrganisationReadsTheAssets", ASSET_READ_ACTIONS, [f"{bucket_arn}/*"],
            {"StringEquals": {"aws:PrincipalOrgID": organization_id}}, principal=True,
        ),
    ]


# --------------------------------------------------------------------- fleet verifier


@dataclass(frozen=True)
class VerifierTargets:
    """The resources of one member stack the verifier reads (ARNs, tokens allowed)."""

    stack_id: str  # AWS::StackId: this StackSet instance's stack
    function_arns: tuple[str, str]  # the in-VPC probe and its control twin
    identity_policy_arn: str  # SourceVpceOnlyPolicy
    asset_object_arns: tuple[str, ...]  # the probe code objects in the administrator's asset bucket
    region: str
    account: str
    asset_account: str  # the administrator account, owner of the asset buckets
    log_key_arn: str = ""  # the key of the probes' environment
    firewall_rule_group_arns: tuple[str, ...] = ()  # the DNS Firewall rule group(s) of this stack
    firewall_domain_list_arns: tuple[str, ...] = ()  # and their domain lists


# Invoke with a Qualifier is authorized against the version's ARN (Lambda developer guide,
# "Fine-tuning the Resources and Conditions sections of policies": Invoke takes a function,
# version or alias ARN; 2026-12), which the unqualified ARN does not match.
# Versions 1 to 9999 of a function: `?` is one character. IAM cannot tell a version from an
# alias (a 1-4 character alias would match too; the stack creates none), and `:*` would
# also match every longer alias name.
VERSION_PATTERNS = tuple("?" * n for n in range(1, 5))


def published_versions(function_arn: str) -> tuple[str, ...]:
    return tuple(f"{function_arn}:{p}" for p in VERSION_PATTERNS)


def verifier_grants(t: VerifierTargets) -> list[Grant]:
    """Exactly what private_bedrock/tools/verify/regional.py calls, on this stack's resources (ec2:DescribeVpcEndpoints,
    route53resolver:ListFirewallRuleGroupAssociations and GetFirewallConfig have no narrower
    resource; see the nag reasons). Writes nothing but a version of each probe: PublishVersion
    snapshots the function as it is, so that what verify checked is what it invokes."""
    return [
        Grant("ReadThisStack", ("cloudformation:DescribeStacks", "cloudformation:GetTemplate", "cloudformation:ListStackResources"), (t.stack_id,)),
        Grant("ReadAndPublishTheTwoProbes", ("lambda:GetFunctionConfiguration", "lambda:PublishVersion"), t.function_arns),
        # Invoke authorizes the qualified ARN: only versions are invoked, never $LATEST.
        Grant("InvokeTheirPublishedVersions", ("lambda:InvokeFunction",), tuple(v for arn in t.function_arns for v in published_versions(arn))),
        # The environment is encrypted with the stack's key; Lambda decrypts it for the caller.
        Grant("ReadTheProbesEnvironmentThroughLambda", ("kms:Decrypt",), (t.log_key_arn,),
                   {"StringEquals": {"kms:ViaService": f"lambda.{t.region}.amazonaws.com"}}),
        # Only from the administrator's bucket: a bucket of that name in another account is not read.
        Grant("ReadTheDeployedProbeCode", ("s3:GetObject",), t.asset_object_arns, {"StringEquals": {"s3:ResourceAccount": t.asset_account}}),
        Grant("ReadTheIdentityPolicy", ("iam:GetPolicy", "iam:GetPolicyVersion"), (t.identity_policy_arn,)),
        # No resource-level permissions: held to this stack's region at least.
        Grant("ReadEndpointPolicies", ("ec2:DescribeVpcEndpoints",), ("*",), {"StringEquals": {"aws:RequestedRegion": t.region}}),
        Grant(
            "ReadDnsFirewallConfig", ("route53resolver:GetFirewallConfig",),
            (f"arn:aws:route53resolver:{t.region}:{t.account}:firewall-config/*",),
        ),
        Grant("ListDnsFirewallAssociations", ("route53resolver:ListFirewallRuleGroupAssociations",), ("*",),
                   {"StringEquals": {"aws:RequestedRegion": t.region}}),
        Grant("ReadOurDnsFirewallRules", ("route53resolver:ListFirewallRules",), t.firewall_rule_group_arns),
        Grant("ReadOurDnsFirewallDomains", ("route53resolver:ListFirewallDomains",), t.firewall_domain_list_arns),
    ]


# IAM Identity Center names a permission set's role AWSReservedSSO_<set>_<suffix>, and gives it
# a new suffix whenever the set is assigned to the account again (IAM Identity Center User
# Guide, "Referencing permission sets in resource policies", read 2026-12-03). The documented
# examples' suffix is 16 hex characters; that every suffix is 16 characters long is [field].
SSO_SUFFIX_LENGTH = 16
SSO_SUFFIX_PATTERN = "?" * SSO_SUFFIX_LENGTH


def caller_pattern(caller_arn: str) -> str:
    """The aws:PrincipalArn pattern trusting one configured caller. An Identity Center role's
    `_*` becomes exactly 16 `?`: with `*`, AWSReservedSSO_Admin_* would also match the roles
    of every permission set whose name starts with Admin_ (AWSReservedSSO_Admin_ReadOnly_...)."""
    if "/aws-reserved/sso.amazonaws.com/" in caller_arn and caller_arn.endswith("_*"):
        return caller_arn[:-1] + SSO_SUFFIX_PATTERN
    return caller_arn


def verifier_trust_conditions(caller_arns: Sequence[str], organization_id: str) -> dict:
    """Trusted: the administrator account (the principal), and of it only the named roles,
    inside the organisation. aws:PrincipalArn rather than role principals: a role principal
    must exist when the trust is written, and is replaced by an id if it is ever recreated."""
    return {
        "ArnLike": {"aws:PrincipalArn": [caller_pattern(a) for a in caller_arns]},
        "StringEquals": {"aws:PrincipalOrgID": organization_id},
    }


# --------------------------------------------------------------------- the verifier's caller

CALLER_POLICY_NAME = "PrivateBedrockFleetVerifyCaller"
STACK_SET_READS = (
    "cloudformation:ListStackInstances",  # the inventory, and each instance's DriftStatus
    "cloudformation:DescribeStackSet",  # the StackSet's template and drift status
    "cloudformation:DetectStackSetDrift",  # starts drift detection; changes no resource
    "cloudformation:DescribeStackSetOperation",  # waits for it
)


@dataclass(frozen=True)
class CallerTargets:
    """What `make verify FLEET=...` reaches from the administrator account."""

    regions: tuple[str, ...]  # the StackSets' target regions
    home_region: str  # where the StackSets live
    administrator_account: str
    call_as: str  # SELF or DELEGATED_ADMIN
    organization_id: str  # fleet.organizationId: the verifier roles are assumed inside it only


def caller_grants(t: CallerTargets, *, verifier_role_name, stack_set_name) -> list[Grant]:
    """The fleet verifier's caller (a role of fleet.verifierCallerArns) needs exactly these.
    Member accounts are any account of the OUs, including those auto-deployment adds later,
    so the verifier roles are named in every account (`iam::*`): what the caller gets there
    is what each verifier role allows, and its trust admits only the named callers. StackSets
    a delegated administrator manages live in the management account (CloudFormation User
    Guide, "Register a delegated administrator", read 2026-12-03), whose id the configuration
    does not have: with DELEGATED_ADMIN the StackSets' account is `*`, their names exact.
    The roles' account `*` is held to the organisation by aws:ResourceOrgID (a global key, the
    organisation of the account that owns the resource; IAM User Guide, "AWS global condition
    context keys", read 2026-12-03): a role of that name in an account of another organisation
    is not assumed. That STS puts the key in AssumeRole's request context is [field] (no AWS
    page found pairing the two); where it is absent, StringEquals fails and no role is
    assumed, so fleet verify reports every account unreachable rather than trusting one."""
    account = t.administrator_account if t.call_as == "SELF" else "*"
    grants = [
        Grant("AssumeTheFleetVerifierRoles", ("sts:AssumeRole",), tuple(f"arn:aws:iam::*:role/{verifier_role_name(r)}" for r in t.regions),
                   {"StringEquals": {"aws:ResourceOrgID": t.organization_id}}),
        Grant(
            "ReadAndDriftCheckTheStackSets", STACK_SET_READS,
            tuple(f"arn:aws:cloudformation:{t.home_region}:{account}:stackset/{stack_set_name(r)}:*" for r in t.regions),
        ),
    ]
    if t.call_as == "DELEGATED_ADMIN":
        # CloudFormation asks for it on a delegated administrator's calls ("Make sure your
        # delegated administrators have organizations:ListDelegatedAdministrators", same page).
        # No resource-level permissions. Not held to organizations:ServicePrincipal: whether
        # CloudFormation's check passes one is not documented [field]; it lists account ids.
        grants.append(Grant("StackSetsChecksTheDelegatedAdministrator", ("organizations:ListDelegatedAdministrators",), ("*",)))
    return grants
