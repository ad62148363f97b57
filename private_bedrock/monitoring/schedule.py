"""ProbeSchedule: EventBridge Scheduler runs the in-VPC probe and its control on a rate."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from private_bedrock.policies.monitoring import scheduler_policy, scheduler_trust_conditions


@dataclass(frozen=True)
class ProbeScheduleProps:
    expression: str  # a validated rate(...) expression
    functions: dict[str, lambda_.IFunction]  # probe kind -> function


class ProbeSchedule(Construct):
    def __init__(self, scope: Construct, id: str, *, props: ProbeScheduleProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        arns = [fn.function_arn for fn in props.functions.values()]
        # L1 on purpose: the L2 targets add `<function>:*` (every version and alias) to the
        # role; this role may invoke exactly the two functions and nothing else.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com", conditions=scheduler_trust_conditions(stack.account)),
            description="EventBridge Scheduler: invoke the Bedrock PrivateLink probes",
        )
        # A managed policy, not an inline one (the NIST and HIPAA packs refuse inline policies).
        self.policy = iam.ManagedPolicy(
            self, "InvokeProbes", document=iam.PolicyDocument.from_json(scheduler_policy(arns)), roles=[self.role]
        )
        self.schedules = {
            kind: scheduler.CfnSchedule(
                self,
                f"{kind.capitalize()}Probe",
                description=f"Runs the {'in-VPC' if kind == 'vpc' else 'control (outside the VPC)'} Bedrock PrivateLink probe",
                schedule_expression=props.expression,
                flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                state="ENABLED",
                target=scheduler.CfnSchedule.TargetProperty(
                    arn=fn.function_arn,
                    role_arn=self.role.role_arn,
                    input="{}",  # the probe's "run every check" event
                    # No retries: the next run comes within one interval, and two missed
                    # intervals raise the missed-run alarm.
                    retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(maximum_retry_attempts=0, maximum_event_age_in_seconds=300),
                ),
            )
            for kind, fn in props.functions.items()
        }
        for schedule in self.schedules.values():
            schedule.node.add_dependency(self.policy)  # the first run must find its permission
