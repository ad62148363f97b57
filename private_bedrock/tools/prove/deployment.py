"""Read what one synthesized template deploys: endpoints, their policies, roles, policies.

Pure functions over the parsed template; every policy comes out with its CloudFormation
intrinsics resolved (private_bedrock/tools/prove/resolve.py), ready for the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from private_bedrock.tools.prove.resolve import ACCOUNT, Symbols, resolve, symbols_for

IDENTITY_POLICY_PREFIX = "Amazon Bedrock"


class TemplateShapeError(ValueError):
    """The template does not have the shape the matrix proves (missing or duplicate parts)."""


@dataclass(frozen=True)
class Endpoint:
    service: str  # bedrock, bedrock-runtime, bedrock-mantle, ...
    logical_id: str
    vpce_id: str  # the fake id `Ref` resolves to
    policy: Mapping[str, Any]


@dataclass(frozen=True)
class Role:
    logical_id: str
    arn: str
    description: str
    # (name, document) of every identity policy the template gives the role, intrinsics
    # unresolved: only the roles the matrix evaluates are resolved (`Deployment.policies_of`).
    raw_policies: tuple[tuple[str, Mapping[str, Any]], ...]
    # Managed policy ARNs the template attaches but cannot show (AWS managed policies).
    opaque_policy_arns: tuple[str, ...]


@dataclass(frozen=True)
class Deployment:
    region: str
    account: str
    endpoints: Mapping[str, Endpoint]  # by service
    identity_policy_id: str
    identity_policy_roles: tuple[str, ...]  # logical ids of the roles it is attached to
    roles: Mapping[str, Role]  # by logical id
    endpoint_principal_arns: tuple[str, ...]  # every aws:PrincipalArn the endpoint policies name
    in_vpc_roles: tuple[str, ...]  # logical ids of the roles of the template's in-VPC Lambda functions
    metadata: Mapping[str, Any]  # Metadata.PrivateBedrock
    symbols: Symbols

    def policies_of(self, logical_id: str) -> tuple[tuple[str, Mapping[str, Any]], ...]:
        """The role's identity policies with intrinsics resolved."""
        return tuple((name, resolve(doc, self.symbols, name)) for name, doc in self.roles[logical_id].raw_policies)


def service_of(service_name: str, region: str) -> str:
    prefix = f"com.amazonaws.{region}."
    if not service_name.startswith(prefix):
        raise TemplateShapeError(f"endpoint service {service_name!r} is not a service of {region}")
    return service_name[len(prefix):]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _principal_arns(policy: Mapping[str, Any]) -> set[str]:
    """The role ARNs an endpoint policy admits by name: those an Allow names, and the exact ARNs
    a Deny of every other principal exempts (a hub's shared form, private_bedrock/policies/hub_shared.py;
    its arn:aws:iam::*:role/NAME patterns name no one role)."""
    arns: set[str] = set()
    for st in _as_list(policy.get("Statement", [])):
        for op, kv in st.get("Condition", {}).items():
            for key, values in kv.items():
                if key.lower() != "aws:principalarn":
                    continue
                if "Not" not in op and st.get("Effect") == "Allow":
                    arns.update(_as_list(values))
                elif "Not" in op and st.get("Effect") == "Deny":
                    arns.update(v for v in _as_list(values) if "*" not in v and "?" not in v)
    return arns


def _attached_roles(props: Mapping[str, Any]) -> list[str]:
    roles = []
    for r in props.get("Roles", []):
        if not (isinstance(r, dict) and set(r) == {"Ref"}):
            raise TemplateShapeError(f"policy attached to a role given as {r!r}; only Ref to a role of the template is supported")
        roles.append(r["Ref"])
    return roles


def read_deployment(template: Mapping[str, Any], region: str, account: str = ACCOUNT) -> Deployment:
    symbols: Symbols = symbols_for(template, region, account)
    resources: Mapping[str, Any] = template.get("Resources", {})

    endpoints: dict[str, Endpoint] = {}
    for logical_id, res in resources.items():
        if res.get("Type") != "AWS::EC2::VPCEndpoint":
            continue
        props = res.get("Properties", {})
        service = service_of(resolve(props["ServiceName"], symbols, f"{logical_id}/ServiceName"), region)
        if service in endpoints:
            raise TemplateShapeError(f"two endpoints for {service}: {endpoints[service].logical_id} and {logical_id}")
        if "PolicyDocument" not in props:
            raise TemplateShapeError(f"endpoint {logical_id} ({service}) has no PolicyDocument (full access)")
        endpoints[service] = Endpoint(
            service=service,
            logical_id=logical_id,
            vpce_id=symbols.refs[logical_id],
            policy=resolve(props["PolicyDocument"], symbols, f"{logical_id}/PolicyDocument"),
        )

    identity = [
        (lid, res)
        for lid, res in resources.items()
        if res.get("Type") == "AWS::IAM::ManagedPolicy"
        and str(res.get("Properties", {}).get("Description", "")).startswith(IDENTITY_POLICY_PREFIX)
    ]
    if len(identity) != 1:
        raise TemplateShapeError(
            f"expected one AWS::IAM::ManagedPolicy whose Description starts with {IDENTITY_POLICY_PREFIX!r}, found {len(identity)}"
        )
    identity_id, identity_res = identity[0]

    # Every identity policy the template attaches to each role.
    policies: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for lid, res in resources.items():
        props = res.get("Properties", {})
        if res.get("Type") in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            for role in _attached_roles(props):
                policies.setdefault(role, []).append((lid, props["PolicyDocument"]))

    roles: dict[str, Role] = {}
    for lid, res in resources.items():
        if res.get("Type") != "AWS::IAM::Role":
            continue
        props = res.get("Properties", {})
        docs = list(policies.get(lid, []))
        for inline in props.get("Policies", []):
            docs.append((f"{lid}/{inline['PolicyName']}", inline["PolicyDocument"]))
        opaque: list[str] = []
        for arn in props.get("ManagedPolicyArns", []):
            if isinstance(arn, dict) and set(arn) == {"Ref"} and resources.get(arn["Ref"], {}).get("Type") == "AWS::IAM::ManagedPolicy":
                docs.append((arn["Ref"], resources[arn["Ref"]]["Properties"]["PolicyDocument"]))
            else:
                opaque.append(resolve(arn, symbols, f"{lid}/ManagedPolicyArns"))
        roles[lid] = Role(
            logical_id=lid,
            arn=symbols.getatts[(lid, "Arn")],
            description=str(props.get("Description", "")),
            raw_policies=tuple(docs),
            opaque_policy_arns=tuple(opaque),
        )

    named: set[str] = set()
    for ep in endpoints.values():
        named |= _principal_arns(ep.policy)

    in_vpc: list[str] = []
    for res in resources.values():
        props = res.get("Properties", {})
        if res.get("Type") == "AWS::Lambda::Function" and props.get("VpcConfig"):
            role = props.get("Role")
            if isinstance(role, dict) and "Fn::GetAtt" in role and role["Fn::GetAtt"][0] in roles:
                in_vpc.append(role["Fn::GetAtt"][0])

    return Deployment(
        region=region,
        account=account,
        endpoints=endpoints,
        identity_policy_id=identity_id,
        identity_policy_roles=tuple(_attached_roles(identity_res.get("Properties", {}))),
        roles=roles,
        endpoint_principal_arns=tuple(sorted(named)),
        in_vpc_roles=tuple(in_vpc),
        metadata=template.get("Metadata", {}).get("PrivateBedrock", {}),
        symbols=symbols,
    )
