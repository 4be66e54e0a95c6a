"""Reading the replay feed: filtered, sorted pages with keyset paging, so rows never shift between pages."""

from __future__ import annotations

import json
import logging
from datetime import tzinfo
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, String, and_, exists, func, literal, or_, select, text, tuple_
from sqlalchemy.engine import Connection, Row

from replay_core.analytics import ANONYMOUS_ID_PREFIX
from viewer.storage.collab import comment_matches
from viewer.storage.models import ReplayPage, ReplayQuery, ReplayRow, ReplaySort
from viewer.storage.schema import analytics_events, replays, sources, users
from viewer.storage.search import parse_search

log = logging.getLogger(__name__)

_SORT_COLUMNS = {
    ReplaySort.RECENT: replays.c.start_ms,
    ReplaySort.DURATION: replays.c.duration_ms,
    ReplaySort.ACTIVITY: replays.c.active_ms,
    ReplaySort.FRUSTRATION: replays.c.frustration,
}
# `has:NAME` in the search keeps replays where the column is above zero (partial indexes, migration 0004).
_HAS_COLUMNS = {
    "error": replays.c.error_count,
    "rage": replays.c.rage_count,
    "dead": replays.c.dead_count,
    "failed-request": replays.c.failed_request_count,
}
# The trigram index needs three characters; shorter words fall back to a scan of the users table.
_TRIGRAM = 3
# Up to this many matching users, their replays are found through the user index (see _replays_of).
_FEW_USERS = 200


def _base_select() -> Select[Any]:
    return select(
        replays,
        sources.c.name.label("source_name"),
        users.c.name.label("user_name"),
        users.c.email.label("user_email"),
    ).select_from(
        replays.join(sources, sources.c.id == replays.c.source_id).outerjoin(
            users, users.c.id == replays.c.user_id
        )
    )


def list_replays(
    conn: Connection, query: ReplayQuery, cursor: str | None = None, tz: tzinfo | None = None
) -> ReplayPage:
    """One page of the feed; pass the page's `next_cursor` to get the following one."""
    sort_column = _SORT_COLUMNS[query.sort]
    stmt = _base_select().where(*filters_for(conn, query, tz))
    if cursor:
        value, replay_id = _decode_cursor(cursor)
        stmt = stmt.where(tuple_(sort_column, replays.c.id) < tuple_(literal(value), literal(replay_id)))
    limit = max(1, query.limit)
    stmt = stmt.order_by(sort_column.desc(), replays.c.id.desc()).limit(limit + 1)
    rows = [row_from(r) for r in conn.execute(stmt)]
    if len(rows) <= limit:
        return ReplayPage(rows=rows, next_cursor=None)
    last = rows[limit - 1]
    key = getattr(last, sort_column.name)
    return ReplayPage(rows=rows[:limit], next_cursor=f"{key}|{last.id}")


def replay_ids(conn: Connection, query: ReplayQuery, tz: tzinfo | None = None) -> list[str]:
    """Every replay the query finds, in the feed's order: ids only, cheap even for 100,000 replays."""
    sort_column = _SORT_COLUMNS[query.sort]
    stmt = select(replays.c.id).where(*filters_for(conn, query, tz))
    return list(conn.execute(stmt.order_by(sort_column.desc(), replays.c.id.desc())).scalars())


def rows_by_id(conn: Connection, ids: list[str]) -> list[ReplayRow]:
    """The rows of these replays, in the order given (replays gone meanwhile are left out)."""
    found = {r.id: r for r in (row_from(x) for x in conn.execute(_base_select().where(replays.c.id.in_(ids))))}
    return [found[i] for i in ids if i in found]


def _decode_cursor(cursor: str) -> tuple[int, str]:
    value, _, replay_id = cursor.partition("|")
    try:
        return int(value), replay_id
    except ValueError:
        raise ValueError(f"not a feed cursor: {cursor!r}") from None


def filters_for(conn: Connection, query: ReplayQuery, tz: tzinfo | None = None) -> list[ColumnElement[bool]]:
    terms = parse_search(query.search, tz)
    found: list[ColumnElement[bool]] = []
    if terms.anonymous:
        found.append(_anonymous_or_named(conn, terms.words))
    elif terms.words:
        named = _replays_of(_matching_user_ids(conn, terms.words))
        # Looked up first, like the users: a search no comment matches keeps the users' fast plan.
        commented = sorted(set(conn.execute(comment_matches(terms.words)).scalars()))
        found.append(or_(named, replays.c.id.in_(commented)) if commented else named)
    found += [replays.c.id.in_(sorted(set(conn.execute(comment_matches([w])).scalars()))) for w in terms.comments]
    found += [_HAS_COLUMNS[name] > 0 for name in terms.has]
    if terms.ranges:
        found.append(or_(*(and_(replays.c.start_ms >= a, replays.c.start_ms < b) for a, b in terms.ranges)))
    if query.user_id is not None:
        found.append(replays.c.user_id == query.user_id)
    if query.since_ms is not None:
        found.append(replays.c.start_ms >= query.since_ms)
    if query.until_ms is not None:
        found.append(replays.c.start_ms < query.until_ms)
    if query.event_name:
        happened = exists().where(
            analytics_events.c.replay_id == replays.c.id, analytics_events.c.name == query.event_name
        )
        found.append(happened)
    return found


def _anonymous_or_named(conn: Connection, words: list[str]) -> ColumnElement[bool]:
    """Replays the feed calls "Anonymous visitor" (matching the other words, if any, can only be done
    by users with names: anonymous ones have none), or of users whose name, email or id holds
    "anonymous" and the other words."""
    named = _replays_of(_matching_user_ids(conn, ["anonymous", *words]))
    if words:
        return named
    nameless = select(users.c.id).where(
        users.c.id.startswith(ANONYMOUS_ID_PREFIX, autoescape=True),
        func.coalesce(users.c.name, "") == "",
        func.coalesce(users.c.email, "") == "",
    )
    anonymous = or_(
        replays.c.user_id.is_(None),
        and_(replays.c.user_id.startswith(ANONYMOUS_ID_PREFIX, autoescape=True), replays.c.user_id.in_(nameless)),
    )
    return or_(anonymous, named)


def _matching_user_ids(conn: Connection, words: list[str]) -> set[str]:
    """Users matching every word (each word in their id, name or email)."""
    found: set[str] | None = None
    for index, word in enumerate(words):
        ids = set(conn.execute(_users_matching(word, index)).scalars())
        found = ids if found is None else found & ids
        if not found:
            return set()
    return found or set()


def _replays_of(user_ids: set[str]) -> ColumnElement[bool]:
    """A filter on the replays of `user_ids`, shaped so SQLite picks the fast plan for the count.

    For a few users, look their replays up by the user index and sort those. For many, walking the
    feed's sort index and keeping rows of those users stops after one page; `user_id || ''` hides
    the user index from the planner, which would otherwise fetch and sort every one of their replays.
    """
    if len(user_ids) <= _FEW_USERS:
        return replays.c.user_id.in_(sorted(user_ids))
    listed = func.json_each(json.dumps(sorted(user_ids))).table_valued("value")
    return replays.c.user_id.concat("").in_(select(listed.c.value))


def _users_matching(word: str, index: int) -> Any:
    """User ids whose id, name or email contains `word`, case-insensitively."""
    if len(word) >= _TRIGRAM:
        phrase = '"' + word.replace('"', '""') + '"'
        name = f"w{index}"
        return (
            text(f"SELECT user_id FROM user_search WHERE user_search MATCH :{name}")
            .bindparams(**{name: phrase})
            .columns(user_id=String)
        )
    return select(users.c.id).where(
        or_(
            users.c.id.contains(word, autoescape=True),
            users.c.name.contains(word, autoescape=True),
            users.c.email.contains(word, autoescape=True),
        )
    )


def row_from(row: Row[Any]) -> ReplayRow:
    m = row._mapping
    return ReplayRow(
        id=m["id"],
        source=m["source_name"],
        user_id=m["user_id"],
        user_name=m["user_name"],
        user_email=m["user_email"],
        start_ms=m["start_ms"],
        end_ms=m["end_ms"],
        duration_ms=m["duration_ms"],
        active_ms=m["active_ms"],
        event_count=m["event_count"],
        click_count=m["click_count"],
        input_count=m["input_count"],
        error_count=m["error_count"],
        start_url=m["start_url"],
        urls=json_or(m["urls"], [m["start_url"]] if m["start_url"] else [], f"replay {m['id']}"),
        size_bytes=m["size_bytes"],
        stored_bytes=m["stored_bytes"],
        rage_count=m["rage_count"],
        dead_count=m["dead_count"],
        failed_request_count=m["failed_request_count"],
        frustration=m["frustration"],
    )


T = TypeVar("T", list[Any], dict[str, Any])


def json_or(text: Any, default: T, what: str) -> T:
    """A stored JSON list or object, or `default` (logged, naming `what`) when a damaged cache holds
    something else: one bad row never stops the feed, a profile or a replay from showing."""
    try:
        found = json.loads(text) if isinstance(text, str | bytes) else None
    except (ValueError, RecursionError):
        found = None
    if isinstance(found, type(default)):
        return found
    log.warning("%s: a damaged value in the cache was ignored: %.80r", what, text)
    return default


def get_replay(conn: Connection, replay_id: str) -> ReplayRow | None:
    row = conn.execute(_base_select().where(replays.c.id == replay_id)).first()
    return row_from(row) if row else None
