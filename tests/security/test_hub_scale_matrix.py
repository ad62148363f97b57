"""The IAM matrix of a hub in its shared forms (spokeAccess accounts and organization).

The organization hub is synthesized (its wiring: the policies, the RAM share with the
organisation, the metadata the matrix reads); the accounts hub is the synthesized default hub
with its endpoint policies replaced by the shared builder's output for the same configuration
(private_bedrock/policies/hub_shared.py: the code the stack calls), so one synthesis serves both.

Columns: the listed spoke role (allowed through the hub endpoint, its own account's
resources), the spoke's unlisted role, a role of an account the hub does not name (denied by
accounts access; admitted by its name under organization access, which is what that mode
trusts), and the listed role with its account in another organisation (denied by the
organisation Deny alone). Cells outside the table: a listed spoke role calling another
spoke account's project or inference profile through the hub is denied by the endpoint
policy (least privilege per account), while the same call on its own account's is allowed.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from private_bedrock.config.app_config import load_config
from private_bedrock.facts.regions import DEFAULT_MANTLE_MODEL
from private_bedrock.policies.hub_shared import admission, shared_hub_policy
from tests.conftest import HUB_CONTEXT, SPOKE_ACCOUNT, SPOKE_PROBE_ARN, synth_in_process
from tests.run_once import value_once
from private_bedrock.tools.prove.matrix import ADMIN_POLICY, ALLOW, DENY, Job, RegionMatrix, prove_many, simulate, unexpected
from private_bedrock.tools.prove.report import code
from private_bedrock.tools.prove.resolve import ACCOUNT
from private_bedrock.tools.prove.spokes import OTHER_ORG, UNKNOWN_SPOKE_ACCOUNT

ORG = "o-a1b2c3d4e5"
ORG_ARN = f"arn:aws:organizations::999988887777:organization/{ORG}"
PROBE_NAME = SPOKE_PROBE_ARN.rsplit("/", 1)[1]
ORG_CONTEXT = {**{k: v for k, v in HUB_CONTEXT.items() if k != "spokePrincipalArns"}, "spokeAccess": "organization", "spokeOrganizationArn": ORG_ARN, "spokeRoleNames": [PROBE_NAME]}
# Two spoke accounts with the probe role: its name is written once (arn:aws:iam::*:role/NAME),
# so the account Deny is what keeps an unnamed account's role of that name out.
SECOND_SPOKE_PROBE = SPOKE_PROBE_ARN.replace(SPOKE_ACCOUNT, "333344445555")
ACCOUNTS_CONTEXT = {**HUB_CONTEXT, "spokePrincipalArns": [SPOKE_PROBE_ARN, SECOND_SPOKE_PROBE], "spokeAccess": "accounts", "spokeOrganizationArn": ORG_ARN}
LISTED, UNLISTED_ROLE, STRANGER, OTHER_ORG_SPOKE = "spoke ProbeInVpcRole", "spoke ProbeOutsideVpcRole", "unknown-account spoke", "other-organization spoke"
ALLOW_LISTED = ("list-fm", "invoke", "stream", "responses", "mantle-create", "mantle-list")


@pytest.fixture(scope="module")
def org_hub(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return value_once(tmp_path_factory, "hub-organization", lambda: synth_in_process(ORG_CONTEXT)["PrivateBedrock-us-east-1"])


def _endpoints(t: dict) -> dict[str, dict]:
    return {r["Properties"]["ServiceName"].rsplit(".", 1)[1]: r for r in t["Resources"].values() if r["Type"] == "AWS::EC2::VPCEndpoint"}


def _probe_ref(policy: dict) -> Any:
    """The hub probe role's ARN as the template writes it (a GetAtt)."""
    return next(v for s in policy["Statement"] for kv in s.get("Condition", {}).values() for vs in kv.values() for v in (vs if isinstance(vs, list) else [vs]) if isinstance(v, dict))


@pytest.fixture(scope="module")
def accounts_hub(hub_template: dict) -> dict:
    cfg = load_config(ACCOUNTS_CONTEXT, ACCOUNT).regions[0]
    t = copy.deepcopy(hub_template)
    who = admission(ACCOUNT, ["HUB-PROBE"], cfg.network.hub)  # type: ignore[arg-type]
    for service, ep in _endpoints(t).items():
        probe = _probe_ref(ep["Properties"]["PolicyDocument"])
        text = json.dumps(shared_hub_policy(service, cfg.access, who)).replace('"HUB-PROBE"', json.dumps(probe))
        ep["Properties"]["PolicyDocument"] = json.loads(text)
    t["Metadata"]["PrivateBedrock"].update({"spokePrincipalArns": [SPOKE_PROBE_ARN, SECOND_SPOKE_PROBE], "spokeAccess": "accounts", "spokeOrganizationId": ORG, "spokeRoleNames": []})
    return t


def _without(hub: dict, sid: str) -> dict:
    t = copy.deepcopy(hub)
    for ep in _endpoints(t).values():
        doc = ep["Properties"]["PolicyDocument"]
        doc["Statement"] = [s for s in doc["Statement"] if s["Sid"] != sid]
    return t


ORG_PATH = "o-a1b2c3d4e5/r-ab12/ou-ab12-cd34ef56/"
PATHS_CONTEXT = {**ORG_CONTEXT, "spokeOrgPaths": [ORG_PATH]}


def _with_builder_policies(template: dict, context: dict, metadata: dict) -> dict:
    """`template` with its endpoint policies replaced by the shared builder's for `context`."""
    cfg = load_config(context, ACCOUNT).regions[0]
    t = copy.deepcopy(template)
    who = admission(ACCOUNT, ["HUB-PROBE"], cfg.network.hub)  # type: ignore[arg-type]
    for service, ep in _endpoints(t).items():
        probe = _probe_ref(ep["Properties"]["PolicyDocument"])
        ep["Properties"]["PolicyDocument"] = json.loads(json.dumps(shared_hub_policy(service, cfg.access, who)).replace('"HUB-PROBE"', json.dumps(probe)))
    t["Metadata"]["PrivateBedrock"].update(metadata)
    return t


@pytest.fixture(scope="module")
def paths_hub(org_hub: dict) -> dict:
    """The organization hub restricted to one OU (spokeOrgPaths)."""
    return _with_builder_policies(org_hub, PATHS_CONTEXT, {"spokeOrgPaths": [ORG_PATH]})


@pytest.fixture(scope="module")
def matrices(org_hub: dict, accounts_hub: dict, paths_hub: dict, spoke_template: dict) -> dict[str, RegionMatrix]:
    """Every matrix of this file in one simulator run: both modes, and each with one Deny removed."""
    jobs = {
        "organization": org_hub,
        "accounts": accounts_hub,
        "organization-DenyOutsideOrganization": _without(org_hub, "DenyOutsideOrganization"),
        "accounts-DenyOutsideOrganization": _without(accounts_hub, "DenyOutsideOrganization"),
        "accounts-DenyOtherAccounts": _without(accounts_hub, "DenyOtherAccounts"),
        "paths": paths_hub,
        "paths-DenyOutsideOrgPaths": _without(paths_hub, "DenyOutsideOrgPaths"),
    }
    done = prove_many([Job(name, "us-east-1", t, spoke=spoke_template) for name, t in jobs.items()])
    return {m.config: m for m in done}


def test_the_organization_hub_shares_its_dns_with_the_organisation_and_tells_the_matrix(org_hub: dict) -> None:
    (share,) = [r for r in org_hub["Resources"].values() if r["Type"] == "AWS::RAM::ResourceShare"]
    assert share["Properties"]["Principals"] == [ORG_ARN] and share["Properties"]["AllowExternalPrincipals"] is False
    meta = org_hub["Metadata"]["PrivateBedrock"]
    assert (meta["spokeAccess"], meta["spokeOrganizationId"], meta["spokeRoleNames"]) == ("organization", ORG, [PROBE_NAME])


@pytest.mark.parametrize("mode", ["organization", "accounts", "paths"])
def test_every_cell_is_as_designed(matrices: dict[str, RegionMatrix], mode: str) -> None:
    bad = matrices[mode].unexpected()
    assert not bad, "\n".join(c.describe() for c in bad)


@pytest.mark.parametrize("mode", ["organization", "accounts"])
def test_who_the_shared_hub_admits(matrices: dict[str, RegionMatrix], mode: str) -> None:
    m = matrices[mode]
    kinds = {p.key: (p.kind, p.account, p.org) for p in m.principals}
    assert kinds[LISTED] == ("spoke", SPOKE_ACCOUNT, ORG)
    assert kinds[UNLISTED_ROLE][0] == "spoke-unlisted"
    assert kinds[OTHER_ORG_SPOKE] == ("spoke-unlisted", SPOKE_ACCOUNT, OTHER_ORG)
    for r in ALLOW_LISTED:
        assert code(m.cell(LISTED, r, "own")) == "ALLOW", r
        # The spoke's own unlisted role, and the listed role were its account in another organisation.
        assert code(m.cell(UNLISTED_ROLE, r, "own")) == "deny E!", r
        assert code(m.cell(OTHER_ORG_SPOKE, r, "own")) == "deny E!", r
    # The hub's own probe is admitted like before.
    assert code(m.cell("ProbeInVpcRole", "invoke", "own")) == "ALLOW"
    assert code(m.cell("same-account admin", "invoke", "own")) == "deny E!"


def test_organization_access_admits_a_member_account_by_role_name_and_accounts_access_does_not(matrices: dict[str, RegionMatrix]) -> None:
    """What organization access trusts, shown: any member account's role of a listed name."""
    org, accounts = matrices["organization"], matrices["accounts"]
    assert next(p for p in org.principals if p.key == STRANGER).kind == "spoke"
    assert code(org.cell(STRANGER, "invoke", "own")) == "ALLOW"
    assert code(accounts.cell(STRANGER, "invoke", "own")) == "deny E!"
    assert code(org.cell(STRANGER, "invoke", "none")) == "deny I!"  # its identity policy still holds it off the hub path


def test_under_org_paths_a_member_outside_the_ous_is_refused_and_the_named_roles_are_exempt(matrices: dict[str, RegionMatrix]) -> None:
    m = matrices["paths"]
    assert next(p for p in m.principals if p.key == STRANGER).kind == "spoke-unlisted"
    for r in ALLOW_LISTED:
        assert code(m.cell(LISTED, r, "own")) == "ALLOW", r
        assert code(m.cell(STRANGER, r, "own")) == "deny E!", r
    # The hub's own probe carries no OU path in the matrix: its exact ARN exempts it.
    assert code(m.cell("ProbeInVpcRole", "invoke", "own")) == "ALLOW"
    assert _opened(matrices["paths-DenyOutsideOrgPaths"]) == {(STRANGER, r) for r in ALLOW_LISTED}


def _opened(m: RegionMatrix) -> set[tuple[str, str]]:
    return {(c.principal.key, c.request.key) for c in unexpected([m]) if c.path.key == "own"}


@pytest.mark.parametrize("mode", ["organization", "accounts"])
def test_without_the_organisation_deny_the_other_organisation_gets_in(matrices: dict[str, RegionMatrix], mode: str) -> None:
    assert _opened(matrices[f"{mode}-DenyOutsideOrganization"]) == {(OTHER_ORG_SPOKE, r) for r in ALLOW_LISTED}


def test_without_the_account_deny_an_unnamed_member_account_gets_in(matrices: dict[str, RegionMatrix]) -> None:
    assert _opened(matrices["accounts-DenyOtherAccounts"]) == {(STRANGER, r) for r in ALLOW_LISTED}


# --- another spoke account's resources ---------------------------------------------------------

OTHER_SPOKE = UNKNOWN_SPOKE_ACCOUNT


def _simulation(policy: dict, action: str, resource: str, resource_account: str, model_arn: str | None = None, profile: str | None = None, who: str = SPOKE_PROBE_ARN) -> dict:
    """One request of `who` (the listed spoke role) through the hub endpoint: only the endpoint policy decides."""
    caller = who.split(":")[4]
    ctx: dict[str, Any] = {"aws:PrincipalArn": who, "aws:PrincipalAccount": caller, "aws:PrincipalOrgID": ORG,
                           "aws:SourceVpce": "vpce-0123456789abcdef0", "aws:RequestedRegion": resource.split(":")[3]}
    if resource_account:  # a foundation model has no account: the key is left out, as in the matrix
        ctx["aws:ResourceAccount"] = resource_account
    if profile:
        ctx["bedrock:InferenceProfileArn"] = profile
    if model_arn:
        ctx["bedrock:ModelArn"] = model_arn
    if action == "bedrock-mantle:CreateInference":
        ctx["bedrock-mantle:Model"] = DEFAULT_MANTLE_MODEL
    return {
        "request": {"principal": f"arn:aws:sts::{caller}:assumed-role/{who.rsplit('/', 1)[1]}/s", "action": action,
                    "resource": {"resource": resource, "accountId": resource_account or caller}, "contextVariables": ctx},
        "identityPolicies": [{"name": "BedrockAdmin", "policy": ADMIN_POLICY}],
        "serviceControlPolicies": [], "resourceControlPolicies": [],
        "vpcEndpointPolicies": [{"name": "Hub", "policy": policy}],
    }


PROFILE = {"inferenceScope": "geography", "runtimeModels": ["us.amazon.nova-lite-v1:0"]}
ROUTED = "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0"


def test_a_spoke_role_reaches_its_own_accounts_resources_only() -> None:
    """Per mode and resource account: its own (allowed), another spoke's and the hub's (denied)."""
    cells: list[tuple[tuple[str, str, str], str, dict]] = []
    for mode, context in (("accounts", ACCOUNTS_CONTEXT), ("organization", ORG_CONTEXT)):
        cfg = load_config({**context, **PROFILE}, ACCOUNT).regions[0]
        who = admission(ACCOUNT, [f"arn:aws:iam::{ACCOUNT}:role/HubProbe"], cfg.network.hub)  # type: ignore[arg-type]
        runtime, mantle = shared_hub_policy("bedrock-runtime", cfg.access, who), shared_hub_policy("bedrock-mantle", cfg.access, who)
        profile_id = cfg.runtime_models[0].model_id
        for account, want in ((SPOKE_ACCOUNT, ALLOW), (OTHER_SPOKE, DENY), (ACCOUNT, DENY)):
            profile = f"arn:aws:bedrock:us-east-1:{account}:inference-profile/{profile_id}"
            project = f"arn:aws:bedrock:us-east-1:{account}:project/default"
            cells += [
                ((mode, account, "profile"), want, _simulation(runtime, "bedrock:InvokeModel", profile, account)),
                ((mode, account, "routed model"), want, _simulation(runtime, "bedrock:InvokeModel", ROUTED, "", profile=profile)),
                ((mode, account, "responses project"), want, _simulation(runtime, "bedrock:InvokeModel", project, account, model_arn=profile)),
                ((mode, account, "mantle project"), want, _simulation(mantle, "bedrock-mantle:CreateInference", f"arn:aws:bedrock-mantle:us-east-1:{account}:project/default", account)),
            ]
    _, results = simulate([sim for _, _, sim in cells])
    got = {}
    for (label, want, _), result in zip(cells, results):
        assert not result.get("error") and not result.get("ignoredContextKeys"), (label, result)
        got[label] = (ALLOW if result["decision"] == "Allowed" else DENY, want)
    assert {k: g for k, (g, _) in got.items()} == {k: w for k, (_, w) in got.items()}


def test_the_shared_policies_name_only_known_actions_and_condition_keys(org_hub: dict, accounts_hub: dict) -> None:
    """aws:ResourceAccount, aws:PrincipalOrgID, aws:PrincipalAccount: global keys of the pinned IAM data."""
    from private_bedrock.tools.dev.lint_templates import lint_template

    assert lint_template(org_hub, "us-east-1") == []
    assert lint_template(accounts_hub, "us-east-1") == []


def _run(cells: list[tuple[str, str, dict]]) -> None:
    _, results = simulate([sim for _, _, sim in cells])
    for (_, _, _), result in zip(cells, results):
        assert not result.get("error") and not result.get("ignoredContextKeys"), result
    got = {label: ALLOW if r["decision"] == "Allowed" else DENY for (label, _, _), r in zip(cells, results)}
    assert got == {label: want for label, want, _ in cells}


def test_a_shared_name_is_kept_out_of_the_hub_account_and_a_hub_principal_elsewhere_keeps_its_exemption() -> None:
    """The two Denies that keep arn:aws:iam::*:role/NAME exact, each shown load-bearing."""
    extra = "arn:aws:iam::777788889999:role/platform-tester"
    cfg = load_config(ACCOUNTS_CONTEXT, ACCOUNT).regions[0]
    who = admission(ACCOUNT, [f"arn:aws:iam::{ACCOUNT}:role/HubProbe", extra], cfg.network.hub)  # type: ignore[arg-type]
    policy = shared_hub_policy("bedrock-runtime", cfg.access, who)
    without = {"Version": "2012-10-17", "Statement": [s for s in policy["Statement"] if s["Sid"] != "DenySpokeRoleNamesInHubAccount"]}
    fm = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"
    hub_named = f"arn:aws:iam::{ACCOUNT}:role/{PROBE_NAME}"  # not listed for the hub account
    _run([
        ("hub-account role of the spoke name", DENY, _simulation(policy, "bedrock:InvokeModel", fm, "", who=hub_named)),
        ("... without DenySpokeRoleNamesInHubAccount", ALLOW, _simulation(without, "bedrock:InvokeModel", fm, "", who=hub_named)),
        ("the hub's principal in another account", ALLOW, _simulation(policy, "bedrock:InvokeModel", fm, "", who=extra)),
        ("the spoke name in that other account", DENY, _simulation(policy, "bedrock:InvokeModel", fm, "", who=f"arn:aws:iam::777788889999:role/{PROBE_NAME}")),
        ("the second listed spoke account", ALLOW, _simulation(policy, "bedrock:InvokeModel", fm, "", who=SECOND_SPOKE_PROBE)),
    ])
