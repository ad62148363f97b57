"""ProviderFunctionHardening: CDK's own provider functions log to an encrypted group with retention, when asked."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from private_bedrock import ProviderFunctionHardening
from private_bedrock.security.provider_logs import give_providers_log_groups

PROVIDER = "Custom::VpcRestrictDefaultSGCustomResourceProvider"


def stack_with_a_provider() -> tuple[cdk.Stack, kms.Key]:
    stack = cdk.Stack(cdk.App(), "Workload", env=cdk.Environment(region="eu-central-1"))
    key = kms.Key(stack, "LogKey")
    # restrict_default_security_group adds one of CDK's custom-resource providers to the stack.
    ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0, restrict_default_security_group=True,
            subnet_configuration=[ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])
    return stack, key


def handler(resources: dict[str, Any]) -> dict[str, Any]:
    (found,) = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    return found


def test_the_aspect_gives_the_provider_an_encrypted_group_with_retention() -> None:
    stack, key = stack_with_a_provider()
    hardening = ProviderFunctionHardening(key=key, retention_days=90)
    cdk.Aspects.of(stack).add(hardening)
    resources = Template.from_stack(stack).to_json()["Resources"]
    function = handler(resources)
    group_ref = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    group = resources[group_ref]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == 90
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [stack.get_logical_id(key.node.default_child), "Arn"]}
    assert group_ref in function["DependsOn"]  # the group exists before the function can log
    assert {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"} <= {c["id"] for c in function["Metadata"]["checkov"]["skip"]}
    assert hardening.handled == [PROVIDER]


def test_without_the_aspect_nothing_changes() -> None:
    stack, _ = stack_with_a_provider()
    resources = Template.from_stack(stack).to_json()["Resources"]
    assert "LoggingConfig" not in handler(resources)["Properties"]
    assert not [r for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"]


def test_the_function_and_the_aspect_together_harden_once() -> None:
    stack, key = stack_with_a_provider()
    assert give_providers_log_groups(stack, key=key, retention_days=30) == [PROVIDER]
    hardening = ProviderFunctionHardening(key=key, retention_days=30)
    cdk.Aspects.of(stack).add(hardening)
    resources = Template.from_stack(stack).to_json()["Resources"]
    assert len([r for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"]) == 1
    assert hardening.handled == []
