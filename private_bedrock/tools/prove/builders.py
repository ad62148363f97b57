"""A template built straight from the pure policy builders, for the matrix without a synth.

The IAM matrix normally reads a synthesized template. Here the same shape (endpoints with
their policies, an in-VPC probe role, a control role, the identity policy, the design
metadata) is assembled from private_bedrock/policies' builders and a validated RegionConfig, so a
configuration can be proved in milliseconds: the unit tests sweep many configurations this
way, and mutation testing (`make mutate`) runs them against every mutant of the builders.
The synthesized templates remain the proof of what deploys (tests/security).
"""

from __future__ import annotations

from typing import Any

from private_bedrock.config.app_config import RegionConfig
from private_bedrock.config.design_metadata import design_metadata
from private_bedrock.policies import endpoint_policy, source_vpce_policy
from private_bedrock.tools.prove.resolve import ACCOUNT

PROBE_ROLE, CONTROL_ROLE = "ProbeInVpcRole", "ProbeOutsideVpcRole"


def _endpoint_id(service: str) -> str:
    return "Endpoint" + "".join(p.capitalize() for p in service.split("-"))


def builder_template(cfg: RegionConfig, account: str = ACCOUNT) -> dict[str, Any]:
    """A minimal template with exactly what the builders return for `cfg`."""
    ids = {s: {"Ref": _endpoint_id(s)} for s in cfg.endpoints}
    principals = [{"Fn::GetAtt": [PROBE_ROLE, "Arn"]}, *cfg.extra_principal_arns]
    resources: dict[str, Any] = {
        _endpoint_id(s): {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {
                "ServiceName": f"com.amazonaws.{cfg.region}.{s}",
                "PolicyDocument": endpoint_policy(s, cfg.access, account, principals),
            },
        }
        for s in cfg.endpoints
    }
    for role in (PROBE_ROLE, CONTROL_ROLE):
        resources[role] = {"Type": "AWS::IAM::Role", "Properties": {"Description": role}}
    resources["ProbeFunction"] = {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Role": {"Fn::GetAtt": [PROBE_ROLE, "Arn"]}, "VpcConfig": {"SubnetIds": ["subnet-1"]}},
    }
    resources["IdentityPolicy"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "Description": f"Amazon Bedrock in {cfg.region} only through this deployment's VPC endpoints",
            "PolicyDocument": source_vpce_policy(cfg.access, account, ids),
            "Roles": [{"Ref": PROBE_ROLE}, {"Ref": CONTROL_ROLE}],
        },
    }
    return {"Resources": resources, "Metadata": {"PrivateBedrock": design_metadata(cfg)}}
