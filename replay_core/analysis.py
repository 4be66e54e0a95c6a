"""What the cache stores of a replay's events (its summary, activity counts and heatmap page visits), made
one batch at a time: a replay that grows by a synced batch is analysed in time proportional to the batch
(issue 11), and the figures are the ones a pass over all its events gives (tested)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from replay_core.events import Event
from replay_core.frustration import DEAD_CLICK_MS, ERROR_CLICK_MS, RAGE_WINDOW_MS
from replay_core.heatmap import PageVisit, VisitFollower
from replay_core.summary import ReplaySummary, SummaryBuilder
from replay_core.timeline import REQUEST_CLOCK_TRUST_MS, ActivityCounts

# Events recorded at a time can change how clicks up to this long before it are judged (a rage burst, a
# dead or error click's answer; a request placed at its start by the page's clock).
SETTLE_MS = REQUEST_CLOCK_TRUST_MS + max(RAGE_WINDOW_MS, DEAD_CLICK_MS, ERROR_CLICK_MS)


@dataclass(frozen=True)
class Analysed:
    summary: ReplaySummary
    activity: ActivityCounts
    visits: tuple[PageVisit, ...]


class ReplayAnalysis:
    """Follows a replay's events in time order; `result()` can be asked for after any batch."""

    def __init__(self, start_ts: float) -> None:
        self.summary = SummaryBuilder(start_ts)
        self.visits = VisitFollower(start_ts, [], {})

    @property
    def event_count(self) -> int:
        return self.summary.event_count

    @property
    def end_ts(self) -> float:
        return self.summary.end_ts

    def add(self, events: Iterable[Event]) -> None:
        for event in events:
            self.summary.add(event)
            self.visits.add(event)

    def settled(self, next_ts: float) -> tuple[int, int]:
        """What no event at or after `next_ts` can change: how many of the first visits (those that
        ended at least SETTLE_MS before it), and how many of the first clicks of the visit after them
        (made at least SETTLE_MS before it)."""
        visits = self.visits.visits
        cut = next_ts - SETTLE_MS - self.visits.origin  # as the follower counts time: from the first event
        settled = len(visits) - 1  # the last visit goes on with the next events
        while settled > 0 and visits[settled].started > cut:
            settled -= 1
        settled = max(0, settled)
        clicks = visits[settled].clicks if visits else []
        return settled, bisect.bisect_right(clicks, cut, key=lambda click: click["at"])

    def result(self, since_visit: int = 0, skip_clicks: int = 0) -> Analysed:
        """The figures of the events added so far; `visits` from the `since_visit`th visit on, without
        the first `skip_clicks` clicks of that one (see `settled`)."""
        visits, activity = self.visits.finish(since_visit, skip_clicks)
        return Analysed(self.summary.summary(), activity, tuple(visits))

    def selectors(self, visit: int, clicks: int) -> set[str]:
        """The elements the first `clicks` clicks of a visit were on."""
        return {click["selector"] for click in self.visits.visits[visit].clicks[:clicks]}
