"""FleetVerifierRole: what `make verify FLEET=...` assumes in every member account.

Delivered by the same StackSet as the probes. Read-only apart from publishing a version of
each probe and invoking those versions: exactly the calls private_bedrock/tools/verify/regional.py makes, on this
stack's own resources. Trusted by named
roles of the administrator account, inside the organisation (private_bedrock/policies/fleet.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from constructs import Construct

from private_bedrock.policies.fleet import VerifierTargets, verifier_grants, verifier_trust_conditions
from private_bedrock.security.nag import acknowledge


@dataclass(frozen=True)
class FleetVerifierRoleProps:
    role_name: str  # fixed, so the fleet CLI can name it in every account
    administrator_account: str
    caller_arns: Sequence[str]
    organization_id: str
    targets: VerifierTargets


class FleetVerifierRole(Construct):
    def __init__(self, scope: Construct, id: str, *, props: FleetVerifierRoleProps) -> None:
        super().__init__(scope, id)
        self.role = iam.Role(
            self,
            "Role",
            role_name=props.role_name,
            assumed_by=iam.AccountPrincipal(props.administrator_account).with_conditions(
                verifier_trust_conditions(props.caller_arns, props.organization_id)
            ),
            max_session_duration=Duration.hours(1),
            description="Fleet verification: assumed from the StackSet administrator account to run both probes and read this stack",
        )
        policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="What make verify FLEET=... reads in this account and region, and the two probes it invokes",
            statements=[
                iam.PolicyStatement(sid=g.sid, actions=list(g.actions), resources=list(g.resources), conditions=dict(g.conditions) or None)
                for g in verifier_grants(props.targets)
            ],
            roles=[self.role],
        )
        acknowledge(
            policy,
            "AwsSolutions-IAM5[Resource::*]",
            "ec2:DescribeVpcEndpoints and route53resolver:ListFirewallRuleGroupAssociations have no resource-level permissions; they are the only actions on *, read-only and held to this region.",
        )
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::arn:aws:route53resolver:{props.targets.region}:<AWS::AccountId>:firewall-config/*]",
            "GetFirewallConfig's firewall-config id is created by Route 53 Resolver for the VPC at run time; read-only, this account and region.",
        )
        for arn in props.targets.asset_object_arns:
            if arn.endswith("/*"):
                acknowledge(policy, f"AwsSolutions-IAM5[Resource::{arn}]", "The probe code objects in the administrator's asset bucket; read-only.")
