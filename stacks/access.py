"""SourceVpceOnlyPolicy: the customer-managed policy workloads attach to their roles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.config import ConfigError, RegionConfig
from stacks.nag import acknowledge
from stacks.policies import MANAGED_POLICY_MAX_CHARS, identity_policy_chars, source_vpce_policy


@dataclass(frozen=True)
class SourceVpceOnlyPolicyProps:
    config: RegionConfig
    account: str
    endpoint_ids: Mapping[str, str]
    roles: Sequence[iam.IRole] = ()  # attached from the policy side, so roles never depend on it


class SourceVpceOnlyPolicy(Construct):
    def __init__(self, scope: Construct, id: str, *, props: SourceVpceOnlyPolicyProps) -> None:
        super().__init__(scope, id)
        size = identity_policy_chars(props.config)
        if size > MANAGED_POLICY_MAX_CHARS:
            models = len(props.config.runtime_models) + len(props.config.mantle_models)
            raise ConfigError(
                f"The identity policy for {props.config.region} would be {size} characters, over IAM's "
                f"{MANAGED_POLICY_MAX_CHARS} for a managed policy ({models} models, each profile granting "
                "every destination region); allow-list fewer models or profiles in this region."
            )
        document = source_vpce_policy(props.config, props.account, props.endpoint_ids)
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"Amazon Bedrock in {props.config.region} only through this deployment's VPC endpoints (aws:SourceVpce)",
            document=iam.PolicyDocument.from_json(document),
            roles=list(props.roles),
        )
        acknowledge_wildcards(self.policy, document)


def acknowledge_wildcards(target: Construct, document: Mapping) -> None:
    """Acknowledge, one finding at a time, each wildcard resource an Allow must carry."""
    for st in document["Statement"]:
        for res in [st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"]:
            if "*" in res and st["Effect"] == "Allow":
                acknowledge(target, f"AwsSolutions-IAM5[Resource::{_nag_form(res)}]", _reason_for(res))


def _reason_for(resource: str) -> str:
    if resource == "*":
        return "Actions without a resource type (ListFoundationModels, CallWithBearerToken, List*) take only Resource '*'; every Allow is also conditioned on aws:SourceVpce."
    if ":bedrock-mantle:" in resource:
        return "bedrock-mantle authorizes inference against a project whose default id is not documented; scoped to this account and region, and CreateInference is limited by bedrock-mantle:Model to the configured models."
    if "foundation-model" in resource:
        return "A global cross-region inference profile may route to any commercial region; granted only via that profile (bedrock:InferenceProfileArn condition) and only through this deployment's endpoint."
    return "Agent and knowledge-base ids are created by the user after this stack; scoped to this account and region and only through this deployment's endpoint."


def _nag_form(resource: str) -> str:
    """cdk-nag names an unresolved account as <AWS::AccountId> in finding ids."""
    return re.sub(r"\$\{Token\[AWS\.AccountId\.\d+\]\}", "<AWS::AccountId>", resource)
