"""The IAM matrix of a hub with its spoke columns (private_bedrock/tools/prove/spokes.py).

A listed spoke principal through the hub endpoint is allowed; an unlisted spoke role, a
role of an account the hub does not know, or the listed one off the hub path is denied.
"""

from __future__ import annotations

import copy

import pytest

from tests.conftest import SPOKE_ACCOUNT
from private_bedrock.tools.prove.matrix import ALLOW, RegionMatrix, prove, unexpected
from private_bedrock.tools.prove.report import code, print_matrices

ALLOW_LISTED = {"list-fm", "invoke", "stream", "responses", "mantle-create", "mantle-list"}
LISTED = "spoke ProbeInVpcRole"
UNLISTED = ("spoke ProbeOutsideVpcRole", "unknown-account spoke")


@pytest.fixture(scope="module")
def hub_matrix(hub_template: dict, spoke_template: dict) -> RegionMatrix:
    (m,) = prove({"us-east-1": hub_template}, spokes={"us-east-1": spoke_template})
    return m


def loosened(m: list[RegionMatrix]) -> set[tuple[str, str, str]]:
    return {(c.principal.key, c.request.key, c.path.key) for c in unexpected(m)}


def test_every_cell_is_as_designed(hub_matrix: RegionMatrix) -> None:
    print()
    print_matrices([hub_matrix])
    bad = hub_matrix.unexpected()
    assert not bad, "\n".join(c.describe() for c in bad)


def test_the_spoke_columns_are_there(hub_matrix: RegionMatrix) -> None:
    kinds = {p.key: p.kind for p in hub_matrix.principals}
    assert kinds[LISTED] == "spoke" and all(kinds[k] == "spoke-unlisted" for k in UNLISTED)
    listed = next(p for p in hub_matrix.principals if p.key == LISTED)
    assert listed.account == SPOKE_ACCOUNT and listed.role_arn.endswith(":role/PrivateBedrock-us-east-1-Probe")


def test_only_listed_principals_through_the_hub_endpoint_are_allowed(hub_matrix: RegionMatrix) -> None:
    """The invariant, restated independently of private_bedrock/tools/prove's `expected`."""
    for c in hub_matrix.cells:
        governed = c.path.key == "own" or c.principal.kind != "admin"
        want = c.principal.kind in ("workload", "spoke") and c.request.allow_listed and c.path.key == "own" if governed else True
        assert (c.got == ALLOW) == want, c.describe()


def test_the_layers_that_refuse_a_spoke(hub_matrix: RegionMatrix) -> None:
    assert code(hub_matrix.cell(LISTED, "invoke", "own")) == "ALLOW"
    assert code(hub_matrix.cell(LISTED, "mantle-create", "own")) == "ALLOW"
    # Off the hub path the spoke's own identity policy refuses (explicit Deny).
    assert code(hub_matrix.cell(LISTED, "invoke", "none")) == "deny I!"
    assert code(hub_matrix.cell(LISTED, "invoke", "foreign")) == "deny I!"
    # Not listed by the hub: the hub's endpoint policy refuses.
    for who in UNLISTED:
        assert code(hub_matrix.cell(who, "invoke", "own")) == "deny E", who


def _hub_copy(hub_template: dict) -> dict:
    return copy.deepcopy(hub_template)


def _endpoint_docs(t: dict) -> list[dict]:
    return [r["Properties"]["PolicyDocument"] for r in t["Resources"].values() if r["Type"] == "AWS::EC2::VPCEndpoint"]


def test_a_hub_policy_open_to_any_spoke_is_reported(hub_template: dict, spoke_template: dict) -> None:
    t = _hub_copy(hub_template)
    for doc in _endpoint_docs(t):
        for s in doc["Statement"]:
            s.get("Condition", {}).get("ArnEquals", {}).pop("aws:PrincipalArn", None)
            if s.get("Condition", {}).get("ArnEquals") == {}:
                del s["Condition"]["ArnEquals"]
    opened = loosened(prove({"us-east-1": t}, spokes={"us-east-1": spoke_template}))
    assert {c for c in opened if c[0] in UNLISTED} == (
        {("spoke ProbeOutsideVpcRole", r, "own") for r in ALLOW_LISTED}
        # The unknown account still cannot reach a mantle project: the hub grants each admitted
        # account's own projects only (per-account statements), and foundation models carry no account.
        | {("unknown-account spoke", r, "own") for r in ("list-fm", "invoke", "stream")}
    )


def test_a_hub_without_the_spoke_statements_is_reported(hub_template: dict, spoke_template: dict) -> None:
    t = _hub_copy(hub_template)
    for doc in _endpoint_docs(t):
        doc["Statement"] = [s for s in doc["Statement"] if not s["Sid"].endswith(f"Spoke{SPOKE_ACCOUNT}")]
    assert loosened(prove({"us-east-1": t}, spokes={"us-east-1": spoke_template})) == {(LISTED, r, "own") for r in ALLOW_LISTED}


def test_a_spoke_template_alone_is_its_identity_policy_on_the_hub_endpoints(spoke_template: dict) -> None:
    """Alone, a spoke's matrix is the identity layer over the hub's endpoint ids (the hub's
    endpoint policies are the hub assembly's to prove)."""
    (m,) = prove({"us-east-1": spoke_template})
    assert m.topology == "spoke" and m.layer == "identity" and not m.unexpected()
    ids = spoke_template["Metadata"]["PrivateBedrock"]["hubEndpointIds"]
    assert {s: e.vpce_id for s, e in m.deployment.endpoints.items()} == ids
    assert m.cell("ProbeInVpcRole", "invoke", "own").got == ALLOW
    assert code(m.cell("ProbeInVpcRole", "invoke", "none")) == "deny I!"


def test_the_command_evaluates_a_hub_in_its_own_account(hub_template: dict, tmp_path, capsys) -> None:
    """`python -m private_bedrock.tools.prove` on an offline hub assembly: the spoke roles the hub names are
    not taken for the deployment's account (the same-account admin stays in the hub's), and
    each has its column, in its own account."""
    from tests.assembly_support import write_assembly
    from private_bedrock.tools.prove.__main__ import main

    write_assembly(tmp_path, {"us-east-1": hub_template})
    assert main([str(tmp_path), "--width", "250"]) == 0
    out = capsys.readouterr().out
    assert "same-account admin: arn:aws:iam::111122223333:role/BedrockAdmin" in out
    assert SPOKE_ACCOUNT + ":role/BedrockAdmin" not in out
    assert f"{SPOKE_ACCOUNT}/PrivateBedrock-us-east-1-Probe (spoke): arn:aws:iam::{SPOKE_ACCOUNT}:role/PrivateBedrock-us-east-1-Probe" in out
