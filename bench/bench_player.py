"""Player figures on the largest fixture: open to first frame, and seek latency over 30 random seeks."""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

REPEATS = 5
SEEKS = 30


def _largest_fixture() -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.paths import RRWEB_FIXTURES

    return max(RRWEB_FIXTURES, key=lambda p: p.stat().st_size)


def _spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "min": round(ordered[0], 1),
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1),
        "max": round(ordered[-1], 1),
    }


def main() -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from replay_core import read_recording
    from viewer.player.moment import MomentRenderer

    path = _largest_fixture()
    first_frames: list[float] = []
    for _ in range(REPEATS):
        renderer = MomentRenderer.start(remote_assets=False)
        started = time.perf_counter()
        recording = read_recording(path)
        renderer.show(recording, wait_for_all=False)
        first_frames.append((time.perf_counter() - started) * 1000)
        renderer.close()
    renderer = MomentRenderer.start(remote_assets=False)
    renderer.show(recording)
    rng = random.Random(20261128)
    seeks: list[float] = []
    for _ in range(SEEKS):
        target = rng.uniform(0, recording.duration_ms)
        started = time.perf_counter()
        renderer.seek(target)
        seeks.append((time.perf_counter() - started) * 1000)
    renderer.close()
    figures = {
        "recording": path.name,
        "events": len(recording.events),
        "bytes": path.stat().st_size,
        "open_to_first_frame_ms": _spread(first_frames),
        "seek_ms": _spread(seeks),
        "repeats": REPEATS,
        "seeks": SEEKS,
    }
    print(f"{path.name}: {len(recording.events)} events, {path.stat().st_size / 1e6:.1f} MB")
    first = figures["open_to_first_frame_ms"]
    print(f"open -> first frame (read + parse + first chunk + paint), {REPEATS} runs: {first} ms")
    print(f"seek (command -> replayer there and painted), {SEEKS} random seeks: {figures['seek_ms']} ms")
    return figures
