"""A hostile recording replays with no script running and no request the asset policy forbids."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtWidgets import QApplication

from replay_core.reader import prepare_events
from tests.snapshot_nodes import el
from viewer.player.headless import wait_until
from viewer.player.moment import MomentRenderer
from viewer.player.scheme import PAGE_URL

pytestmark = pytest.mark.webengine
T0 = 1_750_000_000_000
SENTINEL_PROBE = (
    "[typeof window.__pwned, (function () { try { return typeof document.querySelector('iframe')"
    ".contentWindow.__pwned; } catch (e) { return 'inaccessible'; } })()].join(',')"
)


class Hits(BaseHTTPRequestHandler):
    seen: list[str] = []

    def _record(self) -> None:
        Hits.seen.append(f"{self.command} {self.path}")
        body = b"GIF89a" if self.path.endswith(".gif") else b"body{}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _record

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def hostile_server() -> Iterator[str]:
    Hits.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hits)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def text(node_id: int, value: str) -> dict:
    return {"type": 3, "id": node_id, "textContent": value}


def hostile_events(origin: str) -> list[dict]:
    run = "parent.__pwned=1;window.__pwned=1;fetch('" + origin + "/ran-script')"
    body = el(
        10,
        "body",
        {},
        [
            text(11, "HOSTILE PAGE LOADED"),
            el(12, "script", {}, [text(13, run)]),
            el(14, "img", {"src": origin + "/broken-on-purpose", "onerror": run}),
            el(15, "a", {"href": "javascript:" + run, "id": "js-link"}, [text(16, "click me")]),
            el(17, "iframe", {"srcdoc": "<script>" + run + "</script><p>inner</p>"}),
            el(
                18,
                "form",
                {"action": origin + "/submit", "method": "post", "id": "f"},
                [
                    el(19, "input", {"name": "q", "value": "x", "autofocus": "", "onfocus": run}),
                ],
            ),
            el(20, "script", {}, [text(21, "document.getElementById('f').submit()")]),
            el(22, "img", {"src": origin + "/pixel.gif"}),
            el(23, "object", {"data": origin + "/object"}),
            el(24, "svg", {"onload": run}, []),
            el(25, "div", {"onmouseover": run, "style": "width:500px;height:300px"}, [text(26, "hover me")]),
        ],
    )
    head = el(
        3,
        "head",
        {},
        [
            el(4, "meta", {"http-equiv": "refresh", "content": "0;url=" + origin + "/refresh"}),
            el(5, "script", {"src": origin + "/evil.js"}),
            el(6, "link", {"rel": "stylesheet", "href": origin + "/style.css"}),
            el(7, "base", {"href": origin + "/base/"}),
        ],
    )
    document = {"type": 0, "id": 1, "childNodes": [el(2, "html", {}, [head, body])]}
    later_script = {"parentId": 10, "nextId": None, "node": el(30, "script", {}, [text(31, run)])}
    return [
        {"type": 4, "timestamp": T0, "data": {"href": origin + "/page", "width": 800, "height": 600}},
        {"type": 2, "timestamp": T0 + 5, "data": {"node": document, "initialOffset": {"top": 0, "left": 0}}},
        {
            "type": 3,
            "timestamp": T0 + 500,
            "data": {
                "source": 0,
                "adds": [later_script],
                "removes": [],
                "texts": [],
                "attributes": [{"id": 15, "attributes": {"href": "javascript:" + run}}],
            },
        },
        {"type": 3, "timestamp": T0 + 600, "data": {"source": 2, "type": 2, "id": 15, "x": 10, "y": 10}},
        {
            "type": 3,
            "timestamp": T0 + 700,
            "data": {"source": 5, "id": 19, "text": "typed", "isChecked": False},
        },
        {
            "type": 3,
            "timestamp": T0 + 2000,
            "data": {"source": 1, "positions": [{"x": 5, "y": 5, "id": 25, "timeOffset": 0}]},
        },
    ]


def evaluate(renderer: MomentRenderer, script: str) -> str:
    result: list[str] = []
    renderer.view.page().runJavaScript(script, 0, result.append)
    wait_until(lambda: bool(result), 10, "the page to answer")
    return str(result[0])


def settle(seconds: float) -> None:
    end = __import__("time").monotonic() + seconds
    wait_until(lambda: __import__("time").monotonic() > end, seconds + 5, "settling")


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


@pytest.mark.parametrize("cached", [False, True], ids=["nothing-cached", "assets-cached"])
def test_hostile_recording_runs_no_script_and_makes_no_network_request(
    qapp: QApplication, hostile_server: str, cached: bool
) -> None:
    """The page never reaches the network (issue 18): with the replay's assets in the cache they are served
    by our scheme instead, and the recorded site, up and answering, sees no request at all."""
    renderer = MomentRenderer.start()
    assets = (
        ({hostile_server + "/pixel.gif": "a" * 64, hostile_server + "/style.css": "b" * 64},
         {"a" * 64: ("image/gif", GIF), "b" * 64: ("text/css", b"body{color:red}")})
        if cached else None
    )  # fmt: skip
    try:
        recording = prepare_events(hostile_events(hostile_server))
        renderer.show(recording, assets=assets)
        renderer.seek(recording.duration_ms, play=False)
        renderer.seek(0, play=True)  # play through every event, including the late script and the click
        settle(3.0)
        assert "HOSTILE PAGE LOADED" in renderer.text().visible
        assert evaluate(renderer, SENTINEL_PROBE) == "undefined,undefined"
        assert renderer.view.page().url() == PAGE_URL
        records = renderer.view.interceptor.log.records()
        assert Hits.seen == [], f"requests that reached the recorded site: {Hits.seen}"
        assert any(r.url.startswith(hostile_server) and not r.allowed for r in records)  # tried, and blocked
        assert not any(r.allowed and not r.redirected_to for r in records if r.url.startswith(hostile_server))
        redirected = {r.url.removeprefix(hostile_server) for r in records if r.redirected_to}
        if cached:
            assert "/pixel.gif" in redirected  # the cached copy stood in for it
            width = evaluate(renderer, "String(document.querySelector('iframe').contentDocument"
                                       ".querySelector('img[src$=\"pixel.gif\"]').naturalWidth)")  # fmt: skip
            assert width == "1"
        else:
            assert redirected == set()
    finally:
        renderer.close()


def test_the_heatmap_overlay_on_a_hostile_recording_runs_no_script_and_adds_no_request(
    qapp: QApplication, hostile_server: str
) -> None:
    """The overlay (resources/player/heatmap-overlay.js) reads the rebuilt page and draws over it; recorded
    text in selectors, labels and the caption reaches the player page as text, never as markup."""
    renderer = MomentRenderer.start()
    drawn: list[dict] = []
    renderer.view.heatmapDrawn.connect(drawn.append)
    chosen: list[str] = []
    renderer.view.heatmapElementClicked.connect(chosen.append)
    run = "parent.__pwned=1;window.__pwned=1;fetch('" + hostile_server + "/ran-script')"
    markup = f'<img src="{hostile_server}/label.gif" onerror="{run}"><script>{run}</script>'
    try:
        recording = prepare_events(hostile_events(hostile_server))
        renderer.show(recording)
        renderer.seek(recording.duration_ms, play=False)
        before = list(Hits.seen)
        renderer.view.show_heatmap({
            "modes": {"clicks": True, "heat": True, "scroll": True},
            "elements": [
                {"selector": "a#js-link", "label": markup, "clicks": 5, "visits": 2, "replays": 2, "rage": 1, "dead": 0},
                {"selector": "div", "label": markup, "clicks": 2, "visits": 1, "replays": 1, "rage": 0, "dead": 0},
                {"selector": "img[onerror]", "label": "x", "clicks": 1, "visits": 1, "replays": 1, "rage": 0, "dead": 0},
                {"selector": "'); }<script>", "label": "x", "clicks": 1, "visits": 1, "replays": 1, "rage": 0, "dead": 0},
            ],
            "spots": [[0, 12, 12, 5], [1, 100, 100, 2], [3, 1, 1, 1]],
            "scroll": {"visits": 2, "page_height_px": 1200, "fold_px": 600, "depths": [[0, 1.0], [50, 0.5], [100, 0.0]]},
            "caption": markup,
            "scroll_to_top": True,
        })  # fmt: skip
        wait_until(lambda: bool(drawn), 10, "the overlay to be drawn")
        assert drawn[0]["found"] >= 2 and drawn[0]["missing"] >= 1  # on the page; the broken selector skipped
        # Hovering and choosing the hottest element, as a person would.
        evaluate(
            renderer,
            "(function(){const e=document.querySelector('.heatmap-element');"
            "e.dispatchEvent(new MouseEvent('mouseenter'));return e.click(), 'ok';})()",
        )
        settle(1.5)
        assert chosen == ["a#js-link"]  # the hottest element, clicked, names itself to the app
        assert int(float(evaluate(renderer, "document.querySelectorAll('.heatmap-layer *').length"))) > 3
        assert (
            evaluate(
                renderer,
                "String(document.querySelectorAll('.heatmap-layer img, .heatmap-layer script').length)",
            )
            == "0"
        )
        assert markup in evaluate(renderer, "document.querySelector('.heatmap-caption').textContent")
        assert evaluate(renderer, SENTINEL_PROBE) == "undefined,undefined"
        assert renderer.view.page().url() == PAGE_URL
        assert [h for h in Hits.seen if h not in before] == []  # the overlay asked for nothing
    finally:
        renderer.close()
