"""tools.fleet_verify against a local fleet (real botocore over HTTP on 127.0.0.1): STS
AssumeRole and ListStackInstances for the administrator, and each member account's stack
served from the StackSet's own synthesized member template (tests/fakes/fleet_servers.py).

Accounts: one whose probes pass, one whose in-VPC probe misses one expectation, one whose
verifier role refuses the caller.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import FLEET_ADMIN
from tests.fakes.aws_control_servers import DeployedStack, FakeStackAndLambda
from tests.fakes.fleet_servers import FakeFleet, FleetInstance
from tests.fakes.probe_env import isolate_aws
from tools import deployed_template as dt
from tools import fleet_verify

REGION = "us-east-1"
GOOD, FAILING, DENIED, TOKYO_GOOD = "111111111111", "222222222222", "333333333333", "444444444444"
ADMIN_KEY = "AKIDFLEETADMIN000001"
SERVICES = ("STS", "CLOUDFORMATION", "LAMBDA", "S3", "EC2", "IAM", "ROUTE53RESOLVER")


def stack_name(region: str, account: str) -> str:
    return f"StackSet-PrivateBedrock-{region}-{account[:4]}-0a1b2c3d"


def deployed(fleet_assembly, account: str, region: str = REGION) -> DeployedStack:
    return DeployedStack.from_template(stack_name(region, account), region, fleet_assembly[f"Member-{region}"], account)


def reports(stack: DeployedStack, wrong: str | None = None) -> dict:
    """Function name -> the report its probe returns; `wrong` names one in-VPC check that
    gets the opposite of what the template expects."""
    symbols = dt.physical_symbols(stack.template, stack.physical, stack.region, stack.account, stack.name)
    out = {}
    for fn in dt.expected_functions(stack.template, symbols).values():
        checks = []
        for name, expected in dt.expected_checks(fn, stack.region).items():
            outcome = ("denied" if expected == "allowed" else "allowed") if (fn.kind == "vpc" and name == wrong) else expected
            checks.append({"name": name, "endpoint": "https://x", "expected": expected, "outcome": outcome,
                           "passed": outcome == expected, "detail": "", "latency_ms": 3.0})
        out[fn.name] = {"passed": all(c["passed"] for c in checks), "region": stack.region, "probe_kind": fn.kind, "checks": checks, "skipped": []}
    return out


def member(stack: DeployedStack, wrong: str | None = None) -> FakeStackAndLambda:
    return FakeStackAndLambda({stack.name: stack}, reports(stack, wrong))


@pytest.fixture
def run(monkeypatch, tmp_path, capsys):
    """Run the CLI as the administrator against `fleet` (every service's URL is the fleet's)."""

    def _run(fleet: FakeFleet, *args: str) -> tuple[int, str, str]:
        isolate_aws(monkeypatch, tmp_path)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", ADMIN_KEY)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fleet-admin-secret")
        for service in SERVICES:
            monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", fleet.url)
        members = list(fleet.members.values())
        for m in members:
            m.__enter__()
        try:
            with fleet:
                code = fleet_verify.main(list(args))
        finally:
            for m in members:
                m.__exit__(None, None, None)
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture
def wrong_check(fleet_assembly) -> str:
    stack = deployed(fleet_assembly, FAILING)
    symbols = dt.physical_symbols(stack.template, stack.physical, REGION, FAILING, stack.name)
    vpc = next(f for f in dt.expected_functions(stack.template, symbols).values() if f.kind == "vpc")
    return sorted(dt.expected_checks(vpc, REGION))[0]


@pytest.fixture
def three_accounts(fleet_assembly, wrong_check) -> FakeFleet:
    stacks = {a: deployed(fleet_assembly, a) for a in (GOOD, FAILING, DENIED)}
    members = {GOOD: member(stacks[GOOD]), FAILING: member(stacks[FAILING], wrong_check), DENIED: member(stacks[DENIED])}
    instances = [FleetInstance(f"PrivateBedrock-{REGION}", a, REGION, s.name) for a, s in stacks.items()]
    return FakeFleet(ADMIN_KEY, members, denied={DENIED}, instances=instances)


def inventory(tmp_path, fleet: FakeFleet) -> str:
    """What `aws cloudformation list-stack-instances` writes for the fleet's instances."""
    path = tmp_path / "instances.json"
    path.write_text(json.dumps({"Summaries": [
        {"StackSetId": f"{i.stack_set}:1", "Account": i.account, "Region": i.region, "Status": i.status,
         "StackId": f"arn:aws:cloudformation:{i.region}:{i.account}:stack/{i.stack_name}/1"} for i in fleet.instances
    ]}))
    return str(path)


def test_one_failing_and_one_unreachable_account_exit_one_with_a_table(run, tmp_path, three_accounts, wrong_check) -> None:
    code, out, err = run(three_accounts, "--fleet", inventory(tmp_path, three_accounts))
    assert code == 1, out + err
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 4 and line.split("│")[1].strip().isdigit()}
    assert set(lines) == {GOOD, FAILING, DENIED}
    assert "PASS" in lines[GOOD] and "FAIL" in lines[FAILING] and "NOT VERIFIED" in lines[DENIED]
    text = " ".join(out.split())
    assert f"vpc probe: {wrong_check}:" in text and "AccessDenied" in text
    assert "3 stack instance(s): 1 passed, 1 failed, 1 not verified" in text
    # Every account's own verifier role was assumed with the administrator's credentials.
    assert sorted(arn for _, arn, _ in three_accounts.assumed) == [
        f"arn:aws:iam::{a}:role/PrivateBedrockFleetVerifier-{REGION}" for a in (GOOD, FAILING, DENIED)
    ]
    # The two reachable accounts' probes were each invoked once, with that account's keys.
    for account in (GOOD, FAILING):
        assert len(three_accounts.members[account].invoked) == 2
    assert three_accounts.members[DENIED].invoked == []


def test_json_for_pipelines(run, tmp_path, three_accounts, wrong_check) -> None:
    code, out, _ = run(three_accounts, "--fleet", inventory(tmp_path, three_accounts), "--json")
    result = json.loads(out)
    assert code == 1 and result["passed"] is False
    assert result["counts"] == {"passed": 1, "failed": 1, "unverified": 1}
    by_account = {r["account"]: r for r in result["instances"]}
    assert {k: r["status"] for k, r in by_account.items()} == {GOOD: "passed", FAILING: "failed", DENIED: "unverified"}
    assert by_account[FAILING]["failures"] == [f"vpc probe: {wrong_check}: 'denied', the template expects 'allowed'"] or \
        by_account[FAILING]["failures"] == [f"vpc probe: {wrong_check}: 'allowed', the template expects 'denied'"]
    assert by_account[GOOD]["result"]["stack_name"] == stack_name(REGION, GOOD) and by_account[GOOD]["failures"] == []
    assert by_account[DENIED]["result"] is None and "cannot assume arn:aws:iam::333333333333:role/PrivateBedrockFleetVerifier-us-east-1" in by_account[DENIED]["error"]
    assert set(by_account[GOOD]) == {"account", "region", "stack_name", "status", "role", "failures", "error", "result"}


def test_a_fleet_that_passes_exits_zero_and_is_discovered_from_the_stack_sets(run, fleet_assembly, fleet_out) -> None:
    """--fleet cdk.out: the StackSets of the fleet synth are asked for their instances, as the
    configured delegated administrator, in both regions."""
    stacks = {(GOOD, REGION): deployed(fleet_assembly, GOOD), (TOKYO_GOOD, "ap-northeast-1"): deployed(fleet_assembly, TOKYO_GOOD, "ap-northeast-1")}
    members = {a: member(s) for (a, _), s in stacks.items()}
    instances = [FleetInstance(f"PrivateBedrock-{r}", a, r, s.name) for (a, r), s in stacks.items()]
    fleet = FakeFleet(ADMIN_KEY, members, instances=instances)
    code, out, err = run(fleet, "--fleet", str(fleet_out))
    assert code == 0, out + err
    assert "2 stack instance(s): 2 passed, 0 failed, 0 not verified" in " ".join(out.split())
    assert [(f["StackSetName"], f["CallAs"]) for f in fleet.listed] == [("PrivateBedrock-ap-northeast-1", "DELEGATED_ADMIN"), ("PrivateBedrock-us-east-1", "DELEGATED_ADMIN")]
    assert {arn for _, arn, _ in fleet.assumed} == {
        f"arn:aws:iam::{GOOD}:role/PrivateBedrockFleetVerifier-us-east-1", f"arn:aws:iam::{TOKYO_GOOD}:role/PrivateBedrockFleetVerifier-ap-northeast-1",
    }


def test_nothing_verifiable_exits_two(run, tmp_path, fleet_assembly) -> None:
    stack = deployed(fleet_assembly, DENIED)
    fleet = FakeFleet(ADMIN_KEY, {DENIED: member(stack)}, denied={DENIED}, instances=[FleetInstance(f"PrivateBedrock-{REGION}", DENIED, REGION, stack.name)])
    code, out, _ = run(fleet, "--fleet", inventory(tmp_path, fleet), "--json")
    assert code == 2 and json.loads(out)["counts"] == {"passed": 0, "failed": 0, "unverified": 1}


def test_an_outdated_instance_fails_even_when_its_probes_pass(run, tmp_path, fleet_assembly) -> None:
    stack = deployed(fleet_assembly, GOOD)
    fleet = FakeFleet(ADMIN_KEY, {GOOD: member(stack)}, instances=[FleetInstance(f"PrivateBedrock-{REGION}", GOOD, REGION, stack.name, "OUTDATED")])
    code, out, _ = run(fleet, "--fleet", inventory(tmp_path, fleet), "--json")
    (row,) = json.loads(out)["instances"]
    assert code == 1 and row["status"] == "failed" and row["failures"] == ["StackSet instance status is OUTDATED, not CURRENT"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", r"is not a readable JSON file"),
        ('{"Summaries": [{"Region": "us-east-1"}]}', r"has no list of stack instances \(objects with Account, Region and StackId"),
        ('{"Summaries": []}', r"No stack instances in .*: the StackSets have not deployed to any account yet\."),
    ],
)
def test_a_bad_inventory_is_one_sentence_and_exit_two(run, tmp_path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, out, err = run(FakeFleet(ADMIN_KEY, {}), "--fleet", str(path))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    import re

    assert re.search(message, err)


def test_an_assembly_without_a_fleet_stack_is_refused(run, tmp_path) -> None:
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    (assembly / "manifest.json").write_text(json.dumps({"version": "48.0.0", "artifacts": {}}))
    code, _, err = run(FakeFleet(ADMIN_KEY, {}), "--fleet", str(assembly))
    assert code == 2 and "has no PrivateBedrockFleet stack" in err
