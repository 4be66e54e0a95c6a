"""Play, pause, seek, speed and skip-inactivity logic as plain Python, driving any player sink.

The controller owns the playback clock. Skipping inactivity is a seek over the inactive span the
moment playback enters it; it never fast-forwards, so the controls stay usable throughout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from replay_core.activity import InactiveSpan
from replay_core.markers import Marker
from replay_core.playback import SPEEDS

STEP_MS = 5000.0
# Pressing "previous marker" right after landing on one goes to the one before it.
MARKER_BACK_GRACE_MS = 1000.0  # while playing, a marker passed this recently is not 'previous'


class PlayerSink(Protocol):
    """What the controller drives: the web page in the app, a recorder of calls in tests."""

    def seek(self, at_ms: float, play: bool) -> object: ...

    def pause(self) -> None: ...

    def set_speed(self, speed: float) -> None: ...


def format_duration(ms: float) -> str:
    """'40 s', '2 min 10 s', '1 h 5 min' — how long something lasted, for notices."""
    seconds = round(ms / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


@dataclass
class _Wanted:
    """What the user asked for while a replay was on its way (its first page shown): done once it loads."""

    play: bool = False
    at_ms: float | None = None


class PlaybackController:
    def __init__(
        self,
        sink: PlayerSink,
        clock: Callable[[], float] = time.monotonic,
        speed: float = 1.0,
        skip_inactivity: bool = True,
    ) -> None:
        self._sink = sink
        self._clock = clock
        self.speed = speed if speed in SPEEDS else 1.0
        self.skip_inactivity = skip_inactivity
        self.duration_ms = 0.0
        self.inactive_spans: list[InactiveSpan] = []
        self.markers: list[Marker] = []
        self.playing = False
        self._wanted: _Wanted | None = None  # while a replay is on its way
        self._anchor_ms = 0.0
        self._anchor_wall = clock()
        self._changed: list[Callable[[], None]] = []
        self._notices: list[Callable[[str], None]] = []

    # listeners -------------------------------------------------------------------------------
    def on_change(self, callback: Callable[[], None]) -> None:
        self._changed.append(callback)

    def on_notice(self, callback: Callable[[str], None]) -> None:
        self._notices.append(callback)

    def _emit_change(self) -> None:
        for callback in self._changed:
            callback()

    def _notify(self, text: str) -> None:
        for callback in self._notices:
            callback(text)

    # state -----------------------------------------------------------------------------------
    def await_replay(self) -> None:
        """Another replay is on its way, and its first page may show before it is all there: playback stops
        and the controls are empty; a play, pause or seek asked for meanwhile is done once it loads (before,
        the previous replay's timeline took them, and the loaded replay then started over paused)."""
        self.pause()
        self._wanted = None  # an earlier wait's wishes go with it
        self.load(0.0, [], [])
        self._wanted = _Wanted()

    @property
    def play_wanted(self) -> bool:
        """Playing, or asked to play once the replay on its way loads: what the Play button shows."""
        return self.playing or (self._wanted is not None and self._wanted.play)

    def load(self, duration_ms: float, spans: Sequence[InactiveSpan], markers: Sequence[Marker]) -> None:
        """A new replay: paused at its start, unless it was asked to play or go to a moment while on its way."""
        wanted, self._wanted = self._wanted, None
        self.duration_ms = duration_ms
        self.inactive_spans = list(spans)
        self.markers = list(markers)
        self.playing = False
        self._set_anchor(0.0)
        self._emit_change()
        if wanted is not None and wanted.at_ms is not None:
            self.seek(wanted.at_ms)
        if wanted is not None and wanted.play:
            self.play()

    def _hold(self, play: bool | None = None, at_ms: float | None = None) -> None:
        assert self._wanted is not None
        if play is not None:
            self._wanted.play = play
        if at_ms is not None:
            self._wanted.at_ms = max(0.0, at_ms)
        self._emit_change()

    def extend(self, duration_ms: float, spans: Sequence[InactiveSpan], markers: Sequence[Marker]) -> None:
        """The same replay grew (it is still being recorded): keep playing where we are."""
        position = self.position_ms
        self.duration_ms = max(duration_ms, self.duration_ms)
        self.inactive_spans = list(spans)
        self.markers = list(markers)
        self._set_anchor(position)
        self._emit_change()

    @property
    def position_ms(self) -> float:
        if not self.playing:
            return self._anchor_ms
        elapsed = (self._clock() - self._anchor_wall) * 1000.0 * self.speed
        return min(self.duration_ms, self._anchor_ms + elapsed)

    @property
    def at_end(self) -> bool:
        return self.position_ms >= self.duration_ms

    def _set_anchor(self, position_ms: float) -> None:
        self._anchor_ms = max(0.0, min(position_ms, self.duration_ms))
        self._anchor_wall = self._clock()

    def span_at(self, at_ms: float) -> InactiveSpan | None:
        return next((s for s in self.inactive_spans if s.contains(at_ms)), None)

    # commands --------------------------------------------------------------------------------
    def play(self) -> None:
        if self._wanted is not None:
            self._hold(play=True)
            return
        if self.duration_ms <= 0:
            return
        start = 0.0 if self.at_end else self.position_ms
        self.playing = True
        self._go(self._skip_target(start))

    def pause(self) -> None:
        if self._wanted is not None:
            self._hold(play=False)
            return
        if not self.playing:
            return
        position = self.position_ms
        self.playing = False
        self._set_anchor(position)
        self._sink.pause()
        self._emit_change()

    def toggle(self) -> None:
        if self.play_wanted:
            self.pause()
        else:
            self.play()

    def seek(self, at_ms: float) -> None:
        if self._wanted is not None:
            self._hold(at_ms=at_ms)
            return
        target = max(0.0, min(at_ms, self.duration_ms))
        self._go(self._skip_target(target) if self.playing else target)

    def step(self, delta_ms: float) -> None:
        if self._wanted is not None:
            self._hold(at_ms=(self._wanted.at_ms or 0.0) + delta_ms)
            return
        self.seek(self.position_ms + delta_ms)

    def next_marker(self) -> None:
        position = self.position_ms
        following = next((m for m in self.markers if m.at_ms > position + 1), None)
        if following is not None:
            self.seek(following.at_ms)

    def previous_marker(self) -> None:
        """Shift+←: the marker before this moment. Paused on a marker, the one before it however close;
        playing, one passed less than a second ago is skipped, so pressing again keeps going back."""
        back = MARKER_BACK_GRACE_MS if self.playing else 1.0
        earlier = [m.at_ms for m in self.markers if m.at_ms < self.position_ms - back]
        self.seek(max(earlier, default=0.0))

    def set_speed(self, speed: float) -> None:
        if speed not in SPEEDS or speed == self.speed:
            return
        self._set_anchor(self.position_ms)
        self.speed = speed
        self._sink.set_speed(speed)
        self._emit_change()

    def faster(self) -> None:
        self.set_speed(SPEEDS[min(len(SPEEDS) - 1, SPEEDS.index(self.speed) + 1)])

    def slower(self) -> None:
        self.set_speed(SPEEDS[max(0, SPEEDS.index(self.speed) - 1)])

    def set_skip_inactivity(self, enabled: bool) -> None:
        if enabled == self.skip_inactivity:
            return
        self.skip_inactivity = enabled
        self._emit_change()
        if enabled and self.playing:
            self.tick()

    def tick(self) -> None:
        """Called often while playing: ends playback at the end and jumps over inactive spans."""
        if not self.playing:
            return
        position = self.position_ms
        if position >= self.duration_ms:
            self.playing = False
            self._set_anchor(self.duration_ms)
            self._emit_change()
            return
        target = self._skip_target(position)
        if target != position:
            self._go(target)

    # internals -------------------------------------------------------------------------------
    def _skip_target(self, position: float) -> float:
        """Where playback should be: past the inactive span `position` is in, when skipping."""
        if not self.skip_inactivity:
            return position
        span = self.span_at(position)
        if span is None:
            return position
        self._notify(f"Skipped {format_duration(span.end_ms - position)} of inactivity")
        return span.end_ms

    def _go(self, target: float) -> None:
        self._set_anchor(target)
        if self.playing and self._anchor_ms >= self.duration_ms:
            self.playing = False
        self._sink.seek(self._anchor_ms, self.playing)
        self._emit_change()
