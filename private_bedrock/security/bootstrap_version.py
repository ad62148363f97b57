"""Refuse to deploy into a CDK bootstrap older than the asset-bucket takeover fix.

Bootstrap stacks up to version 20 let the file-publishing role upload to a bucket of the
predictable name cdk-<qualifier>-assets-<account>-<region> in *any* account: delete the
bucket and someone else can recreate it and read or change your assets. Version 21
(CDK CLI 2.149.0, aws/aws-cdk#31885) limits the role to buckets of the same account.
CDK's own rule only asks for version 6, and its synthesizer has no setting for the
minimum, so the stack carries its own rule with the same parameter.
"""

from __future__ import annotations

from aws_cdk import CfnParameter, CfnRule, CfnRuleAssertion, Fn, Stack

MIN_BOOTSTRAP_VERSION = 21
VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"


def require_bootstrap_version(stack: Stack, minimum: int = MIN_BOOTSTRAP_VERSION) -> None:
    version = CfnParameter(
        stack,
        "BootstrapVersion",
        type="AWS::SSM::Parameter::Value<String>",
        default=VERSION_PARAMETER,
        description=f"Version of the CDK bootstrap resources in this environment; at least {minimum} is required. [cdk:skip]",
    )
    CfnRule(
        stack,
        "CheckBootstrapVersion",
        assertions=[
            CfnRuleAssertion(
                assert_=Fn.condition_not(Fn.condition_contains([str(v) for v in range(1, minimum)], version.value_as_string)),
                assert_description=(
                    f"This stack needs CDK bootstrap version {minimum} or later (the asset-bucket takeover fix); "
                    "run 'cdk bootstrap' with a current CDK CLI."
                ),
            )
        ],
    )
