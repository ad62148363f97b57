"""Post-deploy check: invoke both probes of a deployed stack and show what they found.

    python -m tools.verify --region us-east-1 [--stack-name NAME] [--json]

Uses the caller's AWS credentials. Reads the stack outputs ProbeFunctionName and
ControlProbeFunctionName, invokes each function synchronously and prints one table per
probe. Endpoints follow the SDK convention (AWS_ENDPOINT_URL_CLOUDFORMATION,
AWS_ENDPOINT_URL_LAMBDA), which is how the tests point it at local stand-ins.

Exit codes: 0 every check passed; 1 a check did not get what it expected or a probe failed;
2 nothing could be verified (no credentials, stack not deployed, AWS unreachable).
"""

from __future__ import annotations

import argparse
import json
import sys

PROBES = (("vpc", "ProbeFunctionName"), ("control", "ControlProbeFunctionName"))
# The probe gives itself ~60 s; wait a little longer than that for its answer.
INVOKE_READ_TIMEOUT = 90


class CannotVerify(Exception):
    """A one-sentence reason why nothing could be verified."""


def _clients(region: str, profile: str | None):
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(profile_name=profile, region_name=region)
    once = {"total_max_attempts": 1, "mode": "standard"}  # a retried Invoke would run the probe twice
    return (session.client("cloudformation", config=Config(connect_timeout=5, read_timeout=30)),
            session.client("lambda", config=Config(connect_timeout=5, read_timeout=INVOKE_READ_TIMEOUT, retries=once)))


def _explain(exc: Exception, stack: str, region: str) -> str:
    from botocore import exceptions as bx

    if isinstance(exc, bx.NoCredentialsError):
        return "No AWS credentials were found; configure some (for example AWS_PROFILE or `aws sso login`) and run again."
    if isinstance(exc, (bx.ProfileNotFound, bx.PartialCredentialsError)):
        return f"The AWS credentials are not usable: {exc}."
    if isinstance(exc, bx.ClientError):
        err = exc.response.get("Error", {})
        if err.get("Code") == "ValidationError" and "does not exist" in err.get("Message", ""):
            return f"Stack {stack} is not deployed in {region}; deploy it first (cdk deploy {stack})."
        return f"AWS refused the request ({err.get('Code')}): {err.get('Message')}."
    if isinstance(exc, bx.BotoCoreError):
        return f"Could not reach AWS: {exc}."
    raise exc


def _outputs(cfn, stack: str) -> dict:
    stacks = cfn.describe_stacks(StackName=stack)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def _invoke(lam, function: str) -> dict:
    """The probe's report, or a synthetic failed report if the function itself failed."""
    response = lam.invoke(FunctionName=function, InvocationType="RequestResponse", Payload=b"{}")
    raw = response["Payload"].read()
    try:
        payload = json.loads(raw or b"null")
    except ValueError:
        payload = None
    if response.get("FunctionError") or not isinstance(payload, dict) or not isinstance(payload.get("checks"), list):
        reason = payload.get("errorMessage") if isinstance(payload, dict) else None
        return {"passed": False, "checks": [],
                "error": f"probe {function} failed: {reason or raw[:300].decode('utf-8', 'replace')}"}
    return payload


def verify(region: str, stack: str, profile: str | None = None) -> dict:
    try:
        cfn, lam = _clients(region, profile)
        outputs = _outputs(cfn, stack)
        if PROBES[0][1] not in outputs:
            raise CannotVerify(f"Stack {stack} has no {PROBES[0][1]} output; is it a PrivateBedrock stack?")
        probes = {kind: {"function": outputs[key], "report": _invoke(lam, outputs[key])}
                  for kind, key in PROBES if key in outputs}
    except CannotVerify:
        raise
    except Exception as exc:  # noqa: BLE001  (_explain re-raises what it does not know)
        raise CannotVerify(_explain(exc, stack, region)) from None
    passed = all(p["report"].get("passed") is True for p in probes.values())
    return {"passed": passed, "region": region, "stack_name": stack, "probes": probes}


def _print_tables(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # logs and pipes: do not fold check names into 80 columns
        console.width = 200
    for kind, probe in result["probes"].items():
        report = probe["report"]
        table = Table(title=f"{kind} probe: {probe['function']}", title_justify="left")
        for column in ("check", "endpoint", "expected", "outcome", "result", "latency", "detail"):
            table.add_column(column, overflow="fold")
        for c in report.get("checks", []):
            mark = "[green]PASS[/]" if c.get("passed") else "[red]FAIL[/]"
            table.add_row(c.get("name", "?"), c.get("endpoint", ""), c.get("expected", ""), c.get("outcome", ""),
                          mark, f"{c.get('latency_ms', 0):.0f} ms", c.get("detail", ""))
        console.print(table)
        for s in report.get("skipped", []):
            console.print(f"  skipped {s['name']}: {s['reason']}")
        if report.get("error"):
            console.print(f"  [red]probe error:[/] {report['error']}")
    verdict = "[green]all checks passed[/]" if result["passed"] else "[red]verification FAILED[/]"
    console.print(f"{result['stack_name']} ({result['region']}): {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", required=True)
    parser.add_argument("--stack-name", help="default: PrivateBedrock-<region>")
    parser.add_argument("--profile", help="AWS profile to use (default: the usual credential chain)")
    parser.add_argument("--json", action="store_true", help="print the combined result as JSON")
    args = parser.parse_args(argv)
    stack = args.stack_name or f"PrivateBedrock-{args.region}"
    try:
        result = verify(args.region, stack, args.profile)
    except CannotVerify as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_tables(result)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
