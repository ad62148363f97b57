"""tools.verify against local stand-ins of CloudFormation, Lambda, S3, EC2, IAM and Route 53
Resolver (real boto3 over HTTP), fed with the us-east-1 template the session synthesized.

What the probes should find comes from the deployed template; a probe whose configuration
differs from it is refused, and policies that drifted are named.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fakes.aws_control_servers import DeployedStack, FakeStackAndLambda  # noqa: E402
from tests.fakes.probe_env import isolate_aws  # noqa: E402
from tools import deployed_template as dt  # noqa: E402
from tools import verify  # noqa: E402

REGION = "us-east-1"
STACK = f"PrivateBedrock-{REGION}"
SERVICES = ("CLOUDFORMATION", "LAMBDA", "S3", "EC2", "IAM", "ROUTE53RESOLVER")


@pytest.fixture
def deployed(templates: dict[str, dict]) -> DeployedStack:
    """What CloudFormation deployed from the session's us-east-1 template (fresh per test)."""
    return DeployedStack.from_template(STACK, REGION, templates[REGION])


def planned(stack: DeployedStack, kind: str) -> dict[str, str]:
    fn = next(f for f in dt.expected_functions(stack.template, _symbols(stack)).values() if f.kind == kind)
    return dt.expected_checks(fn, REGION)


def _symbols(stack: DeployedStack):
    return dt.physical_symbols(stack.template, stack.physical, REGION, "123456789012", STACK)


def report(kind: str, outcomes: dict[str, str], lie: bool = False) -> dict:
    """A probe report whose outcomes are `outcomes`; `lie` makes it claim every check passed."""
    checks = [{"name": n, "endpoint": "https://x", "expected": o if lie else e, "outcome": o, "passed": lie or o == e,
               "detail": "", "latency_ms": 12.5} for n, (e, o) in outcomes.items()]
    return {"passed": all(c["passed"] for c in checks), "region": REGION, "probe_kind": kind, "checks": checks, "skipped": []}


def good_reports(stack: DeployedStack) -> dict:
    return {stack.outputs[out]: report(kind, {n: (e, e) for n, e in planned(stack, kind).items()})
            for kind, out in dt.PROBE_OUTPUTS.items()}


@pytest.fixture
def cli(monkeypatch, tmp_path, capsys):
    def _cli(fake, *args, credentials=True):
        isolate_aws(monkeypatch, tmp_path)
        if credentials:
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDVERIFYTEST000001")
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "verify-test-secret")
        if fake is not None:
            for service in SERVICES:
                monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", fake.url)
        code = verify.main(["--region", REGION, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return _cli


def test_matching_stack_passes_and_reads_only_the_template(cli, deployed) -> None:
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, err = cli(fake)
    assert code == 0, out + err
    assert "vpc probe: " in out and "control probe: " in out and "all checks passed" in out
    assert "runtime_converse_denied_model" in out and "PASS" in out
    assert {"GetTemplate", "ListStackResources", "GetFunctionConfiguration", "GetObject", "DescribeVpcEndpoints",
            "GetPolicyVersion", "GetFirewallConfig"} <= set(fake.calls)
    assert {t for _, _, t in fake.invoked} == {"RequestResponse"} and len(fake.invoked) == 2


def test_json_output_is_the_combined_result(cli, deployed) -> None:
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 0 and result["passed"] is True and result["stack_name"] == STACK
    assert result["refused"] == [] and result["drift"] == []
    assert result["probes"]["control"]["function"] == deployed.outputs["ControlProbeFunctionName"]


def test_a_check_that_missed_its_expectation_exits_one(cli, deployed) -> None:
    reports = good_reports(deployed)
    vpc = deployed.outputs["ProbeFunctionName"]
    outcomes = {n: (e, e) for n, e in planned(deployed, "vpc").items()}
    outcomes["runtime_converse_denied_model"] = ("denied", "allowed")
    reports[vpc] = report("vpc", outcomes)
    with FakeStackAndLambda({STACK: deployed}, reports) as fake:
        code, out, _ = cli(fake)
    assert code == 1 and "FAIL" in out and "verification FAILED" in out


def test_a_lying_probe_is_judged_by_the_template(cli, deployed) -> None:
    """A probe (or a tampered report) claiming 'allowed' was expected is re-judged."""
    reports = good_reports(deployed)
    control = deployed.outputs["ControlProbeFunctionName"]
    outcomes = {n: (e, "allowed") for n, e in planned(deployed, "control").items()}
    reports[control] = report("control", outcomes, lie=True)
    assert reports[control]["passed"] is True
    with FakeStackAndLambda({STACK: deployed}, reports) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 1 and result["probes"]["control"]["report"]["passed"] is False
    assert any("the template says 'denied'" in m for m in result["probes"]["control"]["mismatches"])


def test_a_missing_check_fails(cli, deployed) -> None:
    reports = good_reports(deployed)
    vpc = deployed.outputs["ProbeFunctionName"]
    reports[vpc]["checks"] = [c for c in reports[vpc]["checks"] if c["name"] != "mantle_bearer_token"]
    with FakeStackAndLambda({STACK: deployed}, reports) as fake:
        code, out, _ = cli(fake, "--json")
    assert code == 1
    assert "mantle_bearer_token: planned by the template but not reported by the probe" in json.loads(out)["probes"]["vpc"]["mismatches"]


def test_flipped_expectation_in_the_environment_is_refused(cli, deployed) -> None:
    env = deployed.function_named("ProbeFunctionName")["Environment"]["Variables"]
    env["EXPECT_BEARER"] = "allowed"
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 1 and fake.invoked == [] and result["probes"] == {}
    (line,) = result["refused"]
    assert "EXPECT_BEARER is 'allowed', the template says 'denied'" in line


def test_endpoint_url_override_is_refused(cli, deployed) -> None:
    env = deployed.function_named("ControlProbeFunctionName")["Environment"]["Variables"]
    env["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = "https://fake.example.com"
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake)
    assert code == 1 and fake.invoked == []
    assert "AWS_ENDPOINT_URL_BEDROCK_RUNTIME='https://fake.example.com' redirects the SDK" in out
    assert "The probes were not run" in out


def test_replaced_probe_code_is_refused(cli, deployed) -> None:
    deployed.function_named("ProbeFunctionName")["CodeSha256"] = "bm90IHRoZSBkZXBsb3llZCBjb2Rl"
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    assert code == 1 and fake.invoked == []
    assert "its code (SHA-256 bm90IHRoZSBkZXBsb3llZCBjb2Rl) is not the asset" in json.loads(out)["refused"][0]


def test_tampered_endpoint_policy_is_drift(cli, deployed) -> None:
    vpce = next(v for v, (svc, _) in deployed.endpoint_policies.items() if svc.endswith(".bedrock-runtime"))
    service, document = deployed.endpoint_policies[vpce]
    policy = json.loads(document)
    allow = next(s for s in policy["Statement"] if s["Effect"] == "Allow")
    allow["Principal"] = {"AWS": "*"}
    deployed.endpoint_policies[vpce] = (service, json.dumps(policy))
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 1 and result["passed"] is False
    (line,) = result["drift"]
    assert line.startswith(f"endpoint policy of bedrock-runtime ({vpce}): statement ") and "differs in Principal" in line


def test_tampered_identity_policy_is_drift(cli, deployed) -> None:
    (arn,) = deployed.managed_policies
    doc = copy.deepcopy(deployed.managed_policies[arn])
    doc["Statement"] = [s for s in doc["Statement"] if s["Effect"] != "Deny" or "CallWithBearerToken" not in json.dumps(s)]
    assert doc["Statement"] != deployed.managed_policies[arn]["Statement"]
    deployed.managed_policies[arn] = doc
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake)
    assert code == 1
    assert "drift: identity policy" in out and "is missing from the deployed policy" in out


def test_dns_firewall_failing_open_is_drift(cli, deployed) -> None:
    (vpc,) = deployed.firewall_fail_open
    deployed.firewall_fail_open[vpc] = "ENABLED"
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    assert code == 1
    assert json.loads(out)["drift"] == [f"DNS Firewall of {vpc}: FirewallFailOpen is ENABLED; it must be DISABLED (a query the firewall cannot judge would be answered)"]


def test_a_crashed_probe_exits_one(cli, deployed) -> None:
    reports = good_reports(deployed)
    reports[deployed.outputs["ControlProbeFunctionName"]] = ("unhandled", "Task timed out after 60.00 seconds")
    with FakeStackAndLambda({STACK: deployed}, reports) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 1 and result["passed"] is False
    assert "Task timed out" in result["probes"]["control"]["report"]["error"]


def test_custom_stack_name(cli, templates) -> None:
    other = DeployedStack.from_template("Other", REGION, templates[REGION])
    with FakeStackAndLambda({"Other": other}, good_reports(other)) as fake:
        code, _, err = cli(fake, "--stack-name", "Other")
    assert code == 0, err


def test_missing_stack_is_one_sentence(cli) -> None:
    with FakeStackAndLambda({}, {}) as fake:
        code, out, err = cli(fake)
    assert code == 2 and out == ""
    assert err.strip() == f"Stack {STACK} is not deployed in {REGION}; deploy it first (cdk deploy {STACK})."


def test_no_credentials_is_one_sentence(cli) -> None:
    code, out, err = cli(None, credentials=False)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("No AWS credentials were found")


def test_module_entry_point_prints_no_traceback(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
               AWS_EC2_METADATA_DISABLED="true")
    proc = subprocess.run([sys.executable, "-m", "tools.verify", "--region", "eu-west-1"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("No AWS credentials were found")
