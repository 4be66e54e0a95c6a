"""The feed widget over 100,000 replays: how long the GUI thread waits while a user scrolls through it."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

SCROLL_ROWS = 5000
PAGE_STEP = 12  # rows scrolled at a time (the list scrolls by item): about a screenful
JUMP_ROWS = (25_000, 50_000, 99_000)


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))], 2)


def _visible_rows_loaded(feed: Any) -> bool:
    from viewer.ui.feed_model import ROW_ROLE

    top = feed.list.indexAt(feed.list.viewport().rect().topLeft())
    return bool(top.isValid() and top.data(ROW_ROLE) is not None)


def _jump_ms(app: Any, feed: Any, row: int) -> float:
    from viewer.player.headless import wait_until

    started = time.perf_counter()
    feed.list.scrollTo(feed.model.index(row))
    app.processEvents()
    wait_until(lambda: _visible_rows_loaded(feed), 30, f"row {row}")
    return round((time.perf_counter() - started) * 1000, 1)


def main() -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="bench-feed-"))
    os.environ["REPLAY_VIEWER_DATA_DIR"] = str(work)
    from PySide6.QtWidgets import QApplication

    from bench.bench_cache import build_large_cache
    from viewer.player.headless import wait_until
    from viewer.ui.cache_worker import CacheWorker
    from viewer.ui.feed import ReplayFeed

    build_large_cache(work / "cache.sqlite3").close()
    app = QApplication.instance() or QApplication([])
    worker = CacheWorker(work / "cache.sqlite3")
    feed = ReplayFeed(worker)
    feed.resize(340, 900)
    feed.show()
    started = time.perf_counter()
    feed.refresh()
    wait_until(lambda: feed.model.rowCount() > 0, 30, "the first page")
    first_page_ms = (time.perf_counter() - started) * 1000
    wait_until(lambda: feed.model.rowCount() == 100_000, 60, "every replay's id")
    all_ids_ms = (time.perf_counter() - started) * 1000
    stalls: list[float] = []  # how long each scroll step held the GUI thread
    bar = feed.list.verticalScrollBar()
    target = SCROLL_ROWS
    scroll_started = time.perf_counter()
    while bar.value() < target:
        step = time.perf_counter()
        bar.setValue(bar.value() + PAGE_STEP)
        app.processEvents()
        stalls.append((time.perf_counter() - step) * 1000)
    wait_until(lambda: _visible_rows_loaded(feed), 30, "the rows in view")
    scroll_s = time.perf_counter() - scroll_started
    jumps = [_jump_ms(app, feed, row) for row in JUMP_ROWS]
    worker.shutdown()
    figures = {
        "replays": 100_000,
        "first_page_ms": round(first_page_ms, 1),
        "all_ids_ms": round(all_ids_ms, 1),
        "rows_scrolled": SCROLL_ROWS,
        "jump_to_row_ms": dict(zip(map(str, JUMP_ROWS), jumps, strict=True)),
        "scroll_steps": len(stalls),
        "gui_stall_ms": {"p50": _p(stalls, 0.5), "p95": _p(stalls, 0.95), "max": round(max(stalls), 2)},
        "scroll_wall_s": round(scroll_s, 2),
    }
    print(
        f"feed over 100,000 replays: first page {figures['first_page_ms']} ms after asking, "
        f"the ids of all 100,000 (the full scroll range) after {figures['all_ids_ms']} ms"
    )
    print(
        f"scrolled to {figures['rows_scrolled']} rows in {scroll_s:.2f} s, {len(stalls)} steps of {PAGE_STEP} rows: "
        f"GUI thread busy per step {figures['gui_stall_ms']} ms (rows load on the cache thread)"
    )
    print(f"jump to a row (scrollTo) until its row is loaded and shown: {figures['jump_to_row_ms']} ms")
    return figures
