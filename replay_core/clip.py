"""A clip of a replay as video frames: which recording time each frame shows, and where the pointer is.

A clip covers `from_ms`..`to_ms` of the recording (ms from its first event). Frame `i` of the output
shows the recording at an exact time: `from_ms + i * speed * 1000 / fps` on the clip's clock, which with
skip inactivity runs only through active time. The inactive spans are `replay_core.activity`'s, the same
the player skips (it jumps from anywhere in a span to its end, never fast-forwards); the clip jumps over
them the same way and holds the moment after each jump for CAPTION_MS of video under a caption saying
how much was skipped. Nothing here renders: `viewer.export` draws the frames this plan names.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from replay_core.activity import InactiveSpan
from replay_core.events import Event, EventType, IncrementalSource, MouseInteraction

CAPTION_MS = 1000.0  # video time a "skipped 41 s" caption is held
RIPPLE_MS = 500.0  # a click's ripple shows for this long after the click (recording time)
MAX_FPS = 60.0

_POINTER_SOURCES = frozenset({IncrementalSource.MOUSE_MOVE, IncrementalSource.TOUCH_MOVE, IncrementalSource.DRAG})
# The interactions rrweb's Replayer moves its pointer to (see its MouseInteraction handling).
_POINTER_INTERACTIONS = frozenset(
    {
        MouseInteraction.MOUSE_UP,
        MouseInteraction.MOUSE_DOWN,
        MouseInteraction.CLICK,
        MouseInteraction.TOUCH_START,
        MouseInteraction.TOUCH_END,
    }
)


class ClipError(ValueError):
    """A clip that cannot be made from this recording: the one line a user sees."""


@dataclass(frozen=True)
class PlannedFrame:
    at_ms: float  # the recording time shown, ms from the first event
    skipped_ms: float = 0.0  # > 0: a caption frame after a jump over this much inactivity


@dataclass(frozen=True)
class ClipPlan:
    frames: tuple[PlannedFrame, ...]
    fps: float
    active_ms: float  # recording time the clip plays (its range less the inactivity it skips)
    skipped: tuple[InactiveSpan, ...]  # the parts of inactive spans the clip jumps over, in order

    @property
    def duration_s(self) -> float:
        return len(self.frames) / self.fps


def plan_clip(
    duration_ms: float,
    fps: float,
    from_ms: float = 0.0,
    to_ms: float | None = None,
    speed: float = 1.0,
    skip: Sequence[InactiveSpan] = (),
) -> ClipPlan:
    """The frames of a clip; `skip` is the recording's inactive spans when skipping inactivity, else empty."""
    end_ms = duration_ms if to_ms is None else to_ms
    _check(duration_ms, fps, from_ms, end_ms, speed)
    skipped = tuple(
        InactiveSpan(max(span.start_ms, from_ms), min(span.end_ms, end_ms))
        for span in sorted(skip, key=lambda span: span.start_ms)
        if span.end_ms > from_ms and span.start_ms < end_ms
    )
    # The played segments between the skipped parts; a span reaching the clip's end just ends it early.
    segments: list[tuple[float, float, float]] = []  # start, end, inactivity skipped just before start
    cursor, before = from_ms, 0.0
    for span in skipped:
        if span.start_ms > cursor:
            segments.append((cursor, span.start_ms, before))
            before = 0.0
        before += span.end_ms - max(span.start_ms, cursor)
        cursor = max(cursor, span.end_ms)
    if end_ms > cursor:
        segments.append((cursor, end_ms, before))
    active = sum(end - start for start, end, _ in segments)
    step = speed * 1000.0 / fps
    count = math.ceil(active / step - 1e-9) if active > 0 else 0
    captions = round(CAPTION_MS / 1000.0 * fps)
    frames: list[PlannedFrame] = []
    index, offset, pending = 0, 0.0, 0.0  # offset: active time before this segment; pending: skip to caption
    for start, end, skipped_before in segments:
        length = end - start
        pending += skipped_before
        if index < count and index * step < offset + length - 1e-9 and pending > 0:
            # Held on the first moment after the jump (a segment no frame lands in adds to the next caption).
            frames.extend(PlannedFrame(start + (index * step - offset), pending) for _ in range(captions))
            pending = 0.0
        while index < count and index * step < offset + length - 1e-9:
            frames.append(PlannedFrame(start + (index * step - offset)))
            index += 1
        offset += length
    if not frames:
        raise ClipError("the clip has no frames: every moment of the range is inactivity that is skipped")
    return ClipPlan(tuple(frames), fps, active, skipped)


def _check(duration_ms: float, fps: float, from_ms: float, to_ms: float, speed: float) -> None:
    numbers = (duration_ms, fps, from_ms, to_ms, speed)
    if not all(math.isfinite(n) for n in numbers):
        raise ClipError("times, fps and speed must be finite numbers")
    if not 0 < fps <= MAX_FPS:
        raise ClipError(f"--fps must be above 0 and at most {MAX_FPS:g} (got {fps:g})")
    if not 0 < speed <= 64:
        raise ClipError(f"--speed must be above 0 and at most 64 (got {speed:g})")
    length = f"the replay is {duration_ms / 1000:.1f} s long"
    if from_ms < 0 or from_ms >= duration_ms:
        raise ClipError(f"--from {from_ms / 1000:g} s is outside the replay ({length})")
    if to_ms > duration_ms + 0.5:
        raise ClipError(f"--to {to_ms / 1000:g} s is past the end of the replay ({length})")
    if to_ms <= from_ms:
        raise ClipError(f"--to {to_ms / 1000:g} s must come after --from {from_ms / 1000:g} s")


@dataclass(frozen=True)
class PointerSample:
    at_ms: float
    x: float
    y: float
    node: int  # the rrweb id of the node the position is relative to (its document's frame offsets it)


@dataclass(frozen=True)
class Click:
    at_ms: float
    x: float
    y: float
    node: int


class PointerTrack:
    """The recorded pointer: where it is at any moment, and the clicks just before it.

    rrweb records mouse movement in batches (a MouseMove event carries positions up to ~500 ms before
    its own time); a paused seek in rrweb's Replayer puts the pointer at the last position of the last
    whole batch before the moment. This track places it at the last recorded position at or before the
    moment itself, as real-time playback would have."""

    def __init__(self, events: Sequence[Event]) -> None:
        samples: list[PointerSample] = []
        clicks: list[Click] = []
        origin = float(events[0]["timestamp"]) if events else 0.0
        for event in events:
            if event["type"] != EventType.INCREMENTAL_SNAPSHOT:
                continue
            data = event["data"]
            at = float(event["timestamp"]) - origin
            source = data.get("source")
            if source in _POINTER_SOURCES:
                for position in data.get("positions") or ():
                    sample = _sample(at + _number(position.get("timeOffset"), 0.0), position)
                    if sample is not None:
                        samples.append(sample)
            elif source == IncrementalSource.MOUSE_INTERACTION and data.get("type") in _POINTER_INTERACTIONS:
                sample = _sample(at, data)
                if sample is not None:
                    samples.append(sample)
                    if data.get("type") == MouseInteraction.CLICK:
                        clicks.append(Click(at, sample.x, sample.y, sample.node))
        samples.sort(key=lambda s: s.at_ms)  # stable: same-time samples keep recording order
        self.samples = samples
        self.clicks = clicks
        self._times = [s.at_ms for s in samples]
        self._click_times = [c.at_ms for c in clicks]

    def at(self, at_ms: float) -> PointerSample | None:
        """The last recorded position at or before `at_ms`; None before the first one."""
        index = bisect.bisect_right(self._times, at_ms + 1e-6)
        return self.samples[index - 1] if index else None

    def ripples(self, at_ms: float) -> list[tuple[Click, float]]:
        """Clicks within RIPPLE_MS before `at_ms` (inclusive), each with its age as a fraction 0..1."""
        last = bisect.bisect_right(self._click_times, at_ms + 1e-6)
        first = bisect.bisect_left(self._click_times, at_ms - RIPPLE_MS)
        return [(click, (at_ms - click.at_ms) / RIPPLE_MS) for click in self.clicks[first:last]]


def _number(value: object, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return default
    return float(value)


def _sample(at_ms: float, data: dict[str, object]) -> PointerSample | None:
    x, y, node = data.get("x"), data.get("y"), data.get("id")
    if isinstance(node, bool) or not isinstance(node, int):
        return None
    if isinstance(x, bool) or isinstance(y, bool) or not isinstance(x, int | float) or not isinstance(y, int | float):
        return None
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    return PointerSample(at_ms, float(x), float(y), node)


class EventTimes:
    """When a recording has events, to tell whether anything happens between two frames."""

    def __init__(self, events: Sequence[Event]) -> None:
        origin = float(events[0]["timestamp"]) if events else 0.0
        self._times = [float(event["timestamp"]) - origin for event in events]

    def any_between(self, from_ms: float, until_ms: float) -> bool:
        """Whether an event falls in [from_ms, until_ms): if not, the player paused at either moment shows
        the same (a paused seek to a moment applies the events before it, not one at that very moment)."""
        return bisect.bisect_left(self._times, until_ms) > bisect.bisect_left(self._times, from_ms)
