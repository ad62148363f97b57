"""Fleet verification: `make verify` in every account and region a StackSet delivered to.

    python -m tools.fleet_verify --fleet cdk.out [--json] [--profile P] [--workers N]
    python -m tools.fleet_verify --fleet instances.json [--json]

Run with credentials of the StackSet administrator account, as one of the roles named in
fleet.verifierCallerArns. Which stacks to verify:
- a cloud assembly (`cdk.out` of a fleet synth): the StackSets it describes are asked for
  their stack instances (CloudFormation ListStackInstances, with the configured CallAs);
- a JSON file: the `Summaries` of `aws cloudformation list-stack-instances` (or a list of
  {"Account", "Region", "StackId"}), for a pipeline that already has them.

For each instance the verifier role of that account and region
(PrivateBedrockFleetVerifier-<region>, delivered by the same StackSet) is assumed, and the
stack is verified exactly as `make verify` does (tools/verify.py: verify), concurrently.
One table account x region x pass/fail with the failing checks; `--json` for pipelines.

Exit codes (as `make verify`): 0 every instance verified and passed; 1 an instance failed a
check, drifted, was refused, or could not be verified (an account the verifier cannot reach
is not proven); 2 nothing could be verified (no inventory, no credentials, no instance).
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from stacks.config.fleet import FleetConfig
from tools import verify as single

SESSION_NAME = "private-bedrock-fleet-verify"
DEFAULT_WORKERS = 16


class NoInventory(Exception):
    """A one-sentence reason why the fleet's instances could not be listed."""


@dataclass(frozen=True)
class Instance:
    account: str
    region: str
    stack_name: str | None  # None: the StackSet has no stack there (yet)
    status: str = "CURRENT"  # ListStackInstances' Status (CURRENT, OUTDATED, INOPERABLE)

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.account}:role/{FleetConfig.verifier_role_name(self.region)}"


def _instance(summary: dict[str, Any]) -> Instance:
    stack_id = summary.get("StackId") or ""
    # arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>
    name = stack_id.split(":", 5)[5].split("/")[1] if stack_id.count(":") >= 5 and "/" in stack_id else None
    return Instance(str(summary["Account"]), summary["Region"], name, summary.get("Status", "CURRENT"))


def instances_from_file(path: Path) -> list[Instance]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise NoInventory(f"{path} is not a readable JSON file ({err}); write it with `aws cloudformation list-stack-instances ... > {path}`.") from None
    rows = data.get("Summaries") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "Account" in r and "Region" in r for r in rows):
        raise NoInventory(f"{path} has no list of stack instances (objects with Account, Region and StackId, as ListStackInstances' Summaries).")
    return [_instance(r) for r in rows]


def instances_from_stack_sets(cdk_out: Path, profile: str | None) -> list[Instance]:
    """Ask the administrator account for every StackSet's instances (the fleet synth's own)."""
    from tools.assembly import AssemblyError, fleet

    try:
        delivery = fleet(cdk_out)
    except AssemblyError as err:
        raise NoInventory(str(err)) from None
    if delivery is None:
        raise NoInventory(f"The cloud assembly in {cdk_out} has no PrivateBedrockFleet stack; synthesize with fleet.enabled, or pass a JSON file of stack instances.")
    from tools.aws_sessions import boto3_session

    s = delivery.summary
    session = boto3_session(profile_name=profile, region_name=s["homeRegion"])
    cfn = session.client("cloudformation")
    found: list[Instance] = []
    try:
        for region in s["regionOrder"]:
            pages = cfn.get_paginator("list_stack_instances").paginate(StackSetName=FleetConfig.stack_set_name(region), CallAs=s["callAs"])
            found += [_instance(summary) for page in pages for summary in page["Summaries"]]
    except Exception as exc:  # noqa: BLE001  (one sentence, as tools/verify.py)
        raise NoInventory(_explain(exc, "listing the StackSets' instances")) from None
    return found


def _explain(exc: Exception, doing: str) -> str:
    from botocore import exceptions as bx

    if isinstance(exc, bx.NoCredentialsError):
        return "No AWS credentials were found; use the StackSet administrator account's (for example AWS_PROFILE) and run again."
    if isinstance(exc, bx.ClientError):
        err = exc.response.get("Error", {})
        return f"AWS refused {doing} ({err.get('Code')}): {err.get('Message')}."
    if isinstance(exc, bx.BotoCoreError):
        return f"Could not reach AWS while {doing}: {exc}."
    # Anything else is a bug, but one account's must not hide the other accounts' results.
    return f"{doing} failed unexpectedly: {type(exc).__name__}: {exc}"


def _failures(result: dict[str, Any]) -> list[str]:
    """The failing checks of one stack's verify result, one line each."""
    lines = [f"refused: {r}" for r in result.get("refused", [])] + [f"drift: {d}" for d in result.get("drift", [])]
    for kind, probe in result.get("probes", {}).items():
        if probe["report"].get("error"):
            lines.append(f"{kind} probe: {probe['report']['error']}")
        lines += [f"{kind} probe: {m}" for m in probe.get("mismatches", [])]
    return lines


def verify_instance(instance: Instance, profile: str | None) -> dict[str, Any]:
    """Assume the verifier role of the instance's account and region, and verify its stack."""
    row: dict[str, Any] = {**asdict(instance), "role": instance.role_arn, "status": "unverified", "failures": [], "error": None, "result": None}
    if instance.stack_name is None or instance.status == "INOPERABLE":
        row["error"] = f"the StackSet has no usable stack in {instance.account} {instance.region} (instance status {instance.status})"
        return row
    from tools.aws_sessions import boto3_session

    try:
        caller = boto3_session(profile_name=profile, region_name=instance.region)
        creds = caller.client("sts").assume_role(RoleArn=instance.role_arn, RoleSessionName=SESSION_NAME, DurationSeconds=900)["Credentials"]
    except Exception as exc:  # noqa: BLE001
        row["error"] = f"cannot assume {instance.role_arn}: {_explain(exc, 'the AssumeRole')}"
        return row
    session = boto3_session(
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
        region_name=instance.region,
    )
    try:
        result = single.verify(instance.region, instance.stack_name, session=session)
    except single.CannotVerify as exc:
        row["error"] = str(exc)
        return row
    row.update(result=result, status="passed" if result["passed"] else "failed", failures=_failures(result))
    if instance.status != "CURRENT":
        # The stack answers, but the StackSet says it is not on the latest template.
        row.update(status="failed", failures=[*row["failures"], f"StackSet instance status is {instance.status}, not CURRENT"])
    return row


def verify_fleet(instances: list[Instance], profile: str | None, workers: int = DEFAULT_WORKERS) -> dict[str, Any]:
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(instances)))) as pool:
        rows = list(pool.map(lambda i: verify_instance(i, profile), instances))
    rows.sort(key=lambda r: (r["account"], r["region"]))
    counts = {k: sum(r["status"] == k for r in rows) for k in ("passed", "failed", "unverified")}
    return {"passed": bool(rows) and counts["passed"] == len(rows), "counts": counts, "instances": rows}


def exit_code(result: dict[str, Any]) -> int:
    if result["passed"]:
        return 0
    return 2 if result["counts"]["unverified"] == len(result["instances"]) else 1


def _print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console.width = 200
    table = Table(title="fleet verification", title_justify="left")
    for column in ("account", "region", "stack", "result", "failing checks"):
        table.add_column(column, overflow="fold")
    marks = {"passed": "[green]PASS[/]", "failed": "[red]FAIL[/]", "unverified": "[yellow]NOT VERIFIED[/]"}
    for r in result["instances"]:
        detail = "\n".join(r["failures"]) if r["failures"] else (r["error"] or "")
        # Member accounts write this text (probe errors, environment values): never markup.
        table.add_row(escape(r["account"]), escape(r["region"]), escape(r["stack_name"] or "-"), marks[r["status"]], escape(detail))
    console.print(table)
    c = result["counts"]
    console.print(f"{len(result['instances'])} stack instance(s): {c['passed']} passed, {c['failed']} failed, {c['unverified']} not verified", highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.fleet_verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fleet", required=True, type=Path, help="a fleet synth's cloud assembly (cdk.out) or a JSON file of stack instances")
    parser.add_argument("--profile", help="AWS profile of the administrator account (default: the usual credential chain)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help=f"stacks verified at once (default {DEFAULT_WORKERS})")
    parser.add_argument("--json", action="store_true", help="print the combined result as JSON")
    args = parser.parse_args(argv)
    try:
        instances = instances_from_stack_sets(args.fleet, args.profile) if args.fleet.is_dir() else instances_from_file(args.fleet)
    except NoInventory as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if not instances:
        print(f"No stack instances in {args.fleet}: the StackSets have not deployed to any account yet.", file=sys.stderr)
        return 2
    result = verify_fleet(instances, args.profile, args.workers)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_table(result)
    return exit_code(result)


if __name__ == "__main__":
    sys.exit(main())
