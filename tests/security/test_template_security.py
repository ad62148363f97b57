"""Fine-grained security properties of every default region's synthesized template.

A snapshot shows that something changed; these say what must stay true.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from private_bedrock.config.network_inputs import default_vpc_cidr
from tests.conftest import DEFAULT_REGIONS

SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle")


def of_type(template: dict, cfn_type: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == cfn_type}


def as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v]


def endpoints(template: dict) -> dict[str, dict]:
    """service -> endpoint properties"""
    return {r["Properties"]["ServiceName"].split(".", 3)[3]: r["Properties"] for r in of_type(template, "AWS::EC2::VPCEndpoint").values()}


def logical_id_of_sg(template: dict, description_start: str) -> str:
    return next(k for k, r in of_type(template, "AWS::EC2::SecurityGroup").items() if r["Properties"]["GroupDescription"].startswith(description_start))


@pytest.fixture(params=DEFAULT_REGIONS)
def region_template(request: pytest.FixtureRequest, templates: dict[str, dict]) -> tuple[str, dict]:
    return request.param, templates[request.param]


def test_no_internet_path(region_template) -> None:
    _, t = region_template
    for forbidden in ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::EIP", "AWS::EC2::EgressOnlyInternetGateway"):
        assert not of_type(t, forbidden), forbidden
    for route in of_type(t, "AWS::EC2::Route").values():
        raise AssertionError(f"unexpected route {route}")
    for subnet in of_type(t, "AWS::EC2::Subnet").values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False


def test_two_private_subnets_by_default(region_template) -> None:
    region, t = region_template
    azs = [s["Properties"]["AvailabilityZone"] for s in of_type(t, "AWS::EC2::Subnet").values()]
    assert azs == [{"Fn::Select": [i, {"Fn::GetAZs": region}]} for i in range(2)]


def test_flow_logs_to_encrypted_log_group_with_retention(region_template) -> None:
    _, t = region_template
    (flow_log,) = of_type(t, "AWS::EC2::FlowLog").values()
    assert flow_log["Properties"]["TrafficType"] == "ALL"
    group_id = flow_log["Properties"]["LogGroupName"]["Ref"]
    group = t["Resources"][group_id]["Properties"]
    assert group["RetentionInDays"] == 365
    assert "KmsKeyId" in group
    for lg in of_type(t, "AWS::Logs::LogGroup").values():
        assert "KmsKeyId" in lg["Properties"] and lg["Properties"]["RetentionInDays"] > 0


def test_default_security_group_is_stripped(region_template) -> None:
    _, t = region_template
    assert len(of_type(t, "Custom::VpcRestrictDefaultSG")) == 1


def test_security_groups_admit_only_tls_between_workload_and_endpoints(region_template) -> None:
    _, t = region_template
    endpoint_sg = logical_id_of_sg(t, "Bedrock interface endpoints")
    workload_sg = logical_id_of_sg(t, "Workloads and the probe")
    ingress = [r["Properties"] for r in of_type(t, "AWS::EC2::SecurityGroupIngress").values()]
    egress = [r["Properties"] for r in of_type(t, "AWS::EC2::SecurityGroupEgress").values()]
    assert ingress == [
        {
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Description": "TLS from workloads",
            "GroupId": {"Fn::GetAtt": [endpoint_sg, "GroupId"]},
            "SourceSecurityGroupId": {"Fn::GetAtt": [workload_sg, "GroupId"]},
        }
    ]
    assert egress == [
        {
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Description": "TLS to the Bedrock endpoints",
            "GroupId": {"Fn::GetAtt": [workload_sg, "GroupId"]},
            "DestinationSecurityGroupId": {"Fn::GetAtt": [endpoint_sg, "GroupId"]},
        }
    ]
    for sg_id in (endpoint_sg, workload_sg):
        assert "SecurityGroupIngress" not in t["Resources"][sg_id]["Properties"]
    # The workload SG's only egress is the rule above; the endpoint SG has none, which CDK
    # writes as its placeholder rule (255.255.255.255/32, ICMP type 252 code 86: matches nothing).
    assert "SecurityGroupEgress" not in t["Resources"][workload_sg]["Properties"]
    assert t["Resources"][endpoint_sg]["Properties"]["SecurityGroupEgress"] == [
        {"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}
    ]
    text = json.dumps(t)
    assert "0.0.0.0/0" not in text and '"IpProtocol": "-1"' not in text


def test_three_interface_endpoints_with_private_dns(region_template) -> None:
    region, t = region_template
    eps = endpoints(t)
    assert sorted(eps) == sorted(SERVICES)
    endpoint_sg = logical_id_of_sg(t, "Bedrock interface endpoints")
    for service, props in eps.items():
        assert props["ServiceName"] == f"com.amazonaws.{region}.{service}"
        assert props["VpcEndpointType"] == "Interface"
        assert props["PrivateDnsEnabled"] is True
        assert props["SecurityGroupIds"] == [{"Fn::GetAtt": [endpoint_sg, "GroupId"]}]
        assert len(props["SubnetIds"]) == 2


def test_endpoint_policies_name_only_this_deployments_principal(region_template) -> None:
    _, t = region_template
    probe_role = next(k for k in of_type(t, "AWS::IAM::Role") if k.startswith("ProbeInVpcRole"))
    for service, props in endpoints(t).items():
        statements = props["PolicyDocument"]["Statement"]
        for st in statements:
            actions = as_list(st["Action"])
            if st["Effect"] == "Allow":
                assert all("*" not in a for a in actions), (service, st)
                assert st["Condition"]["ArnEquals"]["aws:PrincipalArn"] == [{"Fn::GetAtt": [probe_role, "Arn"]}], (service, st)
        denies = {st["Sid"]: st for st in statements if st["Effect"] == "Deny"}
        assert denies.pop("DenyBearerTokens")["Action"] == ("bedrock-mantle:CallWithBearerToken" if service == "bedrock-mantle" else "bedrock:CallWithBearerToken")
        # Server-side tools: denied for every principal where a request can start them.
        if service in ("bedrock-runtime", "bedrock-mantle"):
            tools = denies.pop("DenyServerSideTools")
            assert tools["Principal"] == "*" and "Condition" not in tools
            assert {"bedrock-websearch:*", "bedrock-agentcore:InvokeGateway"} <= set(as_list(tools["Action"])), service
        assert not denies, (service, denies)


def test_endpoint_policy_actions_per_service(region_template) -> None:
    region, t = region_template
    allowed = {
        service: sorted({a for st in props["PolicyDocument"]["Statement"] if st["Effect"] == "Allow" for a in as_list(st["Action"])})
        for service, props in endpoints(t).items()
    }
    assert allowed == {
        "bedrock": ["bedrock:ListFoundationModels"],
        "bedrock-runtime": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],  # models + project/default
        "bedrock-mantle": ["bedrock-mantle:CreateInference", "bedrock-mantle:GetModel", "bedrock-mantle:ListModels"],
    }
    mantle = endpoints(t)["bedrock-mantle"]["PolicyDocument"]["Statement"]
    create = next(st for st in mantle if st["Action"] == "bedrock-mantle:CreateInference")
    assert create["Condition"]["StringEquals"] == {"bedrock-mantle:Model": ["openai.gpt-oss-20b"]}


def identity_policy(t: dict) -> dict:
    (policy,) = [r for r in of_type(t, "AWS::IAM::ManagedPolicy").values() if r["Properties"].get("Description", "").startswith("Amazon Bedrock")]
    return policy["Properties"]


def test_identity_policy_requires_source_vpce_on_every_allow(region_template) -> None:
    _, t = region_template
    policy = identity_policy(t)
    endpoint_ids = {svc: {"Ref": k} for k, r in of_type(t, "AWS::EC2::VPCEndpoint").items() for svc in [r["Properties"]["ServiceName"].split(".", 3)[3]]}
    statements = policy["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) >= 4
    for st in allows:
        vpce = st["Condition"]["StringEquals"]["aws:SourceVpce"]
        assert vpce in endpoint_ids.values(), st
        assert all("*" not in a for a in as_list(st["Action"]))
        if any(a.startswith("bedrock-mantle:") for a in as_list(st["Action"])):
            assert vpce == endpoint_ids["bedrock-mantle"]
        elif "bedrock:ListFoundationModels" in as_list(st["Action"]):
            assert vpce == endpoint_ids["bedrock"]
        else:
            assert vpce == endpoint_ids["bedrock-runtime"]
    deny = next(s for s in statements if s["Sid"] == "DenyBedrockOutsideThisDeploymentsEndpoints")
    assert deny["Effect"] == "Deny"
    assert sorted(deny["Condition"]["StringNotEquals"]["aws:SourceVpce"], key=str) == sorted(endpoint_ids.values(), key=str)
    # No exemption for services acting on the caller's behalf (aws:ViaAWSService, issue 9).
    assert set(deny["Condition"]) == {"StringNotEquals"} and set(deny["Condition"]["StringNotEquals"]) == {"aws:SourceVpce"}
    # Every Bedrock action, and all of AgentCore and Nova Act (agents that reach models and the internet).
    assert sorted(deny["Action"]) == ["bedrock-agentcore:*", "bedrock-mantle:*", "bedrock:*", "nova-act:*"] and deny["Resource"] == "*"
    bearer = next(s for s in statements if s["Sid"] == "DenyBearerTokens")
    assert bearer["Effect"] == "Deny" and "Condition" not in bearer
    assert sorted(bearer["Action"]) == ["aws-external-anthropic:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken", "bedrock:CallWithBearerToken"]
    # Claude Platform on AWS: denied to every role that carries the policy (no claudePlatform roles named).
    claude = next(s for s in statements if s["Sid"] == "DenyClaudePlatform")
    assert claude == {"Sid": "DenyClaudePlatform", "Effect": "Deny", "Action": "aws-external-anthropic:*", "Resource": "*"}
    # Every Allow comes before the first Deny.
    effects = [s["Effect"] for s in statements]
    assert effects == sorted(effects), effects
    # Attached to both probes (the policy-side attachment avoids a role -> policy -> endpoint -> role cycle).
    assert sorted(r["Ref"] for r in policy["Roles"]) == sorted(k for k in of_type(t, "AWS::IAM::Role") if k.startswith("Probe"))


def test_runtime_grant_covers_profile_destinations_in_tokyo(templates: dict[str, dict]) -> None:
    statements = identity_policy(templates["ap-northeast-1"])["PolicyDocument"]["Statement"]
    via = next(s for s in statements if s["Sid"] == "BedrockRuntimeInvokeThroughProfiles")
    profile_id = templates["ap-northeast-1"]["Metadata"]["PrivateBedrock"]["runtimeModels"][0]
    # Every region, so a destination AWS adds to the profile is never refused (issue 8).
    assert via["Resource"] == f"arn:aws:bedrock:*::foundation-model/{profile_id.split('.', 1)[1]}"
    (profile,) = via["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"]
    assert json.dumps(profile).endswith(f':inference-profile/{profile_id}"]]}}')


def test_probes_in_and_out_of_the_vpc(region_template) -> None:
    _, t = region_template
    functions = {k: r["Properties"] for k, r in of_type(t, "AWS::Lambda::Function").items() if k.startswith("Probe")}
    in_vpc = next(p for k, p in functions.items() if k.startswith("ProbeInVpc"))
    control = next(p for k, p in functions.items() if k.startswith("ProbeOutsideVpc"))
    workload_sg = logical_id_of_sg(t, "Workloads and the probe")
    assert in_vpc["VpcConfig"]["SecurityGroupIds"] == [{"Fn::GetAtt": [workload_sg, "GroupId"]}]
    assert len(in_vpc["VpcConfig"]["SubnetIds"]) == 2
    assert "VpcConfig" not in control
    for props in (in_vpc, control):
        assert props["Runtime"] == "python3.14" and props["Architectures"] == ["arm64"]
        assert props["Handler"] == "handler.handler"
        # Reserving concurrency fails the deploy in new accounts (quota of 10).
        assert "ReservedConcurrentExecutions" not in props
    assert in_vpc["Environment"]["Variables"]["PROBE_KIND"] == "vpc"
    assert in_vpc["Environment"]["Variables"]["EXPECT_ALLOWED"] == "allowed"
    assert control["Environment"]["Variables"]["PROBE_KIND"] == "control"
    assert control["Environment"]["Variables"]["EXPECT_ALLOWED"] == "denied"
    region, _ = region_template
    assert in_vpc["Environment"]["Variables"]["VPC_CIDR"] == default_vpc_cidr(region)


def test_probe_execution_policies_are_narrow(region_template) -> None:
    _, t = region_template
    for key, res in of_type(t, "AWS::IAM::ManagedPolicy").items():
        if not key.startswith("Probe"):
            continue
        for st in res["Properties"]["PolicyDocument"]["Statement"]:
            actions = as_list(st["Action"])
            assert all(a.startswith(("logs:", "ec2:")) or a == "kms:Decrypt" for a in actions), st
            if st["Resource"] == "*":
                assert sorted(actions) == ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], st
            if "kms:Decrypt" in actions:
                # Only the function's own environment, only through Lambda (tests/security/test_hardening.py).
                assert st["Condition"]["StringEquals"]["kms:ViaService"].startswith("lambda."), st
    for key, role in of_type(t, "AWS::IAM::Role").items():
        if key.startswith("Probe"):
            # Probe roles carry no inline or AWS managed policy: only our managed ones, attached from the policy side.
            assert "Policies" not in role["Properties"] and "ManagedPolicyArns" not in role["Properties"], key


def test_outputs_give_what_users_and_resolvers_need(region_template) -> None:
    _, t = region_template
    outputs = set(t["Outputs"])
    for name in ("SourceVpceOnlyPolicyArn", "ProbeFunctionName", "ControlProbeFunctionName", "VpcId", "WorkloadSecurityGroupId"):
        assert name in outputs
    for prefix in ("Bedrock", "BedrockRuntime", "BedrockMantle"):
        assert {f"{prefix}EndpointId", f"{prefix}PrivateDnsName", f"{prefix}RegionalDnsName"} <= outputs
