"""Long real recordings for the benchmarks: rrweb's own recorder on our shop page, under a fake clock.

`python -m bench.make_long_recordings [--force]` writes bench/recordings/shop-30min.json,
shop-2h.json and busy-2h-no-checkout.json (git-ignored, made once and reused). Chromium loads
bench/pages/shop.html from 127.0.0.1 with Playwright's fake clock installed; rrweb 2.2.2
(`dist/rrweb.umd.cjs`, the bundle the player ships) records it, while the script clicks, types and
scrolls and lets the page's timers run for hours of fake time between actions. The first two have a
checkout every 5 minutes and the 2-hour one a 10-minute idle gap; busy-2h-no-checkout has no checkout
at all (as mixpanel-browser records) and the page's stock board redrawn every 4 s.
Beside each recording, `<name>.timeline.json` lists what the script did and the
text each action left on the page, so the recording can be checked against it.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.browser import RRWEB_DIST, launch_chromium
from bench.static_site import StaticSite

HERE = Path(__file__).resolve().parent
RECORDINGS = HERE / "recordings"
CHECKOUT_MS = 5 * 60 * 1000
START_EPOCH_MS = 1_767_603_600_000  # 2026-01-05 09:00 UTC, so the page clock reads the same every run
NAMES = ["Jane Customer", "Rui Costa", "Ana Novak", "Chen Wei", "Fatima Haddad", "Ivo Weber"]
NOTE_LINES = ["Deliver after six please", "Ring the bell twice", "Leave it with the neighbour"]
SEARCHES = ["tea", "honey", "figs", "rice", "jam", "milk", "walnuts", "olives"]
RECORD_SCRIPT = """
if (window.top === window && location.protocol.startsWith('http')) {
  window.__rrwebEvents = [];
  document.addEventListener('DOMContentLoaded', () => {
    rrweb.record({ emit: (event) => window.__rrwebEvents.push(event), OPTIONS });
  });
}
"""


def record_script(checkout_ms: int | None) -> str:
    """rrweb's recorder started on the page, with a checkout every `checkout_ms` (None: none at all,
    as mixpanel-browser records: one FullSnapshot per page load)."""
    options = f"checkoutEveryNms: {checkout_ms}" if checkout_ms else ""
    return RECORD_SCRIPT.replace("OPTIONS", options)

CENTRE_OF = """(sel) => {
  const el = document.querySelector(sel);
  el.scrollIntoView({block: 'center'});
  const r = el.getBoundingClientRect();
  return [r.x + r.width / 2, r.y + r.height / 2];
}"""


@dataclass(frozen=True)
class Plan:
    """One long recording: how long, where its scripted idle gap is (if any), and its random seed."""

    name: str
    minutes: float
    idle_at_minute: float | None = None
    idle_minutes: float = 10.0
    seed: int = 7
    checkout_ms: int | None = CHECKOUT_MS
    query: str = ""  # e.g. "busy": the page's stock board redrawn every 4 s


PLANS = (
    Plan("shop-30min", 30, seed=30),
    Plan("shop-2h", 120, idle_at_minute=55, seed=120),
    # As mixpanel-browser records: no checkouts, one FullSnapshot for the whole two hours, on a busy page.
    Plan("busy-2h-no-checkout", 120, seed=121, checkout_ms=None, query="busy"),
)


class ShopSession:
    """Chromium on the shop page under a fake clock, with rrweb recording it and a log of actions."""

    def __init__(self, page: Any, rng: random.Random) -> None:
        self.page = page
        self.rng = rng
        self.events: list[dict[str, Any]] = []
        self.timeline: list[dict[str, Any]] = []
        self.orders = 0

    def now(self) -> int:
        return int(self.page.evaluate("Date.now()"))

    def advance(self, ms: float) -> None:
        """Let `ms` of fake time pass (timers fire, rrweb emits), collecting events as they come."""
        left = ms
        while left > 0:
            step = min(left, 60_000)
            self.page.clock.run_for(int(step))
            left -= step
        if ms >= 5000:
            self.drain()

    def drain(self) -> None:
        self.events.extend(self.page.evaluate("window.__rrwebEvents.splice(0)"))

    def log(self, action: str, expect: str = "") -> None:
        self.drain()
        self.timeline.append({"at": self.now(), "action": action, "expect": expect})

    def point_at(self, selector: str) -> tuple[float, float]:
        box = self.page.evaluate(CENTRE_OF, selector)
        self.advance(200)
        return float(box[0]), float(box[1])

    def click(self, selector: str) -> None:
        x, y = self.point_at(selector)
        self.page.mouse.move(x + self.rng.uniform(-40, 40), y + self.rng.uniform(-30, 30), steps=4)
        self.advance(self.rng.uniform(150, 400))
        self.page.mouse.move(x, y, steps=3)
        self.advance(120)
        self.page.mouse.click(x, y)
        self.advance(self.rng.uniform(200, 600))

    def type(self, selector: str, text: str) -> None:
        self.click(selector)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Backspace")
        for char in text:
            self.page.keyboard.type(char)
            self.advance(self.rng.uniform(70, 220))

    def scroll(self, dy: float) -> None:
        for _ in range(4):
            self.page.mouse.wheel(0, dy / 4)
            self.advance(self.rng.uniform(80, 160))

    # what a shopper does ---------------------------------------------------------------------------
    def search(self) -> None:
        term = self.rng.choice(SEARCHES)
        self.type("#search", term)
        self.log(f"search {term}", f"Add {term.capitalize()}")
        self.advance(self.rng.uniform(1500, 4000))
        self.type("#search", "")

    def add_to_cart(self) -> None:
        for _ in range(self.rng.randint(1, 3)):
            self.click(f'button[data-i="{self.rng.randrange(24)}"]')
        self.log("add to cart")

    def checkout(self) -> None:
        name = self.rng.choice(NAMES)
        self.type("#name", name)
        self.type("#email", name.split()[0].lower() + "@example.org")
        self.click("#place")
        self.orders += 1
        self.log("place order", f"Order {self.orders} for {name}")

    def note(self) -> None:
        line = f"{self.rng.choice(NOTE_LINES)} ({len(self.timeline)})"
        self.type("#notes", line)
        self.log("write note", line)

    def browse(self) -> None:
        self.page.mouse.move(self.rng.uniform(100, 700), self.rng.uniform(200, 700), steps=5)
        self.scroll(self.rng.uniform(600, 1400))
        self.advance(self.rng.uniform(1000, 3000))
        self.scroll(-1600)
        self.log("browse reviews")

    def act(self) -> None:
        actions = [self.search, self.add_to_cart, self.add_to_cart, self.checkout, self.note, self.browse]
        self.rng.choice(actions)()


def _drive(session: ShopSession, plan: Plan) -> None:
    started = session.now()
    end = started + plan.minutes * 60_000
    idle_at = None if plan.idle_at_minute is None else started + plan.idle_at_minute * 60_000
    session.checkout()  # every recording has an order to look for near its start
    while session.now() < end:
        if idle_at is not None and session.now() >= idle_at:
            session.log("idle start")
            session.advance(plan.idle_minutes * 60_000)
            session.log("idle end")
            idle_at = None
            session.checkout()
            continue
        session.act()
        pause = session.rng.uniform(4_000, 45_000)
        session.advance(min(pause, max(0, end - session.now())))
    session.checkout()


def record(plan: Plan, folder: Path) -> Path:
    """Drive the shop page in chromium for `plan.minutes` of fake time; write the events and timeline."""
    from datetime import UTC, datetime

    from playwright.sync_api import sync_playwright

    with StaticSite({"pages": HERE / "pages", "rrweb": RRWEB_DIST}) as site, sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        # The fake clock goes in first: rrweb keeps its own reference to Date.now when it loads.
        context.clock.install(time=datetime.fromtimestamp(START_EPOCH_MS / 1000, UTC))
        context.add_init_script(path=RRWEB_DIST / "rrweb.umd.cjs")
        context.add_init_script(record_script(plan.checkout_ms))
        page = context.new_page()
        page.goto(site.url("pages/shop.html") + (f"?{plan.query}" if plan.query else ""), wait_until="load")
        # Paused a little after the load, which may take seconds on a busy machine: never in its past.
        paused_s = max(START_EPOCH_MS / 1000 + 2, page.evaluate("Date.now()") / 1000 + 1)
        page.clock.pause_at(datetime.fromtimestamp(paused_s, UTC))
        session = ShopSession(page, random.Random(plan.seed))
        session.advance(1000)
        _drive(session, plan)
        session.advance(2000)
        browser.close()
    return _write(folder, plan.name, session.events, session.timeline)


def _write(folder: Path, name: str, events: list[dict[str, Any]], timeline: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    origin = events[0]["timestamp"]
    steps = [{**step, "at": step["at"] - origin} for step in timeline]
    path = folder / f"{name}.json"
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(events, separators=(",", ":")))
    (folder / f"{name}.timeline.json").write_text(json.dumps(steps, indent=1) + "\n")
    partial.replace(path)  # the recording appears only when whole, after its timeline
    return path


def timeline_of(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.with_name(path.stem + ".timeline.json").read_text()))


def fingerprint() -> str:
    """What a cached recording was made from: this script, the page and the recorder bundle."""
    digest = hashlib.sha256()
    for source in (Path(__file__), HERE / "pages" / "shop.html", RRWEB_DIST / "rrweb.umd.cjs"):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _is_current(path: Path, stamp: str) -> bool:
    made_from = path.with_name(path.stem + ".made-from")
    return path.exists() and made_from.exists() and made_from.read_text().strip() == stamp


def ensure_recordings(
    force: bool = False, folder: Path = RECORDINGS, names: set[str] | None = None
) -> list[Path]:
    """The long recordings (those `names` only, if given), made (and checked in the player) only when
    missing or out of date."""
    from bench.check_recording import check_replays

    stamp, paths = fingerprint(), []
    for plan in PLANS:
        if names is not None and plan.name not in names:
            continue
        path = folder / f"{plan.name}.json"
        if force or not _is_current(path, stamp):
            started = time.perf_counter()
            record(plan, folder)
            size = path.stat().st_size / 1e6
            took = time.perf_counter() - started
            print(f"recorded {path.name}: {plan.minutes:g} min of page time, {size:.1f} MB in {took:.0f} s")
            check_replays(path, timeline_of(path))
            path.with_name(path.stem + ".made-from").write_text(stamp + "\n")
        paths.append(path)
    return paths


if __name__ == "__main__":
    ensure_recordings(force="--force" in sys.argv[1:])
