"""Active time of a replay that arrives in batches, exactly as `replay_core` defines it.

`replay_core.activity` counts a gap of at least the threshold between consecutive user
interactions (and from the start / to the end) as inactive. Interactions closer than the threshold
form a *run*; runs from different batches merge when they overlap or are closer than the threshold,
so the replay keeps only its runs, not every interaction, and its active time stays exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from replay_core.activity import INACTIVITY_THRESHOLD_MS

Run = tuple[float, float]


def interaction_runs(
    moments: Iterable[float], threshold_ms: float = INACTIVITY_THRESHOLD_MS
) -> list[Run]:
    """Runs of the interaction times `moments` (ms)."""
    return merge_runs([(m, m) for m in moments], threshold_ms)


def merge_runs(
    runs: Iterable[Sequence[float]], threshold_ms: float = INACTIVITY_THRESHOLD_MS
) -> list[Run]:
    merged: list[Run] = []
    for start, end in sorted((float(r[0]), float(r[1])) for r in runs):
        if merged and start - merged[-1][1] < threshold_ms:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def active_ms(
    start_ms: float, end_ms: float, runs: Sequence[Run], threshold_ms: float = INACTIVITY_THRESHOLD_MS
) -> float:
    """Duration minus every gap of at least the threshold between start, the runs and end."""
    bounds = [start_ms]
    for run_start, run_end in runs:
        bounds += [run_start, run_end]
    bounds.append(end_ms)
    inactive = 0.0
    for before, after in zip(bounds[::2], bounds[1::2], strict=True):
        if after - before >= threshold_ms:
            inactive += after - before
    return max(0.0, end_ms - start_ms - inactive)
