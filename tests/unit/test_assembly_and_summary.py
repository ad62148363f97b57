"""The tools read the cloud assembly's manifest; the summary prices each region and totals them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.assembly_support import write_assembly
from tests.conftest import ROOT
from private_bedrock.tools.report import assembly
from private_bedrock.tools.dev.lint_templates import lint_dir
from private_bedrock.tools.report.prices import ENDPOINT_AZ_HOUR, HOURS_PER_MONTH, KMS_KEY_MONTH, endpoint_rate
from private_bedrock.tools.prove.matrix import load_templates
from private_bedrock.tools.report.summary import main as summary_main
from private_bedrock.tools.report.summary import monitoring_cost


def endpoint_azs(template: dict) -> int:
    return sum(len(r["Properties"]["SubnetIds"]) for r in template["Resources"].values() if r["Type"] == "AWS::EC2::VPCEndpoint")


@pytest.fixture
def stale_assembly(tmp_path: Path, templates: dict[str, dict]) -> Path:
    """The default assembly plus a template an earlier synth left behind (eu-west-1)."""
    write_assembly(tmp_path, templates)
    (tmp_path / "PrivateBedrock-eu-west-1.template.json").write_text(json.dumps(templates["us-east-1"]))
    return tmp_path


def summary_text(directory: Path, capsys) -> str:
    assert summary_main(["summary", str(directory)]) == 0
    return " ".join(capsys.readouterr().out.split())


def test_the_cli_manifest_is_read(cdk_out: Path) -> None:
    found = assembly.stacks(cdk_out)
    assert [(s.stack_id, s.region, s.account) for s in found] == [
        ("PrivateBedrock-us-east-1", "us-east-1", None), ("PrivateBedrock-ap-northeast-1", "ap-northeast-1", None)
    ]
    # The probe's bundle is one of the stack's assets, found through the asset manifest.
    assert any((d / "bundle_info.json").exists() for d in found[0].asset_dirs())


def test_the_cli_synth_validation_report_has_no_finding(cdk_out: Path) -> None:
    """`make synth` runs CDK's built-in CloudFormation validation and the nag packs as
    validation plugins; none of them reports anything on the default configuration."""
    report = json.loads((cdk_out / "validation-report.json").read_text())
    assert [v for r in report["pluginReports"] for v in r.get("violations", [])] == []


def test_a_stale_template_is_ignored_by_every_tool(stale_assembly: Path, capsys) -> None:
    assert [s.region for s in assembly.stacks(stale_assembly)] == ["us-east-1", "ap-northeast-1"]
    assert set(load_templates(stale_assembly)) == {"us-east-1", "ap-northeast-1"}
    assert not [f for f in lint_dir(stale_assembly) if "eu-west-1" in f.template]
    assert "eu-west-1" not in summary_text(stale_assembly, capsys)


def test_no_manifest_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "PrivateBedrock-us-east-1.template.json").write_text("{}")
    with pytest.raises(assembly.AssemblyError, match=r"^No cloud assembly in .* \(no manifest\.json\); run `make synth` first\.$"):
        assembly.stacks(tmp_path)
    assert summary_main(["summary", str(tmp_path)]) == 1


def test_summary_prices_each_region_and_totals_them(stale_assembly: Path, templates: dict[str, dict], capsys) -> None:
    out = summary_text(stale_assembly, capsys)
    assert ENDPOINT_AZ_HOUR["ap-northeast-1"] > ENDPOINT_AZ_HOUR["us-east-1"]
    totals = {}
    for region in ("us-east-1", "ap-northeast-1"):
        azs = endpoint_azs(templates[region])
        totals[region] = azs * endpoint_rate(region).per_az_hour * HOURS_PER_MONTH + KMS_KEY_MONTH
        assert f"estimated monthly cost: ${totals[region]:,.2f} ({azs} endpoint-AZs x ${endpoint_rate(region).per_az_hour:.3f}/h in {region}" in out
    assert totals["ap-northeast-1"] > totals["us-east-1"]
    # The total adds each region's continuous proof (its own line, priced by monitoring_cost).
    proof = {r: monitoring_cost(templates[r]["Metadata"]["PrivateBedrock"]["monitoring"], templates[r]["Resources"])[0] for r in totals}
    assert all(p > 0 for p in proof.values())
    for r in totals:
        assert f"continuous proof (schedule rate(1 hour)): ${proof[r]:,.2f} a month" in out
    total = sum(totals.values()) + sum(proof.values())
    assert (
        f"estimated monthly total, 2 regions: ${total:,.2f} (us-east-1 ${totals['us-east-1']:,.2f} + proof ${proof['us-east-1']:,.2f}"
        f" + ap-northeast-1 ${totals['ap-northeast-1']:,.2f} + proof ${proof['ap-northeast-1']:,.2f})"
    ) in out
    assert re.search(r"prices as of \d{4}-\d{2}: AWS Price List API", out)
    assert "VPC range: 10.80.0.0/16 on-premises ranges admitted: none" in out
    assert "VPC range: 10.81.0.0/16" in out and "overlap" not in out


def test_summary_says_when_a_rate_is_not_sourced_and_when_vpcs_overlap(templates: dict[str, dict], tmp_path: Path, capsys) -> None:
    # The same template under two regions: same VPC range; sa-east-1 has no sourced rate.
    write_assembly(tmp_path, {"us-east-1": templates["us-east-1"], "sa-east-1": templates["us-east-1"]})
    out = summary_text(tmp_path, capsys)
    assert not endpoint_rate("sa-east-1").sourced
    assert "no sourced rate for sa-east-1, at least $0.010/h" in out
    assert "no sourced endpoint rate for sa-east-1: the estimate uses the lowest known rate; add it to private_bedrock/tools/report/prices.py" in out
    assert "the VPC ranges of us-east-1 and sa-east-1 overlap: they cannot be joined to one network as they are" in out


def test_deploying_an_unconfigured_region_is_one_sentence(stale_assembly: Path, capsys) -> None:
    assert assembly.main([str(stale_assembly), "--require-region", "us-east-1"]) == 0
    assert assembly.main([str(stale_assembly), "--require-region", "eu-central-1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        'Region eu-central-1 is not configured (this configuration builds us-east-1, ap-northeast-1); add it to "regions" '
        'in cdk.json or pass CDK_ARGS="-c regions=us-east-1,ap-northeast-1,eu-central-1".'
    )


# --- the app from a fresh shell, and the Makefile ----------------------------------------------


def _system_python() -> str:
    for candidate in ("/usr/bin/python3", shutil.which("python3") or ""):
        if candidate and subprocess.run([candidate, "-c", "import aws_cdk"], capture_output=True).returncode != 0:
            return candidate
    pytest.skip("every python3 on this machine can import aws_cdk")


def test_app_runs_under_a_python_without_the_venv(tmp_path: Path) -> None:
    """cdk.json's `python3 app.py` from a shell without the virtualenv re-runs with .venv's python."""
    python = _system_python()
    env = {"PATH": "/usr/bin:/bin", "CDK_OUTDIR": str(tmp_path), "CDK_CONTEXT_JSON": json.dumps({"regions": "mars-1"})}
    result = subprocess.run([python, str(ROOT / "app.py")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    # The configuration error comes from the app itself: aws_cdk was imported after the re-run.
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Configuration error: Region 'mars-1'")


def test_app_without_a_venv_says_how_to_get_one(tmp_path: Path) -> None:
    python = _system_python()
    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    result = subprocess.run([python, str(tmp_path / "app.py")], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.endswith(f" cannot import aws_cdk and {tmp_path.resolve() / '.venv' / 'bin' / 'python'} does not exist: run `make setup` (or `make synth`) first.")


def make_dry_run(*args: str) -> str:
    """`make -n` (nothing runs) with requirements-dev.txt treated as changed."""
    result = subprocess.run(["make", "-n", "-W", "requirements-dev.txt", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_synth_does_not_install_the_test_tools() -> None:
    assert "requirements-dev.txt" not in make_dry_run("synth")
    assert "-r requirements-dev.txt" in make_dry_run("test")
    # The CLI's chatter is kept in a log shown only on failure; the summary follows.
    synth = make_dry_run("synth")
    assert "> .make/synth.log 2>&1 ||" in synth and "-m private_bedrock synth-report cdk.out" in synth


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_deploy_checks_the_region_before_deploying_the_assembly() -> None:
    out = make_dry_run("deploy", "REGION=eu-central-1")
    assert out.index("-m private_bedrock.tools.report.assembly cdk.out --require-region eu-central-1") < out.index("deploy --no-notices --app cdk.out PrivateBedrock-eu-central-1")


def test_summary_says_the_single_account_fence_names_its_endpoints_exactly(templates: dict[str, dict], tmp_path: Path, capsys) -> None:
    from private_bedrock.config.app_config import load_config
    from private_bedrock.fence_files import write_fence_files
    from private_bedrock.policies.scp import fence_policies

    # The default configuration's two regions (three endpoints each), with a fence configured.
    write_assembly(tmp_path, templates)
    config = load_config({"regions": list(templates), "fence": {"targets": ["ou-ab12-cdef3456"]}}, None)
    write_fence_files(tmp_path, config, fence_policies(config))
    text = summary_text(tmp_path, capsys)
    assert "network: Bedrock only through exactly this deployment's 6 endpoint(s) (aws:SourceVpce), because a single deployment's ids can be read before the fence is attached" in text
    assert "aws:VpceAccount" not in text
