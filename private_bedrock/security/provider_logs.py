"""The Lambda functions CDK adds on its own (custom-resource providers): logs and scanners.

CDK's providers (for example the one behind `restrict_default_security_group`) log to an
implicit /aws/lambda/<name> group: unencrypted and kept forever. Each gets a group of the
stack instead (encrypted with the stack's key, with retention), through its LoggingConfig,
and its scanner exceptions for checkov and cfn-guard (cdk-nag does not look at these raw resources).
"""

from __future__ import annotations

from aws_cdk import CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms

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


def give_providers_log_groups(stack: Stack, *, key: kms.IKey, retention_days: int) -> list[str]:
    """Call once every construct exists; returns the provider ids it handled."""
    handled = []
    for child in stack.node.children:
        if not child.node.id.endswith(PROVIDER_SUFFIX):
            continue
        handler = child.node.try_find_child("Handler")
        if not isinstance(handler, CfnResource) or handler.cfn_resource_type != "AWS::Lambda::Function":
            continue
        group = encrypted_log_group(
            stack, f"{child.node.id.replace(':', '')}Logs", key=key, retention_days=retention_days, removal_policy=RemovalPolicy.DESTROY
        )
        handler.add_property_override("LoggingConfig", {"LogGroup": group.log_group_name})
        handler.add_resource_dependency(group.node.default_child)  # type: ignore[arg-type]
        for reason, checkov, guard in PROVIDER_EXCEPTIONS:
            skip_scanners(handler, reason, checkov=checkov, guard=guard)
        handled.append(child.node.id)
    return handled
