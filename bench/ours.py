"""Our player on a recording: the real ReplayView (offscreen) through MomentRenderer and the controller.

Run as `python -m bench.ours memory PATH` it measures peak memory in a fresh process and prints JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer

from bench.memory import PeakMemory, our_processes
from bench.workload import GAP_LIMIT_S, OPEN_REPEATS, PLAY_SECONDS, PLAY_SPEED, Workload, spread
from replay_core import Recording, inactive_spans, parse_recording, read_recording, summarize
from replay_core.preview import read_preview
from replay_core.reader import read_file
from viewer.player.controller import PlaybackController
from viewer.player.headless import wait_until
from viewer.player.moment import MomentRenderer
from viewer.storage import ReplayCache
from viewer.ui.replay_loading import preview_cached

# How often the player panel ticks its controller while playing.
TICK_MS = 50


def _ready_renderer() -> MomentRenderer:
    """A renderer whose page is loaded and whose bridge answers, like a player window already open."""
    renderer = MomentRenderer.start(remote_assets=False)
    ready: list[bool] = []
    renderer.view.bridge.when_ready(lambda: ready.append(True))
    wait_until(lambda: bool(ready), 60, "the player page")
    return renderer


def _show_first_frame(renderer: MomentRenderer, recording: Recording) -> None:
    """MomentRenderer.show up to the first frame, ended by the page's signal rather than a poll."""
    loop = QEventLoop()
    renderer.view.firstFrameShown.connect(loop.quit)
    renderer.view.loadFailed.connect(loop.quit)
    QTimer.singleShot(60_000, loop.quit)
    renderer.view.resize(*recording.viewport)
    renderer.view.show()
    renderer.view.show_events(recording.events)
    loop.exec()


def _open(
    preview: Callable[[], Recording | None], whole: Callable[[], Recording], what: str, whole_key: str
) -> dict[str, float]:
    """ms from asking to open to the first page painted (`preview` read and shown while the rest is read),
    its parts, and until `whole` is read and summarized (the controls come alive then)."""
    renderer = _ready_renderer()
    try:
        started = time.perf_counter()
        first = preview()
        read = time.perf_counter()
        if first is None:
            raise RuntimeError(f"{what} has no first page to preview")
        _show_first_frame(renderer, first)
        shown = time.perf_counter()
        summarize(whole())
        ready = time.perf_counter()
    finally:
        renderer.close()
    return {
        "total": (shown - started) * 1000,
        "read": (read - started) * 1000,
        "page": (shown - read) * 1000,
        whole_key: (ready - started) * 1000,
    }


def cached_open_to_first_frame(cache: ReplayCache, replay_id: str) -> dict[str, float]:
    """As the app opens a cached replay: its first chunk from the cache (viewer.ui.replay_loading.preview_cached)
    shown while the whole replay is read from the cache and summarized."""
    return _open(
        lambda: getattr(preview_cached(cache, replay_id), "recording", None),
        lambda: Recording(events=cache.events(replay_id), name=replay_id),
        f"replay {replay_id}",
        "whole_replay_ready",
    )


def open_to_first_frame(path: Path) -> dict[str, float]:
    """As the app opens a file: read it, decode its head up to the first page (replay_core.preview) and show
    that while the whole file is parsed, validated and summarized."""
    raw = b""

    def head() -> Recording | None:
        nonlocal raw
        raw = read_file(path)
        return read_preview(raw, name=path.name)

    return _open(head, lambda: parse_recording(raw, name=path.name), path.name, "whole_file_ready")


def _seek_and_wait(renderer: MomentRenderer, target: float) -> None:
    """Seek and return the moment the page says it is there: a signal ends the wait, not a poll."""
    loop = QEventLoop()
    token = renderer.view.seek(target, False)

    def landed(answered: int, _at_ms: float) -> None:
        if answered == token:
            loop.quit()

    renderer.view.seekFinished.connect(landed)
    QTimer.singleShot(60_000, loop.quit)
    loop.exec()
    renderer.view.seekFinished.disconnect(landed)


def seek_latencies(renderer: MomentRenderer, targets: list[float]) -> list[float]:
    latencies = []
    for target in targets:
        started = time.perf_counter()
        _seek_and_wait(renderer, target)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def cross_gap(renderer: MomentRenderer, recording: Recording, work: Workload) -> float | None:
    """ms from pressing play inside the idle gap until the page shows the moment after it."""
    assert work.gap_ms is not None
    start, end = work.gap_ms
    controller = PlaybackController(renderer.view, skip_inactivity=True)
    controller.load(work.duration_ms, inactive_spans(recording.events), [])
    controller.seek(start)
    renderer.seek(start)  # answered after the controller's own seek: the page is there, paused
    landed: list[float] = []
    renderer.view.seekFinished.connect(lambda _token, at: landed.append(at))
    ticker = QTimer()
    ticker.timeout.connect(controller.tick)
    started = time.perf_counter()
    controller.play()
    ticker.start(TICK_MS)
    try:
        wait_until(lambda: any(at >= end - 1 for at in landed), GAP_LIMIT_S, "the end of the idle gap")
    except Exception:
        return None
    finally:
        ticker.stop()
        controller.pause()
    return (time.perf_counter() - started) * 1000


def measure(work: Workload) -> dict[str, Any]:
    opens = [open_to_first_frame(work.path) for _ in range(OPEN_REPEATS)]
    parts = {part: spread([o[part] for o in opens])["p50"] for part in ("read", "page", "whole_file_ready")}
    renderer = _ready_renderer()
    try:
        recording = read_recording(work.path)
        renderer.show(recording, timeout_s=120)
        seeks = seek_latencies(renderer, work.seeks_ms)
        figures: dict[str, Any] = {
            "open_to_first_frame_ms": spread([o["total"] for o in opens]),
            "open_parts_median_ms": parts,
            "seek_ms": spread(seeks),
        }
        if work.gap_ms:
            figures["cross_idle_gap_ms"] = cross_gap(renderer, recording, work)
    finally:
        renderer.close()
    return figures


def play_for_memory(path: Path) -> dict[str, float]:
    """Open the recording and play it at PLAY_SPEED from each start point, sampling memory throughout."""
    with PeakMemory(our_processes) as peak:
        renderer = _ready_renderer()
        recording = read_recording(path)
        work = Workload.of(path, recording)
        renderer.show(recording, timeout_s=120, wait_for_all=False)
        del recording  # as the app: it keeps no parsed events once the page is given them
        renderer.wait_for_all_events(timeout_s=120)
        renderer.view.set_speed(PLAY_SPEED)
        for at in work.plays_from_ms:
            renderer.seek(at, play=True)
            until = time.monotonic() + PLAY_SECONDS
            wait_until(lambda: time.monotonic() > until, PLAY_SECONDS + 5, "the play")  # noqa: B023
        renderer.close()
    return {
        "peak_rss_mb": round(peak.peak.rss_mb, 1),
        "peak_pss_mb": round(peak.peak.pss_mb, 1),
        "processes": peak.peak.processes,
    }


def peak_memory(path: Path) -> dict[str, float]:
    """Peak memory measured in a fresh Python process, so nothing else this run holds counts."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.ours", "memory", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__" and sys.argv[1:2] == ["memory"]:
    print(json.dumps(play_for_memory(Path(sys.argv[2]))))
