"""private_bedrock.tools.verify.fleet against a local fleet (real botocore over HTTP on 127.0.0.1): STS
AssumeRole and ListStackInstances for the administrator, and each member account's stack
served from the StackSet's own synthesized member template (tests/fakes/fleet_servers.py).

Accounts: one whose probes pass, one whose in-VPC probe misses one expectation, one whose
verifier role refuses the caller; and the fleet's ways of going wrong at scale: throttling,
a slow account, an interrupted run, a drifted or hand-edited instance.
"""

from __future__ import annotations

import copy
import io
import json
import re
import sys

import pytest

from tests.fakes.aws_control_servers import DeployedStack, FakeStackAndLambda
from tests.fakes.fleet_servers import FakeFleet, FleetInstance
from tests.fakes.probe_env import isolate_aws
from private_bedrock.tools.verify import deployed_template as dt
from private_bedrock.tools.verify import fleet as fleet_verify

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
    """Run the CLI as the administrator against `fleet` (every service's URL is the fleet's);
    the results file goes to the test's own folder. The fakes serve until the test ends, so
    a test may run the CLI again on the same fleet."""
    started: list = []

    def _run(fleet: FakeFleet, *args: str, stderr=None) -> tuple[int, str, str]:
        isolate_aws(monkeypatch, tmp_path)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", ADMIN_KEY)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fleet-admin-secret")
        for service in SERVICES:
            monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", fleet.url)
        if stderr is not None:
            monkeypatch.setattr(sys, "stderr", stderr)
        for fake in [*fleet.members.values(), fleet]:
            if not any(fake is s for s in started):
                fake.__enter__()
                started.append(fake)
        code = fleet_verify.main([*args, "--results", str(tmp_path / "results.jsonl")])
        out, err = capsys.readouterr()
        return code, out, err

    yield _run
    for fake in reversed(started):
        fake.__exit__(None, None, None)


@pytest.fixture
def wrong_check(fleet_assembly) -> str:
    stack = deployed(fleet_assembly, FAILING)
    symbols = dt.physical_symbols(stack.template, stack.physical, REGION, FAILING, stack.name)
    vpc = next(f for f in dt.expected_functions(stack.template, symbols).values() if f.kind == "vpc")
    return sorted(dt.expected_checks(vpc, REGION))[0]


def stack_sets(fleet_assembly, *regions: str) -> dict[str, dict]:
    """StackSet name -> the template it delivers (DescribeStackSet's TemplateBody)."""
    return {f"PrivateBedrock-{r}": fleet_assembly[f"Member-{r}"] for r in (regions or (REGION,))}


def a_fleet(fleet_assembly, accounts: dict[str, FakeStackAndLambda], stacks: dict[str, DeployedStack], **kw) -> FakeFleet:
    instances = [FleetInstance(f"PrivateBedrock-{REGION}", a, REGION, s.name) for a, s in stacks.items()]
    return FakeFleet(ADMIN_KEY, accounts, instances=instances, templates=stack_sets(fleet_assembly), **kw)


@pytest.fixture
def three_accounts(fleet_assembly, wrong_check) -> FakeFleet:
    stacks = {a: deployed(fleet_assembly, a) for a in (GOOD, FAILING, DENIED)}
    members = {GOOD: member(stacks[GOOD]), FAILING: member(stacks[FAILING], wrong_check), DENIED: member(stacks[DENIED])}
    return a_fleet(fleet_assembly, members, stacks, denied={DENIED})


def good_accounts(fleet_assembly, *accounts: str, **kw) -> FakeFleet:
    stacks = {a: deployed(fleet_assembly, a) for a in accounts}
    return a_fleet(fleet_assembly, {a: member(s) for a, s in stacks.items()}, stacks, **kw)


def inventory(tmp_path, fleet: FakeFleet) -> list[str]:
    """--fleet with what `aws cloudformation list-stack-instances` writes for the fleet's
    instances, and the StackSets' region."""
    path = tmp_path / "instances.json"
    path.write_text(json.dumps({"Summaries": [
        {"StackSetId": f"{i.stack_set}:1", "Account": i.account, "Region": i.region, "Status": i.status,
         "StackId": f"arn:aws:cloudformation:{i.region}:{i.account}:stack/{i.stack_name}/1"} for i in fleet.instances
    ]}))
    return ["--fleet", str(path), "--home-region", REGION]


def rows_of(out: str) -> dict[str, str]:
    return {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 4 and line.split("│")[1].strip().isdigit()}


def test_one_failing_and_one_unreachable_account_exit_one_with_a_table(run, tmp_path, three_accounts, wrong_check) -> None:
    code, out, err = run(three_accounts, *inventory(tmp_path, three_accounts), "--all")
    assert code == 1, out + err
    lines = rows_of(out)
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
    # No progress bar when stderr is not a terminal.
    assert err == ""


def test_the_table_lists_only_what_did_not_pass_unless_asked(run, tmp_path, three_accounts) -> None:
    code, out, _ = run(three_accounts, *inventory(tmp_path, three_accounts))
    assert code == 1 and set(rows_of(out)) == {FAILING, DENIED}
    assert re.search(r"PrivateBedrock-us-east-1 │ [0-9a-f]{12} │ IN_SYNC\s+│ 3\s+│ 1\s+│ 1\s+│ 1", out), out


def test_json_for_pipelines(run, tmp_path, three_accounts, wrong_check) -> None:
    code, out, _ = run(three_accounts, *inventory(tmp_path, three_accounts), "--json")
    result = json.loads(out)
    assert code == 1 and result["passed"] is False
    assert result["counts"] == {"passed": 1, "failed": 1, "unverified": 1}
    by_account = {r["account"]: r for r in result["instances"]}
    assert {k: r["status"] for k, r in by_account.items()} == {GOOD: "passed", FAILING: "failed", DENIED: "unverified"}
    assert by_account[FAILING]["failures"] == [f"vpc probe: {wrong_check}: 'denied', the template expects 'allowed'"] or \
        by_account[FAILING]["failures"] == [f"vpc probe: {wrong_check}: 'allowed', the template expects 'denied'"]
    assert by_account[GOOD]["result"]["stack_name"] == stack_name(REGION, GOOD) and by_account[GOOD]["failures"] == []
    assert by_account[GOOD]["drift_status"] == "IN_SYNC"
    assert by_account[DENIED]["result"] is None and "cannot assume arn:aws:iam::333333333333:role/PrivateBedrockFleetVerifier-us-east-1" in by_account[DENIED]["error"]
    assert set(by_account[GOOD]) == {"account", "region", "stack_name", "stack_set", "instance_status", "status", "role", "failures", "error",
                                     "result", "template_sha256", "verified_at", "seconds", "drift_status"}
    (stack_set,) = result["stack_sets"]
    assert stack_set["name"] == f"PrivateBedrock-{REGION}" and stack_set["drift_status"] == "IN_SYNC" and stack_set["error"] is None


def test_a_fleet_that_passes_exits_zero_and_is_discovered_from_the_stack_sets(run, fleet_assembly, fleet_out) -> None:
    """--fleet cdk.out: the StackSets of the fleet synth are asked for their instances, as the
    configured delegated administrator, in both regions, and each is checked for drift."""
    stacks = {(GOOD, REGION): deployed(fleet_assembly, GOOD), (TOKYO_GOOD, "ap-northeast-1"): deployed(fleet_assembly, TOKYO_GOOD, "ap-northeast-1")}
    members = {a: member(s) for (a, _), s in stacks.items()}
    instances = [FleetInstance(f"PrivateBedrock-{r}", a, r, s.name) for (a, r), s in stacks.items()]
    fleet = FakeFleet(ADMIN_KEY, members, instances=instances, templates=stack_sets(fleet_assembly, REGION, "ap-northeast-1"))
    code, out, err = run(fleet, "--fleet", str(fleet_out))
    assert code == 0, out + err
    assert "2 stack instance(s): 2 passed, 0 failed, 0 not verified" in " ".join(out.split())
    assert [(f["StackSetName"], f["CallAs"]) for f in fleet.listed][:2] == [("PrivateBedrock-ap-northeast-1", "DELEGATED_ADMIN"), ("PrivateBedrock-us-east-1", "DELEGATED_ADMIN")]
    assert sorted((f["StackSetName"], f["CallAs"], f["OperationPreferences.MaxConcurrentPercentage"], f["OperationPreferences.FailureTolerancePercentage"])
                  for f in fleet.detections) == [("PrivateBedrock-ap-northeast-1", "DELEGATED_ADMIN", "100", "100"), ("PrivateBedrock-us-east-1", "DELEGATED_ADMIN", "100", "100")]
    assert {arn for _, arn, _ in fleet.assumed} == {
        f"arn:aws:iam::{GOOD}:role/PrivateBedrockFleetVerifier-us-east-1", f"arn:aws:iam::{TOKYO_GOOD}:role/PrivateBedrockFleetVerifier-ap-northeast-1",
    }


def test_nothing_verifiable_exits_two(run, tmp_path, fleet_assembly) -> None:
    fleet = good_accounts(fleet_assembly, DENIED, denied={DENIED})
    code, out, _ = run(fleet, *inventory(tmp_path, fleet), "--json")
    assert code == 2 and json.loads(out)["counts"] == {"passed": 0, "failed": 0, "unverified": 1}


def test_an_unreachable_account_without_failures_exits_three(run, tmp_path, fleet_assembly) -> None:
    """A pipeline can tell "something is wrong in an account" (1) from "an account could not
    be checked" (3)."""
    fleet = good_accounts(fleet_assembly, GOOD, DENIED, denied={DENIED})
    code, out, _ = run(fleet, *inventory(tmp_path, fleet), "--json")
    assert code == 3 and json.loads(out)["counts"] == {"passed": 1, "failed": 0, "unverified": 1}


def test_an_outdated_instance_fails_even_when_its_probes_pass(run, tmp_path, fleet_assembly) -> None:
    fleet = good_accounts(fleet_assembly, GOOD)
    fleet.instances[0].status = "OUTDATED"
    code, out, _ = run(fleet, *inventory(tmp_path, fleet), "--json")
    (row,) = json.loads(out)["instances"]
    assert code == 1 and row["status"] == "failed" and row["failures"] == ["StackSet instance status is OUTDATED, not CURRENT"]


def test_throttled_calls_are_retried_and_the_account_passes(run, tmp_path, fleet_assembly) -> None:
    """AWS throttles the administrator's AssumeRole, a member account's CloudFormation
    GetTemplate and its Lambda Invoke (429: the probe did not run); every call is retried,
    the account passes, and each probe ran exactly once. (Each throttle costs the adaptive
    rate limiter's ~1.5 s on a cold client: the reason this test throttles only three.)"""
    fleet = good_accounts(fleet_assembly, GOOD, throttle={("admin", "AssumeRole"): 1, (GOOD, "GetTemplate"): 1, (GOOD, "Invoke"): 1})
    code, out, _ = run(fleet, *inventory(tmp_path, fleet), "--json")
    assert code == 0, out
    assert sorted(fleet.throttled) == sorted([("admin", "AssumeRole"), (GOOD, "GetTemplate"), (GOOD, "Invoke")])
    assert fleet.calls.count((GOOD, "Invoke")) == 3 and len(fleet.members[GOOD].invoked) == 2
    assert fleet.calls.count(("admin", "AssumeRole")) == 2


def test_a_slow_account_times_out_and_the_others_are_verified(run, tmp_path, fleet_assembly) -> None:
    # No wall-clock bound on the verdicts: the timeout is wide enough for the good account on a
    # loaded machine, and the slow account's requests each take longer than half of it.
    fleet = good_accounts(fleet_assembly, GOOD, TOKYO_GOOD, slow={TOKYO_GOOD: 3.0})
    code, out, _ = run(fleet, *inventory(tmp_path, fleet), "--json", "--account-timeout", "5")
    by_account = {r["account"]: r for r in json.loads(out)["instances"]}
    assert code == 3 and by_account[GOOD]["status"] == "passed"
    slow = by_account[TOKYO_GOOD]
    assert slow["status"] == "unverified" and "per-account timeout of 5 s" in slow["error"]
    # It gave up at the first request after the deadline (at most two slow requests fit in it),
    # not after every request of the account: its probes were never invoked.
    served = [op for who, op in fleet.calls if who == TOKYO_GOOD]
    assert len(served) <= 2 and "Invoke" not in served


def test_a_rerun_resumes_with_the_instances_left(run, tmp_path, fleet_assembly) -> None:
    """An account that could not be verified is tried again; one already verified is not,
    until the StackSet's template changes."""
    fleet = good_accounts(fleet_assembly, GOOD, FAILING, denied={FAILING})
    code, _, _ = run(fleet, *inventory(tmp_path, fleet), "--json")
    assert code == 3
    lines = [json.loads(x) for x in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [x["kind"] for x in lines] == ["run", "instance", "instance"]

    fleet.denied.clear()
    fleet.assumed.clear()
    code, out, _ = run(fleet, *inventory(tmp_path, fleet), "--json", "--resume")
    result = json.loads(out)
    assert code == 0 and result["counts"] == {"passed": 2, "failed": 0, "unverified": 0} and result["resumed"] == 1
    assert [arn for _, arn, _ in fleet.assumed] == [f"arn:aws:iam::{FAILING}:role/PrivateBedrockFleetVerifier-{REGION}"]
    assert len(fleet.members[GOOD].invoked) == 2 and len(fleet.members[FAILING].invoked) == 2

    # The StackSet was updated since: its instances' earlier verdicts are no evidence any more.
    fleet.templates[f"PrivateBedrock-{REGION}"] = {**fleet.templates[f"PrivateBedrock-{REGION}"], "Description": "updated"}
    fleet.assumed.clear()
    code, out, _ = run(fleet, *inventory(tmp_path, fleet), "--json", "--resume")
    assert json.loads(out)["resumed"] == 0 and len(fleet.assumed) == 2


def test_a_drifted_instance_is_refused_and_named(run, tmp_path, fleet_assembly) -> None:
    fleet = good_accounts(fleet_assembly, GOOD, TOKYO_GOOD, drifted={(TOKYO_GOOD, REGION)})
    code, out, _ = run(fleet, *inventory(tmp_path, fleet), "--json")
    result = json.loads(out)
    by_account = {r["account"]: r for r in result["instances"]}
    assert code == 1 and by_account[GOOD]["status"] == "passed"
    assert by_account[TOKYO_GOOD]["status"] == "failed" and by_account[TOKYO_GOOD]["drift_status"] == "DRIFTED"
    assert by_account[TOKYO_GOOD]["failures"] == [
        "StackSet drift: DRIFTED, a resource of this stack differs from its template (aws cloudformation "
        f"describe-stack-resource-drifts --stack-name {stack_name(REGION, TOKYO_GOOD)} names it)"
    ]
    assert result["stack_sets"][0]["drift_status"] == "DRIFTED"


def test_an_instance_whose_drift_could_not_be_checked_is_not_verified(run, tmp_path, fleet_assembly) -> None:
    fleet = good_accounts(fleet_assembly, GOOD, undetectable={(GOOD, REGION)})
    code, out, _ = run(fleet, *inventory(tmp_path, fleet), "--json")
    (row,) = json.loads(out)["instances"]
    assert code == 2 and row["status"] == "unverified" and "drift status is UNKNOWN" in row["error"]


def test_a_hand_edited_instance_is_named_with_what_differs(run, tmp_path, fleet_assembly) -> None:
    """UpdateStack in the member account with a looser identity policy: the stack agrees with
    its own (edited) template, so drift detection passes (IN_SYNC); judged by the StackSet's
    template, the template and the deployed policy are named."""
    edited = copy.deepcopy(fleet_assembly[f"Member-{REGION}"])
    (lid,) = [k for k, r in edited["Resources"].items() if r["Type"] == "AWS::IAM::ManagedPolicy"
              and str(r["Properties"].get("Description", "")).startswith("Amazon Bedrock")]
    edited["Resources"][lid]["Properties"]["PolicyDocument"]["Statement"].append(
        {"Sid": "HandAdded", "Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"})
    stack = DeployedStack.from_template(stack_name(REGION, GOOD), REGION, edited, GOOD)
    fleet = a_fleet(fleet_assembly, {GOOD: member(stack)}, {GOOD: stack})
    code, out, _ = run(fleet, *inventory(tmp_path, fleet), "--json")
    (row,) = json.loads(out)["instances"]
    assert code == 1 and row["status"] == "failed" and row["drift_status"] == "IN_SYNC"
    reference = f"the StackSet PrivateBedrock-{REGION}'s template"
    assert f"drift: stack template: resource {lid} (AWS::IAM::ManagedPolicy) differs from {reference} in Properties.PolicyDocument.Statement" in row["failures"]
    assert any(f.startswith("drift: identity policy ") and "HandAdded" in f for f in row["failures"]), row["failures"]
    assert row["result"]["reference"] == reference


def test_a_progress_bar_only_on_a_terminal(run, tmp_path, fleet_assembly) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    fleet = good_accounts(fleet_assembly, GOOD)
    code, out, _ = run(fleet, *inventory(tmp_path, fleet), "--json", stderr=terminal)
    assert code == 0 and json.loads(out)["passed"] is True
    assert "verifying stack instances" in terminal.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", r"is not a readable JSON file"),
        ('{"Summaries": [{"Region": "us-east-1"}]}', r"has no list of stack instances \(objects with Account, Region and StackId"),
        ('{"Summaries": []}', r"No stack instances in .*: the StackSets have not deployed to any account yet\."),
        ('{"Summaries": [{"Account": "111111111111", "Region": "us-east-1"}]}', r"does not say where the StackSets live; pass --home-region"),
    ],
)
def test_a_bad_inventory_is_one_sentence_and_exit_two(run, tmp_path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, out, err = run(FakeFleet(ADMIN_KEY, {}), "--fleet", str(path))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert re.search(message, err)


def test_an_unreadable_stack_set_is_one_sentence_and_exit_two(run, tmp_path, fleet_assembly) -> None:
    fleet = good_accounts(fleet_assembly, GOOD)
    fleet.templates.clear()
    code, out, err = run(fleet, *inventory(tmp_path, fleet))
    assert code == 2 and out == ""
    assert err.strip() == f"StackSet PrivateBedrock-{REGION}: AWS refused DescribeStackSet (StackSetNotFoundException): StackSet PrivateBedrock-{REGION} not found."


def test_an_assembly_without_a_fleet_stack_is_refused(run, tmp_path) -> None:
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    (assembly / "manifest.json").write_text(json.dumps({"version": "48.0.0", "artifacts": {}}))
    code, _, err = run(FakeFleet(ADMIN_KEY, {}), "--fleet", str(assembly))
    assert code == 2 and "has no PrivateBedrockFleet stack" in err
