"""Deploy rehearsal of a hub and a spoke in moto (tests/security/rehearsal_support.py).

The hub (us-west-2, new VPC) is synthesized with a concrete account (lookups answered by
moto) and deployed; the spoke (eu-west-1) goes into a VPC created in moto beforehand, with
the hub's real endpoint ids from moto as its hubEndpointIds: the hub-then-spoke order a
user follows. Regions differ only because moto has one account and both stacks are named
PrivateBedrock-<region>; nothing the rehearsal checks depends on it.

Checked against moto: both stacks CREATE_COMPLETE with every resource moto models; the
hub's endpoints with private DNS off; one private hosted zone per name (bedrock-mantle's
api.aws included) associated with the hub VPC, each with an alias A record to its
endpoint's DNS name; the spoke's lookups (vpc-provider) answered by moto; the spoke's SG,
probe and identity policy in the spoke VPC, conditioned on the hub's real endpoint ids.
Not modelled by moto (AWS::Route53Profiles::*, AWS::RAM::ResourceShare): asserted on the
deployed templates here and in tests/unit/test_topology.py, listed in docs/internals.md.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from stacks.network_inputs import default_vpc_cidr
from stacks.regions import private_dns_name
from tests.conftest import hermetic_project
from tests.security.rehearsal_support import (
    Moto,
    boto3_client,
    bootstrap,
    deploy,
    moto_server,
    offer_endpoint_service,
    strip_custom_resources,
    synth,
)

HUB_REGION, SPOKE_REGION = "us-west-2", "eu-west-1"
SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle")
SPOKE_CIDR = "10.70.0.0/16"
OTHER_SPOKE_ACCOUNT = "222233334444"  # a second spoke account: the hub's RAM share names it
UNMODELLED = {"AWS::CDK::Metadata", "AWS::EC2::SecurityGroupEgress", "AWS::Route53Profiles::Profile",
              "AWS::Route53Profiles::ProfileResourceAssociation", "AWS::Route53Profiles::ProfileAssociation",
              "AWS::RAM::ResourceShare"}

pytestmark = [pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning")]


@dataclass
class Deployed:
    template: dict  # the deployed (rehearsal) copy
    resources: dict[str, dict]  # logical id -> moto's stack resource summary
    alias_records: dict[str, dict]  # removed from the copy: asserted on the template

    def physical(self, logical_id: str) -> str:
        return self.resources[logical_id]["PhysicalResourceId"]

    def of_type(self, kind: str) -> dict[str, dict]:
        return {k: r for k, r in self.template["Resources"].items() if r["Type"] == kind}


@dataclass
class TopologyRehearsal:
    moto: Moto
    hub: Deployed
    spoke: Deployed
    spoke_vpc: str
    spoke_subnets: list[str]
    hub_endpoint_ids: dict[str, str]
    spoke_context: dict

    def client(self, service: str, region: str):
        return boto3_client(self.moto, service, region)


def _project(workdir: Path, context: dict) -> Path:
    return hermetic_project(workdir, context)


def strip_alias_records(assembly: Path) -> dict[str, dict]:
    """moto cannot resolve Fn::GetAtt DnsEntries of an interface endpoint inside a resource
    (its VPCEndPoint has no get_cfn_attribute): the hub's alias records are removed from the
    rehearsal copy (nothing references them) and returned, to be asserted on the template."""
    removed: dict[str, dict] = {}
    for path in sorted(assembly.glob("*.template.json")):
        template = json.loads(path.read_text())
        for logical_id in [k for k, r in template["Resources"].items() if r["Type"] == "AWS::Route53::RecordSet"]:
            removed[logical_id] = template["Resources"].pop(logical_id)
        path.write_text(json.dumps(template, indent=1))
    return removed


def _deploy(moto: Moto, project: Path, workdir: Path, region: str) -> Deployed:
    synthesized = workdir / "cdk.out"
    synth(moto, project, synthesized, region)
    assembly = workdir / "cdk.out.rehearsal"
    shutil.copytree(synthesized, assembly)
    strip_custom_resources(assembly)
    records = strip_alias_records(assembly)
    deploy(moto, assembly, workdir / "deploy", region)
    stack = f"PrivateBedrock-{region}"
    cfn = boto3_client(moto, "cloudformation", region)
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName=stack)
    # moto lists an id-less entry for a standalone ingress rule; the rule is asserted by the SG tests.
    resources = {r["LogicalResourceId"]: r for page in pages for r in page["StackResourceSummaries"] if r["LogicalResourceId"]}
    return Deployed(json.loads((assembly / f"{stack}.template.json").read_text()), resources, records)


def _spoke_vpc(moto: Moto) -> tuple[str, list[str]]:
    ec2 = boto3_client(moto, "ec2", SPOKE_REGION)
    vpc = ec2.create_vpc(CidrBlock=SPOKE_CIDR)["Vpc"]["VpcId"]
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=vpc, **{attribute: {"Value": True}})
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.70.{i}.0/24", AvailabilityZone=f"{SPOKE_REGION}{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab", start=1)
    ]
    return vpc, subnets


def _cloud_control_answers(moto: Moto, account: str, vpc: str) -> dict:
    """moto has no Cloud Control API: the two cc-api-provider answers the CLI would cache are
    taken from moto's EC2 API instead (the same facts, another API) and seeded."""
    ec2 = boto3_client(moto, "ec2", SPOKE_REGION)
    dns = {a: ec2.describe_vpc_attribute(VpcId=vpc, Attribute=a[0].lower() + a[1:])[a]["Value"] for a in ("EnableDnsSupport", "EnableDnsHostnames")}
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
    base = f"cc-api-provider:account={account}"
    return {
        f"{base}:exactIdentifier={vpc}:propertiesToReturn.0=EnableDnsSupport:propertiesToReturn.1=EnableDnsHostnames:region={SPOKE_REGION}:typeName=AWS$:$:EC2$:$:VPC": [
            {"Identifier": vpc, **dns}
        ],
        f"{base}:propertiesToReturn.0=ServiceName:propertiesToReturn.1=PrivateDnsEnabled:propertyMatch.VpcId={vpc}:region={SPOKE_REGION}:typeName=AWS$:$:EC2$:$:VPCEndpoint": [
            {"Identifier": e["VpcEndpointId"], "ServiceName": e["ServiceName"], "PrivateDnsEnabled": e.get("PrivateDnsEnabled", False)} for e in endpoints
        ],
    }


@pytest.fixture(scope="session")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TopologyRehearsal]:
    with moto_server() as moto:
        yield _rehearse(moto, tmp_path_factory.mktemp("rehearsal-topology"))


def _rehearse(moto: Moto, workdir: Path) -> TopologyRehearsal:
    bootstrap(moto, [HUB_REGION, SPOKE_REGION], workdir / "bootstrap")
    offer_endpoint_service(moto, HUB_REGION, "bedrock-mantle", (f"{HUB_REGION}a", f"{HUB_REGION}b"), private_dns_name("bedrock-mantle", HUB_REGION))

    spoke_role = f"arn:aws:iam::{moto.account}:role/PrivateBedrock-{SPOKE_REGION}-Probe"
    hub_context = {
        "regions": [HUB_REGION],
        "topology": "hub",
        "spokeCidrs": [SPOKE_CIDR],
        "spokePrincipalArns": [spoke_role, f"arn:aws:iam::{OTHER_SPOKE_ACCOUNT}:role/other-spoke-workload"],
    }
    hub = _deploy(moto, _project(workdir / "hub", hub_context), workdir / "hub", HUB_REGION)
    hub_ids = {
        r["Properties"]["ServiceName"].rsplit(".", 1)[1]: hub.physical(k) for k, r in hub.of_type("AWS::EC2::VPCEndpoint").items()
    }

    vpc, subnets = _spoke_vpc(moto)
    spoke_context = {
        "regions": [SPOKE_REGION],
        "topology": "spoke",
        "vpcId": vpc,
        "subnetIds": subnets,
        "hubVpcCidr": default_vpc_cidr(HUB_REGION),
        # moto has no Route 53 Profiles: the id the hub's DnsProfileId output would give.
        "hubDnsProfileId": "rp-0a1b2c3d4e5f6a7b",
        "hubEndpointIds": hub_ids,
    }
    project = _project(workdir / "spoke", spoke_context)
    (project / "cdk.context.json").write_text(json.dumps(_cloud_control_answers(moto, moto.account, vpc)))
    spoke = _deploy(moto, project, workdir / "spoke", SPOKE_REGION)
    return TopologyRehearsal(moto, hub, spoke, vpc, subnets, hub_ids, json.loads((project / "cdk.context.json").read_text()))


@pytest.mark.parametrize("which", ["hub", "spoke"])
def test_hub_and_spoke_deploy_to_create_complete(topology: TopologyRehearsal, which: str) -> None:
    region = HUB_REGION if which == "hub" else SPOKE_REGION
    deployed: Deployed = getattr(topology, which)
    (stack,) = topology.client("cloudformation", region).describe_stacks(StackName=f"PrivateBedrock-{region}")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    expected = {k for k, r in deployed.template["Resources"].items() if r["Type"] not in UNMODELLED}
    assert set(deployed.resources) == expected
    assert all(r["ResourceStatus"] == "CREATE_COMPLETE" for r in deployed.resources.values())


def test_hub_endpoints_have_private_dns_off(topology: TopologyRehearsal) -> None:
    ec2 = topology.client("ec2", HUB_REGION)
    described = ec2.describe_vpc_endpoints(VpcEndpointIds=list(topology.hub_endpoint_ids.values()))["VpcEndpoints"]
    assert len(described) == 3 and all(e["PrivateDnsEnabled"] is False for e in described)


@pytest.mark.parametrize("service", SERVICES)
def test_hub_zone_exists_associated_with_the_hub_vpc(topology: TopologyRehearsal, service: str) -> None:
    r53 = topology.client("route53", HUB_REGION)
    name = private_dns_name(service, HUB_REGION) + "."
    (zone,) = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == name]
    assert zone["Config"]["PrivateZone"] is True
    (vpc_logical,) = topology.hub.of_type("AWS::EC2::VPC")
    assert [v["VPCId"] for v in r53.get_hosted_zone(Id=zone["Id"])["VPCs"]] == [topology.hub.physical(vpc_logical)]


def test_only_the_alias_records_were_left_out_and_each_targets_its_endpoint(topology: TopologyRehearsal) -> None:
    """Not deployable in moto (see strip_alias_records): one apex A alias per zone, on the template."""
    zones = topology.hub.of_type("AWS::Route53::HostedZone")
    endpoints = {k: r["Properties"]["ServiceName"].rsplit(".", 1)[1] for k, r in topology.hub.of_type("AWS::EC2::VPCEndpoint").items()}
    targets = {}
    for record in topology.hub.alias_records.values():
        props = record["Properties"]
        zone_name = zones[props["HostedZoneId"]["Ref"]]["Properties"]["Name"]
        endpoint = props["AliasTarget"]["DNSName"]["Fn::Select"][1]["Fn::Split"][1]["Fn::Select"][1]["Fn::GetAtt"][0]
        assert props["Type"] == "A" and props["Name"] == zone_name
        targets[zone_name] = endpoints[endpoint]
    assert targets == {private_dns_name(s, HUB_REGION) + ".": s for s in SERVICES}
    assert not topology.spoke.alias_records


def test_the_share_and_profile_are_in_the_deployed_hub_template(topology: TopologyRehearsal) -> None:
    """Not modelled by moto: asserted on the template that was deployed."""
    (share,) = topology.hub.of_type("AWS::RAM::ResourceShare").values()
    assert share["Properties"]["Principals"] == [OTHER_SPOKE_ACCOUNT]  # the hub's own account is not shared with
    assert len(topology.hub.of_type("AWS::Route53Profiles::ProfileResourceAssociation")) == 3


def test_spoke_lookups_were_answered_by_moto(topology: TopologyRehearsal) -> None:
    key = next(k for k in topology.spoke_context if k.startswith("vpc-provider:"))
    subnets = [s["subnetId"] for g in topology.spoke_context[key]["subnetGroups"] for s in g["subnets"]]
    assert sorted(subnets) == sorted(topology.spoke_subnets)


def test_spoke_resources_are_in_the_spoke_vpc(topology: TopologyRehearsal) -> None:
    ec2 = topology.client("ec2", SPOKE_REGION)
    (sg_logical,) = topology.spoke.of_type("AWS::EC2::SecurityGroup")
    (sg,) = ec2.describe_security_groups(GroupIds=[topology.spoke.physical(sg_logical)])["SecurityGroups"]
    assert sg["VpcId"] == topology.spoke_vpc and sg["IpPermissions"] == []
    lam = topology.client("lambda", SPOKE_REGION)
    (fn_logical,) = [k for k in topology.spoke.of_type("AWS::Lambda::Function") if k.startswith("ProbeInVpc")]
    config = lam.get_function(FunctionName=topology.spoke.physical(fn_logical))["Configuration"]
    assert sorted(config["VpcConfig"]["SubnetIds"]) == sorted(topology.spoke_subnets)
    assert config["Environment"]["Variables"]["VPC_CIDR"] == default_vpc_cidr(HUB_REGION)
    assert config["Role"].endswith(f":role/PrivateBedrock-{SPOKE_REGION}-Probe")


def test_spoke_identity_policy_names_the_hubs_real_endpoints(topology: TopologyRehearsal) -> None:
    iam = topology.client("iam", SPOKE_REGION)
    (policy_logical,) = [k for k, r in topology.spoke.of_type("AWS::IAM::ManagedPolicy").items() if r["Properties"].get("Description", "").startswith("Amazon Bedrock")]
    arn = topology.spoke.physical(policy_logical)
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    document = json.loads(document) if isinstance(document, str) else document
    allowed = {s["Condition"]["StringEquals"]["aws:SourceVpce"] for s in document["Statement"] if s["Effect"] == "Allow"}
    assert allowed == set(topology.hub_endpoint_ids.values())
    attached = iam.list_entities_for_policy(PolicyArn=arn)["PolicyRoles"]
    assert f"PrivateBedrock-{SPOKE_REGION}-Probe" in {r["RoleName"] for r in attached}
