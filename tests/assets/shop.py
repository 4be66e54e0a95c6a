"""The small shop site the asset cache's end-to-end tests record and replay, on 127.0.0.1 (tests.assets.site):
a stylesheet that is not inlined, a web font, an image and a CSS background; and its recording, rrweb events
written here as rrweb records such a page (the stylesheet a link without `_cssText`, as when it is
cross-origin). One definition for the app's tests (tests/assets) and the server's capture (tests/replay_api)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from tests.assets.site import Site
from tests.snapshot_nodes import el

FONT = Path("/usr/share/fonts/opentype/urw-base35/URWBookman-LightItalic.otf")
RED, GREEN, BLUE = (220, 20, 20), (20, 200, 20), (20, 20, 220)
# The paths the recording references, as the site's log names their GETs.
SHOP_GETS = ["GET /css/site.css", "GET /fonts/probe.otf", "GET /img/bg.png", "GET /img/logo.png"]


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid PNG, written by hand (no imaging library needed)."""
    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


CSS = (
    b"@font-face{font-family:Probe;src:url(../fonts/probe.otf) format('opentype')}"
    b"h1{font-family:Probe,monospace;font-size:48px;margin:0;height:80px}"
    b".hero{background:url(../img/bg.png);width:300px;height:100px}"
    b"img{display:block;width:100px;height:100px}body{margin:0;background:#fff}"
)


def serve_shop() -> Site:
    """The shop, up on a free port of 127.0.0.1 (stop it with `.stop()`)."""
    served = Site()
    served.file("/css/site.css", "text/css", CSS)
    served.file("/fonts/probe.otf", "font/otf", FONT.read_bytes())
    served.file("/img/logo.png", "image/png", png(100, 100, RED))
    served.file("/img/bg.png", "image/png", png(20, 20, BLUE))
    return served


def recording(origin: str, start_ms: int) -> list[dict]:
    head = el(3, "head", {}, [el(4, "link", {"rel": "stylesheet", "href": origin + "/css/site.css"})])
    body = el(5, "body", {}, [
        el(6, "h1", {}, [{"type": 3, "id": 7, "textContent": "Quick fox"}]),
        el(8, "img", {"src": origin + "/img/logo.png", "alt": ""}),
        el(9, "div", {"class": "hero"}),
    ])  # fmt: skip
    document = {"type": 0, "id": 1, "childNodes": [el(2, "html", {}, [head, body])]}
    return [
        {"type": 4, "timestamp": start_ms, "data": {"href": origin + "/index.html", "width": 400, "height": 300}},
        {"type": 2, "timestamp": start_ms + 5, "data": {"node": document, "initialOffset": {"top": 0, "left": 0}}},
        {"type": 3, "timestamp": start_ms + 1000,
         "data": {"source": 1, "positions": [{"x": 390, "y": 290, "id": 5, "timeOffset": 0}]}},
    ]  # fmt: skip
