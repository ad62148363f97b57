"""tools.verify against a local CloudFormation + Lambda stand-in (real boto3 over HTTP)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fakes.aws_control_servers import FakeStackAndLambda  # noqa: E402
from tests.fakes.probe_env import isolate_aws  # noqa: E402
from tools import verify  # noqa: E402

STACK = "PrivateBedrock-us-east-1"
OUTPUTS = {"ProbeFunctionName": "probe-vpc", "ControlProbeFunctionName": "probe-control", "VpcId": "vpc-1"}


def check(name, expected, outcome, detail=""):
    return {"name": name, "endpoint": "https://bedrock-runtime.us-east-1.amazonaws.com", "expected": expected,
            "outcome": outcome, "passed": expected == outcome, "detail": detail, "latency_ms": 12.5}


def recorded(kind, *checks):
    return {"passed": all(c["passed"] for c in checks), "region": "us-east-1", "probe_kind": kind,
            "checks": list(checks), "skipped": []}


GOOD_VPC = recorded("vpc", check("runtime_converse_allowed_model", "allowed", "allowed"),
                    check("runtime_converse_denied_model", "denied", "denied",
                          "denied_by: VPC endpoint policy (no allow); HTTP 403 AccessDeniedException: ..."))
GOOD_CONTROL = recorded("control", check("runtime_converse_allowed_model", "denied", "denied"))
BAD_VPC = recorded("vpc", check("mantle_chat_denied_model", "denied", "allowed", "openai.gpt-oss-120b: chat ok"))


@pytest.fixture
def cli(monkeypatch, tmp_path, capsys):
    def _cli(fake, *args, credentials=True):
        isolate_aws(monkeypatch, tmp_path)
        if credentials:
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDVERIFYTEST000001")
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "verify-test-secret")
        if fake is not None:
            monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", fake.url)
            monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", fake.url)
        code = verify.main(["--region", "us-east-1", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return _cli


def test_passing_probes_exit_zero_and_show_tables(cli):
    with FakeStackAndLambda({STACK: OUTPUTS}, {"probe-vpc": GOOD_VPC, "probe-control": GOOD_CONTROL}) as fake:
        code, out, err = cli(fake)
    assert code == 0, err
    assert "vpc probe: probe-vpc" in out and "control probe: probe-control" in out
    assert "runtime_converse_denied_model" in out and "PASS" in out and "all checks passed" in out
    assert sorted(f for f, _, _ in fake.invoked) == ["probe-control", "probe-vpc"]
    assert {t for _, _, t in fake.invoked} == {"RequestResponse"}


def test_json_output_is_the_combined_result(cli):
    with FakeStackAndLambda({STACK: OUTPUTS}, {"probe-vpc": GOOD_VPC, "probe-control": GOOD_CONTROL}) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 0 and result["passed"] is True and result["stack_name"] == STACK
    assert result["probes"]["vpc"]["report"] == GOOD_VPC
    assert result["probes"]["control"]["function"] == "probe-control"


def test_a_failing_check_exits_one(cli):
    with FakeStackAndLambda({STACK: OUTPUTS}, {"probe-vpc": BAD_VPC, "probe-control": GOOD_CONTROL}) as fake:
        code, out, _ = cli(fake)
    assert code == 1
    assert "FAIL" in out and "verification FAILED" in out


def test_a_crashed_probe_exits_one(cli):
    functions = {"probe-vpc": GOOD_VPC, "probe-control": ("unhandled", "Task timed out after 60.00 seconds")}
    with FakeStackAndLambda({STACK: OUTPUTS}, functions) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 1 and result["passed"] is False
    assert "Task timed out" in result["probes"]["control"]["report"]["error"]


def test_custom_stack_name(cli):
    with FakeStackAndLambda({"Other": OUTPUTS}, {"probe-vpc": GOOD_VPC, "probe-control": GOOD_CONTROL}) as fake:
        code, _, err = cli(fake, "--stack-name", "Other")
    assert code == 0, err


def test_missing_stack_is_one_sentence(cli):
    with FakeStackAndLambda({}, {}) as fake:
        code, out, err = cli(fake)
    assert code == 2 and out == ""
    assert err.strip() == f"Stack {STACK} is not deployed in us-east-1; deploy it first (cdk deploy {STACK})."


def test_no_credentials_is_one_sentence(cli):
    code, out, err = cli(None, credentials=False)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("No AWS credentials were found")


def test_module_entry_point_prints_no_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
               AWS_EC2_METADATA_DISABLED="true")
    proc = subprocess.run([sys.executable, "-m", "tools.verify", "--region", "eu-west-1"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("No AWS credentials were found")
