"""LoopbackServers: HTTP servers on 127.0.0.1 that a fake runs for the length of a `with`.

Every fake in this folder serves real HTTP (real botocore and the OpenAI SDK talk to it), on
ports the kernel picks so tests never collide; this base starts, names and stops them.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServers:
    """A fake with one or more named servers; `url` is the first one's address."""

    def _serve(self, handlers: dict[str, type[BaseHTTPRequestHandler]]) -> None:
        self._servers = {name: ThreadingHTTPServer(("127.0.0.1", 0), handler) for name, handler in handlers.items()}
        for server in self._servers.values():
            server.daemon_threads = True  # a handler still blocked (a slow fake) does not hold up shutdown

    def _url(self, name: str | None = None) -> str:
        server = self._servers[name] if name else next(iter(self._servers.values()))
        return f"http://127.0.0.1:{server.server_address[1]}"

    @property
    def url(self) -> str:
        return self._url()

    def __enter__(self):
        for server in self._servers.values():
            # shutdown() waits for the loop to notice, up to one poll interval (0.5 s by
            # default): a short one keeps each test's teardown from idling.
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()


class AwsHandler(BaseHTTPRequestHandler):
    """What every fake's request handler shares: keep-alive HTTP/1.1 as AWS speaks it, no
    request log in pytest's output, and one way to send a complete answer."""

    protocol_version = "HTTP/1.1"
    # The status line and headers go out in one write and the body in another: with Nagle's
    # algorithm the body waits for the client's delayed ACK of the first (~40 ms a request).
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:
        pass

    def reply(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

