"""A fleet fence's own cells: the network statement's owners, beside the Bedrock matrix.

The fleet form of the fence (stacks/policies/scp.py, networkForm own-account-endpoints) admits
a Bedrock call only through a VPC endpoint of the caller's own account (aws:VpceAccount =
${aws:PrincipalAccount}). The Bedrock matrix evaluates it on its paths (this deployment's
endpoint, another member account's, none, CloudFormation); these cells add the owners it has
no path for, each evaluated by the same simulator with only the SCPs deciding (the caller holds
bedrock:* on *, every endpoint has AWS's default full-access policy):
- an endpoint of the caller's own account: allowed, and so is *another* endpoint of that
  account (the fence cannot tell them apart; the member stack's endpoint and identity
  policies bind its own roles, and creating endpoints is the account's to govern);
- another member account's endpoint, another organisation's, no endpoint, CloudFormation on
  the caller's behalf: denied;
- the caller's own endpoint *without* aws:VpceAccount in the request (AWS does not document
  the key for Bedrock [field]): denied, the statement fails closed;
- a break-glass role, with no endpoint or another organisation's: allowed.
"""

from __future__ import annotations

from tools.prove.cells import PolicyCell, evaluate_cells
from tools.prove.fence import OWN_ACCOUNT, FenceLayer, concrete_principal_arn
from tools.prove.matrix import ADMIN_POLICY, ALLOW, CLOUDFORMATION, DENY, FULL_ACCESS_ENDPOINT_POLICY, SESSION
from tools.prove.resolve import ACCOUNT, PARTITION

OTHER_MEMBER = "555566667777"  # another account of the same organisation
OUTSIDER = "777788889999"  # an account of another organisation
ORG, OTHER_ORG = "o-a1b2c3d4e5", "o-zzzzzzzzzz"
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


def fleet_fence_cells(fence: FenceLayer, region: str, account: str = ACCOUNT) -> list[PolicyCell]:
    if fence.network_form != OWN_ACCOUNT:
        raise ValueError("fleet_fence_cells evaluates a fleet fence (networkForm own-account-endpoints) only")
    member = f"arn:{PARTITION}:iam::{account}:role/MemberWorkload"
    rows: list[tuple[str, str, dict, str]] = [
        ("a member role through an endpoint of its own account", member, _via(OWN_VPCE, account, ORG), ALLOW),
        ("a member role through another endpoint of its own account", member, _via(SECOND_VPCE, account, ORG), ALLOW),
        ("a member role through another member account's endpoint", member, _via(FOREIGN_VPCE, OTHER_MEMBER, ORG), DENY),
        ("a member role through another organisation's endpoint", member, _via(FOREIGN_VPCE, OUTSIDER, OTHER_ORG), DENY),
        ("a member role with no VPC endpoint", member, {}, DENY),
        ("CloudFormation on a member role's behalf", member, CFN, DENY),
        ("a member role through its own endpoint, aws:VpceAccount absent [field]", member, _via(OWN_VPCE), DENY),
    ]
    if fence.break_glass_principal_arns:
        glass = concrete_principal_arn(fence.break_glass_principal_arns[0])
        rows += [
            ("break-glass with no VPC endpoint", glass, {}, ALLOW),
            ("break-glass through another organisation's endpoint", glass, _via(FOREIGN_VPCE, OUTSIDER, OTHER_ORG), ALLOW),
        ]
    scps = fence.service_control_policies({})
    cells: list[PolicyCell] = []
    sims: list[dict] = []
    for label, arn, via, expected in rows:
        caller = arn.split(":")[4]
        ctx = {"aws:PrincipalArn": arn, "aws:PrincipalAccount": caller, "aws:PrincipalOrgID": ORG, "aws:RequestedRegion": region, **via}
        sim = {
            "request": {
                "principal": f"arn:{PARTITION}:sts::{caller}:assumed-role/{arn.rsplit('/', 1)[1]}/{SESSION}",
                "action": ACTION, "resource": {"resource": RESOURCE, "accountId": caller}, "contextVariables": ctx,
            },
            "identityPolicies": [{"name": "BedrockAdmin", "policy": ADMIN_POLICY}],
            "serviceControlPolicies": scps, "resourceControlPolicies": [],
        }
        if "aws:SourceVpce" in via:
            sim["vpcEndpointPolicies"] = [{"name": "FullAccessEndpoint", "policy": FULL_ACCESS_ENDPOINT_POLICY}]
        cells.append(PolicyCell(region, "fleet fence", label, ACTION, RESOURCE, expected))
        sims.append(sim)
    return evaluate_cells(cells, sims)
