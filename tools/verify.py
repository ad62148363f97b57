"""Post-deploy check: invoke both probes of a deployed stack and judge them by its template.

    python -m tools.verify --region us-east-1 [--stack-name NAME] [--json]

Uses the caller's AWS credentials. What to expect comes from the stack's own deployed
template (CloudFormation GetTemplate + ListStackResources), never from the probes:

1. The probes' configuration must be the template's: environment variables exactly (so no
   flipped EXPECT_* and no AWS_ENDPOINT_URL_* pointing at a fake) and code whose SHA-256
   is that of the asset object CloudFormation deployed. Otherwise verify refuses to run them.
2. Drift: the deployed endpoint policies (EC2 DescribeVpcEndpoints) and identity policy
   (IAM GetPolicyVersion) must equal the template's with the real ids, and the VPC's DNS
   Firewall must fail closed (Route 53 Resolver GetFirewallConfig).
3. Each check's expected outcome is recomputed from the template's environment with the
   probe's own plan (lambda_src/probe/plan.py); a check passes when its outcome is that.

Endpoints follow the SDK convention (AWS_ENDPOINT_URL_CLOUDFORMATION, _LAMBDA, _S3, _EC2,
_IAM, _ROUTE53RESOLVER), which is how the tests point it at local stand-ins.

Exit codes: 0 every check passed; 1 a check did not get what it expected, a probe failed,
a probe was refused or something drifted; 2 nothing could be verified (no credentials,
stack not deployed, AWS unreachable).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from typing import Any

from tools import deployed_template as dt

PROBES = (("vpc", "ProbeFunctionName"), ("control", "ControlProbeFunctionName"))
# The probe gives itself ~60 s; wait a little longer than that for its answer.
INVOKE_READ_TIMEOUT = 90


class CannotVerify(Exception):
    """A one-sentence reason why nothing could be verified."""


class Clients:
    def __init__(self, region: str, profile: str | None, session: Any = None):
        """`session`: a boto3 Session to use instead of the profile's (the fleet verifier's
        assumed-role credentials, tools/fleet_verify.py)."""
        from botocore.config import Config

        from tools.aws_sessions import boto3_session

        session = session or boto3_session(profile_name=profile, region_name=region)
        quick = Config(connect_timeout=5, read_timeout=30)
        once = {"total_max_attempts": 1, "mode": "standard"}  # a retried Invoke would run the probe twice
        self.cfn = session.client("cloudformation", config=quick)
        self.invoker = session.client("lambda", config=Config(connect_timeout=5, read_timeout=INVOKE_READ_TIMEOUT, retries=once))
        self.lam = session.client("lambda", config=quick)
        self.s3 = session.client("s3", config=Config(connect_timeout=5, read_timeout=60, s3={"addressing_style": "path"}))
        self.ec2 = session.client("ec2", config=quick)
        self.iam = session.client("iam", config=quick)
        self.resolver = session.client("route53resolver", config=quick)


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


def _describe(cfn, stack: str) -> tuple[dict, str]:
    """(outputs, account) of the deployed stack."""
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}, described["StackId"].split(":")[4]


def _deployed_template(cfn, stack: str) -> tuple[dict, dict[str, str]]:
    body = cfn.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    template = json.loads(body) if isinstance(body, str) else body
    physical: dict[str, str] = {}
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack):
        for r in page["StackResourceSummaries"]:
            if r.get("PhysicalResourceId"):
                physical[r["LogicalResourceId"]] = r["PhysicalResourceId"]
    return template, physical


def probe_refusals(clients: Clients, expected: dict[str, dt.ExpectedFunction]) -> list[str]:
    """Why a probe must not be trusted: its configuration is not the template's."""
    found = []
    for kind, fn in expected.items():
        conf = clients.lam.get_function_configuration(FunctionName=fn.name)
        env = (conf.get("Environment") or {}).get("Variables") or {}
        for key in sorted(set(env) | set(fn.environment)):
            if key.startswith("AWS_ENDPOINT_URL") and key in env:
                found.append(f"{kind} probe {fn.name}: {key}={env[key]!r} redirects the SDK; the template sets no endpoint override")
            elif key not in env:
                found.append(f"{kind} probe {fn.name}: environment variable {key} of the template is missing")
            elif key not in fn.environment:
                found.append(f"{kind} probe {fn.name}: environment variable {key}={env[key]!r} is not in the template")
            elif env[key] != fn.environment[key]:
                found.append(f"{kind} probe {fn.name}: {key} is {env[key]!r}, the template says {fn.environment[key]!r}")
        body = clients.s3.get_object(Bucket=fn.code_bucket, Key=fn.code_key)["Body"].read()
        deployed_sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
        if conf.get("CodeSha256") != deployed_sha:
            found.append(f"{kind} probe {fn.name}: its code (SHA-256 {conf.get('CodeSha256')}) is not the asset s3://{fn.code_bucket}/{fn.code_key} the template deployed ({deployed_sha})")
    return found


def policy_drift(clients: Clients, template: dict, symbols) -> list[str]:
    """Deployed endpoint and identity policies that differ from the template, named."""
    found = []
    endpoints = dt.expected_endpoint_policies(template, symbols)
    if endpoints:
        described = {e["VpcEndpointId"]: e for e in clients.ec2.describe_vpc_endpoints(VpcEndpointIds=sorted(endpoints))["VpcEndpoints"]}
        for vpce, (service, synthesized) in sorted(endpoints.items()):
            what = f"endpoint policy of {service.rsplit('.', 1)[-1]} ({vpce})"
            if vpce not in described:
                found.append(f"{what}: the endpoint no longer exists")
                continue
            found += dt.policy_differences(what, json.loads(described[vpce].get("PolicyDocument") or "{}"), synthesized)
    arn, synthesized = dt.expected_identity_policy(template, symbols)
    version = clients.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = clients.iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    if isinstance(document, str):
        from urllib.parse import unquote

        document = json.loads(unquote(document))
    found += dt.policy_differences(f"identity policy {arn.rsplit('/', 1)[-1]} (version {version})", document, synthesized)
    for vpc in dt.firewalled_vpcs(template, symbols):
        state = clients.resolver.get_firewall_config(ResourceId=vpc)["FirewallConfig"].get("FirewallFailOpen")
        if state != "DISABLED":
            found.append(f"DNS Firewall of {vpc}: FirewallFailOpen is {state}; it must be DISABLED (a query the firewall cannot judge would be answered)")
    return found


def judge(report: dict, expected: dict[str, str]) -> list[str]:
    """Re-judge a probe report against the template's expectations (the report's own
    'expected' and 'passed' are not trusted). Marks each check; returns the mismatches."""
    mismatches = []
    seen = set()
    for c in report.get("checks", []):
        name = c.get("name", "?")
        seen.add(name)
        if name not in expected:
            c["passed"] = False
            mismatches.append(f"{name}: not a check the template's configuration plans")
            continue
        if c.get("expected") != expected[name]:
            mismatches.append(f"{name}: the probe expected {c.get('expected')!r}, the template says {expected[name]!r}")
        c["expected"] = expected[name]
        c["passed"] = c.get("outcome") == expected[name]
        if not c["passed"]:
            mismatches.append(f"{name}: {c.get('outcome')!r}, the template expects {expected[name]!r}")
    for name in sorted(set(expected) - seen):
        mismatches.append(f"{name}: planned by the template but not reported by the probe")
    return mismatches


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


def verify(region: str, stack: str, profile: str | None = None, session: Any = None) -> dict:
    try:
        clients = Clients(region, profile, session)
        outputs, account = _describe(clients.cfn, stack)
        if dt.PROBE_OUTPUTS["vpc"] not in outputs:
            raise CannotVerify(f"Stack {stack} has no {dt.PROBE_OUTPUTS['vpc']} output; is it a PrivateBedrock stack?")
        template, physical = _deployed_template(clients.cfn, stack)
        symbols = dt.physical_symbols(template, physical, region, account, stack)
        expected = dt.expected_functions(template, symbols)
        refused = probe_refusals(clients, expected)
        drift = policy_drift(clients, template, symbols)
        probes = {}
        if not refused:
            for kind, fn in expected.items():
                report = _invoke(clients.invoker, fn.name)
                mismatches = judge(report, dt.expected_checks(fn, region)) if report.get("checks") else []
                report["passed"] = bool(report.get("checks")) and not mismatches and not report.get("error")
                probes[kind] = {"function": fn.name, "report": report, "mismatches": mismatches}
    except CannotVerify:
        raise
    except Exception as exc:  # noqa: BLE001  (_explain re-raises what it does not know)
        raise CannotVerify(_explain(exc, stack, region)) from None
    passed = not refused and not drift and all(p["report"].get("passed") is True for p in probes.values())
    return {"passed": passed, "region": region, "stack_name": stack, "refused": refused, "drift": drift, "probes": probes}


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
        for line in probe.get("mismatches", []):
            console.print(f"  [red]mismatch:[/] {line}")
    for line in result.get("refused", []):
        console.print(f"[red]refused:[/] {line}")
    if result.get("refused"):
        console.print("[red]The probes were not run: their configuration is not the deployed template's.[/]")
    for line in result.get("drift", []):
        console.print(f"[red]drift:[/] {line}")
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
