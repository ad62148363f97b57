"""Existing VPC (`vpcId` + `subnetIds`): offline from the ids alone, checked with lookups.

The lookups are seeded the way the CDK CLI caches them in cdk.context.json (no network).
"""

from __future__ import annotations

import pytest

from private_bedrock.config.app_config import ConfigError, load_config
from private_bedrock.config.topology import ExistingVpc
from private_bedrock.network.existing import LookedUpSubnet, vpc_problems
from tests.conftest import synth_in_process

ACCOUNT = "111122223333"
VPC = "vpc-0a1b2c3d4e5f60718"
SUBNETS = {  # id -> (zone, cidr, kind)
    "subnet-0aaaaaaaaaaaaaaaa": ("us-east-1a", "10.20.1.0/24", "Private"),
    "subnet-0bbbbbbbbbbbbbbbb": ("us-east-1b", "10.20.2.0/24", "Private"),
    "subnet-0cccccccccccccccc": ("us-east-1c", "10.20.3.0/24", "Private"),
    "subnet-0dddddddddddddddd": ("us-east-1d", "10.20.4.0/24", "Public"),
}
TOKYO_VPC = "vpc-0f0e0d0c0b0a09080"
GIVEN = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
ALL_AZS = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]


def _key(type_name: str, query: str, props: tuple[str, ...]) -> str:
    """cdk.context.json key of CDK's Cloud Control provider (CDK escapes ":" in values as "$:")."""
    ps = ":".join(f"propertiesToReturn.{i}={p}" for i, p in enumerate(props))
    escaped = type_name.replace(":", "$:")
    if query.startswith("exactIdentifier"):
        return f"cc-api-provider:account={ACCOUNT}:{query}:{ps}:region=us-east-1:typeName={escaped}"
    return f"cc-api-provider:account={ACCOUNT}:{ps}:{query}:region=us-east-1:typeName={escaped}"


def lookups(*, dns_hostnames: bool = True, endpoints: list[dict] | None = None, mantle_azs: list[str] | None = None) -> dict:
    """What the CLI caches after asking EC2 and Cloud Control about the VPC."""
    groups: dict[str, list[dict]] = {}
    for sid, (az, cidr, kind) in SUBNETS.items():
        groups.setdefault(kind, []).append({"subnetId": sid, "cidr": cidr, "availabilityZone": az, "routeTableId": f"rtb-{sid[-8:]}"})
    ctx: dict = {
        f"vpc-provider:account={ACCOUNT}:filter.vpc-id={VPC}:region=us-east-1:returnAsymmetricSubnets=true": {
            "vpcId": VPC,
            "vpcCidrBlock": "10.20.0.0/16",
            "ownerAccountId": ACCOUNT,
            "availabilityZones": [],
            "subnetGroups": [{"name": kind, "type": kind, "subnets": subnets} for kind, subnets in groups.items()],
        },
        _key("AWS::EC2::VPC", f"exactIdentifier={VPC}", ("EnableDnsSupport", "EnableDnsHostnames")): [
            {"Identifier": VPC, "EnableDnsSupport": True, "EnableDnsHostnames": dns_hostnames}
        ],
        _key("AWS::EC2::VPCEndpoint", f"propertyMatch.VpcId={VPC}", ("ServiceName", "PrivateDnsEnabled")): endpoints or [],
    }
    for service in ("bedrock", "bedrock-runtime", "bedrock-mantle"):
        azs = mantle_azs if service == "bedrock-mantle" and mantle_azs is not None else ALL_AZS
        ctx[f"endpoint-service-availability-zones:account={ACCOUNT}:region=us-east-1:serviceName=com.amazonaws.us-east-1.{service}"] = azs
    return ctx


def existing_ctx(**extra) -> dict:
    return {"regions": ["us-east-1"], "vpcId": VPC, "subnetIds": GIVEN, **extra}


def resources(template: dict, kind: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


# ----------------------------------------------------------------------------- synthesized


@pytest.fixture(scope="module")
def offline(existing_vpc_template: dict) -> dict:
    """From the ids alone: no account, nothing looked up (tests/conftest.py, shared with the scanners)."""
    return existing_vpc_template


@pytest.fixture(scope="module")
def with_account() -> dict[str, dict]:
    """One synth with an account: us-east-1's lookups cached (bedrock-mantle offered in
    us-east-1b and c only), ap-northeast-1's not yet answered (pending)."""
    ctx = {
        **lookups(mantle_azs=["us-east-1b", "us-east-1c"]),
        "regions": ["us-east-1", "ap-northeast-1"],
        "regionOverrides": {
            "us-east-1": {"vpcId": VPC, "subnetIds": GIVEN},
            "ap-northeast-1": {"vpcId": TOKYO_VPC, "subnetIds": ["subnet-01111111111111111"]},
        },
    }
    return synth_in_process(ctx, ACCOUNT)


@pytest.fixture(scope="module")
def looked_up(with_account: dict[str, dict]) -> dict:
    return with_account["PrivateBedrock-us-east-1"]


@pytest.mark.parametrize("fixture", ["offline", "looked_up"])
def test_no_vpc_subnet_route_or_flow_log_is_created(fixture: str, request: pytest.FixtureRequest) -> None:
    template = request.getfixturevalue(fixture)
    created = {r["Type"] for r in template["Resources"].values()}
    assert not created & {"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::FlowLog", "AWS::EC2::InternetGateway"}


@pytest.mark.parametrize("fixture", ["offline", "looked_up"])
def test_sgs_endpoints_and_probe_go_into_the_given_vpc(fixture: str, request: pytest.FixtureRequest) -> None:
    template = request.getfixturevalue(fixture)
    sgs = resources(template, "AWS::EC2::SecurityGroup")
    assert len(sgs) == 2 and all(sg["Properties"]["VpcId"] == VPC for sg in sgs.values())
    for ep in resources(template, "AWS::EC2::VPCEndpoint").values():
        assert ep["Properties"]["VpcId"] == VPC and ep["Properties"]["PrivateDnsEnabled"] is True
    probe = next(r for k, r in resources(template, "AWS::Lambda::Function").items() if k.startswith("ProbeInVpc"))
    assert probe["Properties"]["VpcConfig"]["SubnetIds"] == GIVEN


def test_offline_every_endpoint_in_every_given_subnet(offline: dict) -> None:
    for ep in resources(offline, "AWS::EC2::VPCEndpoint").values():
        assert ep["Properties"]["SubnetIds"] == GIVEN


def test_looked_up_endpoint_only_in_subnets_of_zones_that_offer_it(looked_up: dict) -> None:
    by_service = {
        ep["Properties"]["ServiceName"].rsplit(".", 1)[1]: ep["Properties"]["SubnetIds"] for ep in resources(looked_up, "AWS::EC2::VPCEndpoint").values()
    }
    assert by_service == {"bedrock": GIVEN, "bedrock-runtime": GIVEN, "bedrock-mantle": ["subnet-0bbbbbbbbbbbbbbbb"]}


def test_probe_dns_check_range(offline: dict, looked_up: dict) -> None:
    """Offline the subnets' CIDRs are unknown: any private range; looked up: the given subnets'."""

    def env(t: dict) -> dict:
        return next(r for k, r in resources(t, "AWS::Lambda::Function").items() if k.startswith("ProbeInVpc"))["Properties"]["Environment"]["Variables"]

    assert env(offline)["VPC_CIDR"] == "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
    assert env(looked_up)["VPC_CIDR"] == "10.20.1.0/24,10.20.2.0/24"


@pytest.mark.parametrize("fixture", ["offline", "looked_up"])
def test_outputs_name_the_vpc_subnets_and_workload_sg(fixture: str, request: pytest.FixtureRequest) -> None:
    template = request.getfixturevalue(fixture)
    outputs = template["Outputs"]
    assert outputs["VpcId"]["Value"] == VPC
    assert outputs["SubnetIds"]["Value"] == ",".join(GIVEN)
    sg_id, attr = outputs["WorkloadSecurityGroupId"]["Value"]["Fn::GetAtt"]
    assert attr == "GroupId" and template["Resources"][sg_id]["Properties"]["GroupDescription"].startswith("Workloads and the probe")


def test_new_vpc_mode_outputs_its_subnets(templates: dict[str, dict]) -> None:
    out = templates["us-east-1"]["Outputs"]["SubnetIds"]["Value"]
    subnets = resources(templates["us-east-1"], "AWS::EC2::Subnet")
    assert out == {"Fn::Join": [",", [{"Ref": k} for k in subnets]]}


def test_a_problem_found_by_the_lookups_stops_synth_in_one_sentence_each() -> None:
    ctx = {**existing_ctx(), **lookups(dns_hostnames=False, endpoints=[
        {"Identifier": "vpce-0123456789abcdef0", "ServiceName": "com.amazonaws.us-east-1.bedrock-runtime", "PrivateDnsEnabled": True},
    ])}
    with pytest.raises(ConfigError) as err:
        synth_in_process(ctx, ACCOUNT)
    message = str(err.value)
    assert message.startswith(f"VPC {VPC} has EnableDnsHostnames off;")
    assert f"VPC {VPC} already has endpoint vpce-0123456789abcdef0 for bedrock-runtime with private DNS on" in message
    assert message.count(". ") + 1 == 2  # two problems, two sentences


# ----------------------------------------------------------------------------- pure checks


def _subnets() -> dict[str, LookedUpSubnet]:
    return {sid: LookedUpSubnet(sid, az, cidr, kind == "Public") for sid, (az, cidr, kind) in SUBNETS.items()}


GOOD_ATTRIBUTES = {"EnableDnsSupport": True, "EnableDnsHostnames": True}
SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle")


def problems(subnet_ids=tuple(GIVEN), attributes=GOOD_ATTRIBUTES, endpoints=(), supported=None) -> list[str]:
    supported = supported or {s: ALL_AZS for s in SERVICES}
    return vpc_problems(ExistingVpc(VPC, tuple(subnet_ids)), "us-east-1", _subnets(), attributes, list(endpoints), supported, SERVICES)


def test_a_good_vpc_has_no_problem() -> None:
    assert problems() == []


def test_dns_support_off() -> None:
    assert problems(attributes={"EnableDnsSupport": False, "EnableDnsHostnames": True}) == [
        f"VPC {VPC} has EnableDnsSupport off; private DNS for the endpoints needs it on (aws ec2 modify-vpc-attribute --vpc-id {VPC} --enable-dns-support Value=true)."
    ]


def test_subnet_of_another_vpc() -> None:
    assert problems(subnet_ids=["subnet-0aaaaaaaaaaaaaaaa", "subnet-0eeeeeeeeeeeeeeee"]) == [
        f"subnetIds entry subnet-0eeeeeeeeeeeeeeee is not a subnet of VPC {VPC} in us-east-1; list subnets of that VPC."
    ]


def test_public_subnet() -> None:
    assert problems(subnet_ids=["subnet-0dddddddddddddddd"]) == [
        f"subnetIds entry subnet-0dddddddddddddddd is a public subnet (it routes to an internet gateway); give private subnets of VPC {VPC}."
    ]


def test_no_given_subnet_in_a_zone_that_offers_mantle() -> None:
    supported = {"bedrock": ALL_AZS, "bedrock-runtime": ALL_AZS, "bedrock-mantle": ["us-east-1c"]}
    assert problems(supported=supported) == [
        "No subnet of subnetIds (zones us-east-1a, us-east-1b) is in a zone that offers bedrock-mantle (offered in: us-east-1c); add a subnet in one of those zones."
    ]


def test_existing_private_dns_endpoint_conflicts_but_not_one_without_private_dns() -> None:
    mantle = "com.amazonaws.us-east-1.bedrock-mantle"
    found = problems(endpoints=[
        {"Identifier": "vpce-0aaaaaaaaaaaaaaaa", "ServiceName": mantle, "PrivateDnsEnabled": True},
        {"Identifier": "vpce-0bbbbbbbbbbbbbbbb", "ServiceName": mantle, "PrivateDnsEnabled": False},
        {"Identifier": "vpce-0cccccccccccccccc", "ServiceName": "com.amazonaws.us-east-1.s3", "PrivateDnsEnabled": True},
    ])
    assert len(found) == 1 and found[0].startswith(f"VPC {VPC} already has endpoint vpce-0aaaaaaaaaaaaaaaa for bedrock-mantle with private DNS on")


def test_pending_lookups_do_not_fail_synth(with_account: dict[str, dict]) -> None:
    """Before the CLI has answered, CDK hands out placeholders: nothing is judged yet."""
    template = with_account["PrivateBedrock-ap-northeast-1"]
    assert {ep["Properties"]["VpcId"] for ep in resources(template, "AWS::EC2::VPCEndpoint").values()} == {TOKYO_VPC}


# ----------------------------------------------------------------------------- config errors


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"vpcId": "vpc-123"}, "vpcId 'vpc-123' is not a VPC id such as vpc-0123456789abcdef0."),
        ({"vpcId": VPC}, f"vpcId {VPC} needs subnetIds: the private subnets of that VPC"),
        ({"vpcId": VPC, "subnetIds": ["subnet-12"]}, "subnetIds entry 'subnet-12' is not a subnet id such as subnet-0123456789abcdef0."),
        ({"vpcId": VPC, "subnetIds": GIVEN + GIVEN[:1]}, "lists an id twice"),
        ({"subnetIds": GIVEN}, "subnetIds is set without vpcId"),
        ({"vpcId": VPC, "subnetIds": GIVEN, "availabilityZones": ["us-east-1a", "us-east-1b"]}, "availabilityZones does not apply with vpcId"),
        (
            {"regionOverrides": {"us-east-1": {"vpcId": "vpc-xyz"}}},
            "regionOverrides.us-east-1.vpcId 'vpc-xyz' is not a VPC id",
        ),
    ],
)
def test_config_errors(context: dict, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config({"regions": ["us-east-1"], **context}, None)
    assert message in str(err.value)


def test_vpc_per_region_through_overrides() -> None:
    cfg = load_config(
        {"regions": ["us-east-1", "ap-northeast-1"], "regionOverrides": {"us-east-1": {"vpcId": VPC, "subnetIds": ",".join(GIVEN)}}}, None
    )
    east, tokyo = cfg.regions
    assert east.network.existing == ExistingVpc(VPC, tuple(GIVEN))
    assert tokyo.network.existing is None
