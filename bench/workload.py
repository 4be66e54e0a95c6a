"""What both players are asked to do with one recording: the same seeks, gap and plays, from one seed."""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from pathlib import Path

from replay_core import Recording, inactive_spans

SEED = 20261128
SEEKS = 30
OPEN_REPEATS = 3
GAP_LIMIT_S = 120.0
MIN_GAP_MS = 9 * 60 * 1000  # the scripted 10-minute idle, less the seconds around it with no input
PLAY_SPEED = 8.0
PLAY_SECONDS = 6.0
PLAY_FROM = (0.0, 0.25, 0.5, 0.75)  # shares of the recording where each play starts


@dataclass(frozen=True)
class Workload:
    path: Path
    duration_ms: float
    seeks_ms: list[float]
    gap_ms: tuple[float, float] | None  # start and end of the longest idle gap, if it is ≥ 9 min
    plays_from_ms: list[float]

    @classmethod
    def of(cls, path: Path, recording: Recording) -> Workload:
        rng = random.Random(SEED)
        duration = recording.duration_ms
        spans = [s for s in inactive_spans(recording.events) if s.duration_ms >= MIN_GAP_MS]
        longest = max(spans, key=lambda s: s.duration_ms, default=None)
        return cls(
            path=path,
            duration_ms=duration,
            seeks_ms=[rng.uniform(0, duration) for _ in range(SEEKS)],
            # Start just inside the gap: the last input is behind, ten minutes of page activity ahead.
            gap_ms=None if longest is None else (longest.start_ms + 100, longest.end_ms),
            plays_from_ms=[share * duration for share in PLAY_FROM],
        )


def spread(values: list[float], digits: int = 1) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "min": round(ordered[0], digits),
        "p50": round(statistics.median(ordered), digits),
        "p95": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], digits),
        "max": round(ordered[-1], digits),
        "n": len(ordered),
    }
