"""What `make synth`'s summary tells a first-time user: who each endpoint admits, the required
guardrail, a spoke's hub, whose ranges are admitted, the fence only when configured, and the
next commands for this configuration (each one a real Makefile target with its real argument)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from private_bedrock.config.app_config import load_config
from private_bedrock.fence_files import write_fence_files
from private_bedrock.policies.endpoint import endpoint_policy
from private_bedrock.policies.hub_shared import admission, shared_hub_policy
from private_bedrock.policies.scp import fence_manifest, fence_policies
from private_bedrock.tools.report.assembly import StackArtifact
from private_bedrock.tools.report.next_steps import fleet_steps
from private_bedrock.tools.report.principals import LIST_AT_MOST, admitted, describe
from private_bedrock.tools.report.summary import main as summary_main
from private_bedrock.tools.report.summary import probe_bundle_line
from tests.assembly_support import write_assembly
from tests.conftest import (
    FLEET_CONTEXT,
    HUB_PROFILE_ID,
    HUB_VPC_CIDR,
    OPTIONAL_GUARDRAIL,
    OPTIONAL_WORKLOAD,
    ROOT,
    SPOKE_CIDR,
    SPOKE_PROBE_ARN,
)
from tests.unit.test_fence_stack import FENCE, IDS

HUB = "111122223333"
HUB_PROBE = f"arn:aws:iam::{HUB}:role/HubProbe"
ORG_ARN = "arn:aws:organizations::999988887777:organization/o-a1b2c3d4e5"


def summary(directory: Path, capsys) -> str:
    assert summary_main(["summary", str(directory)]) == 0
    return " ".join(capsys.readouterr().out.split())


def assembly(tmp_path: Path, templates: dict[str, dict], fence_context: dict | None = None) -> Path:
    """region -> template as a cloud assembly, with the fence files of `fence_context` (the
    regions of `templates` plus its keys) written as app.py writes them."""
    out = write_assembly(tmp_path / "cdk.out", templates)
    config = load_config({"regions": list(templates), **(fence_context or {})}, None)
    write_fence_files(out, config, fence_policies(config))
    return out


def next_steps(text: str) -> str:
    return text[text.index("next steps:"):]


# --- 1. who each endpoint policy admits --------------------------------------------------


def test_the_default_endpoints_admit_the_probe_role_only(cdk_out: Path, capsys) -> None:
    text = summary(cdk_out, capsys)
    assert text.count("endpoint policies admit (aws:PrincipalArn; every other caller is refused at the endpoint): "
                      "bedrock, bedrock-runtime, bedrock-mantle: the probe role ") == 2  # one per region
    assert "more principal" not in text


def test_extra_principals_are_named_per_endpoint(optional_templates: dict[str, dict], tmp_path: Path, capsys) -> None:
    out = assembly(tmp_path, {r.split("-", 1)[1]: t for r, t in optional_templates.items()})
    text = summary(out, capsys)
    assert ("bedrock, bedrock-runtime, bedrock-mantle, bedrock-agent, bedrock-agent-runtime: "
            f"the probe role and 1 more principal: {OPTIONAL_WORKLOAD}") in text
    assert f"bedrock, bedrock-runtime: the probe role and 1 more principal: {OPTIONAL_WORKLOAD}" in text


def test_a_hub_names_the_spoke_principals_it_admits(hub_template: dict, tmp_path: Path, capsys) -> None:
    text = summary(assembly(tmp_path, {"us-east-1": hub_template}), capsys)
    assert f"bedrock, bedrock-runtime, bedrock-mantle: the probe role and 1 more principal: {SPOKE_PROBE_ARN}" in text


def hub_cfg(**ctx):
    base = {"regions": ["us-east-1"], "topology": "hub", "spokeCidrs": [SPOKE_CIDR]}
    return load_config({**base, **ctx}, HUB).regions[0]


def test_the_shared_forms_are_read_from_their_denies() -> None:
    spokes = ["arn:aws:iam::222233334444:role/app", "arn:aws:iam::333344445555:role/app"]
    cfg = hub_cfg(spokeAccess="accounts", spokePrincipalArns=spokes)
    who = admitted(shared_hub_policy("bedrock-runtime", cfg, admission(HUB, [HUB_PROBE], cfg.network.hub)), {}, "us-east-1")
    assert who.principals == (HUB_PROBE, "arn:aws:iam::*:role/app") and who.accounts == (HUB, "222233334444", "333344445555")
    assert describe(who) == (
        f"2 more role patterns: {HUB_PROBE}, arn:aws:iam::*:role/app; only principals of the accounts {HUB}, 222233334444, 333344445555; "
        f"refused although they match: arn:aws:iam::{HUB}:role/app"
    )
    cfg = hub_cfg(spokeAccess="organization", spokeOrganizationArn=ORG_ARN, spokeRoleNames=["app"], spokeOrgPaths=["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"])
    text = describe(admitted(shared_hub_policy("bedrock", cfg, admission(HUB, [HUB_PROBE], cfg.network.hub)), {}, "us-east-1"))
    assert text == (
        f"2 more role patterns: {HUB_PROBE}, arn:aws:iam::*:role/app; only principals of organisation o-a1b2c3d4e5 "
        "and under o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"
    )


def test_many_principals_are_counted_and_a_deny_policy_admits_no_one() -> None:
    cfg = load_config({"regions": ["us-east-1"]}, HUB).regions[0]
    many = [f"arn:aws:iam::{300000000000 + i // 2}:role/r{i}" for i in range(LIST_AT_MOST + 1)]
    probe = {"Fn::GetAtt": ["ProbeInVpcRoleC1045263", "Arn"]}
    text = describe(admitted(endpoint_policy("bedrock", cfg, HUB, [probe, *many]), {}, "us-east-1"))  # type: ignore[list-item]
    assert text.startswith(f"the probe role and {LIST_AT_MOST + 1} more principals of 5 accounts (too many to list here")
    assert many[0] not in text
    assert describe(admitted(endpoint_policy("bedrock", cfg, HUB, many[:LIST_AT_MOST]), {}, "us-east-1")) == (
        f"{LIST_AT_MOST} more principals: {', '.join(many[:LIST_AT_MOST])}"
    )
    deny = load_config({"regions": ["us-east-1"], "endpointPolicy": "deny"}, HUB).regions[0]
    assert describe(admitted(endpoint_policy("bedrock", deny, HUB, many), {}, "us-east-1")).startswith("no one (endpointPolicy deny")
    # An Allow nobody narrowed (not something this app writes) is said loudly.
    open_policy = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "bedrock:InvokeModel", "Resource": "*"}]}
    assert "any principal" in describe(admitted(open_policy, {}, "us-east-1"))


# --- 2. the required guardrail -------------------------------------------------------------


def test_the_required_guardrail_is_named_where_it_is_configured(optional_templates: dict[str, dict], tmp_path: Path, capsys) -> None:
    out = assembly(tmp_path, {r.split("-", 1)[1]: t for r, t in optional_templates.items()})
    text = summary(out, capsys)
    west = text[text.index("PrivateBedrock-us-west-2"):]
    assert (f"required guardrail: {OPTIONAL_GUARDRAIL} (any version): every model call must name it (bedrock:GuardrailIdentifier, "
            "demanded by the bedrock-runtime endpoint policy and the identity policy (SourceVpceOnlyPolicy))") in west
    assert text.count("required guardrail:") == 1  # us-east-1 has none


# --- 3. a spoke's hub; a hub's spoke ranges --------------------------------------------------


def test_a_spoke_names_its_hub_endpoints_range_and_profile(spoke_template: dict, tmp_path: Path, capsys) -> None:
    text = summary(assembly(tmp_path, {"us-east-1": spoke_template}), capsys)
    ids = spoke_template["Metadata"]["PrivateBedrock"]["hubEndpointIds"]
    assert len(ids) == 3
    assert ("spoke of a hub: no endpoints of its own; the hub's (hubEndpointIds, named by the identity policy): "
            + ", ".join(f"{s} {i}" for s, i in ids.items())) in text
    assert f"hub network: workloads may send only to the hub's range {HUB_VPC_CIDR} (tcp 443), hubVpcCidr" in text
    assert f"Route 53 Profile {HUB_PROFILE_ID} (hubDnsProfileId), associated with this VPC" in text
    assert "endpoint policies admit" not in text  # no endpoints, no empty table


def test_a_hub_says_spoke_ranges_apart_from_on_premises_ones(hub_template: dict, optional_templates: dict[str, dict], tmp_path: Path, capsys) -> None:
    text = summary(assembly(tmp_path / "hub", {"us-east-1": hub_template}), capsys)
    assert f"VPC range: {HUB_VPC_CIDR} on-premises ranges admitted: none spoke ranges admitted: {SPOKE_CIDR} (tcp 443)" in text
    text = summary(assembly(tmp_path / "onprem", {"us-east-1": optional_templates["PrivateBedrock-us-east-1"]}), capsys)
    assert "on-premises ranges admitted: 192.168.10.0/24 (tcp 443, tcp 53, udp 53)" in text and "spoke ranges" not in text


# --- 4. the next steps ---------------------------------------------------------------------


def _phony_targets() -> set[str]:
    (line,) = re.findall(r"^\.PHONY: (.+)$", (ROOT / "Makefile").read_text(), re.M)
    return set(line.split())


def _recipe(target: str) -> str:
    text = (ROOT / "Makefile").read_text()
    return re.search(rf"^{target}:.*?(?=^\S|\Z)", text, re.M | re.S).group(0)  # type: ignore[union-attr]


def assert_real_commands(steps: str) -> None:
    """Every `make X VAR=...` names a phony target whose recipe reads VAR."""
    commands = re.findall(r"`make ([a-z-]+)((?: [A-Z_]+=[^ `]+)*)`", steps)
    assert commands
    for target, args in commands:
        assert target in _phony_targets(), target
        for var in re.findall(r"([A-Z_]+)=", args):
            assert f"$({var})" in _recipe(target), (target, var)


def test_standalone_next_steps_deploy_every_region_then_verify_each(cdk_out: Path, capsys) -> None:
    steps = next_steps(summary(cdk_out, capsys))
    assert_real_commands(steps)
    assert "1. `make bootstrap`" in steps and "2. `make deploy REGION=all`" in steps
    assert "`make verify REGION=us-east-1` then `make verify REGION=ap-northeast-1`" in steps
    assert "list the role in extraPrincipalArns" in steps
    assert "fence" not in steps and "fleet" not in steps


def test_hub_and_spoke_next_steps(hub_template: dict, spoke_template: dict, tmp_path: Path, capsys) -> None:
    hub = next_steps(summary(assembly(tmp_path / "hub", {"us-east-1": hub_template}), capsys))
    assert_real_commands(hub)
    assert "`make deploy REGION=us-east-1`" in hub and "`make verify REGION=us-east-1`" in hub
    assert "give each spoke the outputs of PrivateBedrock-us-east-1: <Service>EndpointId (hubEndpointIds), HubVpcCidr (hubVpcCidr), DnsProfileId (hubDnsProfileId)" in hub
    spoke = next_steps(summary(assembly(tmp_path / "spoke", {"us-east-1": spoke_template}), capsys))
    assert_real_commands(spoke)
    assert ("1. us-east-1: the hub lists arn:aws:iam::<this account>:role/PrivateBedrock-us-east-1-Probe in spokePrincipalArns "
            f"and is deployed first (its Route 53 Profile is then shared with this account); this VPC must route to {HUB_VPC_CIDR}") in spoke
    assert "list the role in the hub's spokePrincipalArns" in spoke and "extraPrincipalArns" not in spoke


def test_a_fence_without_endpoint_ids_needs_fence_ids_then_deploy_fence(templates: dict[str, dict], tmp_path: Path, capsys) -> None:
    out = assembly(tmp_path, {"us-east-1": templates["us-east-1"]}, {"fence": {"targets": ["ou-ab12-cdef3456"]}})
    text = summary(out, capsys)
    steps = next_steps(text)
    assert_real_commands(steps)
    order = [steps.index(s) for s in ("`make deploy REGION=us-east-1`", "`make fence-ids`", "set fence.enabled to true", "`make deploy-fence`")]
    assert order == sorted(order)
    assert "endpoint ids are placeholders" in text


def test_an_enabled_fence_is_deployed_last_and_its_account_bootstrapped(templates: dict[str, dict], tmp_path: Path, capsys) -> None:
    out = assembly(tmp_path, {"us-east-1": templates["us-east-1"]}, {"fence": FENCE, "fenceEndpointIds": IDS})
    steps = next_steps(summary(out, capsys))
    assert_real_commands(steps)
    assert "`make fence-ids`" not in steps and "set fence.enabled" not in steps
    # `make bootstrap` would also try the management account's environment: the regions one by one.
    assert "`make bootstrap`" not in steps.replace("not `make bootstrap`", "")
    assert "`npx cdk bootstrap aws://<account>/us-east-1`" in steps
    assert steps.index("`make deploy REGION=us-east-1`") < steps.index(
        "`make deploy-fence` with the management account 999988887777's credentials (its us-east-1 bootstrapped: `npx cdk bootstrap aws://999988887777/us-east-1`)"
    )


def test_fleet_next_steps_deploy_the_stack_sets_then_verify_the_fleet() -> None:
    from stacks.fleet_stack import fleet_summary

    config = load_config(FLEET_CONTEXT, None)
    assert config.fleet is not None
    steps = "\n".join(fleet_steps(fleet_summary(config.fleet), fence_manifest(config, fence_policies(config))))
    assert_real_commands(steps)
    assert "`aws cloudformation activate-organizations-access`" in steps and "--account-id 999988887777" in steps  # DELEGATED_ADMIN
    assert "`make bootstrap` with the administrator account 999988887777's credentials (once per account and region: us-east-1, ap-northeast-1" in steps
    assert steps.index("`make deploy-fleet`") < steps.index("`make verify FLEET=cdk.out`")
    assert "ap-northeast-1 -> us-east-1" in steps and "REGION=" not in steps and "fence" not in steps
    fenced = load_config({**FLEET_CONTEXT, "fence": {"targets": ["ou-ab12-cdef3456"]}}, None)
    steps = "\n".join(fleet_steps(fleet_summary(fenced.fleet), fence_manifest(fenced, fence_policies(fenced))))  # type: ignore[arg-type]
    assert "`make fence-ids`" not in steps  # a fleet's fence names no ids
    assert steps.index("`make verify FLEET=cdk.out`") < steps.index("`make deploy-fence`")


# --- 5. the fence only when configured; the root caution; the bytecode note -----------------


def test_the_fence_block_is_one_line_until_a_fence_is_configured(cdk_out: Path, capsys) -> None:
    text = summary(cdk_out, capsys)
    assert f"organisation fence: not configured (the service control policies it would attach are in {cdk_out}/scp/ for review" in text
    assert "written to" not in text and "break-glass" not in text


@pytest.mark.parametrize(
    ("context", "configured"),
    [
        ({}, False),
        ({"fence": {"targets": ["ou-ab12-cdef3456"]}}, True),
        ({"fence": {"maxPolicies": 2}}, True),
        ({"fenceEndpointIds": IDS}, True),  # `make fence-ids` ran: the fence is under way
    ],
)
def test_the_manifest_says_whether_a_fence_was_asked_for(context: dict, configured: bool) -> None:
    config = load_config({"regions": ["us-east-1"], **context}, None)
    assert fence_manifest(config, fence_policies(config))["configured"] is configured


def test_a_spoke_hub_ids_alone_do_not_configure_a_fence(spoke_template: dict) -> None:
    ids = [f"{s}={i}" for s, i in spoke_template["Metadata"]["PrivateBedrock"]["hubEndpointIds"].items()]
    spoke = {"regions": ["us-east-1"], "topology": "spoke", "vpcId": "vpc-05b0ce0000000000a", "subnetIds": ["subnet-05b0ce0000000000a"],
             "hubVpcCidr": HUB_VPC_CIDR, "hubDnsProfileId": HUB_PROFILE_ID, "hubEndpointIds": ids}
    config = load_config(spoke, None)
    assert config.fence is not None and config.fence.endpoint_ids  # the hub's ids, by themselves
    assert fence_manifest(config, fence_policies(config))["configured"] is False


def test_a_fence_on_the_organisation_root_is_cautioned(templates: dict[str, dict], tmp_path: Path, capsys) -> None:
    out = assembly(tmp_path / "root", {"us-east-1": templates["us-east-1"]}, {"fence": {"targets": ["r-ab12", "ou-ab12-cdef3456"]}})
    text = summary(out, capsys)
    assert "organisation fence (service control policies) written to" in text
    assert "caution: fence.targets names the organisation root r-ab12: the policies apply to every account at once; start the rollout with a test OU" in text
    out = assembly(tmp_path / "ou", {"us-east-1": templates["us-east-1"]}, {"fence": {"targets": ["ou-ab12-cdef3456"]}})
    assert "caution" not in summary(out, capsys)


def _stack_with_bundle(tmp_path: Path, info: dict, runs: int) -> StackArtifact:
    (tmp_path / "asset.probe").mkdir(parents=True)
    (tmp_path / "asset.probe" / "bundle_info.json").write_text(json.dumps(info))
    (tmp_path / "s.assets.json").write_text(json.dumps({"files": {"h": {"source": {"path": "asset.probe", "packaging": "zip"}}}}))
    (tmp_path / "s.template.json").write_text(json.dumps({"Metadata": {"PrivateBedrock": {"monitoring": {"probeRunsPerMonth": runs}}}, "Resources": {}}))
    return StackArtifact("PrivateBedrock-us-east-1", "us-east-1", None, tmp_path / "s.template.json", tmp_path / "s.assets.json")


def test_the_bytecode_note_is_one_line_and_only_when_bytecode_is_missing(tmp_path: Path) -> None:
    without = {"python_version": "3.14", "bytecode": None, "no_bytecode_reason": "no CPython 3.14 interpreter on the build machine"}
    stacks = [_stack_with_bundle(tmp_path / "a", without, 1460), _stack_with_bundle(tmp_path / "b", without, 1460)]
    line = probe_bundle_line(stacks)
    # 2 x 1460 runs x 1 s x 1 GB more, at the Arm Lambda rate.
    assert line == (
        "note: the probe bundle has no precompiled bytecode (no CPython 3.14 interpreter on the build machine): each probe cold start "
        "takes about 1 s longer ($0.04 a month at the schedules), nothing else changes; PROBE_BYTECODE_PYTHON=<a python3.14> precompiles it."
    )
    with_bytecode = {"python_version": "3.14", "bytecode": {"compiled_by": "CPython 3.14.0"}}
    assert probe_bundle_line([_stack_with_bundle(tmp_path / "c", with_bytecode, 1460)]) is None


def test_the_summary_says_the_bytecode_note_at_most_once(cdk_out: Path, capsys) -> None:
    text = summary(cdk_out, capsys)
    info = json.loads(next(cdk_out.glob("asset.*/bundle_info.json")).read_text())
    assert text.count("the probe bundle has no precompiled bytecode") == (0 if info["bytecode"] else 1)
    # After the totals, before the next steps: a footnote, not part of a region's design.
    if not info["bytecode"]:
        assert text.index("region(s) synthesized") < text.index("the probe bundle has") < text.index("next steps:")

