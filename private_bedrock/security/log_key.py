"""LogKey: the stack's customer-managed KMS key for logs and Lambda environments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from constructs import Construct

from private_bedrock.policies.key import log_key_policy


@dataclass(frozen=True)
class LogKeyProps:
    region: str
    account: str
    log_group_prefix: str  # the key serves only log groups whose names start with this
    admin_arns: Sequence[str] = ()  # empty: the account root (IAM decides) administers it


class LogKey(Construct):
    def __init__(self, scope: Construct, id: str, *, props: LogKeyProps) -> None:
        super().__init__(scope, id)
        # The L1: kms.Key always adds "kms:*" for the account root (the
        # @aws-cdk/aws-kms:defaultKeyPolicies flag), which would mix administration and use.
        self.cfn = kms.CfnKey(
            self,
            "Resource",
            description="Encrypts this stack's log groups and probe environments",
            enable_key_rotation=True,
            key_policy=log_key_policy(props.region, props.account, props.log_group_prefix, props.admin_arns),
        )
        # The logs outlive the stack (audit evidence); so must the key that reads them.
        self.cfn.apply_removal_policy(RemovalPolicy.RETAIN)
        # A plain reference (not Key.from_cfn_key, which re-parses and may merge statements):
        # the template holds exactly what the pure builder returned.
        self.key: kms.IKey = kms.Key.from_key_arn(self, "Ref", self.cfn.attr_arn)
