"""ImportedVpc: the user's existing VPC and subnets, checked when an account is known.

Offline (no account) the VPC and subnets are imported from their ids alone: nothing is
looked up and nothing can be checked. With an account, CDK's own context providers answer
at synth time and the answers are cached in cdk.context.json like every CDK lookup:
- `vpc-provider` (ec2.Vpc.from_lookup): the subnets, their zones, CIDRs and kind;
- `cc-api-provider` on AWS::EC2::VPC: EnableDnsSupport / EnableDnsHostnames, which private
  DNS and Route 53 private zones need;
- `cc-api-provider` on AWS::EC2::VPCEndpoint filtered by VpcId: an interface endpoint with
  private DNS for the same service already in the VPC would conflict with ours;
- `endpoint-service-availability-zones` (private_bedrock/network/placement.py): which zones offer each service.
Each problem found is one sentence in one ConfigError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from aws_cdk import Annotations, ContextProvider, Fn
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from private_bedrock.config.topology import ExistingVpc
from private_bedrock.config.errors import ConfigError
from private_bedrock.network.placement import service_name, supported_zones

CC_API_PROVIDER = "cc-api-provider"  # the wire name of CDK's Cloud Control context provider
PENDING = "pending-lookup"  # the Identifier of our dummy answers while the CLI looks up


@dataclass(frozen=True)
class LookedUpSubnet:
    subnet_id: str
    zone: str
    cidr: str
    public: bool


@dataclass(frozen=True)
class ImportedVpcProps:
    existing: ExistingVpc
    region: str
    services: Sequence[str]  # endpoint services placed in the subnets (none for a spoke)
    lookup: bool  # True when the account is known: look up and check
    # Services whose private DNS names this stack answers for in the VPC (its own private-DNS
    # endpoints, or a hub's / spoke's Route 53 names): another private-DNS endpoint would conflict.
    dns_names_for: Sequence[str] = ()


class ImportedVpc(Construct):
    def __init__(self, scope: Construct, id: str, *, props: ImportedVpcProps) -> None:
        super().__init__(scope, id)
        ex = props.existing
        self.vpc_id = ex.vpc_id
        found = self._look_up(props) if props.lookup else None
        if found is None:
            # Offline, or the lookups are pending (the CLI synthesizes again with the answers).
            # The zones are not known offline and nothing selects subnets by zone or type here:
            # every construct is given the subnets explicitly. CDK wants one zone entry.
            self.vpc: ec2.IVpc = ec2.Vpc.from_vpc_attributes(
                self, "Vpc", vpc_id=ex.vpc_id, availability_zones=[Fn.select(0, Fn.get_azs(props.region))]
            )
            self.subnets: list[ec2.ISubnet] = [
                ec2.Subnet.from_subnet_attributes(self, f"Subnet{i}", subnet_id=s) for i, s in enumerate(ex.subnet_ids)
            ]
            for subnet in self.subnets:
                Annotations.of(subnet).acknowledge_warning(
                    "@aws-cdk/aws-ec2:noSubnetRouteTableId",
                    "Imported by id offline: nothing in this stack reads or changes the subnets' route tables.",
                )
            self.subnets_by_service = {svc: list(self.subnets) for svc in props.services}
            self.subnet_cidrs: tuple[str, ...] = ()
            return
        vpc, subnets, by_service = found
        self.vpc = vpc
        self.subnets = subnets
        self.subnets_by_service = by_service
        self.subnet_cidrs = tuple(s.ipv4_cidr_block for s in subnets)

    def _look_up(self, props: ImportedVpcProps) -> tuple[ec2.IVpc, list[ec2.ISubnet], dict[str, list[ec2.ISubnet]]] | None:
        ex = props.existing
        vpc = ec2.Vpc.from_lookup(self, "Lookup", vpc_id=ex.vpc_id)
        attributes = cc_api_lookup(self, "AWS::EC2::VPC", ["EnableDnsSupport", "EnableDnsHostnames"], exact_identifier=ex.vpc_id)
        # With propertyMatch the CLI calls Cloud Control ListResources (not GetResource) and reads
        # VpcId, ServiceName and PrivateDnsEnabled from what the list returns; a property missing
        # there makes the lookup fail with an error, never match nothing silently. GetResource
        # would return all three (schema properties, none write-only; the handler contract has
        # read return what create was given). Whether ListResources does for this type is not
        # documented: [field] (docs/internals.md, "Existing-VPC lookups").
        endpoints = cc_api_lookup(
            self, "AWS::EC2::VPCEndpoint", ["ServiceName", "PrivateDnsEnabled"], property_match={"VpcId": ex.vpc_id}
        )
        if vpc.vpc_id != ex.vpc_id or _pending(attributes) or _pending(endpoints):
            return None
        all_subnets = {s.subnet_id: s for s in [*vpc.public_subnets, *vpc.private_subnets, *vpc.isolated_subnets]}
        looked_up = {
            sid: LookedUpSubnet(sid, s.availability_zone, s.ipv4_cidr_block, s in vpc.public_subnets) for sid, s in all_subnets.items()
        }
        zones = sorted({looked_up[s].zone for s in ex.subnet_ids if s in looked_up})
        supported = {svc: supported_zones(self, props.region, svc, zones) for svc in props.services}
        problems = vpc_problems(
            ex, props.region, looked_up, attributes[0], endpoints, supported, props.dns_names_for
        )
        if problems:
            raise ConfigError(" ".join(problems))
        subnets = [all_subnets[s] for s in ex.subnet_ids]
        by_service = {svc: [all_subnets[s] for s in ex.subnet_ids if looked_up[s].zone in supported[svc]] for svc in props.services}
        return vpc, subnets, by_service


def cc_api_lookup(
    scope: Construct,
    type_name: str,
    properties: Sequence[str],
    *,
    exact_identifier: str | None = None,
    property_match: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """CDK's Cloud Control context provider (cached in cdk.context.json like every lookup)."""
    props: dict[str, Any] = {"typeName": type_name, "propertiesToReturn": list(properties)}
    if exact_identifier is not None:
        props["exactIdentifier"] = exact_identifier
    if property_match is not None:
        props["propertyMatch"] = dict(property_match)
    return list(ContextProvider.get_value(scope, provider=CC_API_PROVIDER, props=props, dummy_value=[{"Identifier": PENDING}]).value)


def cc_api_key(scope: Construct, type_name: str, properties: Sequence[str], **query: Any) -> str:
    """The cdk.context.json key of a lookup (tests seed answers under it)."""
    props: dict[str, Any] = {"typeName": type_name, "propertiesToReturn": list(properties)}
    if "exact_identifier" in query:
        props["exactIdentifier"] = query["exact_identifier"]
    if "property_match" in query:
        props["propertyMatch"] = dict(query["property_match"])
    return ContextProvider.get_key(scope, provider=CC_API_PROVIDER, props=props).key


def _pending(answer: Sequence[Mapping[str, Any]]) -> bool:
    return any(item.get("Identifier") == PENDING for item in answer)


def vpc_problems(
    existing: ExistingVpc,
    region: str,
    subnets: Mapping[str, LookedUpSubnet],
    attributes: Mapping[str, Any],
    endpoints: Sequence[Mapping[str, Any]],
    supported: Mapping[str, Sequence[str]],
    dns_names_for: Sequence[str],
) -> list[str]:
    """Every reason the existing VPC cannot take this stack, one sentence each (pure)."""
    vpc = existing.vpc_id
    problems = []
    for attr in ("EnableDnsSupport", "EnableDnsHostnames"):
        if str(attributes.get(attr)).lower() != "true":
            problems.append(
                f"VPC {vpc} has {attr} off; private DNS for the endpoints needs it on (aws ec2 modify-vpc-attribute --vpc-id {vpc} --{_flag(attr)} Value=true)."
            )
    for sid in existing.subnet_ids:
        if sid not in subnets:
            problems.append(f"subnetIds entry {sid} is not a subnet of VPC {vpc} in {region}; list subnets of that VPC.")
        elif subnets[sid].public:
            problems.append(f"subnetIds entry {sid} is a public subnet (it routes to an internet gateway); give private subnets of VPC {vpc}.")
    zones = sorted({subnets[s].zone for s in existing.subnet_ids if s in subnets})
    for svc, offered in supported.items():
        if zones and not set(zones) & set(offered):
            problems.append(
                f"No subnet of subnetIds (zones {', '.join(zones)}) is in a zone that offers {svc} (offered in: {', '.join(offered) or 'none'}); add a subnet in one of those zones."
            )
    for ep in endpoints:
        svc = ep.get("ServiceName", "")
        for ours in dns_names_for:
            if svc == service_name(region, ours) and str(ep.get("PrivateDnsEnabled")).lower() == "true":
                problems.append(
                    f"VPC {vpc} already has endpoint {ep.get('Identifier')} for {ours} with private DNS on, which would conflict with this stack's; "
                    "delete it or turn its private DNS off (if it is this stack's own endpoint, the cached lookup was refreshed after a deploy: restore cdk.context.json)."
                )
    return problems


def _flag(attribute: str) -> str:
    return "enable-dns-support" if attribute == "EnableDnsSupport" else "enable-dns-hostnames"

