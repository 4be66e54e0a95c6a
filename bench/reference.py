"""The reference: rrweb's own Replayer (the npm version we ship) in Debian's chromium, headless.

bench/pages/reference.html fetches the recording from 127.0.0.1, builds `new rrweb.Replayer(events)`
and times everything with performance.now() inside the page, so Playwright's round trips are not
counted against it (ours are timed from Python, bridge round trip included).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from bench.browser import RRWEB_DIST, launch_chromium
from bench.memory import PeakMemory, chromium_processes
from bench.static_site import StaticSite
from bench.workload import GAP_LIMIT_S, OPEN_REPEATS, PLAY_SECONDS, PLAY_SPEED, Workload, spread

PAGES = Path(__file__).resolve().parent / "pages"


def _open(page: Page, site: StaticSite, work: Workload, skip_inactive: bool = False) -> float:
    return open_recording(page, site, work.path, skip_inactive)


def open_recording(page: Page, site: StaticSite, recording: Path, skip_inactive: bool = False) -> float:
    """ms from asking the reference page to open `recording` (served by `site_for`) to its first frame."""
    page.goto(site.url("pages/reference.html"), wait_until="load")
    url = site.url(f"recordings/{recording.name}")
    return float(page.evaluate("([url, skip]) => openRecording(url, skip)", [url, skip_inactive]))


def _site(work: Workload) -> StaticSite:
    return site_for(work.path)


def site_for(recording: Path) -> StaticSite:
    """The reference page, rrweb, and the folder of `recording`, served on 127.0.0.1."""
    return StaticSite({"pages": PAGES, "rrweb": RRWEB_DIST, "recordings": recording.parent})


def measure(work: Workload) -> dict[str, Any]:
    with _site(work) as site, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        opens = [_open(page, site, work) for _ in range(OPEN_REPEATS)]
        seeks = [float(page.evaluate("(at) => seekTo(at)", at)) for at in work.seeks_ms]
        figures: dict[str, Any] = {"open_to_first_frame_ms": spread(opens), "seek_ms": spread(seeks)}
        if work.gap_ms:
            _open(page, site, work, skip_inactive=True)
            start, end = work.gap_ms
            limit = GAP_LIMIT_S * 1000
            figures["cross_idle_gap_ms"] = page.evaluate(
                "([a, b, c]) => crossGap(a, b, c)", [start, end, limit]
            )
        browser.close()
    return figures


def peak_memory(work: Workload) -> dict[str, float]:
    """Open the recording in a fresh chromium and play it from each start point, sampling its memory."""
    with _site(work) as site, sync_playwright() as pw, PeakMemory(chromium_processes) as peak:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        _open(page, site, work)
        for at in work.plays_from_ms:
            play = [at, PLAY_SPEED, PLAY_SECONDS * 1000]
            page.evaluate("([at, speed, ms]) => playFor(at, speed, ms)", play)
        time.sleep(0.3)
        browser.close()
    return {
        "peak_rss_mb": round(peak.peak.rss_mb, 1),
        "peak_pss_mb": round(peak.peak.pss_mb, 1),
        "processes": peak.peak.processes,
    }
