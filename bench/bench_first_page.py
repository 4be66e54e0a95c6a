"""Opening a recording whose first page is big: where the time to the first frame goes, ours and rrweb's.

Issue 11 saw a documentation page whose first snapshot is 0.9 MB open in 1.69x the reference's time.
This makes such a page (sections of headings, paragraphs, code and links; DOCS_PAGE_BYTES of snapshot,
then a minute of pointer moves), opens it in both players OPEN_REPEATS times, and splits each open at
the same marks in the page: the events read (fetched and parsed), the first page rebuilt by rrweb, and
that page painted (two animation frames later: style, layout, paint and the compositor). Ours also
has the app's part before the page: reading the file and cutting its first page (its page_read is from
its chunk asked for to parsed; its total is from the app's read to the paint).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from bench import ours, reference
from bench.browser import launch_chromium
from bench.workload import OPEN_REPEATS, spread
from replay_core.preview import read_preview
from replay_core.reader import read_file
from viewer.player.headless import wait_until

DOCS_PAGE_BYTES = 900_000
START_MS = 1_790_000_000_000

# The reference page's open, split at the marks (same steps as its openRecording).
REFERENCE_OPEN = """async (url) => {
  const marks = { asked: performance.now() };
  const events = await (await fetch(url)).json();
  marks.read = performance.now();
  await new Promise((resolve) => {
    const replayer = new rrweb.Replayer(events, {
      root: document.getElementById('stage'), showWarning: false, mouseTail: false,
    });
    replayer.on('fullsnapshot-rebuilded', () => { marks.rebuilt = performance.now(); resolve(); });
  });
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  marks.painted = performance.now();
  return marks;
}"""

# Marks the same moments in our player page: its chunk parsed, rrweb's rebuild, the paint after it.
OUR_MARKS = """(() => {
  window.__marks = {};
  const mark = (name) => { if (!(name in __marks)) __marks[name] = performance.now(); };
  const fetch = window.fetch;
  window.fetch = function (...args) { mark('fetching'); return fetch.apply(this, args); };
  const json = Response.prototype.json;
  Response.prototype.json = async function () { const value = await json.call(this); mark('read'); return value; };
  const Base = rrweb.Replayer;
  rrweb.Replayer = class extends Base {
    constructor(events, config) {
      super(events, config);
      this.on('fullsnapshot-rebuilded', () => {
        mark('rebuilt');
        requestAnimationFrame(() => requestAnimationFrame(() => mark('painted')));
      });
    }
  };
  return true;
})()"""


def make_docs_page(path: Path) -> None:
    ids = iter(range(1, 10**7))

    def text(value: str) -> dict[str, Any]:
        return {"type": 3, "textContent": value, "id": next(ids)}

    def element(tag: str, attributes: dict[str, str], children: list[dict[str, Any]]) -> dict[str, Any]:
        return {"type": 2, "tagName": tag, "attributes": attributes, "childNodes": children, "id": next(ids)}

    paragraph = "Set the widget up once per page; every option below has a default that suits most sites. " * 2
    sections: list[dict[str, Any]] = []
    size = 0
    while size < DOCS_PAGE_BYTES:
        n = len(sections)
        section = element("section", {"class": "doc-section", "id": f"s{n}"}, [
            element("h2", {"class": "title"}, [text(f"Section {n}: configuring the widget")]),
            element("p", {}, [text(paragraph)]),
            element("pre", {"class": "code"}, [element("code", {}, [text("widget.configure({ a: 1, b: 2 });\n")])]),
            element("ul", {}, [
                element("li", {}, [element("a", {"href": f"#s{n}-{k}"}, [text(f"Option {k}")])]) for k in range(4)
            ]),
        ])  # fmt: skip
        sections.append(section)
        size += len(json.dumps(section))
    style = "body{font-family:sans-serif;margin:0 auto;max-width:900px} .code{background:#eee;padding:8px}"
    html = element("html", {"lang": "en"}, [
        element("head", {}, [element("style", {}, [text(style)])]),
        element("body", {}, [element("main", {}, sections)]),
    ])  # fmt: skip
    doctype = {"type": 1, "name": "html", "publicId": "", "systemId": "", "id": next(ids)}
    document = {"type": 0, "childNodes": [doctype, html], "id": next(ids)}
    meta = {"href": "https://docs.example.test/guide", "width": 1280, "height": 800}
    events: list[dict[str, Any]] = [
        {"type": 4, "timestamp": START_MS, "data": meta},
        {"type": 2, "timestamp": START_MS + 5, "data": {"node": document, "initialOffset": {"top": 0, "left": 0}}},
    ]
    for k in range(1, 600):
        position = {"x": 100 + k % 500, "y": 200, "id": 5, "timeOffset": 0}
        events.append({"type": 3, "timestamp": START_MS + 5 + k * 100, "data": {"source": 1, "positions": [position]}})
    path.write_text(json.dumps(events))


def _parts(marks: dict[str, float]) -> dict[str, float]:
    return {
        "read_ms": marks["read"] - marks["asked"],
        "rebuild_ms": marks["rebuilt"] - marks["read"],
        "paint_ms": marks["painted"] - marks["rebuilt"],
        "total_ms": marks["painted"] - marks["asked"],
    }


def _medians(rows: list[dict[str, float]]) -> dict[str, Any]:
    return {key: spread([row[key] for row in rows]) for key in rows[0]}


def measure_reference(path: Path) -> dict[str, Any]:
    with reference.site_for(path) as site, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        rows = []
        for _ in range(OPEN_REPEATS + 1):  # the first warms the page up, as our renderer is warm
            page.goto(site.url("pages/reference.html"), wait_until="load")
            rows.append(_parts(page.evaluate(REFERENCE_OPEN, site.url(f"recordings/{path.name}"))))
        browser.close()
    return _medians(rows[1:])


def measure_ours(path: Path) -> dict[str, Any]:
    renderer = ours._ready_renderer()
    rows = []
    try:
        for _ in range(OPEN_REPEATS + 1):
            answers: list[Any] = []
            renderer.view.page().runJavaScript(OUR_MARKS, 0, answers.append)
            wait_until(lambda: bool(answers), 30, "the page's marks")  # noqa: B023
            asked = time.perf_counter()
            preview = read_preview(read_file(path), name=path.name)
            if preview is None:
                raise RuntimeError("the docs page has no first page")
            cut = time.perf_counter()
            ours._show_first_frame(renderer, preview)
            shown = time.perf_counter()
            marks: list[str] = []
            renderer.view.page().runJavaScript("JSON.stringify(__marks)", 0, marks.append)
            wait_until(lambda: bool(marks), 30, "the page's marks")  # noqa: B023
            page = json.loads(marks[0])
            rows.append({
                "app_read_and_cut_ms": (cut - asked) * 1000,
                "page_read_ms": page["read"] - page["fetching"],
                "rebuild_ms": page["rebuilt"] - page["read"],
                "paint_ms": page["painted"] - page["rebuilt"],
                "total_ms": (shown - asked) * 1000,
            })  # fmt: skip
    finally:
        renderer.close()
    return _medians(rows[1:])


def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "docs-page.json"
        make_docs_page(path)
        print(f"docs page: {path.stat().st_size / 1e6:.2f} MB", flush=True)
        theirs = measure_reference(path)
        print(f"  reference: {theirs}", flush=True)
        mine = measure_ours(path)
        print(f"  ours:      {mine}", flush=True)
    ratio = round(mine["total_ms"]["p50"] / theirs["total_ms"]["p50"], 3)
    print(f"  open to first frame, ours / reference (p50): {ratio}", flush=True)
    return {"bytes": DOCS_PAGE_BYTES, "ours": mine, "reference": theirs, "ratio_open_to_first_frame": ratio}
