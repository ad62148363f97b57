"""`make prove` / `private-bedrock prove`: the evidence of a cloud assembly, as its user reads it.

Every test runs the command on a test-owned assembly (the session's CLI synth of the code's
defaults, the hub and spoke syntheses, a hub wide enough to need more than one table) and
asserts on what it prints: only the layers the configuration deploys, a real table for a
spoke, a column per listed spoke role, the CloudFormation path, no cell cut short at any
width, and the audit formats with every cell, its deciding statements and the template hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from private_bedrock.config.app_config import load_config
from private_bedrock.fence_files import write_fence_files
from private_bedrock.policies.scp import fence_policies
from tests.assembly_support import write_assembly
from tests.conftest import HUB_VPC_CIDR, ROOT, SPOKE_ACCOUNT, SPOKE_CIDR, synth_in_process
from tests.run_once import value_once
from private_bedrock.tools.prove.__main__ import main
from private_bedrock.tools.prove.evidence import Evidence, gather
from private_bedrock.tools.prove.matrix import PATHS
from private_bedrock.tools.prove.report import print_evidence

# A hub wide enough for 9+ principals: two extra workload roles and four spoke roles in
# two accounts (two of them spokes' probe roles of the same name).
OTHER_SPOKE = "333344445555"
WIDE_SPOKES = [
    f"arn:aws:iam::{SPOKE_ACCOUNT}:role/PrivateBedrock-us-east-1-Probe",
    f"arn:aws:iam::{SPOKE_ACCOUNT}:role/claims-api",
    f"arn:aws:iam::{OTHER_SPOKE}:role/PrivateBedrock-us-east-1-Probe",
    f"arn:aws:iam::{OTHER_SPOKE}:role/fraud-scoring",
]
WIDE_EXTRAS = ["arn:aws:iam::111122223333:role/analytics-app", "arn:aws:iam::111122223333:role/batch-summaries"]
WIDE_HUB_CONTEXT = {
    "regions": ["us-east-1"],
    "topology": "hub",
    "vpcCidr": HUB_VPC_CIDR,
    "spokeCidrs": [SPOKE_CIDR],
    "spokePrincipalArns": WIDE_SPOKES,
    "extraPrincipalArns": WIDE_EXTRAS,
}
BREAK_GLASS = "arn:aws:iam::123456789012:role/BedrockBreakGlass"
CODE = re.compile(r"ALLOW|allow[†‡]|deny [EIS!+]+")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of the command."""
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


_RUNS: dict[tuple[str, ...], tuple[int, str, str]] = {}


def shared_run(*argv: str) -> tuple[int, str, str]:
    """The same, once per session for each argv: for the session's read-only assemblies
    (the command is deterministic), so tests reading one output do not evaluate it again."""
    if argv not in _RUNS:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(list(argv))
        _RUNS[argv] = (status, out.getvalue(), err.getvalue())
    return _RUNS[argv]


def table_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("│")]


@pytest.fixture(scope="module")
def wide_hub_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    stacks = value_once(tmp_path_factory, "wide-hub", lambda: synth_in_process(WIDE_HUB_CONTEXT))
    return write_assembly(tmp_path_factory.mktemp("wide-hub"), {"us-east-1": stacks["PrivateBedrock-us-east-1"]})


@pytest.fixture(scope="module")
def wide_hub(wide_hub_out: Path) -> Evidence:
    return gather(wide_hub_out)


# --- 1. what the last synth built, and nothing else ------------------------------------------------


def test_make_prove_runs_the_command_on_cdk_out_or_CDK_OUT() -> None:
    recipe = subprocess.run(["make", "-n", "-W", ".make/venv", "prove", "CDK_OUT=some/assembly"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    (line,) = [x for x in recipe.splitlines() if "-m private_bedrock prove" in x]
    assert line.split()[-1] == "some/assembly" and "pytest" not in recipe
    default = subprocess.run(["make", "-n", "-W", ".make/venv", "prove"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert [x for x in default.splitlines() if "-m private_bedrock prove" in x][0].split()[-1] == "cdk.out"


def test_a_missing_or_empty_assembly_is_one_sentence(tmp_path: Path, capsys) -> None:
    for argv, sentence in (
        ([str(tmp_path / "nowhere")], f"No cloud assembly in {tmp_path / 'nowhere'} (no manifest.json); run `make synth` first."),
        ([str(tmp_path)], f"No cloud assembly in {tmp_path} (no manifest.json); run `make synth` first."),
    ):
        status, out, err = run(capsys, *argv)
        assert (status, out, err.strip()) == (2, "", sentence)
    write_assembly(tmp_path, {})
    status, out, err = run(capsys, str(tmp_path))
    assert (status, out, err.strip()) == (2, "", f"The cloud assembly in {tmp_path} has no PrivateBedrock-<region> stack; run `make synth` first.")


def test_the_default_configuration_prints_its_evidence_with_the_template_hashes(cdk_out: Path, capsys) -> None:
    status, out, _ = shared_run(str(cdk_out), "--width", "200")
    assert status == 0
    for region in ("us-east-1", "ap-northeast-1"):
        path = cdk_out / f"PrivateBedrock-{region}.template.json"
        assert f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path}" in out.splitlines()
        assert re.search(rf"^{region}: \d+ cells, all as designed$", out, re.M), region


# --- 2. only the layers the configuration deploys ----------------------------------------------------


def test_without_fence_enabled_the_fence_is_not_evaluated(cdk_out: Path, capsys) -> None:
    """The session's synth writes cdk.out/scp/ (for review) without fence.enabled."""
    assert json.loads((cdk_out / "scp" / "fence-manifest.json").read_text())["stack"] is False
    status, out, _ = shared_run(str(cdk_out), "--width", "200")
    assert status == 0
    assert "with the organisation fence" not in out and "S!" not in out and "break-glass" not in out and "allow‡" not in out
    assert "The organisation fence is not evaluated: fence.enabled is not set" in " ".join(out.split())
    # The ungoverned cells stay what they are without the fence: allowed, outside our control.
    assert any("allow†" in line for line in table_lines(out))


def test_asked_for_the_fence_is_hypothetical_on_every_line_it_decides(cdk_out: Path, capsys) -> None:
    status, out, _ = shared_run(str(cdk_out), "--fence", "--width", "250")
    assert status == 0
    titles = [line for line in out.splitlines() if re.match(r"^(us-east-1|ap-northeast-1) with the organisation fence", line)]
    assert len(titles) == 2 and all("HYPOTHETICAL: fence.enabled is not set" in t for t in titles)
    decided = [line for line in out.splitlines() if "S!" in line or "allow‡" in line]
    assert decided, "the fence must decide some cells for this test to mean anything"
    for line in decided:
        if line.startswith("│"):
            # Every fence-decided cell of the row is marked, so each S!/‡ token is followed by hyp.
            assert len(re.findall(r"S! hyp\.|allow‡ hyp\.", line)) == len(re.findall(r"S!|allow‡", line)), line
        else:
            assert "HYPOTHETICAL" in line or "hyp." in line, line
    (status, text, _) = shared_run(str(cdk_out), "--fence", "--json")
    cells = [c for r in json.loads(text)["regions"] for c in r["cells"]]
    fence_decided = [c for c in cells if c.get("fence", {}).get("decided")]
    assert fence_decided and all(c["code"].endswith("hyp.") and c["fence"]["state"] == "hypothetical" for c in fence_decided)
    assert all(not c["code"].endswith("hyp.") for c in cells if c not in fence_decided)


def _fence_enabled_assembly(directory: Path, templates: dict[str, dict]) -> Path:
    """The default configuration's templates with the fence policies of the same configuration
    deploying the fence (the fence does not change the regional templates)."""
    ids = {"us-east-1": {"bedrock": "vpce-0a00000000000a001", "bedrock-runtime": "vpce-0a00000000000a002", "bedrock-mantle": "vpce-0a00000000000a003"},
           "ap-northeast-1": {"bedrock": "vpce-0a00000000000b001", "bedrock-runtime": "vpce-0a00000000000b002", "bedrock-mantle": "vpce-0a00000000000b003"}}
    config = load_config({"fence": {"enabled": True, "managementAccount": "123456789012", "targets": ["ou-ab12-cd34ef56"], "breakGlassPrincipalArns": [BREAK_GLASS]}, "fenceEndpointIds": ids}, None)
    write_assembly(directory, templates)
    write_fence_files(directory, config, fence_policies(config))
    return directory


def test_with_fence_enabled_the_fence_is_a_layer_and_not_hypothetical(templates: dict[str, dict], tmp_path: Path, capsys) -> None:
    out_dir = _fence_enabled_assembly(tmp_path, {"us-east-1": templates["us-east-1"]})
    status, out, _ = run(capsys, str(out_dir), "--width", "200")
    assert status == 0
    assert re.search(r"^us-east-1 with the organisation fence: \d+ cells, all as designed$", out, re.M)
    assert "deny S!" in out and "allow‡" in out and "hyp." not in out and "HYPOTHETICAL" not in out
    scp = out_dir / "scp" / "PrivateBedrockFence-1.json"
    assert f"{hashlib.sha256(scp.read_bytes()).hexdigest()}  {scp}" in out
    status, out, _ = run(capsys, str(out_dir), "--no-fence", "--width", "200")
    assert status == 0 and "S!" not in out and "left out on request (--no-fence)" in " ".join(out.split())


# --- 3. nothing checked less than the README says ----------------------------------------------------


def test_the_cloudformation_path_is_printed_for_every_request(cdk_out: Path, capsys) -> None:
    status, out, _ = shared_run(str(cdk_out), "--markdown")
    assert status == 0
    for region in ("us-east-1", "ap-northeast-1"):
        section = out.split(f"## {region}")[1].split("### ")[0]
        rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| request")]
        assert len(rows) == len(PATHS) * sum(1 for line in rows if not line.startswith("|  |"))
        cfn = [line for line in rows if "| CloudFormation for the caller |" in line]
        assert cfn and len(cfn) == len(rows) // len(PATHS), region
    # The intended path and a refusal, as the README's excerpt shows them.
    assert "| InvokeModel amazon.nova-micro-v1:0 | our bedrock-runtime endpoint | **ALLOW** | deny E |" in out
    assert "|  | CloudFormation for the caller | deny I! | deny I! | deny I! | allow† | allow† |" in out


def test_a_spoke_prints_a_real_table_of_its_identity_policy(spoke_template: dict, tmp_path: Path, capsys) -> None:
    out_dir = write_assembly(tmp_path, {"us-east-1": spoke_template})
    status, out, _ = run(capsys, str(out_dir), "--width", "200")
    assert status == 0
    assert re.search(r"^us-east-1 \(spoke: its identity policy only\): \d+ cells, all as designed$", out, re.M)
    assert "the hub's endpoint policies admit is not in this assembly" in " ".join(out.split())
    rows = table_lines(out)
    assert any("InvokeModel amazon.nova-micro-v1:0" in r and "the hub's bedrock-runtime" in r and "ALLOW" in r for r in rows)
    status, text, _ = run(capsys, str(out_dir), "--json")
    (region,) = json.loads(text)["regions"]
    assert region["topology"] == "spoke" and region["layer"] == "identity"
    cells = {(c["principal"], c["request"], c["path"]): c for c in region["cells"]}
    assert len(cells) == len(region["principals"]) * len(region["requests"]) * len(PATHS) > 0
    assert cells[("ProbeInVpcRole", "invoke", "own")]["got"] == "allow"
    assert cells[("ProbeInVpcRole", "invoke", "none")]["code"] == "deny I!"
    assert cells[("ProbeInVpcRole", "invoke-other", "own")]["code"] == "deny I"
    hub_ids = json.loads((out_dir / "PrivateBedrock-us-east-1.template.json").read_text())["Metadata"]["PrivateBedrock"]["hubEndpointIds"]
    assert cells[("ProbeInVpcRole", "invoke", "own")]["context"] == {} and set(hub_ids) >= {"bedrock-runtime"}


def test_a_hub_has_a_column_for_every_listed_spoke_role(wide_hub: Evidence) -> None:
    (m,) = wide_hub.matrices
    by_arn = {p.role_arn: p for p in m.principals}
    for arn in WIDE_SPOKES:
        assert by_arn[arn].kind == "spoke" and by_arn[arn].account == arn.split(":")[4], arn
    for arn in WIDE_EXTRAS:
        assert by_arn[arn].kind == "workload", arn
    assert len({p.key for p in m.principals}) == len(m.principals) >= 11
    assert not m.unexpected()
    for arn in WIDE_SPOKES:
        key = by_arn[arn].key
        for r in m.requests:
            for path in PATHS:
                c = m.cell(key, r.key, path.key)
                assert (c.got == "allow") == (r.allow_listed and path.key == "own"), c.describe()


# --- 4. readable at any width, and in an audit file ---------------------------------------------------


@pytest.mark.parametrize("width", [60, 80, 120, 250])
def test_no_cell_is_cut_short_at_any_width(wide_hub: Evidence, width: int) -> None:
    buffer = io.StringIO()
    print_evidence(wide_hub, Console(file=buffer, width=width, color_system=None))
    out = buffer.getvalue()
    assert "…" not in out
    (m,) = wide_hub.matrices
    rows = table_lines(out)
    # Each cell is printed once, whole, on one line of its table.
    assert sum(len(CODE.findall(line)) for line in rows) == len(m.cells)
    # Only the hash lines and the one-line summaries may be longer (one line each, for
    # `sha256sum -c` and grep).
    assert all(len(line) <= width for line in out.splitlines() if not re.match(r"^[0-9a-f]{64}  ", line) and line not in wide_hub.summaries)
    captions = [line.rstrip() for line in out.splitlines() if line.startswith("principals ")]
    if width <= 120:
        assert len(captions) > 1 and captions[-1].endswith(f"of {len(m.principals)}")


def test_markdown_has_every_cell_with_its_statements_and_the_hashes(cdk_out: Path, capsys) -> None:
    status, out, _ = shared_run(str(cdk_out), "--markdown")
    assert status == 0
    _, text, _ = shared_run(str(cdk_out), "--json")
    for region in json.loads(text)["regions"]:
        path = cdk_out / f"PrivateBedrock-{region['region']}.template.json"
        assert f"| {path.name} | `{hashlib.sha256(path.read_bytes()).hexdigest()}` |" in out
        section = out.split(f"### {region['region']}: every cell and what decided it")[1].split("\n## ")[0]
        rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| principal |")]
        assert len(rows) == len(region["cells"]) > 0
    assert (
        "| ProbeInVpcRole | InvokeModel amazon.nova-micro-v1:0 | bedrock:InvokeModel on arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0 "
        "| no endpoint | deny | deny I! | "
    ) in out
    probe_none = next(line for line in out.splitlines() if line.startswith("| ProbeInVpcRole | InvokeModel amazon.nova-micro-v1:0 |") and "| no endpoint |" in line)
    assert re.search(r"\| [A-Za-z0-9]+/DenyBedrockOutsideThisDeploymentsEndpoints \|$", probe_none), probe_none


def test_json_has_every_cell_its_deciding_statements_and_the_hashes(cdk_out: Path, capsys) -> None:
    status, text, _ = shared_run(str(cdk_out), "--json")
    assert status == 0
    doc = json.loads(text)
    assert doc["fence"] == "not deployed" and doc["unexpected"] == []
    for t in doc["templates"]:
        assert t["sha256"] == hashlib.sha256((cdk_out / t["file"]).read_bytes()).hexdigest()
    for region in doc["regions"]:
        assert region["template"]["sha256"] in {t["sha256"] for t in doc["templates"]}
        cells = region["cells"]
        assert len(cells) == len(region["principals"]) * len(region["requests"]) * len(PATHS)
        assert all(c["decidedBy"] for c in cells), [c for c in cells if not c["decidedBy"]][:3]
        assert {c["path"] for c in cells} == {p.key for p in PATHS}
        allowed = next(c for c in cells if (c["principal"], c["request"], c["path"]) == ("ProbeInVpcRole", "invoke", "own"))
        # An allowed cell names the Allow of each layer that admitted it.
        assert allowed["got"] == "allow" and len(allowed["decidedBy"]) == 2, allowed
    # The rows beside the Bedrock matrix the README names: the scheduler role's, per region.
    scheduler = [c for c in doc["otherCells"] if c["subject"].startswith("principal MonitoringScheduleRole")]
    assert {c["region"] for c in scheduler} == {"us-east-1", "ap-northeast-1"} and all(c["asDesigned"] and c["decidedBy"] for c in scheduler)
    assert sorted({(c["action"], c["got"]) for c in scheduler}) == [("bedrock:InvokeModel", "deny"), ("lambda:InvokeFunction", "allow"), ("lambda:InvokeFunction", "deny"), ("lambda:UpdateFunctionCode", "deny")]
    assert all(re.fullmatch(r"\w+/InvokeTheProbes", s) for c in scheduler if c["got"] == "allow" for s in c["decidedBy"])


def test_the_command_exits_1_naming_each_loosened_cell(templates: dict[str, dict], tmp_path: Path, capsys) -> None:
    import copy

    from tests.security.test_iam_matrix import drop_condition_key_everywhere

    t = copy.deepcopy(templates["us-east-1"])
    drop_condition_key_everywhere(t, "bedrock-mantle:Model")
    write_assembly(tmp_path, {"us-east-1": t})
    status, out, err = run(capsys, str(tmp_path))
    assert status == 1
    assert "1 cell(s) are not what the design promises" in err
    assert "region us-east-1 | principal ProbeInVpcRole" in err and "request mantle CreateInference openai.gpt-oss-120b (not allow-listed)" in err
    assert "| path this deployment's endpoint | expected deny | got allow" in err
    assert "✗ = not what the design promises." in out
