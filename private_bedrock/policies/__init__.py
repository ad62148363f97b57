"""Pure policy builders: (BedrockAccess, account, endpoint ids, principals) -> policy JSON.

No constructs here. One module per idea:
- grants.py: the one list of grants per service (what workloads may do);
- endpoint.py: VPC endpoint policies built from the grants;
- identity.py: the aws:SourceVpce identity policy built from the same grants;
- scp.py: the organisation fence (service control policies) built from the same grants;
- arns.py, statements.py, names.py: ARN formats, statement JSON, derived names.
The names below are the package's public surface (kept stable for existing imports).
"""

from private_bedrock.policies.arns import PARTITION, foundation_model_arn, inference_profile_arn
from private_bedrock.policies.endpoint import endpoint_policy
from private_bedrock.policies.grants import (
    BEARER_ACTION,
    EXTERNAL_WEB_ACCESS_ACTION,
    FENCED_PREFIXES,
    INVOKE_ACTIONS,
    SERVER_SIDE_TOOL_ACTIONS,
    Grant,
    grants_for,
    profile_destination_arns,
    tool_denials,
)
from private_bedrock.policies.identity import MANAGED_POLICY_MAX_CHARS, identity_policy_chars, source_vpce_policy
from private_bedrock.policies.names import pascal

__all__ = [
    "BEARER_ACTION",
    "EXTERNAL_WEB_ACCESS_ACTION",
    "SERVER_SIDE_TOOL_ACTIONS",
    "FENCED_PREFIXES",
    "INVOKE_ACTIONS",
    "MANAGED_POLICY_MAX_CHARS",
    "PARTITION",
    "Grant",
    "endpoint_policy",
    "foundation_model_arn",
    "grants_for",
    "identity_policy_chars",
    "inference_profile_arn",
    "pascal",
    "profile_destination_arns",
    "source_vpce_policy",
    "tool_denials",
]
