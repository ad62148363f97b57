"""Print what `cdk synth` built, per region, from the templates in cdk.out.

Usage: python -m tools.summary cdk.out
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from stacks.regions import private_dns_name
from tools.summary_residency import residency_lines

# us-east-1 list prices (USD); other regions differ by a few percent. Interface endpoints
# bill per endpoint per AZ per hour; a customer-managed KMS key bills per month.
ENDPOINT_AZ_HOUR = 0.01
HOURS_PER_MONTH = 730
KMS_KEY_MONTH = 1.00


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


def monthly_cost(endpoint_azs: list[int]) -> float:
    return sum(endpoint_azs) * ENDPOINT_AZ_HOUR * HOURS_PER_MONTH + KMS_KEY_MONTH


def summarize(template_path: Path, console: Console) -> None:
    template = json.loads(template_path.read_text())
    meta = template.get("Metadata", {}).get("PrivateBedrock", {})
    resources = template["Resources"]
    region = template_path.name.removeprefix("PrivateBedrock-").removesuffix(".template.json")
    console.rule(f"[bold]{template_path.name.removesuffix('.template.json')}")
    # Residency first: where prompts may be processed, and on whose word (tools/summary_residency.py).
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
        service = props["ServiceName"].split(".", 3)[3]
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
    console.print(
        f"estimated monthly cost: [bold]${monthly_cost(endpoint_azs):,.2f}[/] "
        f"({sum(endpoint_azs)} endpoint-AZs x ${ENDPOINT_AZ_HOUR}/h x {HOURS_PER_MONTH} h + KMS key ${KMS_KEY_MONTH:.2f}; "
        "plus $0.01/GB through the endpoints, flow-log ingestion, and Bedrock usage)"
    )


def nag_line(out: Path) -> str:
    """What cdk-nag said, from CDK's validation report (synth fails on any finding)."""
    report = out / "validation-report.json"
    if not report.exists():
        return "no validation report found: were the nag packs registered?"
    findings = sum(len(p.get("violations", [])) for p in json.loads(report.read_text()).get("pluginReports", []))
    packs = "AwsSolutions, NIST 800-53 R5, HIPAA Security"
    return f"nag packs {packs}: clean." if findings == 0 else f"nag packs {packs}: {findings} unacknowledged finding(s)."


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "cdk.out")
    templates = sorted(out.glob("PrivateBedrock-*.template.json"))
    if not templates:
        print(f"No PrivateBedrock-*.template.json in {out}; run `make synth` first.", file=sys.stderr)
        return 1
    console = Console(width=160)
    for path in templates:
        summarize(path, console)
    console.print(f"\n{len(templates)} region(s) synthesized to {out}/; {nag_line(out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
