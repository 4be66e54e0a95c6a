"""Each replay's heatmap rows (page visits and their clicks, `replay_core.heatmap`) and the heatmap queries.

Written in the transaction that writes the replay's events (recomputed when a replay grows), deleted with
the replay (foreign keys with ON DELETE CASCADE), and backfilled in small batches for replays cached
before they existed. Queries read only these tables, never the events.

Filters apply to visits: a visit belongs to a date range by its start and to a viewport class by its
viewport at the start; a click belongs to its visit. Scroll depth is a share of the page's height where
the SDK told it, else of the tallest the page is known to be or any selected visit reached.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, delete, func, insert, or_, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from replay_core.heatmap import (
    HEATMAP_VERSION,
    PageVisit,
    Viewport,
    group_page,
    matches_pattern,
    page_of,
    page_visits,
)
from viewer.storage.activity_counts import replay_analytics
from viewer.storage.chunks import DamagedReplay, EncodedReplay, decode_chunk
from viewer.storage.schema import (
    analytics_events,
    event_chunks,
    heatmap_clicks,
    heatmap_replays,
    heatmap_visits,
    replays,
)

BACKFILL_BATCH = 20  # replays per transaction, as for the activity figures
DEPTH_STEP_PERCENT = 5
# The SDK's analytics events a heatmap reads: page views start visits, `$mp_click` tells page heights.
HEATMAP_EVENTS = ("$mp_web_page_view", "$mp_click")


@dataclass(frozen=True)
class HeatmapFilter:
    """Which visits count: started in [since_ms, until_ms), of one viewport class; None: no limit."""

    since_ms: int | None = None
    until_ms: int | None = None
    viewport: Viewport | None = None


@dataclass(frozen=True)
class PageSummary:
    page: str  # a page, or the pattern that grouped it
    visits: int
    clicks: int
    replays: int


@dataclass(frozen=True)
class ElementClicks:
    selector: str
    label: str  # the most recent click's label
    clicks: int
    visits: int
    replays: int
    rage: int
    dead: int


@dataclass(frozen=True)
class ClickMoment:
    """One click on an element: open `replay_id` at `offset_ms` to see it."""

    replay_id: str
    at_ms: int
    offset_ms: int
    x: float | None
    y: float | None
    page_x: float | None
    page_y: float | None
    viewport: str
    rage: bool
    dead: bool


@dataclass(frozen=True)
class DepthShare:
    percent: int  # of the page's height
    share: float  # of the visits that reached it, 0–1
    visits: int


@dataclass(frozen=True)
class ScrollMap:
    visits: int  # with a known depth
    page_height_px: float | None  # 100 % for visits of unknown page height: the tallest known or reached
    height_known: bool  # every visit knew its page's height (the SDK's $mp_click says it)
    fold_px: float | None  # the median viewport height: what shows without scrolling
    depths: list[DepthShare]


@dataclass(frozen=True)
class PageHeatmap:
    """A page's (or a pattern's pages') heatmap: what the Heatmaps page and `replay-viewer heatmap` show."""

    pages: list[str]
    visits: int
    replays: int
    clicks: int
    elements: list[ElementClicks]
    scroll: ScrollMap


# Writing


def store(conn: Connection, replay_id: str, visits: Sequence[PageVisit]) -> None:
    """Replace the replay's heatmap rows with `visits`, on the caller's transaction."""
    conn.execute(delete(heatmap_visits).where(heatmap_visits.c.replay_id == replay_id))
    clicks: list[dict[str, Any]] = []
    for visit in visits:
        visit_id = conn.execute(
            insert(heatmap_visits).values(_visit_row(replay_id, visit))
        ).inserted_primary_key
        clicks += [_click_row(visit_id[0], click) for click in visit.clicks]  # type: ignore[index]
    if clicks:
        conn.execute(insert(heatmap_clicks), clicks)
    _mark(conn, replay_id)


def _mark(conn: Connection, replay_id: str) -> None:
    stmt = sqlite_insert(heatmap_replays).values(replay_id=replay_id, version=HEATMAP_VERSION)
    conn.execute(stmt.on_conflict_do_update(index_elements=["replay_id"], set_={"version": HEATMAP_VERSION}))


def _visit_row(replay_id: str, visit: PageVisit) -> dict[str, Any]:
    return {
        "replay_id": replay_id,
        "page": visit.page,
        "started_ms": visit.started_ms,
        "offset_ms": visit.offset_ms,
        "viewport": str(visit.viewport),
        "viewport_width": visit.viewport_width,
        "viewport_height": visit.viewport_height,
        "deepest_px": visit.deepest_px,
        "page_height": visit.page_height,
        "click_count": len(visit.clicks),
    }


def _click_row(visit_id: int, click: Any) -> dict[str, Any]:
    return {
        "visit_id": visit_id,
        "selector": click.selector,
        "label": click.label,
        "at_ms": click.at_ms,
        "offset_ms": click.offset_ms,
        "x": click.x,
        "y": click.y,
        "page_x": click.page_x,
        "page_y": click.page_y,
        "element_x": click.element_x,
        "element_y": click.element_y,
        "viewport": str(click.viewport),
        "rage": click.rage,
        "dead": click.dead,
    }


def store_encoded(conn: Connection, replay_id: str, encoded: EncodedReplay) -> None:
    """At write time: the visits computed with the events, or computed again here when the SDK's page
    views or clicks of the replay are already stored (they change the visits)."""
    if encoded.heatmap is None or has_heatmap_events(conn, replay_id):
        refresh(conn, replay_id)
    else:
        store(conn, replay_id, encoded.heatmap)


def has_heatmap_events(conn: Connection, replay_id: str) -> bool:
    stmt = select(analytics_events.c.id).where(
        analytics_events.c.replay_id == replay_id, analytics_events.c.name.in_(HEATMAP_EVENTS)
    )
    return conn.execute(stmt.limit(1)).first() is not None


def refresh(conn: Connection, replay_id: str) -> bool:
    """Recompute one replay's rows from its stored events and the SDK's page events; False when it has
    no events or they are damaged (its rows are then left as they are and it is not retried)."""
    chunks = conn.execute(
        select(event_chunks.c.data).where(event_chunks.c.replay_id == replay_id).order_by(event_chunks.c.idx)
    )
    try:
        events = [event for (data,) in chunks for event in decode_chunk(data)]
    except DamagedReplay:
        events = []
    if not events:
        if conn.execute(select(replays.c.id).where(replays.c.id == replay_id)).first() is not None:
            _mark(conn, replay_id)
        return False
    store(conn, replay_id, page_visits(events, _heatmap_events(conn, replay_id)))
    return True


def _heatmap_events(conn: Connection, replay_id: str) -> list[dict[str, Any]]:
    return replay_analytics(conn, replay_id, HEATMAP_EVENTS)


def refresh_for_events(conn: Connection, events: Iterable[Any]) -> None:
    """Replays whose SDK page views or clicks just arrived, when their events are stored already."""
    touched = {e.replay_id for e in events if e.name in HEATMAP_EVENTS and e.replay_id}
    for replay_id in sorted(touched):
        stored = conn.execute(select(replays.c.chunk_count).where(replays.c.id == replay_id)).scalar()
        if stored:
            refresh(conn, replay_id)


def _stale() -> ColumnElement[bool]:
    return and_(
        replays.c.chunk_count > 0,
        or_(heatmap_replays.c.version.is_(None), heatmap_replays.c.version < HEATMAP_VERSION),
    )


def _stale_select(*columns: Any) -> Select[Any]:
    joined = replays.outerjoin(heatmap_replays, heatmap_replays.c.replay_id == replays.c.id)
    return select(*columns).select_from(joined).where(_stale())


def stale_count(conn: Connection) -> int:
    return int(conn.execute(_stale_select(func.count())).scalar() or 0)


def backfill_batch(conn: Connection, limit: int = BACKFILL_BATCH) -> int:
    """Compute the rows of up to `limit` replays with events but none (or older) rows, newest first, on
    the caller's write transaction; the number looked at, 0 when none is left."""
    stmt = _stale_select(replays.c.id).order_by(replays.c.start_ms.desc(), replays.c.id.desc()).limit(limit)
    found = list(conn.execute(stmt).scalars())
    for replay_id in found:
        refresh(conn, replay_id)
    return len(found)


# Reading


def _visit_filter(pages: Sequence[str] | None, where: HeatmapFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if pages is not None:
        conditions.append(heatmap_visits.c.page.in_(list(pages)))
    if where.since_ms is not None:
        conditions.append(heatmap_visits.c.started_ms >= where.since_ms)
    if where.until_ms is not None:
        conditions.append(heatmap_visits.c.started_ms < where.until_ms)
    if where.viewport is not None:
        conditions.append(heatmap_visits.c.viewport == str(where.viewport))
    return conditions


def page_list(conn: Connection, where: HeatmapFilter, patterns: Sequence[str] = ()) -> list[PageSummary]:
    """Every page with visits, most visited first; pages matching one of `patterns` are one row."""
    stmt = (
        select(
            heatmap_visits.c.page,
            func.count(),
            func.sum(heatmap_visits.c.click_count),
            func.count(heatmap_visits.c.replay_id.distinct()),
        )
        .where(*_visit_filter(None, where))
        .group_by(heatmap_visits.c.page)
    )
    grouped: dict[str, list[int]] = {}
    replay_sets: dict[str, list[str]] = {}
    for page, visits, clicks, replay_count in conn.execute(stmt):
        key = group_page(page, patterns)
        totals = grouped.setdefault(key, [0, 0, 0])
        totals[0] += visits
        totals[1] += int(clicks or 0)
        totals[2] += replay_count
        replay_sets.setdefault(key, []).append(page)
    for key, members in replay_sets.items():
        if len(members) > 1:  # a replay visiting two pages of a pattern counts once
            grouped[key][2] = _replay_count(conn, members, where)
    rows = [PageSummary(page, *totals) for page, totals in grouped.items()]
    return sorted(rows, key=lambda r: (-r.visits, r.page))


def _replay_count(conn: Connection, pages: Sequence[str], where: HeatmapFilter) -> int:
    stmt = select(func.count(heatmap_visits.c.replay_id.distinct())).where(*_visit_filter(pages, where))
    return int(conn.execute(stmt).scalar() or 0)


def pages_of(conn: Connection, page_or_pattern: str) -> list[str]:
    """The stored pages a URL, a path or a pattern names: a URL's page itself; a path (`/pricing`) that
    path on every host; a pattern (`/orders/*`) every page it matches."""
    if "*" not in page_or_pattern and "://" in page_or_pattern:
        return [page_of(page_or_pattern)]
    stored = conn.execute(select(heatmap_visits.c.page).distinct()).scalars()
    return sorted(p for p in stored if matches_pattern(p, page_or_pattern))


def page_heatmap(conn: Connection, pages: Sequence[str], where: HeatmapFilter) -> PageHeatmap:
    """Everything of the pages' heatmap but the single clicks (`click_moments`), from one snapshot."""
    totals = select(
        func.count(),
        func.count(heatmap_visits.c.replay_id.distinct()),
        func.sum(heatmap_visits.c.click_count),
    ).where(*_visit_filter(pages, where))
    visits, replay_count, clicks = conn.execute(totals).one()
    return PageHeatmap(
        pages=list(pages),
        visits=int(visits or 0),
        replays=int(replay_count or 0),
        clicks=int(clicks or 0),
        elements=element_clicks(conn, pages, where),
        scroll=scroll_map(conn, pages, where),
    )


def element_clicks(conn: Connection, pages: Sequence[str], where: HeatmapFilter) -> list[ElementClicks]:
    """Per element selector of the pages: clicks, visits and replays with a click on it, rage and dead
    clicks; most clicked first."""
    joined = heatmap_clicks.join(heatmap_visits, heatmap_visits.c.id == heatmap_clicks.c.visit_id)
    stmt = (
        select(
            heatmap_clicks.c.selector,
            # SQLite takes a bare column from the row of the one max(): the latest click's label.
            heatmap_clicks.c.label,
            func.max(heatmap_clicks.c.at_ms),
            func.count(),
            func.count(heatmap_clicks.c.visit_id.distinct()),
            func.count(heatmap_visits.c.replay_id.distinct()),
            func.sum(heatmap_clicks.c.rage, type_=Integer),  # a Boolean's sum read as one would be True
            func.sum(heatmap_clicks.c.dead, type_=Integer),
        )
        .select_from(joined)
        .where(*_visit_filter(pages, where))
        .group_by(heatmap_clicks.c.selector)
    )
    rows = [
        ElementClicks(selector, label, clicks, visits, replay_count, int(rage or 0), int(dead or 0))
        for selector, label, _latest, clicks, visits, replay_count, rage, dead in conn.execute(stmt)
    ]
    return sorted(rows, key=lambda r: (-r.clicks, r.selector))


def click_moments(
    conn: Connection, pages: Sequence[str], selector: str, where: HeatmapFilter, limit: int = 200
) -> list[ClickMoment]:
    """The clicks on one element, newest first: each replay and the moment to open it at."""
    joined = heatmap_clicks.join(heatmap_visits, heatmap_visits.c.id == heatmap_clicks.c.visit_id)
    c = heatmap_clicks.c
    stmt = (
        select(
            heatmap_visits.c.replay_id,
            c.at_ms,
            c.offset_ms,
            c.x,
            c.y,
            c.page_x,
            c.page_y,
            c.viewport,
            c.rage,
            c.dead,
        )  # fmt: skip
        .select_from(joined)
        .where(*_visit_filter(pages, where), c.selector == selector)
        .order_by(c.at_ms.desc(), c.id.desc())
        .limit(limit)
    )
    return [ClickMoment(*row) for row in conn.execute(stmt)]


def scroll_map(conn: Connection, pages: Sequence[str], where: HeatmapFilter) -> ScrollMap:
    """Per DEPTH_STEP_PERCENT of the page's height, the share of visits that reached it."""
    stmt = select(
        heatmap_visits.c.deepest_px, heatmap_visits.c.page_height, heatmap_visits.c.viewport_height
    ).where(*_visit_filter(pages, where), heatmap_visits.c.deepest_px.is_not(None))
    rows = conn.execute(stmt).all()
    if not rows:
        return ScrollMap(0, None, False, None, [])
    known = [r.page_height for r in rows if r.page_height]
    # A visit whose page height is unknown is measured against the tallest the page is known to be.
    height = max([*known, *(r.deepest_px for r in rows)])
    shares = sorted(min(1.0, r.deepest_px / (r.page_height or height)) if height else 0.0 for r in rows)
    folds = sorted(r.viewport_height for r in rows if r.viewport_height)
    fold = float(folds[len(folds) // 2]) if folds else None
    depths = []
    for percent in range(0, 101, DEPTH_STEP_PERCENT):
        reached = len(shares) - _first_at_least(shares, percent / 100)
        depths.append(DepthShare(percent, reached / len(shares), reached))
    return ScrollMap(len(rows), height, len(known) == len(rows), fold, depths)


def _first_at_least(ordered: list[float], value: float) -> int:
    return bisect.bisect_left(ordered, value - 1e-9)  # a visit at exactly 35 % reached 35 %
