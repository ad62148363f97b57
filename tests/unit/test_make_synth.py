"""`make synth` replaces cdk.out only when synthesis succeeds: a failed synth keeps the last good assembly.

The Makefile runs in a throwaway project (tests/conftest.py: hermetic_project) with this
repository's environment linked in; `-o setup` keeps make from reinstalling it. One failing
run (an unknown region: the app refuses it before building anything) and one successful
single-region run (CDK's built-in validation off, as in the other CLI tests' in-process runs).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, hermetic_project, offline_env

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with the Makefile, the shared environment and a previous synth's cdk.out."""
    work = hermetic_project(tmp_path / "project")
    shutil.copy(ROOT / "Makefile", work / "Makefile")
    for env in (".venv", "node_modules"):
        (work / env).symlink_to(ROOT / env)
    (work / ".make").mkdir()
    (work / "cdk.out").mkdir()
    (work / "cdk.out" / "previous-synth").write_text("the last good assembly\n")
    return work


def make_synth(project: Path, context: str) -> subprocess.CompletedProcess[str]:
    env = offline_env(PYTHONPATH=str(ROOT), CDK_VALIDATION="false")
    return subprocess.run(
        ["make", "-s", "--no-print-directory", "-o", "setup", "synth", f"CDK_ARGS=-c {context}"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )


def test_a_failed_synth_keeps_the_previous_cdk_out(project: Path) -> None:
    result = make_synth(project, "regions=xx-nowhere-1")
    assert result.returncode != 0
    assert "Configuration error: Region 'xx-nowhere-1'" in result.stderr
    assert "synth failed: cdk.out still holds the previous synth" in result.stderr
    assert (project / "cdk.out" / "previous-synth").read_text() == "the last good assembly\n"
    assert sorted(p.name for p in (project / "cdk.out").iterdir()) == ["previous-synth"]
    assert not (project / "cdk.out.new").exists()


def test_a_successful_synth_replaces_cdk_out(project: Path) -> None:
    result = make_synth(project, "regions=us-east-1")
    assert result.returncode == 0, result.stderr
    out = project / "cdk.out"
    assert not (out / "previous-synth").exists() and not (project / "cdk.out.new").exists()
    assert (out / "manifest.json").exists() and (out / "PrivateBedrock-us-east-1.template.json").exists()
    # The summary read the new assembly (its own region, from cdk.out).
    assert "PrivateBedrock-us-east-1" in result.stdout and "next steps:" in result.stdout
