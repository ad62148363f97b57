"""A local stand-in for CloudFormation DescribeStacks and Lambda Invoke, with recorded reports."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote
from xml.sax.saxutils import escape

_NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"


class FakeStackAndLambda:
    """stacks: {stack name: {output key: value}}; functions: {name: report dict, or
    ("unhandled", message) for a function that crashed}."""

    def __init__(self, stacks: dict, functions: dict):
        self.stacks, self.functions = stacks, functions
        self.invoked: list[tuple[str, bytes, str]] = []  # (function, payload, invocation type)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


def _handler_for(fake: FakeStackAndLambda):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, status, body: bytes, ctype="text/xml", headers=None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 "):
                return self._send(403, b'{"message":"missing signature"}', "application/json")
            if self.path == "/":
                return self._cloudformation(parse_qs(body.decode()))
            prefix, suffix = "/2015-03-31/functions/", "/invocations"
            if self.path.startswith(prefix) and self.path.endswith(suffix):
                return self._invoke(unquote(self.path[len(prefix):-len(suffix)]), body)
            self._send(404, b"{}", "application/json")

        def _cloudformation(self, form):
            name = form.get("StackName", [""])[0]
            if form.get("Action") != ["DescribeStacks"] or name not in fake.stacks:
                msg = f"Stack with id {name} does not exist"
                xml = (f'<ErrorResponse xmlns="{_NS}"><Error><Type>Sender</Type><Code>ValidationError</Code>'
                       f"<Message>{escape(msg)}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>")
                return self._send(400, xml.encode())
            outputs = "".join(f"<member><OutputKey>{escape(k)}</OutputKey><OutputValue>{escape(v)}</OutputValue></member>"
                              for k, v in fake.stacks[name].items())
            xml = (f'<DescribeStacksResponse xmlns="{_NS}"><DescribeStacksResult><Stacks><member>'
                   f"<StackName>{escape(name)}</StackName><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/{escape(name)}/1</StackId>"
                   f"<CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>"
                   f"<Outputs>{outputs}</Outputs></member></Stacks></DescribeStacksResult>"
                   f"<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></DescribeStacksResponse>")
            self._send(200, xml.encode())

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
