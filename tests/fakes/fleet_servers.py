"""A local stand-in for an organisation's fleet, as `make verify FLEET=...` sees it.

One HTTP server on 127.0.0.1 that real botocore talks to (every service's endpoint URL
points at it). It tells callers apart by the access key in their SigV4 Authorization header,
as AWS does by credentials:
- the administrator's key (the test's environment credentials) may call STS AssumeRole and
  the StackSet APIs: ListStackInstances (with each instance's DriftStatus), DescribeStackSet
  (its TemplateBody and drift details), DetectStackSetDrift, DescribeStackSetOperation
  (query protocol, XML);
- AssumeRole of a member account's verifier role returns that account's temporary keys,
  unless the account is `denied` (AccessDenied, as a trust policy refusing the caller);
- any other request signed with a member account's keys is forwarded, byte for byte, to
  that account's FakeStackAndLambda (tests/fakes/aws_control_servers.py).

Throttling and slowness, as AWS shows them at scale: `throttle[(who, operation)] = n`
answers the first n such calls (who: "admin" or a member account) as throttled: STS and
CloudFormation `Throttling` (HTTP 400), Lambda `TooManyRequestsException` (HTTP 429, the
function not run); `slow[account] = s` delays each of that account's requests by s seconds.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from tests.fakes.aws_control_servers import FakeStackAndLambda
from tests.fakes.loopback import AwsHandler, LoopbackServers

_STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
_CFN_NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
_ROLE = re.compile(r"^arn:aws:iam::(\d{12}):role/(.+)$")
_INVOKE = re.compile(r"^/2015-03-31/functions/[^/]+/invocations")


@dataclass
class FleetInstance:
    """One StackSet instance as ListStackInstances lists it."""

    stack_set: str
    account: str
    region: str
    stack_name: str
    status: str = "CURRENT"


@dataclass
class FakeFleet(LoopbackServers):
    admin_key: str
    # account -> that account's stand-in (its stacks and functions), or region -> stand-in
    # where an account's regions need their own (the same resource ids in both)
    members: dict[str, FakeStackAndLambda | dict[str, FakeStackAndLambda]]
    denied: set[str] = field(default_factory=set)  # accounts whose verifier role refuses the caller
    instances: list[FleetInstance] = field(default_factory=list)
    templates: dict[str, dict] = field(default_factory=dict)  # StackSet name -> its TemplateBody
    drifted: set[tuple[str, str]] = field(default_factory=set)  # (account, region) whose stack drift detection finds DRIFTED
    undetectable: set[tuple[str, str]] = field(default_factory=set)  # (account, region) whose detection fails: UNKNOWN
    drift_running_polls: int = 0  # DescribeStackSetOperation answers RUNNING this many times first
    throttle: dict[tuple[str, str], int] = field(default_factory=dict)  # (who, operation) -> throttled answers left
    slow: dict[str, float] = field(default_factory=dict)  # account -> seconds each of its requests takes
    assumed: list[tuple[str, str, str]] = field(default_factory=list)  # (caller key, role ARN, session name)
    listed: list[dict[str, str]] = field(default_factory=list)  # ListStackInstances parameters
    detections: list[dict[str, str]] = field(default_factory=list)  # DetectStackSetDrift parameters
    calls: list[tuple[str, str]] = field(default_factory=list)  # (who, operation) of every request, throttled ones included
    throttled: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._drift_checked: set[str] = set()  # StackSets whose detection has completed
        self._polls: dict[str, int] = {}
        self._serve({"fleet": _handler(self)})

    @staticmethod
    def member_key(account: str) -> str:
        return f"ASIAFLEET{account}"

    def _take_throttle(self, who: str, operation: str) -> bool:
        with self._lock:
            self.calls.append((who, operation))
            left = self.throttle.get((who, operation), 0)
            if left > 0:
                self.throttle[(who, operation)] = left - 1
                self.throttled.append((who, operation))
                return True
            return False

    def drift_of(self, i: FleetInstance) -> str:
        if i.stack_set not in self._drift_checked:
            return "NOT_CHECKED"
        if (i.account, i.region) in self.undetectable:
            return "UNKNOWN"
        return "DRIFTED" if (i.account, i.region) in self.drifted else "IN_SYNC"


def _member_operation(method: str, path: str, body: bytes, headers) -> str:
    if _INVOKE.match(path):
        return "Invoke"
    if headers.get("X-Amz-Target"):
        return headers["X-Amz-Target"].split(".")[-1]
    if method == "POST" and path == "/":
        return parse_qs(body.decode()).get("Action", ["?"])[0]
    return f"{method} {urlsplit(path).path}"


def _handler(fleet: FakeFleet):
    key_to_account = {FakeFleet.member_key(a): a for a in fleet.members}

    class Handler(AwsHandler):
        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None, ctype: str = "text/xml") -> None:
            self.reply(status, body, ctype, headers)

        def _route(self, method: str) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            m = _CREDENTIAL.search(self.headers.get("Authorization", ""))
            if not m:
                return self._send(403, b"<Error><Code>MissingAuthenticationToken</Code></Error>")
            key, region, service = m.groups()
            if key == fleet.admin_key:
                return self._administrator(service, body)
            account = key_to_account.get(key)
            if account is None:
                return self._send(403, b"<Error><Code>InvalidClientTokenId</Code><Message>unknown key</Message></Error>")
            if account in fleet.slow:
                time.sleep(fleet.slow[account])
            operation = _member_operation(method, self.path, body, self.headers)
            if fleet._take_throttle(account, operation):
                return self._throttled(service, operation)
            target = fleet.members[account]
            self._forward(target[region] if isinstance(target, dict) else target, method, body)

        do_GET = lambda self: self._route("GET")  # noqa: E731
        do_POST = lambda self: self._route("POST")  # noqa: E731

        def _throttled(self, service: str, operation: str) -> None:
            if operation == "Invoke":
                # Lambda's throttle: the function did not run.
                return self._send(429, json.dumps({"Type": "User", "message": "Rate Exceeded.", "Reason": "CallerRateLimitExceeded"}).encode(),
                                  {"x-amzn-ErrorType": "TooManyRequestsException"}, "application/json")
            ns = _STS_NS if service == "sts" else _CFN_NS
            xml = (f'<ErrorResponse xmlns="{ns}"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>'
                   "<RequestId>r-1</RequestId></ErrorResponse>")
            self._send(400, xml.encode())

        def _cfn_ok(self, action: str, inner: str) -> None:
            xml = (f'<{action}Response xmlns="{_CFN_NS}"><{action}Result>{inner}</{action}Result>'
                   f"<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></{action}Response>")
            self._send(200, xml.encode())

        def _cfn_error(self, status: int, code: str, message: str) -> None:
            xml = (f'<ErrorResponse xmlns="{_CFN_NS}"><Error><Type>Sender</Type><Code>{code}</Code><Message>{escape(message)}</Message></Error>'
                   "<RequestId>r-1</RequestId></ErrorResponse>")
            self._send(status, xml.encode())

        # ------------------------------------------------------------ the administrator
        def _administrator(self, service: str, body: bytes) -> None:
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            action = form.get("Action", "")
            if fleet._take_throttle("admin", action):
                return self._throttled(service, action)
            if service == "sts" and action == "AssumeRole":
                return self._assume_role(form)
            handler = {
                "ListStackInstances": self._list_stack_instances, "DescribeStackSet": self._describe_stack_set,
                "DetectStackSetDrift": self._detect_stack_set_drift, "DescribeStackSetOperation": self._describe_stack_set_operation,
            }.get(action) if service == "cloudformation" else None
            if handler is not None:
                return handler(form)
            # The administrator's own keys reach nothing in the member accounts.
            self._send(403, b"<Error><Code>AccessDenied</Code><Message>not in this account</Message></Error>")

        def _assume_role(self, form: dict[str, str]) -> None:
            arn, session = form.get("RoleArn", ""), form.get("RoleSessionName", "")
            with fleet._lock:
                fleet.assumed.append((fleet.admin_key, arn, session))
            m = _ROLE.match(arn)
            account = m.group(1) if m else ""
            if account not in fleet.members or account in fleet.denied:
                xml = (f'<ErrorResponse xmlns="{_STS_NS}"><Error><Type>Sender</Type><Code>AccessDenied</Code>'
                       f"<Message>User is not authorized to perform: sts:AssumeRole on resource: {escape(arn)}</Message></Error>"
                       "<RequestId>r-1</RequestId></ErrorResponse>")
                return self._send(403, xml.encode())
            xml = (f'<AssumeRoleResponse xmlns="{_STS_NS}"><AssumeRoleResult><Credentials>'
                   f"<AccessKeyId>{FakeFleet.member_key(account)}</AccessKeyId><SecretAccessKey>fleet-secret-{account}</SecretAccessKey>"
                   f"<SessionToken>fleet-token-{account}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
                   f"<AssumedRoleUser><AssumedRoleId>AROAFLEET:{escape(session)}</AssumedRoleId>"
                   f"<Arn>arn:aws:sts::{account}:assumed-role/{escape(m.group(2))}/{escape(session)}</Arn></AssumedRoleUser>"  # type: ignore[union-attr]
                   "</AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleResponse>")
            self._send(200, xml.encode())

        def _list_stack_instances(self, form: dict[str, str]) -> None:
            with fleet._lock:
                fleet.listed.append(form)
            rows = "".join(
                f"<member><StackSetId>{escape(i.stack_set)}:1</StackSetId><Region>{i.region}</Region><Account>{i.account}</Account>"
                f"<StackId>arn:aws:cloudformation:{i.region}:{i.account}:stack/{escape(i.stack_name)}/1</StackId>"
                f"<Status>{i.status}</Status><DriftStatus>{fleet.drift_of(i)}</DriftStatus></member>"
                for i in fleet.instances if i.stack_set == form.get("StackSetName")
            )
            self._cfn_ok("ListStackInstances", f"<Summaries>{rows}</Summaries>")

        def _describe_stack_set(self, form: dict[str, str]) -> None:
            name = form.get("StackSetName", "")
            if name not in fleet.templates:
                return self._cfn_error(404, "StackSetNotFoundException", f"StackSet {name} not found")
            mine = [i for i in fleet.instances if i.stack_set == name]
            drift = "NOT_CHECKED"
            if name in fleet._drift_checked:
                drift = "DRIFTED" if any(fleet.drift_of(i) == "DRIFTED" for i in mine) else "IN_SYNC"
            self._cfn_ok("DescribeStackSet", (
                f"<StackSet><StackSetName>{escape(name)}</StackSetName><StackSetId>{escape(name)}:1</StackSetId><Status>ACTIVE</Status>"
                f"<TemplateBody>{escape(json.dumps(fleet.templates[name]))}</TemplateBody>"
                f"<StackSetARN>arn:aws:cloudformation:us-east-1:999988887777:stackset/{escape(name)}:1</StackSetARN>"
                f"<PermissionModel>SERVICE_MANAGED</PermissionModel>"
                f"<StackSetDriftDetectionDetails><DriftStatus>{drift}</DriftStatus></StackSetDriftDetectionDetails></StackSet>"
            ))

        def _detect_stack_set_drift(self, form: dict[str, str]) -> None:
            name = form.get("StackSetName", "")
            with fleet._lock:
                fleet.detections.append(form)
                fleet._polls[name] = fleet.drift_running_polls
            self._cfn_ok("DetectStackSetDrift", f"<OperationId>drift-{escape(name)}</OperationId>")

        def _describe_stack_set_operation(self, form: dict[str, str]) -> None:
            name = form.get("StackSetName", "")
            with fleet._lock:
                left = fleet._polls.get(name, 0)
                fleet._polls[name] = left - 1
                if left <= 0:
                    fleet._drift_checked.add(name)
            status = "RUNNING" if left > 0 else "SUCCEEDED"
            self._cfn_ok("DescribeStackSetOperation", (
                f"<StackSetOperation><OperationId>{escape(form.get('OperationId', ''))}</OperationId><StackSetId>{escape(name)}:1</StackSetId>"
                f"<Action>DETECT_DRIFT</Action><Status>{status}</Status></StackSetOperation>"
            ))

        # ------------------------------------------------------------ member accounts
        def _forward(self, member: FakeStackAndLambda, method: str, body: bytes) -> None:
            target = urlsplit(member.url)
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            conn.request(method, self.path, body=body or None, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            passed = {k: v for k, v in response.getheaders() if k.lower() not in ("content-length", "content-type", "transfer-encoding", "connection", "date", "server")}
            self._send(response.status, payload, passed, response.getheader("Content-Type", "application/octet-stream"))
            conn.close()

    return Handler
