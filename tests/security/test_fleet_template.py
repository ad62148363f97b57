"""The StackSets delivery's templates (one in-process synth, nag packs included: a finding
anywhere, the StackSets' member stacks included, fails the fixture)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FLEET_ADMIN, FLEET_CALLER, FLEET_CONTEXT, FLEET_ORG

REGIONS = ("ap-northeast-1", "us-east-1")  # FLEET_CONTEXT's regionOrder
HOME = "us-east-1"  # the first configured region


def of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


@pytest.fixture(scope="module")
def stack_sets(fleet_assembly) -> dict[str, tuple[str, dict]]:
    """region -> (logical id, StackSet resource) of the fleet stack."""
    out = {}
    for lid, r in of_type(fleet_assembly["PrivateBedrockFleet"], "AWS::CloudFormation::StackSet").items():
        (group,) = r["Properties"]["StackInstancesGroup"]
        (region,) = group["Regions"]
        out[region] = (lid, r)
    return out


def test_the_administrator_gets_asset_stacks_and_the_fleet_stack_and_no_regional_stack(fleet_assembly) -> None:
    names = {n for n in fleet_assembly if not n.startswith("Member-")}
    assert names == {"PrivateBedrockFleet", *(f"PrivateBedrockFleetAssets-{r}" for r in REGIONS)}
    assert set(fleet_assembly) - names == {f"Member-{r}" for r in REGIONS}


def test_one_service_managed_stack_set_per_region_with_the_configured_targets(stack_sets) -> None:
    assert sorted(stack_sets) == sorted(REGIONS)
    for region, (_, r) in stack_sets.items():
        p = r["Properties"]
        assert p["StackSetName"] == f"PrivateBedrock-{region}"
        assert p["PermissionModel"] == "SERVICE_MANAGED"
        assert p["CallAs"] == "DELEGATED_ADMIN"
        assert p["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": True}
        assert p["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
        assert p["StackInstancesGroup"] == [{
            "Regions": [region],
            "DeploymentTargets": {
                "OrganizationalUnitIds": FLEET_CONTEXT["fleet"]["organizationalUnits"],
                "Accounts": ["123456789012"],
                "AccountFilterType": "DIFFERENCE",
            },
        }]
        assert p["OperationPreferences"] == {
            "MaxConcurrentPercentage": 25, "FailureToleranceCount": 0, "ConcurrencyMode": "STRICT_FAILURE_TOLERANCE",
        }
        # The member template is a file asset of the administrator's home-region CDK bucket.
        url = p["TemplateURL"]["Fn::Sub"]
        assert url.startswith(f"https://s3.{HOME}.${{AWS::URLSuffix}}/cdk-hnb659fds-assets-{FLEET_ADMIN}-{HOME}/") and url.endswith(".json")


def test_region_order_is_a_dependency_chain(stack_sets) -> None:
    first, second = (stack_sets[r] for r in REGIONS)
    assert first[0] in second[1].get("DependsOn", [])
    assert second[0] not in first[1].get("DependsOn", [])


def test_each_stack_set_waits_for_its_code_to_be_copied(fleet_assembly, stack_sets) -> None:
    copies = of_type(fleet_assembly["PrivateBedrockFleet"], "Custom::CDKBucketDeployment")
    assert len(copies) == len(REGIONS)
    for region, (_, r) in stack_sets.items():
        mine = [k for k in copies if k.startswith(f"PrivateBedrockFleetMember{region.replace('-', '')}")]
        assert len(mine) == 1 and mine[0] in r["DependsOn"]


@pytest.mark.parametrize("region", REGIONS)
def test_the_member_template_is_account_agnostic(fleet_assembly, region: str) -> None:
    t = fleet_assembly[f"Member-{region}"]
    text = json.dumps(t)
    # No CDK bootstrap in member accounts: no BootstrapVersion parameter or rule.
    assert "Parameters" not in t and "Rules" not in t
    # The only account named is the administrator's (asset bucket names, the verifier's trust).
    for resource_id, r in t["Resources"].items():
        body = json.dumps(r)
        if FLEET_ADMIN in body:
            assert resource_id.startswith(("FleetVerifier", "Probe", "CustomVpcRestrictDefaultSGCustomResourceProviderHandler")), resource_id
    assert "111122223333" not in text
    # Zones are chosen by CloudFormation in each account (no lookup answers in the template).
    assert "Fn::GetAZs" in text and f'"{region}a"' not in text


@pytest.mark.parametrize("region", REGIONS)
def test_every_delivered_endpoint_carries_the_tag_the_fence_protects(fleet_assembly, region: str) -> None:
    """FenceDeliveredEndpoints denies changing an endpoint with this tag to all but the StackSet (and break-glass)."""
    endpoints = of_type(fleet_assembly[f"Member-{region}"], "AWS::EC2::VPCEndpoint")
    assert len(endpoints) >= 2
    for lid, ep in endpoints.items():
        assert {"Key": "PrivateBedrockDelivered", "Value": "true"} in ep["Properties"]["Tags"], lid


@pytest.mark.parametrize("region", REGIONS)
def test_every_function_reads_its_code_from_the_regions_asset_bucket(fleet_assembly, region: str) -> None:
    functions = of_type(fleet_assembly[f"Member-{region}"], "AWS::Lambda::Function")
    assert len(functions) >= 2
    for lid, fn in functions.items():
        code = fn["Properties"]["Code"]
        assert code["S3Bucket"] == {"Fn::Join": ["-", [f"private-bedrock-fleet-{FLEET_ADMIN}", {"Ref": "AWS::Region"}]]}, lid
        assert code["S3Key"].endswith(".zip")


@pytest.mark.parametrize("region", REGIONS)
def test_the_asset_bucket_is_private_to_the_organisation(fleet_assembly, region: str) -> None:
    t = fleet_assembly[f"PrivateBedrockFleetAssets-{region}"]
    buckets = of_type(t, "AWS::S3::Bucket")
    (asset_id,) = [k for k, b in buckets.items() if b["Properties"].get("BucketName") == f"private-bedrock-fleet-{FLEET_ADMIN}-{region}"]
    (logs_id,) = set(buckets) - {asset_id}
    for b in buckets.values():
        p = b["Properties"]
        assert p["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
        assert p["VersioningConfiguration"] == {"Status": "Enabled"}
        assert p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        assert b["DeletionPolicy"] == "Retain"
    assert buckets[asset_id]["Properties"]["LoggingConfiguration"] == {"DestinationBucketName": {"Ref": logs_id}, "LogFilePrefix": "assets/"}
    policies = {r["Properties"]["Bucket"]["Ref"]: r["Properties"]["PolicyDocument"]["Statement"] for r in of_type(t, "AWS::S3::BucketPolicy").values()}
    statements = policies[asset_id]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows == [{
        "Sid": "OrganisationReadsTheAssets",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [asset_id, "Arn"]}, "/*"]]},
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": FLEET_ORG}},
    }]
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Action"] == "s3:*" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize("region", REGIONS)
def test_the_verifier_role_is_trusted_by_the_named_administrator_roles_only(fleet_assembly, region: str) -> None:
    roles = {k: r for k, r in of_type(fleet_assembly[f"Member-{region}"], "AWS::IAM::Role").items() if k.startswith("FleetVerifier")}
    ((_, role),) = roles.items()
    p = role["Properties"]
    assert p["RoleName"] == f"PrivateBedrockFleetVerifier-{region}"
    assert p["MaxSessionDuration"] == 3600
    assert p["AssumeRolePolicyDocument"]["Statement"] == [{
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{FLEET_ADMIN}:root"]]}},
        "Condition": {"ArnLike": {"aws:PrincipalArn": [FLEET_CALLER]}, "StringEquals": {"aws:PrincipalOrgID": FLEET_ORG}},
    }]
    assert "ManagedPolicyArns" not in p and "Policies" not in p


@pytest.mark.parametrize("region", REGIONS)
def test_the_verifier_may_read_this_stack_and_invoke_exactly_the_two_probes(fleet_assembly, region: str) -> None:
    t = fleet_assembly[f"Member-{region}"]
    (role_id,) = [k for k in of_type(t, "AWS::IAM::Role") if k.startswith("FleetVerifier")]
    (policy,) = [r["Properties"]["PolicyDocument"] for r in of_type(t, "AWS::IAM::ManagedPolicy").values() if r["Properties"]["Roles"] == [{"Ref": role_id}]]
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert all(s["Effect"] == "Allow" for s in by_sid.values())
    # Conditions only where the resource cannot be narrower (the region, the bucket's owner)
    # and where the key may only be used through Lambda.
    assert {sid: s["Condition"] for sid, s in by_sid.items() if "Condition" in s} == {
        "ReadEndpointPolicies": {"StringEquals": {"aws:RequestedRegion": region}},
        "ListDnsFirewallAssociations": {"StringEquals": {"aws:RequestedRegion": region}},
        "ReadTheDeployedProbeCode": {"StringEquals": {"s3:ResourceAccount": FLEET_ADMIN}},
        "ReadTheProbesEnvironmentThroughLambda": {"StringEquals": {"kms:ViaService": f"lambda.{region}.amazonaws.com"}},
    }
    probes = sorted(k for k in of_type(t, "AWS::Lambda::Function") if k.startswith("Probe"))
    assert len(probes) == 2
    read = by_sid["ReadAndPublishTheTwoProbes"]
    assert sorted(read["Action"]) == ["lambda:GetFunctionConfiguration", "lambda:PublishVersion"]
    assert sorted(r["Fn::GetAtt"][0] for r in read["Resource"]) == probes
    # Invoked: only published versions (1 to 9999), never the unqualified function ($LATEST).
    invoke = by_sid["InvokeTheirPublishedVersions"]
    assert invoke["Action"] == "lambda:InvokeFunction"
    assert sorted((r["Fn::Join"][1][0]["Fn::GetAtt"][0], r["Fn::Join"][1][1]) for r in invoke["Resource"]) == sorted(
        (p, ":" + "?" * n) for p in probes for n in range(1, 5))
    (key_id,) = [k for k in of_type(t, "AWS::KMS::Key") if k.startswith("LogKey")]
    decrypt = by_sid["ReadTheProbesEnvironmentThroughLambda"]
    assert (decrypt["Action"], decrypt["Resource"]) == ("kms:Decrypt", {"Fn::GetAtt": [key_id, "Arn"]})
    assert by_sid["ReadThisStack"]["Resource"] == {"Ref": "AWS::StackId"}
    assert sorted(by_sid["ReadThisStack"]["Action"]) == ["cloudformation:DescribeStacks", "cloudformation:GetTemplate", "cloudformation:ListStackResources"]
    keys = {fn["Properties"]["Code"]["S3Key"] for k, fn in of_type(t, "AWS::Lambda::Function").items() if k in probes}
    assert by_sid["ReadTheDeployedProbeCode"]["Resource"] == f"arn:aws:s3:::private-bedrock-fleet-{FLEET_ADMIN}-{region}/{keys.pop()}"
    identity = [k for k, r in of_type(t, "AWS::IAM::ManagedPolicy").items() if r["Properties"].get("Description", "").startswith("Amazon Bedrock")]
    assert by_sid["ReadTheIdentityPolicy"]["Resource"] == {"Ref": identity[0]}
    # The DNS Firewall: this stack's rule group and domain lists, by id.
    (group,) = of_type(t, "AWS::Route53Resolver::FirewallRuleGroup")
    lists = sorted(of_type(t, "AWS::Route53Resolver::FirewallDomainList"))
    named = lambda resource: [p["Ref"] for p in resource["Fn::Join"][1] if isinstance(p, dict) and "Ref" in p and not p["Ref"].startswith("AWS::")]  # noqa: E731
    assert named(by_sid["ReadOurDnsFirewallRules"]["Resource"]) == [group]
    assert sorted(n for r in by_sid["ReadOurDnsFirewallDomains"]["Resource"] for n in named(r)) == lists
    # The only `*` are the two calls without resource-level permissions; the only write is a version.
    stars = sorted(s["Sid"] for s in by_sid.values() if s["Resource"] == "*")
    assert stars == ["ListDnsFirewallAssociations", "ReadEndpointPolicies"] and by_sid["ReadEndpointPolicies"]["Action"] == "ec2:DescribeVpcEndpoints"
    actions = {a for s in by_sid.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    verbs = {a.split(":")[1] for a in actions}
    assert verbs <= {"DescribeStacks", "GetTemplate", "ListStackResources", "GetFunctionConfiguration", "PublishVersion", "InvokeFunction", "Decrypt",
                     "GetObject", "GetPolicy", "GetPolicyVersion", "DescribeVpcEndpoints", "GetFirewallConfig", "ListFirewallRuleGroupAssociations",
                     "ListFirewallRules", "ListFirewallDomains"}


def test_the_summary_prints_the_stack_set_targets(fleet_out, capsys) -> None:
    from private_bedrock.tools.report.summary import main

    assert main(["summary", str(fleet_out)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "StackSets (stack PrivateBedrockFleet in 999988887777 / us-east-1, callAs DELEGATED_ADMIN, service-managed):" in text
    assert "targets: every account of ou-ab12-cd34ef56, ou-ab12-99887766 except accounts 123456789012" in text
    assert "regions in rollout order: ap-northeast-1 -> us-east-1" in text
    assert "auto-deployment: on, stacks retained when an account leaves the OUs" in text
    assert "PrivateBedrock-us-east-1" in text and "PrivateBedrock-ap-northeast-1" in text
    assert "nag packs AwsSolutions, NIST 800-53 R5, HIPAA Security: clean" in text
    assert "(give them the managed policy PrivateBedrockFleetVerifyCaller: `make verify FLEET=cdk.out`)" in text
    # No fence configured: one line; the fleet form's lines need a fence (below).
    assert "organisation fence: not configured" in text and "aws:VpceAccount" not in text
    # What to run next: the StackSets, then the fleet's verification; no per-region deploy.
    steps = text[text.index("next steps:"):]
    assert steps.index("`make deploy-fleet`") < steps.index("`make verify FLEET=cdk.out`") and "make deploy REGION" not in steps


def test_the_summary_says_why_a_fleet_fence_has_no_ids(fleet_out, tmp_path, capsys) -> None:
    """The fence written next to the fleet is the fleet form, and the summary says why."""
    import shutil

    from private_bedrock.config.app_config import load_config
    from private_bedrock.fence_files import write_fence_files
    from private_bedrock.policies.scp import fence_policies
    from private_bedrock.tools.report.summary import main

    out = tmp_path / "cdk.out"
    shutil.copytree(fleet_out, out, ignore=shutil.ignore_patterns("asset.*"))  # the templates and manifests are enough
    config = load_config({**FLEET_CONTEXT, "fence": {"targets": ["ou-ab12-cdef3456"]}}, None)
    write_fence_files(out, config, fence_policies(config))
    assert main(["summary", str(out)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert ("network: Bedrock only through VPC endpoints of the caller's own account (aws:VpceAccount = ${aws:PrincipalAccount}), "
            "because fleet.enabled gives every member account endpoints of its own") in text
    assert "[field] AWS does not document aws:VpceAccount for Bedrock" in text and "exactly this deployment" not in text
    steps = text[text.index("next steps:"):]
    assert "`make fence-ids`" not in steps and steps.index("`make verify FLEET=cdk.out`") < steps.index("`make deploy-fence`")


def test_the_nag_packs_see_inside_a_stack_sets_stack(tmp_path) -> None:
    """The fixture's clean synth means something only if the packs walk StackSetStacks too:
    an unencrypted, unlogged bucket inside one must fail the synth."""
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3
    from cdk_stacksets import StackSetStack

    from stacks.build import NAG_PACKS

    app = cdk.App(outdir=str(tmp_path))
    for pack in NAG_PACKS:
        cdk.Validations.of(app).add_plugins(pack(app))
    parent = cdk.Stack(app, "Parent", env=cdk.Environment(account=FLEET_ADMIN, region="us-east-1"))
    member = StackSetStack(parent, "Member")
    s3.CfnBucket(member, "Plain")
    with pytest.raises(Exception, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    found = {(v["ruleName"], c["constructPath"]) for p in report["pluginReports"] for v in p["violations"] for c in v["violatingConstructs"]}
    assert ("AwsSolutions-S1", "Parent/Member/Plain") in found
    assert ("NIST.800.53.R5-S3BucketVersioningEnabled", "Parent/Member/Plain") in found
