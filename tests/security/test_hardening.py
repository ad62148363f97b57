"""Issue 9 §3 and §7 on the default templates: DNS firewall, log key, log groups, ENIs, bootstrap.

Each test names the hole it keeps closed; loosen the control and the test fails.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from private_bedrock.network.dns_names import ec2_internal_domain
from private_bedrock.policies.key import ADMIN_ACTIONS, DESTRUCTIVE_ACTIONS
from private_bedrock.security.log_groups import log_group_prefix
from tests.conftest import DEFAULT_REGIONS

USE_ACTIONS = {"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant"}
SERVICES = ("bedrock", "bedrock-runtime", "bedrock-mantle")


def of_type(template: dict, cfn_type: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == cfn_type}


def as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v]


def flat(node: Any) -> str:
    """A Fn::Join of strings and refs as one string, refs written ${Ref} (for comparisons)."""
    if isinstance(node, str):
        return node
    if isinstance(node, dict) and "Fn::Join" in node:
        return node["Fn::Join"][0].join(flat(p) for p in node["Fn::Join"][1])
    if isinstance(node, dict) and "Ref" in node:
        return "${" + node["Ref"] + "}"
    if isinstance(node, dict) and "Fn::GetAtt" in node:
        return "${" + ".".join(node["Fn::GetAtt"]) + "}"
    return json.dumps(node, sort_keys=True)


@pytest.fixture(params=DEFAULT_REGIONS)
def region_template(request: pytest.FixtureRequest, templates: dict[str, dict]) -> tuple[str, dict]:
    return request.param, templates[request.param]


# ----------------------------------------------------------------- §3 DNS exfiltration


def test_dns_firewall_allows_only_the_endpoint_names_and_ec2_host_names(region_template) -> None:
    region, t = region_template
    lists = {k: r["Properties"]["Domains"] for k, r in of_type(t, "AWS::Route53Resolver::FirewallDomainList").items()}
    allowed = next(d for d in lists.values() if d != ["*"])
    expected = []
    for service in SERVICES:
        public = f"bedrock-mantle.{region}.api.aws" if service == "bedrock-mantle" else f"{service}.{region}.amazonaws.com"
        expected += [public, f"*.{service}.{region}.vpce.amazonaws.com"]
    expected.append(f"*.{ec2_internal_domain(region)}")
    assert allowed == expected
    assert not any(d in ("*", "*.com", "*.amazonaws.com", "*.aws", "*.api.aws") for d in allowed)


def test_dns_firewall_blocks_everything_else_with_nxdomain_after_the_allow_rule(region_template) -> None:
    _, t = region_template
    lists = {k: r["Properties"]["Domains"] for k, r in of_type(t, "AWS::Route53Resolver::FirewallDomainList").items()}
    (group,) = of_type(t, "AWS::Route53Resolver::FirewallRuleGroup").values()
    rules = sorted(group["Properties"]["FirewallRules"], key=lambda r: r["Priority"])
    assert [r["Action"] for r in rules] == ["ALLOW", "BLOCK"]
    allow, block = rules
    assert lists[block["FirewallDomainListId"]["Fn::GetAtt"][0]] == ["*"]
    assert block["BlockResponse"] == "NXDOMAIN"
    assert lists[allow["FirewallDomainListId"]["Fn::GetAtt"][0]] != ["*"]


def test_dns_firewall_is_associated_with_the_vpc_first_in_the_customer_priority_range(region_template) -> None:
    _, t = region_template
    (vpc_id,) = of_type(t, "AWS::EC2::VPC")
    (assoc,) = of_type(t, "AWS::Route53Resolver::FirewallRuleGroupAssociation").values()
    p = assoc["Properties"]
    assert p["VpcId"] == {"Ref": vpc_id}
    # 100 is the first priority a customer can use (100-9900, lowest runs first): no rule
    # group associated later can run ahead of ours.
    assert p["Priority"] == 100
    # Mutation protection would block CloudFormation's own updates and deletes.
    assert p["MutationProtection"] == "DISABLED"


def test_resolver_queries_are_logged_to_an_encrypted_log_group_of_the_stack(region_template) -> None:
    region, t = region_template
    (vpc_id,) = of_type(t, "AWS::EC2::VPC")
    (config_id, config), = of_type(t, "AWS::Route53Resolver::ResolverQueryLoggingConfig").items()
    group_id = config["Properties"]["DestinationArn"]["Fn::GetAtt"][0]
    group = t["Resources"][group_id]
    assert group["Type"] == "AWS::Logs::LogGroup" and "KmsKeyId" in group["Properties"]
    assert group["DeletionPolicy"] == "Retain"
    (assoc,) = of_type(t, "AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation").values()
    assert assoc["Properties"] == {"ResolverQueryLogConfigId": {"Fn::GetAtt": [config_id, "Id"]}, "ResourceId": {"Ref": vpc_id}}
    # The delivery service may write to that group only, for this account's resolver.
    (policy,) = of_type(t, "AWS::Logs::ResourcePolicy").values()
    doc = flat(policy["Properties"]["PolicyDocument"])
    assert group_id in doc and "delivery.logs.amazonaws.com" in doc and "aws:SourceAccount" in doc
    assert "log-group:*" not in doc


def test_dns_firewall_rule_group_id_is_an_output(region_template) -> None:
    _, t = region_template
    (group_id,) = of_type(t, "AWS::Route53Resolver::FirewallRuleGroup")
    assert t["Outputs"]["DnsFirewallRuleGroupId"]["Value"] == {"Ref": group_id}


# ----------------------------------------------------------------- §7 KMS: administration apart from use


def log_key_id(t: dict) -> str:
    (lid,) = [k for k, r in of_type(t, "AWS::KMS::Key").items() if r["Properties"]["Description"].startswith("Encrypts this stack's log groups")]
    return lid


def key_statements(t: dict, logical_id: str | None = None) -> dict[str, dict]:
    key = t["Resources"][logical_id or log_key_id(t)]
    return {s["Sid"]: s for s in key["Properties"]["KeyPolicy"]["Statement"]}


def test_every_key_of_the_stack_separates_administration_from_use(region_template) -> None:
    """The log key and the alarm topic key alike: no kms:*, no use by an IAM principal except
    through Lambda, and the topic key usable by CloudWatch alone."""
    _, t = region_template
    keys = of_type(t, "AWS::KMS::Key")
    assert len(keys) == 2, sorted(keys)
    for lid in keys:
        for sid, st in key_statements(t, lid).items():
            actions = set(as_list(st["Action"]))
            assert "kms:*" not in actions, (lid, sid)
            if "AWS" in st["Principal"]:
                use = actions & USE_ACTIONS
                assert not use or st["Condition"]["StringEquals"]["kms:ViaService"].startswith("lambda."), (lid, sid)
    (topic_key,) = [k for k in keys if k != log_key_id(t)]
    users = [st for st in key_statements(t, topic_key).values() if st["Effect"] == "Allow" and set(as_list(st["Action"])) & (USE_ACTIONS | {"kms:GenerateDataKey*"})]
    assert [st["Principal"] for st in users] == [{"Service": "cloudwatch.amazonaws.com"}]
    # Every key ends with CT.KMS.PR.3's Deny: no grant unless an AWS service makes it for a resource.
    for lid in keys:
        assert key_statements(t, lid)["DenyGrantsNotForAWSResources"] == {
            "Sid": "DenyGrantsNotForAWSResources", "Effect": "Deny", "Principal": "*", "Action": "kms:CreateGrant", "Resource": "*",
            "Condition": {"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
        }, lid


def test_key_policy_gives_no_principal_kms_star_and_no_unconditioned_use(region_template) -> None:
    _, t = region_template
    for sid, st in key_statements(t).items():
        actions = set(as_list(st["Action"]))
        assert not any("*" in a for a in actions), sid
        if "AWS" in st["Principal"]:
            use = actions & USE_ACTIONS
            # An IAM principal of the account may use the key only through Lambda.
            assert not use or st["Condition"]["StringEquals"]["kms:ViaService"].startswith("lambda."), sid


def test_key_administration_is_the_account_root_without_use_actions_by_default(region_template) -> None:
    _, t = region_template
    st = key_statements(t)
    admin = st["KeyAdministration"]
    assert flat(admin["Principal"]["AWS"]) == "arn:aws:iam::${AWS::AccountId}:root"
    assert set(admin["Action"]) == set(ADMIN_ACTIONS)
    assert not set(admin["Action"]) & (USE_ACTIONS | set(DESTRUCTIVE_ACTIONS))
    # Without a named admin the root can still retire the key (otherwise it could never be).
    assert set(st["DisableOrDeleteKey"]["Action"]) == set(DESTRUCTIVE_ACTIONS)


def test_logs_may_use_the_key_for_this_stacks_log_groups_only(region_template) -> None:
    region, t = region_template
    st = key_statements(t)["CloudWatchLogsForThisStacksLogGroupsOnly"]
    assert st["Principal"] == {"Service": f"logs.{region}.amazonaws.com"}
    arn = flat(st["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])
    assert arn == f"arn:aws:logs:{region}:${{AWS::AccountId}}:log-group:{log_group_prefix(f'PrivateBedrock-{region}')}*"


def test_every_log_group_is_encrypted_has_retention_and_is_under_the_key_prefix(region_template) -> None:
    region, t = region_template
    groups = of_type(t, "AWS::Logs::LogGroup")
    assert len(groups) >= 5  # flow logs, resolver queries, two probes, the default-SG provider
    for lid, g in groups.items():
        p = g["Properties"]
        assert p["KmsKeyId"] == {"Fn::GetAtt": [log_key_id(t), "Arn"]}, lid
        assert p["RetentionInDays"] > 0, lid
        assert p["LogGroupName"].startswith(log_group_prefix(f"PrivateBedrock-{region}")), lid


def test_every_function_logs_to_a_log_group_of_the_stack(region_template) -> None:
    """Including CDK's own custom-resource providers, which otherwise log unencrypted forever."""
    _, t = region_template
    groups = of_type(t, "AWS::Logs::LogGroup")
    functions = of_type(t, "AWS::Lambda::Function")
    assert any("CustomResourceProvider" in k for k in functions)
    for lid, fn in functions.items():
        target = fn["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert target in groups, lid
        assert target in as_list(fn.get("DependsOn", [])) or "CustomResourceProvider" not in lid


def test_function_environments_are_encrypted_with_the_stacks_key(region_template) -> None:
    _, t = region_template
    key_id = log_key_id(t)
    with_env = [f for f in of_type(t, "AWS::Lambda::Function").values() if "Environment" in f["Properties"]]
    assert len(with_env) == 2
    for fn in with_env:
        assert fn["Properties"]["KmsKeyArn"] == {"Fn::GetAtt": [key_id, "Arn"]}


# ----------------------------------------------------------------- §7 probe ENIs


def probe_statements(t: dict, role_fragment: str) -> list[dict]:
    out = []
    for lid, p in of_type(t, "AWS::IAM::ManagedPolicy").items():
        if lid.startswith(f"Probe{role_fragment}ExecutionPolicy"):
            out += p["Properties"]["PolicyDocument"]["Statement"]
    return out


def test_probe_eni_permissions_are_scoped_to_this_vpc(region_template) -> None:
    _, t = region_template
    (vpc_id,) = of_type(t, "AWS::EC2::VPC")
    subnets = set(of_type(t, "AWS::EC2::Subnet"))
    statements = [s for s in probe_statements(t, "InVpc") if any(a.startswith("ec2:") for a in as_list(s["Action"]))]
    star = [s for s in statements if s["Resource"] == "*"]
    # Only the Describe calls, which EC2 cannot scope, are on "*".
    assert [sorted(as_list(s["Action"])) for s in star] == [["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]]
    for st in statements:
        if st in star:
            continue
        resources = [flat(r) for r in as_list(st["Resource"])]
        for r in resources:
            if ":network-interface/*" in r:
                assert flat(st["Condition"]["ArnEquals"]["ec2:Vpc"]).endswith(f":vpc/${{{vpc_id}}}"), st["Sid"]
            elif ":subnet/" in r:
                assert r.split(":subnet/")[1].strip("${}") in subnets
            else:
                assert ":security-group/${NetworkWorkloadSg" in r, r
    create = [s for s in statements if "ec2:CreateNetworkInterface" in as_list(s["Action"])]
    kinds = {re.search(r":(subnet|security-group|network-interface)/", flat(r)).group(1) for s in create for r in as_list(s["Resource"])}  # type: ignore[union-attr]
    assert kinds == {"subnet", "security-group", "network-interface"}


def test_control_probe_has_no_eni_permissions(region_template) -> None:
    _, t = region_template
    assert not [s for s in probe_statements(t, "OutsideVpc") if any(a.startswith("ec2:") for a in as_list(s["Action"]))]


# ----------------------------------------------------------------- §7 bootstrap


def test_deploy_requires_the_bootstrap_with_the_asset_bucket_takeover_fix(region_template) -> None:
    _, t = region_template
    assert t["Parameters"]["BootstrapVersion"]["Default"] == "/cdk-bootstrap/hnb659fds/version"
    (assertion,) = t["Rules"]["CheckBootstrapVersion"]["Assertions"]
    refused = assertion["Assert"]["Fn::Not"][0]["Fn::Contains"][0]
    assert refused == [str(v) for v in range(1, 21)]
    assert "21" in assertion["AssertDescription"]
