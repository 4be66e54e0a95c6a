"""A small site on 127.0.0.1 for the asset cache's tests: real HTTP, routes set by each test."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A route: path → (status, headers, body); or a callable writing the answer itself.
Route = tuple[int, dict[str, str], bytes]
Writer = Callable[[BaseHTTPRequestHandler], None]


class Site:
    def __init__(self) -> None:
        self.routes: dict[str, Route | Writer] = {}
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                site.hits.append(f"GET {self.path}")
                route = site.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif callable(route):
                    route(self)
                else:
                    status, headers, body = route
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                site.hits.append(f"POST {self.path}")
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def file(self, path: str, content_type: str, body: bytes) -> None:
        self.routes[path] = (200, {"Content-Type": content_type}, body)

    def redirect(self, path: str, location: str) -> None:
        self.routes[path] = (302, {"Location": location}, b"")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def endless(handler: BaseHTTPRequestHandler) -> None:
    """An image that never ends (chunked, no length): the fetch must stop at the cap."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/png")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    block = b"\0" * 65536
    try:
        for _ in range(50 * 16):  # 50 MB
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
        handler.wfile.write(b"0\r\n\r\n")
    except OSError:
        pass  # the client hung up at its cap


def dripping(handler: BaseHTTPRequestHandler) -> None:
    """A font sent a few bytes at a time, slower than any timeout."""
    handler.send_response(200)
    handler.send_header("Content-Type", "font/woff2")
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    try:
        for _ in range(100):
            handler.wfile.write(b"0123456789")
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        pass
