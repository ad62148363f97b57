"""Shared fixtures: one CLI synthesis per test session, offline, exactly as `make synth` does."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
DEFAULT_REGIONS = ("us-east-1", "ap-northeast-1")


def offline_env(**extra: str) -> dict[str, str]:
    """The environment `make synth` gives the CDK CLI: no credentials, pinned Node."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "CDK_DEFAULT_ACCOUNT"}
    env.update(
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_CONFIG_FILE="/dev/null",
        AWS_EC2_METADATA_DISABLED="true",
        CDK_DISABLE_CLI_TELEMETRY="true",
        JSII_NODE=str(NODE_BIN / "node"),
        PATH=f"{NODE_BIN}:{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def cdk_synth(outdir: Path, *context: str) -> subprocess.CompletedProcess[str]:
    args = [str(NODE_BIN / "cdk"), "synth", "--no-notices", "--quiet", "-o", str(outdir)]
    for c in context:
        args += ["-c", c]
    return subprocess.run(args, cwd=ROOT, env=offline_env(), capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default configuration synthesized once by the pinned CLI, nag packs included."""
    out = tmp_path_factory.mktemp("cdk.out")
    result = cdk_synth(out)
    assert result.returncode == 0, f"cdk synth failed:\n{result.stdout}\n{result.stderr}"
    return out


@pytest.fixture(scope="session")
def templates(cdk_out: Path) -> dict[str, dict]:
    """region -> parsed CloudFormation template of PrivateBedrock-<region>."""
    return {r: json.loads((cdk_out / f"PrivateBedrock-{r}.template.json").read_text()) for r in DEFAULT_REGIONS}


def synth_in_process(context: dict, account: str | None = None) -> dict[str, dict]:
    """Build the app as app.py does (nag packs included) with the given context; stack id -> template."""
    import aws_cdk as cdk

    from app import build

    os.environ.setdefault("JSII_NODE", str(NODE_BIN / "node"))
    app = cdk.App(context=context)
    _, stacks = build(app, account)
    assembly = app.synth()
    return {s.stack_name: assembly.get_stack_by_name(s.stack_name).template for s in stacks}


# --- hub and spoke (issue 11): one synth each per session -------------------------------

SPOKE_ACCOUNT = "222233334444"  # the spoke's account in the matrix and the templates' tests
HUB_VPC_CIDR = "10.80.0.0/16"
SPOKE_CIDR = "10.90.0.0/16"
SPOKE_PROBE_ARN = f"arn:aws:iam::{SPOKE_ACCOUNT}:role/PrivateBedrock-us-east-1-Probe"
SPOKE_VPC = "vpc-05b0ce0000000000a"
SPOKE_SUBNETS = ["subnet-05b0ce0000000000a", "subnet-05b0ce0000000000b"]
HUB_PROFILE_ID = "rp-0a1b2c3d4e5f6a7b"
HUB_CONTEXT = {
    "regions": ["us-east-1"],
    "topology": "hub",
    "vpcCidr": HUB_VPC_CIDR,
    "spokeCidrs": [SPOKE_CIDR],
    "spokePrincipalArns": [SPOKE_PROBE_ARN],
}


@pytest.fixture(scope="session")
def hub_template() -> dict:
    """A hub in us-east-1 (new VPC) admitting one spoke account's probe role."""
    return synth_in_process(HUB_CONTEXT)["PrivateBedrock-us-east-1"]


@pytest.fixture(scope="session")
def spoke_template(hub_template: dict) -> dict:
    """A spoke of that hub in us-east-1: an existing VPC, the hub's endpoint ids as the IAM
    matrix deploys them (tools/prove/resolve.py's fake ids), the hub's Profile."""
    from tools.prove.resolve import fake_vpce_id

    ids = [
        f"{r['Properties']['ServiceName'].rsplit('.', 1)[1]}={fake_vpce_id(lid)}"
        for lid, r in hub_template["Resources"].items()
        if r["Type"] == "AWS::EC2::VPCEndpoint"
    ]
    context = {
        "regions": ["us-east-1"],
        "topology": "spoke",
        "vpcId": SPOKE_VPC,
        "subnetIds": SPOKE_SUBNETS,
        "hubVpcCidr": HUB_VPC_CIDR,
        "hubDnsProfileId": HUB_PROFILE_ID,
        "hubEndpointIds": ids,
    }
    return synth_in_process(context)["PrivateBedrock-us-east-1"]
