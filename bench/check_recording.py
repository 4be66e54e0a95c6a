"""Checks that a long recording replays as it was made: in our reader, our activity spans and the player."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from replay_core import Recording, inactive_spans, read_recording

# A moment this long after an action, the action's text must be on the replayed page.
SETTLE_MS = 1500.0
MOMENTS = 5


class RecordingMismatch(RuntimeError):
    """The recording does not replay what the script did."""


def checkpoints(timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first, the last and a few evenly spread actions that left text behind."""
    telling = [step for step in timeline if step["expect"]]
    if len(telling) <= MOMENTS:
        return telling
    picks = {round(i * (len(telling) - 1) / (MOMENTS - 1)) for i in range(MOMENTS)}
    return [telling[i] for i in sorted(picks)]


def check_idle_gap(recording: Recording, timeline: list[dict[str, Any]]) -> None:
    starts = [s["at"] for s in timeline if s["action"] == "idle start"]
    ends = [s["at"] for s in timeline if s["action"] == "idle end"]
    spans = inactive_spans(recording.events)
    for start, end in zip(starts, ends, strict=True):
        if not any(span.start_ms <= start and span.end_ms >= end for span in spans):
            raise RecordingMismatch(f"no inactive span covers the scripted idle {start}-{end} ms")


def check_replays(path: Path, timeline: list[dict[str, Any]]) -> None:
    """Raise RecordingMismatch unless the player shows each checkpoint's text at its moment."""
    from viewer.player.moment import MomentRenderer

    recording = read_recording(path)
    check_idle_gap(recording, timeline)
    renderer = MomentRenderer.start(remote_assets=False)
    try:
        renderer.show(recording, timeout_s=120)
        for step in checkpoints(timeline):
            renderer.seek(step["at"] + SETTLE_MS)
            if step["expect"] not in renderer.text().everything:
                raise RecordingMismatch(f"{path.name}: {step['expect']!r} missing at {step['at']} ms")
    finally:
        renderer.close()
    print(
        f"checked {path.name}: {len(recording.events)} events replay, "
        f"{len(checkpoints(timeline))} moments show the text the script left",
        flush=True,
    )
