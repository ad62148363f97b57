"""The public constructs, built directly in a plain cdk.Stack with the user's own VPC and role."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from private_bedrock import BedrockAccess, ConfigError, PrivateBedrockEndpoints, SourceVpceOnlyPolicy

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-central-1"
SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle")


def access(**changes: Any) -> BedrockAccess:
    return BedrockAccess(
        **{"region": REGION, "runtime_models": ["eu.amazon.nova-micro-v1:0"], "inference_scope": "geography", "mantle_models": ["openai.gpt-oss-20b"], **changes}
    )


def user_stack(region: str = REGION) -> tuple[cdk.Stack, ec2.Vpc, iam.Role]:
    stack = cdk.Stack(cdk.App(), "Workload", env=cdk.Environment(region=region))
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0, subnet_configuration=[ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])
    role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    return stack, vpc, role


class Built:
    def __init__(self) -> None:
        self.stack, self.vpc, self.role = user_stack()
        self.access = access()
        self.endpoints = PrivateBedrockEndpoints(self.stack, "Bedrock", vpc=self.vpc, access=self.access, principals=[self.role.role_arn])
        self.policy = SourceVpceOnlyPolicy(self.stack, "BedrockOnlyPrivately", access=self.access, endpoints=self.endpoints, roles=[self.role])
        self.template = Template.from_stack(self.stack)
        self.resources = self.template.to_json()["Resources"]

    def logical_id(self, construct: Any) -> str:
        return self.stack.get_logical_id(construct.node.default_child)

    def endpoint(self, service: str) -> dict[str, Any]:
        return self.resources[self.logical_id(self.endpoints.endpoints[service])]["Properties"]


@pytest.fixture(scope="module")
def built() -> Built:
    return Built()


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def test_one_private_dns_endpoint_per_service(built: Built) -> None:
    built.template.resource_count_is("AWS::EC2::VPCEndpoint", len(SERVICES))
    endpoint_sg = built.logical_id(built.endpoints.security_group)
    for service in SERVICES:
        built.template.has_resource_properties(
            "AWS::EC2::VPCEndpoint",
            {
                "ServiceName": f"com.amazonaws.{REGION}.{service}",
                "VpcEndpointType": "Interface",
                "PrivateDnsEnabled": True,
                "VpcId": {"Ref": built.logical_id(built.vpc)},
                "SecurityGroupIds": [{"Fn::GetAtt": [endpoint_sg, "GroupId"]}],
                # The VPC's private subnets, one per zone (CDK's default for interface endpoints).
                "SubnetIds": [{"Ref": built.stack.get_logical_id(s.node.default_child)} for s in built.vpc.isolated_subnets],
            },
        )
    assert set(built.endpoints.ids) == set(SERVICES)
    assert built.endpoints.dns_names["bedrock-runtime"] == f"bedrock-runtime.{REGION}.amazonaws.com"


def test_the_endpoint_group_admits_only_tls_from_the_workload_group(built: Built) -> None:
    endpoint_sg = built.logical_id(built.endpoints.security_group)
    assert built.endpoints.workload_security_group is not None
    workload_sg = built.logical_id(built.endpoints.workload_security_group)
    sg = built.resources[endpoint_sg]["Properties"]
    assert "SecurityGroupIngress" not in sg  # no inline rule (CDK's open=True would add the VPC CIDR)
    ingress = [r["Properties"] for r in built.resources.values() if r["Type"] == "AWS::EC2::SecurityGroupIngress"]
    assert ingress == [
        {
            "Description": "TLS from workloads",
            "FromPort": 443,
            "ToPort": 443,
            "IpProtocol": "tcp",
            "GroupId": {"Fn::GetAtt": [endpoint_sg, "GroupId"]},
            "SourceSecurityGroupId": {"Fn::GetAtt": [workload_sg, "GroupId"]},
        }
    ]
    # The workload group's only egress is TLS to the endpoints.
    egress = [r["Properties"] for r in built.resources.values() if r["Type"] == "AWS::EC2::SecurityGroupEgress"]
    assert [(e["GroupId"], e["FromPort"], e["ToPort"], e["DestinationSecurityGroupId"]) for e in egress] == [
        ({"Fn::GetAtt": [workload_sg, "GroupId"]}, 443, 443, {"Fn::GetAtt": [endpoint_sg, "GroupId"]})
    ]
    assert "SecurityGroupEgress" not in built.resources[workload_sg]["Properties"]


def test_every_endpoint_allow_names_the_given_principals_only(built: Built) -> None:
    role_arn = {"Fn::GetAtt": [built.logical_id(built.role), "Arn"]}
    for service in SERVICES:
        statements = built.endpoint(service)["PolicyDocument"]["Statement"]
        allows = [s for s in statements if s["Effect"] == "Allow"]
        assert allows, service
        for st in allows:
            assert st["Principal"] == "*" and st["Condition"]["ArnEquals"] == {"aws:PrincipalArn": [role_arn]}, (service, st["Sid"])
            assert all("*" not in a for a in as_list(st["Action"])), st
        assert any(s["Sid"] == "DenyBearerTokens" and s["Effect"] == "Deny" for s in statements), service
    runtime = {s["Sid"]: s for s in built.endpoint("bedrock-runtime")["PolicyDocument"]["Statement"]}
    assert runtime["InvokeConfiguredModels"]["Resource"] == {
        "Fn::Join": ["", [f"arn:aws:bedrock:{REGION}:", {"Ref": "AWS::AccountId"}, ":inference-profile/eu.amazon.nova-micro-v1:0"]]
    }
    mantle = {s["Sid"]: s for s in built.endpoint("bedrock-mantle")["PolicyDocument"]["Statement"]}
    assert mantle["CreateInferenceConfiguredModels"]["Condition"]["StringEquals"] == {"bedrock-mantle:Model": ["openai.gpt-oss-20b"]}


def test_the_managed_policy_allows_only_through_these_endpoints_and_is_attached(built: Built) -> None:
    policy_id = built.stack.get_logical_id(built.policy.policy.node.default_child)
    props = built.resources[policy_id]["Properties"]
    assert props["Roles"] == [{"Ref": built.logical_id(built.role)}]
    refs = {s: {"Ref": built.logical_id(built.endpoints.endpoints[s])} for s in SERVICES}
    statements = props["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) >= len(SERVICES)
    for st in allows:
        service = next(s for s in sorted(SERVICES, key=len, reverse=True) if st["Sid"].startswith("".join(p.capitalize() for p in s.split("-"))))
        assert st["Condition"]["StringEquals"]["aws:SourceVpce"] == refs[service], st["Sid"]
    fence = next(s for s in statements if s["Sid"] == "DenyBedrockOutsideThisDeploymentsEndpoints")
    assert fence["Effect"] == "Deny" and fence["Resource"] == "*"
    assert {"bedrock:*", "bedrock-mantle:*"} <= set(fence["Action"])
    assert fence["Condition"] == {"StringNotEquals": {"aws:SourceVpce": [refs[s] for s in SERVICES]}}
    built.template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {"Description": Match.string_like_regexp(f"^Amazon Bedrock in {REGION} only through"), "Roles": [{"Ref": built.logical_id(built.role)}]},
    )


def test_a_given_security_group_is_used_and_none_is_created() -> None:
    stack, vpc, role = user_stack()
    group = ec2.SecurityGroup(stack, "Mine", vpc=vpc, allow_all_outbound=False)
    endpoints = PrivateBedrockEndpoints(stack, "Bedrock", vpc=vpc, access=access(), principals=[role.role_arn], security_group=group)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::SecurityGroup", 1)
    template.all_resources_properties("AWS::EC2::VPCEndpoint", {"SecurityGroupIds": [{"Fn::GetAtt": [stack.get_logical_id(group.node.default_child), "GroupId"]}]})
    assert endpoints.workload_security_group is None


def test_a_bad_model_id_names_the_close_match() -> None:
    with pytest.raises(ConfigError, match=r"runtime_models entry 'eu\.amazon\.nova-mikro-v1:0' .*did you mean 'eu\.amazon\.nova-micro-v1:0'"):
        access(runtime_models=["eu.amazon.nova-mikro-v1:0"])


def _endpoints(**changes: Any) -> None:
    stack, vpc, role = user_stack(changes.pop("region", REGION))
    PrivateBedrockEndpoints(stack, "Bedrock", **{"vpc": vpc, "access": access(), "principals": [role.role_arn], **changes})


def _policy(**changes: Any) -> None:
    stack, vpc, role = user_stack()
    endpoints = PrivateBedrockEndpoints(stack, "Bedrock", vpc=vpc, access=access(), principals=[role.role_arn])
    SourceVpceOnlyPolicy(stack, "BedrockOnlyPrivately", **{"access": access(), "endpoints": endpoints, "roles": [role], **changes})


@pytest.mark.parametrize(
    ("build", "sentence"),
    [
        (lambda: _endpoints(vpc="vpc-0123456789abcdef0"), r"^vpc must be an ec2\.IVpc .*got 'vpc-0123456789abcdef0'\.$"),
        (lambda: _endpoints(access={"region": REGION}), r"^access must be a BedrockAccess.*got \{'region': 'eu-central-1'\}\.$"),
        (lambda: _endpoints(principals="arn:aws:iam::123456789012:role/app"), r"^principals must be a non-empty list of role ARNs"),
        (lambda: _endpoints(principals=[]), r"^principals must be a non-empty list of role ARNs"),
        (lambda: _endpoints(security_group="sg-1"), r"^security_group must be an ec2\.ISecurityGroup or None, got 'sg-1'\.$"),
        (lambda: _endpoints(subnets=["subnet-1"]), r"^subnets must be an ec2\.SubnetSelection or None"),
        (lambda: _endpoints(region="us-east-1"), r"^access is for eu-central-1 but the stack is in us-east-1; build the BedrockAccess for us-east-1"),
        (lambda: _endpoints(hub="x"), r"^hub must be a HubSettings .*or None, got 'x'\.$"),
        (lambda: _endpoints(account="1234"), r"^account must be a 12-digit AWS account id .*got '1234'\.$"),
        (lambda: _endpoints(subnets_by_service={s: [1] for s in SERVICES}), r"^subnets_by_service\['bedrock'\] must be a list of ec2\.ISubnet, got \[1\]\.$"),
        (lambda: _endpoints(principals=["not-an-arn"]), r"^principals entry 'not-an-arn' is not an IAM role ARN such as"),
        (lambda: _policy(roles=["arn:aws:iam::123456789012:role/app"]), r"^roles must be a list of iam\.IRole"),
        (lambda: _policy(endpoints=["vpce-1"]), r"^endpoints must be the PrivateBedrockEndpoints"),
        (lambda: _policy(access=access(services=["bedrock-runtime", "bedrock-agent-runtime"], mantle_models=[], knowledge_base_arns=["arn:aws:bedrock:eu-central-1:123456789012:knowledge-base/KB12345678"])),
         r"^endpoints has no bedrock-agent-runtime endpoint, which access grants .*from the same BedrockAccess\.$"),
        (lambda: _policy(access=access(capabilities=["inference"])), r"^endpoints was built from a different BedrockAccess than access .*pass the same BedrockAccess"),
    ],
    ids=["vpc", "access", "principal-string", "no-principals", "security-group", "subnets", "region", "hub", "account", "subnets-by-service", "principal-not-arn", "roles", "endpoints", "mismatch", "other-access"],
)
def test_a_wrong_argument_is_one_sentence(build: Any, sentence: str) -> None:
    with pytest.raises(ConfigError, match=sentence) as err:
        build()
    assert "\n" not in str(err.value) and "jsii" not in str(err.value)


def test_importing_the_package_and_its_value_types_loads_no_cdk() -> None:
    code = "import sys, private_bedrock; from private_bedrock import BedrockAccess, ConfigError; assert 'aws_cdk' not in sys.modules, 'aws_cdk loaded'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_every_export_resolves() -> None:
    import private_bedrock

    for name in private_bedrock.__all__:
        assert getattr(private_bedrock, name).__name__ == name
    with pytest.raises(AttributeError):
        private_bedrock.NoSuchConstruct  # noqa: B018


def test_a_literal_role_arn_and_an_account_token_pass() -> None:
    stack, vpc, role = user_stack()
    endpoints = PrivateBedrockEndpoints(
        stack, "Bedrock", vpc=vpc, access=access(), principals=[role.role_arn, "arn:aws:iam::123456789012:role/app"], account=cdk.Aws.ACCOUNT_ID
    )
    assert endpoints.principals[1] == "arn:aws:iam::123456789012:role/app"
