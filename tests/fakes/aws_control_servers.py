"""A local stand-in for the AWS calls `make verify` makes, speaking each service's real
protocol so real botocore talks to it over HTTP on 127.0.0.1:

CloudFormation DescribeStacks / GetTemplate / ListStackResources (query + XML), Lambda
Invoke / GetFunctionConfiguration (REST + JSON), S3 GetObject (path style), EC2
DescribeVpcEndpoints (EC2 query + XML), IAM GetPolicy / GetPolicyVersion (query + XML,
URL-encoded documents) and Route 53 Resolver GetFirewallConfig (JSON 1.1).

`DeployedStack.from_template` builds what CloudFormation would have deployed from a
synthesized template (physical ids, resolved policies, function configuration, code
object); tests then tamper with one piece and expect verify to name it.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, unquote, urlsplit
from xml.sax.saxutils import escape

from tools.deployed_template import expected_endpoint_policies, expected_functions, expected_identity_policy, physical_symbols

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

    @classmethod
    def from_template(cls, name: str, region: str, template: dict, account: str = ACCOUNT) -> "DeployedStack":
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
            }.get(kind, f"{name}-{lid[:40]}-{digest[:12].upper()}")
            types[lid] = kind
        symbols = physical_symbols(template, physical, region, account, name)
        outputs = {k: _resolved(o["Value"], symbols) for k, o in template.get("Outputs", {}).items()}
        stack = cls(name, region, {k: v for k, v in outputs.items() if isinstance(v, str)}, template, physical, types, account=account)
        for fn in expected_functions(template, symbols).values():
            # Both probes deploy the same asset object.
            body = stack.objects.setdefault((fn.code_bucket, fn.code_key), f"zip of asset {fn.code_key}".encode())
            stack.function_configs[fn.name] = {
                "FunctionName": fn.name,
                "CodeSha256": base64.b64encode(hashlib.sha256(body).digest()).decode(),
                "Environment": {"Variables": dict(fn.environment)},
            }
        for vpce, (service, doc) in expected_endpoint_policies(template, symbols).items():
            stack.endpoint_policies[vpce] = (service, json.dumps(doc))
        arn, doc = expected_identity_policy(template, symbols)
        stack.managed_policies[arn] = doc
        for lid, kind in types.items():
            if kind == "AWS::EC2::VPC":
                stack.firewall_fail_open[physical[lid]] = "DISABLED"
        return stack

    def function_named(self, output: str) -> dict:
        return self.function_configs[self.outputs[output]]


def _resolved(value, symbols):
    from tools.prove.resolve import UnresolvedIntrinsic, resolve

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
            path = urlsplit(self.path).path
            prefix, suffix = "/2015-03-31/functions/", "/configuration"
            if path.startswith(prefix) and path.endswith(suffix):
                return self._function_configuration(unquote(path[len(prefix):-len(suffix)]))
            bucket, _, key = path.lstrip("/").partition("/")
            return self._s3_get(unquote(bucket), unquote(key))

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not self._signed():
                return
            target = self.headers.get("X-Amz-Target", "")
            if target == "Route53Resolver.GetFirewallConfig":
                return self._firewall_config(json.loads(body or b"{}"))
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
            prefix, suffix = "/2015-03-31/functions/", "/invocations"
            if self.path.startswith(prefix) and self.path.endswith(suffix):
                return self._invoke(unquote(self.path[len(prefix):-len(suffix)]), body)
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
            fake.calls.append("GetFirewallConfig")
            vpc = request.get("ResourceId", "")
            state = next((s.firewall_fail_open[vpc] for s in fake._all() if vpc in s.firewall_fail_open), "DISABLED")
            body = {"FirewallConfig": {"Id": "rslvr-fc-1", "ResourceId": vpc, "OwnerId": ACCOUNT, "FirewallFailOpen": state}}
            self._send(200, json.dumps(body).encode(), "application/x-amz-json-1.1")

        # ------------------------------------------------------------------ Lambda and S3
        def _function_configuration(self, name):
            fake.calls.append("GetFunctionConfiguration")
            for s in fake._all():
                if name in s.function_configs:
                    return self._send(200, json.dumps(s.function_configs[name]).encode(), "application/json")
            body = json.dumps({"Type": "User", "message": f"Function not found: {name}"}).encode()
            self._send(404, body, "application/json", {"x-amzn-ErrorType": "ResourceNotFoundException"})

        def _s3_get(self, bucket, key):
            fake.calls.append("GetObject")
            for s in fake._all():
                if (bucket, key) in s.objects:
                    return self._send(200, s.objects[(bucket, key)], "application/zip")
            self._send(404, b"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>", "application/xml")

        def _invoke(self, function, payload):
            fake.invoked.append((function, payload, self.headers.get("X-Amz-Invocation-Type", "")))
            if function not in fake.functions:
                body = json.dumps({"Type": "User", "message": f"Function not found: {function}"}).encode()
                return self._send(404, body, "application/json", {"x-amzn-ErrorType": "ResourceNotFoundException"})
            result = fake.functions[function]
            if isinstance(result, tuple):
                body = json.dumps({"errorMessage": result[1], "errorType": "Exception"}).encode()
                return self._send(200, body, "application/json", {"X-Amz-Function-Error": "Unhandled"})
            self._send(200, json.dumps(result).encode(), "application/json")

    return Handler
