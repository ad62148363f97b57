"""SourceVpceOnlyPolicy: the customer-managed policy workloads attach to their roles."""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from private_bedrock.access import BedrockAccess
from private_bedrock.config.errors import ConfigError
from private_bedrock.construct_inputs import described, require_access, require_list_of
from private_bedrock.network.endpoints import PrivateBedrockEndpoints
from private_bedrock.security.nag import acknowledge
from private_bedrock.policies import MANAGED_POLICY_MAX_CHARS, identity_policy_chars, source_vpce_policy


class SourceVpceOnlyPolicy(Construct):
    """The customer-managed policy workload roles carry: each grant of `access` only through its
    own endpoint (aws:SourceVpce), and an explicit Deny of Bedrock off these endpoints.

    endpoints: the PrivateBedrockEndpoints built from the same access, or {service: vpce id}
    (a spoke names its hub's). roles: attached from the policy side, so roles never depend on
    it. account: of the ARNs in the policy (default: the stack's).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        access: BedrockAccess,
        endpoints: PrivateBedrockEndpoints | Mapping[str, str],
        roles: Sequence[iam.IRole] = (),
        account: str | None = None,
    ) -> None:
        endpoint_ids = _check_inputs(access, endpoints, roles)
        super().__init__(scope, id)
        size = identity_policy_chars(access)
        if size > MANAGED_POLICY_MAX_CHARS:
            models = len(access.runtime_models) + len(access.mantle_models)
            raise ConfigError(
                f"The identity policy for {access.region} would be {size} characters, over IAM's "
                f"{MANAGED_POLICY_MAX_CHARS} for a managed policy ({models} models, {len(access.capabilities)} capabilities); "
                "allow-list fewer models or capabilities in this region."
            )
        self.access = access
        self.document = source_vpce_policy(access, account or Stack.of(self).account, endpoint_ids)
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"Amazon Bedrock in {access.region} only through this deployment's VPC endpoints (aws:SourceVpce)",
            document=iam.PolicyDocument.from_json(self.document),
            roles=list(roles),
        )
        acknowledge_wildcards(self.policy, self.document)

    @property
    def managed_policy_arn(self) -> str:
        return self.policy.managed_policy_arn


def _check_inputs(access: object, endpoints: object, roles: object) -> Mapping[str, str]:
    """Wrong types and a mismatch of access and endpoints as one sentence each; returns the endpoint ids."""
    access = require_access(access)
    if isinstance(endpoints, PrivateBedrockEndpoints):
        ids: Mapping[str, str] = endpoints.ids
    elif isinstance(endpoints, Mapping) and all(isinstance(v, str) for v in endpoints.values()):
        ids = endpoints
    else:
        raise ConfigError(f"endpoints must be the PrivateBedrockEndpoints built from the same access (or {{service: vpce id}}), got {described(endpoints)}.")
    missing = [s for s in access.services if s not in ids]
    if missing:
        raise ConfigError(
            f"endpoints has no {', '.join(missing)} endpoint, which access grants ({', '.join(access.services)}); "
            "build PrivateBedrockEndpoints and SourceVpceOnlyPolicy from the same BedrockAccess."
        )
    if isinstance(endpoints, PrivateBedrockEndpoints) and endpoints.access != access:
        # The same services are not enough: the policy must grant what the endpoints' policies admit.
        raise ConfigError(
            "endpoints was built from a different BedrockAccess than access (its models, capabilities or ARNs differ); "
            "pass the same BedrockAccess to PrivateBedrockEndpoints and SourceVpceOnlyPolicy."
        )
    require_list_of("roles", roles, ("role_arn", "attach_inline_policy"), "iam.IRole (iam.Role, or iam.Role.from_role_arn)")
    return ids


def acknowledge_wildcards(target: Construct, document: Mapping) -> None:
    """Acknowledge, one finding at a time, each wildcard resource an Allow must carry."""
    for st in document["Statement"]:
        for res in [st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"]:
            if "*" in res and st["Effect"] == "Allow":
                acknowledge(target, f"AwsSolutions-IAM5[Resource::{_nag_form(res)}]", _reason_for(res))


def _reason_for(resource: str) -> str:
    if resource == "*":
        return "Actions without a resource type (ListFoundationModels, List*, CallWithBearerToken, ExternalWebAccess) take only Resource '*'; every Allow is also conditioned on aws:SourceVpce."
    if ":bedrock-mantle:" in resource:
        return "bedrock-mantle authorizes inference against a project whose default id is not documented; scoped to this account and region, and CreateInference is limited by bedrock-mantle:Model to the configured models."
    if ":foundation-model/" in resource:
        return "A cross-region inference profile may route to any region AWS adds to it; this model is granted in every region only via that profile (bedrock:InferenceProfileArn) and only through this deployment's endpoint."
    if ":async-invoke/" in resource:
        return "Async invocation ids are generated by Bedrock when the job starts (asyncInvoke capability); scoped to this account and region and only through this deployment's endpoint."
    if ":system-tool/" in resource or ":bedrock-websearch:" in resource:
        return "Server-side tools are AWS-owned resources named by the model at run time (serverSideTools capability, off by default); only through this deployment's endpoint."
    raise ValueError(f"no acknowledgment reason for the wildcard resource {resource!r}; add one that says why it is needed")


def _nag_form(resource: str) -> str:
    """cdk-nag names an unresolved account as <AWS::AccountId> in finding ids."""
    return re.sub(r"\$\{Token\[AWS\.AccountId\.\d+\]\}", "<AWS::AccountId>", resource)
