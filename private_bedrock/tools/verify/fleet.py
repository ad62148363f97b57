"""Fleet verification: `make verify` in every account and region a StackSet delivered to.

    python -m private_bedrock.tools.verify.fleet --fleet cdk.out [--json] [--resume] [--workers N]
    python -m private_bedrock.tools.verify.fleet --fleet instances.json --home-region R [--call-as DELEGATED_ADMIN]

Run with credentials of the StackSet administrator account, as one of the roles named in
fleet.verifierCallerArns (the policy they need: PrivateBedrockFleetVerifyCaller, docs/stacksets.md).
Which stacks to verify:
- a cloud assembly (`cdk.out` of a fleet synth): the StackSets it describes are asked for
  their stack instances (CloudFormation ListStackInstances, with the configured CallAs);
- a JSON file: the `Summaries` of `aws cloudformation list-stack-instances` (or a list of
  {"Account", "Region", "StackId"}), for a pipeline that already has them.

Per StackSet (private_bedrock/tools/verify/fleet_stacksets.py): its template (DescribeStackSet) is the reference
every instance's own template must equal, and a drift detection (DetectStackSetDrift) runs
on AWS's side while the instances are verified; each instance must end IN_SYNC.

Per instance, `--workers` at a time: the verifier role of that account and region
(PrivateBedrockFleetVerifier-<region>) is assumed and the stack verified as `make verify`
does (private_bedrock/tools/verify/regional.py: verify), judged by the StackSet's template (its own template must
equal it), within `--account-timeout` seconds.

Throttling: the administrator's STS and CloudFormation clients are shared by every worker
and use botocore's adaptive retry mode (retries with exponential backoff, and a client-side
rate limit that slows every worker down once AWS throttles); each member account's clients
use it too. Lambda Invoke is never retried by botocore (a retried invoke could run a probe
twice); here it is retried only when Lambda answered 429 TooManyRequestsException, which
means the function did not run.

Every finished instance is appended to `--results` (JSON lines) at once; `--resume` reuses
the verdicts of an interrupted run (private_bedrock/tools/verify/fleet_journal.py says which).

Exit codes: 0 every instance verified and passed, every StackSet in sync; 1 an instance
failed a check, drifted, differs from the StackSet's template, or is not CURRENT (a finding:
something is wrong in that account); 3 nothing failed, but an instance could not be
verified (its role could not be assumed, it timed out, AWS kept throttling, its drift is
UNKNOWN: not proven, and not known bad); 2 nothing could be verified (no inventory, no
credentials, no instance, or no instance reached).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from private_bedrock.config.fleet import FleetConfig
from private_bedrock.tools.verify import regional as single
from private_bedrock.tools.verify.fleet_errors import explain
from private_bedrock.tools.verify.fleet_stacksets import StackSetView

SESSION_NAME = "private-bedrock-fleet-verify"
DEFAULT_WORKERS = 32
MAX_WORKERS = 256
# Two probes of up to ~60 s each (private_bedrock/tools/verify/regional.py waits 90 s for one) and a dozen reads.
DEFAULT_ACCOUNT_TIMEOUT = 300.0
DEFAULT_DRIFT_TIMEOUT = 3600.0
DEFAULT_RESULTS = Path(".make/fleet-verify.jsonl")
RESUME_MAX_AGE = 24 * 3600.0
# Attempts per call, first one included. The administrator's calls are the fleet's
# bottleneck (one account's STS and CloudFormation quotas for every worker): more patience.
ADMIN_MAX_ATTEMPTS = 10
MEMBER_MAX_ATTEMPTS = 8
INVOKE_THROTTLE_ATTEMPTS = 6
MAX_BACKOFF = 20.0  # seconds, as botocore's standard mode


class NoInventory(Exception):
    """A one-sentence reason why the fleet's instances could not be listed."""


class AccountTimedOut(Exception):
    """The per-account timeout passed; raised before the account's next request is sent."""


@dataclass(frozen=True)
class Instance:
    account: str
    region: str
    stack_name: str | None  # None: the StackSet has no stack there (yet)
    status: str = "CURRENT"  # ListStackInstances' Status (CURRENT, OUTDATED, INOPERABLE)
    stack_set: str = ""

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.account}:role/{FleetConfig.verifier_role_name(self.region)}"

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.account, self.region, self.stack_name)


def _instance(summary: dict[str, Any], stack_set: str | None = None) -> Instance:
    stack_id = summary.get("StackId") or ""
    # arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>
    name = stack_id.split(":", 5)[5].split("/")[1] if stack_id.count(":") >= 5 and "/" in stack_id else None
    region = summary["Region"]
    stack_set = stack_set or str(summary.get("StackSetId") or "").split(":")[0] or FleetConfig.stack_set_name(region)
    return Instance(str(summary["Account"]), region, name, summary.get("Status", "CURRENT"), stack_set)


def instances_from_file(path: Path) -> list[Instance]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise NoInventory(f"{path} is not a readable JSON file ({err}); write it with `aws cloudformation list-stack-instances ... > {path}`.") from None
    rows = data.get("Summaries") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "Account" in r and "Region" in r for r in rows):
        raise NoInventory(f"{path} has no list of stack instances (objects with Account, Region and StackId, as ListStackInstances' Summaries).")
    return [_instance(r) for r in rows]


def _fleet_summary(cdk_out: Path) -> dict[str, Any]:
    from private_bedrock.tools.report.assembly import AssemblyError, fleet

    try:
        delivery = fleet(cdk_out)
    except AssemblyError as err:
        raise NoInventory(str(err)) from None
    if delivery is None:
        raise NoInventory(f"The cloud assembly in {cdk_out} has no PrivateBedrockFleet stack; synthesize with fleet.enabled, or pass a JSON file of stack instances.")
    return delivery.summary


def instances_from_stack_sets(admin: "Administrator", regions: list[str], call_as: str) -> list[Instance]:
    """Ask the administrator account for every StackSet's instances (the fleet synth's own)."""
    found: list[Instance] = []
    try:
        for region in regions:
            name = FleetConfig.stack_set_name(region)
            pages = admin.cfn.get_paginator("list_stack_instances").paginate(StackSetName=name, CallAs=call_as)
            found += [_instance(summary, name) for page in pages for summary in page["Summaries"]]
    except Exception as exc:  # noqa: BLE001  (one sentence, as private_bedrock/tools/verify/regional.py)
        raise NoInventory(explain(exc, "listing the StackSets' instances")) from None
    return found


# --------------------------------------------------------------------- clients and retries


def _admin_config(workers: int) -> Any:
    from botocore.config import Config

    return Config(connect_timeout=5, read_timeout=30, max_pool_connections=max(10, workers),
                  retries={"mode": "adaptive", "total_max_attempts": ADMIN_MAX_ATTEMPTS})


class Administrator:
    """The administrator account's clients, shared by every worker (botocore clients are
    thread-safe), so adaptive mode's rate limit is the fleet's, not one thread's: one STS
    client per region (AssumeRole at the regional endpoint), CloudFormation in the home region."""

    def __init__(self, profile: str | None, home_region: str | None, workers: int):
        from private_bedrock.tools.verify.aws_sessions import boto3_session

        self.session = boto3_session(profile_name=profile, region_name=home_region)
        self.home_region = home_region or self.session.region_name
        self.config = _admin_config(workers)
        self._sts: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._cfn: Any = None

    @property
    def cfn(self) -> Any:
        with self._lock:
            if self._cfn is None:
                self._cfn = self.session.client("cloudformation", region_name=self.home_region, config=self.config)
            return self._cfn

    def sts(self, region: str) -> Any:
        with self._lock:
            if region not in self._sts:
                self._sts[region] = self.session.client("sts", region_name=region, config=self.config)
            return self._sts[region]


def retry_throttled_invoke(response: Any = None, attempts: int = 0, **_: Any) -> float | None:
    """needs-retry handler for Lambda Invoke: retry only a 429 TooManyRequestsException
    (Lambda throttled the request and the function did not run; Lambda Developer Guide,
    "Understanding Lambda function scaling", read 2026-12-03), never a timeout or a 5xx,
    after which the probe may have run."""
    if response is None or attempts >= INVOKE_THROTTLE_ATTEMPTS:
        return None
    http, parsed = response
    if http.status_code != 429 and (parsed or {}).get("Error", {}).get("Code") != "TooManyRequestsException":
        return None
    return random.random() * min(MAX_BACKOFF, 2.0 ** (attempts - 1))


def member_setup(deadline: float, timeout: float) -> Callable[[Any], None]:
    """The member account session's retry mode, throttled-invoke retry and deadline."""

    def before_send(**_: Any) -> None:
        if time.monotonic() > deadline:
            raise AccountTimedOut(f"gave up after the per-account timeout of {timeout:g} s (--account-timeout)")

    def setup(core: Any) -> None:
        core.set_config_variable("retry_mode", "adaptive")
        core.set_config_variable("max_attempts", MEMBER_MAX_ATTEMPTS)
        core.register("needs-retry.lambda.Invoke", retry_throttled_invoke)
        core.register("before-send", before_send)

    return setup


# --------------------------------------------------------------------- one instance


def _failures(result: dict[str, Any]) -> list[str]:
    """The failing checks of one stack's verify result, one line each."""
    lines = [f"refused: {r}" for r in result.get("refused", [])] + [f"drift: {d}" for d in result.get("drift", [])]
    for kind, probe in result.get("probes", {}).items():
        if probe["report"].get("error"):
            lines.append(f"{kind} probe: {probe['report']['error']}")
        lines += [f"{kind} probe: {m}" for m in probe.get("mismatches", [])]
    return lines


def verify_instance(instance: Instance, admin: Administrator, stack_set: StackSetView, timeout: float) -> dict[str, Any]:
    """Assume the verifier role of the instance's account and region, compare its template
    with the StackSet's, and verify its stack; never raises."""
    started = time.monotonic()
    row: dict[str, Any] = {
        "account": instance.account, "region": instance.region, "stack_name": instance.stack_name, "stack_set": instance.stack_set,
        "instance_status": instance.status, "role": instance.role_arn, "status": "unverified", "failures": [], "error": None,
        "result": None, "template_sha256": stack_set.template_sha256, "verified_at": time.time(), "seconds": 0.0,
    }
    try:
        _verify_into(row, instance, admin, stack_set, timeout, started)
    except AccountTimedOut as exc:
        row.update(status="unverified", error=str(exc), result=None)
    except Exception as exc:  # noqa: BLE001  (one account's bug must not hide the others' results)
        row.update(status="unverified", error=explain(exc, f"verifying {instance.account} {instance.region}"), result=None)
    row["seconds"] = round(time.monotonic() - started, 3)
    return row


def _verify_into(row: dict, instance: Instance, admin: Administrator, stack_set: StackSetView, timeout: float, started: float) -> None:
    from private_bedrock.tools.verify.aws_sessions import boto3_session

    if stack_set.template is None:
        row["error"] = stack_set.error or f"StackSet {stack_set.name} was not read"
        return
    if instance.stack_name is None or instance.status == "INOPERABLE":
        row["error"] = f"the StackSet has no usable stack in {instance.account} {instance.region} (instance status {instance.status})"
        return
    try:
        creds = admin.sts(instance.region).assume_role(RoleArn=instance.role_arn, RoleSessionName=SESSION_NAME, DurationSeconds=900)["Credentials"]
    except Exception as exc:  # noqa: BLE001
        row["error"] = f"cannot assume {instance.role_arn}: {explain(exc, 'the AssumeRole')}"
        return
    session = boto3_session(
        setup=member_setup(started + timeout, timeout),
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
        region_name=instance.region,
    )
    # Judged by the StackSet's template, not the stack's own: a stack updated by hand in the
    # member account is named (private_bedrock/tools/verify/deployed_template.py template_differences), and its
    # probes and policies are held to what the StackSet delivers.
    reference = single.Reference(stack_set.template, f"the StackSet {stack_set.name}'s template")
    try:
        result = single.verify(instance.region, instance.stack_name, session=session, reference=reference)
    except single.CannotVerify as exc:
        row["error"] = str(exc)
        return
    failures = _failures(result)
    if instance.status != "CURRENT":
        # The stack answers, but the StackSet says it is not on the latest template.
        failures.append(f"StackSet instance status is {instance.status}, not CURRENT")
    row.update(result=result, failures=failures, status="passed" if result["passed"] and not failures else "failed")


def apply_drift(row: dict[str, Any], stack_set: StackSetView | None) -> dict[str, Any]:
    """The instance's verdict with the StackSet drift detection's: only IN_SYNC passes."""
    row = {**row, "failures": list(row["failures"])}
    if stack_set is None or stack_set.template is None:
        return row
    if stack_set.drift_error:
        row["drift_status"] = None
        if row["status"] == "passed":
            row.update(status="unverified", error=stack_set.drift_error)
        return row
    drift = stack_set.instance_drift.get((row["account"], row["region"]))
    row["drift_status"] = drift
    if drift == "DRIFTED":
        row["failures"].append(
            "StackSet drift: DRIFTED, a resource of this stack differs from its template (aws cloudformation "
            f"describe-stack-resource-drifts --stack-name {row['stack_name']} names it)"
        )
        row["status"] = "failed"  # a finding, even where the verifier itself could not get in
    elif drift != "IN_SYNC" and row["status"] == "passed":
        row.update(status="unverified", error=f"StackSet drift status is {drift or 'missing'}: CloudFormation could not check this stack for drift")
    return row


# --------------------------------------------------------------------- the fleet


class ProgressBar:
    """A progress bar on stderr when it is a terminal; nothing otherwise (logs, CI, pipes)."""

    def __init__(self, total: int):
        from rich.console import Console

        console = Console(stderr=True)
        self._bar = None
        if console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("eta"), TimeRemainingColumn(), console=console, transient=True)
            self._task = self._bar.add_task("verifying stack instances", total=total)
            self._bad = {"failed": 0, "unverified": 0}
            self._bar.start()

    def advance(self, row: dict[str, Any]) -> None:
        if self._bar is not None:
            if row["status"] in self._bad:
                self._bad[row["status"]] += 1
            self._bar.update(self._task, advance=1, description=(
                f"verifying stack instances ({self._bad['failed']} failed, {self._bad['unverified']} not verified)"))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def verify_fleet(
    instances: list[Instance], admin: Administrator, stack_sets: dict[str, StackSetView], *, workers: int = DEFAULT_WORKERS,
    account_timeout: float = DEFAULT_ACCOUNT_TIMEOUT, drift_timeout: float = DEFAULT_DRIFT_TIMEOUT,
    journal: Any = None, progress: ProgressBar | None = None, drift_poll: float = 15.0,
) -> dict[str, Any]:
    started = time.monotonic()
    for view in stack_sets.values():
        if view.template is not None:
            view.start_drift_detection(admin.cfn)
    reused = dict(journal.reused) if journal is not None else {}
    rows: dict[tuple, dict] = {}
    todo = []
    for i in instances:
        if i.key in reused:
            rows[i.key] = {k: v for k, v in reused[i.key].items() if k not in ("kind", "version")} | {"resumed": True}
            if progress:
                progress.advance(rows[i.key])
        else:
            todo.append(i)
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo) or 1)))
    try:
        pending = {pool.submit(verify_instance, i, admin, stack_sets[i.stack_set], account_timeout): i for i in todo}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                instance = pending.pop(future)
                row = future.result()
                rows[instance.key] = row
                if journal is not None:
                    journal.record(row)
                if progress:
                    progress.advance(row)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    for view in stack_sets.values():
        view.finish_drift_detection(admin.cfn, deadline=started + drift_timeout, poll=drift_poll)
    final = sorted((apply_drift(r, stack_sets.get(r["stack_set"])) for r in rows.values()), key=lambda r: (r["account"], r["region"]))
    counts = {k: sum(r["status"] == k for r in final) for k in ("passed", "failed", "unverified")}
    sets = [_stack_set_summary(v) for v in sorted(stack_sets.values(), key=lambda v: v.name)]
    sets_ok = all(s["drift_status"] == "IN_SYNC" and not s["error"] for s in sets)
    return {
        "passed": bool(final) and counts["passed"] == len(final) and sets_ok, "counts": counts,
        "resumed": sum(bool(r.get("resumed")) for r in final), "seconds": round(time.monotonic() - started, 3),
        "stack_sets": sets, "instances": final,
    }


def _stack_set_summary(v: StackSetView) -> dict[str, Any]:
    return {
        "name": v.name, "call_as": v.call_as, "template_sha256": v.template_sha256, "drift_status": v.drift_status,
        "drift_operation": v.drift_operation, "drift_operation_status": v.drift_operation_status,
        "error": v.error or v.drift_error,
    }


def exit_code(result: dict[str, Any]) -> int:
    if result["passed"]:
        return 0
    c = result["counts"]
    if c["failed"] or any(s["drift_status"] == "DRIFTED" for s in result["stack_sets"]):
        return 1
    return 2 if c["unverified"] == len(result["instances"]) else 3


# --------------------------------------------------------------------- output


def _print_tables(result: dict[str, Any], show_all: bool) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console.width = 200
    marks = {"passed": "[green]PASS[/]", "failed": "[red]FAIL[/]", "unverified": "[yellow]NOT VERIFIED[/]"}
    listed = [r for r in result["instances"] if show_all or r["status"] != "passed"]
    if listed:
        title = "stack instances" if show_all else "stack instances that did not pass (--all lists every instance)"
        table = Table(title=title, title_justify="left")
        for column in ("account", "region", "stack", "result", "failing checks"):
            table.add_column(column, overflow="fold")
        for r in listed:
            detail = "\n".join(r["failures"] + ([r["error"]] if r["error"] else []))
            # Member accounts write this text (probe errors, environment values): never markup.
            table.add_row(escape(r["account"]), escape(r["region"]), escape(r["stack_name"] or "-"), marks[r["status"]], escape(detail))
        console.print(table)
    summary = Table(title="fleet verification", title_justify="left")
    for column in ("StackSet", "template", "drift", "instances", "passed", "failed", "not verified"):
        summary.add_column(column)
    for s in result["stack_sets"]:
        mine = [r for r in result["instances"] if r["stack_set"] == s["name"]]
        summary.add_row(
            escape(s["name"]), (s["template_sha256"] or "unread")[:12], escape(s["drift_status"] or "unknown"), str(len(mine)),
            *(str(sum(r["status"] == k for r in mine)) for k in ("passed", "failed", "unverified")),
        )
    console.print(summary)
    for s in result["stack_sets"]:
        if s["error"]:
            console.print(f"[yellow]{escape(s['error'])}[/]")
    c = result["counts"]
    resumed = f" ({result['resumed']} from the results of an earlier run)" if result["resumed"] else ""
    console.print(f"{len(result['instances'])} stack instance(s): {c['passed']} passed, {c['failed']} failed, {c['unverified']} not verified{resumed}", highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="private-bedrock verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fleet", required=True, type=Path, help="a fleet synth's cloud assembly (cdk.out) or a JSON file of stack instances")
    parser.add_argument("--profile", help="AWS profile of the administrator account (default: the usual credential chain)")
    parser.add_argument("--home-region", help="with a JSON file: the region of the StackSets (fleet.homeRegion; default: the profile's region)")
    parser.add_argument("--call-as", choices=("SELF", "DELEGATED_ADMIN"), default="SELF", help="with a JSON file: fleet.callAs (default SELF)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help=f"stack instances verified at once (default {DEFAULT_WORKERS}, at most {MAX_WORKERS})")
    parser.add_argument("--account-timeout", type=float, default=DEFAULT_ACCOUNT_TIMEOUT, help=f"seconds one instance may take (default {DEFAULT_ACCOUNT_TIMEOUT:g})")
    parser.add_argument("--drift-timeout", type=float, default=DEFAULT_DRIFT_TIMEOUT, help=f"seconds to wait for the StackSets' drift detection (default {DEFAULT_DRIFT_TIMEOUT:g})")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help=f"JSON lines file each finished instance is written to (default {DEFAULT_RESULTS})")
    parser.add_argument("--resume", action="store_true", help="reuse the verdicts in --results of a run interrupted within 24 hours")
    parser.add_argument("--all", action="store_true", help="list every instance in the table, not only those that did not pass")
    parser.add_argument("--json", action="store_true", help="print the combined result as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.workers <= MAX_WORKERS:
        print(f"--workers {args.workers} is out of range; use 1 to {MAX_WORKERS}.", file=sys.stderr)
        return 2
    try:
        if args.fleet.is_dir():
            summary = _fleet_summary(args.fleet)
            call_as, home = summary["callAs"], summary["homeRegion"]
            admin = Administrator(args.profile, home, args.workers)
            instances = instances_from_stack_sets(admin, list(summary["regionOrder"]), call_as)
        else:
            instances = instances_from_file(args.fleet)
            call_as = args.call_as
            if not instances:
                raise NoInventory(f"No stack instances in {args.fleet}: the StackSets have not deployed to any account yet.")
            admin = Administrator(args.profile, args.home_region, args.workers)
            if not admin.home_region:
                raise NoInventory(f"{args.fleet} does not say where the StackSets live; pass --home-region (fleet.homeRegion, the PrivateBedrockFleet stack's region).")
    except NoInventory as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001  (a profile that does not exist, ...)
        print(explain(exc, "opening the administrator's session"), file=sys.stderr)
        return 2
    if not instances:
        print(f"No stack instances in {args.fleet}: the StackSets have not deployed to any account yet.", file=sys.stderr)
        return 2
    stack_sets = {name: StackSetView(name, call_as) for name in sorted({i.stack_set for i in instances})}
    for view in stack_sets.values():
        view.describe(admin.cfn)
    if all(v.template is None for v in stack_sets.values()):
        print(next(v.error for v in stack_sets.values()), file=sys.stderr)
        return 2
    from private_bedrock.tools.verify.fleet_journal import Journal

    journal = Journal(args.results, resume=args.resume, templates={n: v.template_sha256 for n, v in stack_sets.items()}, max_age=RESUME_MAX_AGE)
    progress = ProgressBar(len(instances))
    try:
        result = verify_fleet(instances, admin, stack_sets, workers=args.workers, account_timeout=args.account_timeout,
                              drift_timeout=args.drift_timeout, journal=journal, progress=progress)
    except KeyboardInterrupt:
        print(f"Interrupted; the instances verified so far are in {args.results}: run again with --resume to verify only the rest.", file=sys.stderr)
        return 130
    finally:
        progress.close()
        journal.close()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_tables(result, args.all)
    return exit_code(result)


if __name__ == "__main__":
    sys.exit(main())
