"""Seeking a 2-hour recording without checkouts: our keyframes next to rrweb's own Replayer, same run.

busy-2h-no-checkout (bench/make_long_recordings.py) has one FullSnapshot for two hours of a page whose
stock board is redrawn every 4 s, as mixpanel-browser records it: rrweb's seek rebuilds from that one
snapshot and applies every event up to the moment. Both players open it, then take the same seeks:
30 from one seed over the whole recording, 10 in its first 10 % and 10 in its last 10 %. Ours seeks
once its keyframes are made; how long that takes after the replay has loaded is measured too, next to
the reference's single seek to the end (the goal: at most twice that). Peak memory (PSS, RSS) is
sampled over each player's run from a fresh process (ours: open, keyframes, seeks; goal: at most the
reference's). A ratio is ours / reference; below 1 we are faster or smaller.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from bench import ours, reference
from bench.browser import launch_chromium
from bench.make_long_recordings import RECORDINGS, ensure_recordings
from bench.memory import PeakMemory, chromium_processes, our_processes
from bench.workload import OPEN_REPEATS, SEED, SEEKS, spread
from replay_core import read_recording
from viewer.player.moment import MomentRenderer
from viewer.storage import ReplayCache
from viewer.storage.importer import import_paths

NAME = "busy-2h-no-checkout.json"
EDGE_SEEKS = 30
GOALS = {
    "cached_first_frame": 0.5,
    "seek_p95": 0.3,
    "last_10_percent_p95_over_first": 1.0,
    "keyframes_ready_over_seek_to_end": 2.0,
    "peak_memory_pss": 1.0,
}


def seek_plan(duration_ms: float) -> dict[str, list[float]]:
    rng = random.Random(SEED)
    tenth = duration_ms / 10
    return {
        "all": [rng.uniform(0, duration_ms) for _ in range(SEEKS)],
        "first_10_percent": [rng.uniform(0, tenth) for _ in range(EDGE_SEEKS)],
        "last_10_percent": [rng.uniform(duration_ms - tenth, duration_ms) for _ in range(EDGE_SEEKS)],
    }


def measure_reference(path: Path, plan: dict[str, list[float]], duration_ms: float) -> dict[str, Any]:
    with reference.site_for(path) as site, sync_playwright() as pw, PeakMemory(chromium_processes) as peak:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        opens = [reference.open_recording(page, site, path) for _ in range(OPEN_REPEATS)]
        to_end = float(page.evaluate("(at) => seekTo(at)", duration_ms))
        page.evaluate("(at) => seekTo(at)", 0)
        seeks = {
            key: [float(page.evaluate("(at) => seekTo(at)", at)) for at in ats] for key, ats in plan.items()
        }
        browser.close()
    return {
        "open_to_first_frame_ms": spread(opens),
        "seek_to_end_ms": round(to_end, 1),
        **{f"seek_{key}_ms": spread(values) for key, values in seeks.items()},
        "memory": {"peak_pss_mb": round(peak.peak.pss_mb, 1), "peak_rss_mb": round(peak.peak.rss_mb, 1)},
    }


def measure_cached_open(path: Path) -> dict[str, Any]:
    """The recording imported into a cache of its own, then opened from it as the app opens a replay."""
    with tempfile.TemporaryDirectory() as folder, ReplayCache.open(Path(folder) / "cache.sqlite3") as cache:
        [outcome] = list(import_paths(cache, [path]))
        [replay_id] = outcome.result.added
        opens = [ours.cached_open_to_first_frame(cache, replay_id) for _ in range(OPEN_REPEATS)]
    return {
        "first_frame_ms": spread([o["total"] for o in opens]),
        "whole_replay_ready_ms": spread([o["whole_replay_ready"] for o in opens]),
    }


def measure_ours(path: Path, duration_ms: float) -> dict[str, Any]:
    opens = [ours.open_to_first_frame(path)["total"] for _ in range(OPEN_REPEATS)]
    cached = measure_cached_open(path)
    playing = _play_in_fresh_process(path, duration_ms)
    return {"open_to_first_frame_ms": spread(opens), "cached_open": cached, **playing}


def _play_in_fresh_process(path: Path, duration_ms: float) -> dict[str, Any]:
    """Keyframes, seeks and peak memory from a fresh Python process, as the reference's are from a fresh
    browser: what the opens above leave in this process's heap is not the player's."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_keyframes", "play", str(path), repr(duration_ms)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def play_and_seek(path: Path, plan: dict[str, list[float]]) -> dict[str, Any]:
    """Open the recording as the app opens a file, wait for its keyframes, then take the planned seeks;
    memory is sampled throughout."""
    with PeakMemory(our_processes) as peak:
        renderer = ours._ready_renderer()
        renderer.keep_made_keyframes = False  # a file's keyframes live in the page only, as in the app
        try:
            recording = read_recording(path)
            opened = time.perf_counter()
            renderer.show(recording, timeout_s=300, wait_for_all=False)
            del recording  # as the app: it keeps no parsed events once the page is given them
            renderer.wait_for_all_events(timeout_s=300)
            loaded = time.perf_counter()
            progress = renderer.wait_for_keyframes(timeout_s=900)
            ready = time.perf_counter()
            seeks = {key: ours.seek_latencies(renderer, ats) for key, ats in plan.items()}
            paths = _seek_paths(renderer, plan["all"][:5])
        finally:
            renderer.close()
    return {
        "keyframes": {
            "count": progress.count,
            # The page makes them while the events load too: after the load is what the user waits for
            # once the whole replay is there; after the open counts the load as well.
            "ready_after_load_ms": round((ready - loaded) * 1000, 1),
            "ready_after_open_ms": round((ready - opened) * 1000, 1),
            "loaded_after_open_ms": round((loaded - opened) * 1000, 1),
            "page_time_building_ms": round(progress.build_ms, 1),
        },
        "seek_paths_sample": paths,
        **{f"seek_{key}_ms": spread(values) for key, values in seeks.items()},
        "memory": {"peak_pss_mb": round(peak.peak.pss_mb, 1), "peak_rss_mb": round(peak.peak.rss_mb, 1)},
    }


def _seek_paths(renderer: MomentRenderer, ats: list[float]) -> list[str]:
    """How a few seeks got there (from which keyframe), as a check that the keyframes are used."""
    found = []
    for at in ats:
        renderer.seek(at)
        found.append(renderer.digest().seek)
    return found


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def ratios(mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, float | None]:
    p95 = {key: mine[f"seek_{key}_ms"]["p95"] for key in ("all", "first_10_percent", "last_10_percent")}
    return {
        "open_to_first_frame": _ratio(
            mine["open_to_first_frame_ms"]["p50"], theirs["open_to_first_frame_ms"]["p50"]
        ),
        "cached_first_frame": _ratio(
            mine["cached_open"]["first_frame_ms"]["p50"], theirs["open_to_first_frame_ms"]["p50"]
        ),
        "seek_p50": _ratio(mine["seek_all_ms"]["p50"], theirs["seek_all_ms"]["p50"]),
        "seek_p95": _ratio(p95["all"], theirs["seek_all_ms"]["p95"]),
        "seek_first_10_percent_p95": _ratio(
            p95["first_10_percent"], theirs["seek_first_10_percent_ms"]["p95"]
        ),
        "seek_last_10_percent_p95": _ratio(p95["last_10_percent"], theirs["seek_last_10_percent_ms"]["p95"]),
        "last_10_percent_p95_over_first": _ratio(p95["last_10_percent"], p95["first_10_percent"]),
        "keyframes_ready_over_seek_to_end": _ratio(
            mine["keyframes"]["ready_after_load_ms"], theirs["seek_to_end_ms"]
        ),
        "peak_memory_pss": _ratio(mine["memory"]["peak_pss_mb"], theirs["memory"]["peak_pss_mb"]),
        "peak_memory_rss": _ratio(mine["memory"]["peak_rss_mb"], theirs["memory"]["peak_rss_mb"]),
    }


def main() -> dict[str, Any]:
    ensure_recordings(names={NAME.removesuffix(".json")})
    path = RECORDINGS / NAME
    recording = read_recording(path)
    duration, events = recording.duration_ms, len(recording.events)
    snapshots = sum(e["type"] == 2 for e in recording.events)
    del recording
    print(
        f"{NAME}: {events} events, {snapshots} FullSnapshot(s), {path.stat().st_size / 1e6:.1f} MB",
        flush=True,
    )
    plan = seek_plan(duration)
    theirs = measure_reference(path, plan, duration)
    print(f"  reference: {theirs}", flush=True)
    mine = measure_ours(path, duration)
    print(f"  ours:      {mine}", flush=True)
    row = ratios(mine, theirs)
    print(f"  ratios (ours / reference): {row}", flush=True)
    return {
        "recording": NAME,
        "events": events,
        "full_snapshots": snapshots,
        "bytes": path.stat().st_size,
        "duration_ms": duration,
        "goals": GOALS,
        "ours": mine,
        "reference": theirs,
        "ratio": row,
    }


if __name__ == "__main__" and sys.argv[1:2] == ["play"]:
    print(json.dumps(play_and_seek(Path(sys.argv[2]), seek_plan(float(sys.argv[3])))))

