"""Bad input through the real CLI: non-zero exit, one sentence, no jsii stack trace."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import cdk_synth


@pytest.mark.parametrize(
    ("context", "sentence"),
    [
        ("regions=us-east-1,mars-1", "Configuration error: Region 'mars-1' has no Amazon Bedrock PrivateLink endpoints known to this app; use one of:"),
        ("regionz=us-east-1", "Configuration error: Unknown context key 'regionz'; accepted keys are:"),
        (
            'fence={"enabled": true, "managementAccount": "999988887777", "targets": ["ou-ab12-cdef3456"], '
            '"breakGlassPrincipalArns": ["arn:aws:iam::999988887777:role/BreakGlass"]}',
            "Configuration error: fence.enabled is true but the endpoint id of us-east-1/bedrock is unknown (6 missing); deploy the regional stacks, then run `make fence-ids`",
        ),
    ],
)
def test_cli_synth_fails_with_one_sentence(tmp_path: Path, context: str, sentence: str) -> None:
    result = cdk_synth(tmp_path, context)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    error_lines = [line for line in output.splitlines() if line.startswith("Configuration error:")]
    assert len(error_lines) == 1 and error_lines[0].startswith(sentence)
    assert "Traceback" not in output and "jsii" not in output.lower()
    assert not list(tmp_path.glob("*.template.json"))
