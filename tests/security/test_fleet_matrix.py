"""The fleet verifier's and the asset bucket's rows of the IAM matrix (private_bedrock/tools/prove/fleet.py),
on the session's fleet templates and on loosened copies (each loosening must be caught)."""

from __future__ import annotations

import copy

import pytest

from tests.conftest import FLEET_ADMIN, FLEET_CALLER, FLEET_ORG
from private_bedrock.tools.prove.cells import PolicyCell
from private_bedrock.tools.prove.fleet import asset_bucket_policy, verifier_cells
from private_bedrock.tools.prove.matrix import ALLOW

REGIONS = ("ap-northeast-1", "us-east-1")


def cells(fleet_assembly, region: str, member: dict | None = None, bucket: dict | None = None) -> list[PolicyCell]:
    policy = asset_bucket_policy(bucket or fleet_assembly[f"PrivateBedrockFleetAssets-{region}"], region, FLEET_ADMIN)
    return verifier_cells(member or fleet_assembly[f"Member-{region}"], region, admin=FLEET_ADMIN, org=FLEET_ORG,
                          caller_arn=FLEET_CALLER, asset_bucket_policy=policy)


@pytest.mark.parametrize("region", REGIONS)
def test_the_verifier_and_the_asset_bucket_allow_exactly_what_they_should(fleet_assembly, region: str) -> None:
    found = cells(fleet_assembly, region)
    assert [c.describe() for c in found if not c.ok] == []
    allowed = sorted((c.subject, c.label) for c in found if c.got == ALLOW)
    assert allowed == sorted([
        *(("identity", f"invoke version 1 of {p}") for p in ("ProbeInVpc94368B6B", "ProbeOutsideVpc542FAEF4")),
        ("identity", "invoke version 9999 of ProbeInVpc94368B6B"), ("identity", "invoke ProbeInVpc94368B6B:live (a 4-character alias)"),
        *(("identity", f"publish a version of {p}") for p in ("ProbeInVpc94368B6B", "ProbeOutsideVpc542FAEF4")),
        *(("identity", f"read the configuration of {p}") for p in ("ProbeInVpc94368B6B", "ProbeOutsideVpc542FAEF4")),
        ("identity", "list the VPC's DNS Firewall associations"), ("identity", "read our DNS Firewall rules"),
        ("identity", "read our DNS Firewall domain list 1"), ("identity", "read our DNS Firewall domain list 2"),
        ("identity", "read the probes' environment through Lambda"),
        ("identity", "read this stack's template"), ("identity", "list this stack's resources"),
        ("identity", "read the identity policy's version"), ("identity", "describe the endpoints"),
        ("identity", "read the deployed code"),
        ("trust", "the named caller of the administrator account"),
        ("asset-bucket", "a member account's role reads the code"),
    ])
    # Every other row is a denial, among them the writes a verifier must never have and the
    # reads its conditions hold to this region and to the administrator's bucket.
    denied = {c.label for c in found if c.got != ALLOW}
    assert {
        "write a new version of the identity policy", "change an endpoint", "delete this stack",
        "turn the DNS Firewall's fail-open on", "describe the endpoints of eu-west-3",
        "read the code from a same-named bucket of another account",
        "invoke ProbeInVpc94368B6B unqualified ($LATEST, unchecked)", "decrypt with the log key directly",
        "list the DNS Firewall associations of eu-west-3", "change our DNS Firewall rules",
    } <= denied
    assert len(found) == 49


def _verifier(member: dict) -> tuple[dict, dict]:
    (role_id,) = [k for k, r in member["Resources"].items() if r["Type"] == "AWS::IAM::Role" and k.startswith("FleetVerifier")]
    (policy,) = [r["Properties"]["PolicyDocument"] for r in member["Resources"].values()
                 if r["Type"] == "AWS::IAM::ManagedPolicy" and r["Properties"]["Roles"] == [{"Ref": role_id}]]
    return member["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"], policy


@pytest.mark.parametrize(
    ("condition", "opened"),
    [("ArnLike", "another role of the administrator account"), ("StringEquals", "the named caller outside the organisation")],
    ids=["caller", "organisation"],
)
def test_a_trust_without_a_condition_is_caught(fleet_assembly, condition: str, opened: str) -> None:
    member = copy.deepcopy(fleet_assembly["Member-us-east-1"])
    trust, _ = _verifier(member)
    del trust["Statement"][0]["Condition"][condition]
    bad = {c.label for c in cells(fleet_assembly, "us-east-1", member) if not c.ok}
    assert bad == {opened}


def test_a_wildcard_invoke_is_caught(fleet_assembly) -> None:
    member = copy.deepcopy(fleet_assembly["Member-us-east-1"])
    _, policy = _verifier(member)
    (st,) = [s for s in policy["Statement"] if s["Sid"] == "InvokeTheirPublishedVersions"]
    st["Action"] = "lambda:*"
    st["Resource"] = "*"
    bad = {c.label for c in cells(fleet_assembly, "us-east-1", member) if not c.ok}
    assert bad == {"invoke ProbeInVpc94368B6B:production (an alias)", "invoke another function", "publish a version of another function",
                   "invoke ProbeInVpc94368B6B unqualified ($LATEST, unchecked)", "invoke version 10000 of ProbeInVpc94368B6B (past the version patterns)",
                   "change the code of ProbeInVpc94368B6B", "change the configuration of ProbeInVpc94368B6B"}


def test_decrypting_outside_lambda_needs_both_policies_loosened(fleet_assembly) -> None:
    """The verifier's kms:Decrypt is held to Lambda by its own condition and by the key policy:
    loosening one leaves the other deciding; loosening both is caught."""
    member = copy.deepcopy(fleet_assembly["Member-us-east-1"])
    _, policy = _verifier(member)
    (st,) = [s for s in policy["Statement"] if s["Sid"] == "ReadTheProbesEnvironmentThroughLambda"]
    del st["Condition"]
    assert [c.label for c in cells(fleet_assembly, "us-east-1", member) if not c.ok] == []
    (key,) = [r for k, r in member["Resources"].items() if r["Type"] == "AWS::KMS::Key" and k.startswith("LogKey")]
    (use,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s["Sid"] == "LambdaEnvironmentOfThisAccountViaLambdaOnly"]
    del use["Condition"]["StringEquals"]["kms:ViaService"]
    assert {c.label for c in cells(fleet_assembly, "us-east-1", member) if not c.ok} == {"decrypt with the log key directly"}


def test_an_asset_bucket_open_beyond_the_organisation_is_caught(fleet_assembly) -> None:
    bucket = copy.deepcopy(fleet_assembly["PrivateBedrockFleetAssets-us-east-1"])
    for r in bucket["Resources"].values():
        if r["Type"] == "AWS::S3::BucketPolicy":
            for st in r["Properties"]["PolicyDocument"]["Statement"]:
                st.pop("Condition", None) if st.get("Sid") == "OrganisationReadsTheAssets" else None
    bad = {c.label for c in cells(fleet_assembly, "us-east-1", bucket=bucket) if not c.ok}
    assert bad == {"a role outside the organisation reads the code"}


def test_make_prove_on_a_fleet_synth_covers_the_delivered_templates(fleet_out, capsys) -> None:
    """`make prove` on a fleet synth: the Bedrock matrix of each StackSet's template (as
    delivered, account-agnostic) and the fleet rows, every cell as designed."""
    from private_bedrock.tools.prove.__main__ import main

    assert main([str(fleet_out)]) == 0
    out = capsys.readouterr().out
    for region in REGIONS:
        assert f"fleet {region}: verifier role and asset bucket, 49 cells, 20 allowed, 0 not as designed" in out
    assert "fleet verifier's caller (PrivateBedrockFleetVerifyCaller): 22 cells, 11 allowed, 0 not as designed" in out
    assert "probe (in the VPC)" in out or "ProbeInVpcRole" in out
    # The fleet's fence (written by every fleet synth) is not deployed here (no fence.enabled):
    # it is not evaluated unless asked for, and then each of its lines says it is hypothetical.
    assert "fleet fence" not in out
    assert main([str(fleet_out), "--fence"]) == 0
    out = capsys.readouterr().out
    for region in REGIONS:
        assert (f"HYPOTHETICAL (fence.enabled is not set, nothing deploys it): fleet fence {region}: 40 cells (Bedrock through the own "
                "account's endpoints only; the StackSet's stacks changed, Bedrock endpoints created and the delivered ones changed by its execution "
                "role only), 16 allowed, 0 not as designed") in out


SSO_CALLER = f"arn:aws:iam::{FLEET_ADMIN}:role/aws-reserved/sso.amazonaws.com/eu-west-2/AWSReservedSSO_Admin_*"


def _trusting(fleet_assembly, patterns: list[str]) -> dict:
    """The us-east-1 member template with its verifier trusting `patterns` (as aws:PrincipalArn)."""
    member = copy.deepcopy(fleet_assembly["Member-us-east-1"])
    trust, _ = _verifier(member)
    trust["Statement"][0]["Condition"]["ArnLike"]["aws:PrincipalArn"] = patterns
    return member


def test_an_identity_center_caller_is_pinned_to_its_own_permission_set(fleet_assembly) -> None:
    """The trust as the builder writes it for an Identity Center caller: the set's role with
    any suffix is allowed, AWSReservedSSO_Admin_ReadOnly_... is not."""
    from private_bedrock.policies.fleet import verifier_trust_conditions

    patterns = verifier_trust_conditions([FLEET_CALLER, SSO_CALLER], FLEET_ORG)["ArnLike"]["aws:PrincipalArn"]
    assert patterns == [FLEET_CALLER, SSO_CALLER[:-1] + "?" * 16]
    policy = asset_bucket_policy(fleet_assembly["PrivateBedrockFleetAssets-us-east-1"], "us-east-1", FLEET_ADMIN)
    found = verifier_cells(_trusting(fleet_assembly, patterns), "us-east-1", admin=FLEET_ADMIN, org=FLEET_ORG, caller_arn=FLEET_CALLER,
                           caller_arns=[FLEET_CALLER, SSO_CALLER], asset_bucket_policy=policy)
    assert [c.describe() for c in found if not c.ok] == []
    sso = {c.label: c.got for c in found if "Identity Center" in c.label}
    assert sso == {"Identity Center role of Admin (another suffix)": ALLOW, "Identity Center role of Admin_ReadOnly": "deny"}
    assert {c.label for c in found if c.subject == "trust" and c.got == ALLOW} == {
        "the named caller of the administrator account", "the named caller AWSReservedSSO_Admin_0123456789abcdef",
        "Identity Center role of Admin (another suffix)",
    }


def test_an_unpinned_identity_center_suffix_is_caught(fleet_assembly) -> None:
    """`AWSReservedSSO_Admin_*` in the trust would admit the Admin_ReadOnly permission set."""
    policy = asset_bucket_policy(fleet_assembly["PrivateBedrockFleetAssets-us-east-1"], "us-east-1", FLEET_ADMIN)
    found = verifier_cells(_trusting(fleet_assembly, [FLEET_CALLER, SSO_CALLER]), "us-east-1", admin=FLEET_ADMIN, org=FLEET_ORG,
                           caller_arn=FLEET_CALLER, caller_arns=[FLEET_CALLER, SSO_CALLER], asset_bucket_policy=policy)
    assert {c.label for c in found if not c.ok} == {"Identity Center role of Admin_ReadOnly"}


def _caller_cells(fleet_template: dict, call_as: str = "DELEGATED_ADMIN"):
    from private_bedrock.tools.prove.fleet import caller_cells

    return caller_cells(fleet_template, admin=FLEET_ADMIN, org=FLEET_ORG, caller_arn=FLEET_CALLER, regions=list(REGIONS),
                        home_region="us-east-1", call_as=call_as)


def test_the_verifier_caller_policy_allows_exactly_the_fleet_verify_calls(fleet_assembly) -> None:
    found = _caller_cells(fleet_assembly["PrivateBedrockFleet"])
    assert [c.describe() for c in found if not c.ok] == []
    allowed = sorted(c.label for c in found if c.got == ALLOW)
    assert allowed == sorted([
        *(f"assume the verifier of {r} in a member account" for r in REGIONS),
        *(f"{a} of PrivateBedrock-{r}" for r in REGIONS for a in ("ListStackInstances", "DescribeStackSet", "DetectStackSetDrift", "DescribeStackSetOperation")),
        "list the delegated administrators (StackSets asks, with DELEGATED_ADMIN)",
    ])
    assert {"update PrivateBedrock-ap-northeast-1", "assume the StackSets execution role of a member account",
            f"assume a role named like the verifier of {REGIONS[0]} in another organisation",
            "drift-check another StackSet"} <= {c.label for c in found if c.got != ALLOW}


def test_a_caller_policy_open_to_any_stack_set_or_role_is_caught(fleet_assembly) -> None:
    fleet = copy.deepcopy(fleet_assembly["PrivateBedrockFleet"])
    (policy,) = [r for r in fleet["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"
                 and r["Properties"].get("ManagedPolicyName") == "PrivateBedrockFleetVerifyCaller"]
    for st in policy["Properties"]["PolicyDocument"]["Statement"]:
        if st["Sid"] in ("AssumeTheFleetVerifierRoles", "ReadAndDriftCheckTheStackSets"):
            st["Resource"] = "*"
    bad = {c.label for c in _caller_cells(fleet) if not c.ok}
    assert bad == {"assume the StackSets execution role of a member account", "assume another role of the administrator account",
                   "assume a verifier of a region the fleet does not deliver", "drift-check another StackSet", "list another StackSet's instances"}


def test_a_caller_policy_assuming_outside_the_organisation_is_caught(fleet_assembly) -> None:
    fleet = copy.deepcopy(fleet_assembly["PrivateBedrockFleet"])
    (policy,) = [r for r in fleet["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"
                 and r["Properties"].get("ManagedPolicyName") == "PrivateBedrockFleetVerifyCaller"]
    (assume,) = [st for st in policy["Properties"]["PolicyDocument"]["Statement"] if st["Sid"] == "AssumeTheFleetVerifierRoles"]
    assert assume["Condition"] == {"StringEquals": {"aws:ResourceOrgID": FLEET_ORG}}
    del assume["Condition"]
    bad = {c.label for c in _caller_cells(fleet) if not c.ok}
    assert bad == {f"assume a role named like the verifier of {REGIONS[0]} in another organisation"}


def test_with_self_the_caller_reads_only_the_administrators_stack_sets() -> None:
    """callAs SELF: the StackSets' account is the administrator's, named; no Organizations call."""
    from private_bedrock.policies.fleet import CallerTargets, caller_grants
    from private_bedrock.config.fleet import FleetConfig

    grants = caller_grants(CallerTargets(REGIONS, "us-east-1", FLEET_ADMIN, "SELF", FLEET_ORG),
                           verifier_role_name=FleetConfig.verifier_role_name, stack_set_name=FleetConfig.stack_set_name)
    assert [g.sid for g in grants] == ["AssumeTheFleetVerifierRoles", "ReadAndDriftCheckTheStackSets"]
    assert grants[1].resources == tuple(f"arn:aws:cloudformation:us-east-1:{FLEET_ADMIN}:stackset/PrivateBedrock-{r}:*" for r in REGIONS)
    delegated = caller_grants(CallerTargets(REGIONS, "us-east-1", FLEET_ADMIN, "DELEGATED_ADMIN", FLEET_ORG),
                              verifier_role_name=FleetConfig.verifier_role_name, stack_set_name=FleetConfig.stack_set_name)
    assert delegated[1].resources == tuple(f"arn:aws:cloudformation:us-east-1:*:stackset/PrivateBedrock-{r}:*" for r in REGIONS)
    assert delegated[2].actions == ("organizations:ListDelegatedAdministrators",)
