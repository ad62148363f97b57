"""ARNs of the Bedrock resources the grants name (commercial partition only)."""

from __future__ import annotations

PARTITION = "aws"  # every region in stacks/regions.py is in the commercial partition


def foundation_model_arn(region: str, model_id: str) -> str:
    # Foundation models are AWS-owned: the ARN has no account.
    return f"arn:{PARTITION}:bedrock:{region}::foundation-model/{model_id}"


def inference_profile_arn(region: str, account: str, profile_id: str) -> str:
    return f"arn:{PARTITION}:bedrock:{region}:{account}:inference-profile/{profile_id}"


def mantle_project_arn(region: str, account: str) -> str:
    # Mantle authorizes inference against a project; the id of the default project is
    # not documented, so grant the projects of this account in this region only.
    return f"arn:{PARTITION}:bedrock-mantle:{region}:{account}:project/*"


def bedrock_arn_base(region: str, account: str) -> str:
    """Prefix of the account-owned bedrock resources in a region (agents, knowledge bases)."""
    return f"arn:{PARTITION}:bedrock:{region}:{account}"
