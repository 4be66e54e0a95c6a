"""A reverse proxy in front of the real replay API that waits before forwarding each request: a slow server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

# Hop-by-hop headers, and the length the proxy sets itself from the bytes it forwards.
_NOT_FORWARDED = {"host", "connection", "keep-alive", "transfer-encoding", "content-length"}


class SlowProxy(ThreadingHTTPServer):
    """Set `delay_s` to change how late it answers from the next request on."""

    daemon_threads = True

    def __init__(self, upstream: str, delay_s: float) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.delay_s = delay_s
        self.http = httpx.Client(base_url=upstream, timeout=60)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: SlowProxy
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def _forward(self) -> None:
        time.sleep(self.server.delay_s)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in _NOT_FORWARDED]
        request = self.server.http.build_request(self.command, self.path, headers=headers, content=body)
        response = self.server.http.send(request, stream=True)
        try:
            raw = b"".join(response.iter_raw())  # still compressed: passed on as the server sent it
        finally:
            response.close()
        self.send_response(response.status_code)
        for key, value in response.headers.multi_items():
            if key.lower() not in _NOT_FORWARDED:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the test output is about the sync


@contextmanager
def slow_proxy(upstream: str, delay_s: float) -> Iterator[SlowProxy]:
    """A running proxy to `upstream` that answers every request `delay_s` late."""
    server = SlowProxy(upstream, delay_s)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        server.http.close()
        thread.join(timeout=10)
