"""DNS for a hub's endpoints, shared with spokes: private hosted zones in a Route 53 Profile.

Why a Route 53 Profile (shared with AWS RAM) carrying one private hosted zone per name,
rather than private hosted zones associated with each spoke VPC directly:
- a zone can be associated with another account's VPC only after a
  CreateVPCAssociationAuthorization call in the zone's account and an association call in
  the VPC's account, which CloudFormation has no resource for; a Profile is shared with
  AWS::RAM::ResourceShare and attached with AWS::Route53Profiles::ProfileAssociation, both
  plain CloudFormation, so hub and spoke stay deployable stacks;
- one share covers every name (bedrock, bedrock-runtime, bedrock-mantle's api.aws zone, the
  agent names), and a new name added to the hub reaches every spoke without touching them.
The zones hold one alias record at their apex pointing at the endpoint's regional DNS name,
so the standard names resolve to the hub endpoints' private addresses from every VPC
associated with the zone (the hub's) or the Profile (the spokes').
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ram as ram
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_route53profiles as profiles
from constructs import Construct

from private_bedrock.policies import pascal
from private_bedrock.facts.regions import private_dns_name


@dataclass(frozen=True)
class HubDnsProps:
    region: str
    vpc: ec2.IVpc  # the hub VPC: its zones are associated with it
    endpoints: Mapping[str, ec2.InterfaceVpcEndpoint]  # by service, private DNS off
    spoke_accounts: Sequence[str]  # RAM principals (accounts, or the organisation ARN); the hub's own account is not listed
    name: str  # the Profile's and the share's name


class HubDns(Construct):
    def __init__(self, scope: Construct, id: str, *, props: HubDnsProps) -> None:
        super().__init__(scope, id)
        self.zones: dict[str, route53.PrivateHostedZone] = {}
        self.profile = profiles.CfnProfile(self, "Profile", name=props.name)
        for service, endpoint in props.endpoints.items():
            name = pascal(service)
            zone = route53.PrivateHostedZone(self, f"{name}Zone", zone_name=private_dns_name(service, props.region), vpc=props.vpc)
            route53.ARecord(self, f"{name}Alias", zone=zone, target=route53.RecordTarget.from_alias(targets.InterfaceVpcEndpointTarget(endpoint)))
            profiles.CfnProfileResourceAssociation(
                self, f"{name}InProfile", name=f"{props.name}-{service}", profile_id=self.profile.attr_id, resource_arn=zone.hosted_zone_arn
            )
            self.zones[service] = zone
        self.share = None
        if props.spoke_accounts:
            self.share = ram.CfnResourceShare(
                self,
                "Share",
                name=props.name,
                resource_arns=[self.profile.attr_arn],
                principals=list(props.spoke_accounts),
                # Spoke accounts must be in the hub's AWS Organization: the share is never
                # offered to an account outside it (least privilege over who can attach).
                allow_external_principals=False,
            )


@dataclass(frozen=True)
class SpokeDnsProps:
    profile_id: str  # the hub's Profile, shared with this account through RAM
    vpc_id: str
    name: str


class SpokeDns(Construct):
    """Attach the hub's shared Profile to the spoke VPC: its names now answer with the hub's addresses."""

    def __init__(self, scope: Construct, id: str, *, props: SpokeDnsProps) -> None:
        super().__init__(scope, id)
        self.association = profiles.CfnProfileAssociation(
            self, "ProfileAssociation", name=props.name, profile_id=props.profile_id, resource_id=props.vpc_id
        )
