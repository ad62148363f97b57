"""ProbeAlarms: a mismatch, a probe error, a throttled or missed run alarms to one encrypted SNS topic.

Per probe kind (the in-VPC probe and its control outside the VPC):
- mismatch: any check whose outcome differs from what the deployment promises;
- error: the function failed (Lambda Errors: crash, timeout) or its report carries an
  error (bad event or configuration), so no check could be judged;
- throttled: Lambda refused to run it (AWS/Lambda Throttles), e.g. reserved concurrency 0;
- missed run (only with a schedule): no invocation (AWS/Lambda Invocations) for two
  schedule intervals; missing data is breaching, because silence is what this alarm is for;
- unreported run (only with a schedule): invoked more often than it reported a full run
  (Runs, which only a run of every check publishes), for two intervals in a row: its log
  group or logging configuration changed, its role lost the log permissions, or it is being
  invoked with a chosen subset of checks in place of the full proof.

Who can feed them: AWS/ namespaces take no customer data (aws-facts.md, "Evidence"), so
Invocations, Errors and Throttles come from Lambda alone. The probe's own metrics
(PrivateBedrock/Probe, EMF) can be added to by anyone with cloudwatch:PutMetricData or
with write access to any log group of the account; the mismatch and report-error alarms
therefore take the Maximum of each period, which an added datapoint can raise but never
lower (a Sum could be cancelled with a negative value). Fed datapoints cannot silence the
missed-run and throttled alarms; fed Runs datapoints can silence the unreported-run alarm.
Invocations counts every invocation of the function (all versions and aliases), so anyone
allowed to invoke the probe keeps the missed-run alarm quiet; a run that is not the full
plan then publishes no Runs and raises the unreported-run alarm instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from constructs import Construct

from private_bedrock.monitoring import metric_names as m
from private_bedrock.policies.key import key_policy
from private_bedrock.policies.monitoring import alarm_key_statement, alarm_publish_statement

LABEL = {"vpc": "in-VPC probe", "control": "control probe (outside the VPC)"}


def probe_metric(name: str, kind: str, period: Duration, statistic: str = "Sum", label: str | None = None, **dimensions: str) -> cw.Metric:
    """A metric the probe publishes (EMF), for this probe kind and any further dimensions, in
    the unit the probe publishes it with (an alarm then reads only datapoints of that unit)."""
    return cw.Metric(
        namespace=m.NAMESPACE, metric_name=name, dimensions_map={m.KIND: kind, **dimensions}, statistic=statistic, period=period, label=label,
        unit=cw.Unit[m.UNITS[name].upper()],  # "Count" -> Unit.COUNT (rendered "Count")
    )


@dataclass(frozen=True)
class ProbeAlarmsProps:
    region: str
    functions: dict[str, lambda_.IFunction]  # probe kind -> function
    interval_minutes: int | None  # None: no schedule, so no missed-run alarm
    alarm_emails: Sequence[str]
    key_admin_arns: Sequence[str] = ()  # keyAdminArns: who alone may disable or delete the topic key


class ProbeAlarms(Construct):
    def __init__(self, scope: Construct, id: str, *, props: ProbeAlarmsProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        # The L1, as for the log key (private_bedrock/security/log_key.py): kms.Key would add "kms:*" for the
        # account root, mixing administration and use. Only CloudWatch may use this key.
        key = kms.CfnKey(
            self,
            "TopicKey",
            description="Encrypts the Bedrock probe alarm topic",
            enable_key_rotation=True,
            key_policy=key_policy(stack.account, [alarm_key_statement()], props.key_admin_arns),
        )
        # Explicit (cfn-lint I3011): the key only protects alarm messages in flight, so it goes
        # with the stack (CloudFormation schedules its deletion).
        key.apply_removal_policy(RemovalPolicy.DESTROY)
        self.key: kms.IKey = kms.Key.from_key_arn(self, "TopicKeyRef", key.attr_arn)
        self.topic = sns.Topic(self, "Topic", display_name=f"Private Bedrock probe alarms ({props.region})", master_key=self.key, enforce_ssl=True)
        # The topic has a policy (enforce_ssl), which replaces SNS's default one: CloudWatch
        # needs its own Allow, limited to this account's alarms in this region.
        self.topic.add_to_resource_policy(
            iam.PolicyStatement.from_json(alarm_publish_statement(stack.region, stack.account, self.topic.topic_arn))
        )
        for email in props.alarm_emails:
            self.topic.add_subscription(subs.EmailSubscription(email))

        period = Duration.minutes(props.interval_minutes or 60)
        action = cw_actions.SnsAction(self.topic)
        self.alarms: list[cw.Alarm] = []
        self.alarm_names: list[str] = []
        for kind, fn in props.functions.items():
            Kind = kind.capitalize()
            self._alarm(
                f"{Kind}Mismatch",
                f"{stack.stack_name}-{kind}-probe-mismatch",
                f"The {LABEL[kind]} saw a check whose outcome differs from what this deployment promises "
                "(something allowed that must be denied, or the reverse, or an endpoint unreachable). "
                "Open the dashboard's check widgets, then `make verify` for the details.",
                probe_metric(m.MISMATCHES, kind, period, statistic="Maximum"),
                missing=cw.TreatMissingData.NOT_BREACHING,  # a missing run is the missed-run alarm's business
                action=action,
            )
            self._alarm(
                f"{Kind}Error",
                f"{stack.stack_name}-{kind}-probe-error",
                f"The {LABEL[kind]} failed (Lambda error or timeout) or reported an error instead of results; "
                "nothing was proven in that run. Read the function's log group.",
                cw.MathExpression(
                    expression="FILL(lambdaErrors, 0) + FILL(reportErrors, 0)",
                    using_metrics={
                        "lambdaErrors": fn.metric_errors(period=period, statistic="Sum"),
                        "reportErrors": probe_metric(m.REPORT_ERROR, kind, period, statistic="Maximum"),
                    },
                    period=period,
                    label="Lambda errors + report errors",
                ),
                missing=cw.TreatMissingData.NOT_BREACHING,
                action=action,
            )
            self._alarm(
                f"{Kind}Throttled",
                f"{stack.stack_name}-{kind}-probe-throttled",
                f"Lambda throttled the {LABEL[kind]} (AWS/Lambda Throttles): its concurrency is exhausted or "
                "reserved at 0, so runs are refused before any check. Check the function's concurrency settings.",
                fn.metric_throttles(period=period, statistic="Sum"),
                missing=cw.TreatMissingData.NOT_BREACHING,
                action=action,
            )
            if props.interval_minutes is not None:
                invocations = fn.metric_invocations(period=period, statistic="Sum")
                self._alarm(
                    f"{Kind}MissedRun",
                    f"{stack.stack_name}-{kind}-probe-missed-run",
                    f"Lambda did not invoke the {LABEL[kind]} for two schedule intervals (AWS/Lambda Invocations): "
                    "the schedule, its role or the function is broken, or it is throttled, so the policies are no longer being proven.",
                    invocations,
                    missing=cw.TreatMissingData.BREACHING,
                    action=action,
                    comparison=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
                    evaluation_periods=2,
                )
                self._alarm(
                    f"{Kind}UnreportedRun",
                    f"{stack.stack_name}-{kind}-probe-unreported-run",
                    f"The {LABEL[kind]} was invoked more often than it reported a full run (Runs), two intervals in a row: "
                    "its log group, logging configuration or log permissions changed, so mismatches would go unseen, "
                    "or someone invokes it with a subset of its checks (the schedule and `make verify` run them all). "
                    "Compare the function with the template (`make verify`) and who else may invoke it.",
                    cw.MathExpression(
                        # Two periods in a row: a run that starts just before a period ends may
                        # report in the next one, which breaches one period at most.
                        expression="FILL(invocations, 0) - FILL(runs, 0)",
                        using_metrics={"invocations": invocations, "runs": probe_metric(m.RUNS, kind, period)},
                        period=period,
                        label="invocations - reported runs",
                    ),
                    missing=cw.TreatMissingData.NOT_BREACHING,
                    action=action,
                    evaluation_periods=2,
                )

    def _alarm(
        self,
        id: str,
        name: str,
        description: str,
        metric: cw.IMetric,
        *,
        missing: cw.TreatMissingData,
        action: cw.IAlarmAction,
        comparison: cw.ComparisonOperator = cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluation_periods: int = 1,
    ) -> None:
        alarm = cw.Alarm(
            self,
            id,
            alarm_name=name,
            alarm_description=description,
            metric=metric,
            threshold=1,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=evaluation_periods,
            treat_missing_data=missing,
        )
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)  # the all-clear is news too
        self.alarms.append(alarm)
        self.alarm_names.append(name)
