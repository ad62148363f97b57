"""Print what `cdk synth` built, per region, from the stacks the cloud assembly's manifest lists.

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


def admitted_ranges(resources: dict[str, Any]) -> dict[str, list[str]]:
    """CIDR -> the ports security groups admit from it (the on-premises ranges, as deployed)."""
    rules: list[dict[str, Any]] = []
    for res in resources.values():
        if res["Type"] == "AWS::EC2::SecurityGroup":
            rules += res["Properties"].get("SecurityGroupIngress", [])
        elif res["Type"] == "AWS::EC2::SecurityGroupIngress":
            rules.append(res["Properties"])
    out: dict[str, list[str]] = {}
    for rule in rules:
        if isinstance(rule.get("CidrIp"), str):
            out.setdefault(rule["CidrIp"], []).append(_port(rule))
    return {cidr: sorted(set(ports)) for cidr, ports in out.items()}


def resolver_enis(resources: dict[str, Any]) -> int:
    return sum(
        len(r["Properties"].get("IpAddresses", []))
        for r in resources.values()
        if r["Type"] == "AWS::Route53Resolver::ResolverEndpoint"
    )


def probe_bundle_line(stack: StackArtifact) -> str | None:
    """What the probe bundle says about itself (bundle_info.json), said once per synth."""
    for asset in stack.asset_dirs():
        info_path = asset / "bundle_info.json"
        if info_path.exists():
            info = json.loads(info_path.read_text())
            if info.get("bytecode"):
                return f"probe bundle: precompiled bytecode ({info['bytecode']['compiled_by']})."
            return (
                f"probe bundle: no precompiled bytecode ({info.get('no_bytecode_reason', 'not compiled')}); each Lambda cold "
                f"start compiles what it imports. Set PROBE_BYTECODE_PYTHON to a python{info.get('python_version', '')} to precompile."
            )
    return None


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

    table = Table(show_lines=False)
    for col in ("endpoint", "private DNS name", "AZs", "endpoint policy"):
        table.add_column(col)
    endpoint_azs = []
    for res in resources.values():
        if res["Type"] != "AWS::EC2::VPCEndpoint":
            continue
        props = res["Properties"]
        service = _text(props["ServiceName"], region).split(".", 3)[3]
        azs = len(props["SubnetIds"])
        endpoint_azs.append(azs)
        dns = private_dns_name(service, region) if props.get("PrivateDnsEnabled") else "(private DNS off)"
        table.add_row(service, dns, str(azs), policy_line(props["PolicyDocument"]))
    console.print(table)
    for res in resources.values():
        if res["Type"] == "AWS::IAM::ManagedPolicy" and res["Properties"].get("Description", "").startswith("Amazon Bedrock"):
            console.print(f"identity policy (SourceVpceOnlyPolicy): {policy_line(res['Properties']['PolicyDocument'])}")
    nat = sum(r["Type"] in ("AWS::EC2::NatGateway", "AWS::EC2::InternetGateway") for r in resources.values())
    console.print(f"internet gateways + NAT gateways: {nat}")
    ranges = admitted_ranges(resources)
    on_prem = ", ".join(f"{cidr} ({', '.join(ports)})" for cidr, ports in ranges.items()) or "none"
    console.print(f"VPC range: {vpc_cidr(resources) or '(not created by this stack)'}  on-premises ranges admitted: {on_prem}", highlight=False)

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


def fence_lines(out: Path) -> list[str]:
    """Where the organisation fence's policies are, their sizes, and what is still missing."""
    manifest_path = out / "scp" / "fence-manifest.json"
    if not manifest_path.exists():
        return ["organisation fence: no policies written (cdk.out/scp/ missing)"]
    manifest = json.loads(manifest_path.read_text())
    lines = [f"organisation fence (service control policies) written to {manifest_path.parent}/:"]
    for p in manifest["policies"]:
        lines.append(f"  {p['file']}: {p['chars']} of {p['maxChars']} characters (minified, as deployed)")
    lines += _network_form_lines(manifest)
    if manifest["placeholders"]:
        lines.append("  endpoint ids are placeholders (vpce-PLACEHOLDER-...): deploy the regions, then `make fence-ids`")
    if not manifest["breakGlassPrincipalArns"]:
        lines.append("  no break-glass principals configured (fence.breakGlassPrincipalArns)")
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
    bundle = next((line for line in map(probe_bundle_line, found) if line), None)
    if bundle:
        console.print(bundle, highlight=False)
    for line in fence_lines(out):
        console.print(line, highlight=False, markup=False)  # plain text: "[field]" is not markup
    for line in fleet_lines(delivery) if delivery else []:
        console.print(line, highlight=False)
    console.print(f"{len(found)} region(s) synthesized to {out}/; {nag_line(out)}", highlight=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
