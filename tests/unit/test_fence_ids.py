"""`make fence-ids` (private_bedrock/tools/lookup/fence_ids.py) against moto's CloudFormation: real boto3 calls."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from private_bedrock.config.app_config import load_config
from private_bedrock.tools.lookup.fence_ids import CONTEXT_KEY, main

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"bedrock": "Bedrock", "bedrock-runtime": "BedrockRuntime", "bedrock-mantle": "BedrockMantle"}


def ids_of(region: str) -> dict[str, str]:
    base = "0a" if region == "us-east-1" else "0b"
    return {s: f"vpce-{base}{i:015x}" for i, s in enumerate(SERVICES, 1)}


def deploy_outputs(region: str, outputs: dict[str, str]) -> None:
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name=region).create_stack(StackName=f"PrivateBedrock-{region}", TemplateBody=json.dumps(template))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(ROOT / "cdk.json", tmp_path / "cdk.json")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    return tmp_path


def client_for(region: str):
    return boto3.client("cloudformation", region_name=region)


@mock_aws
def test_the_ids_of_every_region_are_written_to_the_context_file(project: Path, capsys) -> None:
    for region in ("us-east-1", "ap-northeast-1"):
        deploy_outputs(region, {f"{SERVICES[s]}EndpointId": i for s, i in ids_of(region).items()} | {"VpcId": "vpc-0123"})
    (project / "cdk.context.json").write_text(json.dumps({"availability-zones:account=1:region=x": ["a"], CONTEXT_KEY: {"us-east-1": {"bedrock": "vpce-0ffffffffffffffff"}}}))
    assert main([], client_for=client_for, root=project) == 0
    written = json.loads((project / "cdk.context.json").read_text())
    assert written[CONTEXT_KEY] == {"ap-northeast-1": ids_of("ap-northeast-1"), "us-east-1": ids_of("us-east-1")}
    assert written["availability-zones:account=1:region=x"] == ["a"], "CDK's own lookups are kept"
    assert "commit it" in capsys.readouterr().out
    # The written ids are accepted by the configuration as they are.
    context = json.loads((project / "cdk.json").read_text())["context"] | {CONTEXT_KEY: written[CONTEXT_KEY]}
    assert load_config(context, None).fence.endpoint_id("us-east-1", "bedrock-mantle") == ids_of("us-east-1")["bedrock-mantle"]


@mock_aws
def test_a_region_not_deployed_is_one_sentence_and_nothing_is_written(project: Path, capsys) -> None:
    deploy_outputs("us-east-1", {f"{SERVICES[s]}EndpointId": i for s, i in ids_of("us-east-1").items()})
    assert main([], client_for=client_for, root=project) == 2
    err = capsys.readouterr().err
    assert err.startswith("make fence-ids: PrivateBedrock-ap-northeast-1 could not be read (") and "deploy it first" in err
    assert "Traceback" not in err and not (project / "cdk.context.json").exists()


@mock_aws
def test_a_stack_without_an_endpoint_output_is_refused(project: Path, capsys) -> None:
    deploy_outputs("us-east-1", {"BedrockEndpointId": "vpce-0123456789abcdef0"})
    deploy_outputs("ap-northeast-1", {})
    assert main(["--dry-run"], client_for=client_for, root=project) == 2
    assert "PrivateBedrock-us-east-1 has no output BedrockRuntimeEndpointId" in capsys.readouterr().err
