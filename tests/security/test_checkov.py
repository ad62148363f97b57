"""checkov on the session's synthesized templates: no failed check, every skip explained.

Exceptions are written once in code (stacks/security/nag.py) for cdk-nag and checkov alike; here
checkov itself reads them from each resource's Metadata.checkov.skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_REGIONS, ROOT


def checkov_binary() -> Path | None:
    """checkov's own virtualenv (make setup), here or next to the shared .venv, or PATH."""
    candidates = [os.environ.get("CHECKOV", ""), ROOT / ".venv-checkov/bin/checkov",
                  (ROOT / ".venv").resolve().parent / ".venv-checkov/bin/checkov", shutil.which("checkov") or ""]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


@pytest.fixture(scope="session")
def checkov_results(cdk_out: Path) -> list[dict]:
    binary = checkov_binary()
    if binary is None:
        if os.environ.get("REQUIRE_CHECKOV"):
            pytest.fail("checkov is not installed; run `make setup` (it creates .venv-checkov).")
        pytest.skip("checkov is not installed here (make setup creates .venv-checkov; make test requires it)")
    files = [str(cdk_out / f"PrivateBedrock-{r}.template.json") for r in DEFAULT_REGIONS]
    args = [str(binary), "--framework", "cloudformation", "--compact", "--skip-download", "-o", "json"]
    for f in files:
        args += ["-f", f]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"})
    assert proc.stdout.strip(), f"checkov printed nothing (exit {proc.returncode}): {proc.stderr[-2000:]}"
    out = json.loads(proc.stdout)
    return out if isinstance(out, list) else [out]


def test_checkov_finds_nothing_unexplained(checkov_results: list[dict]) -> None:
    failed = [f"{c['check_id']} {c['resource']} ({c['check_name']})" for r in checkov_results for c in r["results"].get("failed_checks", [])]
    assert not failed, "checkov findings:\n" + "\n".join(failed)


def test_checkov_ran_its_checks_on_every_template(checkov_results: list[dict]) -> None:
    (report,) = [r for r in checkov_results if r.get("check_type") == "cloudformation"]
    summary = report["summary"]
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 50  # the templates were really scanned
    files = {c["file_path"].rsplit("/", 1)[-1] for c in report["results"]["passed_checks"]}
    assert files == {f"PrivateBedrock-{r}.template.json" for r in DEFAULT_REGIONS}


def test_every_checkov_skip_carries_its_reason(checkov_results: list[dict], templates: dict[str, dict]) -> None:
    skipped = [c for r in checkov_results for c in r["results"].get("skipped_checks", [])]
    assert skipped, "the known exceptions (probe concurrency, DLQ, control outside the VPC) are skips"
    for c in skipped:
        assert len(c["check_result"].get("suppress_comment", "")) > 30, c["check_id"]
    # And each skip in the templates names a real check id with a sentence.
    for t in templates.values():
        for lid, r in t["Resources"].items():
            for skip in r.get("Metadata", {}).get("checkov", {}).get("skip", []):
                assert skip["id"].startswith("CKV_") and skip["comment"].endswith("."), lid
