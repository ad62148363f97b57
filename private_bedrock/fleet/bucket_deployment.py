"""The scanner exceptions of cdk-stacksets' BucketDeployment (aws-cdk-lib's own custom resource).

cdk-stacksets copies each file asset of a StackSet's stack from the CDK asset bucket of the
administrator's home region into every region's asset bucket with aws_s3_deployment's
BucketDeployment: one singleton Lambda function per stack, its role and policy generated
by CDK. We do not write that code or its grants; each finding is acknowledged here once,
with what CDK scopes it to.
"""

from __future__ import annotations

from aws_cdk import Stack

from private_bedrock.config.fleet import FleetConfig
from private_bedrock.security.nag import acknowledge, acknowledge_compliance, skip_checkov

HANDLER_PREFIX = "Custom::CDKBucketDeployment"
_COPY = "The BucketDeployment handler copies the probe code into the fleet's asset buckets at deploy time"


def acknowledge_bucket_deployments(stack: Stack, fleet: FleetConfig) -> None:
    handlers = [c for c in stack.node.children if c.node.id.startswith(HANDLER_PREFIX)]
    for handler in handlers:
        acknowledge(
            handler,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            f"{_COPY}; CDK attaches AWS's basic execution policy (its own log group only).",
        )
        for action in ("s3:GetBucket*", "s3:GetObject*", "s3:List*", "s3:Abort*", "s3:DeleteObject*"):
            acknowledge(
                handler,
                f"AwsSolutions-IAM5[Action::{action}]",
                f"{_COPY}; CDK's grantRead/grantWrite action groups, limited to the source asset bucket and the fleet's asset buckets.",
            )
        acknowledge(
            handler,
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-{fleet.administrator_account}-{fleet.home_region}/*]",
            f"{_COPY}; it reads the asset objects CDK published to the administrator's bootstrap asset bucket.",
        )
        for region in fleet.region_order:
            acknowledge(
                handler,
                f"AwsSolutions-IAM5[Resource::arn:aws:s3:::{fleet.asset_bucket(region)}/*]",
                f"{_COPY}; it writes the objects of {region}'s asset bucket, whose names are asset hashes.",
            )
        acknowledge(handler, "AwsSolutions-L1", f"{_COPY}; its runtime is chosen by aws-cdk-lib and moves with it.")
        acknowledge_compliance(handler, "IAMNoInlinePolicy", f"{_COPY}; CDK generates its role's policy inline.")
        acknowledge_compliance(
            handler,
            "LambdaConcurrency",
            f"{_COPY}; it runs only when CloudFormation updates the fleet stack, one invocation per deployment.",
            checkov=["CKV_AWS_115"],
        )
        acknowledge_compliance(handler, "LambdaDLQ", f"{_COPY}; invoked synchronously by CloudFormation, which receives every failure.", checkov=["CKV_AWS_116"])
        acknowledge_compliance(
            handler,
            "LambdaInsideVPC",
            f"{_COPY}; it only calls S3 in the administrator account, and a VPC would need S3 endpoints in every region for nothing.",
            checkov=["CKV_AWS_117"],
            guard=["lambda_inside_vpc_check"],
        )
        skip_checkov(
            handler,
            "CKV_AWS_173",
            f"{_COPY}; its one environment variable is CDK's AWS_CA_BUNDLE path, no secret, so Lambda's default encryption at rest suffices.",
        )
