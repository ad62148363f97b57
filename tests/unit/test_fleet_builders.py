"""The StackSets delivery's pure policy builders (private_bedrock/policies/fleet.py) as data:
what the asset bucket, the fleet verifier and its caller are allowed, synth-free."""

from __future__ import annotations

import pytest

from private_bedrock.config.fleet import FleetConfig
from private_bedrock.policies.fleet import (
    CallerTargets,
    VerifierTargets,
    asset_bucket_statements,
    caller_grants,
    caller_pattern,
    published_versions,
    verifier_grants,
    verifier_trust_conditions,
)

ADMIN = "999988887777"
MEMBER = "111122223333"
ORG = "o-a1b2c3d4e5"
BUCKET = "arn:aws:s3:::private-bedrock-fleet-999988887777-eu-west-1"
PROBE = f"arn:aws:lambda:eu-west-1:{MEMBER}:function:ProbeInVpc"
TWIN = f"arn:aws:lambda:eu-west-1:{MEMBER}:function:ProbeOutsideVpc"
SSO = f"arn:aws:iam::{ADMIN}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_*"
TARGETS = VerifierTargets(
    stack_id=f"arn:aws:cloudformation:eu-west-1:{MEMBER}:stack/PrivateBedrock-eu-west-1/guid",
    function_arns=(PROBE, TWIN),
    identity_policy_arn=f"arn:aws:iam::{MEMBER}:policy/SourceVpceOnlyPolicy",
    asset_object_arns=(f"{BUCKET}/probe.zip", f"{BUCKET}/twin.zip"),
    region="eu-west-1",
    account=MEMBER,
    asset_account=ADMIN,
    log_key_arn=f"arn:aws:kms:eu-west-1:{MEMBER}:key/k",
    firewall_rule_group_arns=(f"arn:aws:route53resolver:eu-west-1:{MEMBER}:firewall-rule-group/rslvr-frg-1",),
    firewall_domain_list_arns=(f"arn:aws:route53resolver:eu-west-1:{MEMBER}:firewall-domain-list/rslvr-fdl-1",),
)


def test_the_asset_bucket_is_readable_by_the_organisation_only_and_only_its_objects() -> None:
    assert asset_bucket_statements(BUCKET, ORG) == [{
        "Sid": "OrganisationReadsTheAssets", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
    }]


def test_versions_1_to_9999_and_never_the_unqualified_function() -> None:
    assert published_versions(PROBE) == (f"{PROBE}:?", f"{PROBE}:??", f"{PROBE}:???", f"{PROBE}:????")


def grants_by_sid(grants) -> dict[str, tuple]:
    return {g.sid: (g.actions, g.resources, dict(g.conditions)) for g in grants}


def test_the_verifier_reads_this_stacks_resources_and_invokes_only_published_versions() -> None:
    assert grants_by_sid(verifier_grants(TARGETS)) == {
        "ReadThisStack": (("cloudformation:DescribeStacks", "cloudformation:GetTemplate", "cloudformation:ListStackResources"), (TARGETS.stack_id,), {}),
        "ReadAndPublishTheTwoProbes": (("lambda:GetFunctionConfiguration", "lambda:PublishVersion"), (PROBE, TWIN), {}),
        "InvokeTheirPublishedVersions": (("lambda:InvokeFunction",), (*published_versions(PROBE), *published_versions(TWIN)), {}),
        "ReadTheProbesEnvironmentThroughLambda": (("kms:Decrypt",), (TARGETS.log_key_arn,), {"StringEquals": {"kms:ViaService": "lambda.eu-west-1.amazonaws.com"}}),
        "ReadTheDeployedProbeCode": (("s3:GetObject",), TARGETS.asset_object_arns, {"StringEquals": {"s3:ResourceAccount": ADMIN}}),
        "ReadTheIdentityPolicy": (("iam:GetPolicy", "iam:GetPolicyVersion"), (TARGETS.identity_policy_arn,), {}),
        "ReadEndpointPolicies": (("ec2:DescribeVpcEndpoints",), ("*",), {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}),
        "ReadDnsFirewallConfig": (("route53resolver:GetFirewallConfig",), (f"arn:aws:route53resolver:eu-west-1:{MEMBER}:firewall-config/*",), {}),
        "ListDnsFirewallAssociations": (("route53resolver:ListFirewallRuleGroupAssociations",), ("*",), {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}),
        "ReadOurDnsFirewallRules": (("route53resolver:ListFirewallRules",), TARGETS.firewall_rule_group_arns, {}),
        "ReadOurDnsFirewallDomains": (("route53resolver:ListFirewallDomains",), TARGETS.firewall_domain_list_arns, {}),
    }


@pytest.mark.parametrize(
    "caller, pattern",
    [
        (SSO, SSO[:-1] + "?" * 16),  # exactly one suffix: not AWSReservedSSO_Admin_ReadOnly_...
        (f"arn:aws:iam::{ADMIN}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef",
         f"arn:aws:iam::{ADMIN}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"),
        (f"arn:aws:iam::{ADMIN}:role/PlatformVerify", f"arn:aws:iam::{ADMIN}:role/PlatformVerify"),
        # Outside the reserved path a trailing _* is not an Identity Center suffix: kept as written.
        (f"arn:aws:iam::{ADMIN}:role/Verify_*", f"arn:aws:iam::{ADMIN}:role/Verify_*"),
    ],
)
def test_only_an_identity_center_suffix_wildcard_is_pinned_to_16_characters(caller: str, pattern: str) -> None:
    assert caller_pattern(caller) == pattern


def test_the_verifier_trusts_the_named_callers_inside_the_organisation() -> None:
    assert verifier_trust_conditions([f"arn:aws:iam::{ADMIN}:role/PlatformVerify", SSO], ORG) == {
        "ArnLike": {"aws:PrincipalArn": [f"arn:aws:iam::{ADMIN}:role/PlatformVerify", SSO[:-1] + "?" * 16]},
        "StringEquals": {"aws:PrincipalOrgID": ORG},
    }


def caller(call_as: str) -> dict[str, tuple]:
    targets = CallerTargets(("ap-northeast-1", "us-east-1"), "us-east-1", ADMIN, call_as, ORG)
    return grants_by_sid(caller_grants(targets, verifier_role_name=FleetConfig.verifier_role_name, stack_set_name=FleetConfig.stack_set_name))


STACK_SET_READS = ("cloudformation:ListStackInstances", "cloudformation:DescribeStackSet", "cloudformation:DetectStackSetDrift", "cloudformation:DescribeStackSetOperation")
ASSUME = (
    ("sts:AssumeRole",),
    ("arn:aws:iam::*:role/PrivateBedrockFleetVerifier-ap-northeast-1", "arn:aws:iam::*:role/PrivateBedrockFleetVerifier-us-east-1"),
    {"StringEquals": {"aws:ResourceOrgID": ORG}},  # a role of that name in another organisation is not assumed
)


def test_with_self_the_caller_reads_the_administrators_own_stack_sets_and_calls_no_organizations_api() -> None:
    assert caller("SELF") == {
        "AssumeTheFleetVerifierRoles": ASSUME,
        "ReadAndDriftCheckTheStackSets": (STACK_SET_READS, tuple(f"arn:aws:cloudformation:us-east-1:{ADMIN}:stackset/PrivateBedrock-{r}:*" for r in ("ap-northeast-1", "us-east-1")), {}),
    }


def test_as_delegated_administrator_the_stack_sets_account_is_open_and_their_names_exact() -> None:
    assert caller("DELEGATED_ADMIN") == {
        "AssumeTheFleetVerifierRoles": ASSUME,
        "ReadAndDriftCheckTheStackSets": (STACK_SET_READS, tuple(f"arn:aws:cloudformation:us-east-1:*:stackset/PrivateBedrock-{r}:*" for r in ("ap-northeast-1", "us-east-1")), {}),
        "StackSetsChecksTheDelegatedAdministrator": (("organizations:ListDelegatedAdministrators",), ("*",), {}),
    }
