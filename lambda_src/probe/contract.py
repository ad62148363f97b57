"""The probe's environment contract: the names of the variables the stack sets and the probe reads.

Plain Python that imports nothing of the probe's, so both sides import it by module name:
the Lambda as `contract` (flat modules on /var/task), the construct
(private_bedrock/probe/construct.py) through private_bedrock/probe/runtime.py. A name written
on one side and read under another spelling on the other cannot happen.
"""

from __future__ import annotations

# Which probe this is, and what it must see.
PROBE_KIND = "PROBE_KIND"  # KIND_VPC | KIND_CONTROL
VPC_CIDR = "VPC_CIDR"  # comma-separated ranges the endpoint names must resolve into (vpc only)
ENDPOINTS = "ENDPOINTS"  # comma-separated services of SERVICES
EXPECT_ALLOWED = "EXPECT_ALLOWED"  # ALLOWED | DENIED: the allow-listed calls
EXPECT_BEARER = "EXPECT_BEARER"  # ALLOWED | DENIED: API-key (bearer token) calls
EXPECT_WEB_SEARCH = "EXPECT_WEB_SEARCH"  # ALLOWED | DENIED: mantle's server-side web search
API_KEYS_IN_REGION = "API_KEYS_IN_REGION"  # supported | disputed | unsupported
PUBLIC_DNS_NAME = "PUBLIC_DNS_NAME"  # a name the VPC must not resolve (empty: no DNS firewall check)

# The models each check calls (empty: the check that needs one is skipped).
RUNTIME_MODEL = "RUNTIME_MODEL"
RUNTIME_DENIED_MODEL = "RUNTIME_DENIED_MODEL"
RUNTIME_OPENAI_MODEL = "RUNTIME_OPENAI_MODEL"
RUNTIME_RESPONSES_MODEL = "RUNTIME_RESPONSES_MODEL"
RUNTIME_OPENAI_DENIED_MODEL = "RUNTIME_OPENAI_DENIED_MODEL"
RUNTIME_ANTHROPIC_MODEL = "RUNTIME_ANTHROPIC_MODEL"
RUNTIME_ANTHROPIC_DENIED_MODEL = "RUNTIME_ANTHROPIC_DENIED_MODEL"
MANTLE_MODEL = "MANTLE_MODEL"
MANTLE_DENIED_MODEL = "MANTLE_DENIED_MODEL"
MANTLE_BASE_PATH = "MANTLE_BASE_PATH"  # /v1 or /openai/v1
MANTLE_ANTHROPIC_MODEL = "MANTLE_ANTHROPIC_MODEL"
MANTLE_ANTHROPIC_DENIED_MODEL = "MANTLE_ANTHROPIC_DENIED_MODEL"
GUARDRAIL_ARN = "GUARDRAIL_ARN"  # a required guardrail: the native calls carry it

# Read by the probe but not set by the stack (tests and local runs set them).
GUARDRAIL_VERSION = "GUARDRAIL_VERSION"  # default DRAFT
PROBE_TIMEOUT_SECONDS = "PROBE_TIMEOUT_SECONDS"  # read timeout per call, default 12
# The AWS SDK convention (AWS_ENDPOINT_URL_<SERVICE ID>): botocore reads the first two itself,
# the probe reads them for its DNS check and its own HTTP clients.
ENDPOINT_URL = {
    "bedrock": "AWS_ENDPOINT_URL_BEDROCK",
    "bedrock-runtime": "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    "bedrock-mantle": "AWS_ENDPOINT_URL_BEDROCK_MANTLE",
}
# Lambda sets these.
REGION = ("AWS_REGION", "AWS_DEFAULT_REGION")

# The values the stack writes.
KIND_VPC = "vpc"
KIND_CONTROL = "control"
ALLOWED = "allowed"
DENIED = "denied"
SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle")  # the endpoints the probe calls

# Every name the stack sets (tests hold the construct and the probe to this list).
SET_BY_THE_STACK = (
    ENDPOINTS, RUNTIME_MODEL, RUNTIME_DENIED_MODEL, MANTLE_MODEL, MANTLE_DENIED_MODEL, MANTLE_BASE_PATH,
    RUNTIME_OPENAI_MODEL, RUNTIME_RESPONSES_MODEL, RUNTIME_OPENAI_DENIED_MODEL, PUBLIC_DNS_NAME, API_KEYS_IN_REGION,
    EXPECT_BEARER, EXPECT_WEB_SEARCH, RUNTIME_ANTHROPIC_MODEL, RUNTIME_ANTHROPIC_DENIED_MODEL, MANTLE_ANTHROPIC_MODEL,
    MANTLE_ANTHROPIC_DENIED_MODEL, GUARDRAIL_ARN, PROBE_KIND, VPC_CIDR, EXPECT_ALLOWED,
)
