"""The Lambda functions CDK adds on its own (custom-resource providers): logs and scanners.

CDK's providers (for example the one behind `restrict_default_security_group`) log to an
implicit /aws/lambda/<name> group: unencrypted and kept forever. Each gets a group of the
stack instead (encrypted with the stack's key, with retention), through its LoggingConfig,
and its scanner exceptions for checkov and cfn-guard (cdk-nag does not look at these raw resources).

Opt in with the Aspect, `Aspects.of(stack).add(ProviderFunctionHardening(key=..., retention_days=...))`:
it hardens every provider of the stack at synthesis, whenever it was added. The key's policy
must let CloudWatch Logs use it for the stack's log groups (LogKey's does: every group here is
named under /private-bedrock/<stack>/, private_bedrock/security/log_groups.py).
`give_providers_log_groups` does the same at the point it is called (the app's composition
calls it there, so its templates keep their resource order).
"""

from __future__ import annotations

import jsii
from aws_cdk import CfnResource, IAspect, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from constructs import IConstruct

from private_bedrock.security.log_groups import encrypted_log_group
from private_bedrock.security.nag import skip_scanners

# cdk-nag does not judge CDK's provider functions (raw CfnResources); checkov and cfn-guard do.
# (reason, checkov ids, cfn-guard rules)
PROVIDER_EXCEPTIONS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("A CDK custom-resource provider runs only during CloudFormation deployments, one call per resource; reserving concurrency would only take from the account's quota.", ("CKV_AWS_115",), ()),
    ("CloudFormation invokes a custom-resource provider synchronously and records every failure in the stack events; there is no asynchronous event to dead-letter.", ("CKV_AWS_116",), ()),
    ("The provider calls the EC2 API; the VPC it would run in has no route to AWS APIs by design (no NAT, no EC2 endpoint).", ("CKV_AWS_117",), ("lambda_inside_vpc_check",)),
)

PROVIDER_SUFFIX = "CustomResourceProvider"  # CDK's CustomResourceProvider construct ids end so


def provider_handler(construct: IConstruct) -> CfnResource | None:
    """The Lambda function of a CDK custom-resource provider that is a child of its stack, else None."""
    if not construct.node.id.endswith(PROVIDER_SUFFIX) or construct.node.scope is not Stack.of(construct):
        return None
    handler = construct.node.try_find_child("Handler")
    if not isinstance(handler, CfnResource) or handler.cfn_resource_type != "AWS::Lambda::Function":
        return None
    return handler


def harden_provider(provider: IConstruct, handler: CfnResource, *, key: kms.IKey, retention_days: int) -> bool:
    """An encrypted log group of the stack for `provider`'s function, and its scanner exceptions; False if it had them."""
    stack = Stack.of(provider)
    group_id = f"{provider.node.id.replace(':', '')}Logs"
    if stack.node.try_find_child(group_id) is not None:
        return False  # hardened already (the function and the Aspect on one stack)
    group = encrypted_log_group(stack, group_id, key=key, retention_days=retention_days, removal_policy=RemovalPolicy.DESTROY)
    handler.add_property_override("LoggingConfig", {"LogGroup": group.log_group_name})
    handler.add_resource_dependency(group.node.default_child)  # type: ignore[arg-type]
    for reason, checkov, guard in PROVIDER_EXCEPTIONS:
        skip_scanners(handler, reason, checkov=checkov, guard=guard)
    return True


@jsii.implements(IAspect)
class ProviderFunctionHardening:
    """Aspect: every CDK custom-resource provider function logs to an encrypted group with retention."""

    def __init__(self, *, key: kms.IKey, retention_days: int) -> None:
        self.key = key
        self.retention_days = retention_days
        self.handled: list[str] = []  # provider ids, in the order they were hardened

    def visit(self, node: IConstruct) -> None:
        handler = provider_handler(node)
        if handler is not None and harden_provider(node, handler, key=self.key, retention_days=self.retention_days):
            self.handled.append(node.node.id)


def give_providers_log_groups(stack: Stack, *, key: kms.IKey, retention_days: int) -> list[str]:
    """Harden the providers that exist now (call once every construct exists); returns their ids."""
    handled = []
    for child in stack.node.children:
        handler = provider_handler(child)
        if handler is None:
            continue
        if harden_provider(child, handler, key=key, retention_days=retention_days):
            handled.append(child.node.id)
    return handled
