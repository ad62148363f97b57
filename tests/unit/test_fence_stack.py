"""The management-account stack (PrivateBedrockFence) and the policy files, from one in-process synth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import assembly_templates

IDS = {"us-east-1": {"bedrock": "vpce-0aaaaaaaaaaaaaaa1", "bedrock-runtime": "vpce-0aaaaaaaaaaaaaaa2", "bedrock-mantle": "vpce-0aaaaaaaaaaaaaaa3"}}
FENCE = {
    "enabled": True,
    "managementAccount": "999988887777",
    "targets": ["ou-ab12-cdef3456", "111122223333"],
    "breakGlassPrincipalArns": ["arn:aws:iam::999988887777:role/BedrockBreakGlass"],
}


@pytest.fixture(scope="module")
def fenced_app(fenced_out: Path) -> tuple[dict[str, dict], Path]:
    """app.py's build with FENCE and IDS (tests/conftest.py: fenced_out, shared with the
    scanners; nag packs included: a finding fails the synth)."""
    report = json.loads((fenced_out / "validation-report.json").read_text())
    assert sum(len(p.get("violations", [])) for p in report["pluginReports"]) == 0
    return assembly_templates(fenced_out), fenced_out


def test_the_fence_stack_creates_each_policy_on_the_targets(fenced_app) -> None:
    templates, outdir = fenced_app
    assert sorted(templates) == ["PrivateBedrock-us-east-1", "PrivateBedrockFence"]
    resources = templates["PrivateBedrockFence"]["Resources"]
    policies = {r["Properties"]["Name"]: r["Properties"] for r in resources.values() if r["Type"] == "AWS::Organizations::Policy"}
    assert list(policies) == ["PrivateBedrockFence-1"]
    assert {r["Type"] for r in resources.values()} <= {"AWS::Organizations::Policy", "AWS::CDK::Metadata"}
    props = policies["PrivateBedrockFence-1"]
    assert props["Type"] == "SERVICE_CONTROL_POLICY" and props["TargetIds"] == ["ou-ab12-cdef3456", "111122223333"]
    # The content is the minified text whose size synth checked, equal to the readable file.
    written = json.loads((outdir / "scp" / "PrivateBedrockFence-1.json").read_text())
    assert isinstance(props["Content"], str) and json.loads(props["Content"]) == written
    assert props["Content"] == json.dumps(written, separators=(",", ":")) and len(props["Content"]) <= 5120
    # The configured ids, not placeholders, and the break-glass role.
    assert "PLACEHOLDER" not in props["Content"] and "vpce-0aaaaaaaaaaaaaaa2" in props["Content"]
    assert "arn:aws:iam::999988887777:role/BedrockBreakGlass" in props["Content"]


def test_the_fence_stack_lives_in_the_management_account(fenced_app) -> None:
    templates, outdir = fenced_app
    manifest = json.loads((outdir / "manifest.json").read_text())
    env = manifest["artifacts"]["PrivateBedrockFence"]["environment"]
    assert env == "aws://999988887777/us-east-1"


def test_the_manifest_describes_the_files(fenced_app) -> None:
    _, outdir = fenced_app
    manifest = json.loads((outdir / "scp" / "fence-manifest.json").read_text())
    assert manifest["placeholders"] is False and manifest["stack"] is True
    assert manifest["endpointIds"] == IDS and manifest["targets"] == FENCE["targets"]
    (entry,) = manifest["policies"]
    document = json.loads((outdir / "scp" / entry["file"]).read_text())
    assert entry["chars"] == len(json.dumps(document, separators=(",", ":"))) and entry["maxChars"] == 5120


def test_cfn_lint_accepts_the_fence_template(fenced_app, tmp_path: Path) -> None:
    import subprocess

    from tests.conftest import ROOT

    templates, _ = fenced_app
    path = tmp_path / "PrivateBedrockFence.template.json"
    path.write_text(json.dumps(templates["PrivateBedrockFence"]))
    run = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "cfn-lint"), "--config-file", str(ROOT / ".cfnlintrc"), "--regions", "us-east-1", "--format", "parseable", "--", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
