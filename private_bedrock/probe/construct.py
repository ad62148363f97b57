"""ConnectivityProbe: the in-VPC probe function and its out-of-VPC control twin.

Both run lambda_src/probe with the same identity policy; only the in-VPC one can reach
the endpoints, so every Bedrock call of the control must be denied (no aws:SourceVpce).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from private_bedrock.access import BedrockAccess
from private_bedrock.config.probe_plan import ProbePlan
from private_bedrock.construct_inputs import require_access
from private_bedrock.security.log_groups import encrypted_log_group
from private_bedrock.security.nag import acknowledge, acknowledge_compliance
from private_bedrock.probe.code import probe_code
from private_bedrock.probe.runtime import runtime_module

# The variable names the probe reads (lambda_src/probe/contract.py), imported by module name.
contract = runtime_module("contract")

RUNTIME = lambda_.Runtime.PYTHON_3_14  # the newest Python runtime aws-cdk-lib 2.275 offers
ARCHITECTURE = lambda_.Architecture.ARM_64
PROBE_TIMEOUT = Duration.seconds(60)


@dataclass(frozen=True)
class ConnectivityProbeProps:
    """plan: the models and names the probe calls; access: what it expects to be allowed (the
    endpoints' services, their policy mode, API keys, the guardrail), the same BedrockAccess
    the endpoints and SourceVpceOnlyPolicy are built from."""

    plan: ProbePlan
    access: BedrockAccess
    vpc: ec2.IVpc
    subnets: Sequence[ec2.ISubnet]
    security_group: ec2.ISecurityGroup
    log_key: kms.IKey
    log_retention_days: int
    dns_cidrs: Sequence[str]  # the endpoint names must resolve into these ranges
    role_name: str | None = None  # the in-VPC probe role's name (fixed for a spoke, else generated)


class ConnectivityProbe(Construct):
    def __init__(self, scope: Construct, id: str, *, props: ConnectivityProbeProps) -> None:
        super().__init__(scope, id)
        access, plan = require_access(props.access), props.plan
        code = probe_code(RUNTIME, ARCHITECTURE)
        c, allowed, denied = contract, contract.ALLOWED, contract.DENIED
        expect_allowed = allowed if access.endpoint_policy == "allow" else denied
        base_env = {
            c.ENDPOINTS: ",".join(s for s in access.services if s in c.SERVICES),
            c.RUNTIME_MODEL: plan.runtime_model,
            c.RUNTIME_DENIED_MODEL: plan.runtime_denied_model,
            c.MANTLE_MODEL: plan.mantle_model or "",
            c.MANTLE_DENIED_MODEL: plan.mantle_denied_model or "",
            c.MANTLE_BASE_PATH: plan.mantle_base_path,
            # bedrock-runtime's OpenAI-compatible API serves OpenAI models only (private_bedrock/config/probe_plan.py).
            c.RUNTIME_OPENAI_MODEL: plan.runtime_openai_model or "",
            c.RUNTIME_RESPONSES_MODEL: plan.runtime_responses_model or "",
            c.RUNTIME_OPENAI_DENIED_MODEL: plan.runtime_openai_denied_model,
            c.PUBLIC_DNS_NAME: plan.public_dns_name or "",
            # Where AWS offers no API keys the bearer checks are skipped, not failed.
            c.API_KEYS_IN_REGION: plan.api_keys_in_region,
            c.EXPECT_BEARER: allowed if access.allow_api_keys and access.endpoint_policy == "allow" else denied,
            c.EXPECT_WEB_SEARCH: allowed if plan.web_search_allowed else denied,
            # The Anthropic Messages API (lambda_src/probe/anthropic_checks.py).
            c.RUNTIME_ANTHROPIC_MODEL: plan.runtime_anthropic_model or "",
            c.RUNTIME_ANTHROPIC_DENIED_MODEL: plan.runtime_anthropic_denied_model,
            c.MANTLE_ANTHROPIC_MODEL: plan.mantle_anthropic_model or "",
            c.MANTLE_ANTHROPIC_DENIED_MODEL: plan.mantle_anthropic_denied_model,
            # A required guardrail: the probe's native calls carry it (its DRAFT version).
            c.GUARDRAIL_ARN: access.guardrail_arn or "",
        }
        self.function = self._function(
            "InVpc", props, code,
            {**base_env, c.PROBE_KIND: c.KIND_VPC, c.VPC_CIDR: ",".join(props.dns_cidrs), c.EXPECT_ALLOWED: expect_allowed},
            in_vpc=True,
        )
        self.control_function = self._function(
            "OutsideVpc", props, code,
            # Outside the VPC there is no aws:SourceVpce: everything must be refused.
            {**base_env, c.PROBE_KIND: c.KIND_CONTROL, c.EXPECT_ALLOWED: denied, c.EXPECT_BEARER: denied},
            in_vpc=False,
        )
        self.roles: list[iam.IRole] = [self.function.role, self.control_function.role]  # type: ignore[list-item]

    def _function(self, id: str, props: ConnectivityProbeProps, code: lambda_.Code, env: dict[str, str], *, in_vpc: bool) -> lambda_.Function:
        stack = Stack.of(self)
        # Probe output is recreated by every run; it goes with the stack.
        log_group = encrypted_log_group(
            self, f"{id}Logs", key=props.log_key, retention_days=props.log_retention_days, removal_policy=RemovalPolicy.DESTROY
        )
        role = iam.Role(
            self,
            f"{id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            role_name=props.role_name if in_vpc else None,
            description=f"Bedrock connectivity probe ({'in the VPC' if in_vpc else 'control, outside the VPC'})",
        )
        statements = [
            iam.PolicyStatement(
                sid="WriteOwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"{log_group.log_group_arn}:log-stream:*"],
            )
        ]
        # Lambda decrypts the function's environment (encrypted with the stack's key) with
        # this role; the key policy admits that only through Lambda.
        statements.append(
            iam.PolicyStatement(
                sid="DecryptOwnEnvironmentViaLambda",
                actions=["kms:Decrypt"],
                resources=[props.log_key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"lambda.{stack.region}.amazonaws.com"}},
            )
        )
        if in_vpc:
            statements.extend(eni_statements(stack, props))
        execution = iam.ManagedPolicy(self, f"{id}ExecutionPolicy", statements=statements, roles=[role])
        acknowledge(
            execution,
            "AwsSolutions-IAM5[Resource::<" + stack.get_logical_id(log_group.node.default_child) + ".Arn>:log-stream:*]",
            "Lambda names its log streams at run time; scoped to this function's own log group.",
        )
        if in_vpc:
            acknowledge(
                execution,
                "AwsSolutions-IAM5[Resource::*]",
                "ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets have no resource-level permissions; every ENI action that has one is scoped to this VPC, its subnets and the workload security group.",
            )
            acknowledge(
                execution,
                f"AwsSolutions-IAM5[Resource::arn:aws:ec2:{_nag_region(stack)}:{_nag_account(stack)}:network-interface/*]",
                "Lambda creates the ENIs at run time, so their ids are unknown; conditioned on this VPC (ec2:Vpc) and created only in this stack's subnets and security group.",
            )
        fn = lambda_.Function(
            self,
            id,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="handler.handler",
            code=code,
            role=role,
            timeout=PROBE_TIMEOUT,
            memory_size=1024,  # more memory is more CPU: the cold start is import-bound
            environment=env,
            environment_encryption=props.log_key,
            log_group=log_group,
            vpc=props.vpc if in_vpc else None,
            vpc_subnets=ec2.SubnetSelection(subnets=list(props.subnets)) if in_vpc else None,
            security_groups=[props.security_group] if in_vpc else None,
            allow_public_subnet=False,
            description=f"Bedrock PrivateLink probe ({'in the VPC' if in_vpc else 'control outside the VPC'})",
        )
        fn.node.add_dependency(execution)  # logs and ENIs must be writable before the first run
        acknowledge_compliance(
            fn,
            "LambdaConcurrency",
            "No reserved concurrency: new accounts have a concurrency quota of 10 and reserving any fails the deploy; the probe runs only when the verify command or the schedule (two runs per interval) invokes it.",
            checkov=["CKV_AWS_115"],
        )
        acknowledge_compliance(
            fn,
            "LambdaDLQ",
            "The verify command invokes synchronously and receives every failure; a scheduled (asynchronous) run carries an empty event, so there is nothing to replay: a failed run raises the error or missed-run alarm and the next run comes within one interval.",
            checkov=["CKV_AWS_116"],
        )
        if not in_vpc:
            acknowledge_compliance(
                fn,
                "LambdaInsideVPC",
                "The control probe must run outside the VPC: it proves that the same permissions are refused without aws:SourceVpce.",
                checkov=["CKV_AWS_117"],
                guard=["lambda_inside_vpc_check"],
            )
        return fn


def _nag_account(stack: Stack) -> str:
    """How cdk-nag writes the account in a finding id: literal when known, else the token."""
    return "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account


def _nag_region(stack: Stack) -> str:
    """The region as cdk-nag writes it: a StackSet's stack has it only at deploy time."""
    return "<AWS::Region>" if Token.is_unresolved(stack.region) else stack.region


def eni_statements(stack: Stack, props: ConnectivityProbeProps) -> list[iam.PolicyStatement]:
    """Lambda's VPC ENI management, scoped to this VPC wherever EC2 has resource-level permissions."""
    def arn(resource: str) -> str:
        return f"arn:aws:ec2:{stack.region}:{stack.account}:{resource}"

    in_this_vpc = {"ArnEquals": {"ec2:Vpc": arn(f"vpc/{props.vpc.vpc_id}")}}
    return [
        iam.PolicyStatement(
            sid="CreateEnisInThisVpcsSubnetsAndGroupOnly",
            actions=["ec2:CreateNetworkInterface"],
            # CreateNetworkInterface authorizes the new ENI, its subnet and its security groups.
            resources=[
                *(arn(f"subnet/{s.subnet_id}") for s in props.subnets),
                arn(f"security-group/{props.security_group.security_group_id}"),
            ],
        ),
        iam.PolicyStatement(
            sid="CreateEnisInThisVpc",
            actions=["ec2:CreateNetworkInterface"],
            resources=[arn("network-interface/*")],
            conditions=in_this_vpc,
        ),
        iam.PolicyStatement(
            sid="ManageEnisOfThisVpcOnly",
            actions=["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            resources=[arn("network-interface/*")],
            conditions=in_this_vpc,
        ),
        iam.PolicyStatement(
            sid="DescribeHasNoResourceLevelPermissions",
            actions=["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
            resources=["*"],
        ),
    ]
