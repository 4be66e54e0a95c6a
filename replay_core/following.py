"""An open replay that a sync keeps growing: its summary, outline and activity timeline go on from the
events appended, so each batch costs its own events and not the whole replay's again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from replay_core.events import Event
from replay_core.reader import Recording, RecordingOutline, page_loads
from replay_core.summary import ReplaySummary, SummaryBuilder
from replay_core.timeline import ActivityEntry, TimelineBuilder


class ReplayFollower:
    """What the app keeps of the replay it shows, once the player holds its events.

    `ReplayFollower(recording)` reads the events once, in order (the same figures as `summarize` and
    `activity_timeline` of them); `append` takes the events a sync added, given from the last moment it
    has: the events at that moment it has already are skipped (a batch may end inside a group of equal
    timestamps, as a page load's Meta on the last event's millisecond), and earlier ones (uploaded late)
    show when the replay is opened again, as the player's page has its events in time order."""

    def __init__(self, recording: Recording) -> None:
        self._outline = recording.outline()
        start = recording.start_ts
        self._summary = SummaryBuilder(start)
        self._timeline = TimelineBuilder(start)
        self.end_ts = start
        self._at_end = 0  # how many events it has at `end_ts`
        self._add(recording.events)

    @property
    def outline(self) -> RecordingOutline:
        return self._outline

    def _add(self, events: Iterable[Event]) -> None:
        for event in events:
            self._summary.add(event)
            self._timeline.add(event)
            ts = float(event["timestamp"])
            self._at_end = self._at_end + 1 if ts == self.end_ts else 1
            self.end_ts = ts

    def append(self, events: Iterable[Event]) -> list[Event]:
        """Take the events from the last moment taken on, in time order (`ReplayCache.events_from`),
        but those it has already; returns those taken."""
        fresh: list[Event] = []
        seen = 0
        for event in events:
            ts = float(event["timestamp"])
            if ts < self.end_ts:
                continue
            if ts == self.end_ts and not fresh and seen < self._at_end:
                seen += 1
                continue
            fresh.append(event)
        if not fresh:
            return []
        self._add(fresh)
        self._outline = replace(self._outline, end_ts=self.end_ts, pages=self._outline.pages + page_loads(fresh))
        return fresh

    def summary(self) -> ReplaySummary:
        return self._summary.summary()

    def activity(self, analytics: Iterable[Mapping[str, Any]] = ()) -> list[ActivityEntry]:
        """The activity timeline so far, with the replay's analytics events (see `activity_timeline`)."""
        return self._timeline.timeline(analytics, self.end_ts - self._timeline.origin)
