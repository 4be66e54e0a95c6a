"""Appending a synced batch to a cached replay in time proportional to the batch (issue 11).

A replay still being recorded grows by a batch at every sync. Encoding it whole again (every chunk
compressed and rewritten, every figure computed over every event) made each sync of a 2-hour replay cost
as much as its first download. Instead, when the batch's events all come after the replay's last one:

- only the stored last chunk, if it was still open, is encoded again with the new events, and new chunks
  follow it (`encode_chunks` closes a chunk once it is full, so the chunks are the ones a whole encoding
  gives);
- the figures go on from the analysis that made them (`replay_core.analysis`), which the cache keeps in
  memory for the replays that grew lately. A replay not among them (the first batch after the app
  started) is analysed from its stored events once, without encoding or writing them again.

Anything else (events earlier than the replay's end, the SDK's page events or signals stored for the
replay, which change its visits and counts) takes the whole path, as before.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from replay_core.analysis import ReplayAnalysis
from replay_core.events import Event
from replay_core.reader import prepare_appended
from viewer.storage import activity_counts, heatmaps
from viewer.storage.chunks import chunk_row, decode_chunk, encode_chunks, is_open
from viewer.storage.schema import event_chunks, replays

# Analyses kept for the replays that grew lately. One holds its page's node tree and the activity found
# so far: a few MB for a large page.
KEPT_ANALYSES = 32


@dataclass(frozen=True)
class _Stored:
    """What the replay's row says of its events: an analysis kept for it must say the same."""

    event_count: int
    end_ms: int
    chunk_count: int
    size_bytes: int
    stored_bytes: int
    start_ms: int


class GrowingReplays:
    """The analyses of the replays appended to lately, by replay id, most recent last."""

    def __init__(self, limit: int = KEPT_ANALYSES) -> None:
        self.limit = limit
        self._kept: OrderedDict[str, tuple[_Stored, ReplayAnalysis]] = OrderedDict()

    def take(self, replay_id: str, stored: _Stored) -> ReplayAnalysis | None:
        """The kept analysis of exactly the stored events; it is no longer kept (until `keep`), so an
        append that fails half-way leaves none behind."""
        kept = self._kept.pop(replay_id, None)
        return kept[1] if kept is not None and kept[0] == stored else None

    def keep(self, replay_id: str, stored: _Stored, analysis: ReplayAnalysis) -> None:
        self._kept[replay_id] = (stored, analysis)
        self._kept.move_to_end(replay_id)
        while len(self._kept) > self.limit:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)


def stored_state(conn: Connection, replay_id: str) -> _Stored | None:
    row = conn.execute(
        select(
            replays.c.event_count, replays.c.end_ms, replays.c.chunk_count, replays.c.size_bytes,
            replays.c.stored_bytes, replays.c.start_ms,
        ).where(replays.c.id == replay_id)
    ).first()  # fmt: skip
    if row is None or not row.chunk_count:
        return None
    return _Stored(row.event_count, row.end_ms, row.chunk_count, row.size_bytes, row.stored_bytes, row.start_ms)


def append_events(
    conn: Connection,
    growing: GrowingReplays,
    replay_id: str,
    events: list[Event],
    values: dict[str, Any],
) -> bool:
    """Append `events` to the stored replay if they extend it; False when the whole path must be taken
    (nothing was written then). `values`: columns to set besides the figures (source, user, time)."""
    stored = stored_state(conn, replay_id)
    if stored is None or heatmaps.has_heatmap_events(conn, replay_id):
        return False
    if activity_counts.has_sdk_signals(conn, replay_id):
        return False
    analysis = growing.take(replay_id, stored) or _analysis_of_stored(conn, replay_id, stored)
    if analysis is None:
        return False
    fresh = prepare_appended(events, analysis.end_ts)
    if fresh is None:
        return False  # late events: the whole path encodes the replay again and keeps a new analysis
    if fresh:
        _append_chunks(conn, replay_id, stored, fresh, analysis, values)
    after = stored_state(conn, replay_id)
    if after is not None:
        growing.keep(replay_id, after, analysis)
    return True


def _analysis_of_stored(conn: Connection, replay_id: str, stored: _Stored) -> ReplayAnalysis | None:
    """The stored events analysed again (read, not written): the replay's first growth since it was kept."""
    rows = conn.execute(
        select(event_chunks.c.data).where(event_chunks.c.replay_id == replay_id).order_by(event_chunks.c.idx)
    )
    analysis: ReplayAnalysis | None = None
    for (data,) in rows:
        events = decode_chunk(data)
        if events and analysis is None:
            analysis = ReplayAnalysis(float(events[0]["timestamp"]))
        if analysis is not None:
            analysis.add(events)
    if analysis is None or analysis.event_count != stored.event_count:
        return None  # not what the row says: let the whole path write it again
    return analysis


def _append_chunks(
    conn: Connection,
    replay_id: str,
    stored: _Stored,
    fresh: list[Event],
    analysis: ReplayAnalysis,
    values: dict[str, Any],
) -> None:
    last_index = stored.chunk_count - 1
    last = conn.execute(
        select(event_chunks.c.raw_bytes, event_chunks.c.event_count, event_chunks.c.data).where(
            event_chunks.c.replay_id == replay_id, event_chunks.c.idx == last_index
        )
    ).first()
    reopened = last is not None and is_open(last.raw_bytes, last.event_count)
    if reopened:
        assert last is not None
        chunks = encode_chunks([*decode_chunk(last.data), *fresh], first_index=last_index)
        stale = event_chunks.c.replay_id == replay_id, event_chunks.c.idx == last_index
        conn.execute(delete(event_chunks).where(*stale))
        size, packed = stored.size_bytes - last.raw_bytes, stored.stored_bytes - len(last.data)
    else:
        chunks = encode_chunks(fresh, first_index=stored.chunk_count)
        size, packed = stored.size_bytes, stored.stored_bytes
    conn.execute(insert(event_chunks), [chunk_row(replay_id, chunk) for chunk in chunks])
    # What the new events cannot change (visits, and clicks of the visit after them) stays as stored.
    settled, kept_clicks = analysis.settled(float(fresh[0]["timestamp"]))
    kept_selectors = analysis.selectors(settled, kept_clicks) if kept_clicks else set()
    analysis.add(fresh)
    result = analysis.result(since_visit=settled, skip_clicks=kept_clicks)
    summary = result.summary
    figures = {
        "end_ms": round(analysis.end_ts),
        "duration_ms": round(summary.duration_ms),
        "active_ms": round(summary.active_ms),
        "event_count": summary.event_count,
        "click_count": summary.click_count,
        "input_count": summary.input_count,
        "error_count": summary.error_count,
        "urls": json.dumps(summary.urls),
        "size_bytes": size + sum(c.raw_bytes for c in chunks),
        "stored_bytes": packed + sum(len(c.data) for c in chunks),
        "chunk_count": chunks[-1].index + 1,
        **activity_counts.count_values(result.activity, summary.error_count),
    }
    conn.execute(replays.update().where(replays.c.id == replay_id).values(**values, **figures))
    heatmaps.store(conn, replay_id, result.visits, settled, kept_clicks, kept_selectors)
