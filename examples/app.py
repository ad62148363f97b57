#!/usr/bin/env python3
"""A consumer's own stack: its VPC and workload role, with Bedrock reachable only privately.

Synthesizes offline (no account, no lookups): `cdk synth` in this folder, or `python3 app.py`.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam

from private_bedrock import BedrockAccess, PrivateBedrockEndpoints, SourceVpceOnlyPolicy

REGION = "eu-central-1"


def build(app: cdk.App) -> cdk.Stack:
    stack = cdk.Stack(app, "BedrockConsumer", env=cdk.Environment(region=REGION))
    # The consumer's own network and role: private subnets only, no NAT.
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    role = iam.Role(stack, "AppRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))

    access = BedrockAccess(region=REGION, runtime_models=["eu.amazon.nova-micro-v1:0"],
                           inference_scope="geography", mantle_models=["openai.gpt-oss-20b"])
    endpoints = PrivateBedrockEndpoints(stack, "Bedrock", vpc=vpc, access=access, principals=[role.role_arn])
    policy = SourceVpceOnlyPolicy(stack, "BedrockOnlyPrivately", access=access, endpoints=endpoints, roles=[role])

    assert endpoints.workload_security_group is not None  # created with the endpoints' group
    cdk.CfnOutput(stack, "WorkloadSecurityGroupId", value=endpoints.workload_security_group.security_group_id,
                  description="Attach to the workloads that call Bedrock")
    for service, endpoint_id in endpoints.ids.items():
        cdk.CfnOutput(stack, f"{service.title().replace('-', '')}EndpointId", value=endpoint_id)
    cdk.CfnOutput(stack, "PolicyArn", value=policy.managed_policy_arn, description="The aws:SourceVpce identity policy, attached to AppRole")
    return stack


if __name__ == "__main__":
    app = cdk.App()
    build(app)
    app.synth()
