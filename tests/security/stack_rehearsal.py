"""Deploy an already synthesized template into moto through CreateStack: the cheap rehearsal.

The standalone rehearsal (rehearsal_support.py) drives the real CLI: bootstrap, a synth with
lookups against moto, `cdk deploy`. That is what a user runs, and it costs about a minute.
For further configurations (hub and spoke) the rehearsal reuses the session's in-process
synth of the configuration (tests/conftest.py) and hands its template to moto's
CloudFormation directly, one CreateStack call per stack, in seconds. What that skips, and
why it may: the CLI's asset upload and bootstrap stack (the default rehearsal covers them),
and the context lookups (the topology configurations are synthesized offline, as tests do).

What the rehearsal provides in their place, in the account a stack is deployed into:
- the SSM parameter the template's BootstrapVersion parameter reads (as `cdk bootstrap`
  writes it);
- the asset bucket with one object per Lambda function's S3Key. The objects are a
  placeholder zip: moto runs no function without Docker, so the code is not what is
  rehearsed (the probe's code has its own tests).

Accounts: moto is multi-account. Credentials from STS AssumeRole into another account's role
make every later call act in that account (moto maps the access key to it), so a hub and its
spoke deploy in two accounts of one server, and beside the standalone rehearsal's default
account without sharing IAM names or Route 53 zones.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from tests.conftest import ROOT
from tests.security.rehearsal_support import UNMODELLED_TYPES, Moto, RehearsalError, references, strip_template

BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
BOOTSTRAP_TEMPLATE = ROOT / "node_modules" / "aws-cdk" / "lib" / "api" / "bootstrap" / "bootstrap-template.yaml"


def bootstrap_version() -> str:
    """What the pinned CLI's `cdk bootstrap` writes to BOOTSTRAP_VERSION_PARAMETER."""
    match = re.search(r"CdkBootstrapVersion:\n\s+Type: AWS::SSM::Parameter\n(?:.*\n)*?\s+Value: '(\d+)'", BOOTSTRAP_TEMPLATE.read_text())
    if match is None:  # pragma: no cover - a CLI upgrade reshaped its bootstrap template
        raise RehearsalError(f"no CdkBootstrapVersion value in {BOOTSTRAP_TEMPLATE}")
    return match.group(1)


@dataclass(frozen=True)
class Account:
    """Clients acting in one moto account (through assumed-role credentials)."""

    moto: Moto
    account_id: str
    region: str
    credentials: dict[str, str]

    def client(self, service: str) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.moto.endpoint,
            aws_access_key_id=self.credentials["AccessKeyId"],
            aws_secret_access_key=self.credentials["SecretAccessKey"],
            aws_session_token=self.credentials["SessionToken"],
            config=Config(retries={"max_attempts": 2, "mode": "standard"}, proxies={}),
        )


def account(moto: Moto, account_id: str, region: str) -> Account:
    from tests.security.rehearsal_support import boto3_client

    sts = boto3_client(moto, "sts", region)
    role = f"arn:aws:iam::{account_id}:role/rehearsal-deployer"
    credentials = sts.assume_role(RoleArn=role, RoleSessionName="rehearsal")["Credentials"]
    acting = Account(moto, account_id, region, {k: credentials[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")})
    seen = acting.client("sts").get_caller_identity()["Account"]
    if seen != account_id:  # pragma: no cover - a moto upgrade changed how it maps keys to accounts
        raise RehearsalError(f"moto {_moto_version()} acted in account {seen}, not {account_id}, with assumed-role credentials")
    return acting


def _moto_version() -> str:
    import moto

    return moto.__version__


# --------------------------------------------------------------------------- moto extension


@contextlib.contextmanager
def endpoint_dns_entries() -> Iterator[None]:
    """Teach moto's VPC endpoint the `DnsEntries` attribute CloudFormation returns.

    moto 5.2.5's VPCEndPoint has no `get_cfn_attribute`, so any `Fn::GetAtt <endpoint>.DnsEntries`
    (a hub's alias records, the `*RegionalDnsName` outputs) fails the deploy. CloudFormation
    documents the attribute as a list of "<hosted zone id>:<DNS name>" strings (AWS::EC2::
    VPCEndpoint, return values); this returns moto's own entries (DescribeVpcEndpoints'
    DnsEntries) in that form, so a record built from the attribute can be compared with what
    EC2 reports for the same endpoint. Any other attribute stays unsupported, as in moto.
    Process-global while active (moto's models are), restored afterwards.
    """
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.ec2.models.vpcs import VPCEndPoint

    before = VPCEndPoint.__dict__.get("get_cfn_attribute")
    if before is not None:  # pragma: no cover - a moto upgrade added it: this extension should go
        raise RehearsalError(f"moto {_moto_version()} resolves VPC endpoint attributes itself; drop endpoint_dns_entries()")

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name == "DnsEntries":
            return [f"{e['hosted_zone_id']}:{e['dns_name']}" for e in self.dns_entries]
        raise UnformattedGetAttTemplateException()

    VPCEndPoint.get_cfn_attribute = get_cfn_attribute  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del VPCEndPoint.get_cfn_attribute  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- deploy


@dataclass
class LeftOut:
    """What the deployed copy does not have, and why (asserted on the template instead)."""

    resources: dict[str, str] = field(default_factory=dict)  # logical id -> type (custom resources)
    outputs: dict[str, list[str]] = field(default_factory=dict)  # output -> unmodelled resources it names


def deployable_copy(template: dict) -> tuple[dict, LeftOut]:
    """A copy moto's CreateStack can create: without custom resources (strip_template) and
    without the outputs naming a resource of a type moto does not create (moto validates an
    output's Fn::GetAtt against the resource's class and fails the stack when there is none)."""
    deployable = copy.deepcopy(template)
    left_out = LeftOut(resources=strip_template(deployable))
    resources = deployable["Resources"]
    unmodelled = [k for k, r in resources.items() if r["Type"] in UNMODELLED_TYPES]
    outputs = deployable.get("Outputs", {})
    for name, output in list(outputs.items()):
        named = [k for k in unmodelled if references(output, k)]
        if named:
            left_out.outputs[name] = named
            del outputs[name]
    return deployable, left_out


def prepare(acting: Account, template: dict) -> None:
    """What `cdk bootstrap` and the CLI's asset upload leave in an account, for `template`."""
    ssm = acting.client("ssm")
    ssm.put_parameter(Name=BOOTSTRAP_VERSION_PARAMETER, Value=bootstrap_version(), Type="String", Overwrite=True)
    s3 = acting.client("s3")
    placeholder = io.BytesIO()
    with zipfile.ZipFile(placeholder, "w") as archive:
        archive.writestr("index.py", "# rehearsal placeholder: moto runs no function without Docker\n")
    created: set[str] = set()
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Lambda::Function" or "S3Key" not in resource["Properties"].get("Code", {}):
            continue
        code = resource["Properties"]["Code"]
        bucket = _substitute(code["S3Bucket"], acting)
        if bucket not in created:
            s3.create_bucket(Bucket=bucket)
            created.add(bucket)
        s3.put_object(Bucket=bucket, Key=code["S3Key"], Body=placeholder.getvalue())


def _substitute(value: Any, acting: Account) -> str:
    """The asset bucket name: CDK writes it as Fn::Sub over the account and region."""
    if isinstance(value, str):
        return value
    (text,) = value.values() if set(value) == {"Fn::Sub"} else (None,)
    if not isinstance(text, str):
        raise RehearsalError(f"unexpected asset bucket expression {value!r}")
    return text.replace("${AWS::AccountId}", acting.account_id).replace("${AWS::Region}", acting.region).replace("${AWS::URLSuffix}", "amazonaws.com")


@dataclass
class DeployedStack:
    """One stack as moto holds it after CreateStack."""

    name: str
    acting: Account
    template: dict  # the deployed copy
    left_out: LeftOut
    status: str
    resources: dict[str, dict]  # logical id -> ListStackResources summary
    outputs: dict[str, str]  # as moto's DescribeStacks reports them

    def physical(self, logical_id: str) -> str:
        return self.resources[logical_id]["PhysicalResourceId"]

    def of_type(self, kind: str) -> dict[str, dict]:
        return {k: r for k, r in self.template["Resources"].items() if r["Type"] == kind}

    def client(self, service: str) -> Any:
        return self.acting.client(service)


def create_stack(acting: Account, name: str, template: dict, *, edit: Callable[[str], str] = lambda body: body) -> DeployedStack:
    """CreateStack of `template`'s deployable copy in `acting`'s account; `edit` may rewrite the
    body's text (the spoke's: ids that only exist once moto has created them)."""
    deployable, left_out = deployable_copy(template)
    body = edit(json.dumps(deployable))
    deployable = json.loads(body)
    prepare(acting, deployable)
    cfn = acting.client("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=body, Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
    (stack,) = cfn.describe_stacks(StackName=name)["Stacks"]
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName=name)
    # moto lists an id-less entry for a standalone ingress rule; the rules are read from the group.
    resources = {r["LogicalResourceId"]: r for page in pages for r in page["StackResourceSummaries"] if r["LogicalResourceId"]}
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return DeployedStack(name, acting, deployable, left_out, stack["StackStatus"], resources, outputs)
