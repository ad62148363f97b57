"""private_bedrock.tools.verify.regional against local stand-ins of CloudFormation, Lambda, S3, EC2, IAM and Route 53
Resolver (real boto3 over HTTP), fed with the us-east-1 template the session synthesized.

What the probes should find comes from the deployed template; a probe whose configuration
differs from it is refused, and policies that drifted are named.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fakes.aws_control_servers import DeployedStack, FakeStackAndLambda  # noqa: E402
from tests.fakes.probe_env import isolate_aws  # noqa: E402
from private_bedrock.tools.verify import deployed_template as dt  # noqa: E402
from private_bedrock.tools.verify import regional as verify  # noqa: E402

REGION = "us-east-1"
STACK = f"PrivateBedrock-{REGION}"
SERVICES = ("CLOUDFORMATION", "LAMBDA", "S3", "EC2", "IAM", "ROUTE53RESOLVER")


@pytest.fixture
def deployed(templates: dict[str, dict], cdk_out: Path) -> DeployedStack:
    """What CloudFormation deployed from the session's us-east-1 template and its built
    assets (fresh per test)."""
    return DeployedStack.from_template(STACK, REGION, templates[REGION], assembly=cdk_out)


def planned(stack: DeployedStack, kind: str) -> dict[str, str]:
    fn = next(f for f in dt.expected_functions(stack.template, _symbols(stack)).values() if f.kind == kind)
    return dt.expected_checks(fn, REGION)


def _symbols(stack: DeployedStack):
    return dt.physical_symbols(stack.template, stack.physical, REGION, "123456789012", STACK)


def report(kind: str, outcomes: dict[str, str], lie: bool = False) -> dict:
    """A probe report whose outcomes are `outcomes`; `lie` makes it claim every check passed."""
    checks = [{"name": n, "endpoint": "https://x", "expected": o if lie else e, "outcome": o, "passed": lie or o == e,
               "detail": "", "latency_ms": 12.5} for n, (e, o) in outcomes.items()]
    return {"passed": all(c["passed"] for c in checks), "region": REGION, "probe_kind": kind, "checks": checks, "skipped": []}


def good_reports(stack: DeployedStack) -> dict:
    return {stack.outputs[out]: report(kind, {n: (e, e) for n, e in planned(stack, kind).items()})
            for kind, out in dt.PROBE_OUTPUTS.items()}


@pytest.fixture
def cli(monkeypatch, tmp_path, capsys, cdk_out):
    """verify's CLI against `fake`, judged by the session's cloud assembly unless the test
    passes --assembly or --against-deployed itself (never the user's cdk.out)."""

    def _cli(fake, *args, credentials=True):
        if "--assembly" not in args and "--against-deployed" not in args:
            args = (*args, "--assembly", str(cdk_out))
        isolate_aws(monkeypatch, tmp_path)
        if credentials:
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDVERIFYTEST000001")
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "verify-test-secret")
        if fake is not None:
            for service in SERVICES:
                monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", fake.url)
        code = verify.main(["--region", REGION, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return _cli


def test_matching_stack_passes_and_reads_only_the_template(cli, deployed) -> None:
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, err = cli(fake)
    assert code == 0, out + err
    assert "vpc probe: " in out and "control probe: " in out and "all checks passed" in out
    assert "runtime_converse_denied_model" in out and "PASS" in out
    assert {"GetTemplate", "ListStackResources", "GetFunctionConfiguration", "PublishVersion", "GetObject", "DescribeVpcEndpoints",
            "GetPolicyVersion", "GetFirewallConfig", "ListFirewallRuleGroupAssociations", "ListFirewallRules", "ListFirewallDomains"} <= set(fake.calls)
    assert {t for _, _, t in fake.invoked} == {"RequestResponse"} and len(fake.invoked) == 2
    # Each probe's published version is what ran, never $LATEST.
    assert fake.qualifiers == ["1", "1"] and all(len(v) == 1 for v in deployed.versions.values())


def test_json_output_is_the_combined_result(cli, deployed) -> None:
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 0 and result["passed"] is True and result["stack_name"] == STACK
    assert result["refused"] == [] and result["drift"] == []
    assert result["probes"]["control"]["function"] == deployed.outputs["ControlProbeFunctionName"]


def test_a_check_that_missed_its_expectation_exits_one(cli, deployed) -> None:
    reports = good_reports(deployed)
    vpc = deployed.outputs["ProbeFunctionName"]
    outcomes = {n: (e, e) for n, e in planned(deployed, "vpc").items()}
    outcomes["runtime_converse_denied_model"] = ("denied", "allowed")
    reports[vpc] = report("vpc", outcomes)
    with FakeStackAndLambda({STACK: deployed}, reports) as fake:
        code, out, _ = cli(fake)
    assert code == 1 and "FAIL" in out and "verification FAILED" in out


def test_a_lying_probe_is_judged_by_the_template(cli, deployed) -> None:
    """A probe (or a tampered report) claiming 'allowed' was expected is re-judged."""
    reports = good_reports(deployed)
    control = deployed.outputs["ControlProbeFunctionName"]
    outcomes = {n: (e, "allowed") for n, e in planned(deployed, "control").items()}
    reports[control] = report("control", outcomes, lie=True)
    assert reports[control]["passed"] is True
    with FakeStackAndLambda({STACK: deployed}, reports) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 1 and result["probes"]["control"]["report"]["passed"] is False
    assert any("the template says 'denied'" in m for m in result["probes"]["control"]["mismatches"])


def test_a_missing_check_fails(cli, deployed) -> None:
    reports = good_reports(deployed)
    vpc = deployed.outputs["ProbeFunctionName"]
    reports[vpc]["checks"] = [c for c in reports[vpc]["checks"] if c["name"] != "mantle_bearer_token"]
    with FakeStackAndLambda({STACK: deployed}, reports) as fake:
        code, out, _ = cli(fake, "--json")
    assert code == 1
    assert "mantle_bearer_token: planned by the template but not reported by the probe" in json.loads(out)["probes"]["vpc"]["mismatches"]


def test_flipped_expectation_in_the_environment_is_refused(cli, deployed) -> None:
    env = deployed.function_named("ProbeFunctionName")["Environment"]["Variables"]
    env["EXPECT_BEARER"] = "allowed"
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 1 and fake.invoked == [] and result["probes"] == {}
    (line,) = result["refused"]
    assert "EXPECT_BEARER is 'allowed', the template says 'denied'" in line


def test_endpoint_url_override_is_refused(cli, deployed) -> None:
    env = deployed.function_named("ControlProbeFunctionName")["Environment"]["Variables"]
    env["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = "https://fake.example.com"
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake)
    assert code == 1 and fake.invoked == []
    assert "AWS_ENDPOINT_URL_BEDROCK_RUNTIME='https://fake.example.com' redirects the SDK" in out
    assert "The probes were not run" in out


def test_replaced_probe_code_is_refused(cli, deployed) -> None:
    deployed.function_named("ProbeFunctionName")["CodeSha256"] = "bm90IHRoZSBkZXBsb3llZCBjb2Rl"
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    assert code == 1 and fake.invoked == []
    assert "its code (SHA-256 bm90IHRoZSBkZXBsb3llZCBjb2Rl) is not the asset" in json.loads(out)["refused"][0]


def test_tampered_endpoint_policy_is_drift(cli, deployed) -> None:
    vpce = next(v for v, (svc, _) in deployed.endpoint_policies.items() if svc.endswith(".bedrock-runtime"))
    service, document = deployed.endpoint_policies[vpce]
    policy = json.loads(document)
    allow = next(s for s in policy["Statement"] if s["Effect"] == "Allow")
    allow["Principal"] = {"AWS": "*"}
    deployed.endpoint_policies[vpce] = (service, json.dumps(policy))
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 1 and result["passed"] is False
    (line,) = result["drift"]
    assert line.startswith(f"endpoint policy of bedrock-runtime ({vpce}): statement ") and "differs in Principal" in line


def test_tampered_identity_policy_is_drift(cli, deployed) -> None:
    (arn,) = deployed.managed_policies
    doc = copy.deepcopy(deployed.managed_policies[arn])
    doc["Statement"] = [s for s in doc["Statement"] if s["Effect"] != "Deny" or "CallWithBearerToken" not in json.dumps(s)]
    assert doc["Statement"] != deployed.managed_policies[arn]["Statement"]
    deployed.managed_policies[arn] = doc
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake)
    assert code == 1
    assert "drift: identity policy" in out and "is missing from the deployed policy" in out


def test_dns_firewall_failing_open_is_drift(cli, deployed) -> None:
    (vpc,) = deployed.firewall_fail_open
    deployed.firewall_fail_open[vpc] = "ENABLED"
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    assert code == 1
    assert json.loads(out)["drift"] == [f"DNS Firewall of {vpc}: FirewallFailOpen is ENABLED; it must be DISABLED (a query the firewall cannot judge would be answered)"]


def test_a_crashed_probe_exits_one(cli, deployed) -> None:
    reports = good_reports(deployed)
    reports[deployed.outputs["ControlProbeFunctionName"]] = ("unhandled", "Task timed out after 60.00 seconds")
    with FakeStackAndLambda({STACK: deployed}, reports) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 1 and result["passed"] is False
    assert "Task timed out" in result["probes"]["control"]["report"]["error"]


def test_custom_stack_name(cli, templates, cdk_out) -> None:
    other = DeployedStack.from_template("Other", REGION, templates[REGION], assembly=cdk_out)
    with FakeStackAndLambda({"Other": other}, good_reports(other)) as fake:
        code, _, err = cli(fake, "--stack-name", "Other")
    assert code == 0, err


def test_missing_stack_is_one_sentence(cli) -> None:
    with FakeStackAndLambda({}, {}) as fake:
        code, out, err = cli(fake)
    assert code == 2 and out == ""
    assert err.strip() == f"Stack {STACK} is not deployed in {REGION}; deploy it first (cdk deploy {STACK})."


def test_no_credentials_is_one_sentence(cli) -> None:
    code, out, err = cli(None, credentials=False)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("No AWS credentials were found")


def test_module_entry_point_prints_no_traceback(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
               AWS_EC2_METADATA_DISABLED="true")
    proc = subprocess.run([sys.executable, "-m", "private_bedrock.tools.verify.regional", "--region", "eu-west-1", "--against-deployed"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("No AWS credentials were found")


def test_no_local_assembly_is_one_sentence(cli, tmp_path) -> None:
    code, out, err = cli(None, "--assembly", str(tmp_path / "missing"))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"No cloud assembly in {tmp_path / 'missing'} (no manifest.json); run `make synth` first.")
    assert "--against-deployed" in err


# ----------------------------------------------------------------- what runs: the probe's configuration

LAYER = "arn:aws:lambda:us-east-1:444455556666:layer:answers-anything:3"
TAMPERED = {
    # field named in the refusal -> how the function was changed (UpdateFunctionConfiguration)
    "Runtime": lambda c: {"Runtime": "python3.9"},
    "Handler": lambda c: {"Handler": "shim.handler"},
    "Layers": lambda c: {"Layers": [{"Arn": LAYER, "CodeSize": 1024}]},
    "Role": lambda c: {"Role": c["Role"].rsplit("/", 1)[0] + "/BroaderRole"},
    "SubnetIds": lambda c: {"VpcConfig": {**c["VpcConfig"], "SubnetIds": ["subnet-0public0000000000a"]}},
    "SecurityGroupIds": lambda c: {"VpcConfig": {**c["VpcConfig"], "SecurityGroupIds": [*c["VpcConfig"]["SecurityGroupIds"], "sg-0open000000000000a"]}},
    "Architectures": lambda c: {"Architectures": ["x86_64"]},
    "KMSKeyArn": lambda c: {"KMSKeyArn": "arn:aws:kms:us-east-1:123456789012:key/00000000-1111-2222-3333-444444444444"},
    "LogGroup": lambda c: {"LoggingConfig": {**c["LoggingConfig"], "LogGroup": "/somewhere/else"}},
    "Timeout": lambda c: {"Timeout": 3},
    "FileSystemConfigs": lambda c: {"FileSystemConfigs": [{"Arn": "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123", "LocalMountPath": "/mnt/x"}]},
}


@pytest.mark.parametrize("field", sorted(TAMPERED))
def test_a_probe_changed_in_anything_that_changes_what_runs_is_refused(cli, deployed, field) -> None:
    from tests.fakes.aws_control_servers import revise

    conf = deployed.function_named("ProbeFunctionName")
    sha = conf["CodeSha256"]
    revise(conf, **TAMPERED[field](conf))
    assert conf["CodeSha256"] == sha  # the code did not change: only the configuration did
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 1 and fake.invoked == [] and result["probes"] == {}
    assert "PublishVersion" not in fake.calls  # nothing is published from a configuration that failed
    (line,) = result["refused"]
    assert line.startswith(f"vpc probe {conf['FunctionName']}: {field} (") and "the template says" in line


def test_a_layer_is_named_with_its_arn(cli, deployed) -> None:
    from tests.fakes.aws_control_servers import revise

    revise(deployed.function_named("ControlProbeFunctionName"), Layers=[{"Arn": LAYER, "CodeSize": 1}])
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    assert code == 1 and fake.invoked == []
    (line,) = json.loads(out)["refused"]
    assert line.endswith(f"Layers (code added to the function) is [{LAYER}], the template says none")


def test_code_that_matches_its_bucket_object_but_not_the_local_asset_is_refused(cli, deployed) -> None:
    """Someone replaced the asset object AND pointed the functions at it: the hashes agree
    with each other, only the locally built asset tells."""
    import base64
    import hashlib
    import io
    import zipfile

    fn = next(iter(dt.expected_functions(deployed.template, _symbols(deployed)).values()))
    key = (fn.code_bucket, fn.code_key)  # both probes deploy this object
    original = zipfile.ZipFile(io.BytesIO(deployed.objects[key]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as patched:
        for info in original.infolist():
            data = original.read(info)
            patched.writestr(info, b"def handler(event, context):\n    return FAKE_REPORT\n" if info.filename == "handler.py" else data)
    deployed.objects[key] = buffer.getvalue()
    sha = base64.b64encode(hashlib.sha256(deployed.objects[key]).digest()).decode()
    for conf in deployed.function_configs.values():
        conf["CodeSha256"] = sha
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 1 and fake.invoked == []
    assert len(result["refused"]) == 2  # one per probe
    assert all("its code is not the asset built in" in r and r.endswith("files 1 changed (handler.py)") for r in result["refused"])


def test_a_change_between_the_check_and_the_publish_is_refused(cli, deployed) -> None:
    """UpdateFunctionConfiguration lands after verify read the configuration: PublishVersion
    with the checked RevisionId fails, and nothing runs."""
    from tests.fakes.aws_control_servers import revise

    def meanwhile(name: str) -> None:
        if name == deployed.outputs["ProbeFunctionName"]:
            deployed.after_read = None
            revise(deployed.function_configs[name], Layers=[{"Arn": LAYER, "CodeSize": 1}])

    deployed.after_read = meanwhile
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 1 and fake.invoked == []
    assert any("changed while it was being verified" in r for r in result["refused"]), result["refused"]
    assert not deployed.versions.get(deployed.outputs["ProbeFunctionName"])


def test_the_checked_version_is_what_runs_and_a_second_run_publishes_nothing_new(cli, deployed) -> None:
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        first, out, _ = cli(fake, "--json")
        second, _, _ = cli(fake, "--json")
    assert (first, second) == (0, 0)
    assert fake.qualifiers == ["1", "1", "1", "1"]
    assert {k: p["version"] for k, p in json.loads(out)["probes"].items()} == {"vpc": "1", "control": "1"}
    assert all(len(v) == 1 for v in deployed.versions.values())


def test_an_environment_the_caller_cannot_decrypt_is_refused_with_the_reason(cli, deployed) -> None:
    conf = deployed.function_named("ProbeFunctionName")
    conf["Environment"] = {"Error": {"ErrorCode": "AccessDeniedException", "Message": "Lambda was unable to decrypt the environment variables"}}
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    (line,) = json.loads(out)["refused"]
    assert code == 1 and "its environment cannot be read (AccessDeniedException" in line and f"kms:Decrypt on {conf['KMSKeyArn']}" in line


# ----------------------------------------------------------------- the stack itself: a hand-edited template


def loosened(template: dict) -> tuple[dict, str]:
    """The template with the bedrock-runtime endpoint's first conditioned Allow unconditioned."""
    edited = copy.deepcopy(template)
    lid, endpoint = next((k, r) for k, r in edited["Resources"].items()
                         if r["Type"] == "AWS::EC2::VPCEndpoint" and json.dumps(r["Properties"]["ServiceName"]).endswith('.bedrock-runtime"'))
    allow = next(s for s in endpoint["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow" and "Condition" in s)
    del allow["Condition"]
    return edited, lid


def test_a_stack_updated_by_hand_with_a_looser_policy_is_named(cli, templates, cdk_out) -> None:
    edited, lid = loosened(templates[REGION])
    # CloudFormation deployed the edited template: the endpoint's policy is the edited one.
    by_hand = DeployedStack.from_template(STACK, REGION, edited, assembly=cdk_out)
    with FakeStackAndLambda({STACK: by_hand}, good_reports(by_hand)) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 1 and result["passed"] is False
    assert result["reference"].endswith("PrivateBedrock-us-east-1.template.json")
    assert f"stack template: resource {lid} (AWS::EC2::VPCEndpoint) differs from {result['reference']} in Properties.PolicyDocument.Statement" in result["drift"][0]
    # ...and the endpoint is judged by the local template, not by its own looser one.
    assert any(d.startswith("endpoint policy of bedrock-runtime") and "differs in Condition" in d for d in result["drift"][1:]), result["drift"]


def test_judged_against_itself_the_same_stack_passes_and_says_so(cli, templates, cdk_out) -> None:
    """Why the local template is the reference: the deployed one vouches for itself."""
    edited, _ = loosened(templates[REGION])
    by_hand = DeployedStack.from_template(STACK, REGION, edited, assembly=cdk_out)
    with FakeStackAndLambda({STACK: by_hand}, good_reports(by_hand)) as fake:
        code, out, _ = cli(fake, "--against-deployed")
    assert code == 0 and "judged against the deployed template itself" in out


def test_a_template_with_a_resource_the_local_one_lacks_is_named(cli, templates, cdk_out) -> None:
    edited = copy.deepcopy(templates[REGION])
    edited["Resources"]["BackdoorRole"] = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": []}}}
    by_hand = DeployedStack.from_template(STACK, REGION, edited, assembly=cdk_out)
    with FakeStackAndLambda({STACK: by_hand}, good_reports(by_hand)) as fake:
        code, out, _ = cli(fake, "--json")
    assert code == 1
    assert json.loads(out)["drift"] == [f"stack template: the deployed template has resource BackdoorRole (AWS::IAM::Role), which {json.loads(out)['reference']} does not"]


# ----------------------------------------------------------------- DNS Firewall


def _firewall(stack: DeployedStack) -> tuple[str, dict, str]:
    (vpc, (ours,)), = stack.firewall_associations.items()
    return vpc, ours, ours["FirewallRuleGroupId"]


def test_our_rule_group_moved_behind_another_is_drift(cli, deployed) -> None:
    vpc, ours, _ = _firewall(deployed)
    ours["Priority"] = 200
    deployed.firewall_associations[vpc].append({"Id": "rslvr-frgassoc-0other", "FirewallRuleGroupId": "rslvr-frg-0allowall", "VpcId": vpc,
                                                "Priority": 150, "Status": "COMPLETE"})
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    drift = json.loads(out)["drift"]
    assert code == 1
    assert f"DNS Firewall of {vpc}: our rule group runs at priority 200, the template says 100" in drift
    assert f"DNS Firewall of {vpc}: rule group rslvr-frg-0allowall (association rslvr-frgassoc-0other, priority 150) runs ahead of ours (200): its rules decide first, so an ALLOW there undercuts our block" in drift


def test_a_firewall_manager_group_ahead_is_noted_not_failed(cli, deployed) -> None:
    vpc, _, _ = _firewall(deployed)
    deployed.firewall_associations[vpc].insert(0, {"Id": "rslvr-frgassoc-0fms", "FirewallRuleGroupId": "rslvr-frg-0fms", "VpcId": vpc, "Priority": 1,
                                                   "Status": "COMPLETE", "ManagedOwnerName": "Route 53 Resolver DNS Firewall"})
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    result = json.loads(out)
    assert code == 0, result["drift"]
    (note,) = result["notes"]
    assert "rslvr-frg-0fms" in note and "managed by Route 53 Resolver DNS Firewall" in note


def test_a_missing_association_is_drift(cli, deployed) -> None:
    vpc, ours, group = _firewall(deployed)
    deployed.firewall_associations[vpc] = []
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    assert code == 1
    assert f"DNS Firewall of {vpc}: the association {ours['Id']} of rule group {group} is gone; nothing blocks public names" in json.loads(out)["drift"]


def test_an_edited_rule_or_domain_list_is_drift(cli, deployed) -> None:
    vpc, _, group = _firewall(deployed)
    block = next(r for r in deployed.firewall_rules[group] if r["Action"] == "BLOCK")
    block["Action"] = "ALERT"
    allowed = next(k for k, v in deployed.domain_lists.items() if v != ["*"])
    deployed.domain_lists[allowed].append("*.com.")
    with FakeStackAndLambda({STACK: deployed}, good_reports(deployed)) as fake:
        code, out, _ = cli(fake, "--json")
    drift = json.loads(out)["drift"]
    assert code == 1
    assert any(d.startswith(f"DNS Firewall of {vpc}: rule group {group} has a rule the template does not:") and "'ALERT'" in d for d in drift)
    assert any(d.startswith(f"DNS Firewall of {vpc}: rule ") and "'BLOCK'" in d and "is not in rule group" in d for d in drift)
    assert f"DNS Firewall of {vpc}: domain list {allowed} has names the template does not: *.com" in drift
