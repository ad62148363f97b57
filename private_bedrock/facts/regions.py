"""What AWS offers where: regions, PrivateLink services, inference-profile geographies, defaults.

This is the *documented table*: what AWS's documentation says, checked on the dates below.
With credentials, `make lookup` (private_bedrock/tools/lookup/account.py) asks the account instead and caches the
answers in cdk.context.json; synthesis then prefers them (private_bedrock/config/account_facts.py) and says
which source each statement came from.

Sources (re-check when AWS announces a region; checked 2026-11):
- bedrock / bedrock-runtime endpoints: https://docs.aws.amazon.com/general/latest/gr/bedrock.html
  and https://docs.aws.amazon.com/bedrock/latest/userguide/endpoints-region-availability.html
  ("bedrock-runtime is available in every AWS Region where Amazon Bedrock is offered")
- PrivateLink: https://docs.aws.amazon.com/bedrock/latest/userguide/vpc-interface-endpoints.html
- bedrock-mantle PrivateLink: the 2026-02-12 announcement (shared/seeds/000) and
  https://docs.aws.amazon.com/bedrock/latest/userguide/bedrock-mantle.html
- Bedrock Agents: https://docs.aws.amazon.com/bedrock/latest/userguide/agents-supported.html
- cross-Region inference profiles:
  https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html and
  the aws-bedrock-alpha CDK docs (CrossRegionInferenceProfileRegion.APAC "might include")
"""

from __future__ import annotations

# The 23 commercial regions of the first table: bedrock and bedrock-runtime interface
# endpoints are documented there.
_FIRST_REGIONS: frozenset[str] = frozenset(
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
# Ten newer Bedrock regions: the endpoints page lists bedrock and bedrock-runtime there, but
# no AWS page we found confirms their PrivateLink services one by one. Synthesis accepts
# them and says the fact is unconfirmed; with credentials `make lookup` asks EC2
# (DescribeVpcEndpointServices), which is the truth.
NEWER_REGIONS: frozenset[str] = frozenset(
    {
        "af-south-1", "ap-east-2", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
        "ca-west-1", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
    }
)
BEDROCK_REGIONS: frozenset[str] = _FIRST_REGIONS | NEWER_REGIONS

# Bedrock Agents (bedrock-agent, bedrock-agent-runtime) exists in these 15 regions only.
AGENTS_REGIONS: frozenset[str] = frozenset(
    {
        "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
        "ca-central-1", "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
        "sa-east-1", "us-east-1", "us-east-2", "us-west-2",
    }
)

# Regions where com.amazonaws.<region>.bedrock-mantle exists (13, per the announcement).
MANTLE_REGIONS: frozenset[str] = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-2",
        "ap-southeast-3", "ap-south-1", "ap-northeast-1", "ap-southeast-2",
        "eu-central-1", "eu-west-1", "eu-west-2", "eu-south-1", "eu-north-1",
        "sa-east-1",
    }
)
# (service, region) pairs whose documentation AWS's own sources dispute. None today: bedrock-mantle
# PrivateLink in ap-southeast-2, once left out by some AWS samples, is in the user guide's
# bedrock-mantle page (read 2026-12). `make lookup` still asks EC2 for every pair, and a cached
# "not offered" refuses synthesis before anything is deployed.
DISPUTED: dict[tuple[str, str], str] = {}

SERVICES: tuple[str, ...] = (
    "bedrock",
    "bedrock-runtime",
    "bedrock-mantle",
    "bedrock-agent",
    "bedrock-agent-runtime",
)


def documented_regions(service: str) -> frozenset[str]:
    """Regions where the documentation says `service` has an interface endpoint."""
    if service in ("bedrock", "bedrock-runtime"):
        return BEDROCK_REGIONS
    if service == "bedrock-mantle":
        return MANTLE_REGIONS
    if service in ("bedrock-agent", "bedrock-agent-runtime"):
        return AGENTS_REGIONS
    raise ValueError(f"unknown service {service!r}")


def documentation_note(service: str, region: str) -> str | None:
    """Why the documented answer for (service, region) is not certain, if it is not."""
    if (service, region) in DISPUTED:
        return DISPUTED[(service, region)]
    if region in NEWER_REGIONS and region in documented_regions(service):
        return "a newer Bedrock region whose PrivateLink services the documentation does not list one by one"
    return None


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


# Destination regions a system-defined profile of each prefix may route to: the union over
# its models (AWS publishes the exact list per model and source region; GetInferenceProfile
# gives it for the account, see private_bedrock/tools/lookup/account.py). The runtime grants do not depend on this
# table (they use a region-wildcard ARN conditioned on bedrock:InferenceProfileArn); it is
# what the summary and docs/models-and-residency.md say about where inference may run.
PROFILE_GEOGRAPHIES: dict[str, tuple[str, ...]] = {
    "us": ("us-east-1", "us-east-2", "us-west-1", "us-west-2"),
    "eu": (
        "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
        "eu-north-1", "eu-south-1", "eu-south-2",
    ),
    "apac": (
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
        # AWS's CDK docs: APAC profiles "might include" these too, depending on the model.
        "ap-southeast-5", "ap-southeast-7", "ap-east-2", "me-central-1",
    ),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
}
# Profiles whose destinations all lie in one country: the residency a "country" scope keeps.
COUNTRY_PROFILES: dict[str, str] = {"us": "the United States", "jp": "Japan", "au": "Australia"}
# global.* profiles route to any commercial region.
GLOBAL_PREFIX = "global"
PROFILE_PREFIXES: tuple[str, ...] = (*PROFILE_GEOGRAPHIES, GLOBAL_PREFIX)

# inferenceScope values, narrowest first. Each admits exactly the profile prefixes
# admitted_prefixes() returns for the region; in-region ids are always admitted.
INFERENCE_SCOPES: tuple[str, ...] = ("region", "country", "geography", "global")


def country_prefix(region: str) -> str | None:
    """The country profile callable from `region` (jp. from Tokyo/Osaka...), if any."""
    for prefix in COUNTRY_PROFILES:
        if region in PROFILE_GEOGRAPHIES[prefix]:
            return prefix
    return None


def geographies_of(region: str) -> tuple[str, ...]:
    """Profile prefixes (country and broader) whose destinations include `region`."""
    return tuple(p for p, regions in PROFILE_GEOGRAPHIES.items() if region in regions)


def admitted_prefixes(region: str, scope: str) -> tuple[str, ...]:
    """The profile prefixes `scope` admits when called from `region`."""
    if scope == "region":
        return ()
    if scope == "country":
        country = country_prefix(region)
        return (country,) if country else ()
    if scope == "geography":
        return geographies_of(region)
    if scope == "global":
        return PROFILE_PREFIXES
    raise ValueError(f"unknown scope {scope!r}")


def scope_meaning(region: str, scope: str) -> str:
    """'in-region ids, jp.' — what a scope admits, for errors, the summary and docs/models-and-residency.md."""
    prefixes = admitted_prefixes(region, scope)
    return ", ".join(["in-region ids", *(p + "." for p in prefixes)])


# The default allow-listed native model per region. Residency first: an in-region model
# where AWS offers a cheap one in-region, otherwise the profile of the region's own country
# (jp. from Tokyo/Osaka, au. from Sydney/Melbourne, us. in the US). Regions with neither get
# no default: a broader scope (apac., eu., global.) is a decision the user writes down.
DEFAULT_RUNTIME_MODELS: dict[str, str] = {
    "us-east-1": "amazon.nova-micro-v1:0",
    "us-east-2": "us.amazon.nova-micro-v1:0",
    "us-west-2": "us.amazon.nova-micro-v1:0",
    # Nova Micro has no jp. profile; Nova 2 Lite does (Tokyo and Osaka only).
    "ap-northeast-1": "jp.amazon.nova-2-lite-v1:0",
    "ap-northeast-3": "jp.amazon.nova-2-lite-v1:0",
    # No Nova model has an au. profile in the documentation; Claude Haiku 4.5 does.
    "ap-southeast-2": "au.anthropic.claude-haiku-4-5-20251001-v1:0",
    "ap-southeast-4": "au.anthropic.claude-haiku-4-5-20251001-v1:0",
}
DEFAULT_MANTLE_MODEL = "openai.gpt-oss-20b"


def default_runtime_model(region: str) -> str | None:
    """The built-in allow-listed model, or None where no default keeps data in the country."""
    return DEFAULT_RUNTIME_MODELS.get(region)


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
