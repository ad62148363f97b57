"""Deploy rehearsal in a local AWS emulator (moto), without internet, AWS account or Docker.

What the rehearsal does, in order (see `rehearse`):

1. start moto's ThreadedMotoServer (in this process) on a free loopback port. The CLI and
   boto3 reach it as `http://localhost:<port>`, not 127.0.0.1: moto tells S3 bucket names
   from the request's host, and with `localhost` the CLI's asset uploads arrive path-style
   (/<bucket>/<key>), which moto serves;
2. `cdk bootstrap aws://<moto account>/<region>` for every region with the pinned CLI (the
   real bootstrap template, deployed by moto's CloudFormation), in the background while
   step 3 runs;
3. `cdk synth` with fake credentials, so the app sees a concrete account and takes the
   lookup path a real deployment takes: the CLI asks moto for the availability zones and
   for the zones of each endpoint service. moto lists bedrock and bedrock-runtime (in
   every zone) but not bedrock-mantle, so the rehearsal registers mantle in moto's
   endpoint-service catalogue (`offer_endpoint_service`, moto configuration in this
   process) for a subset of zones. Nothing is pre-seeded: the project directory is a
   temporary one, because the CLI writes lookups to ./cdk.context.json, and the repo's own
   cdk.context.json is never touched;
4. a rehearsal-only copy of the cloud assembly without its `Custom::*` resources (moto runs
   custom-resource handlers only through Docker, see `strip_custom_resources`);
5. `cdk deploy --all --require-approval never --concurrency <regions>` of that assembly with
   the pinned CLI.

The product's stacks are never changed; only the deployed copy of the assembly is.
"""

from __future__ import annotations

import ast
import contextlib
import json
import logging
import shutil
import subprocess
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from tests.conftest import NODE_BIN, hermetic_project, offline_env

CDK = str(NODE_BIN / "cdk")

# moto (5.2.5) answers DescribeVpcEndpointServices for bedrock and bedrock-runtime in every
# zone but does not know bedrock-mantle; the rehearsal offers it in these zones. They are
# deliberately narrower than the region (mantle was seen in only 3 of 6 us-east-1 zones,
# aws-facts) so the deploy exercises the placement code: in ap-northeast-1 one zone only,
# so the mantle endpoint gets one subnet while the other endpoints get two.
MANTLE_ZONES: Mapping[str, tuple[str, ...]] = {
    "us-east-1": ("us-east-1c", "us-east-1d", "us-east-1f"),
    "ap-northeast-1": ("ap-northeast-1d",),
}
MANTLE_PRIVATE_DNS = "bedrock-mantle.{region}.api.aws"

# Resource types moto's CloudFormation accepts but does not create (it logs "No Moto
# CloudFormation support for ..."); the rehearsal asserts these on the template instead
# (the DNS Firewall and resolver query logging: tests/security/test_hardening.py).
UNMODELLED_TYPES = frozenset(
    {
        "AWS::CDK::Metadata",
        "AWS::EC2::SecurityGroupEgress",
        # The monitoring's (tests/security/test_monitoring_template.py asserts them).
        "AWS::CloudWatch::Alarm",
        "AWS::Scheduler::Schedule",
        "AWS::SNS::TopicPolicy",
        "AWS::Route53Resolver::FirewallDomainList",
        "AWS::Route53Resolver::FirewallRuleGroup",
        "AWS::Route53Resolver::FirewallRuleGroupAssociation",
        "AWS::Route53Resolver::ResolverQueryLoggingConfig",
        "AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation",
    }
)
# Those only a hub or a spoke has: its DNS sharing and the spoke's attachment
# (tests/security/test_rehearsal_topology.py, GAPS, says where they are asserted).
TOPOLOGY_UNMODELLED_TYPES = frozenset(
    {
        "AWS::Route53Profiles::Profile",
        "AWS::Route53Profiles::ProfileResourceAssociation",
        "AWS::Route53Profiles::ProfileAssociation",
        "AWS::RAM::ResourceShare",
    }
)
UNMODELLED_TYPES = UNMODELLED_TYPES | TOPOLOGY_UNMODELLED_TYPES


class RehearsalError(AssertionError):
    """A step of the rehearsal failed; the message carries the CLI's output."""


def _run(args: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: int, what: str) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(list(args), cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as err:
        raise RehearsalError(f"{what} timed out after {timeout}s:\n{_tail(err.stdout)}\n{_tail(err.stderr)}") from err
    if result.returncode != 0:
        raise RehearsalError(f"{what} failed (exit {result.returncode}):\n{_tail(result.stdout)}\n{_tail(result.stderr)}")
    return result


def _tail(text: str | bytes | None, limit: int = 6000) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return (text or "")[-limit:]


# --------------------------------------------------------------------------- moto server


@dataclass
class Moto:
    endpoint: str  # http://localhost:<port>
    account: str


@contextlib.contextmanager
def moto_server() -> Iterator[Moto]:
    """moto in this process on an ephemeral loopback port, reset before use."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.server import ThreadedMotoServer

    # One line per request otherwise; failures are reported through the CLI's output.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # Port 0: the OS picks a free port at bind time, so there is no race with other users.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        _, port = server.get_host_and_port()
        endpoint = f"http://localhost:{port}"
        # Backends are process-global: drop anything an earlier in-process mock left behind.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        opener.open(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30).read()
        yield Moto(endpoint=endpoint, account=DEFAULT_ACCOUNT_ID)
    finally:
        server.stop()
        _forget_endpoint_services()


_OFFERED_REGIONS: set[str] = set()


def offer_endpoint_service(moto: Moto, region: str, service: str, zones: Sequence[str], private_dns_name: str) -> None:
    """Make moto's DescribeVpcEndpointServices list com.amazonaws.<region>.<service> in `zones`.

    moto builds its catalogue of AWS endpoint services once per region into a module-level
    cache (moto.ec2.models.vpcs.DEFAULT_VPC_ENDPOINT_SERVICES); the entry is added there, in
    the shape moto's own factory produces. The cache outlives moto's reset, so the regions
    touched are dropped again when the server stops (moto then rebuilds them unchanged).
    """
    from moto.core.base_backend import BaseBackend
    from moto.ec2.models import vpcs

    name = f"com.amazonaws.{region}.{service}"
    try:
        catalogue = vpcs.VPCBackend._collect_default_endpoint_services(moto.account, region)
    except AttributeError as err:  # pragma: no cover - a moto upgrade moved the internals
        raise RehearsalError(f"moto {_moto_version()} no longer has the endpoint-service catalogue this rehearsal extends: {err}") from err
    with vpcs.ENDPOINT_SERVICE_COLLECTION_LOCK:
        catalogue[:] = [s for s in catalogue if s["ServiceName"] != name]
        (entry,) = BaseBackend.default_vpc_endpoint_service_factory(region, list(zones), service)
        entry["PrivateDnsName"] = private_dns_name
        entry["PrivateDnsNames"] = [{"PrivateDnsName": private_dns_name}]
        catalogue.append(entry)
        _OFFERED_REGIONS.add(region)


def _forget_endpoint_services() -> None:
    from moto.ec2.models import vpcs

    with vpcs.ENDPOINT_SERVICE_COLLECTION_LOCK:
        for region in _OFFERED_REGIONS:
            vpcs.DEFAULT_VPC_ENDPOINT_SERVICES.pop(region, None)
        _OFFERED_REGIONS.clear()


def _moto_version() -> str:
    import moto

    return moto.__version__


def cli_env(moto: Moto, region: str) -> dict[str, str]:
    """The CLI's environment: offline_env() plus fake credentials and moto's endpoint."""
    env = offline_env(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_REGION=region,
        AWS_DEFAULT_REGION=region,
        # The AWS SDK for JavaScript v3 in the CDK CLI honours the global endpoint override.
        AWS_ENDPOINT_URL=moto.endpoint,
        NO_PROXY="localhost,127.0.0.1",
        # CDK's report-only template validation: the default configuration's CLI synth has it
        # (tests/conftest.py); here it would only add its start-up to both app runs.
        CDK_VALIDATION="false",
        no_proxy="localhost,127.0.0.1",
    )
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(proxy, None)
    return env


def boto3_client(moto: Moto, service: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        region_name=region,
        endpoint_url=moto.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, proxies={}),
    )


# --------------------------------------------------------------------------- CLI steps


def start_bootstrap(moto: Moto, regions: Sequence[str], workdir: Path) -> "Future[subprocess.CompletedProcess[str]]":
    """The real `cdk bootstrap` template deployed into moto (run outside any CDK project), in
    the background; .result() waits for it and raises if it failed.

    The rehearsal synthesizes meanwhile: the two touch different services of the same moto,
    and most of a bootstrap is the CLI waiting between its polls of CloudFormation."""
    workdir.mkdir(parents=True, exist_ok=True)
    args = [CDK, "bootstrap", "--no-notices", *(f"aws://{moto.account}/{r}" for r in regions)]
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(_run, args, cwd=workdir, env=cli_env(moto, regions[0]), timeout=300, what="cdk bootstrap")
    pool.shutdown(wait=False)
    return future


def context_key_zones(account: str, region: str) -> str:
    return f"availability-zones:account={account}:region={region}"


def context_key_service(account: str, region: str, service: str) -> str:
    return f"endpoint-service-availability-zones:account={account}:region={region}:serviceName=com.amazonaws.{region}.{service}"


def make_project(workdir: Path) -> Path:
    """A throwaway CDK project running the repo's app with the code's default configuration.

    The CLI writes lookup results to ./cdk.context.json, so it must never run in the repo;
    like every synthesis of the suite it reads neither the repo's cdk.json nor its
    cdk.context.json (tests/conftest.py: hermetic_project).
    """
    return hermetic_project(workdir)


def synth(moto: Moto, project: Path, outdir: Path, region: str) -> None:
    _run(
        [CDK, "synth", "--no-notices", "--quiet", "-o", str(outdir)],
        cwd=project,
        env=cli_env(moto, region),
        timeout=600,
        what="cdk synth (concrete account, lookups against moto)",
    )


def strip_custom_resources(assembly: Path) -> dict[str, dict[str, str]]:
    """Remove `Custom::*` resources from every template of `assembly` (a rehearsal copy).

    moto hands a custom resource to its Lambda handler only by running the handler in Docker.
    Through CreateStack the stack then waits for the handler's reply forever; through a change
    set (what `cdk deploy` uses) moto marks the resource CREATE_COMPLETE although nothing ran,
    and on a machine with Docker it would try to pull a Lambda image. Removing the resource is
    the honest form: the rehearsal claims nothing about it. Its provider function and role stay.
    Returns {stack: {logical id: type}} of what was removed.
    """
    removed: dict[str, dict[str, str]] = {}
    for path in sorted(assembly.glob("*.template.json")):
        template = json.loads(path.read_text())
        try:
            removed[path.name.removesuffix(".template.json")] = strip_template(template)
        except RehearsalError as err:
            raise RehearsalError(f"{path.name}: {err}") from err
        path.write_text(json.dumps(template, indent=1))
    return removed


def strip_template(template: dict) -> dict[str, str]:
    """`strip_custom_resources` for one parsed template, changed in place; {logical id: type} removed."""
    resources = template["Resources"]
    custom = {k: r["Type"] for k, r in resources.items() if r["Type"].startswith("Custom::")}
    for logical_id in custom:
        del resources[logical_id]
    for resource in resources.values():
        depends = resource.get("DependsOn")
        if depends is None:
            continue
        kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in custom]
        if kept:
            resource["DependsOn"] = kept
        else:
            del resource["DependsOn"]
    # moto builds no Outputs for a change-set deploy anyway (docs/internals.md); an output
    # naming a removed resource goes with it.
    outputs = template.get("Outputs", {})
    for name in [n for n, o in outputs.items() if any(references(o, ref) for ref in custom)]:
        del outputs[name]
    dangling = sorted(ref for ref in custom if references(template, ref))
    if dangling:
        raise RehearsalError(f"something still references the removed custom resources {dangling}")
    return custom


def references(node: Any, logical_id: str) -> bool:
    if isinstance(node, dict):
        if node.get("Ref") == logical_id:
            return True
        get_att = node.get("Fn::GetAtt")
        if isinstance(get_att, list) and get_att and get_att[0] == logical_id:
            return True
        if isinstance(get_att, str) and get_att.split(".", 1)[0] == logical_id:
            return True
        return any(references(v, logical_id) for v in node.values())
    if isinstance(node, list):
        return any(references(v, logical_id) for v in node)
    if isinstance(node, str):
        return "${" + logical_id in node  # inside an Fn::Sub string
    return False


def deploy(moto: Moto, assembly: Path, workdir: Path, region: str, concurrency: int = 1) -> str:
    """`cdk deploy --all` of a synthesized assembly; returns the CLI's output."""
    workdir.mkdir(parents=True, exist_ok=True)
    result = _run(
        # Every stack at once (they are independent): the CLI spends most of a deploy waiting
        # between its polls of CloudFormation.
        [CDK, "deploy", "--app", str(assembly), "--all", "--require-approval", "never", "--no-notices", "--progress", "events",
         "--concurrency", str(concurrency)],
        cwd=workdir,
        env=cli_env(moto, region),
        timeout=600,
        what="cdk deploy",
    )
    return result.stdout + result.stderr


# --------------------------------------------------------------------------- the whole rehearsal


@dataclass
class Rehearsal:
    moto: Moto
    regions: tuple[str, ...]
    assembly: Path  # the deployed (stripped) copy
    templates: dict[str, dict]  # region -> deployed template
    synthesized_templates: dict[str, dict]  # region -> template as the app synthesized it
    context: dict[str, Any]  # the temporary project's cdk.context.json after synth
    removed: dict[str, dict[str, str]]  # stack -> {logical id: type} stripped before deploy
    deploy_output: str
    seconds: dict[str, float] = field(default_factory=dict)

    def client(self, service: str, region: str) -> Any:
        return boto3_client(self.moto, service, region)


def rehearse(moto: Moto, regions: Sequence[str], workdir: Path) -> Rehearsal:
    import time

    regions = tuple(regions)
    seconds: dict[str, float] = {}
    start = time.monotonic()
    bootstrapping = start_bootstrap(moto, regions, workdir / "bootstrap")
    for region in regions:
        offer_endpoint_service(moto, region, "bedrock-mantle", MANTLE_ZONES[region], MANTLE_PRIVATE_DNS.format(region=region))
    project = make_project(workdir / "project")
    synthesized = workdir / "cdk.out"
    synth(moto, project, synthesized, regions[0])
    seconds["synth"] = time.monotonic() - start
    bootstrapping.result()
    seconds["bootstrap and synth"] = time.monotonic() - start

    assembly = workdir / "cdk.out.rehearsal"
    shutil.copytree(synthesized, assembly)
    removed = strip_custom_resources(assembly)

    start = time.monotonic()
    output = deploy(moto, assembly, workdir / "deploy", regions[0], concurrency=len(regions))
    seconds["deploy"] = time.monotonic() - start

    def load(d: Path) -> dict[str, dict]:
        return {r: json.loads((d / f"PrivateBedrock-{r}.template.json").read_text()) for r in regions}

    return Rehearsal(
        moto=moto,
        regions=regions,
        assembly=assembly,
        templates=load(assembly),
        synthesized_templates=load(synthesized),
        context=json.loads((project / "cdk.context.json").read_text()),
        removed=removed,
        deploy_output=output,
        seconds=seconds,
    )


# --------------------------------------------------------------------------- reading moto's answers


def parse_policy(document: Any) -> dict:
    """An endpoint policy as moto returns it: JSON, or (moto 5.2) a Python repr of a dict."""
    if isinstance(document, dict):
        return document
    try:
        return json.loads(document)
    except json.JSONDecodeError:
        parsed = ast.literal_eval(document)
        if not isinstance(parsed, dict):
            raise
        return parsed


def resolve(node: Any, physical: Mapping[str, Any], pseudo: Mapping[str, str]) -> Any:
    """Resolve the intrinsics the product's policies use (Ref, Fn::GetAtt, Fn::Join).

    `physical` maps logical id -> {"Ref": value, "<attribute>": value}.
    """
    if isinstance(node, list):
        return [resolve(v, physical, pseudo) for v in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"}:
        name = node["Ref"]
        return pseudo[name] if name in pseudo else physical[name]["Ref"]
    if set(node) == {"Fn::GetAtt"}:
        logical_id, attribute = node["Fn::GetAtt"]
        return physical[logical_id][attribute]
    if set(node) == {"Fn::Join"}:
        separator, parts = node["Fn::Join"]
        return separator.join(resolve(p, physical, pseudo) for p in parts)
    return {k: resolve(v, physical, pseudo) for k, v in node.items()}


def dashboard_metrics(body: str) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) of every metric widget line of a dashboard body."""
    found = []
    for widget in json.loads(body)["widgets"]:
        for line in widget.get("properties", {}).get("metrics", []):
            names = [x for x in line if isinstance(x, str)]
            namespace, metric, *pairs = names
            found.append((namespace, metric, dict(zip(pairs[::2], pairs[1::2]))))
    return found


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


