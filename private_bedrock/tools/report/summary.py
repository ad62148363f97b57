"""Print what `cdk synth` built, per region, from the stacks the cloud assembly's manifest lists, and what to run next.

Usage: private-bedrock synth-report cdk.out
"""

from __future__ import annotations

import ipaddress
import json
import sys
from pathlib import Path
from typing import Any, Iterable

from rich.console import Console
from rich.table import Table

from private_bedrock.facts.regions import private_dns_name
from private_bedrock.tools.report.assembly import AssemblyError, FleetArtifact, StackArtifact, fleet, stacks
from private_bedrock.tools.report import hub_cost
from private_bedrock.tools.report.prices import ENDPOINT_GB, HOURS_PER_MONTH, KMS_KEY_MONTH, PRICE_SOURCE, PRICES_AS_OF, RESOLVER_ENI_HOUR, MonthlyEstimate, estimate
from private_bedrock.tools.report import prices
from private_bedrock.tools.report.next_steps import RegionalDesign, fleet_steps, next_step_lines, regional_steps
from private_bedrock.tools.report.principals import admission_lines
from private_bedrock.tools.report.residency import residency_lines


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def policy_line(document: dict[str, Any]) -> str:
    """allow A, B (n conditions); deny C — one line a reviewer can scan."""
    parts = []
    for effect in ("Allow", "Deny"):
        # Short names for readability; a wildcard keeps its prefix (bedrock:* vs bedrock-mantle:*).
        acts = sorted({a if a.endswith(":*") else a.split(":", 1)[1] for s in document["Statement"] if s["Effect"] == effect for a in _actions(s)})
        if acts:
            parts.append(f"{effect.lower()} {', '.join(acts)}")
    keys = sorted({k for s in document["Statement"] for op in s.get("Condition", {}).values() for k in op})
    if keys:
        parts.append("when " + ", ".join(keys))
    return "; ".join(parts)


def vpc_cidr(resources: dict[str, Any]) -> str | None:
    cidrs = [r["Properties"].get("CidrBlock") for r in resources.values() if r["Type"] == "AWS::EC2::VPC"]
    return cidrs[0] if len(cidrs) == 1 and isinstance(cidrs[0], str) else None


def _port(rule: dict[str, Any]) -> str:
    proto = {"6": "tcp", "17": "udp", "-1": "all"}.get(str(rule.get("IpProtocol")), str(rule.get("IpProtocol")))
    lo, hi = rule.get("FromPort"), rule.get("ToPort")
    return proto if proto == "all" else f"{proto} {lo}" if lo == hi else f"{proto} {lo}-{hi}"


def _rules(resources: dict[str, Any], inline: str, separate: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for res in resources.values():
        if res["Type"] == "AWS::EC2::SecurityGroup":
            rules += res["Properties"].get(inline, [])
        elif res["Type"] == separate:
            rules.append(res["Properties"])
    return rules


def range_label(rule: dict[str, Any]) -> str:
    """Whose range a rule admits, from the description the network construct writes
    ("TLS from spoke 10.90.0.0/16", "DNS from on-premises 192.168.10.0/24")."""
    description = f" {rule.get('Description', '')} "
    return "spoke" if " from spoke " in description else "on-premises" if " from on-premises " in description else "other"


def admitted_ranges(resources: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """label (on-premises, spoke, other) -> CIDR -> the ports security groups admit from it, as deployed."""
    out: dict[str, dict[str, list[str]]] = {}
    for rule in _rules(resources, "SecurityGroupIngress", "AWS::EC2::SecurityGroupIngress"):
        if isinstance(rule.get("CidrIp"), str):
            out.setdefault(range_label(rule), {}).setdefault(rule["CidrIp"], []).append(_port(rule))
    return {label: {cidr: sorted(set(ports)) for cidr, ports in by_cidr.items()} for label, by_cidr in out.items()}


# The closed security group's placeholder rule (CDK's "Disallow all traffic"), not a destination.
_NO_TRAFFIC = "255.255.255.255/32"


def egress_ranges(resources: dict[str, Any]) -> dict[str, list[str]]:
    """CIDR -> the ports security groups may send to (a spoke's: the hub's range)."""
    out: dict[str, list[str]] = {}
    for rule in _rules(resources, "SecurityGroupEgress", "AWS::EC2::SecurityGroupEgress"):
        if isinstance(rule.get("CidrIp"), str) and rule["CidrIp"] != _NO_TRAFFIC:
            out.setdefault(rule["CidrIp"], []).append(_port(rule))
    return {cidr: sorted(set(ports)) for cidr, ports in out.items()}


def _ranges_text(by_cidr: dict[str, list[str]]) -> str:
    return ", ".join(f"{cidr} ({', '.join(ports)})" for cidr, ports in by_cidr.items()) or "none"


def resolver_enis(resources: dict[str, Any]) -> int:
    return sum(
        len(r["Properties"].get("IpAddresses", []))
        for r in resources.values()
        if r["Type"] == "AWS::Route53Resolver::ResolverEndpoint"
    )


# What missing bytecode costs the probe (bench/probe_cold_start.py, docs/internals.md: about 1 s
# of each cold start); the probe has 1 GB (private_bedrock/probe/construct.py).
NO_BYTECODE_COLD_START_SECONDS = 1.0
PROBE_MEMORY_GB = 1.0


def _bundle_info(stack: StackArtifact) -> dict[str, Any] | None:
    for asset in stack.asset_dirs():
        info_path = asset / "bundle_info.json"
        if info_path.exists():
            return json.loads(info_path.read_text())
    return None


def probe_bundle_line(found: Iterable[StackArtifact]) -> str | None:
    """Said once, and only when the probe bundle lacks bytecode: all it changes is the probe's
    cold start (about a second, cents a month), not the workloads, the policies or the proof."""
    found = list(found)
    info = next((i for i in map(_bundle_info, found) if i), None)
    if info is None or info.get("bytecode"):
        return None
    runs = sum(s.template().get("Metadata", {}).get("PrivateBedrock", {}).get("monitoring", {}).get("probeRunsPerMonth", 0) for s in found)
    extra = runs * NO_BYTECODE_COLD_START_SECONDS * PROBE_MEMORY_GB * prices.LAMBDA_GB_SECOND_ARM
    return (
        f"note: the probe bundle has no precompiled bytecode ({info.get('no_bytecode_reason', 'not compiled')}): each probe cold start "
        f"takes about {NO_BYTECODE_COLD_START_SECONDS:.0f} s longer (${extra:.2f} a month at the schedules), nothing else changes; "
        f"PROBE_BYTECODE_PYTHON=<a python{info.get('python_version', '')}> precompiles it."
    )


def monitoring_cost(monitoring: dict[str, Any], resources: dict[str, Any]) -> tuple[float, str]:
    """Monthly cost of the schedule, metrics, alarms, dashboard and trail; and how it adds up."""
    runs = monitoring.get("probeRunsPerMonth", 0)
    alarm_metrics = 0
    for res in resources.values():
        if res["Type"] == "AWS::CloudWatch::Alarm":
            metrics = res["Properties"].get("Metrics")
            alarm_metrics += sum(1 for m in metrics if "MetricStat" in m) if metrics else 1
    dashboards = sum(r["Type"] == "AWS::CloudWatch::Dashboard" for r in resources.values())
    # The monitoring's own keys (the alarm topic's, the audit trail's); the log key is priced above.
    keys = sum(r["Type"] == "AWS::KMS::Key" and k.startswith("Monitoring") for k, r in resources.items())
    parts = {
        "schedule": runs / 1e6 * prices.SCHEDULER_PER_MILLION,
        "probe runs": runs * (prices.PROBE_RUN_GB_SECONDS * prices.LAMBDA_GB_SECOND_ARM + prices.LAMBDA_PER_MILLION / 1e6),
        "metrics": monitoring.get("customMetrics", 0) * prices.CUSTOM_METRIC_MONTH,
        "alarms": alarm_metrics * prices.ALARM_METRIC_MONTH,
        "dashboard": dashboards * prices.DASHBOARD_MONTH,
        "keys": keys * KMS_KEY_MONTH,
    }
    text = (
        f"{runs} probe runs, {monitoring.get('customMetrics', 0)} metrics x ${prices.CUSTOM_METRIC_MONTH}, "
        f"{alarm_metrics} alarm metrics x ${prices.ALARM_METRIC_MONTH}, {dashboards} dashboard x ${prices.DASHBOARD_MONTH:.2f}, "
        f"{keys} more KMS key{'' if keys == 1 else 's'}"
    )
    if monitoring.get("auditTrail"):
        text += f"; audit trail: ${prices.CLOUDTRAIL_DATA_EVENTS_PER_100K} per 100,000 bedrock-mantle data events, plus S3 storage"
    return sum(parts.values()), text


def _text(value: Any, region: str) -> str:
    """A string property; a StackSet's template writes the region as {"Ref": "AWS::Region"}."""
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(_text(p, region) for p in parts)
    if value == {"Ref": "AWS::Region"}:
        return region
    return value if isinstance(value, str) else json.dumps(value)


def summarize(stack: StackArtifact, console: Console) -> tuple[MonthlyEstimate, float]:
    """Print one region's summary; return its network estimate and its continuous proof's cost."""
    template = stack.template()
    meta = template.get("Metadata", {}).get("PrivateBedrock", {})
    resources = template["Resources"]
    region = stack.region
    console.rule(f"[bold]{stack.stack_id}")
    # Residency first: where prompts may be processed, and on whose word (private_bedrock/tools/report/residency.py).
    for line in residency_lines(meta, region):
        console.print(line, highlight=False)

    endpoints = [r for r in resources.values() if r["Type"] == "AWS::EC2::VPCEndpoint"]
    endpoint_azs = [len(r["Properties"]["SubnetIds"]) for r in endpoints]
    if endpoints:
        table = Table(show_lines=False)
        for col in ("endpoint", "private DNS name", "AZs", "endpoint policy"):
            table.add_column(col)
        policies = []
        for res in endpoints:
            props = res["Properties"]
            service = _text(props["ServiceName"], region).split(".", 3)[3]
            dns = private_dns_name(service, region) if props.get("PrivateDnsEnabled") else "(private DNS off)"
            table.add_row(service, dns, str(len(props["SubnetIds"])), policy_line(props["PolicyDocument"]))
            policies.append((service, props["PolicyDocument"]))
        console.print(table)
        for line in admission_lines(policies, resources, region):
            console.print(line, highlight=False)
    if meta.get("topology") == "spoke":
        for line in spoke_lines(meta, resources):
            console.print(line, highlight=False)
    for res in resources.values():
        if res["Type"] == "AWS::IAM::ManagedPolicy" and res["Properties"].get("Description", "").startswith("Amazon Bedrock"):
            console.print(f"identity policy (SourceVpceOnlyPolicy): {policy_line(res['Properties']['PolicyDocument'])}")
    guardrail = guardrail_line(meta, resources, region)
    if guardrail:
        console.print(guardrail, highlight=False)
    nat = sum(r["Type"] in ("AWS::EC2::NatGateway", "AWS::EC2::InternetGateway") for r in resources.values())
    console.print(f"internet gateways + NAT gateways: {nat}")
    ranges = admitted_ranges(resources)
    admitted = f"on-premises ranges admitted: {_ranges_text(ranges.get('on-premises', {}))}"
    # A hub's spoke ranges are not on-premises ones: said apart (and only in a hub).
    if meta.get("topology") == "hub" or "spoke" in ranges:
        admitted += f"  spoke ranges admitted: {_ranges_text(ranges.get('spoke', {}))}"
    if "other" in ranges:
        admitted += f"  other ranges admitted: {_ranges_text(ranges['other'])}"
    console.print(f"VPC range: {vpc_cidr(resources) or '(not created by this stack)'}  {admitted}", highlight=False)

    cost = estimate(region, sum(endpoint_azs), resolver_enis(resources))
    rate = f"${cost.rate.per_az_hour:.3f}/h in {region}" if cost.rate.sourced else (
        f"[bold yellow]no sourced rate for {region}[/], at least ${cost.rate.per_az_hour:.3f}/h"
    )
    resolver = f" + {cost.resolver_enis} Resolver IPs x ${RESOLVER_ENI_HOUR}/h x {HOURS_PER_MONTH} h" if cost.resolver_enis else ""
    console.print(
        f"estimated monthly cost: [bold]${cost.total:,.2f}[/] "
        f"({cost.endpoint_azs} endpoint-AZs x {rate} x {HOURS_PER_MONTH} h{resolver} + KMS key ${KMS_KEY_MONTH:.2f}; "
        f"plus ${ENDPOINT_GB}/GB through the endpoints, flow-log ingestion, and Bedrock usage)",
        highlight=False,
    )
    if meta.get("topology") == "hub":
        _hub_lines(console, region, sum(endpoint_azs), resources, len(meta.get("spokePrincipalArns", [])))
        console.print(hub_admission_line(meta, resources), highlight=False)
    proof = 0.0
    if "monitoring" in meta:
        proof, how = monitoring_cost(meta["monitoring"], resources)
        console.print(
            f"continuous proof (schedule {meta['monitoring'].get('probeSchedule')}): [bold]${proof:,.2f}[/] a month "
            f"({how}; plus the probe's own Bedrock tokens)",
            highlight=False,
        )
    return cost, proof


def spoke_lines(meta: dict[str, Any], resources: dict[str, Any]) -> list[str]:
    """A spoke has no endpoints of its own: the hub's, the route to them and the DNS that names them."""
    ids = meta.get("hubEndpointIds", {})
    hub = _ranges_text(egress_ranges(resources))
    profiles = [r["Properties"].get("ProfileId") for r in resources.values() if r["Type"] == "AWS::Route53Profiles::ProfileAssociation"]
    profile = ", ".join(p for p in profiles if isinstance(p, str)) or "(none associated)"
    return [
        "spoke of a hub: no endpoints of its own; the hub's (hubEndpointIds, named by the identity policy): "
        + (", ".join(f"{service} {vpce}" for service, vpce in ids.items()) or "none"),
        f"  hub network: workloads may send only to the hub's range {hub}, hubVpcCidr; the Bedrock names resolve through the hub's "
        f"Route 53 Profile {profile} (hubDnsProfileId), associated with this VPC",
    ]


def guardrail_line(meta: dict[str, Any], resources: dict[str, Any], region: str) -> str | None:
    """The guardrail every model call must name, and which policies demand it as deployed."""
    arn = meta.get("guardrailArn")
    if not arn:
        return None
    demanding = []
    for res in resources.values():
        props = res["Properties"]
        if res["Type"] == "AWS::EC2::VPCEndpoint":
            name = _text(props["ServiceName"], region).split(".", 3)[3] + " endpoint policy"
        elif res["Type"] == "AWS::IAM::ManagedPolicy" and props.get("Description", "").startswith("Amazon Bedrock"):
            name = "identity policy (SourceVpceOnlyPolicy)"
        else:
            continue
        if "bedrock:GuardrailIdentifier" in json.dumps(props["PolicyDocument"]):
            demanding.append(name)
    names = sorted(set(demanding))
    where = " and the ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names) or "[bold yellow]no policy of this stack[/]"
    return (
        f"required guardrail: {arn} (any version): every model call must name it (bedrock:GuardrailIdentifier, demanded by the {where}); "
        "Converse and InvokeModel can, the Responses and Chat Completions APIs cannot and are refused"
    )


def regional_design(stack: StackArtifact) -> RegionalDesign:
    template = stack.template()
    meta, resources = template.get("Metadata", {}).get("PrivateBedrock", {}), template["Resources"]
    role_names = [r["Properties"].get("RoleName") for k, r in resources.items() if r["Type"] == "AWS::IAM::Role" and k.startswith("ProbeInVpcRole")]
    return RegionalDesign(
        region=stack.region,
        topology=meta.get("topology", "standalone"),
        existing_vpc=bool(meta.get("existingVpc")),
        probe_role_name=next((n for n in role_names if isinstance(n, str)), None),
        hub_cidrs=tuple(egress_ranges(resources)) if meta.get("topology") == "spoke" else (),
    )


def _hub_lines(console: Console, region: str, endpoint_azs: int, resources: dict[str, Any], listed: int) -> None:
    zones = sum(r["Type"] == "AWS::Route53::HostedZone" for r in resources.values())
    rows = hub_cost.table(region, endpoint_azs, zones, listed)
    console.print(
        f"hub: {endpoint_azs} endpoint-AZs and {zones} private zones shared with the spokes; monthly cost against N spokes "
        "each with its own endpoints (endpoint hours, zones and keys only; no data, Transit Gateway or Profile association charges):",
        highlight=False,
    )
    console.print(
        "  " + "  ".join(f"N={r.spokes}: hub ${r.hub:,.0f} vs ${r.standalone:,.0f}" for r in rows),
        highlight=False,
    )


SPOKE_ACCESS_TRUSTS = {
    "perAccount": "each listed role by ARN, in statements of its own account",
    "accounts": "the listed roles of the listed accounts, each to its own account's resources",
    "organization": "any role of a listed name in any member account of the organisation (whoever may create such a role there)",
}


def hub_admission_line(meta: dict[str, Any], resources: dict[str, Any]) -> str:
    """Which form the hub's endpoint policies take, what it trusts, and the headroom of the largest."""
    access = meta.get("spokeAccess", "perAccount")
    sizes = [len(json.dumps(r["Properties"]["PolicyDocument"], separators=(",", ":"))) for r in resources.values() if r["Type"] == "AWS::EC2::VPCEndpoint"]
    return (
        f"  spoke access {access}: admits {SPOKE_ACCESS_TRUSTS[access]}; largest endpoint policy {max(sizes):,} of 20,480 characters "
        "(the hub's own probe role counted as written in the template)"
    )


def overlapping_vpcs(stack_cidrs: Iterable[tuple[str, str | None]]) -> list[tuple[str, str]]:
    """Pairs of regions whose VPC ranges overlap (they cannot be joined to one network)."""
    nets = [(region, ipaddress.IPv4Network(c)) for region, c in stack_cidrs if c]
    return [(a, b) for i, (a, na) in enumerate(nets) for b, nb in nets[i + 1 :] if na.overlaps(nb)]


def nag_line(out: Path) -> str:
    """What cdk-nag said, from CDK's validation report (synth fails on any finding)."""
    report = out / "validation-report.json"
    if not report.exists():
        return "no validation report found: were the nag packs registered?"
    findings = sum(len(p.get("violations", [])) for p in json.loads(report.read_text()).get("pluginReports", []))
    packs = "AwsSolutions, NIST 800-53 R5, HIPAA Security"
    return f"nag packs {packs}: clean." if findings == 0 else f"nag packs {packs}: {findings} unacknowledged finding(s)."


def fence_manifest(out: Path) -> dict[str, Any] | None:
    path = out / "scp" / "fence-manifest.json"
    return json.loads(path.read_text()) if path.exists() else None


def fence_lines(out: Path) -> list[str]:
    """Where the organisation fence's policies are, their sizes, and what is still missing;
    one line when no fence is configured (the files are written for review either way)."""
    manifest = fence_manifest(out)
    if manifest is None:
        return ["organisation fence: no policies written (cdk.out/scp/ missing)"]
    scp_dir = out / "scp"
    if not manifest.get("configured", True):
        return [f"organisation fence: not configured (the service control policies it would attach are in {scp_dir}/ for review; docs/organisation-fence.md)"]
    lines = [f"organisation fence (service control policies) written to {scp_dir}/:"]
    for p in manifest["policies"]:
        lines.append(f"  {p['file']}: {p['chars']} of {p['maxChars']} characters (minified, as deployed)")
    lines += _network_form_lines(manifest)
    if manifest["placeholders"]:
        lines.append("  endpoint ids are placeholders (vpce-PLACEHOLDER-...): deploy the regions, then `make fence-ids`")
    if not manifest["breakGlassPrincipalArns"]:
        lines.append("  no break-glass principals configured (fence.breakGlassPrincipalArns)")
    roots = [t for t in manifest["targets"] if t.startswith("r-")]
    if roots:
        lines.append(
            f"  caution: fence.targets names the organisation root {', '.join(roots)}: the policies apply to every account at once; "
            "start the rollout with a test OU (one non-production account), `make verify` there, then widen the targets"
        )
    stack = f"stack PrivateBedrockFence targets {', '.join(manifest['targets'])}" if manifest["stack"] else "no stack (set fence.enabled to create the policies with CloudFormation)"
    lines.append(f"  {stack}")
    return lines


def _network_form_lines(manifest: dict) -> list[str]:
    """Which network statement this configuration's fence has, and why (private_bedrock/policies/scp.py)."""
    if manifest.get("networkForm") == "own-account-endpoints":
        return [
            "  network: Bedrock only through VPC endpoints of the caller's own account (aws:VpceAccount = ${aws:PrincipalAccount}), "
            "because fleet.enabled gives every member account endpoints of its own that no list of ids can name; no `make fence-ids`",
            "  [field] AWS does not document aws:VpceAccount for Bedrock: if Bedrock leaves it out, every member's Bedrock call is denied "
            "(fails closed) - fence a test OU and run `make verify FLEET=...` first",
        ]
    ids = sum(len(services) for services in manifest.get("endpointIds", {}).values())
    return [f"  network: Bedrock only through exactly this deployment's {ids} endpoint(s) (aws:SourceVpce), because a single deployment's ids can be read before the fence is attached (`make fence-ids`, or a spoke's hubEndpointIds)"]


def fleet_lines(delivery: FleetArtifact) -> list[str]:
    """Where the StackSets deliver the stacks, how fast, and who may verify them."""
    s = delivery.summary
    prefs = ", ".join(f"{k} {v}" for k, v in s.get("operationPreferences", {}).items())
    excluded = f" except accounts {', '.join(s['excludeAccounts'])}" if s.get("excludeAccounts") else ""
    lines = [
        f"StackSets (stack PrivateBedrockFleet in {s.get('administratorAccount')} / {s.get('homeRegion')}, callAs {s.get('callAs')}, service-managed):",
        f"  targets: every account of {', '.join(s.get('organizationalUnits', []))}{excluded}",
        f"  regions in rollout order: {' -> '.join(s.get('regionOrder', []))} (each region starts when the previous one has finished)",
        f"  operation preferences: {prefs}",
        f"  auto-deployment: {'on' if s.get('autoDeployment') else 'off'}"
        + (f", stacks {'retained' if s.get('retainStacksOnAccountRemoval') else 'deleted'} when an account leaves the OUs" if s.get("autoDeployment") else ""),
        f"  asset buckets (organisation read only): {', '.join(s.get('assetBuckets', []))}",
        f"  verifier roles {', '.join(s.get('verifierRoles', []))}, assumable by {', '.join(s.get('verifierCallerArns', []))}"
        + (f" (give them the managed policy {s['verifierCallerPolicy']}: `make verify FLEET=cdk.out`)" if s.get("verifierCallerPolicy") else ""),
        "  the per-region estimates above are per member account",
    ]
    return lines


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "cdk.out")
    try:
        delivery = fleet(out)
        found = stacks(out) + (delivery.members if delivery else [])
    except AssemblyError as err:
        print(err, file=sys.stderr)
        return 1
    if not found:
        print(f"The cloud assembly in {out} has no PrivateBedrock-<region> stack; run `make synth` first.", file=sys.stderr)
        return 1
    console = Console(width=160)
    summaries = [summarize(stack, console) for stack in found]
    costs = [cost for cost, _ in summaries]
    console.rule()
    # Network and continuous proof together: what the deployment costs before Bedrock usage.
    total = sum(c.total + proof for c, proof in summaries)
    console.print(
        f"estimated monthly total, {len(costs)} region{'s' if len(costs) > 1 else ''}: [bold]${total:,.2f}[/] "
        f"({' + '.join(f'{c.region} ${c.total:,.2f} + proof ${proof:,.2f}' for c, proof in summaries)})",
        highlight=False,
    )
    console.print(f"prices as of {PRICES_AS_OF}: {PRICE_SOURCE}", highlight=False)
    unsourced = [c.region for c in costs if not c.rate.sourced]
    if unsourced:
        console.print(f"no sourced endpoint rate for {', '.join(unsourced)}: the estimate uses the lowest known rate; add it to private_bedrock/tools/report/prices.py", highlight=False)
    for a, b in overlapping_vpcs((s.region, vpc_cidr(s.template()["Resources"])) for s in found):
        console.print(f"[yellow]the VPC ranges of {a} and {b} overlap[/]: they cannot be joined to one network as they are; give one of them another vpcCidr", highlight=False)
    for line in fence_lines(out):
        console.print(line, highlight=False, markup=False)  # plain text: "[field]" is not markup
    for line in fleet_lines(delivery) if delivery else []:
        console.print(line, highlight=False)
    console.print(f"{len(found)} region(s) synthesized to {out}/; {nag_line(out)}", highlight=False)
    bundle = probe_bundle_line(found)
    if bundle:
        console.print(bundle, highlight=False, markup=False)
    fence = fence_manifest(out)
    steps = fleet_steps(delivery.summary, fence) if delivery else regional_steps([regional_design(s) for s in found], fence)
    for line in next_step_lines(steps):
        # Unwrapped: the commands are copied from here, and the terminal wraps them without breaking them.
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
