"""OrganisationFenceStack: the fence's SCPs in the management (or delegated admin) account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from aws_cdk import CfnOutput, Environment, Stack
from aws_cdk import aws_organizations as organizations
from constructs import Construct

from private_bedrock.policies.scp import FencePolicy
from stacks.names import FENCE_STACK_ID

# Organizations is a global service homed in us-east-1; its resources are created there.
ORGANIZATIONS_REGION = "us-east-1"


@dataclass(frozen=True)
class OrganisationFenceProps:
    management_account: str
    targets: Sequence[str]
    policies: Sequence[FencePolicy]


class OrganisationFenceStack(Stack):
    def __init__(self, scope: Construct, *, props: OrganisationFenceProps) -> None:
        super().__init__(
            scope,
            FENCE_STACK_ID,
            env=Environment(account=props.management_account, region=ORGANIZATIONS_REGION),
            description="Organisation fence for private Amazon Bedrock: service control policies (Bedrock only through the deployment's endpoints)",
        )
        for policy in props.policies:
            scp = organizations.CfnPolicy(
                self,
                policy.name,
                name=policy.name,
                type="SERVICE_CONTROL_POLICY",
                content=dict(policy.document),
                description="Amazon Bedrock only through the private endpoints, allow-listed models and regions, no API keys",
                target_ids=list(props.targets),
            )
            # Deployed as a string, not an object: Organizations counts every character it is
            # given (whitespace included when created through the API), and this is exactly
            # the minified text whose size synth checked. CloudFormation accepts both forms
            # (the string form gives up drift detection of the content); CDK's typed
            # property only takes an object, hence the override.
            scp.add_property_override("Content", policy.content)
            CfnOutput(self, f"{policy.name.replace('-', '')}Id", value=scp.attr_id)
