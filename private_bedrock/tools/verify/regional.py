"""Post-deploy check: run both probes of a deployed stack and judge them by the template built locally.

    python -m private_bedrock.tools.verify.regional --region us-east-1 [--stack-name NAME] [--assembly cdk.out | --against-deployed] [--json]

Uses the caller's AWS credentials. What to expect comes from the template in the local
cloud assembly (`--assembly`, default cdk.out: what `make deploy` deployed), never from the
probes, and the stack's resources are found with ListStackResources:

1. Stack drift: the deployed template (CloudFormation GetTemplate) must be the local one;
   a stack updated by hand is named, and judged by the local template, not by its own.
2. The probes' configuration must be the template's (private_bedrock/tools/verify/probe_config.py): environment
   exactly (no flipped EXPECT_*, no AWS_ENDPOINT_URL_*), runtime, handler, layers, role,
   subnets, security groups, architecture, KMS key, timeout, memory, log group, file
   systems, and code whose SHA-256 is that of the asset object CloudFormation deployed and
   whose files are those of the asset built in cdk.out. Otherwise verify refuses to run them.
   It then publishes a version (PublishVersion with the checked RevisionId and CodeSha256),
   checks the version's configuration again and invokes that version: nothing can change
   between the check and the run.
3. Policy drift: the endpoint policies (EC2 DescribeVpcEndpoints) and identity policy (IAM
   GetPolicyVersion) must equal the template's with the real ids; the VPC's DNS Firewall
   must have our rule group first, our rules and domain lists, and fail closed (Route 53
   Resolver ListFirewallRuleGroupAssociations, ListFirewallRules, ListFirewallDomains,
   GetFirewallConfig).
4. Each check's expected outcome is recomputed from the template's environment with the
   probe's own plan (lambda_src/probe/plan.py); a check passes when its outcome is that.

Endpoints follow the SDK convention (AWS_ENDPOINT_URL_CLOUDFORMATION, _LAMBDA, _S3, _EC2,
_IAM, _ROUTE53RESOLVER), which is how the tests point it at local stand-ins.

Exit codes: 0 every check passed; 1 a check did not get what it expected, a probe failed,
a probe was refused or something drifted; 2 nothing could be verified (no credentials,
no local assembly, stack not deployed, AWS unreachable).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from private_bedrock.tools.verify import deployed_template as dt
from private_bedrock.tools.verify import probe_config as pc

PROBES = (("vpc", "ProbeFunctionName"), ("control", "ControlProbeFunctionName"))
# The probe gives itself ~60 s; wait a little longer than that for its answer.
INVOKE_READ_TIMEOUT = 90


class CannotVerify(Exception):
    """A one-sentence reason why nothing could be verified."""


class Clients:
    def __init__(self, region: str, profile: str | None, session: Any = None):
        """`session`: a boto3 Session to use instead of the profile's (the fleet verifier's
        assumed-role credentials, private_bedrock/tools/verify/fleet.py)."""
        from botocore.config import Config

        from private_bedrock.tools.verify.aws_sessions import boto3_session

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


@dataclass(frozen=True)
class Reference:
    """What the deployed stack is judged against: the template built locally (cdk.out) and
    its assets, a StackSet's template (fleet members), or (--against-deployed) the deployed
    template itself."""

    template: dict | None  # None: the deployed template (GetTemplate)
    name: str
    asset_for_object: Callable[[str], Path | None] | None = None  # S3 key -> local built asset


AGAINST_DEPLOYED = Reference(None, "the deployed template itself")


def local_reference(cdk_out: Path, region: str) -> Reference:
    """The region's PrivateBedrock stack of a local cloud assembly, or one sentence why not."""
    from private_bedrock.tools.report.assembly import AssemblyError, stacks

    try:
        found = [s for s in stacks(cdk_out) if s.region == region]
    except AssemblyError as err:
        raise CannotVerify(f"{err} verify compares the deployed stack with the cloud assembly you deployed "
                           "(--assembly DIR; --against-deployed to judge the stack by its own template).") from None
    if not found:
        raise CannotVerify(f"The cloud assembly {cdk_out} has no stack for {region}; synthesize the configuration you deployed, "
                           "or pass --assembly DIR.")
    artifact = found[0]
    return Reference(artifact.template(), str(artifact.template_path), artifact.asset_for_object)


def _function_refusals(clients: Clients, what: str, fn: dt.ExpectedFunction, conf: dict, reference: Reference, cache: dict) -> list[str]:
    """Why this configuration (of the function, or of a version) must not be run."""
    found = pc.environment_differences(what, fn.environment, conf) + pc.configuration_differences(what, fn.config, conf)
    key = (fn.code_bucket, fn.code_key)
    if key not in cache:
        body = clients.s3.get_object(Bucket=fn.code_bucket, Key=fn.code_key)["Body"].read()
        cache[key] = (base64.b64encode(hashlib.sha256(body).digest()).decode(), body)
    deployed_sha, body = cache[key]
    if conf.get("CodeSha256") != deployed_sha:
        found.append(f"{what}: its code (SHA-256 {conf.get('CodeSha256')}) is not the asset s3://{fn.code_bucket}/{fn.code_key} the template deployed ({deployed_sha})")
    elif reference.asset_for_object is not None:
        local = reference.asset_for_object(fn.code_key)
        if local is None:
            found.append(f"{what}: {reference.name} has no built asset {fn.code_key} to compare its code with")
        else:
            if ("local", local) not in cache:
                cache[("local", local)] = pc.directory_digests(local) if local.is_dir() else pc.zip_digests(local.read_bytes())
            try:
                deployed = pc.zip_digests(body)
            except zipfile.BadZipFile:
                found.append(f"{what}: its code s3://{fn.code_bucket}/{fn.code_key} is not a zip file")
            else:
                found += pc.code_differences(what, deployed, cache[("local", local)], str(local))
    return found


def probe_refusals(clients: Clients, expected: dict[str, dt.ExpectedFunction], reference: Reference = AGAINST_DEPLOYED) -> tuple[list[str], dict[str, str]]:
    """(why the probes must not be trusted, the version of each to invoke).

    The function's configuration is checked first; only then is a version published
    (PublishVersion with the RevisionId and CodeSha256 that were checked, so a change in
    between is refused by Lambda) and the version's own configuration checked again. A
    version cannot change: what is invoked is what was checked. (Lambda API reference,
    PublishVersion: "Only publish a version if the hash value matches" / "if the revision ID
    matches"; no new version when nothing changed since the last one. 2026-12.)"""
    from botocore.exceptions import ClientError

    cache: dict = {}
    checked = {kind: clients.lam.get_function_configuration(FunctionName=fn.name) for kind, fn in expected.items()}
    found = [r for kind, fn in expected.items() for r in _function_refusals(clients, f"{kind} probe {fn.name}", fn, checked[kind], reference, cache)]
    if found:
        return found, {}
    versions = {}
    for kind, fn in expected.items():
        conf = checked[kind]
        try:
            published = clients.lam.publish_version(FunctionName=fn.name, CodeSha256=conf["CodeSha256"], RevisionId=conf["RevisionId"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "PreconditionFailedException":
                raise
            found.append(f"{kind} probe {fn.name}: changed while it was being verified (revision {conf['RevisionId']} is no longer current); run verify again")
            continue
        version = str(published.get("Version", ""))
        what = f"{kind} probe {fn.name} version {version}"
        if not version.isdigit():
            found.append(f"{what}: PublishVersion did not return a numbered version")
            continue
        found += _function_refusals(clients, what, fn, published, reference, cache)
        if published.get("CodeSha256") != conf["CodeSha256"]:
            found.append(f"{what}: its code (SHA-256 {published.get('CodeSha256')}) is not the code that was checked ({conf['CodeSha256']})")
        versions[kind] = version
    return found, ({} if found else versions)


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
    return found


def _all(client, operation: str, key: str, **params) -> list:
    return [item for page in client.get_paginator(operation).paginate(**params) for item in page.get(key, [])]


def firewall_drift(clients: Clients, template: dict, symbols) -> tuple[list[str], list[str]]:
    """(drift, notes) of each VPC's DNS Firewall: our association first in the VPC, our rules
    and domain lists as the template's, failing closed. Firewall Manager's groups ahead of
    ours are the organisation's and only noted; any other group ahead of ours is drift,
    because its ALLOW would answer a name before our block is consulted."""
    drift, notes = [], []
    for fw in dt.expected_firewalls(template, symbols):
        what = f"DNS Firewall of {fw.vpc_id}"
        associations = _all(clients.resolver, "list_firewall_rule_group_associations", "FirewallRuleGroupAssociations", VpcId=fw.vpc_id)
        ours = next((a for a in associations if a.get("Id") == fw.association_id), None)
        if ours is None:
            drift.append(f"{what}: the association {fw.association_id} of rule group {fw.rule_group_id} is gone; nothing blocks public names")
        else:
            if ours.get("FirewallRuleGroupId") != fw.rule_group_id:
                drift.append(f"{what}: association {fw.association_id} is of rule group {ours.get('FirewallRuleGroupId')}, the template says {fw.rule_group_id}")
            if ours.get("Priority") != fw.priority:
                drift.append(f"{what}: our rule group runs at priority {ours.get('Priority')}, the template says {fw.priority}")
            if ours.get("Status") == "DELETING":
                drift.append(f"{what}: association {fw.association_id} is being deleted")
        priority = ours.get("Priority", fw.priority) if ours else fw.priority
        for a in sorted(associations, key=lambda x: x.get("Priority", 0)):
            if a is ours or a.get("Priority", 0) >= priority:
                continue
            line = f"{what}: rule group {a.get('FirewallRuleGroupId')} (association {a.get('Id')}, priority {a.get('Priority')}) runs ahead of ours ({priority})"
            if a.get("ManagedOwnerName"):
                notes.append(f"{line}, managed by {a['ManagedOwnerName']}: its rules decide first and are not judged here")
            else:
                drift.append(f"{line}: its rules decide first, so an ALLOW there undercuts our block")
        rules = sorted((dt.firewall_rule(r) for r in _all(clients.resolver, "list_firewall_rules", "FirewallRules", FirewallRuleGroupId=fw.rule_group_id)),
                       key=lambda t: dict(t).get("Priority", 0))
        for rule in sorted(set(fw.rules) - set(rules), key=str):
            drift.append(f"{what}: rule {dict(rule)} of the template is not in rule group {fw.rule_group_id}")
        for rule in sorted(set(rules) - set(fw.rules), key=str):
            drift.append(f"{what}: rule group {fw.rule_group_id} has a rule the template does not: {dict(rule)}")
        for list_id, domains in sorted(fw.domain_lists.items()):
            deployed = {dt.domain(d) for d in _all(clients.resolver, "list_firewall_domains", "Domains", FirewallDomainListId=list_id)}
            added, missing = sorted(deployed - set(domains)), sorted(set(domains) - deployed)
            if added:
                drift.append(f"{what}: domain list {list_id} has names the template does not: {', '.join(added[:5])}{' …' if len(added) > 5 else ''}")
            if missing:
                drift.append(f"{what}: domain list {list_id} lacks names of the template: {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
        state = clients.resolver.get_firewall_config(ResourceId=fw.vpc_id)["FirewallConfig"].get("FirewallFailOpen")
        if state != "DISABLED":
            drift.append(f"{what}: FirewallFailOpen is {state}; it must be DISABLED (a query the firewall cannot judge would be answered)")
    return drift, notes


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


def _invoke(lam, function: str, version: str) -> dict:
    """The report of the checked version, or a synthetic failed report if it failed."""
    response = lam.invoke(FunctionName=function, Qualifier=version, InvocationType="RequestResponse", Payload=b"{}")
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


def verify(region: str, stack: str, profile: str | None = None, session: Any = None, reference: Reference = AGAINST_DEPLOYED) -> dict:
    """Check, then run, then judge one deployed stack. `reference`: what it is judged against
    (the CLI: the local cloud assembly, or the deployed template with --against-deployed;
    a fleet member: its StackSet's template, without local assets)."""
    from private_bedrock.tools.prove.resolve import UnresolvedIntrinsic

    try:
        clients = Clients(region, profile, session)
        outputs, account = _describe(clients.cfn, stack)
        if dt.PROBE_OUTPUTS["vpc"] not in outputs:
            raise CannotVerify(f"Stack {stack} has no {dt.PROBE_OUTPUTS['vpc']} output; is it a PrivateBedrock stack?")
        deployed, physical = _deployed_template(clients.cfn, stack)
        # A stack updated by hand is named here, and judged by the template built locally,
        # not by its own (looser) one.
        template = deployed if reference.template is None else reference.template
        drift = [] if reference.template is None else dt.template_differences(deployed, template, reference.name)
        symbols = dt.physical_symbols(template, physical, region, account, stack)
        refused: list[str] = []
        versions: dict[str, str] = {}
        notes: list[str] = []
        probes: dict[str, dict[str, Any]] = {}
        try:
            expected = dt.expected_functions(template, symbols)
        except (UnresolvedIntrinsic, KeyError) as exc:
            refused.append(f"the probes cannot be compared with {reference.name}: {exc}")
            expected = {}
        if expected:
            refused, versions = probe_refusals(clients, expected, reference)
        try:
            drift += policy_drift(clients, template, symbols)
            firewall, notes = firewall_drift(clients, template, symbols)
            drift += firewall
        except (UnresolvedIntrinsic, KeyError) as exc:
            drift.append(f"the policies cannot be compared with {reference.name}: {exc}")
        if not refused:
            for kind, fn in expected.items():
                report = _invoke(clients.invoker, fn.name, versions[kind])
                mismatches = judge(report, dt.expected_checks(fn, region)) if report.get("checks") else []
                report["passed"] = bool(report.get("checks")) and not mismatches and not report.get("error")
                probes[kind] = {"function": fn.name, "version": versions[kind], "report": report, "mismatches": mismatches}
    except CannotVerify:
        raise
    except Exception as exc:  # noqa: BLE001  (_explain re-raises what it does not know)
        raise CannotVerify(_explain(exc, stack, region)) from None
    passed = bool(probes) and not refused and not drift and all(p["report"].get("passed") is True for p in probes.values())
    return {"passed": passed, "region": region, "stack_name": stack, "reference": reference.name,
            "refused": refused, "drift": drift, "notes": notes, "probes": probes}


def _print_tables(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # logs and pipes: do not fold check names into 80 columns
        console.width = 200
    for kind, probe in result["probes"].items():
        report = probe["report"]
        table = Table(title=f"{kind} probe: {probe['function']} version {probe.get('version')}", title_justify="left")
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
    for line in result.get("notes", []):
        console.print(f"note: {line}")
    console.print(f"judged against {result.get('reference')}")
    verdict = "[green]all checks passed[/]" if result["passed"] else "[red]verification FAILED[/]"
    console.print(f"{result['stack_name']} ({result['region']}): {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="private-bedrock verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", required=True)
    parser.add_argument("--stack-name", help="default: PrivateBedrock-<region>")
    parser.add_argument("--profile", help="AWS profile to use (default: the usual credential chain)")
    parser.add_argument("--json", action="store_true", help="print the combined result as JSON")
    against = parser.add_mutually_exclusive_group()
    against.add_argument("--assembly", type=Path, default=Path("cdk.out"),
                         help="the cloud assembly that was deployed, to judge the stack by (default: cdk.out)")
    against.add_argument("--against-deployed", action="store_true",
                         help="judge the stack by its own deployed template (no local assembly): a stack edited by hand then passes")
    args = parser.parse_args(argv)
    stack = args.stack_name or f"PrivateBedrock-{args.region}"
    try:
        reference = AGAINST_DEPLOYED if args.against_deployed else local_reference(args.assembly, args.region)
        result = verify(args.region, stack, args.profile, reference=reference)
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
