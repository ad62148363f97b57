"""examples/app.py: a consumer app with its own VPC and role, synthesized offline as the CDK CLI runs it."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "app.py"
SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle")


def test_the_example_imports_the_library_by_its_package_name_only() -> None:
    """What an installed wheel offers: `private_bedrock` itself, no module path of this repository."""
    tree = ast.parse(EXAMPLE.read_text())
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    ours = {m for m in modules if m and m.split(".")[0] not in ("__future__", "aws_cdk", "constructs")}
    assert ours == {"private_bedrock"}
    assert json.loads((ROOT / "examples" / "cdk.json").read_text())["app"] == "python3 app.py"


def test_the_example_synthesizes_offline_with_the_endpoints_and_the_policy(tmp_path: Path) -> None:
    # As `cdk synth` runs it: the app's own folder, CDK_OUTDIR set, no account in the environment.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CDK_", "AWS_"))}
    env.update(CDK_OUTDIR=str(tmp_path), PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "app.py"], cwd=EXAMPLE.parent, env=env, check=True, capture_output=True, timeout=300)
    template = json.loads((tmp_path / "BedrockConsumer.template.json").read_text())
    resources = template["Resources"]
    endpoints = {r["Properties"]["ServiceName"]: lid for lid, r in resources.items() if r["Type"] == "AWS::EC2::VPCEndpoint"}
    assert sorted(endpoints) == sorted(f"com.amazonaws.eu-central-1.{s}" for s in SERVICES)
    assert all(resources[lid]["Properties"]["PrivateDnsEnabled"] is True for lid in endpoints.values())
    (role,) = [lid for lid, r in resources.items() if r["Type"] == "AWS::IAM::Role"]
    (policy,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert policy["Roles"] == [{"Ref": role}]
    fence = next(s for s in policy["PolicyDocument"]["Statement"] if s["Sid"] == "DenyBedrockOutsideThisDeploymentsEndpoints")
    assert fence["Condition"]["StringNotEquals"]["aws:SourceVpce"] == [{"Ref": endpoints[f"com.amazonaws.eu-central-1.{s}"]} for s in SERVICES]
    for lid in endpoints.values():
        allows = [s for s in resources[lid]["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
        assert allows and all(s["Condition"]["ArnEquals"]["aws:PrincipalArn"] == [{"Fn::GetAtt": [role, "Arn"]}] for s in allows)
    assert {"WorkloadSecurityGroupId", "PolicyArn", "BedrockRuntimeEndpointId"} <= set(template["Outputs"])
