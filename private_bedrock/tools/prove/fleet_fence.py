"""A fleet fence's own cells: the network statement's owners, beside the Bedrock matrix.

The fleet form of the fence (private_bedrock/policies/scp.py, networkForm own-account-endpoints) admits
a Bedrock call only through a VPC endpoint of the caller's own account (aws:VpceAccount =
${aws:PrincipalAccount}). The Bedrock matrix evaluates it on its paths (this deployment's
endpoint, another member account's, none, CloudFormation); these cells add the owners it has
no path for, each evaluated by the same simulator with only the SCPs deciding (the caller holds
bedrock:* on *, every endpoint has AWS's default full-access policy):
- an endpoint of the caller's own account: allowed, and so is *another* endpoint of that
  account (the fence cannot tell them apart); which is why only the StackSets execution role
  (and break-glass) may create a Bedrock endpoint in a member account (below);
- another member account's endpoint, another organisation's, no endpoint, CloudFormation on
  the caller's behalf: denied;
- the caller's own endpoint *without* aws:VpceAccount in the request (AWS does not document
  the key for Bedrock [field]): denied, the statement fails closed;
- a break-glass role, with no endpoint or another organisation's: allowed.

And the delivered stacks (FenceFleetStacksToStackSets, FenceStackSetsExecutionRole): a member
account's admin may not update, delete or change-set the StackSet's stack, nor create or
change a role named like the StackSets execution role; that role (stacksets-exec-*) may
change the stack, break-glass may do both, and another stack or another role of the account
is not the fence's business (allowed).

And the endpoints (FenceBedrockEndpointsToStackSets): a member account's admin may not create
a bedrock-runtime, bedrock-mantle or FIPS endpoint; the execution role and break-glass may,
and an endpoint of another service (S3) is the account's own (allowed).

And the delivered endpoints (FenceDeliveredEndpoints, FenceDeliveredEndpointTag): the endpoints
the StackSet delivers carry the tag PrivateBedrockDelivered; a member account's admin may not
modify (its policy to full access, say), delete or untag such an endpoint, nor give the key to
any endpoint (in any case of letters); the execution role and break-glass may, and an untagged
endpoint (S3) and other tag keys are the account's own (allowed).
"""

from __future__ import annotations

from private_bedrock.tools.prove.cells import PolicyCell, evaluate_cells
from private_bedrock.tools.prove.fence import FULL_AWS_ACCESS, OWN_ACCOUNT, FenceLayer, concrete_principal_arn
from private_bedrock.tools.prove.matrix import ALLOW, CLOUDFORMATION, DENY, FULL_ACCESS_ENDPOINT_POLICY, SESSION
from private_bedrock.config.fleet import DELIVERED_ENDPOINT_TAG
from private_bedrock.tools.prove.resolve import ACCOUNT, OUTSIDE_ACCOUNT, OUTSIDE_ORG, PARTITION

OTHER_MEMBER = "555566667777"  # another account of the same organisation
OUTSIDER = OUTSIDE_ACCOUNT  # an account of another organisation
ORG, OTHER_ORG = "o-a1b2c3d4e5", OUTSIDE_ORG
OWN_VPCE, SECOND_VPCE, FOREIGN_VPCE = "vpce-0a0a0a0a0a0a0a0a0", "vpce-0b0b0b0b0b0b0b0b0", "vpce-0c0c0c0c0c0c0c0c0"
# Decided by the network and region statements only (no model statement covers it).
ACTION, RESOURCE = "bedrock:ListFoundationModels", "*"


def _via(vpce: str | None, owner: str | None = None, org: str | None = None) -> dict[str, str]:
    ctx = {"aws:SourceVpce": vpce} if vpce else {}
    if owner:
        ctx["aws:VpceAccount"] = owner
    if org:
        ctx["aws:VpceOrgID"] = org
    return ctx


CFN = {"aws:ViaAWSService": "true", "aws:CalledVia": [CLOUDFORMATION], "aws:CalledViaFirst": CLOUDFORMATION, "aws:CalledViaLast": CLOUDFORMATION}


# The member account's administrators: every action on every resource (the fence alone decides).
ADMINISTRATOR = FULL_AWS_ACCESS


def fleet_fence_cells(fence: FenceLayer, region: str, account: str = ACCOUNT) -> list[PolicyCell]:
    if fence.network_form != OWN_ACCOUNT:
        raise ValueError("fleet_fence_cells evaluates a fleet fence (networkForm own-account-endpoints) only")
    member = f"arn:{PARTITION}:iam::{account}:role/MemberWorkload"
    rows: list[tuple[str, str, str, str, dict, str]] = [
        ("a member role through an endpoint of its own account", member, ACTION, RESOURCE, _via(OWN_VPCE, account, ORG), ALLOW),
        ("a member role through another endpoint of its own account", member, ACTION, RESOURCE, _via(SECOND_VPCE, account, ORG), ALLOW),
        ("a member role through another member account's endpoint", member, ACTION, RESOURCE, _via(FOREIGN_VPCE, OTHER_MEMBER, ORG), DENY),
        ("a member role through another organisation's endpoint", member, ACTION, RESOURCE, _via(FOREIGN_VPCE, OUTSIDER, OTHER_ORG), DENY),
        ("a member role with no VPC endpoint", member, ACTION, RESOURCE, {}, DENY),
        ("CloudFormation on a member role's behalf", member, ACTION, RESOURCE, CFN, DENY),
        ("a member role through its own endpoint, aws:VpceAccount absent [field]", member, ACTION, RESOURCE, _via(OWN_VPCE), DENY),
    ]
    glass = concrete_principal_arn(fence.break_glass_principal_arns[0]) if fence.break_glass_principal_arns else None
    if glass:
        rows += [
            ("break-glass with no VPC endpoint", glass, ACTION, RESOURCE, {}, ALLOW),
            ("break-glass through another organisation's endpoint", glass, ACTION, RESOURCE, _via(FOREIGN_VPCE, OUTSIDER, OTHER_ORG), ALLOW),
        ]
    rows += _stack_rows(region, account, glass)
    rows += _endpoint_rows(region, account, glass)
    rows += _delivered_rows(region, account, glass)
    scps = fence.service_control_policies({})
    cells: list[PolicyCell] = []
    sims: list[dict] = []
    for label, arn, action, resource, via, expected in rows:
        caller = arn.split(":")[4]
        ctx = {"aws:PrincipalArn": arn, "aws:PrincipalAccount": caller, "aws:PrincipalOrgID": ORG, "aws:RequestedRegion": region, **via}
        sim = {
            "request": {
                "principal": f"arn:{PARTITION}:sts::{caller}:assumed-role/{arn.rsplit('/', 1)[1]}/{SESSION}",
                "action": action, "resource": {"resource": resource, "accountId": caller}, "contextVariables": ctx,
            },
            "identityPolicies": [{"name": "Administrator", "policy": ADMINISTRATOR}],
            "serviceControlPolicies": scps, "resourceControlPolicies": [],
        }
        if "aws:SourceVpce" in via:
            sim["vpcEndpointPolicies"] = [{"name": "FullAccessEndpoint", "policy": FULL_ACCESS_ENDPOINT_POLICY}]
        cells.append(PolicyCell(region, "fleet fence", label, action, resource, expected))
        sims.append(sim)
    return evaluate_cells(cells, sims)


def _stack_rows(region: str, account: str, glass: str | None) -> list[tuple[str, str, str, str, dict, str]]:
    """Who may change the StackSet's stack in a member account, and create its execution role."""
    admin = f"arn:{PARTITION}:iam::{account}:role/AccountAdmin"
    execution = f"arn:{PARTITION}:iam::{account}:role/stacksets-exec-0123456789abcdef0123456789abcdef"
    delivered = f"arn:{PARTITION}:cloudformation:{region}:{account}:stack/StackSet-PrivateBedrock-{region}-6e84f2e0-f223-4b38-ac9c-d7a7ac2e8ef4/f61d15a0-7af9-11ed-a39d-068d53de7052"
    other_stack = f"arn:{PARTITION}:cloudformation:{region}:{account}:stack/workload-app/f61d15a0-7af9-11ed-a39d-068d53de7052"
    lookalike = f"arn:{PARTITION}:iam::{account}:role/stacksets-exec-mine"
    rows: list[tuple[str, str, str, str, dict, str]] = [
        ("an account admin updates the StackSet's stack", admin, "cloudformation:UpdateStack", delivered, {}, DENY),
        ("an account admin deletes the StackSet's stack", admin, "cloudformation:DeleteStack", delivered, {}, DENY),
        ("an account admin creates a change set on the StackSet's stack", admin, "cloudformation:CreateChangeSet", delivered, {}, DENY),
        ("an account admin executes a change set on the StackSet's stack", admin, "cloudformation:ExecuteChangeSet", delivered, {}, DENY),
        ("an account admin turns termination protection off", admin, "cloudformation:UpdateTerminationProtection", delivered, {}, DENY),
        ("an account admin updates another stack of the account", admin, "cloudformation:UpdateStack", other_stack, {}, ALLOW),
        ("the StackSets execution role updates the StackSet's stack", execution, "cloudformation:UpdateStack", delivered, {}, ALLOW),
        ("the StackSets execution role deletes the StackSet's stack", execution, "cloudformation:DeleteStack", delivered, {}, ALLOW),
        ("an account admin creates a role named like the execution role", admin, "iam:CreateRole", lookalike, {}, DENY),
        ("an account admin changes the execution role's trust", admin, "iam:UpdateAssumeRolePolicy", execution, {}, DENY),
        ("an account admin attaches a policy to the execution role", admin, "iam:AttachRolePolicy", execution, {}, DENY),
        ("an account admin creates another role", admin, "iam:CreateRole", f"arn:{PARTITION}:iam::{account}:role/workload-app", {}, ALLOW),
    ]
    if glass:
        rows += [
            ("break-glass updates the StackSet's stack", glass, "cloudformation:UpdateStack", delivered.replace(account, glass.split(":")[4]), {}, ALLOW),
            ("break-glass creates a role named like the execution role", glass, "iam:CreateRole", lookalike.replace(account, glass.split(":")[4]), {}, ALLOW),
        ]
    return rows


def _endpoint_rows(region: str, account: str, glass: str | None) -> list[tuple[str, str, str, str, dict, str]]:
    """Who may create a Bedrock endpoint in a member account: the fence trusts every one of them."""
    admin = f"arn:{PARTITION}:iam::{account}:role/AccountAdmin"
    execution = f"arn:{PARTITION}:iam::{account}:role/stacksets-exec-0123456789abcdef0123456789abcdef"
    # The id the new endpoint gets (the simulator evaluates a concrete resource).
    create, endpoint = "ec2:CreateVpcEndpoint", f"arn:{PARTITION}:ec2:{region}:{account}:vpc-endpoint/vpce-0d0d0d0d0d0d0d0d0"
    service = lambda name: {"ec2:VpceServiceName": f"com.amazonaws.{region}.{name}"}  # noqa: E731
    rows = [
        ("an account admin creates a bedrock-runtime endpoint", admin, create, endpoint, service("bedrock-runtime"), DENY),
        ("an account admin creates a bedrock-mantle endpoint", admin, create, endpoint, service("bedrock-mantle"), DENY),
        ("an account admin creates a bedrock-runtime-fips endpoint", admin, create, endpoint, service("bedrock-runtime-fips"), DENY),
        ("an account admin creates a bedrock endpoint", admin, create, endpoint, service("bedrock"), DENY),
        ("an account admin creates an s3 endpoint", admin, create, endpoint, service("s3"), ALLOW),
        ("the StackSets execution role creates a bedrock-runtime endpoint", execution, create, endpoint, service("bedrock-runtime"), ALLOW),
    ]
    if glass:
        rows.append(("break-glass creates a bedrock-runtime endpoint", glass, create, endpoint.replace(account, glass.split(":")[4]), service("bedrock-runtime"), ALLOW))
    return rows


def _delivered_rows(region: str, account: str, glass: str | None) -> list[tuple[str, str, str, str, dict, str]]:
    """Who may change an endpoint the StackSet delivered (tagged), and who may give the tag."""
    admin = f"arn:{PARTITION}:iam::{account}:role/AccountAdmin"
    execution = f"arn:{PARTITION}:iam::{account}:role/stacksets-exec-0123456789abcdef0123456789abcdef"
    key, value = DELIVERED_ENDPOINT_TAG
    delivered_tags = {f"aws:ResourceTag/{key}": value, "aws:ResourceTag/Name": "bedrock-runtime"}
    endpoint = f"arn:{PARTITION}:ec2:{region}:{account}:vpc-endpoint/{OWN_VPCE}"
    s3_endpoint = f"arn:{PARTITION}:ec2:{region}:{account}:vpc-endpoint/{SECOND_VPCE}"
    tagging = lambda *keys: {"aws:TagKeys": list(keys), **{f"aws:RequestTag/{k}": value for k in keys}}  # noqa: E731
    modify, delete, tag, untag = "ec2:ModifyVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:CreateTags", "ec2:DeleteTags"
    rows: list[tuple[str, str, str, str, dict, str]] = [
        ("an account admin modifies the delivered endpoint", admin, modify, endpoint, delivered_tags, DENY),
        ("an account admin deletes the delivered endpoint", admin, delete, endpoint, delivered_tags, DENY),
        ("an account admin removes the delivered tag", admin, untag, endpoint, {**delivered_tags, "aws:TagKeys": [key]}, DENY),
        ("an account admin removes every tag of the delivered endpoint", admin, untag, endpoint, delivered_tags, DENY),
        ("an account admin modifies an untagged s3 endpoint", admin, modify, s3_endpoint, {}, ALLOW),
        ("an account admin deletes an untagged s3 endpoint", admin, delete, s3_endpoint, {}, ALLOW),
        ("an account admin gives an s3 endpoint the delivered tag", admin, tag, s3_endpoint, tagging(key), DENY),
        ("an account admin gives an s3 endpoint the delivered tag in lower case", admin, tag, s3_endpoint, tagging(key.lower()), DENY),
        ("an account admin overwrites the delivered tag", admin, tag, endpoint, {**delivered_tags, **tagging("Owner", key)}, DENY),
        ("an account admin tags an s3 endpoint with another key", admin, tag, s3_endpoint, tagging("Owner"), ALLOW),
        ("an account admin tags the delivered endpoint with another key", admin, tag, endpoint, {**delivered_tags, **tagging("Owner")}, ALLOW),
        ("an account admin removes another tag of an s3 endpoint", admin, untag, s3_endpoint, {"aws:TagKeys": ["Owner"]}, ALLOW),
        ("the StackSets execution role modifies the delivered endpoint", execution, modify, endpoint, delivered_tags, ALLOW),
        ("the StackSets execution role deletes the delivered endpoint", execution, delete, endpoint, delivered_tags, ALLOW),
        ("the StackSets execution role tags an endpoint with the delivered tag", execution, tag, endpoint, tagging(key), ALLOW),
    ]
    if glass:
        theirs = glass.split(":")[4]
        rows += [
            ("break-glass modifies the delivered endpoint", glass, modify, endpoint.replace(account, theirs), delivered_tags, ALLOW),
            ("break-glass removes the delivered tag", glass, untag, endpoint.replace(account, theirs), {**delivered_tags, "aws:TagKeys": [key]}, ALLOW),
        ]
    return rows
