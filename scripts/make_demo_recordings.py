"""Record the first-run demo replays: scripted visits to the Demo Shop, recorded by the real rrweb recorder.

The shop (resources/demo/site/) is served on 127.0.0.1 and each visit (scripts/demo_visits.py) runs in
its own offscreen Qt WebEngine view and off-the-record profile. rrweb and scripts/demo_visitor.js are
injected into the top document of every page load; the visitor acts through DOM events, in real time.
The visits are then placed days apart, their local origin is replaced by https://demo-shop.example,
and the replays, profiles and analytics events are written to resources/demo/demo-replays.json.gz.

    QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1 .venv312/bin/python scripts/make_demo_recordings.py
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineScript
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_visits import PEOPLE, Step, Visit, all_visits  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "resources" / "demo" / "site"
OUTPUT = ROOT / "resources" / "demo" / "demo-replays.json.gz"
RRWEB = ROOT / "resources" / "player" / "node_modules" / "rrweb" / "dist" / "rrweb.umd.cjs"
VISITOR = Path(__file__).resolve().parent / "demo_visitor.js"
PUBLIC_ORIGIN = "https://demo-shop.example"
LOAD_TIMEOUT_S = 30.0
SETTLE_MS = 1500  # rrweb sends mouse positions in batches every 500 ms: let the last batch out


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        pass


def serve_site() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def recorder_script() -> QWebEngineScript:
    script = QWebEngineScript()
    script.setName("demo-recorder")
    script.setSourceCode(RRWEB.read_text(encoding="utf-8") + "\n;\n" + VISITOR.read_text(encoding="utf-8"))
    script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentCreation)
    script.setWorldId(QWebEngineScript.ScriptWorldId.MainWorld)
    script.setRunsOnSubFrames(False)
    return script


@dataclass
class RecordedVisit:
    visit: Visit
    replay_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    events: list[dict[str, Any]] = field(default_factory=list)
    analytics: list[dict[str, Any]] = field(default_factory=list)


class VisitPlayer:
    """Plays one visit's steps in its own view, collecting the rrweb events as they come."""

    def __init__(self, visit: Visit, base_url: str, script: QWebEngineScript, runner: VisitRunner):
        self.result = RecordedVisit(visit)
        self.base_url = base_url
        self.runner = runner
        self.steps = list(visit.steps)
        self.page_id = ""
        self.load_deadline = 0.0
        self.profile = QWebEngineProfile()  # off the record: each visitor gets an empty cart
        self.profile.scripts().insert(script)
        self.view = QWebEngineView()
        self.page = QWebEnginePage(self.profile, self.view)
        self.view.setPage(self.page)
        self.view.resize(*visit.viewport)

    def start(self) -> None:
        self.view.show()
        self.view.load(self.base_url + "index.html")
        self._next()

    def _later(self, ms: int, then: Callable[[], None]) -> None:
        QTimer.singleShot(max(0, ms), then)

    def _next(self) -> None:
        if not self.steps:
            self._later(SETTLE_MS, lambda: self._take(self.runner.finished))
            return
        step = self.steps.pop(0)
        if step.kind == "load":
            self.load_deadline = time.monotonic() + LOAD_TIMEOUT_S
            self._poll_load()
        elif step.kind == "track":
            self._track(step)
            self._next()
        elif step.kind == "idle":
            self._later(step.ms, self._next)
        else:
            self._act(step)

    def _act(self, step: Step) -> None:
        arguments = ", ".join(json.dumps(value) for value in step.args)
        self.page.runJavaScript(f"__demo.{step.kind}({arguments});", 0, lambda _: None)
        self._later(step.ms, self._next)

    def _poll_load(self) -> None:
        if time.monotonic() > self.load_deadline:
            self.runner.fail(f"a page of {self.result.visit.user_id}'s visit did not load: {self.page.url()}")
            return
        probe = "typeof __demo === 'object' ? __demo.loaded() : ''"
        self.page.runJavaScript(probe, 0, self._on_probe)

    def _on_probe(self, page_id: object) -> None:
        if isinstance(page_id, str) and page_id and page_id != self.page_id:
            self.page_id = page_id
            self._take(lambda: self._later(700, self._next))
        else:
            self._later(200, self._poll_load)

    def _take(self, then: Callable[[], None]) -> None:
        def arrived(text: object) -> None:
            self.result.events.extend(json.loads(str(text or "[]")))
            then()

        self.page.runJavaScript("__demo.take()", 0, arrived)

    def _track(self, step: Step) -> None:
        name, properties = step.args
        result = self.result
        result.analytics.append({
            "insert_id": f"{result.replay_id}-{len(result.analytics)}",
            "name": name,
            "time_ms": round(time.time() * 1000),
            "user_id": result.visit.user_id,
            "replay_id": result.replay_id,
            "properties": {**properties, "$current_url": self.page.url().toString(),
                           "$mp_replay_id": result.replay_id},
        })

    def close(self) -> None:
        self.view.close()
        self.page.deleteLater()
        self.view.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        self.profile.deleteLater()


class VisitRunner:
    """Runs the visits a few at a time and stops the event loop when all are done."""

    def __init__(self, app: QApplication, visits: list[Visit], base_url: str, parallel: int):
        self.app = app
        self.waiting = list(visits)
        self.base_url = base_url
        self.parallel = parallel
        self.script = recorder_script()
        self.running = 0
        self.players: list[VisitPlayer] = []
        self.error = ""

    def run(self) -> list[RecordedVisit]:
        for _ in range(min(self.parallel, len(self.waiting))):
            self._start_next()
        self.app.exec()
        for player in self.players:
            player.close()
        if self.error:
            raise SystemExit(self.error)
        return [player.result for player in self.players]

    def _start_next(self) -> None:
        visit = self.waiting.pop(0)
        player = VisitPlayer(visit, self.base_url, self.script, self)
        self.players.append(player)
        self.running += 1
        print(f"recording {visit.user_id} ({len(visit.steps)} steps)", flush=True)
        player.start()

    def fail(self, message: str) -> None:
        self.error = message
        self.app.quit()

    def finished(self) -> None:
        self.running -= 1
        if self.waiting:
            self._start_next()
        elif self.running == 0:
            self.app.quit()


def place_in_time(recorded: list[RecordedVisit]) -> None:
    """Move each visit to its planned hour, counted back from the newest one; times within stay as recorded."""
    anchor = max(r.events[0]["timestamp"] for r in recorded)
    for r in recorded:
        shift = round(anchor - r.visit.hours_before_last * 3_600_000 - r.events[0]["timestamp"])
        for event in r.events:
            event["timestamp"] += shift
        for tracked in r.analytics:
            tracked["time_ms"] += shift


def demo_document(recorded: list[RecordedVisit]) -> dict[str, Any]:
    return {
        "version": 1,
        "replays": [{"id": r.replay_id, "user_id": r.visit.user_id, "events": r.events} for r in recorded],
        "users": [{"id": p.user_id, "properties": p.properties} for p in PEOPLE],
        "events": sorted((e for r in recorded for e in r.analytics), key=lambda e: e["time_ms"]),
    }


def write_demo(document: dict[str, Any], base_url: str, path: Path) -> None:
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    text = text.replace(base_url.rstrip("/"), PUBLIC_ORIGIN)
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as out:
        out.write(text.encode("utf-8"))


def check(recorded: list[RecordedVisit]) -> None:
    for r in recorded:
        snapshots = sum(1 for e in r.events if e["type"] == 2)
        seconds = (r.events[-1]["timestamp"] - r.events[0]["timestamp"]) / 1000 if r.events else 0
        print(f"{r.visit.user_id}: {len(r.events)} events, {snapshots} page loads, {seconds:.0f} s,"
              f" {len(r.analytics)} analytics events")
        if not snapshots:
            raise SystemExit(f"{r.visit.user_id}'s visit recorded no FullSnapshot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument("--parallel", type=int, default=4, help="visits recorded at the same time")
    parser.add_argument("--visits", default="", help="comma-separated visit numbers to record (a quick try)")
    args = parser.parse_args(argv)
    if not RRWEB.is_file():
        raise SystemExit(f"{RRWEB} is missing: run `make setup` first")
    visits = all_visits()
    if args.visits:
        visits = [visits[int(number)] for number in args.visits.split(",")]
    server = serve_site()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    recorded = VisitRunner(app, visits, base_url, args.parallel).run()
    server.shutdown()
    check(recorded)
    place_in_time(recorded)
    write_demo(demo_document(recorded), base_url, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
