"""ConnectivityProbe and ProbeMonitoring built directly in a plain cdk.Stack with the user's own VPC, group and key."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template

from private_bedrock import BedrockAccess, ConfigError, ConnectivityProbe, ConnectivityProbeProps, MonitoringConfig, ProbeMonitoring, ProbeMonitoringProps, ProbePlan

REGION = "eu-central-1"
PLAN = ProbePlan(
    runtime_model="eu.amazon.nova-micro-v1:0",
    runtime_denied_model="amazon.nova-lite-v1:0",
    mantle_model=None,
    mantle_denied_model=None,
    mantle_base_path="/v1",
    public_dns_name=None,
)


class Built:
    def __init__(self) -> None:
        self.stack = cdk.Stack(cdk.App(), "Workload", env=cdk.Environment(account="111122223333", region=REGION))
        self.vpc = ec2.Vpc(
            self.stack, "Vpc", max_azs=2, nat_gateways=0,
            subnet_configuration=[ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
        )
        self.group = ec2.SecurityGroup(self.stack, "Workloads", vpc=self.vpc, allow_all_outbound=False)
        self.key = kms.Key(self.stack, "Key", enable_key_rotation=True)
        self.subnets = [self.vpc.isolated_subnets[1]]  # one of the two, to see that the given ones are used
        self.access = BedrockAccess(region=REGION, runtime_models=["eu.amazon.nova-micro-v1:0"], inference_scope="geography", endpoint_policy="deny")
        self.probe = ConnectivityProbe(self.stack, "Probe", props=probe_props(self, access=self.access))
        self.monitoring = ProbeMonitoring(
            self.stack,
            "Monitoring",
            props=ProbeMonitoringProps(
                monitoring=MonitoringConfig(probe_schedule="rate(30 minutes)", alarm_emails=("security@example.com",), audit_trail=False),
                region=REGION,
                name_prefix="workload",
                services=self.access.services,
                probe_function=self.probe.function,
                control_function=self.probe.control_function,
                vpc_id=self.vpc.vpc_id,
                endpoint_ids={"bedrock": "vpce-0bedrock", "bedrock-runtime": "vpce-0runtime"},
            ),
        )
        self.template = Template.from_stack(self.stack)

    def ref(self, construct: Any) -> dict[str, Any]:
        return {"Ref": self.stack.get_logical_id(construct.node.default_child)}

    def logical_id(self, construct: Any) -> str:
        return self.stack.get_logical_id(construct.node.default_child)


def probe_props(built: Built, **changes: Any) -> ConnectivityProbeProps:
    given: dict[str, Any] = dict(
        plan=PLAN, access=built.access, vpc=built.vpc, subnets=built.subnets, security_group=built.group,
        log_key=built.key, log_retention_days=30, dns_cidrs=["10.0.0.0/16"],
    )
    return ConnectivityProbeProps(**{**given, **changes})


@pytest.fixture(scope="module")
def built() -> Built:
    return Built()


def test_the_probe_runs_in_the_given_subnets_with_the_given_group(built: Built) -> None:
    built.template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": Match.absent(),
            "VpcConfig": {
                "SubnetIds": [built.ref(s) for s in built.subnets],
                "SecurityGroupIds": [{"Fn::GetAtt": [built.logical_id(built.group), "GroupId"]}],
            },
            "Environment": {"Variables": Match.object_like({"PROBE_KIND": "vpc", "VPC_CIDR": "10.0.0.0/16"})},
            "KmsKeyArn": {"Fn::GetAtt": [built.logical_id(built.key), "Arn"]},
        },
    )


def test_the_control_probe_runs_outside_the_vpc(built: Built) -> None:
    control = built.template.to_json()["Resources"][built.logical_id(built.probe.control_function)]["Properties"]
    assert "VpcConfig" not in control
    assert control["Environment"]["Variables"]["PROBE_KIND"] == "control"
    assert control["Environment"]["Variables"]["EXPECT_ALLOWED"] == "denied"


def test_the_probe_reads_its_plan_and_the_access(built: Built) -> None:
    env = built.template.to_json()["Resources"][built.logical_id(built.probe.function)]["Properties"]["Environment"]["Variables"]
    assert env["ENDPOINTS"] == "bedrock,bedrock-runtime"  # the access's services
    assert env["RUNTIME_MODEL"] == PLAN.runtime_model and env["RUNTIME_DENIED_MODEL"] == PLAN.runtime_denied_model
    assert env["PUBLIC_DNS_NAME"] == "" and env["GUARDRAIL_ARN"] == ""
    # endpoint_policy "deny": the in-VPC probe expects its allow-listed calls refused too.
    assert env["EXPECT_ALLOWED"] == "denied"


def test_the_probe_may_create_enis_only_in_the_given_subnets_and_group(built: Built) -> None:
    built.template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with([
                    Match.object_like({
                        "Sid": "CreateEnisInThisVpcsSubnetsAndGroupOnly",
                        "Action": "ec2:CreateNetworkInterface",
                        "Resource": [
                            {"Fn::Join": ["", ["arn:aws:ec2:eu-central-1:111122223333:subnet/", built.ref(built.subnets[0])]]},
                            {"Fn::Join": ["", ["arn:aws:ec2:eu-central-1:111122223333:security-group/", {"Fn::GetAtt": [built.logical_id(built.group), "GroupId"]}]]},
                        ],
                    })
                ])
            }
        },
    )


def test_the_dashboard_is_named_from_the_prefix(built: Built) -> None:
    built.template.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": "workload-probe"})


def test_the_alarms_watch_the_given_functions(built: Built) -> None:
    alarms = built.template.find_resources("AWS::CloudWatch::Alarm")
    watched = {
        json_dim["Value"]["Ref"]
        for alarm in alarms.values()
        for metric in alarm["Properties"].get("Metrics", [])
        for json_dim in metric.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
        if json_dim["Name"] == "FunctionName"
    }
    assert watched == {built.logical_id(built.probe.function), built.logical_id(built.probe.control_function)}
    built.template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "security@example.com"})


def test_the_schedule_invokes_both_probes(built: Built) -> None:
    for fn in (built.probe.function, built.probe.control_function):
        built.template.has_resource_properties(
            "AWS::Scheduler::Schedule",
            {"ScheduleExpression": "rate(30 minutes)", "Target": Match.object_like({"Arn": {"Fn::GetAtt": [built.logical_id(fn), "Arn"]}})},
        )
    built.template.resource_count_is("AWS::Scheduler::Schedule", 2)
    built.template.resource_count_is("AWS::CloudTrail::Trail", 0)  # audit_trail False


def test_a_wrong_access_is_one_sentence(built: Built) -> None:
    with pytest.raises(ConfigError, match=r"^access must be a BedrockAccess") as err:
        ConnectivityProbe(built.stack, "Wrong", props=probe_props(built, access={"region": REGION}))
    assert "\n" not in str(err.value)
