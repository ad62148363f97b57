"""What AWS offers where: the region capability table and the inference-profile geographies.

Sources (re-check when AWS announces a region):
- bedrock / bedrock-runtime PrivateLink: https://docs.aws.amazon.com/general/latest/gr/bedrock.html
- bedrock-mantle PrivateLink: the 2026-02-12 announcement (shared/seeds/000) and
  https://docs.aws.amazon.com/bedrock/latest/userguide/bedrock-mantle.html
- cross-Region inference profiles:
  https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html
"""

from __future__ import annotations

# Commercial regions ("aws" partition) with bedrock, bedrock-runtime, bedrock-agent and
# bedrock-agent-runtime interface endpoints.
BEDROCK_REGIONS: frozenset[str] = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2",
        "ca-central-1", "sa-east-1",
        "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
        "eu-north-1", "eu-south-1", "eu-south-2",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ap-south-1", "ap-south-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    }
)

# The name each service answers on inside the VPC once private DNS is enabled (aws-facts).
PRIVATE_DNS: dict[str, str] = {
    "bedrock": "bedrock.{region}.amazonaws.com",
    "bedrock-runtime": "bedrock-runtime.{region}.amazonaws.com",
    "bedrock-mantle": "bedrock-mantle.{region}.api.aws",
    "bedrock-agent": "bedrock-agent.{region}.amazonaws.com",
    "bedrock-agent-runtime": "bedrock-agent-runtime.{region}.amazonaws.com",
}


def private_dns_name(service: str, region: str) -> str:
    return PRIVATE_DNS[service].format(region=region)


# Regions where com.amazonaws.<region>.bedrock-mantle exists (13, per the announcement).
MANTLE_REGIONS: frozenset[str] = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-2",
        "ap-southeast-3", "ap-south-1", "ap-northeast-1", "ap-southeast-2",
        "eu-central-1", "eu-west-1", "eu-west-2", "eu-south-1", "eu-north-1",
        "sa-east-1",
    }
)

# Destination regions a system-defined profile of each geography may route to. AWS
# publishes the exact list per model; this is the union for the geography, so a policy
# built from it works for every model of that geography. Requests only reach these
# regions through the profile (the grants are conditioned on bedrock:InferenceProfileArn).
PROFILE_GEOGRAPHIES: dict[str, tuple[str, ...]] = {
    "us": ("us-east-1", "us-east-2", "us-west-1", "us-west-2"),
    "eu": (
        "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
        "eu-north-1", "eu-south-1", "eu-south-2",
    ),
    "apac": (
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    ),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
}
# global.* profiles route to any commercial region; IAM grants use a region wildcard.
GLOBAL_PREFIX = "global"
PROFILE_PREFIXES: tuple[str, ...] = (*PROFILE_GEOGRAPHIES, GLOBAL_PREFIX)

# The default allow-listed native model per region: in-region where the model is offered
# in-region (inference stays in the region), otherwise the geography's profile.
_IN_REGION_DEFAULT = {"us-east-1": "amazon.nova-micro-v1:0"}
_GEOGRAPHY_DEFAULT_MODEL = "amazon.nova-micro-v1:0"
DEFAULT_MANTLE_MODEL = "openai.gpt-oss-20b"


def geographies_of(region: str) -> tuple[str, ...]:
    """Profile prefixes whose destinations include `region` (its own geographies)."""
    return tuple(p for p, regions in PROFILE_GEOGRAPHIES.items() if region in regions)


def default_runtime_model(region: str) -> str | None:
    """The built-in allow-listed model, or None where no default keeps data in a geography."""
    if region in _IN_REGION_DEFAULT:
        return _IN_REGION_DEFAULT[region]
    geos = geographies_of(region)
    # Prefer the broad geography that carries Nova Micro (us, eu, apac) over jp/au.
    for prefix in ("us", "eu", "apac"):
        if prefix in geos:
            return f"{prefix}.{_GEOGRAPHY_DEFAULT_MODEL}"
    # No geography profile: a global default would send prompts anywhere, so we ask instead.
    return None


# --------------------------------------------------------------------------- Bedrock API keys
# (This block belongs to the probe: where the bearer checks can run at all.)
# Regions where Bedrock API keys (bearer tokens) work, from the API-key supported-regions page:
# https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-supported.html
API_KEY_REGIONS: frozenset[str] = frozenset(
    {
        "us-east-1", "us-west-2", "ca-central-1", "sa-east-1",
        "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
        "eu-west-1", "eu-west-2", "eu-west-3",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
        "ap-southeast-1", "ap-southeast-2",
    }
)
# [field] AWS's own sources disagree on these: some versions of that page list them, others
# (the one cited above) leave them out. The probe still runs its bearer checks there (skipping
# would hide a key that works), and says in the check's detail that support is disputed.
API_KEY_REGIONS_DISPUTED: frozenset[str] = frozenset({"us-east-2", "us-west-1", "ap-southeast-3", "ap-southeast-4"})


def api_key_support(region: str) -> str:
    """"supported", "disputed" or "unsupported": whether a bearer check can prove anything here."""
    if region in API_KEY_REGIONS:
        return "supported"
    if region in API_KEY_REGIONS_DISPUTED:
        return "disputed"
    return "unsupported"
