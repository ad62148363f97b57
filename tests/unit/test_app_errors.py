"""Bad input through the real CLI: non-zero exit, one sentence per problem, no jsii stack trace."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import cdk_synth

# (the -c arguments, the start of each "Configuration error:" line, in order)
CASES = [
    (("regions=us-east-1,mars-1",), ("Configuration error: Region 'mars-1' has no Amazon Bedrock PrivateLink endpoints known to this app; use one of:",)),
    (("regionz=us-east-1",), ("Configuration error: Unknown context key 'regionz' (did you mean 'regions'?); rename it, or remove it.",)),
    (
        ('fence={"enabled": true, "managementAccount": "999988887777", "targets": ["ou-ab12-cdef3456"], '
         '"breakGlassPrincipalArns": ["arn:aws:iam::999988887777:role/BreakGlass"]}',),
        ("Configuration error: fence.enabled is true but the endpoint id of us-east-1/bedrock is unknown (6 missing); deploy the regional stacks, then run `make fence-ids`",),
    ),
    # Three independent mistakes: all three in one run, one line each.
    (
        ("regions=us-east-1", "azCount=7", "endpointPolicy=open", "alarmEmails=security"),
        (
            "Configuration error: azCount 7 is out of range; use 1, 2 or 3.",
            "Configuration error: endpointPolicy 'open' is not supported; use one of: allow, deny.",
            "Configuration error: alarmEmails entry 'security' is not an email address",
        ),
    ),
]


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], tuple[Path, subprocess.CompletedProcess[str]]]:
    """context -> (output folder, the CLI's result): the runs at once (each is mostly start-up)."""
    outdirs = {context: tmp_path_factory.mktemp("bad-input") / "cdk.out" for context, _ in CASES}
    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        results = dict(zip(outdirs, pool.map(lambda c: cdk_synth(outdirs[c], *c), outdirs)))
    return {context: (outdirs[context], results[context]) for context in outdirs}


@pytest.mark.parametrize(("context", "sentences"), CASES)
def test_cli_synth_fails_with_one_sentence_per_problem(cli_runs, context: tuple[str, ...], sentences: tuple[str, ...]) -> None:
    outdir, result = cli_runs[context]
    assert result.returncode != 0
    output = result.stdout + result.stderr
    error_lines = [line for line in output.splitlines() if line.startswith("Configuration error:")]
    assert len(error_lines) == len(sentences), error_lines
    assert all(line.startswith(sentence) for line, sentence in zip(error_lines, sentences)), error_lines
    assert "Traceback" not in output and "jsii" not in output.lower()
    assert not list(outdir.glob("*.template.json"))
