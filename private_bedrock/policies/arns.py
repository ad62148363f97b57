"""ARNs of the Bedrock resources the grants name (commercial partition only)."""

from __future__ import annotations

PARTITION = "aws"  # every region in private_bedrock/facts/regions.py is in the commercial partition
# The account's default project: the only project a bedrock-runtime Responses call runs in
# unless the caller names another (Bedrock API reference, ProjectSummary: "The account's
# default project uses default").
DEFAULT_PROJECT_ID = "default"


def foundation_model_arn(region: str, model_id: str) -> str:
    # Foundation models are AWS-owned: the ARN has no account.
    return f"arn:{PARTITION}:bedrock:{region}::foundation-model/{model_id}"


def any_region_foundation_model_arn(model_id: str) -> str:
    """The model in every region, including regions AWS adds to a profile later."""
    return foundation_model_arn("*", model_id)


def inference_profile_arn(region: str, account: str, profile_id: str) -> str:
    return f"arn:{PARTITION}:bedrock:{region}:{account}:inference-profile/{profile_id}"


def bedrock_project_arn(region: str, account: str, project_id: str = DEFAULT_PROJECT_ID) -> str:
    """A `project` of the bedrock prefix (Responses on bedrock-runtime authorize against it)."""
    return f"arn:{PARTITION}:bedrock:{region}:{account}:project/{project_id}"


def mantle_project_arn(region: str, account: str) -> str:
    # Mantle authorizes inference against a project; the id of mantle's default project is
    # not documented by the mantle reference, so grant the projects of this account in this
    # region only (CreateInference is further pinned by bedrock-mantle:Model).
    return f"arn:{PARTITION}:bedrock-mantle:{region}:{account}:project/*"


def bedrock_arn_base(region: str, account: str) -> str:
    """Prefix of the account-owned bedrock resources in a region (agents, knowledge bases)."""
    return f"arn:{PARTITION}:bedrock:{region}:{account}"


def agent_arn_of_alias(alias_arn: str) -> str:
    """arn:...:agent-alias/AGENT/ALIAS -> arn:...:agent/AGENT (GetAgent's resource)."""
    # The configuration admits exactly this form (private_bedrock/config/access_inputs.py, AGENT_ALIAS_ARN).
    alias_prefix, agent_id, _alias_id = alias_arn.split("/")
    return f"{alias_prefix.removesuffix(':agent-alias')}:agent/{agent_id}"


def websearch_tool_arn(region: str) -> str:
    # Web search tools are AWS-owned: the ARN's account field is the literal "aws".
    return f"arn:{PARTITION}:bedrock-websearch:{region}:aws:tool/*"


def system_tool_arn(account: str) -> str:
    # system-tool ARNs have no region (iam-data: arn:${Partition}:bedrock::${Account}:system-tool/...).
    return f"arn:{PARTITION}:bedrock::{account}:system-tool/*"
