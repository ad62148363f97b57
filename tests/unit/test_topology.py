"""Hub and spoke templates (one synth each, nag packs included: tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.facts.regions import private_dns_name
from tests.conftest import (
    HUB_PROFILE_ID,
    HUB_VPC_CIDR,
    SPOKE_ACCOUNT,
    SPOKE_CIDR,
    SPOKE_PROBE_ARN,
    SPOKE_SUBNETS,
    SPOKE_VPC,
)

SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle")


def of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: r["Properties"] for k, r in template["Resources"].items() if r["Type"] == kind}


def endpoint_of(template: dict, service: str) -> tuple[str, dict]:
    return next((k, p) for k, p in of_type(template, "AWS::EC2::VPCEndpoint").items() if p["ServiceName"].endswith(f".{service}"))


def statements(doc: dict) -> list[dict[str, Any]]:
    return doc["Statement"]


def as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v]


# ----------------------------------------------------------------------------- hub


def test_hub_endpoints_have_private_dns_off(hub_template: dict) -> None:
    eps = of_type(hub_template, "AWS::EC2::VPCEndpoint")
    assert len(eps) == 3 and all(p["PrivateDnsEnabled"] is False for p in eps.values())


@pytest.mark.parametrize("service", SERVICES)
def test_hub_zone_per_name_aliases_its_endpoint_and_is_in_the_profile(hub_template: dict, service: str) -> None:
    zones = {p["Name"]: (k, p) for k, p in of_type(hub_template, "AWS::Route53::HostedZone").items()}
    zone_id, zone = zones[private_dns_name(service, "us-east-1") + "."]
    (vpc_id,) = of_type(hub_template, "AWS::EC2::VPC")
    assert zone["VPCs"] == [{"VPCId": {"Ref": vpc_id}, "VPCRegion": "us-east-1"}]
    endpoint_id, _ = endpoint_of(hub_template, service)
    (record,) = [p for p in of_type(hub_template, "AWS::Route53::RecordSet").values() if p["HostedZoneId"] == {"Ref": zone_id}]
    entry = {"Fn::Select": [0, {"Fn::GetAtt": [endpoint_id, "DnsEntries"]}]}
    assert record["Type"] == "A" and record["Name"] == private_dns_name(service, "us-east-1") + "."
    assert record["AliasTarget"]["DNSName"] == {"Fn::Select": [1, {"Fn::Split": [":", entry]}]}
    (profile_id,) = of_type(hub_template, "AWS::Route53Profiles::Profile")
    members = [p for p in of_type(hub_template, "AWS::Route53Profiles::ProfileResourceAssociation").values() if zone_id in str(p["ResourceArn"])]
    assert len(members) == 1 and members[0]["ProfileId"] == {"Fn::GetAtt": [profile_id, "Id"]}


def test_mantle_zone_is_the_api_aws_name(hub_template: dict) -> None:
    names = sorted(p["Name"] for p in of_type(hub_template, "AWS::Route53::HostedZone").values())
    assert names == ["bedrock-mantle.us-east-1.api.aws.", "bedrock-runtime.us-east-1.amazonaws.com.", "bedrock.us-east-1.amazonaws.com."]


def test_profile_shared_with_the_spoke_accounts_only_inside_the_organization(hub_template: dict) -> None:
    (profile_id,) = of_type(hub_template, "AWS::Route53Profiles::Profile")
    (share,) = of_type(hub_template, "AWS::RAM::ResourceShare").values()
    assert share["Principals"] == [SPOKE_ACCOUNT]
    assert share["ResourceArns"] == [{"Fn::GetAtt": [profile_id, "Arn"]}]
    assert share["AllowExternalPrincipals"] is False


def test_hub_endpoint_sg_admits_workloads_and_spoke_cidrs_on_443_only(hub_template: dict) -> None:
    (sg_id, sg), = [(k, p) for k, p in of_type(hub_template, "AWS::EC2::SecurityGroup").items() if p["GroupDescription"].startswith("Bedrock interface endpoints")]
    inline = sg.get("SecurityGroupIngress", [])
    separate = [p for p in of_type(hub_template, "AWS::EC2::SecurityGroupIngress").values() if p["GroupId"] == {"Fn::GetAtt": [sg_id, "GroupId"]}]
    rules = inline + separate
    assert {(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in rules} == {("tcp", 443, 443)}
    assert sorted(r["CidrIp"] for r in rules if "CidrIp" in r) == [SPOKE_CIDR]
    assert len([r for r in rules if "SourceSecurityGroupId" in r]) == 1


@pytest.mark.parametrize("service", SERVICES)
def test_hub_endpoint_policy_admits_each_account_to_its_own_resources(hub_template: dict, service: str) -> None:
    _, ep = endpoint_of(hub_template, service)
    allows = [s for s in statements(ep["PolicyDocument"]) if s["Effect"] == "Allow"]
    spoke = [s for s in allows if s["Sid"].endswith(f"Spoke{SPOKE_ACCOUNT}")]
    hub = [s for s in allows if s not in spoke]
    assert spoke and len(spoke) == len(hub)
    for s in spoke:
        assert s["Condition"]["ArnEquals"]["aws:PrincipalArn"] == [SPOKE_PROBE_ARN]
        for res in as_list(s["Resource"]):
            # Resources either carry no account (foundation models, "*") or the spoke's.
            assert res == "*" or res.split(":")[4] in ("", SPOKE_ACCOUNT), res
    for s in hub:
        named = as_list(s["Condition"]["ArnEquals"]["aws:PrincipalArn"])
        assert SPOKE_PROBE_ARN not in named and all(isinstance(n, dict) for n in named)  # the hub's own probe role (a GetAtt)
    # Server-side tools are denied for every principal where a request can start them.
    tools = ["DenyServerSideTools"] if service in ("bedrock-runtime", "bedrock-mantle") else []
    assert [s["Sid"] for s in statements(ep["PolicyDocument"]) if s["Effect"] == "Deny"] == ["DenyBearerTokens", *tools]


def test_hub_outputs_what_a_spoke_needs(hub_template: dict) -> None:
    out = hub_template["Outputs"]
    (profile_id,) = of_type(hub_template, "AWS::Route53Profiles::Profile")
    assert out["DnsProfileId"]["Value"] == {"Fn::GetAtt": [profile_id, "Id"]}
    assert out["HubVpcCidr"]["Value"] == HUB_VPC_CIDR
    for service in ("Bedrock", "BedrockRuntime", "BedrockMantle"):
        assert "Ref" in out[f"{service}EndpointId"]["Value"]
    assert {"SubnetIds", "WorkloadSecurityGroupId", "VpcId"} <= set(out)


def test_hub_metadata_names_the_topology(hub_template: dict) -> None:
    meta = hub_template["Metadata"]["PrivateBedrock"]
    assert meta["topology"] == "hub" and meta["spokePrincipalArns"] == [SPOKE_PROBE_ARN]


# ----------------------------------------------------------------------------- spoke


def test_spoke_creates_no_vpc_endpoint_or_zone(spoke_template: dict) -> None:
    kinds = {r["Type"] for r in spoke_template["Resources"].values()}
    assert not kinds & {"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::VPCEndpoint", "AWS::Route53::HostedZone", "AWS::RAM::ResourceShare"}


def test_spoke_attaches_the_hub_profile_to_its_vpc(spoke_template: dict) -> None:
    (assoc,) = of_type(spoke_template, "AWS::Route53Profiles::ProfileAssociation").values()
    assert assoc["ProfileId"] == HUB_PROFILE_ID and assoc["ResourceId"] == SPOKE_VPC


def test_spoke_workload_sg_reaches_the_hub_cidr_on_443_only(spoke_template: dict) -> None:
    (sg,) = of_type(spoke_template, "AWS::EC2::SecurityGroup").values()
    assert sg["VpcId"] == SPOKE_VPC and "SecurityGroupIngress" not in sg
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"], r["CidrIp"]) for r in sg["SecurityGroupEgress"]] == [("tcp", 443, 443, HUB_VPC_CIDR)]
    assert not of_type(spoke_template, "AWS::EC2::SecurityGroupEgress")


def test_spoke_identity_policy_is_conditioned_on_the_hub_endpoints(spoke_template: dict, hub_template: dict) -> None:
    from private_bedrock.tools.prove.resolve import fake_vpce_id

    hub_ids = {svc: fake_vpce_id(endpoint_of(hub_template, svc)[0]) for svc in SERVICES}
    (doc,) = [p["PolicyDocument"] for p in of_type(spoke_template, "AWS::IAM::ManagedPolicy").values() if p.get("Description", "").startswith("Amazon Bedrock")]
    for s in statements(doc):
        if s["Effect"] == "Allow":
            assert s["Condition"]["StringEquals"]["aws:SourceVpce"] in hub_ids.values(), s
    (fence,) = [s for s in statements(doc) if s["Sid"] == "DenyBedrockOutsideThisDeploymentsEndpoints"]
    assert sorted(fence["Condition"]["StringNotEquals"]["aws:SourceVpce"]) == sorted(hub_ids.values())


def test_spoke_probe_expects_the_hub_addresses_and_has_a_listable_role(spoke_template: dict) -> None:
    (fn_id, fn), = [(k, p) for k, p in of_type(spoke_template, "AWS::Lambda::Function").items() if k.startswith("ProbeInVpc")]
    assert fn["Environment"]["Variables"]["VPC_CIDR"] == HUB_VPC_CIDR
    assert fn["VpcConfig"]["SubnetIds"] == SPOKE_SUBNETS
    role_id = fn["Role"]["Fn::GetAtt"][0]
    assert spoke_template["Resources"][role_id]["Properties"]["RoleName"] == SPOKE_PROBE_ARN.rsplit("/", 1)[1]


def test_spoke_outputs(spoke_template: dict) -> None:
    out = spoke_template["Outputs"]
    assert out["VpcId"]["Value"] == SPOKE_VPC and out["SubnetIds"]["Value"] == ",".join(SPOKE_SUBNETS)
    assert {"WorkloadSecurityGroupId", "SourceVpceOnlyPolicyArn", "ProbeRoleArn", "BedrockMantleEndpointId"} <= set(out)


# ----------------------------------------------------------------------------- config errors

SPOKE_OK = {
    "topology": "spoke",
    "vpcId": SPOKE_VPC,
    "subnetIds": SPOKE_SUBNETS,
    "hubVpcCidr": HUB_VPC_CIDR,
    "hubDnsProfileId": HUB_PROFILE_ID,
    "hubEndpointIds": {"bedrock": "vpce-0aaaaaaaaaaaaaaaa", "bedrock-runtime": "vpce-0bbbbbbbbbbbbbbbb", "bedrock-mantle": "vpce-0cccccccccccccccc"},
}


def without(d: dict, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"topology": "mesh"}, "topology 'mesh' is not supported; use one of: standalone, hub, spoke."),
        ({"topology": "hub", "spokePrincipalArns": [SPOKE_PROBE_ARN]}, "topology hub in us-east-1 needs spokeCidrs"),
        ({"topology": "hub", "spokeCidrs": [SPOKE_CIDR]}, "topology hub in us-east-1 needs spokePrincipalArns"),
        ({"topology": "hub", "spokeCidrs": ["10.80.4.0/24"], "spokePrincipalArns": [SPOKE_PROBE_ARN]}, "spokeCidrs entry 10.80.4.0/24 overlaps the hub's vpcCidr 10.80.0.0/16"),
        ({"topology": "hub", "spokeCidrs": ["8.8.8.0/24"], "spokePrincipalArns": [SPOKE_PROBE_ARN]}, "spokeCidrs '8.8.8.0/24' is not a private (RFC 1918) range"),
        ({"topology": "hub", "spokeCidrs": [SPOKE_CIDR], "spokePrincipalArns": ["arn:aws:iam::2222:role/x"]}, "spokePrincipalArns entry 'arn:aws:iam::2222:role/x' is not an IAM role ARN"),
        ({"spokeCidrs": [SPOKE_CIDR]}, "spokeCidrs applies only with topology hub (this region's topology is standalone); remove it."),
        ({"hubVpcCidr": HUB_VPC_CIDR}, "hubVpcCidr applies only with topology spoke"),
        (without(without(SPOKE_OK, "vpcId"), "subnetIds"), "topology spoke in us-east-1 needs vpcId and subnetIds"),
        (without(SPOKE_OK, "hubDnsProfileId"), "topology spoke in us-east-1 needs hubDnsProfileId (from the hub stack's outputs)."),
        ({**SPOKE_OK, "hubDnsProfileId": "profile-1"}, "hubDnsProfileId 'profile-1' is not a Route 53 Profile id"),
        ({**SPOKE_OK, "hubEndpointIds": ["bedrock=vpce-0aaaaaaaaaaaaaaaa", "bedrock-runtime=vpce-0bbbbbbbbbbbbbbbb"]}, "hubEndpointIds has no id for bedrock-mantle"),
        ({**SPOKE_OK, "hubEndpointIds": ["bedrock-runtime:vpce-0bbbbbbbbbbbbbbbb"]}, "hubEndpointIds entry 'bedrock-runtime:vpce-0bbbbbbbbbbbbbbbb' is not service=vpce-id"),
        ({**SPOKE_OK, "hubEndpointIds": {**SPOKE_OK["hubEndpointIds"], "bedrock-agent": "vpce-0dddddddddddddddd"}}, "hubEndpointIds names 'bedrock-agent', which is not in endpoints"),
        ({**SPOKE_OK, "hubEndpointIds": {**SPOKE_OK["hubEndpointIds"], "bedrock": "vpce-1"}}, "hubEndpointIds entry for bedrock 'vpce-1' is not a VPC endpoint id"),
        ({**SPOKE_OK, "onPremCidrs": ["192.168.0.0/24"]}, "onPremCidrs applies to the hub, which holds the endpoints; set it there"),
    ],
)
def test_topology_config_errors(context: dict, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config({"regions": ["us-east-1"], **context}, None)
    assert message in str(err.value)


def test_topology_per_region() -> None:
    cfg = load_config({"regions": ["us-east-1", "ap-northeast-1"], "regionOverrides": {"us-east-1": SPOKE_OK}}, None)
    east, tokyo = cfg.regions
    assert east.network.topology == "spoke" and east.network.spoke is not None
    assert east.network.spoke.endpoint_id_of["bedrock-mantle"] == "vpce-0cccccccccccccccc"
    assert tokyo.network.topology == "standalone" and tokyo.network.spoke is None
