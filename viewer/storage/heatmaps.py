"""Each replay's heatmap rows (page visits and their clicks, `replay_core.heatmap`) and the heatmap queries.

Written in the transaction that writes the replay's events (recomputed when a replay grows), deleted with
the replay (foreign keys with ON DELETE CASCADE), and backfilled in small batches for replays cached
before they existed. Queries read only these tables, never the events.

Filters apply to visits: a visit belongs to a date range by its start and to a viewport class by its
viewport at the start; a click belongs to its visit. Scroll depth is a share of the page's height where
the SDK told it, else of the tallest the page is known to be or any selected visit reached.

Click positions are kept on the page (viewport position plus the document's scroll). Where a click fell
*within its element* needs the element's box, which only a laid-out page has (rrweb snapshots carry no
layout), so it is not stored: the Heatmaps view rebuilds one recent snapshot of the page and the overlay
(`resources/player/heatmap-overlay.js`) works it out there from `click_spots` and each element's box
(the `element_x`/`element_y` columns stay empty).
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, delete, func, insert, or_, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from replay_core.heatmap import (
    HEATMAP_VERSION,
    HeatmapClick,
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
    heatmap_pages,
    heatmap_replays,
    heatmap_visits,
    replays,
)

BACKFILL_BATCH = 20  # replays per transaction, as for the activity figures
SPOT_PX = 8  # click positions are summed per element in squares of this many page pixels
SPOT_SAMPLE = 5000  # the heat by position is drawn from at most this many clicks (a sample of a busy page)
SNAPSHOT_MOMENTS = 4  # moments of the visit tried for the rebuilt page (first click, ..., last click)
SNAPSHOT_DELAY_MS = 1000  # a visit without clicks is shown this long after it started (or at its end)
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


@dataclass(frozen=True)
class ClickSpot:
    """Clicks on one element around one page position (a SPOT_PX square's centre)."""

    selector: str
    page_x: float
    page_y: float
    clicks: int


@dataclass(frozen=True)
class PageSnapshot:
    """A moment of a cached replay that shows the page: the Heatmaps view rebuilds the page from it."""

    replay_id: str
    page: str
    at_offset_ms: int  # from the replay's first event
    viewport_width: int | None
    viewport_height: int | None
    # Moments of the visit to try, `at_offset_ms` first: just before its first, middle and last clicks. The
    # page changes as it is used (a todo added, a panel opened): the view shows the one where most of the
    # clicked elements are on the page.
    moments: tuple[int, ...] = ()


@dataclass(frozen=True)
class HeatmapView:
    """What the Heatmaps page shows for a page: its heatmap, where the clicks fell, and the replay moment
    its page is rebuilt from (None when no replay of the selected visits has its events cached)."""

    heatmap: PageHeatmap
    spots: list[ClickSpot]
    snapshot: PageSnapshot | None


# Writing


def store(
    conn: Connection,
    replay_id: str,
    visits: Sequence[PageVisit],
    keep: int = 0,
    kept_clicks: int = 0,
    kept_selectors: Collection[str] = (),
) -> None:
    """Replace the replay's heatmap rows with `visits`, on the caller's transaction.

    A replay that grew (viewer.storage.growing) keeps what its new events cannot change: its first `keep`
    visits as stored, and with `kept_clicks` the first clicks of the next one, which is then `visits[0]`
    without them (`kept_selectors`: the elements those were on)."""
    if not keep and not kept_clicks:
        conn.execute(delete(heatmap_visits).where(heatmap_visits.c.replay_id == replay_id))
        _insert_visits(conn, replay_id, visits)
        _mark(conn, replay_id)
        return
    ids = conn.execute(
        select(heatmap_visits.c.id).where(heatmap_visits.c.replay_id == replay_id).order_by(heatmap_visits.c.id)
    ).scalars().all()  # fmt: skip
    if kept_clicks and keep < len(ids) and visits:
        conn.execute(delete(heatmap_visits).where(heatmap_visits.c.id.in_(ids[keep + 1 :])))
        _continue_visit(conn, replay_id, ids[keep], visits[0], kept_clicks, set(kept_selectors))
        _insert_visits(conn, replay_id, visits[1:])
    else:
        conn.execute(delete(heatmap_visits).where(heatmap_visits.c.id.in_(ids[keep:])))
        _insert_visits(conn, replay_id, visits)
    _mark(conn, replay_id)


def _insert_visits(conn: Connection, replay_id: str, visits: Sequence[PageVisit]) -> None:
    clicks: list[dict[str, Any]] = []
    for visit in visits:
        page_id = _page_id(conn, visit.page)
        row = _visit_row(replay_id, page_id, visit)
        visit_id = int(conn.execute(insert(heatmap_visits).values(row)).inserted_primary_key[0])  # type: ignore[index]
        clicks += _click_rows(replay_id, visit_id, page_id, visit, set())
    if clicks:
        conn.execute(insert(heatmap_clicks), clicks)


def _continue_visit(
    conn: Connection, replay_id: str, visit_id: int, visit: PageVisit, kept: int, seen: set[str]
) -> None:
    """A stored visit goes on: its first `kept` clicks stay, the rest are `visit.clicks`."""
    page_id = _page_id(conn, visit.page)
    row = _visit_row(replay_id, page_id, visit) | {"click_count": kept + len(visit.clicks)}
    conn.execute(heatmap_visits.update().where(heatmap_visits.c.id == visit_id).values(row))
    last_kept = conn.execute(
        select(heatmap_clicks.c.id).where(heatmap_clicks.c.visit_id == visit_id)
        .order_by(heatmap_clicks.c.id).offset(kept - 1).limit(1)
    ).scalar()  # fmt: skip
    stale = [heatmap_clicks.c.visit_id == visit_id]
    if last_kept is not None:
        stale.append(heatmap_clicks.c.id > last_kept)
    conn.execute(delete(heatmap_clicks).where(*stale))
    clicks = _click_rows(replay_id, visit_id, page_id, visit, seen)
    if clicks:
        conn.execute(insert(heatmap_clicks), clicks)


def _click_rows(
    replay_id: str, visit_id: int, page_id: int, visit: PageVisit, seen: set[str]
) -> list[dict[str, Any]]:
    shared = {"visit_id": visit_id, "page_id": page_id, "replay_id": replay_id,
              "visit_started_ms": visit.started_ms, "visit_viewport": str(visit.viewport)}  # fmt: skip
    rows = []
    for click in visit.clicks:
        rows.append(shared | _click_row(click) | {"first_in_visit": click.selector not in seen})
        seen.add(click.selector)
    return rows


def _page_id(conn: Connection, page: str) -> int:
    conn.execute(sqlite_insert(heatmap_pages).values(page=page).on_conflict_do_nothing(index_elements=["page"]))
    return int(conn.execute(select(heatmap_pages.c.id).where(heatmap_pages.c.page == page)).scalar_one())


def _mark(conn: Connection, replay_id: str) -> None:
    stmt = sqlite_insert(heatmap_replays).values(replay_id=replay_id, version=HEATMAP_VERSION)
    conn.execute(stmt.on_conflict_do_update(index_elements=["replay_id"], set_={"version": HEATMAP_VERSION}))


def _visit_row(replay_id: str, page_id: int, visit: PageVisit) -> dict[str, Any]:
    return {
        "replay_id": replay_id,
        "page_id": page_id,
        "started_ms": visit.started_ms,
        "offset_ms": visit.offset_ms,
        "viewport": str(visit.viewport),
        "viewport_width": visit.viewport_width,
        "viewport_height": visit.viewport_height,
        "deepest_px": visit.deepest_px,
        "page_height": visit.page_height,
        "click_count": len(visit.clicks),
    }


def _click_row(click: HeatmapClick) -> dict[str, Any]:
    return {
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


def _visit_filter(page_ids: Sequence[int] | None, where: HeatmapFilter) -> list[ColumnElement[bool]]:
    v = heatmap_visits.c
    conditions: list[ColumnElement[bool]] = [] if page_ids is None else [_one_of(v.page_id, page_ids)]
    return conditions + _time_and_viewport(v.started_ms, v.viewport, where)


def _one_of(column: Any, page_ids: Sequence[int]) -> ColumnElement[bool]:
    """`= id` for one page: SQLite then reads an index in its order (an IN list of one sorts instead)."""
    return column == page_ids[0] if len(page_ids) == 1 else column.in_(list(page_ids))


def _click_filter(page_ids: Sequence[int], where: HeatmapFilter) -> list[ColumnElement[bool]]:
    c = heatmap_clicks.c
    return [_one_of(c.page_id, page_ids), *_time_and_viewport(c.visit_started_ms, c.visit_viewport, where)]


def _time_and_viewport(started: Any, viewport: Any, where: HeatmapFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.since_ms is not None:
        conditions.append(started >= where.since_ms)
    if where.until_ms is not None:
        conditions.append(started < where.until_ms)
    if where.viewport is not None:
        conditions.append(viewport == str(where.viewport))
    return conditions


def page_list(conn: Connection, where: HeatmapFilter, patterns: Sequence[str] = ()) -> list[PageSummary]:
    """Every page with visits, most visited first; pages matching one of `patterns` are one row."""
    v = heatmap_visits.c
    stmt = (
        select(heatmap_pages.c.page, v.page_id, func.count(), func.sum(v.click_count),
               func.count(v.replay_id.distinct()))
        .select_from(heatmap_visits.join(heatmap_pages, heatmap_pages.c.id == v.page_id))
        .where(*_visit_filter(None, where))
        .group_by(v.page_id)
    )  # fmt: skip
    grouped: dict[str, list[int]] = {}
    members: dict[str, list[int]] = {}
    for page, page_id, visits, clicks, replay_count in conn.execute(stmt):
        key = group_page(page, patterns)
        totals = grouped.setdefault(key, [0, 0, 0])
        totals[0] += visits
        totals[1] += int(clicks or 0)
        totals[2] += replay_count
        members.setdefault(key, []).append(page_id)
    for key, page_ids in members.items():
        if len(page_ids) > 1:  # a replay visiting two pages of a pattern counts once
            grouped[key][2] = _replay_count(conn, page_ids, where)
    rows = [PageSummary(page, *totals) for page, totals in grouped.items()]
    return sorted(rows, key=lambda r: (-r.visits, r.page))


def _replay_count(conn: Connection, page_ids: Sequence[int], where: HeatmapFilter) -> int:
    stmt = select(func.count(heatmap_visits.c.replay_id.distinct())).where(*_visit_filter(page_ids, where))
    return int(conn.execute(stmt).scalar() or 0)


def pages_of(conn: Connection, page_or_pattern: str) -> list[str]:
    """The visited pages a URL, a path or a pattern names: a URL's page itself; a path (`/pricing`) that
    path on every host; a pattern (`/orders/*`) every page it matches."""
    if "*" not in page_or_pattern and "://" in page_or_pattern:
        candidates = [page_of(page_or_pattern)]
    else:
        every = conn.execute(select(heatmap_pages.c.page)).scalars()
        candidates = [p for p in every if matches_pattern(p, page_or_pattern)]
    return sorted(_page_ids(conn, candidates))


def _page_ids(conn: Connection, pages: Sequence[str]) -> dict[str, int]:
    """The numbers of those of `pages` that were visited."""
    found: dict[str, int] = {}
    for start in range(0, len(pages), 500):
        stmt = select(heatmap_pages.c.page, heatmap_pages.c.id).where(
            heatmap_pages.c.page.in_(list(pages[start : start + 500]))
        )
        found |= {page: int(page_id) for page, page_id in conn.execute(stmt)}
    return found


def page_heatmap(conn: Connection, pages: Sequence[str], where: HeatmapFilter) -> PageHeatmap:
    """Everything of the pages' heatmap but the single clicks (`click_moments`), from one snapshot."""
    page_ids = list(_page_ids(conn, pages).values())
    totals = select(
        func.count(), func.count(heatmap_visits.c.replay_id.distinct()), func.sum(heatmap_visits.c.click_count)
    ).where(*_visit_filter(page_ids, where))
    visits, replay_count, clicks = conn.execute(totals).one()
    return PageHeatmap(
        pages=list(pages),
        visits=int(visits or 0),
        replays=int(replay_count or 0),
        clicks=int(clicks or 0),
        elements=element_clicks(conn, page_ids, where),
        scroll=scroll_map(conn, page_ids, where),
    )


def element_clicks(conn: Connection, page_ids: Sequence[int], where: HeatmapFilter) -> list[ElementClicks]:
    """Per element selector of the pages: clicks, visits and replays with a click on it, rage and dead
    clicks; most clicked first. Read from `ix_heatmap_clicks_page` alone."""
    c = heatmap_clicks.c
    stmt = (
        select(
            c.selector,
            func.count(),
            func.sum(c.first_in_visit, type_=Integer),
            func.count(c.replay_id.distinct()),
            func.sum(c.rage, type_=Integer),  # a Boolean's sum read as one would be True
            func.sum(c.dead, type_=Integer),
        )
        .where(*_click_filter(page_ids, where))
        .group_by(c.selector)
    )
    counts = list(conn.execute(stmt))
    labels = _labels(conn, page_ids, [row[0] for row in counts])
    rows = [
        ElementClicks(selector, labels.get(selector, selector), clicks, int(visits or 0), replay_count,
                      int(rage or 0), int(dead or 0))
        for selector, clicks, visits, replay_count, rage, dead in counts
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (-r.clicks, r.selector))


def _labels(conn: Connection, page_ids: Sequence[int], selectors: Sequence[str]) -> dict[str, str]:
    """Each element's label as its latest click named it (one index search per element)."""
    c = heatmap_clicks.c
    labels = {}
    for selector in selectors:
        stmt = select(c.label).where(_one_of(c.page_id, page_ids), c.selector == selector)
        label = conn.execute(stmt.order_by(c.visit_started_ms.desc()).limit(1)).scalar()
        labels[selector] = str(label) if label is not None else selector
    return labels


def click_moments(
    conn: Connection, pages: Sequence[str], selector: str, where: HeatmapFilter, limit: int = 200
) -> list[ClickMoment]:
    """The clicks on one element, newest first: each replay and the moment to open it at."""
    c = heatmap_clicks.c
    page_ids = list(_page_ids(conn, pages).values())
    stmt = (
        select(c.replay_id, c.at_ms, c.offset_ms, c.x, c.y, c.page_x, c.page_y, c.viewport, c.rage, c.dead)
        .where(*_click_filter(page_ids, where), c.selector == selector)
        .order_by(c.at_ms.desc(), c.id.desc())
        .limit(limit)
    )
    return [ClickMoment(*row) for row in conn.execute(stmt)]


def scroll_map(conn: Connection, page_ids: Sequence[int], where: HeatmapFilter) -> ScrollMap:
    """Per DEPTH_STEP_PERCENT of the page's height, the share of visits that reached it."""
    stmt = select(
        heatmap_visits.c.deepest_px, heatmap_visits.c.page_height, heatmap_visits.c.viewport_height
    ).where(*_visit_filter(page_ids, where), heatmap_visits.c.deepest_px.is_not(None))
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


def click_spots(
    conn: Connection, page_ids: Sequence[int], where: HeatmapFilter, clicks: int | None = None
) -> list[ClickSpot]:
    """Where the clicks fell: per element and SPOT_PX square of the page, from every k-th click (by its
    number) so that at most about SPOT_SAMPLE are read, each standing for k clicks. The sample is picked
    on `ix_heatmap_clicks_page` and only its clicks' positions are read from the table. `clicks`: how many
    the filter selects, when the caller knows (clicks in an iframe have no page position)."""
    c = heatmap_clicks.c
    if clicks is None:
        clicks = int(conn.execute(select(func.count()).where(*_click_filter(page_ids, where))).scalar() or 0)
    every = max(1, -(-clicks // SPOT_SAMPLE))
    sampled = [c.id % every == 0] if every > 1 else []
    stmt = select(c.selector, c.page_x, c.page_y).where(*_click_filter(page_ids, where), *sampled)
    spots: dict[tuple[str, int, int], int] = {}
    for selector, x, y in conn.execute(stmt):
        if x is not None and y is not None:
            key = (selector, int(x // SPOT_PX), int(y // SPOT_PX))
            spots[key] = spots.get(key, 0) + every
    half = SPOT_PX / 2
    return [ClickSpot(sel, x * SPOT_PX + half, y * SPOT_PX + half, n) for (sel, x, y), n in spots.items()]


def page_snapshot(conn: Connection, page_ids: Sequence[int], where: HeatmapFilter) -> PageSnapshot | None:
    """The most recent selected visit whose replay has its events cached (a desktop one when the filter
    names no viewport class), at the moment just before its first click, else SNAPSHOT_DELAY_MS in."""
    v = heatmap_visits.c
    found = None
    for viewport in ([where.viewport] if where.viewport else [Viewport.DESKTOP, None]):
        chosen = HeatmapFilter(where.since_ms, where.until_ms, viewport)
        stmt = (
            select(v.id, v.replay_id, heatmap_pages.c.page, v.offset_ms, v.viewport_width, v.viewport_height,
                   replays.c.duration_ms)
            .select_from(heatmap_visits.join(replays, replays.c.id == v.replay_id)
                         .join(heatmap_pages, heatmap_pages.c.id == v.page_id))
            .where(*_visit_filter(page_ids, chosen), replays.c.chunk_count > 0)
            .order_by(v.started_ms.desc(), v.id.desc())
            .limit(1)
        )  # fmt: skip
        found = conn.execute(stmt).first()
        if found is not None:
            break
    if found is None:
        return None
    visit_id, replay_id, page, offset, width, height, duration = found
    c = heatmap_clicks.c
    click_times = list(conn.execute(select(c.offset_ms).where(c.visit_id == visit_id).order_by(c.offset_ms)).scalars())
    next_visit = conn.execute(
        select(func.min(v.offset_ms)).where(v.replay_id == replay_id, v.offset_ms > offset)
    ).scalar()
    end = min(int(duration), int(next_visit) - 1) if next_visit is not None else int(duration)
    if click_times:
        picks = [click_times[round(i * (len(click_times) - 1) / (SNAPSHOT_MOMENTS - 1))] - 1
                 for i in range(SNAPSHOT_MOMENTS)]  # fmt: skip
    else:
        picks = [offset + SNAPSHOT_DELAY_MS]
    moments = tuple(dict.fromkeys(max(int(offset), min(int(at), end)) for at in picks))
    return PageSnapshot(replay_id, page, moments[0], width, height, moments)


def heatmap_view(conn: Connection, page_or_pattern: str, where: HeatmapFilter) -> HeatmapView:
    """Everything the Heatmaps page reads for a page, from one snapshot of the cache."""
    pages = pages_of(conn, page_or_pattern)
    page_ids = list(_page_ids(conn, pages).values())
    heatmap = page_heatmap(conn, pages, where)
    return HeatmapView(
        heatmap=heatmap,
        spots=click_spots(conn, page_ids, where, sum(e.clicks for e in heatmap.elements)),
        snapshot=page_snapshot(conn, page_ids, where),
    )


OVERLAY_ELEMENTS = 400  # the most clicked elements the overlay looks for on the page


def overlay_data(
    view: HeatmapView, clicks: bool = True, heat: bool = True, scroll: bool = True, caption: str = ""
) -> dict[str, Any]:
    """The document `resources/player/heatmap-overlay.js` draws (sent to the page as JSON): the elements
    with their counts, the click spots by element index, the scroll depths and the fold."""
    elements = view.heatmap.elements[:OVERLAY_ELEMENTS]
    index = {e.selector: n for n, e in enumerate(elements)}
    depth = view.heatmap.scroll
    return {
        "modes": {"clicks": clicks, "heat": heat, "scroll": scroll},
        "elements": [
            {"selector": e.selector, "label": e.label, "clicks": e.clicks, "visits": e.visits,
             "replays": e.replays, "rage": e.rage, "dead": e.dead}
            for e in elements
        ],  # fmt: skip
        "spots": [[index[s.selector], s.page_x, s.page_y, s.clicks] for s in view.spots if s.selector in index],
        "scroll": {
            "visits": depth.visits,
            "page_height_px": depth.page_height_px,
            "fold_px": depth.fold_px,
            "depths": [[d.percent, d.share] for d in depth.depths],
        },
        "caption": caption,
        "scroll_to_top": True,
    }
