"""Scale benchmark for `make verify FLEET=...` (a measurement to read, not a timed test).

    .venv/bin/python -m bench.fleet_verify_scale [--accounts 50 500] [--workers 32]

For each size: N accounts x 2 regions (us-east-1, ap-northeast-1) = 2N stack instances,
served by the test fakes (tests/fakes/fleet_servers.py: real botocore over HTTP on
127.0.0.1) in this process; the verifier (private_bedrock/tools/verify/fleet.py) runs as a child process
against them, exactly as `make verify FLEET=instances.json` would, and its wall time and
peak resident memory (getrusage of that child) are printed. The fakes make the fleet go
wrong the ways a real one does:
  * AWS throttles: the administrator's AssumeRole is held to RATE_LIMIT calls a second (a
    token bucket: the fakes' limit, chosen to make the verifier back off; not AWS's quota),
    and every tenth account's first GetTemplate and first Invoke are throttled;
  * 2 % of the accounts refuse the verifier (AccessDenied on AssumeRole: unreachable);
  * 2 % have a probe that misses an expectation in both regions (failed), and one region of
    another 2 % drifted;
  * the drift detection answers RUNNING twice before it finishes.
The probes answer at once: the figures are the verifier's own cost (clients, signing,
parsing, judging) and its backoff, not the probes' run time, which adds about
2 x probe seconds x instances / workers on a real fleet.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

REGIONS = ("us-east-1", "ap-northeast-1")
ADMIN_KEY = "AKIDFLEETADMIN000001"
RATE_LIMIT = 50.0  # AssumeRole calls a second the fake admits (burst the same)
SERVICES = ("STS", "CLOUDFORMATION", "LAMBDA", "S3", "EC2", "IAM", "ROUTE53RESOLVER")


def synth_templates(out: Path) -> dict[str, dict]:
    """The fleet synth of the tests' configuration: each region's member template."""
    import aws_cdk as cdk

    from stacks.build import build
    from tests.conftest import FLEET_CONTEXT
    from private_bedrock.tools.report.assembly import fleet

    os.environ.setdefault("JSII_NODE", str(REPO / "node_modules" / ".bin" / "node"))
    app = cdk.App(context=FLEET_CONTEXT, outdir=str(out))
    build(app, None)
    app.synth()
    delivery = fleet(out)
    assert delivery is not None
    return {m.region: m.template() for m in delivery.members}


class RateLimitedFleet:
    """Wraps FakeFleet's throttle check with a token bucket for the administrator's AssumeRole."""

    def __init__(self, fleet, rate: float):
        self.fleet, self.rate, self.tokens, self.last = fleet, rate, rate, time.monotonic()
        self.lock = threading.Lock()
        original = fleet._take_throttle

        def take(who: str, operation: str) -> bool:
            if who == "admin" and operation == "AssumeRole":
                with self.lock:
                    now = time.monotonic()
                    self.tokens = min(self.rate, self.tokens + (now - self.last) * self.rate)
                    self.last = now
                    if self.tokens < 1:
                        with fleet._lock:
                            fleet.calls.append((who, operation))
                            fleet.throttled.append((who, operation))
                        return True
                    self.tokens -= 1
            return original(who, operation)

        fleet._take_throttle = take


def build_fleet(templates: dict[str, dict], accounts: int):
    from tests.fakes.aws_control_servers import DeployedStack, FakeStackAndLambda
    from tests.fakes.fleet_servers import FakeFleet, FleetInstance
    from tests.unit.test_fleet_verify_cli import reports
    from private_bedrock.tools.verify import deployed_template as dt

    members: dict[str, dict] = {}
    instances = []
    denied, drifted, throttle = set(), set(), {}
    wrong: dict[str, str] = {}
    for region, template in templates.items():
        stack0 = DeployedStack.from_template("x", region, template, "100000000000")
        symbols = dt.physical_symbols(stack0.template, stack0.physical, region, "100000000000", "x")
        vpc = next(f for f in dt.expected_functions(stack0.template, symbols).values() if f.kind == "vpc")
        wrong[region] = sorted(dt.expected_checks(vpc, region))[0]
    for n in range(accounts):
        account = f"{100000000000 + n}"
        if n % 50 == 37:
            denied.add(account)
        if n % 10 == 3:
            throttle[(account, "GetTemplate")] = 1
            throttle[(account, "Invoke")] = 1
        for region, template in templates.items():
            name = f"StackSet-PrivateBedrock-{region}-{account}"
            stack = DeployedStack.from_template(name, region, template, account)
            stack.template = template  # one copy of the template for every instance (the fake's memory)
            members.setdefault(account, {})[region] = FakeStackAndLambda({name: stack}, reports(stack, wrong[region] if n % 50 == 23 else None))
            instances.append(FleetInstance(f"PrivateBedrock-{region}", account, region, name))
            if n % 50 == 11 and region == REGIONS[0]:
                drifted.add((account, region))
    fleet = FakeFleet(ADMIN_KEY, members, denied=denied, instances=instances, drifted=drifted, throttle=throttle,
                      templates={f"PrivateBedrock-{r}": t for r, t in templates.items()}, drift_running_polls=2)
    RateLimitedFleet(fleet, RATE_LIMIT)
    return fleet, [m for regions in members.values() for m in regions.values()]


def run_once(templates: dict[str, dict], accounts: int, workers: int, work: Path) -> dict:
    fleet, member_fakes = build_fleet(templates, accounts)
    inventory = work / f"instances-{accounts}.json"
    inventory.write_text(json.dumps({"Summaries": [
        {"StackSetId": f"{i.stack_set}:1", "Account": i.account, "Region": i.region, "Status": "CURRENT",
         "StackId": f"arn:aws:cloudformation:{i.region}:{i.account}:stack/{i.stack_name}/1"} for i in fleet.instances]}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=ADMIN_KEY, AWS_SECRET_ACCESS_KEY="s", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true")
    with contextlib.ExitStack() as running:
        for fake in [*member_fakes, fleet]:
            running.enter_context(fake)
        for service in SERVICES:
            env[f"AWS_ENDPOINT_URL_{service}"] = fleet.url
        out = work / f"result-{accounts}.json"
        started = time.monotonic()
        with out.open("w") as stdout:
            child = subprocess.Popen(
                [sys.executable, "-m", "private_bedrock.tools.verify.fleet", "--fleet", str(inventory), "--home-region", "us-east-1", "--json",
                 "--workers", str(workers), "--results", str(work / f"results-{accounts}.jsonl")],
                cwd=REPO, env=env, stdout=stdout, stderr=subprocess.PIPE,
            )
            _, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - started
    result = json.loads(out.read_text())
    return {
        "instances": len(fleet.instances), "workers": workers, "exit": os.waitstatus_to_exitcode(status),
        "wall_seconds": round(wall, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1), "counts": result["counts"],
        "throttled_answers": len(fleet.throttled), "requests": len(fleet.calls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, nargs="+", default=[50, 500], help="accounts per run (x 2 regions = instances)")
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        templates = synth_templates(work / "cdk.out")
        for accounts in args.accounts:
            print(json.dumps(run_once(templates, accounts, args.workers, work)), flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
