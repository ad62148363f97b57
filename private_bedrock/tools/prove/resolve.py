"""Resolve the CloudFormation intrinsics CDK leaves in policy documents.

This is CloudFormation, not IAM: it turns `{"Ref": ...}`, `Fn::GetAtt`, `Fn::Join` and
`Fn::Sub` into the strings CloudFormation would put there at deploy time, using fixed fake
values (account 111122223333, one made-up `vpce-...` id per endpoint). Anything it does not
know how to resolve raises `UnresolvedIntrinsic`: a policy the matrix cannot read exactly is
a policy it must not pretend to have proved.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

ACCOUNT = "111122223333"
PARTITION = "aws"
# An account of another organisation, and that organisation: the outsider of the matrix rows.
OUTSIDE_ACCOUNT, OUTSIDE_ORG = "777788889999", "o-zzzzzzzzzz"


class UnresolvedIntrinsic(ValueError):
    pass


def fake_vpce_id(logical_id: str) -> str:
    """A stable, well-formed VPC endpoint id per endpoint (17 hex digits like AWS's)."""
    return "vpce-" + hashlib.sha256(logical_id.encode()).hexdigest()[:17]


@dataclass(frozen=True)
class Symbols:
    """What `Ref` and `Fn::GetAtt` resolve to in one template."""

    refs: Mapping[str, str]
    getatts: Mapping[tuple[str, str], str] = field(default_factory=dict)


def symbols_for(template: Mapping[str, Any], region: str, account: str = ACCOUNT) -> Symbols:
    """Deploy-time values of the pseudo parameters and of the resources policies refer to."""
    refs: dict[str, str] = {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::Partition": PARTITION,
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackName": f"stack-{region}",
        # A StackSet's stack (the fleet verifier's policy names its own stack by this).
        "AWS::StackId": f"arn:{PARTITION}:cloudformation:{region}:{account}:stack/stack-{region}/00000000-0000-4000-8000-000000000000",
    }
    getatts: dict[tuple[str, str], str] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        kind = resource.get("Type")
        if kind == "AWS::EC2::VPCEndpoint":
            refs[logical_id] = fake_vpce_id(logical_id)
            getatts[(logical_id, "Id")] = refs[logical_id]
        elif kind == "AWS::IAM::Role":
            # Roles without RoleName get a generated name; the logical id stands in for it.
            name = resource.get("Properties", {}).get("RoleName", logical_id)
            if not isinstance(name, str):
                raise UnresolvedIntrinsic(f"{logical_id}: RoleName {name!r} is not a literal")
            refs[logical_id] = name
            getatts[(logical_id, "Arn")] = f"arn:{PARTITION}:iam::{account}:role/{name}"
        elif kind == "AWS::IAM::ManagedPolicy":
            refs[logical_id] = f"arn:{PARTITION}:iam::{account}:policy/{logical_id}"
        elif kind == "AWS::Logs::LogGroup":
            refs[logical_id] = logical_id
            getatts[(logical_id, "Arn")] = f"arn:{PARTITION}:logs:{region}:{account}:log-group:{logical_id}:*"
        elif kind == "AWS::Lambda::Function":
            # Functions without FunctionName get a generated name; the logical id stands in for it.
            refs[logical_id] = logical_id
            getatts[(logical_id, "Arn")] = f"arn:{PARTITION}:lambda:{region}:{account}:function:{logical_id}"
        elif kind in _EC2_IDS:
            # The probe's ENI statements name this VPC, its subnets and its security group.
            refs[logical_id] = f"{_EC2_IDS[kind]}-" + hashlib.sha256(logical_id.encode()).hexdigest()[:17]
            if kind == "AWS::EC2::SecurityGroup":
                getatts[(logical_id, "GroupId")] = refs[logical_id]
        elif kind in _RESOLVER_IDS:
            refs[logical_id] = f"{_RESOLVER_IDS[kind]}-" + hashlib.sha256(logical_id.encode()).hexdigest()[:17]
            getatts[(logical_id, "Id")] = refs[logical_id]
        elif kind == "AWS::KMS::Key":
            key_id = "mrk-" + hashlib.sha256(logical_id.encode()).hexdigest()[:32]
            refs[logical_id] = key_id
            getatts[(logical_id, "Arn")] = f"arn:{PARTITION}:kms:{region}:{account}:key/{key_id}"
    return Symbols(refs=refs, getatts=getatts)


_EC2_IDS = {"AWS::EC2::VPC": "vpc", "AWS::EC2::Subnet": "subnet", "AWS::EC2::SecurityGroup": "sg"}
# Route 53 Resolver's ids (Ref and Fn::GetAtt Id are the same); the fleet verifier reads the DNS Firewall by them.
_RESOLVER_IDS = {"AWS::Route53Resolver::FirewallRuleGroup": "rslvr-frg", "AWS::Route53Resolver::FirewallDomainList": "rslvr-fdl"}
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


def resolve(value: Any, symbols: Symbols, path: str = "") -> Any:
    """Return `value` with every intrinsic replaced by its resolved string."""
    if isinstance(value, list):
        return [resolve(v, symbols, f"{path}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref":
            if arg not in symbols.refs:
                raise UnresolvedIntrinsic(f"{path}: Ref {arg!r} is not a resource this resolver knows")
            return symbols.refs[arg]
        if key == "Fn::GetAtt":
            target = tuple(arg.split(".", 1)) if isinstance(arg, str) else tuple(arg)
            if target not in symbols.getatts:
                raise UnresolvedIntrinsic(f"{path}: Fn::GetAtt {list(target)!r} is not an attribute this resolver knows")
            return symbols.getatts[target]  # type: ignore[index]
        if key == "Fn::Join":
            sep, parts = arg
            resolved = [resolve(p, symbols, f"{path}/Fn::Join") for p in parts]
            if not all(isinstance(p, str) for p in resolved):
                raise UnresolvedIntrinsic(f"{path}: Fn::Join of non-strings {resolved!r}")
            return sep.join(resolved)
        if key == "Fn::Sub":
            text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            local = {k: resolve(v, symbols, f"{path}/Fn::Sub") for k, v in local.items()}

            def sub(match: re.Match[str]) -> str:
                name = match.group(1)
                if name in local:
                    return local[name]
                if "." in name:
                    return resolve({"Fn::GetAtt": name}, symbols, path)
                return resolve({"Ref": name}, symbols, path)

            return _SUB_VAR.sub(sub, text)
        if key.startswith("Fn::"):
            raise UnresolvedIntrinsic(f"{path}: intrinsic {key} is not supported by this resolver")
    return {k: resolve(v, symbols, f"{path}/{k}") for k, v in value.items()}
