"""The StackSets delivery's rows of the IAM matrix: the fleet verifier role and the asset bucket.

The verifier role (private_bedrock/fleet/verifier.py) is delivered into every member account and
assumed from the administrator account by `make verify FLEET=...`. Its cells, evaluated by
the same simulator as the Bedrock matrix (private_bedrock/tools/prove/matrix.py):
- identity: invoking and reading each probe function, reading this stack, this policy and
  the deployed code object are allowed; another function, an alias, changing code, another
  stack, updating this one, another object and any Bedrock call are denied;
- trust (sts:AssumeRole, the trust policy as the role's resource policy): a named caller
  role of the administrator account inside the organisation is allowed; another role of
  that account, the same role name in another account, and the named role outside the
  organisation are denied; an Identity Center caller's permission set is allowed with any
  suffix, and the set whose name only begins like it (`<set>_ReadOnly`) is denied;
- asset bucket (its bucket policy, cross-account from a member account): the
  organisation's principals may read the code, others may not, and nobody may write.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from private_bedrock.tools.prove.deployment import TemplateShapeError, read_deployment
from private_bedrock.tools.prove.cells import PolicyCell, evaluate_cells
from private_bedrock.tools.prove.matrix import ALLOW, DENY, SESSION, SimulationError
from private_bedrock.tools.prove.resolve import ACCOUNT, OUTSIDE_ACCOUNT, OUTSIDE_ORG, PARTITION, Symbols, resolve, symbols_for

VERIFIER_PREFIX = "PrivateBedrockFleetVerifier-"
OTHER_ORG = OUTSIDE_ORG
OTHER_ACCOUNT = "444455556666"

def _allow_all(action: str) -> dict:
    """The caller's own identity policy: the cell tests the other side's policy only."""
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}


def _request(principal: str, principal_arn: str, account: str, org: str, action: str, resource: str, resource_account: str, region: str | None = None,
             extra: Mapping[str, str] | None = None) -> dict:
    context = {"aws:PrincipalArn": principal_arn, "aws:PrincipalAccount": account, "aws:PrincipalOrgID": org, **(extra or {})}
    if region is not None:  # a call to a regional API (the verifier's); not for sts:AssumeRole
        context["aws:RequestedRegion"] = region
    if action.startswith("s3:"):
        context["s3:ResourceAccount"] = resource_account
    return {"principal": principal, "action": action, "resource": {"resource": resource, "accountId": resource_account}, "contextVariables": context}


# A suffix as IAM Identity Center writes it (the documented example's form), for the cells.
SSO_EXAMPLE_SUFFIX = "0123456789abcdef"


def concrete_caller(caller_arn: str) -> str:
    """A role ARN a configured caller names: an Identity Center pattern's `_*` (or its 16 `?`)
    as one real suffix."""
    for wildcard in ("_*", "_" + "?" * len(SSO_EXAMPLE_SUFFIX)):
        if "/aws-reserved/sso.amazonaws.com/" in caller_arn and caller_arn.endswith(wildcard):
            return caller_arn[: -len(wildcard)] + "_" + SSO_EXAMPLE_SUFFIX
    return caller_arn


def _sso_rows(caller_arn: str, admin: str, org: str) -> list[tuple[str, str, str, str, str]]:
    """An Identity Center caller: its permission set's role is trusted, whatever its suffix;
    the role of a permission set whose name merely starts with the same words is not."""
    if "/aws-reserved/sso.amazonaws.com/" not in caller_arn:
        return []
    trusted = concrete_caller(caller_arn)
    path, name = trusted.rsplit("/", 1)
    permission_set = name[len("AWSReservedSSO_"): -len(SSO_EXAMPLE_SUFFIX) - 1]
    return [
        (f"Identity Center role of {permission_set} (another suffix)", f"{path}/AWSReservedSSO_{permission_set}_fedcba9876543210", admin, org, ALLOW),
        (f"Identity Center role of {permission_set}_ReadOnly", f"{path}/AWSReservedSSO_{permission_set}_ReadOnly_{SSO_EXAMPLE_SUFFIX}", admin, org, DENY),
    ]


def verifier_cells(
    member: Mapping[str, Any], region: str, *, admin: str, org: str, caller_arn: str,
    asset_bucket_policy: Mapping[str, Any] | None = None, account: str = ACCOUNT, caller_arns: Sequence[str] = (),
) -> list[PolicyCell]:
    """Evaluate one member template's verifier role (and the region's asset bucket policy).
    `caller_arn`: the configured caller the default rows use; `caller_arns`: every configured
    caller, each an allowed row (an Identity Center pattern also its look-alike, denied)."""
    dep = read_deployment(member, region, account)
    roles = [lid for lid, r in member["Resources"].items() if r["Type"] == "AWS::IAM::Role"
             and str(r["Properties"].get("RoleName", "")).startswith(VERIFIER_PREFIX)]
    if len(roles) != 1:
        raise TemplateShapeError(f"{region}: expected one fleet verifier role, found {roles}")
    (lid,) = roles
    role = dep.roles[lid]
    if role.opaque_policy_arns:
        raise SimulationError(f"{lid} has managed policies the matrix cannot read: {role.opaque_policy_arns}")
    probes = sorted(k for k, r in member["Resources"].items() if r["Type"] == "AWS::Lambda::Function" and k.startswith("Probe"))
    if len(probes) != 2:
        raise TemplateShapeError(f"{region}: expected the two probe functions, found {probes}")
    fn = lambda p: dep.symbols.getatts[(p, "Arn")]  # noqa: E731
    stack = dep.symbols.refs["AWS::StackId"]
    code = resolve(member["Resources"][probes[0]]["Properties"]["Code"], dep.symbols)
    code_object = f"arn:{PARTITION}:s3:::{code['S3Bucket']}/{code['S3Key']}"
    identity_arn = next(
        dep.symbols.refs[k] for k, r in member["Resources"].items()
        if r["Type"] == "AWS::IAM::ManagedPolicy" and str(r["Properties"].get("Description", "")).startswith("Amazon Bedrock")
    )
    other_fn = f"arn:{PARTITION}:lambda:{region}:{account}:function:SomeOtherFunction"
    resources = member["Resources"]
    (log_key,) = [k for k, r in resources.items() if r["Type"] == "AWS::KMS::Key" and k.startswith("LogKey")]
    key_arn = dep.symbols.getatts[(log_key, "Arn")]
    resolver = f"arn:{PARTITION}:route53resolver:{region}:{account}"
    (group,) = [dep.symbols.refs[k] for k, r in resources.items() if r["Type"] == "AWS::Route53Resolver::FirewallRuleGroup"]
    lists = sorted(dep.symbols.refs[k] for k, r in resources.items() if r["Type"] == "AWS::Route53Resolver::FirewallDomainList")
    via_lambda = {"kms:ViaService": f"lambda.{region}.amazonaws.com", "kms:CallerAccount": account}
    # KMS needs the key policy too: it lets the account's principals use the key through Lambda only.
    key_policy = resolve(resources[log_key]["Properties"]["KeyPolicy"], dep.symbols)
    identity_rows = [
        *((f"invoke version 1 of {p}", "lambda:InvokeFunction", fn(p) + ":1", ALLOW) for p in probes),
        (f"invoke version 9999 of {probes[0]}", "lambda:InvokeFunction", fn(probes[0]) + ":9999", ALLOW),
        *((f"publish a version of {p}", "lambda:PublishVersion", fn(p), ALLOW) for p in probes),
        *((f"read the configuration of {p}", "lambda:GetFunctionConfiguration", fn(p), ALLOW) for p in probes),
        ("list the VPC's DNS Firewall associations", "route53resolver:ListFirewallRuleGroupAssociations", "*", ALLOW),  # no resource-level permissions
        ("read our DNS Firewall rules", "route53resolver:ListFirewallRules", f"{resolver}:firewall-rule-group/{group}", ALLOW),
        *((f"read our DNS Firewall domain list {i + 1}", "route53resolver:ListFirewallDomains", f"{resolver}:firewall-domain-list/{d}", ALLOW)
          for i, d in enumerate(lists)),
        (f"invoke {probes[0]} unqualified ($LATEST, unchecked)", "lambda:InvokeFunction", fn(probes[0]), DENY),
        (f"invoke version 10000 of {probes[0]} (past the version patterns)", "lambda:InvokeFunction", fn(probes[0]) + ":10000", DENY),
        ("publish a version of another function", "lambda:PublishVersion", other_fn, DENY),
        ("read another rule group's rules", "route53resolver:ListFirewallRules", f"{resolver}:firewall-rule-group/rslvr-frg-0123456789abcdef0", DENY),
        ("change our DNS Firewall rules", "route53resolver:UpdateFirewallRule", f"{resolver}:firewall-rule-group/{group}", DENY),
        ("read this stack's template", "cloudformation:GetTemplate", stack, ALLOW),
        ("list this stack's resources", "cloudformation:ListStackResources", stack, ALLOW),
        ("read the identity policy's version", "iam:GetPolicyVersion", identity_arn, ALLOW),
        ("describe the endpoints", "ec2:DescribeVpcEndpoints", "*", ALLOW),  # no resource-level permissions
        (f"invoke {probes[0]}:production (an alias)", "lambda:InvokeFunction", fn(probes[0]) + ":production", DENY),
        # IAM cannot tell a version from an alias of up to four characters (the stack creates no alias).
        (f"invoke {probes[0]}:live (a 4-character alias)", "lambda:InvokeFunction", fn(probes[0]) + ":live", ALLOW),
        ("invoke another function", "lambda:InvokeFunction", other_fn, DENY),
        (f"change the code of {probes[0]}", "lambda:UpdateFunctionCode", fn(probes[0]), DENY),
        (f"change the configuration of {probes[0]}", "lambda:UpdateFunctionConfiguration", fn(probes[0]), DENY),
        ("read another stack's template", "cloudformation:GetTemplate", stack.replace(f"stack/stack-{region}/", "stack/other/"), DENY),
        ("update this stack", "cloudformation:UpdateStack", stack, DENY),
        ("read another policy", "iam:GetPolicyVersion", f"arn:{PARTITION}:iam::{account}:policy/other", DENY),
        ("call Bedrock", "bedrock:InvokeModel", f"arn:{PARTITION}:bedrock:{region}::foundation-model/amazon.nova-micro-v1:0", DENY),
        ("write a new version of the identity policy", "iam:CreatePolicyVersion", identity_arn, DENY),
        ("change an endpoint", "ec2:ModifyVpcEndpoint", f"arn:{PARTITION}:ec2:{region}:{account}:vpc-endpoint/vpce-0123456789abcdef0", DENY),
        ("delete this stack", "cloudformation:DeleteStack", stack, DENY),
        ("turn the DNS Firewall's fail-open on", "route53resolver:UpdateFirewallConfig", f"arn:{PARTITION}:route53resolver:{region}:{account}:firewall-config/rslvr-fc-0123456789abcdef", DENY),
    ]
    # Describing endpoints has no resource-level permission: held to this region by a condition.
    elsewhere = "eu-west-3" if region != "eu-west-3" else "eu-west-2"
    session = f"arn:{PARTITION}:sts::{account}:assumed-role/{role.arn.rsplit('/', 1)[1]}/{SESSION}"
    cells: list[PolicyCell] = []
    sims: list[dict] = []
    rows: list[tuple[str, str, str, str, str, dict[str, Any] | None]] = [
        (label, action, resource, expected, region, None) for label, action, resource, expected in identity_rows]
    rows += [
        (f"describe the endpoints of {elsewhere}", "ec2:DescribeVpcEndpoints", "*", DENY, elsewhere, None),
        (f"list the DNS Firewall associations of {elsewhere}", "route53resolver:ListFirewallRuleGroupAssociations", "*", DENY, elsewhere, None),
        # The probes' environment is encrypted with the log key: Lambda decrypts it for the caller.
        ("read the probes' environment through Lambda", "kms:Decrypt", key_arn, ALLOW, region, via_lambda),
        ("decrypt with the log key directly", "kms:Decrypt", key_arn, DENY, region, {"kms:CallerAccount": account}),
        ("decrypt with another key through Lambda", "kms:Decrypt", key_arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000", DENY, region, via_lambda),
    ]
    for label, action, resource, expected, requested, extra in rows:
        cells.append(PolicyCell(region, "identity", label, action, resource, expected))
        sims.append({
            "request": _request(session, role.arn, account, org, action, resource, account, requested, extra),
            "identityPolicies": [{"name": n, "policy": d} for n, d in dep.policies_of(lid)],
            "serviceControlPolicies": [], "resourceControlPolicies": [],
            **({"resourcePolicy": key_policy} if action.startswith("kms:") else {}),
        })
    # The code object lives in the administrator's bucket: identity AND bucket policy decide.
    if asset_bucket_policy is not None:
        for label, key, owner, expected in (
            ("read the deployed code", code_object, admin, ALLOW),
            ("read another object of the bucket", code_object.rsplit("/", 1)[0] + "/other.zip", admin, DENY),
            # A bucket of the same name owned by another account (the name was freed and taken).
            ("read the code from a same-named bucket of another account", code_object, OTHER_ACCOUNT, DENY),
        ):
            cells.append(PolicyCell(region, "identity", label, "s3:GetObject", key, expected))
            sims.append({
                "request": _request(session, role.arn, account, org, "s3:GetObject", key, owner, region),
                "identityPolicies": [{"name": n, "policy": d} for n, d in dep.policies_of(lid)],
                "serviceControlPolicies": [], "resourceControlPolicies": [], "resourcePolicy": asset_bucket_policy,
            })
    trust = resolve(member["Resources"][lid]["Properties"]["AssumeRolePolicyDocument"], dep.symbols)
    caller_arn = concrete_caller(caller_arn)
    caller_name = caller_arn.rsplit("/", 1)[1]
    trust_rows = [
        ("the named caller of the administrator account", caller_arn, admin, org, ALLOW),
        ("another role of the administrator account", f"arn:{PARTITION}:iam::{admin}:role/SomeoneElse", admin, org, DENY),
        ("the same role name in another account", f"arn:{PARTITION}:iam::{OTHER_ACCOUNT}:role/{caller_name}", OTHER_ACCOUNT, org, DENY),
        ("the named caller outside the organisation", caller_arn, admin, OTHER_ORG, DENY),
    ]
    for other in caller_arns:
        if concrete_caller(other) != caller_arn:
            trust_rows.append((f"the named caller {concrete_caller(other).rsplit('/', 1)[1]}", concrete_caller(other), admin, org, ALLOW))
        trust_rows += _sso_rows(other, admin, org)
    for label, principal_arn, principal_account, principal_org, expected in trust_rows:
        cells.append(PolicyCell(region, "trust", label, "sts:AssumeRole", role.arn, expected))
        name = principal_arn.rsplit("/", 1)[1]
        sims.append({
            "request": _request(f"arn:{PARTITION}:sts::{principal_account}:assumed-role/{name}/{SESSION}", principal_arn, principal_account,
                                principal_org, "sts:AssumeRole", role.arn, account),
            "identityPolicies": [{"name": "CallerMayAssumeRoles", "policy": _allow_all("sts:AssumeRole")}],
            "serviceControlPolicies": [], "resourceControlPolicies": [], "resourcePolicy": trust,
        })
    if asset_bucket_policy is not None:
        reader = f"arn:{PARTITION}:iam::{account}:role/stacksets-exec-0123456789abcdef"
        bucket_rows = [
            ("a member account's role reads the code", "s3:GetObject", code_object, org, ALLOW),
            ("a role outside the organisation reads the code", "s3:GetObject", code_object, OTHER_ORG, DENY),
            ("a member account's role replaces the code", "s3:PutObject", code_object, org, DENY),
            ("a member account's role deletes the code", "s3:DeleteObject", code_object, org, DENY),
        ]
        for label, action, resource, principal_org, expected in bucket_rows:
            cells.append(PolicyCell(region, "asset-bucket", label, action, resource, expected))
            sims.append({
                "request": _request(f"arn:{PARTITION}:sts::{account}:assumed-role/stacksets-exec-0123456789abcdef/{SESSION}", reader, account,
                                    principal_org, action, resource, admin),
                "identityPolicies": [{"name": "ExecutionRoleAdministratorAccess", "policy": _allow_all("*")}],
                "serviceControlPolicies": [], "resourceControlPolicies": [], "resourcePolicy": asset_bucket_policy,
            })
    return evaluate_cells(cells, sims)


def asset_bucket_policy(assets_template: Mapping[str, Any], region: str, admin: str) -> dict:
    """The asset bucket's policy as deployed (the bucket's ARN resolved by its name)."""
    resources = assets_template["Resources"]
    (bucket_id,) = [k for k, r in resources.items() if r["Type"] == "AWS::S3::Bucket" and "BucketName" in r["Properties"]]
    symbols = symbols_for(assets_template, region, admin)
    name = resources[bucket_id]["Properties"]["BucketName"]
    symbols = Symbols(refs={**symbols.refs, bucket_id: name},
                      getatts={**symbols.getatts, (bucket_id, "Arn"): f"arn:{PARTITION}:s3:::{name}"})
    (policy,) = [r["Properties"]["PolicyDocument"] for r in resources.values()
                 if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": bucket_id}]
    return resolve(policy, symbols)


def _admits_anyone(resource: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": resource}]}


MANAGEMENT_ACCOUNT = "111100001111"  # a delegated administrator's StackSets live in the management account
MEMBER_ACCOUNT = "222233334444"


def caller_cells(fleet_template: Mapping[str, Any], *, admin: str, org: str, caller_arn: str, regions: Sequence[str], home_region: str,
                 call_as: str, policy_name: str = "PrivateBedrockFleetVerifyCaller") -> list[PolicyCell]:
    """The fleet verifier's caller policy (private_bedrock/fleet/caller_policy.py), as the identity
    policy of a configured caller: the verifier roles and the StackSets' reads are allowed,
    any other role, a StackSet change and another StackSet are denied."""
    found = [r for r in fleet_template["Resources"].values()
             if r["Type"] == "AWS::IAM::ManagedPolicy" and r["Properties"].get("ManagedPolicyName") == policy_name]
    if len(found) != 1:
        raise TemplateShapeError(f"expected one managed policy {policy_name} in the fleet stack, found {len(found)}")
    policy = resolve(found[0]["Properties"]["PolicyDocument"], symbols_for(fleet_template, home_region, admin))
    owner = admin if call_as == "SELF" else MANAGEMENT_ACCOUNT
    stack_set = lambda name: f"arn:{PARTITION}:cloudformation:{home_region}:{owner}:stackset/{name}:0a1b2c3d-4e5f-6789-abcd-ef0123456789"  # noqa: E731
    rows: list[tuple[str, str, str, str, str]] = []
    for region in regions:
        verifier = f"arn:{PARTITION}:iam::{MEMBER_ACCOUNT}:role/{VERIFIER_PREFIX}{region}"
        rows.append((f"assume the verifier of {region} in a member account", "sts:AssumeRole", verifier, MEMBER_ACCOUNT, ALLOW))
        for action in ("ListStackInstances", "DescribeStackSet", "DetectStackSetDrift", "DescribeStackSetOperation"):
            rows.append((f"{action} of PrivateBedrock-{region}", f"cloudformation:{action}", stack_set(f"PrivateBedrock-{region}"), owner, ALLOW))
    first = regions[0]
    rows += [
        ("assume the StackSets execution role of a member account", "sts:AssumeRole", f"arn:{PARTITION}:iam::{MEMBER_ACCOUNT}:role/stacksets-exec-0123456789abcdef", MEMBER_ACCOUNT, DENY),
        ("assume another role of the administrator account", "sts:AssumeRole", f"arn:{PARTITION}:iam::{admin}:role/OrganizationAccountAccessRole", admin, DENY),
        ("assume a verifier of a region the fleet does not deliver", "sts:AssumeRole", f"arn:{PARTITION}:iam::{MEMBER_ACCOUNT}:role/{VERIFIER_PREFIX}sa-east-1", MEMBER_ACCOUNT, DENY),
        # The same name in an account of another organisation (aws:ResourceOrgID).
        (f"assume a role named like the verifier of {first} in another organisation", "sts:AssumeRole",
         f"arn:{PARTITION}:iam::{OUTSIDE_ACCOUNT}:role/{VERIFIER_PREFIX}{first}", OUTSIDE_ACCOUNT, DENY),
        (f"update PrivateBedrock-{first}", "cloudformation:UpdateStackSet", stack_set(f"PrivateBedrock-{first}"), owner, DENY),
        (f"delete PrivateBedrock-{first}", "cloudformation:DeleteStackSet", stack_set(f"PrivateBedrock-{first}"), owner, DENY),
        (f"add instances to PrivateBedrock-{first}", "cloudformation:CreateStackInstances", stack_set(f"PrivateBedrock-{first}"), owner, DENY),
        (f"stop an operation of PrivateBedrock-{first}", "cloudformation:StopStackSetOperation", stack_set(f"PrivateBedrock-{first}"), owner, DENY),
        ("drift-check another StackSet", "cloudformation:DetectStackSetDrift", stack_set("SomeoneElsesStackSet"), owner, DENY),
        ("list another StackSet's instances", "cloudformation:ListStackInstances", stack_set("SomeoneElsesStackSet"), owner, DENY),
        ("list the organisation's accounts", "organizations:ListAccounts", "*", admin, DENY),
    ]
    rows.append(("list the delegated administrators (StackSets asks, with DELEGATED_ADMIN)", "organizations:ListDelegatedAdministrators", "*", admin,
                 ALLOW if call_as == "DELEGATED_ADMIN" else DENY))
    name = caller_arn.rsplit("/", 1)[1]
    session = f"arn:{PARTITION}:sts::{admin}:assumed-role/{name}/{SESSION}"
    cells, sims = [], []
    for label, action, resource, resource_account, expected in rows:
        cells.append(PolicyCell(home_region, "caller", label, action, resource, expected))
        resource_org = {"aws:ResourceOrgID": OUTSIDE_ORG if resource_account == OUTSIDE_ACCOUNT else org}
        request = _request(session, caller_arn, admin, org, action, resource, resource_account,
                           None if action.startswith(("sts:", "organizations:")) else home_region, resource_org)
        sim = {"request": request, "identityPolicies": [{"name": policy_name, "policy": policy}], "serviceControlPolicies": [], "resourceControlPolicies": []}
        if resource_account != admin:
            # Cross-account, the other side (a verifier's trust) admits the caller: the cell is
            # the caller policy's own decision (the trust has its own cells above). In the
            # caller's own account, no resource policy: its identity policy alone decides.
            sim["resourcePolicy"] = _admits_anyone(resource)
        sims.append(sim)
    return evaluate_cells(cells, sims)
