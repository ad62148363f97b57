"""Bad input through the real CLI: non-zero exit, one sentence, no jsii stack trace."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import cdk_synth

CASES = [
    ("regions=us-east-1,mars-1", "Configuration error: Region 'mars-1' has no Amazon Bedrock PrivateLink endpoints known to this app; use one of:"),
    ("regionz=us-east-1", "Configuration error: Unknown context key 'regionz'; accepted keys are:"),
    (
        'fence={"enabled": true, "managementAccount": "999988887777", "targets": ["ou-ab12-cdef3456"], '
        '"breakGlassPrincipalArns": ["arn:aws:iam::999988887777:role/BreakGlass"]}',
        "Configuration error: fence.enabled is true but the endpoint id of us-east-1/bedrock is unknown (6 missing); deploy the regional stacks, then run `make fence-ids`",
    ),
]


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    """context -> (output folder, the CLI's result): the runs at once (each is mostly start-up)."""
    outdirs = {context: tmp_path_factory.mktemp("bad-input") / "cdk.out" for context, _ in CASES}
    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        results = dict(zip(outdirs, pool.map(lambda c: cdk_synth(outdirs[c], c), outdirs)))
    return {context: (outdirs[context], results[context]) for context in outdirs}


@pytest.mark.parametrize(("context", "sentence"), CASES)
def test_cli_synth_fails_with_one_sentence(cli_runs, context: str, sentence: str) -> None:
    outdir, result = cli_runs[context]
    assert result.returncode != 0
    output = result.stdout + result.stderr
    error_lines = [line for line in output.splitlines() if line.startswith("Configuration error:")]
    assert len(error_lines) == 1 and error_lines[0].startswith(sentence)
    assert "Traceback" not in output and "jsii" not in output.lower()
    assert not list(outdir.glob("*.template.json"))
