"""Shared fixtures: hermetic syntheses, one per configuration per test session.

Hermetic: no synthesis here reads the repository's cdk.json, its cdk.context.json or the
user's ~/.cdk.json. The CLI runs in a throwaway project whose cdk.json names only the app
(so the configuration is the code's defaults plus what a test passes with -c), with HOME
pointing at an empty folder; in-process apps get exactly the context a test gives them
(plus the app's feature flags, which live in code). A user's edits to cdk.json therefore
never change what the tests see, and a changed code default shows up as a test failure.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.run_once import folder_once, value_once

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
# The code's default regions (private_bedrock/config/context_keys.py DEFAULT_REGIONS), restated: a changed default
# must fail a test, not silently move the fixtures along.
DEFAULT_REGIONS = ("us-east-1", "ap-northeast-1")
# An empty HOME for every CLI run: the user's ~/.cdk.json (context, profile) stays out.
EMPTY_HOME = Path(tempfile.mkdtemp(prefix="cdk-test-home-"))
# ...but not jsii's package cache, which lives under HOME too: without it every app run under
# the CLI unpacks aws-cdk-lib afresh (about 7 s a run). The cache holds the unpacked npm
# packages keyed by their content hash, no configuration, so sharing it keeps the runs hermetic.
JSII_PACKAGE_CACHE = Path(os.environ.get("JSII_RUNTIME_PACKAGE_CACHE_ROOT") or Path.home() / ".cache" / "aws" / "jsii" / "package-cache")


# CDK's built-in CloudFormation validation (aws-cdk-lib 2.275.0 here) runs a WebAssembly rule engine
# at every synth: about 4-5 s to start it in each process, and its findings are only ever
# warnings (errors are downgraded unless an app opts in). The in-process syntheses of the test
# workers skip it (the jsii kernel reads this variable when it starts); the CLI synth of the
# default configuration keeps it, because offline_env() drops CDK_* variables, exactly as
# `make synth` runs, and tests/unit/test_assembly_and_summary.py asserts its report is clean.
os.environ["CDK_VALIDATION"] = "false"


def offline_env(**extra: str) -> dict[str, str]:
    """The environment `make synth` gives the CDK CLI: no credentials, pinned Node."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_")) or k == "CDK_DISABLE_CLI_TELEMETRY"}
    env.update(
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_CONFIG_FILE="/dev/null",
        AWS_EC2_METADATA_DISABLED="true",
        CDK_DISABLE_CLI_TELEMETRY="true",
        JSII_NODE=str(NODE_BIN / "node"),
        PATH=f"{NODE_BIN}:{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}",
        PYTHONDONTWRITEBYTECODE="1",
        HOME=str(EMPTY_HOME),
        JSII_RUNTIME_PACKAGE_CACHE_ROOT=str(JSII_PACKAGE_CACHE),
    )
    env.update(extra)
    return env


def hermetic_project(workdir: Path, context: dict | None = None) -> Path:
    """A throwaway CDK project running this repo's app.py with only `context` as configuration.

    The CLI writes lookups to this project's cdk.context.json, never to the repository's.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    app = f"{sys.executable} {ROOT / 'app.py'}"
    (workdir / "cdk.json").write_text(json.dumps({"app": app, "context": context or {}}, indent=1))
    return workdir


def cdk_synth(outdir: Path, *context: str, project: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`cdk synth` of the app in a hermetic project (default: a sibling of `outdir`)."""
    project = project or hermetic_project(outdir.parent / f"{outdir.name}-project")
    args = [str(NODE_BIN / "cdk"), "synth", "--no-notices", "--quiet", "-o", str(outdir)]
    for c in context:
        args += ["-c", c]
    return subprocess.run(args, cwd=project, env=offline_env(), capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The code's default configuration synthesized once by the pinned CLI, nag packs included."""

    def synth(out: Path) -> None:
        result = cdk_synth(out)
        assert result.returncode == 0, f"cdk synth failed:\n{result.stdout}\n{result.stderr}"

    return folder_once(tmp_path_factory, "cdk.out", synth)


@pytest.fixture(scope="session")
def templates(cdk_out: Path) -> dict[str, dict]:
    """region -> parsed CloudFormation template of PrivateBedrock-<region>."""
    return {r: json.loads((cdk_out / f"PrivateBedrock-{r}.template.json").read_text()) for r in DEFAULT_REGIONS}


_synth_outdir: Path | None = None


def _shared_outdir() -> Path:
    """One cloud-assembly folder for every in-process synth of this process.

    CDK stages an asset once per output folder (its asset cache is keyed by the folder), so a
    folder per synth meant bundling and copying the probe's ~2,500 files for every
    configuration, and deleting them again when the jsii kernel exits. Sharing it is safe: a
    process synthesizes one app at a time, and each synth's templates are read from its own
    manifest before the next synth writes another."""
    global _synth_outdir
    if _synth_outdir is None:
        _synth_outdir = Path(tempfile.mkdtemp(prefix="cdk-synth-in-process-"))
        atexit.register(shutil.rmtree, _synth_outdir, True)
    return _synth_outdir


def synth_in_process(context: dict, account: str | None = None) -> dict[str, dict]:
    """Build the app as app.py does (nag packs included) with exactly `context`; stack id -> template."""
    import aws_cdk as cdk

    from stacks.build import build

    os.environ.setdefault("JSII_NODE", str(NODE_BIN / "node"))
    # CDK_CONTEXT_JSON (set when a test runs under the CLI) would leak context in.
    os.environ.pop("CDK_CONTEXT_JSON", None)
    # build() adds the app's feature flags (private_bedrock/config/feature_flags.py).
    app = cdk.App(context=context, outdir=str(_shared_outdir()))
    _, stacks = build(app, account)
    assembly = app.synth()
    return {s.stack_name: assembly.get_stack_by_name(s.stack_name).template for s in stacks}


# The optional features, synthesized once per session (nag packs included) for the unit and
# security tests alike: us-east-1 with every endpoint, every capability that goes with
# bedrock-mantle, named agents, on-premises CIDRs (and their Resolver inbound endpoint) and an
# extra principal; us-west-2 with a
# guardrail enforced on bedrock-runtime (guardrails cannot go with bedrock-mantle).
OPTIONAL_WORKLOAD = "arn:aws:iam::111122223333:role/my-workload"
OPTIONAL_KEY_ADMIN = "arn:aws:iam::111122223333:role/key-admin"
OPTIONAL_ALIAS = "arn:aws:bedrock:us-east-1:111122223333:agent-alias/AGENT12345/ALIAS12345"
OPTIONAL_KB = "arn:aws:bedrock:us-east-1:111122223333:knowledge-base/KB12345678"
OPTIONAL_GUARDRAIL = "arn:aws:bedrock:us-west-2:111122223333:guardrail/abc123def456"
OPTIONAL_CONTEXT = {
    "regions": ["us-east-1", "us-west-2"],
    "onPremCidrs": ["192.168.10.0/24"],
    "resolverInboundEndpoint": True,
    "endpoints": ["bedrock", "bedrock-runtime", "bedrock-mantle", "bedrock-agent", "bedrock-agent-runtime"],
    "extraPrincipalArns": [OPTIONAL_WORKLOAD],
    "dnsAllowedDomains": ["corp.example.com", "*.corp.example.com"],
    "keyAdminArns": [OPTIONAL_KEY_ADMIN],
    "capabilities": ["inference", "streaming", "bidirectionalStreaming", "countTokens", "asyncInvoke", "storedResponses", "serverSideTools", "externalWebAccess"],
    "agentAliasArns": [OPTIONAL_ALIAS],
    "knowledgeBaseArns": [OPTIONAL_KB],
    "regionOverrides": {
        "us-west-2": {
            "endpoints": ["bedrock", "bedrock-runtime"],
            "capabilities": ["inference", "streaming", "guardrails"],
            "guardrailArn": OPTIONAL_GUARDRAIL,
            "inferenceScope": "geography",
            "runtimeModels": ["us.amazon.nova-lite-v1:0"],
            "agentAliasArns": [],
            "knowledgeBaseArns": [],
        }
    },
}


# --- hub and spoke (issue 11): one synth each per session -------------------------------

SPOKE_ACCOUNT = "222233334444"  # the spoke's account in the matrix and the templates' tests
HUB_VPC_CIDR = "10.80.0.0/16"
SPOKE_CIDR = "10.90.0.0/16"
SPOKE_PROBE_ARN = f"arn:aws:iam::{SPOKE_ACCOUNT}:role/PrivateBedrock-us-east-1-Probe"
SPOKE_VPC = "vpc-05b0ce0000000000a"
SPOKE_SUBNETS = ["subnet-05b0ce0000000000a", "subnet-05b0ce0000000000b"]
HUB_PROFILE_ID = "rp-0a1b2c3d4e5f6a7b"
HUB_CONTEXT = {
    "regions": ["us-east-1"],
    "topology": "hub",
    "vpcCidr": HUB_VPC_CIDR,
    "spokeCidrs": [SPOKE_CIDR],
    "spokePrincipalArns": [SPOKE_PROBE_ARN],
}


@pytest.fixture(scope="session")
def optional_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """stack name -> template of the optional-features configuration (one in-process synth)."""
    return value_once(tmp_path_factory, "optional", lambda: synth_in_process(OPTIONAL_CONTEXT))


@pytest.fixture(scope="session")
def hub_template(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A hub in us-east-1 (new VPC) admitting one spoke account's probe role."""
    return value_once(tmp_path_factory, "hub", lambda: synth_in_process(HUB_CONTEXT)["PrivateBedrock-us-east-1"])


@pytest.fixture(scope="session")
def spoke_template(hub_template: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A spoke of that hub in us-east-1: an existing VPC, the hub's endpoint ids as the IAM
    matrix deploys them (private_bedrock/tools/prove/resolve.py's fake ids), the hub's Profile."""
    from private_bedrock.tools.prove.resolve import fake_vpce_id

    ids = [
        f"{r['Properties']['ServiceName'].rsplit('.', 1)[1]}={fake_vpce_id(lid)}"
        for lid, r in hub_template["Resources"].items()
        if r["Type"] == "AWS::EC2::VPCEndpoint"
    ]
    context = {
        "regions": ["us-east-1"],
        "topology": "spoke",
        "vpcId": SPOKE_VPC,
        "subnetIds": SPOKE_SUBNETS,
        "hubVpcCidr": HUB_VPC_CIDR,
        "hubDnsProfileId": HUB_PROFILE_ID,
        "hubEndpointIds": ids,
    }
    return value_once(tmp_path_factory, "spoke", lambda: synth_in_process(context)["PrivateBedrock-us-east-1"])


# --- StackSets delivery (issue 13): one synth per session ------------------------------

FLEET_ADMIN = "999988887777"
FLEET_ORG = "o-a1b2c3d4e5"
FLEET_CALLER = f"arn:aws:iam::{FLEET_ADMIN}:role/PlatformVerify"
FLEET_CONTEXT = {
    "regions": ["us-east-1", "ap-northeast-1"],
    "fleet": {
        "enabled": True,
        "administratorAccount": FLEET_ADMIN,
        "callAs": "DELEGATED_ADMIN",
        "organizationId": FLEET_ORG,
        "organizationalUnits": ["ou-ab12-cd34ef56", "ou-ab12-99887766"],
        "excludeAccounts": ["123456789012"],
        "regionOrder": ["ap-northeast-1", "us-east-1"],
        "verifierCallerArns": [FLEET_CALLER],
    },
}


@pytest.fixture(scope="session")
def fleet_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fleet configuration built as app.py does, into a cloud assembly (nag packs
    included: a finding anywhere, the StackSets' member stacks included, fails the synth)."""

    def synth(out: Path) -> None:
        import aws_cdk as cdk

        from stacks.build import build

        os.environ.setdefault("JSII_NODE", str(NODE_BIN / "node"))
        os.environ.pop("CDK_CONTEXT_JSON", None)
        app = cdk.App(context=FLEET_CONTEXT, outdir=str(out))
        build(app, None)
        app.synth()

    return folder_once(tmp_path_factory, "fleet.out", synth)


@pytest.fixture(scope="session")
def fleet_assembly(fleet_out: Path) -> dict[str, dict]:
    """Template name -> template: the administrator's stacks, and each StackSet's member
    template under "Member-<region>" (located through the fleet stack's metadata)."""
    from private_bedrock.tools.report.assembly import fleet, stacks

    delivery = fleet(fleet_out)
    assert delivery is not None
    templates = {s.stack_id: s.template() for s in stacks(fleet_out)}
    manifest = json.loads((fleet_out / "manifest.json").read_text())["artifacts"]
    for name, art in manifest.items():
        if art.get("type") == "aws:cloudformation:stack":
            templates[name] = json.loads((fleet_out / art["properties"]["templateFile"]).read_text())
    for member in delivery.members:
        templates[f"Member-{member.region}"] = member.template()
    return templates


# --- configurations of single test files, shared with the scanners (tests/security/test_scanners.py)


@pytest.fixture(scope="session")
def existing_vpc_template(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """us-east-1 in an existing VPC from the ids alone (tests/unit/test_existing_vpc.py)."""
    from tests.unit.test_existing_vpc import existing_ctx

    return value_once(tmp_path_factory, "existing-vpc", lambda: synth_in_process(existing_ctx())["PrivateBedrock-us-east-1"])


@pytest.fixture(scope="session")
def fenced_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """app.py's build with the fence enabled, as a cloud assembly (tests/unit/test_fence_stack.py)."""
    import aws_cdk as cdk

    from stacks.build import build
    from tests.unit.test_fence_stack import FENCE, IDS

    def synth(out: Path) -> None:
        os.environ.setdefault("JSII_NODE", str(NODE_BIN / "node"))
        os.environ.pop("CDK_CONTEXT_JSON", None)  # exactly the context below
        app = cdk.App(outdir=str(out), context={"regions": ["us-east-1"], "fence": FENCE, "fenceEndpointIds": IDS})
        build(app, None)
        app.synth()

    return folder_once(tmp_path_factory, "fenced.out", synth)


def assembly_templates(out: Path) -> dict[str, dict]:
    """Stack id -> template of every stack in a cloud assembly's manifest."""
    manifest = json.loads((out / "manifest.json").read_text())["artifacts"]
    return {
        name: json.loads((out / art["properties"]["templateFile"]).read_text())
        for name, art in manifest.items()
        if art.get("type") == "aws:cloudformation:stack"
    }
