"""Ours next to the reference (rrweb's own Replayer in chromium), same recordings, same run, as ratios.

Recordings: the two long ones made by bench/make_long_recordings.py (made first when missing) and the
largest fixture. For each: open to first frame (3 opens, median), 30 seeks from one seed (p50, p95);
on the 2-hour one also the wall time to cross its 10-minute idle gap with skip inactivity on, and
the peak memory while it plays. A ratio below 1 means we are faster or smaller.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

from bench import ours, reference
from bench.browser import chromium_version
from bench.make_long_recordings import ensure_recordings
from bench.workload import GAP_LIMIT_S, OPEN_REPEATS, PLAY_FROM, PLAY_SECONDS, PLAY_SPEED, SEEKS, Workload
from replay_core import read_recording
from tests.paths import RRWEB_FIXTURES

GOALS = {"open_to_first_frame": 0.5, "seek_p95": 0.3}


def _ratio(ours_value: float | None, reference_value: float | None) -> float | None:
    if ours_value is None or not reference_value:
        return None
    return round(ours_value / reference_value, 3)


def _ratios(mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, float | None]:
    first = "open_to_first_frame_ms"
    ratios = {
        "open_to_first_frame": _ratio(mine[first]["p50"], theirs[first]["p50"]),
        "seek_p50": _ratio(mine["seek_ms"]["p50"], theirs["seek_ms"]["p50"]),
        "seek_p95": _ratio(mine["seek_ms"]["p95"], theirs["seek_ms"]["p95"]),
    }
    if "cross_idle_gap_ms" in mine and mine["cross_idle_gap_ms"] is not None:
        # A reference that never got across counts as the limit: the true ratio is smaller still.
        theirs_gap = theirs["cross_idle_gap_ms"] or GAP_LIMIT_S * 1000
        ratios["cross_idle_gap"] = _ratio(mine["cross_idle_gap_ms"], theirs_gap)
    if "memory" in mine:
        ratios["peak_memory_pss"] = _ratio(mine["memory"]["peak_pss_mb"], theirs["memory"]["peak_pss_mb"])
        ratios["peak_memory_rss"] = _ratio(mine["memory"]["peak_rss_mb"], theirs["memory"]["peak_rss_mb"])
    return ratios


def _compare(path: Path, with_memory: bool) -> dict[str, Any]:
    recording = read_recording(path)
    work = Workload.of(path, recording)
    print(
        f"{path.name}: {len(recording.events)} events, {path.stat().st_size / 1e6:.1f} MB, "
        f"{work.duration_ms / 60000:.1f} min",
        flush=True,
    )
    del recording
    mine, theirs = ours.measure(work), reference.measure(work)
    if with_memory:
        mine["memory"], theirs["memory"] = ours.peak_memory(path), reference.peak_memory(work)
    row = {"ours": mine, "reference": theirs, "ratio": _ratios(mine, theirs)}
    _report(row)
    return {"recording": path.name, "bytes": path.stat().st_size, "duration_ms": work.duration_ms, **row}


def _fmt(value: Any) -> str:
    if isinstance(value, dict) and "p50" not in value:
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, dict):
        spread = f"min {value['min']}, max {value['max']}, n={value['n']}"
        return f"median {value['p50']} p95 {value['p95']} ({spread})"
    return "> limit" if value is None else str(value)


def _report(row: dict[str, Any]) -> None:
    for key in ("open_to_first_frame_ms", "seek_ms", "cross_idle_gap_ms", "memory"):
        if key in row["ours"]:
            print(f"  {key:24} ours {_fmt(row['ours'][key])}")
            print(f"  {'':24} ref  {_fmt(row['reference'][key])}")
        if key == "open_to_first_frame_ms":
            print(f"  {'':24} ours, median parts: {_fmt(row['ours']['open_parts_median_ms'])}")
    print(f"  ratios (ours / reference): {row['ratio']}", flush=True)


def _how() -> dict[str, Any]:
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "reference": f"rrweb 2.2.2 Replayer, {chromium_version()}, headless, timed in the page",
        "ours": "ReplayView (Qt WebEngine offscreen), MomentRenderer + PlaybackController, timed in Python",
        "open_repeats": OPEN_REPEATS,
        "seeks": SEEKS,
        "gap_limit_s": GAP_LIMIT_S,
        "memory": f"peak of summed RSS and PSS every 0.1 s while opening, then playing {PLAY_SECONDS:g} s at "
        f"{PLAY_SPEED:g}x from {', '.join(f'{p:.0%}' for p in PLAY_FROM)} of the recording",
        "goals": GOALS,
    }


def main() -> dict[str, Any]:
    how = _how()
    print("\n".join(f"  {key}: {value}" for key, value in how.items()), flush=True)
    long_ones = ensure_recordings()
    largest_fixture = max(RRWEB_FIXTURES, key=lambda p: p.stat().st_size)
    rows = [_compare(path, with_memory=path.name == "shop-2h.json") for path in long_ones]
    rows.append(_compare(largest_fixture, with_memory=False))
    return {"how": how, "recordings": rows}
