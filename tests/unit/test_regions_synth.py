"""Every bedrock-mantle region synthesizes (nag packs included), and non-mantle regions do with mantle off."""

from __future__ import annotations

import pytest

from private_bedrock.config.app_config import ConfigError

from private_bedrock.facts.regions import MANTLE_REGIONS, default_runtime_model
from tests.conftest import OPTIONAL_ALIAS, OPTIONAL_KB, synth_in_process
from tests.conftest import OPTIONAL_KEY_ADMIN, OPTIONAL_WORKLOAD

# Regions without a country profile or a documented in-region default have no built-in model.
OVERRIDES = {r: {"runtimeModels": ["amazon.nova-micro-v1:0"]} for r in MANTLE_REGIONS if default_runtime_model(r) is None}


@pytest.fixture(scope="module")
def mantle_templates() -> dict[str, dict]:
    return synth_in_process({"regions": sorted(MANTLE_REGIONS), "regionOverrides": OVERRIDES})


@pytest.mark.parametrize("region", sorted(MANTLE_REGIONS))
def test_mantle_region_synthesizes_with_three_endpoints(region: str, mantle_templates: dict[str, dict]) -> None:
    template = mantle_templates[f"PrivateBedrock-{region}"]
    names = sorted(r["Properties"]["ServiceName"] for r in template["Resources"].values() if r["Type"] == "AWS::EC2::VPCEndpoint")
    assert names == [f"com.amazonaws.{region}.{s}" for s in ("bedrock", "bedrock-mantle", "bedrock-runtime")]


def _probe_env(template: dict, prefix: str = "ProbeInVpc") -> dict:
    return next(r["Properties"]["Environment"]["Variables"] for k, r in template["Resources"].items()
                if k.startswith(prefix) and r["Type"] == "AWS::Lambda::Function")


@pytest.mark.parametrize("region, support", [("us-east-1", "supported"), ("us-east-2", "disputed"),
                                             ("ap-southeast-3", "disputed"), ("ap-northeast-1", "supported")])
def test_probe_is_told_whether_api_keys_work_in_its_region(region: str, support: str, mantle_templates: dict) -> None:
    template = mantle_templates[f"PrivateBedrock-{region}"]
    for prefix in ("ProbeInVpc", "ProbeOutsideVpc"):
        env = _probe_env(template, prefix)
        assert env["API_KEYS_IN_REGION"] == support
        # The default allow lists carry no OpenAI model for bedrock-runtime's /openai/v1: the
        # probe skips the allowed calls there (with the reason) and still proves the refusals.
        assert (env["RUNTIME_OPENAI_MODEL"], env["RUNTIME_RESPONSES_MODEL"]) == ("", "")
        assert env["RUNTIME_OPENAI_DENIED_MODEL"] == "openai.gpt-oss-120b-1:0"
        assert env["PUBLIC_DNS_NAME"] == "example.com" and env["EXPECT_WEB_SEARCH"] == "denied"


def test_region_without_mantle_deploys_with_mantle_disabled() -> None:
    ctx = {
        "regions": ["ca-central-1"],
        "regionOverrides": {"ca-central-1": {"endpoints": ["bedrock", "bedrock-runtime"], "runtimeModels": ["amazon.nova-micro-v1:0"]}},
    }
    template = synth_in_process(ctx)["PrivateBedrock-ca-central-1"]
    names = sorted(r["Properties"]["ServiceName"] for r in template["Resources"].values() if r["Type"] == "AWS::EC2::VPCEndpoint")
    assert names == ["com.amazonaws.ca-central-1.bedrock", "com.amazonaws.ca-central-1.bedrock-runtime"]
    probe_env = next(
        r["Properties"]["Environment"]["Variables"] for k, r in template["Resources"].items() if k.startswith("ProbeInVpc") and r["Type"] == "AWS::Lambda::Function"
    )
    assert probe_env["ENDPOINTS"] == "bedrock,bedrock-runtime" and probe_env["MANTLE_MODEL"] == ""


WORKLOAD = OPTIONAL_WORKLOAD
KEY_ADMIN = OPTIONAL_KEY_ADMIN


@pytest.fixture(scope="module")
def optional_features(optional_templates: dict[str, dict]) -> dict:
    """The session's synth with the optional features on (tests/conftest.py OPTIONAL_CONTEXT):
    on-premises CIDRs and their Resolver inbound endpoint, the agent endpoints with named
    agents, an extra principal, the user's DNS names, a named key admin, every capability."""
    return optional_templates["PrivateBedrock-us-east-1"]


def test_on_prem_cidrs_admitted_on_443_only(optional_features: dict) -> None:
    template = optional_features
    sgs = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::EC2::SecurityGroup"]
    endpoint_sg = next(p for p in sgs if p["GroupDescription"].startswith("Bedrock interface endpoints"))
    assert endpoint_sg["SecurityGroupIngress"] == [
        {"CidrIp": "192.168.10.0/24", "Description": "TLS from on-premises 192.168.10.0/24", "FromPort": 443, "IpProtocol": "tcp", "ToPort": 443}
    ]


def test_deny_mode_flips_endpoint_policies_and_probe_expectations() -> None:
    template = synth_in_process({"regions": ["us-east-1"], "endpointPolicy": "deny"})["PrivateBedrock-us-east-1"]
    for r in template["Resources"].values():
        if r["Type"] == "AWS::EC2::VPCEndpoint":
            (statement,) = r["Properties"]["PolicyDocument"]["Statement"]
            assert statement["Effect"] == "Deny" and statement["Principal"] == "*"
    env = next(r["Properties"]["Environment"]["Variables"] for k, r in template["Resources"].items() if k.startswith("ProbeInVpc") and r["Type"] == "AWS::Lambda::Function")
    assert env["EXPECT_ALLOWED"] == "denied"


def test_agent_endpoints_and_extra_principals(optional_features: dict) -> None:
    workload = WORKLOAD
    template = optional_features
    endpoints = {r["Properties"]["ServiceName"].rsplit(".", 1)[1]: r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::EC2::VPCEndpoint"}
    assert sorted(endpoints) == ["bedrock", "bedrock-agent", "bedrock-agent-runtime", "bedrock-mantle", "bedrock-runtime"]
    for service, props in endpoints.items():
        assert props["PrivateDnsEnabled"] is True
        for st in props["PolicyDocument"]["Statement"]:
            if st["Effect"] == "Allow":
                principals = st["Condition"]["ArnEquals"]["aws:PrincipalArn"]
                assert len(principals) == 2 and principals[1] == workload, (service, st)
    agent_runtime = {a for st in endpoints["bedrock-agent-runtime"]["PolicyDocument"]["Statement"] if st["Effect"] == "Allow" for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])}
    assert agent_runtime == {"bedrock:InvokeAgent", "bedrock:Retrieve"}
    resources = {r for st in endpoints["bedrock-agent-runtime"]["PolicyDocument"]["Statement"] if st["Effect"] == "Allow" for r in ([st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"])}
    # Only the configured agent alias and knowledge base, never agent-alias/* or knowledge-base/*.
    assert resources == {OPTIONAL_ALIAS, OPTIONAL_KB}


def test_identity_policy_over_the_iam_size_limit_fails_at_synth() -> None:
    # Profiles cost one wildcard ARN each now; a dozen of them with every capability still overflows.
    models = [f"apac.amazon.nova-{m}-v1:0" for m in ("micro", "lite", "pro", "premier", "sonic", "canvas")] + [f"apac.meta.llama3-{i}-instruct-v1:0" for i in range(6)]
    ctx = {"regions": ["ap-northeast-1"], "inferenceScope": "geography", "runtimeModels": models}
    with pytest.raises(ConfigError, match=r"^The identity policy for ap-northeast-1 would be \d+ characters, over IAM's 6144"):
        synth_in_process(ctx)


def test_users_dns_names_and_agent_endpoints_join_the_allow_list(optional_features: dict) -> None:
    lists = [r["Properties"]["Domains"] for r in optional_features["Resources"].values() if r["Type"] == "AWS::Route53Resolver::FirewallDomainList"]
    allowed = next(d for d in lists if d != ["*"])
    assert allowed[-2:] == ["corp.example.com", "*.corp.example.com"]
    assert "bedrock-agent-runtime.us-east-1.amazonaws.com" in allowed and "*.bedrock-agent.us-east-1.vpce.amazonaws.com" in allowed


def test_named_key_admin_alone_may_disable_or_delete_the_key(optional_features: dict) -> None:
    keys = [r for r in optional_features["Resources"].values() if r["Type"] == "AWS::KMS::Key"]
    assert len(keys) == 2  # the log key and the alarm topic key: both obey keyAdminArns
    for key in keys:
        st = {s["Sid"]: s for s in key["Properties"]["KeyPolicy"]["Statement"]}
        assert st["DisableOrDeleteKeyNamedAdminsOnly"]["Principal"] == {"AWS": KEY_ADMIN}
        assert "kms:ScheduleKeyDeletion" in st["DisableOrDeleteKeyNamedAdminsOnly"]["Action"]
        assert not any("kms:ScheduleKeyDeletion" in s["Action"] for sid, s in st.items() if sid != "DisableOrDeleteKeyNamedAdminsOnly")


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: r["Properties"] for k, r in template["Resources"].items() if r["Type"] == kind}


def test_resolver_inbound_endpoint_admits_dns_from_on_premises_only(optional_features: dict) -> None:
    template = optional_features
    (endpoint,) = _of_type(template, "AWS::Route53Resolver::ResolverEndpoint").values()
    assert endpoint["Direction"] == "INBOUND"
    subnets = {k for k in _of_type(template, "AWS::EC2::Subnet")}
    addresses = [a["SubnetId"]["Ref"] for a in endpoint["IpAddresses"]]
    assert len(addresses) == 2 and set(addresses) == subnets  # one address per zone, both zones
    (sg_ref,) = endpoint["SecurityGroupIds"]
    sg = _of_type(template, "AWS::EC2::SecurityGroup")[sg_ref["Fn::GetAtt"][0]]
    assert sorted((r["CidrIp"], r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in sg["SecurityGroupIngress"]) == [
        ("192.168.10.0/24", "tcp", 53, 53), ("192.168.10.0/24", "udp", 53, 53)
    ]
    # No egress: CDK's placeholder rule that matches no traffic.
    assert sg["SecurityGroupEgress"] == [{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}]
    # Nothing else admits DNS, and no other group admits the on-premises range on port 53.
    others = [r for k, p in _of_type(template, "AWS::EC2::SecurityGroup").items() if k != sg_ref["Fn::GetAtt"][0] for r in p.get("SecurityGroupIngress", [])]
    assert all(r.get("FromPort") == 443 for r in others if "CidrIp" in r)
    assert "ResolverInboundEndpointId" in template["Outputs"]


def test_without_the_option_there_is_no_resolver_endpoint(templates: dict[str, dict]) -> None:
    for template in templates.values():
        assert not _of_type(template, "AWS::Route53Resolver::ResolverEndpoint")


def test_extra_principals_are_columns_of_the_matrix(optional_features: dict) -> None:
    from private_bedrock.tools.prove.matrix import ALLOW, prove, unexpected

    (m,) = prove({"us-east-1": optional_features})
    assert not unexpected([m]), [c.describe() for c in unexpected([m])]
    extra = next(p for p in m.principals if p.role_arn == WORKLOAD)
    assert extra.key == "my-workload (extra)" and extra.kind == "workload"
    assert [name for name, _ in extra.policies] == [m.deployment.identity_policy_id]
    for c in m.cells:
        if c.principal is extra:
            assert (c.got == ALLOW) == (c.request.allow_listed and c.path.key == "own"), c.describe()
    assert m.cell(extra.key, "invoke", "own").got == ALLOW and m.cell(extra.key, "invoke", "none").got != ALLOW


def test_summary_shows_ranges_and_costs_the_resolver(optional_features: dict, tmp_path, capsys) -> None:
    from tests.assembly_support import write_assembly
    from private_bedrock.tools.report.summary import main

    write_assembly(tmp_path, {"us-east-1": optional_features})
    assert main(["summary", str(tmp_path)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "VPC range: 10.80.0.0/16 on-premises ranges admitted: 192.168.10.0/24 (tcp 443, tcp 53, udp 53)" in out
    # 5 endpoints x 2 zones at $0.01/h, 2 Resolver addresses at $0.125/h, the KMS key.
    expected = 10 * 0.01 * 730 + 2 * 0.125 * 730 + 1.00
    assert f"estimated monthly cost: ${expected:,.2f}" in out and "2 Resolver IPs x $0.125/h" in out
