"""A local stand-in for an organisation's fleet, as `make verify FLEET=...` sees it.

One HTTP server on 127.0.0.1 that real botocore talks to (every service's endpoint URL
points at it). It tells callers apart by the access key in their SigV4 Authorization header,
as AWS does by credentials:
- the administrator's key (the test's environment credentials) may call STS AssumeRole and
  CloudFormation ListStackInstances (query protocol, XML);
- AssumeRole of a member account's verifier role returns that account's temporary keys,
  unless the account is `denied` (AccessDenied, as a trust policy refusing the caller);
- any other request signed with a member account's keys is forwarded, byte for byte, to
  that account's FakeStackAndLambda (tests/fakes/aws_control_servers.py).
"""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from tests.fakes.aws_control_servers import FakeStackAndLambda
from tests.fakes.loopback import AwsHandler, LoopbackServers

_STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
_CFN_NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
_ROLE = re.compile(r"^arn:aws:iam::(\d{12}):role/(.+)$")


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
    members: dict[str, FakeStackAndLambda]  # account -> that account's stand-in (its stacks and functions)
    denied: set[str] = field(default_factory=set)  # accounts whose verifier role refuses the caller
    instances: list[FleetInstance] = field(default_factory=list)
    assumed: list[tuple[str, str, str]] = field(default_factory=list)  # (caller key, role ARN, session name)
    listed: list[dict[str, str]] = field(default_factory=list)  # ListStackInstances parameters

    def __post_init__(self) -> None:
        self._serve({"fleet": _handler(self)})

    @staticmethod
    def member_key(account: str) -> str:
        return f"ASIAFLEET{account}"


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
            key, _, service = m.groups()
            if key == fleet.admin_key:
                return self._administrator(service, body)
            account = key_to_account.get(key)
            if account is None:
                return self._send(403, b"<Error><Code>InvalidClientTokenId</Code><Message>unknown key</Message></Error>")
            self._forward(fleet.members[account], method, body)

        do_GET = lambda self: self._route("GET")  # noqa: E731
        do_POST = lambda self: self._route("POST")  # noqa: E731

        # ------------------------------------------------------------ the administrator
        def _administrator(self, service: str, body: bytes) -> None:
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if service == "sts" and form.get("Action") == "AssumeRole":
                return self._assume_role(form)
            if service == "cloudformation" and form.get("Action") == "ListStackInstances":
                return self._list_stack_instances(form)
            # The administrator's own keys reach nothing in the member accounts.
            self._send(403, b"<Error><Code>AccessDenied</Code><Message>not in this account</Message></Error>")

        def _assume_role(self, form: dict[str, str]) -> None:
            arn, session = form.get("RoleArn", ""), form.get("RoleSessionName", "")
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
            fleet.listed.append(form)
            rows = "".join(
                f"<member><StackSetId>{escape(i.stack_set)}:1</StackSetId><Region>{i.region}</Region><Account>{i.account}</Account>"
                f"<StackId>arn:aws:cloudformation:{i.region}:{i.account}:stack/{escape(i.stack_name)}/1</StackId>"
                f"<Status>{i.status}</Status></member>"
                for i in fleet.instances if i.stack_set == form.get("StackSetName")
            )
            xml = (f'<ListStackInstancesResponse xmlns="{_CFN_NS}"><ListStackInstancesResult><Summaries>{rows}</Summaries>'
                   "</ListStackInstancesResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></ListStackInstancesResponse>")
            self._send(200, xml.encode())

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
