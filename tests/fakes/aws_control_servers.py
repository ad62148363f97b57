"""A local stand-in for the AWS calls `make verify` makes, speaking each service's real
protocol so real botocore talks to it over HTTP on 127.0.0.1:

CloudFormation DescribeStacks / GetTemplate / ListStackResources (query + XML), Lambda
GetFunctionConfiguration / PublishVersion / Invoke with a Qualifier (REST + JSON), S3
GetObject (path style), EC2 DescribeVpcEndpoints (EC2 query + XML), IAM GetPolicy /
GetPolicyVersion (query + XML, URL-encoded documents) and Route 53 Resolver
GetFirewallConfig, ListFirewallRuleGroupAssociations, ListFirewallRules, ListFirewallDomains
(JSON 1.1).

`DeployedStack.from_template` builds what CloudFormation would have deployed from a
synthesized template (physical ids, resolved policies, function configuration as Lambda
reports it, the code object: a real zip of the built asset when given the cloud assembly,
the DNS Firewall); tests then tamper with one piece and expect verify to name it. Lambda's
versions behave as Lambda's do: PublishVersion snapshots $LATEST (not again when nothing
changed), refuses a stale RevisionId or CodeSha256 (412), and a version never changes.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, quote, unquote, urlsplit
from xml.sax.saxutils import escape

from private_bedrock.tools.verify.deployed_template import expected_endpoint_policies, expected_functions, expected_identity_policy, physical_symbols

from tests.fakes.loopback import AwsHandler, LoopbackServers
_CFN_NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
_EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
_IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
ACCOUNT = "123456789012"


@dataclass
class DeployedStack:
    """What `verify` can read about one deployed stack; every field may be tampered with."""

    name: str
    region: str
    outputs: dict[str, str]
    template: dict | None = None
    physical: dict[str, str] = field(default_factory=dict)  # logical id -> physical id
    types: dict[str, str] = field(default_factory=dict)
    function_configs: dict[str, dict] = field(default_factory=dict)  # function name -> configuration
    objects: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (bucket, key) -> body
    endpoint_policies: dict[str, tuple[str, str]] = field(default_factory=dict)  # vpce id -> (service name, JSON)
    managed_policies: dict[str, dict] = field(default_factory=dict)  # ARN -> document
    firewall_fail_open: dict[str, str] = field(default_factory=dict)  # vpc id -> ENABLED|DISABLED
    account: str = ACCOUNT  # the account DescribeStacks' StackId names (a fleet has several)
    versions: dict[str, list[dict]] = field(default_factory=dict)  # function name -> published versions, oldest first
    firewall_associations: dict[str, list[dict]] = field(default_factory=dict)  # vpc id -> ListFirewallRuleGroupAssociations items
    firewall_rules: dict[str, list[dict]] = field(default_factory=dict)  # rule group id -> ListFirewallRules items
    domain_lists: dict[str, list[str]] = field(default_factory=dict)  # domain list id -> domains
    # Called with the function name after GetFunctionConfiguration answered: a concurrent change.
    after_read: Callable[[str], None] | None = None

    @classmethod
    def from_template(cls, name: str, region: str, template: dict, account: str = ACCOUNT, assembly: Path | None = None) -> "DeployedStack":
        template = copy.deepcopy(template)
        physical, types = {}, {}
        for lid, r in template["Resources"].items():
            kind = r["Type"]
            digest = hashlib.sha256(lid.encode()).hexdigest()
            physical[lid] = {
                "AWS::EC2::VPCEndpoint": f"vpce-{digest[:17]}",
                "AWS::EC2::VPC": f"vpc-{digest[:17]}",
                "AWS::EC2::Subnet": f"subnet-{digest[:17]}",
                "AWS::EC2::SecurityGroup": f"sg-{digest[:17]}",
                "AWS::IAM::ManagedPolicy": f"arn:aws:iam::{account}:policy/{name}-{lid[:40]}-{digest[:8].upper()}",
                "AWS::KMS::Key": f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}",
                "AWS::Logs::LogGroup": (r.get("Properties", {}).get("LogGroupName") or f"{name}-{lid}"),
                "AWS::Route53Resolver::FirewallRuleGroup": f"rslvr-frg-{digest[:17]}",
                "AWS::Route53Resolver::FirewallDomainList": f"rslvr-fdl-{digest[:17]}",
                "AWS::Route53Resolver::FirewallRuleGroupAssociation": f"rslvr-frgassoc-{digest[:17]}",
            }.get(kind, f"{name}-{lid[:40]}-{digest[:12].upper()}")
            types[lid] = kind
        symbols = physical_symbols(template, physical, region, account, name)
        outputs = {k: _resolved(o["Value"], symbols) for k, o in template.get("Outputs", {}).items()}
        stack = cls(name, region, {k: v for k, v in outputs.items() if isinstance(v, str)}, template, physical, types, account=account)
        for fn in expected_functions(template, symbols).values():
            # Both probes deploy the same asset object.
            if (fn.code_bucket, fn.code_key) not in stack.objects:
                stack.objects[(fn.code_bucket, fn.code_key)] = _asset_zip(assembly, fn.code_key) if assembly else f"zip of asset {fn.code_key}".encode()
            body = stack.objects[(fn.code_bucket, fn.code_key)]
            props = template["Resources"][fn.logical_id]["Properties"]
            stack.function_configs[fn.name] = _lambda_configuration(fn.name, props, symbols, region, account, body)
        for vpce, (service, doc) in expected_endpoint_policies(template, symbols).items():
            stack.endpoint_policies[vpce] = (service, json.dumps(doc))
        arn, doc = expected_identity_policy(template, symbols)
        stack.managed_policies[arn] = doc
        for lid, kind in types.items():
            if kind == "AWS::EC2::VPC":
                stack.firewall_fail_open[physical[lid]] = "DISABLED"
        for lid, r in template["Resources"].items():
            props = r.get("Properties", {})
            if r["Type"] == "AWS::Route53Resolver::FirewallDomainList":
                stack.domain_lists[physical[lid]] = [d if d == "*" else d + "." for d in props["Domains"]]  # as Resolver stores them [field]
            elif r["Type"] == "AWS::Route53Resolver::FirewallRuleGroup":
                stack.firewall_rules[physical[lid]] = [
                    {"FirewallRuleGroupId": physical[lid], "Name": f"rule-{rule['Priority']}",
                     "FirewallDomainRedirectionAction": "INSPECT_REDIRECTION_DOMAIN", **_resolved(rule, symbols)}
                    for rule in props["FirewallRules"]
                ]
            elif r["Type"] == "AWS::Route53Resolver::FirewallRuleGroupAssociation":
                vpc = _resolved(props["VpcId"], symbols)
                stack.firewall_associations.setdefault(vpc, []).append({
                    "Id": physical[lid], "FirewallRuleGroupId": _resolved(props["FirewallRuleGroupId"], symbols), "VpcId": vpc,
                    "Priority": props["Priority"], "MutationProtection": props.get("MutationProtection", "DISABLED"), "Status": "COMPLETE",
                })
        return stack

    def function_named(self, output: str) -> dict:
        return self.function_configs[self.outputs[output]]


_ZIPS: dict[tuple[Path, str], bytes] = {}


def _asset_zip(assembly: Path, object_key: str) -> bytes:
    """The deployment package cdk-assets would upload for this key: the built asset, zipped
    (stored, not deflated: the bytes differ from cdk-assets' anyway; verify compares files).
    Built once per process: the probe's asset has ~2,500 files."""
    from private_bedrock.tools.report.assembly import stacks

    if (assembly, object_key) not in _ZIPS:
        source = next(p for s in stacks(assembly) if (p := s.asset_for_object(object_key)) is not None)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(source).as_posix())
        _ZIPS[(assembly, object_key)] = buffer.getvalue()
    return _ZIPS[(assembly, object_key)]


def _lambda_configuration(name: str, props: dict, symbols, region: str, account: str, body: bytes) -> dict:
    """What GetFunctionConfiguration answers for a function CloudFormation created from props."""
    vpc = _resolved(props.get("VpcConfig"), symbols) or {}
    conf = {
        "FunctionName": name, "FunctionArn": f"arn:aws:lambda:{region}:{account}:function:{name}",
        "Runtime": props.get("Runtime"), "Handler": props.get("Handler"), "Role": _resolved(props["Role"], symbols),
        "CodeSha256": base64.b64encode(hashlib.sha256(body).digest()).decode(), "CodeSize": len(body),
        "Timeout": props.get("Timeout", 3), "MemorySize": props.get("MemorySize", 128),
        "Architectures": props.get("Architectures", ["x86_64"]), "PackageType": "Zip", "Version": "$LATEST",
        "Environment": {"Variables": dict(_resolved(props.get("Environment", {}).get("Variables", {}), symbols))},
        "VpcConfig": {"SubnetIds": vpc.get("SubnetIds", []), "SecurityGroupIds": vpc.get("SecurityGroupIds", []),
                      "VpcId": "vpc-fromsubnets" if vpc else ""},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": _resolved(props.get("LoggingConfig", {}).get("LogGroup"), symbols) or f"/aws/lambda/{name}"},
        "RevisionId": "00000000-0000-4000-8000-000000000001", "State": "Active",
    }
    if "KmsKeyArn" in props:
        conf["KMSKeyArn"] = _resolved(props["KmsKeyArn"], symbols)
    return conf


def revise(conf: dict, **changes) -> None:
    """UpdateFunctionConfiguration, as Lambda does it: the fields change and so does RevisionId."""
    conf.update(changes)
    n = int(conf["RevisionId"].rsplit("-", 1)[1]) + 1
    conf["RevisionId"] = f"00000000-0000-4000-8000-{n:012d}"


def _resolved(value, symbols):
    from private_bedrock.tools.prove.resolve import UnresolvedIntrinsic, resolve

    try:
        return resolve(value, symbols)
    except UnresolvedIntrinsic:
        return None


class FakeStackAndLambda(LoopbackServers):
    """stacks: {stack name: {output key: value}} or {stack name: DeployedStack};
    functions: {name: report dict, or ("unhandled", message) for a function that crashed}."""

    def __init__(self, stacks: dict, functions: dict):
        self.stacks = {k: v if isinstance(v, DeployedStack) else DeployedStack(k, "us-east-1", v) for k, v in stacks.items()}
        self.functions = functions
        self.invoked: list[tuple[str, bytes, str]] = []  # (function, payload, invocation type)
        self.qualifiers: list[str | None] = []  # the Qualifier of each invocation, in order
        self.calls: list[str] = []  # every API operation served, in order
        self._serve({"aws": _handler_for(self)})

    def _all(self) -> list[DeployedStack]:
        return list(self.stacks.values())


def _member_list(items: list[str]) -> str:
    return "".join(f"<member>{i}</member>" for i in items)


def _handler_for(fake: FakeStackAndLambda):
    class Handler(AwsHandler):
        def _send(self, status, body: bytes, ctype="text/xml", headers=None):
            self.reply(status, body, ctype, headers)

        def _signed(self) -> bool:
            if self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 "):
                return True
            self._send(403, b'{"message":"missing signature"}', "application/json")
            return False

        # ------------------------------------------------------------------ dispatch
        def do_GET(self):
            if not self._signed():
                return
            parts = urlsplit(self.path)
            path = parts.path
            prefix, suffix = "/2015-03-31/functions/", "/configuration"
            if path.startswith(prefix) and path.endswith(suffix):
                qualifier = parse_qs(parts.query).get("Qualifier", [None])[0]
                return self._function_configuration(unquote(path[len(prefix):-len(suffix)]), qualifier)
            bucket, _, key = path.lstrip("/").partition("/")
            return self._s3_get(unquote(bucket), unquote(key))

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not self._signed():
                return
            target = self.headers.get("X-Amz-Target", "")
            if target.startswith("Route53Resolver."):
                operation = target.split(".", 1)[1]
                fake.calls.append(operation)
                handler = {
                    "GetFirewallConfig": self._firewall_config, "ListFirewallRuleGroupAssociations": self._firewall_associations,
                    "ListFirewallRules": self._firewall_rules, "ListFirewallDomains": self._firewall_domains,
                }.get(operation)
                if handler is None:
                    return self._send(400, json.dumps({"__type": "InvalidRequestException", "Message": operation}).encode(), "application/x-amz-json-1.1")
                return handler(json.loads(body or b"{}"))
            if self.path == "/":
                form = parse_qs(body.decode())
                action = form.get("Action", [""])[0]
                fake.calls.append(action)
                handler = {
                    "DescribeStacks": self._describe_stacks, "GetTemplate": self._get_template,
                    "ListStackResources": self._list_stack_resources, "DescribeVpcEndpoints": self._describe_vpc_endpoints,
                    "GetPolicy": self._get_policy, "GetPolicyVersion": self._get_policy_version,
                }.get(action)
                if handler is None:
                    return self._cfn_error(f"unsupported action {action}")
                return handler(form)
            parts = urlsplit(self.path)
            prefix = "/2015-03-31/functions/"
            if parts.path.startswith(prefix) and parts.path.endswith("/invocations"):
                qualifier = parse_qs(parts.query).get("Qualifier", [None])[0]
                return self._invoke(unquote(parts.path[len(prefix):-len("/invocations")]), body, qualifier)
            if parts.path.startswith(prefix) and parts.path.endswith("/versions"):
                return self._publish_version(unquote(parts.path[len(prefix):-len("/versions")]), json.loads(body or b"{}"))
            self._send(404, b"{}", "application/json")

        # ------------------------------------------------------------------ CloudFormation
        def _stack(self, form) -> DeployedStack | None:
            name = form.get("StackName", [""])[0]
            return fake.stacks.get(name)

        def _cfn_error(self, msg: str):
            xml = (f'<ErrorResponse xmlns="{_CFN_NS}"><Error><Type>Sender</Type><Code>ValidationError</Code>'
                   f"<Message>{escape(msg)}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>")
            return self._send(400, xml.encode())

        def _missing(self, form):
            return self._cfn_error(f"Stack with id {form.get('StackName', [''])[0]} does not exist")

        def _describe_stacks(self, form):
            stack = self._stack(form)
            if stack is None:
                return self._missing(form)
            outputs = "".join(f"<member><OutputKey>{escape(k)}</OutputKey><OutputValue>{escape(v)}</OutputValue></member>"
                              for k, v in stack.outputs.items())
            xml = (f'<DescribeStacksResponse xmlns="{_CFN_NS}"><DescribeStacksResult><Stacks><member>'
                   f"<StackName>{escape(stack.name)}</StackName><StackId>arn:aws:cloudformation:{stack.region}:{stack.account}:stack/{escape(stack.name)}/1</StackId>"
                   f"<CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>"
                   f"<Outputs>{outputs}</Outputs></member></Stacks></DescribeStacksResult>"
                   f"<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></DescribeStacksResponse>")
            self._send(200, xml.encode())

        def _get_template(self, form):
            stack = self._stack(form)
            if stack is None or stack.template is None:
                return self._missing(form)
            xml = (f'<GetTemplateResponse xmlns="{_CFN_NS}"><GetTemplateResult>'
                   f"<TemplateBody>{escape(json.dumps(stack.template))}</TemplateBody><StagesAvailable>{_member_list(['Original', 'Processed'])}</StagesAvailable>"
                   f"</GetTemplateResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetTemplateResponse>")
            self._send(200, xml.encode())

        def _list_stack_resources(self, form):
            stack = self._stack(form)
            if stack is None:
                return self._missing(form)
            members = "".join(
                f"<member><LogicalResourceId>{escape(lid)}</LogicalResourceId><PhysicalResourceId>{escape(pid)}</PhysicalResourceId>"
                f"<ResourceType>{escape(stack.types[lid])}</ResourceType><LastUpdatedTimestamp>2026-01-01T00:00:00Z</LastUpdatedTimestamp>"
                f"<ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>"
                for lid, pid in stack.physical.items()
            )
            xml = (f'<ListStackResourcesResponse xmlns="{_CFN_NS}"><ListStackResourcesResult><StackResourceSummaries>{members}'
                   f"</StackResourceSummaries></ListStackResourcesResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></ListStackResourcesResponse>")
            self._send(200, xml.encode())

        # ------------------------------------------------------------------ EC2
        def _describe_vpc_endpoints(self, form):
            wanted = [v[0] for k, v in form.items() if k.startswith("VpcEndpointId.")]
            known = {vid: ep for s in fake._all() for vid, ep in s.endpoint_policies.items()}
            missing = [w for w in wanted if w not in known]
            if missing:
                xml = (f"<Response><Errors><Error><Code>InvalidVpcEndpointId.NotFound</Code><Message>The Vpc Endpoint Id '{missing[0]}' does not exist</Message>"
                       "</Error></Errors><RequestID>r-1</RequestID></Response>")
                return self._send(400, xml.encode())
            items = "".join(
                f"<item><vpcEndpointId>{vid}</vpcEndpointId><vpcEndpointType>Interface</vpcEndpointType><serviceName>{escape(known[vid][0])}</serviceName>"
                f"<state>available</state><policyDocument>{escape(known[vid][1])}</policyDocument><privateDnsEnabled>true</privateDnsEnabled></item>"
                for vid in wanted
            )
            xml = f'<DescribeVpcEndpointsResponse xmlns="{_EC2_NS}"><requestId>r-1</requestId><vpcEndpointSet>{items}</vpcEndpointSet></DescribeVpcEndpointsResponse>'
            self._send(200, xml.encode())

        # ------------------------------------------------------------------ IAM
        def _policy(self, form):
            arn = form.get("PolicyArn", [""])[0]
            for s in fake._all():
                if arn in s.managed_policies:
                    return arn, s.managed_policies[arn]
            xml = (f'<ErrorResponse xmlns="{_IAM_NS}"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>'
                   f"<Message>Policy {escape(arn)} was not found.</Message></Error><RequestId>r-1</RequestId></ErrorResponse>")
            self._send(404, xml.encode())
            return None

        def _get_policy(self, form):
            found = self._policy(form)
            if found is None:
                return
            arn, _ = found
            xml = (f'<GetPolicyResponse xmlns="{_IAM_NS}"><GetPolicyResult><Policy><PolicyName>{escape(arn.rsplit("/", 1)[1])}</PolicyName>'
                   f"<Arn>{escape(arn)}</Arn><DefaultVersionId>v3</DefaultVersionId><AttachmentCount>2</AttachmentCount></Policy></GetPolicyResult>"
                   f"<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetPolicyResponse>")
            self._send(200, xml.encode())

        def _get_policy_version(self, form):
            found = self._policy(form)
            if found is None:
                return
            _, doc = found
            version = form.get("VersionId", [""])[0]
            if version != "v3":
                return self._send(404, f'<ErrorResponse xmlns="{_IAM_NS}"><Error><Code>NoSuchEntity</Code><Message>no version {escape(version)}</Message></Error></ErrorResponse>'.encode())
            xml = (f'<GetPolicyVersionResponse xmlns="{_IAM_NS}"><GetPolicyVersionResult><PolicyVersion>'
                   f"<Document>{escape(quote(json.dumps(doc)))}</Document><VersionId>v3</VersionId><IsDefaultVersion>true</IsDefaultVersion>"
                   f"</PolicyVersion></GetPolicyVersionResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetPolicyVersionResponse>")
            self._send(200, xml.encode())

        # ------------------------------------------------------------------ Route 53 Resolver
        def _firewall_config(self, request):
            vpc = request.get("ResourceId", "")
            state = next((s.firewall_fail_open[vpc] for s in fake._all() if vpc in s.firewall_fail_open), "DISABLED")
            body = {"FirewallConfig": {"Id": "rslvr-fc-1", "ResourceId": vpc, "OwnerId": ACCOUNT, "FirewallFailOpen": state}}
            self._json(body)

        def _json(self, body: dict):
            self._send(200, json.dumps(body).encode(), "application/x-amz-json-1.1")

        def _firewall_associations(self, request):
            vpc = request.get("VpcId")
            items = [a for s in fake._all() for v, found in s.firewall_associations.items() if vpc in (None, v) for a in found]
            self._json({"FirewallRuleGroupAssociations": items})

        def _firewall_rules(self, request):
            group = request.get("FirewallRuleGroupId", "")
            for s in fake._all():
                if group in s.firewall_rules:
                    return self._json({"FirewallRuleGroupId": group, "FirewallRules": s.firewall_rules[group]})
            self._send(400, json.dumps({"__type": "ResourceNotFoundException", "Message": f"no rule group {group}"}).encode(), "application/x-amz-json-1.1")

        def _firewall_domains(self, request):
            list_id = request.get("FirewallDomainListId", "")
            for s in fake._all():
                if list_id in s.domain_lists:
                    return self._json({"Domains": s.domain_lists[list_id]})
            self._send(400, json.dumps({"__type": "ResourceNotFoundException", "Message": f"no domain list {list_id}"}).encode(), "application/x-amz-json-1.1")

        # ------------------------------------------------------------------ Lambda and S3
        def _lambda_error(self, status: int, kind: str, message: str):
            body = json.dumps({"Type": "User", "message": message}).encode()
            self._send(status, body, "application/json", {"x-amzn-ErrorType": kind})

        def _owner(self, name) -> DeployedStack | None:
            return next((s for s in fake._all() if name in s.function_configs), None)

        def _function_configuration(self, name, qualifier=None):
            fake.calls.append("GetFunctionConfiguration")
            stack = self._owner(name)
            if stack is None:
                return self._lambda_error(404, "ResourceNotFoundException", f"Function not found: {name}")
            if qualifier in (None, "$LATEST"):
                self._send(200, json.dumps(stack.function_configs[name]).encode(), "application/json")
                if stack.after_read:
                    stack.after_read(name)
                return
            version = next((v for v in stack.versions.get(name, []) if v["Version"] == qualifier), None)
            if version is None:
                return self._lambda_error(404, "ResourceNotFoundException", f"Function not found: {name}:{qualifier}")
            self._send(200, json.dumps(version).encode(), "application/json")

        def _publish_version(self, name, request):
            fake.calls.append("PublishVersion")
            stack = self._owner(name)
            if stack is None:
                return self._lambda_error(404, "ResourceNotFoundException", f"Function not found: {name}")
            latest = stack.function_configs[name]
            if request.get("RevisionId") not in (None, latest["RevisionId"]) or request.get("CodeSha256") not in (None, latest["CodeSha256"]):
                return self._lambda_error(412, "PreconditionFailedException",
                                          "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
            versions = stack.versions.setdefault(name, [])
            snapshot = {k: v for k, v in latest.items() if k not in ("Version", "FunctionArn", "RevisionId")}
            same = next((v for v in reversed(versions[-1:]) if {k: x for k, x in v.items() if k not in ("Version", "FunctionArn", "RevisionId")} == snapshot), None)
            if same is None:  # Lambda publishes nothing new when nothing changed
                number = str(len(versions) + 1)
                same = {**copy.deepcopy(snapshot), "Version": number, "FunctionArn": f"{latest['FunctionArn']}:{number}",
                        "RevisionId": f"00000000-0000-4000-9000-{len(versions) + 1:012d}"}
                versions.append(same)
            self._send(201, json.dumps(same).encode(), "application/json")

        def _s3_get(self, bucket, key):
            fake.calls.append("GetObject")
            for s in fake._all():
                if (bucket, key) in s.objects:
                    return self._send(200, s.objects[(bucket, key)], "application/zip")
            self._send(404, b"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>", "application/xml")

        def _invoke(self, function, payload, qualifier=None):
            fake.invoked.append((function, payload, self.headers.get("X-Amz-Invocation-Type", "")))
            fake.qualifiers.append(qualifier)
            stack = self._owner(function)
            if stack is not None and qualifier not in (None, "$LATEST") and not any(v["Version"] == qualifier for v in stack.versions.get(function, [])):
                return self._lambda_error(404, "ResourceNotFoundException", f"Function not found: {function}:{qualifier}")
            if function not in fake.functions:
                return self._lambda_error(404, "ResourceNotFoundException", f"Function not found: {function}")
            result = fake.functions[function]
            if isinstance(result, tuple):
                body = json.dumps({"errorMessage": result[1], "errorType": "Exception"}).encode()
                return self._send(200, body, "application/json", {"X-Amz-Function-Error": "Unhandled"})
            self._send(200, json.dumps(result).encode(), "application/json")

    return Handler
