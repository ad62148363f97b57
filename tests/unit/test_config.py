"""Configuration validation: every mistake a user can make fails with one clear sentence."""

from __future__ import annotations

import pytest

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.facts.regions import BEDROCK_REGIONS, MANTLE_REGIONS


def region(ctx: dict, name: str = "us-east-1"):
    return next(r for r in load_config(ctx, None).regions if r.region == name)


def test_defaults_are_two_regions_with_three_endpoints() -> None:
    cfg = load_config({}, None)
    assert [r.stack_id for r in cfg.regions] == ["PrivateBedrock-us-east-1", "PrivateBedrock-ap-northeast-1"]
    for r in cfg.regions:
        assert r.endpoints == ("bedrock", "bedrock-runtime", "bedrock-mantle")
        assert r.az_count == 2 and not r.allow_api_keys and r.endpoint_policy == "allow"


def test_default_scope_is_region_where_the_default_model_is_in_region() -> None:
    assert region({}).inference_scope == "region"
    assert region({}).inference_regions() == ("us-east-1",)
    tokyo = region({}, "ap-northeast-1")
    # Japan first: the default keeps prompts in Japan (jp. profile: Tokyo and Osaka only).
    assert tokyo.inference_scope == "country"
    assert tokyo.runtime_models[0].model_id == "jp.amazon.nova-2-lite-v1:0"
    assert tokyo.inference_regions() == ("ap-northeast-1", "ap-northeast-3")


def test_regions_from_command_line_string() -> None:
    cfg = load_config({"regions": "us-east-1, us-east-2"}, None)
    assert [r.region for r in cfg.regions] == ["us-east-1", "us-east-2"]


def test_region_override_wins_over_the_default() -> None:
    ctx = {"azCount": 2, "regionOverrides": {"us-east-1": {"azCount": 3}}}
    assert region(ctx).az_count == 3
    assert region(ctx, "ap-northeast-1").az_count == 2


def test_probe_denied_models_are_outside_the_allow_lists() -> None:
    r = region({"runtimeModels": ["amazon.nova-lite-v1:0"], "mantleModels": ["openai.gpt-oss-120b"]})
    assert r.probe.runtime_model == "amazon.nova-lite-v1:0"
    assert r.probe.runtime_denied_model not in ("amazon.nova-lite-v1:0",)
    assert r.probe.mantle_denied_model != "openai.gpt-oss-120b"


@pytest.mark.parametrize(
    ("context", "fragment"),
    [
        ({"regions": ["mars-1"]}, "Region 'mars-1' has no Amazon Bedrock PrivateLink endpoints"),
        ({"regions": ["us-east-1", "us-east-1"]}, "lists a region twice"),
        ({"regions": []}, "regions is empty"),
        ({"regions": ["ca-central-1"], "runtimeModels": ["amazon.nova-micro-v1:0"]}, "Region ca-central-1 does not offer a bedrock-mantle PrivateLink endpoint"),
        ({"regions": ["ca-central-1"], "endpoints": ["bedrock-runtime"]}, "Region ca-central-1 has no built-in default model"),
        ({"azCount": 0}, "azCount 0 is out of range; use 1, 2 or 3."),
        ({"azCount": "4"}, "azCount 4 is out of range"),
        ({"azCount": "two"}, "azCount must be a whole number"),
        ({"endpoints": ["bedrock", "bedrock-runtime", "sagemaker"]}, "endpoints entry 'sagemaker' is not supported"),
        ({"endpoints": ["bedrock"]}, "must include bedrock-runtime"),
        ({"runtimeModels": ["Nova Micro"]}, "'Nova Micro' is not a Bedrock model id"),
        ({"runtimeModels": ["arn:aws:bedrock:us-east-1::foundation-model/x.y"]}, "is an ARN"),
        ({"runtimeModels": ["us.nova"]}, "inference profile id without a model"),
        ({"runtimeModels": []}, "runtimeModels is empty"),
        ({"mantleModels": ["us.openai.gpt-oss-20b"]}, "is not a bedrock-mantle model id"),
        ({"extraPrincipalArns": ["arn:aws:iam::123:user/bob"]}, "is not an IAM role ARN"),
        ({"vpcCidr": "10.0.0.0/8"}, "must be a /16 to /24 block"),
        ({"vpcCidr": "8.8.0.0/16"}, "is not a private (RFC 1918) range"),
        ({"vpcCidr": "banana"}, "is not an IPv4 CIDR block"),
        ({"onPremCidrs": ["0.0.0.0/0"]}, "admits the whole internet"),
        ({"endpointPolicy": "open"}, "endpointPolicy 'open' is not supported; use one of: allow, deny."),
        ({"inferenceScope": "planet"}, "inferenceScope 'planet' is not supported"),
        ({"allowApiKeys": "yes"}, "allowApiKeys must be true or false"),
        ({"flowLogRetentionDays": 10}, "is not a CloudWatch Logs retention period"),
        ({"mantleBasePath": "/v2"}, "mantleBasePath '/v2' is not supported"),
        ({"regionz": ["us-east-1"]}, "Unknown context key 'regionz'"),
        ({"regionOverrides": {"eu-westt-1": {}}}, "regionOverrides has an entry for 'eu-westt-1', which is not a region this app knows"),
        ({"regionOverrides": {"us-east-1": {"regions": ["x"]}}}, "regionOverrides.us-east-1 has unknown key 'regions'"),
        ({"availabilityZones": ["us-east-1a"]}, "lists 1 zones but azCount is 2"),
        (
            {"mantleModels": ["openai.gpt-oss-20b", "openai.gpt-oss-120b", "openai.gpt-oss-safeguard-20b", "openai.gpt-oss-safeguard-120b"]},
            "mantleModels allow-lists every model the probe uses to show a refusal",
        ),
        ({"regions": ["us-east-1"], "azCount": 1, "availabilityZones": ["eu-west-1a"]}, "is not an availability zone of us-east-1"),
        ({"dnsAllowedDomains": ["*"]}, "dnsAllowedDomains entry '*' would allow every name and switch the DNS firewall off"),
        ({"dnsAllowedDomains": ["*.*"]}, "would allow every name"),
        ({"dnsAllowedDomains": ["Corp.Example.com"]}, "dnsAllowedDomains entry 'Corp.Example.com' is not a domain name DNS Firewall can match"),
        ({"dnsAllowedDomains": ["corp.example.com."]}, "is not a domain name DNS Firewall can match"),
        ({"dnsAllowedDomains": ["localhost"]}, "is not a domain name DNS Firewall can match"),
        ({"dnsAllowedDomains": ["a.*.example.com"]}, "is not a domain name DNS Firewall can match"),
        ({"keyAdminArns": ["arn:aws:iam::123456789012:group/admins"]}, "keyAdminArns entry 'arn:aws:iam::123456789012:group/admins' is not an IAM role or user ARN"),
        ({"keyAdminArns": "root"}, "is not an IAM role or user ARN"),
        ({"serviceTiers": ["default", "turbo"]}, "serviceTiers entry 'turbo' is not a Bedrock service tier; use some of: priority, default, flex, reserved."),
        ({"serviceTiers": ["flex"]}, "serviceTiers ['flex'] leaves out default; add default"),
        ({"serviceTiers": "flex"}, "serviceTiers"),
    ],
)
def test_bad_input_fails_with_one_sentence(context: dict, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(context, None)
    assert fragment in str(err.value)
    # One sentence per problem: a single terminal period, no line breaks.
    assert all("\n" not in problem and problem.endswith(".") for problem in err.value.problems)


def test_override_errors_name_the_override_path() -> None:
    with pytest.raises(ConfigError, match=r"^regionOverrides\.ap-northeast-1\.azCount 9 is out of range"):
        load_config({"regionOverrides": {"ap-northeast-1": {"azCount": 9}}}, None)


def test_mantle_can_be_disabled_per_region_explicitly() -> None:
    ctx = {
        "regions": ["us-east-1", "ca-central-1"],
        "regionOverrides": {"ca-central-1": {"endpoints": ["bedrock", "bedrock-runtime"], "runtimeModels": ["amazon.nova-micro-v1:0"]}},
    }
    ca = region(ctx, "ca-central-1")
    assert not ca.mantle_enabled and ca.mantle_models == () and ca.probe.mantle_model is None
    assert region(ctx).mantle_enabled


def test_bad_account_is_refused() -> None:
    with pytest.raises(ConfigError, match="is not a 12-digit AWS account id"):
        load_config({}, "12345")


def test_cdk_feature_flags_and_lookups_are_not_unknown_keys() -> None:
    ctx = {"@aws-cdk/core:checkSecretUsage": True, "availability-zones:account=1:region=us-east-1": ["a"], "aws:cdk:enable-path-metadata": True}
    assert len(load_config(ctx, None).regions) == 2


def test_capability_table_mantle_regions_have_bedrock() -> None:
    assert MANTLE_REGIONS <= BEDROCK_REGIONS
    assert len(MANTLE_REGIONS) == 13


def test_dns_allowed_domains_and_key_admins_are_read_per_region() -> None:
    config = load_config(
        {
            "dnsAllowedDomains": ["corp.example.com", "*.corp.example.com"],
            "regionOverrides": {"ap-northeast-1": {"keyAdminArns": ["arn:aws:iam::123456789012:role/key-admin"]}},
        },
        None,
    )
    us, tokyo = config.regions
    assert us.dns_allowed_domains == tokyo.dns_allowed_domains == ("corp.example.com", "*.corp.example.com")
    assert us.key_admin_arns == () and tokyo.key_admin_arns == ("arn:aws:iam::123456789012:role/key-admin",)


def test_probe_runtime_openai_models_come_from_the_allow_list() -> None:
    # Chat Completions on bedrock-runtime serves OpenAI models; Responses there, not GPT OSS.
    r = region({"regions": ["us-west-2"], "inferenceScope": "region",
                "runtimeModels": ["amazon.nova-micro-v1:0", "openai.gpt-oss-20b-1:0", "openai.gpt-5.4"]}, "us-west-2")
    assert (r.probe.runtime_openai_model, r.probe.runtime_responses_model) == ("openai.gpt-oss-20b-1:0", "openai.gpt-5.4")
    assert r.probe.runtime_openai_denied_model == "openai.gpt-oss-120b-1:0"
    plain = region({})
    assert (plain.probe.runtime_openai_model, plain.probe.runtime_responses_model) == (None, None)
    both = region({"runtimeModels": ["openai.gpt-oss-20b-1:0", "openai.gpt-oss-120b-1:0"]})
    assert both.probe.runtime_openai_denied_model not in ("openai.gpt-oss-20b-1:0", "openai.gpt-oss-120b-1:0")


@pytest.mark.parametrize(("name", "support"), [("us-east-1", "supported"), ("us-east-2", "disputed"),
                                               ("ap-southeast-4", "disputed"), ("eu-central-1", "supported")])
def test_probe_knows_where_api_keys_are_offered(name: str, support: str) -> None:
    ctx = {"regions": [name], "endpoints": ["bedrock", "bedrock-runtime"], "runtimeModels": ["amazon.nova-micro-v1:0"]}
    assert region(ctx, name).probe.api_keys_in_region == support


def test_probe_public_dns_name() -> None:
    assert region({}).probe.public_dns_name == "example.com"
    assert region({"probePublicDnsName": "Blocked.Example.ORG."}).probe.public_dns_name == "blocked.example.org"
    with pytest.raises(ConfigError, match=r"probePublicDnsName 'not a name' is not a DNS name"):
        region({"probePublicDnsName": "not a name"})


def test_the_probe_expects_web_search_allowed_only_with_server_side_tools() -> None:
    base = {"regions": ["us-east-1"]}
    assert load_config(base, None).regions[0].probe.web_search_allowed is False
    tools = {**base, "capabilities": ["inference", "streaming", "serverSideTools"]}
    assert load_config(tools, None).regions[0].probe.web_search_allowed is True
