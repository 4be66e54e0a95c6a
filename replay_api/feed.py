"""Reading the change feed: every entity's latest change after a cursor, in commit order."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select

from replay_api.errors import bad_request
from replay_api.schema import changes

DEFAULT_LIMIT = 500
_DIGITS = re.compile(r"[0-9]{1,18}")
MAX_LIMIT = 5000


@dataclass(frozen=True)
class FeedPage:
    """A page of the feed as JSON text; `next_cursor` resumes right after its last change."""

    body: str
    next_cursor: str
    count: int


def parse_cursor(cursor: str | None) -> int:
    """Cursors are the decimal change number last seen; empty means "from the beginning"."""
    if cursor is None or cursor == "":
        return 0
    if not _DIGITS.fullmatch(cursor):
        raise bad_request(f"'cursor' {cursor[:40]!r} is not a cursor this server handed out")
    return int(cursor)


def parse_limit(limit: str | None) -> int:
    if limit is None or limit == "":
        return DEFAULT_LIMIT
    if not _DIGITS.fullmatch(limit) or not 1 <= int(limit) <= MAX_LIMIT:
        raise bad_request(f"'limit' must be a whole number from 1 to {MAX_LIMIT}")
    return int(limit)


def read_page(conn: Connection, project_id: int, after: int, limit: int) -> FeedPage:
    """Changes with a number above `after`; payloads are spliced in as stored, not parsed again."""
    query = (
        select(
            changes.c.seq,
            changes.c.kind,
            changes.c.key,
            changes.c.op,
            changes.c.payload,
            changes.c.created_at,
        )
        .where((changes.c.project_id == project_id) & (changes.c.seq > after))
        .order_by(changes.c.seq)
        .limit(limit + 1)
    )
    rows = conn.execute(query).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    items = ",".join(_change_json(row) for row in rows)
    next_cursor = str(rows[-1].seq) if rows else str(after)
    more = "true" if has_more else "false"
    body = f'{{"changes":[{items}],"next_cursor":{json.dumps(next_cursor)},"has_more":{more}}}'
    return FeedPage(body=body, next_cursor=next_cursor, count=len(rows))


def _change_json(row: Row[Any]) -> str:
    head = json.dumps({"seq": row.seq, "kind": row.kind, "id": row.key, "op": row.op, "at": row.created_at})
    return f'{head[:-1]},"data":{row.payload or "null"}}}'
