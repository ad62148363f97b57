"""`private-bedrock COMMAND` / `python -m private_bedrock COMMAND` (private_bedrock/cli.py): every
command reaches its tool with the rest of the arguments, and the tool's exit status is the command's.

Each command is driven to a failure its tool reports without AWS or a synth (a missing folder, a
flag out of range, no credentials), so the test fails if the dispatch reached the wrong tool or
dropped an argument. The tools themselves are tested in test_verify_cli.py, test_fleet_verify_cli.py,
test_lookup.py, test_fence_ids.py, test_mutation_summary.py and tests/security/test_prove_command.py.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from private_bedrock.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials anywhere, so an AWS tool stops at its credentials sentence."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exit:  # argparse: --help, a usage error
        status = exit.code if isinstance(exit.code, int) else 1
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_module_help_lists_every_command() -> None:
    proc = subprocess.run([sys.executable, "-m", "private_bedrock", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith("usage: private-bedrock ")
    listed = [line.split()[0] for line in proc.stdout.split("commands:\n", 1)[1].splitlines() if line.startswith("  ")]
    assert listed == ["synth-report", "prove", "verify", "lookup", "fence-ids", "mutation-summary"] == list(COMMANDS)


def test_the_module_runs_a_command_and_exits_with_its_status(tmp_path: Path) -> None:
    """`python -m private_bedrock` (private_bedrock/__main__.py) passes the tool's exit status on."""
    proc = subprocess.run([sys.executable, "-m", "private_bedrock", "prove", str(tmp_path / "nowhere")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"No cloud assembly in {tmp_path / 'nowhere'} (no manifest.json); run `make synth` first.\n"


def test_no_command_or_an_unknown_one_is_a_usage_error(capsys) -> None:
    status, out, err = run(capsys)
    assert (status, out) == (2, "") and "name a COMMAND (synth-report, prove, verify, lookup, fence-ids, mutation-summary)" in err
    status, out, err = run(capsys, "synthesize")
    assert (status, out) == (2, "") and "invalid choice: 'synthesize'" in err


def test_synth_report_reaches_the_summary_with_its_folder(capsys, tmp_path: Path) -> None:
    status, out, err = run(capsys, "synth-report", str(tmp_path))
    assert (status, out, err) == (1, "", f"No cloud assembly in {tmp_path} (no manifest.json); run `make synth` first.\n")


def test_prove_reaches_the_matrix_with_its_folder(capsys, tmp_path: Path) -> None:
    status, out, err = run(capsys, "prove", str(tmp_path / "nowhere"))
    assert (status, out, err) == (2, "", f"No cloud assembly in {tmp_path / 'nowhere'} (no manifest.json); run `make synth` first.\n")


@pytest.mark.parametrize("command", ["prove", "verify", "lookup", "fence-ids"])
def test_a_commands_help_is_its_tools_own(capsys, command: str) -> None:
    status, out, _ = run(capsys, command, "--help")
    assert status == 0 and out.startswith(f"usage: private-bedrock {command} ")


def test_verify_with_a_region_is_the_regional_verifier(capsys, no_aws) -> None:
    status, out, err = run(capsys, "verify", "--region", "eu-west-1", "--against-deployed")
    assert (status, out) == (2, "") and err.startswith("No AWS credentials were found") and err.count("\n") == 1


@pytest.mark.parametrize("fleet", [["--fleet", "instances.json"], ["--fleet=instances.json"]])
def test_verify_with_a_fleet_is_the_fleet_verifier(capsys, fleet: list[str]) -> None:
    # Only the fleet verifier has --workers; it refuses 0 before it reads the file.
    status, out, err = run(capsys, "verify", *fleet, "--workers", "0")
    assert (status, out, err) == (2, "", "--workers 0 is out of range; use 1 to 256.\n")


def test_lookup_reaches_the_account_lookup(capsys, no_aws, tmp_path: Path) -> None:
    status, out, err = run(capsys, "lookup", "--app-dir", str(tmp_path))
    assert (status, out) == (2, "") and err.startswith("Lookup error: No AWS credentials found")


def test_fence_ids_reads_the_app_in_the_current_folder(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "fence-ids", "--dry-run")
    assert (status, out) == (2, "")
    assert err == f"make fence-ids: no cdk.json in {tmp_path}; run the command in the CDK app's folder (where cdk.json is).\n"


def test_mutation_summary_reads_stdin_and_takes_no_arguments(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("private_bedrock.policies.scp.x__mutmut_1: survived\n"))
    status, out, _ = run(capsys, "mutation-summary")
    assert status == 1 and "not killed: private_bedrock.policies.scp.x__mutmut_1: survived" in out
    status, out, err = run(capsys, "mutation-summary", "extra")
    assert (status, out) == (2, "") and "mutation-summary takes no arguments (it reads stdin), got extra" in err
