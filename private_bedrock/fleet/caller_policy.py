"""FleetVerifyCallerPolicy: what the caller of `make verify FLEET=...` needs, as a managed
policy of the administrator account, named PrivateBedrockFleetVerifyCaller so that a role
(attach it) or an IAM Identity Center permission set (reference it by name as a customer
managed policy) of fleet.verifierCallerArns can use it. Grants: private_bedrock/policies/fleet.py
caller_grants; cells: private_bedrock/tools/prove/fleet.py caller_cells.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from private_bedrock.config.fleet import FleetConfig
from private_bedrock.policies.fleet import CALLER_POLICY_NAME, CallerTargets, caller_grants
from private_bedrock.security.nag import acknowledge


class FleetVerifyCallerPolicy(Construct):
    def __init__(self, scope: Construct, id: str, *, fleet: FleetConfig) -> None:
        super().__init__(scope, id)
        targets = CallerTargets(tuple(fleet.region_order), str(fleet.home_region), str(fleet.administrator_account), fleet.call_as,
                                str(fleet.organization_id))
        grants = caller_grants(targets, verifier_role_name=fleet.verifier_role_name, stack_set_name=fleet.stack_set_name)
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=CALLER_POLICY_NAME,
            description="For the roles of fleet.verifierCallerArns: run make verify FLEET=... (assume the fleet verifier roles, read and drift-check the StackSets)",
            statements=[
                iam.PolicyStatement(sid=g.sid, actions=list(g.actions), resources=list(g.resources), conditions=dict(g.conditions) or None)
                for g in grants
            ],
        )
        for g in grants:
            for arn in g.resources:
                if arn == "*":
                    acknowledge(self.policy, "AwsSolutions-IAM5[Resource::*]", "organizations:ListDelegatedAdministrators has no resource-level permissions; read-only, only with callAs DELEGATED_ADMIN.")
                elif arn.startswith("arn:aws:iam::*:role/"):
                    acknowledge(self.policy, f"AwsSolutions-IAM5[Resource::{arn}]",
                                "The fleet verifier role of every member account (accounts join the OUs at any time), inside the organisation only (aws:ResourceOrgID); each role's trust admits only the named callers.")
                elif arn.endswith(":*"):
                    acknowledge(self.policy, f"AwsSolutions-IAM5[Resource::{arn}]",
                                "A StackSet's ARN ends in the id CloudFormation gives it at creation (and, for a delegated administrator, names the management account); the name is exact, the actions read-only or drift detection.")
