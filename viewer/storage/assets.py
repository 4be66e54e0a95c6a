"""The asset cache (issue 18): the images, stylesheets and fonts recorded pages referenced, kept once each by
their sha256, and each replay's URL → content map (migration 0008_assets).

A URL the app could not fetch is kept in the map without content, with the reason, so the player can say
what is missing. An asset goes when the last replay using it goes (a trigger: user deletion, retention,
upstream deletion); past the total cap the least recently fetched go first, except those a replay in a
collection uses, which are never evicted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection

from replay_core.limits import MAX_ASSET_CACHE_BYTES
from viewer.storage.collab import collection_entries, collections

# Tables of their own (migration 0008 creates them), as viewer.storage.collab's.
metadata = MetaData()
assets = Table(
    "assets",
    metadata,
    Column("hash", String, primary_key=True),
    Column("content_type", String, nullable=False),
    Column("size", Integer, nullable=False),
    Column("fetched_ms", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)
replay_assets = Table(
    "replay_assets",
    metadata,
    Column("replay_id", String, primary_key=True),
    Column("url", String, primary_key=True),
    Column("hash", String, ForeignKey("assets.hash", ondelete="SET NULL"), nullable=True),
    Column("reason", String, nullable=False, server_default=""),
    Column("tried_ms", Integer, nullable=False, server_default="0"),
)
EVICTED = "evicted from the asset cache (size cap)"
CLEARED = "the asset cache was cleared"


@dataclass(frozen=True)
class Content:
    hash: str
    content_type: str
    body: bytes
    fetched_ms: int


@dataclass(frozen=True)
class AssetStatus:
    """What the cache holds of one replay's assets."""

    found: int
    missing: dict[str, str]  # URL → why it is not there
    bytes: int

    @property
    def missing_hosts(self) -> list[str]:
        return sorted({urlsplit(url).netloc for url in self.missing})


def keep(
    conn: Connection,
    replay_id: str,
    fetched: Iterable[tuple[str, Content]],
    missing: Iterable[tuple[str, str]],
    now_ms: int,
) -> None:
    """Store what fetching gave for a replay: contents (once each) and the replay's URLs → contents; a URL
    already mapped to content keeps it when a later try fails."""
    for url, content in fetched:
        conn.execute(
            insert(assets)
            .values(
                hash=content.hash,
                content_type=content.content_type,
                size=len(content.body),
                fetched_ms=content.fetched_ms,
                data=content.body,
            )
            .on_conflict_do_nothing()
        )
        row = {"replay_id": replay_id, "url": url, "hash": content.hash, "reason": "", "tried_ms": now_ms}
        conn.execute(
            insert(replay_assets)
            .values(row)
            .on_conflict_do_update(index_elements=["replay_id", "url"], set_=row)
        )
    _prune(conn)
    for url, reason in missing:
        conn.execute(
            insert(replay_assets)
            .values(replay_id=replay_id, url=url, hash=None, reason=reason[:500], tried_ms=now_ms)
            .on_conflict_do_update(
                index_elements=["replay_id", "url"],
                set_={"reason": reason[:500], "tried_ms": now_ms},
                where=replay_assets.c.hash.is_(None),
            )
        )


def map_known(conn: Connection, replay_id: str, known: dict[str, str], now_ms: int) -> list[str]:
    """Map the replay's URLs to contents the cache holds already (by hash; from another replay or a sync);
    the URLs whose content is not here (evicted meanwhile) are returned, not mapped."""
    here = present(conn, known.values())
    for url, digest in known.items():
        if digest in here:
            row = {"replay_id": replay_id, "url": url, "hash": digest, "reason": "", "tried_ms": now_ms}
            conn.execute(
                insert(replay_assets)
                .values(row)
                .on_conflict_do_update(index_elements=["replay_id", "url"], set_=row)
            )
    return [url for url, digest in known.items() if digest not in here]


def present(conn: Connection, hashes: Iterable[str]) -> set[str]:
    """Which of these contents the cache holds."""
    wanted = sorted(set(hashes))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        found.update(conn.execute(select(assets.c.hash).where(assets.c.hash.in_(part))).scalars())
    return found


def url_map(conn: Connection, replay_id: str) -> dict[str, str]:
    """The replay's URLs that have content, → the content's hash."""
    rows = conn.execute(
        select(replay_assets.c.url, replay_assets.c.hash).where(
            (replay_assets.c.replay_id == replay_id) & replay_assets.c.hash.is_not(None)
        )
    )
    return {row.url: row.hash for row in rows}


def contents(conn: Connection, hashes: Iterable[str]) -> dict[str, Content]:
    wanted = sorted(set(hashes))
    found: dict[str, Content] = {}
    for start in range(0, len(wanted), 500):
        rows = conn.execute(select(assets).where(assets.c.hash.in_(wanted[start : start + 500])))
        found.update({r.hash: Content(r.hash, r.content_type, r.data, r.fetched_ms) for r in rows})
    return found


def reusable(conn: Connection, url: str, not_before_ms: int) -> Content | None:
    """Content another replay got for `url`, fetched no earlier than `not_before_ms` (the replay's start):
    it is at least as close to what was recorded as a fetch now."""
    row = conn.execute(
        select(assets)
        .join(replay_assets, replay_assets.c.hash == assets.c.hash)
        .where((replay_assets.c.url == url) & (assets.c.fetched_ms >= not_before_ms))
        .order_by(assets.c.fetched_ms)
        .limit(1)
    ).first()
    return None if row is None else Content(row.hash, row.content_type, row.data, row.fetched_ms)


def status(conn: Connection, replay_id: str) -> AssetStatus:
    rows = conn.execute(
        select(replay_assets.c.url, replay_assets.c.hash, replay_assets.c.reason, assets.c.size)
        .outerjoin(assets, assets.c.hash == replay_assets.c.hash)
        .where(replay_assets.c.replay_id == replay_id)
    ).all()
    missing = {row.url: row.reason or "not fetched" for row in rows if row.hash is None}
    return AssetStatus(
        found=sum(1 for row in rows if row.hash is not None),
        missing=missing,
        bytes=sum(row.size or 0 for row in rows if row.hash is not None),
    )


def replays_without_assets(conn: Connection, limit: int) -> list[str]:
    """The newest replays with events whose assets were never looked for (none of their URLs is mapped)."""
    from viewer.storage.schema import event_chunks, replays

    has_events = select(event_chunks.c.replay_id).where(event_chunks.c.replay_id == replays.c.id).exists()
    looked = select(replay_assets.c.replay_id).where(replay_assets.c.replay_id == replays.c.id).exists()
    rows = conn.execute(
        select(replays.c.id).where(has_events & ~looked).order_by(replays.c.start_ms.desc()).limit(limit)
    )
    return [row.id for row in rows]


def total_bytes(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.sum(assets.c.size), 0))).scalar() or 0)


def evict(conn: Connection, cap_bytes: int = MAX_ASSET_CACHE_BYTES) -> int:
    """Remove the least recently fetched assets until the rest fit `cap_bytes`; never one that a replay in a
    collection uses. Returns the bytes removed."""
    total = total_bytes(conn)
    if total <= cap_bytes:
        return 0
    kept_replays = (
        select(collection_entries.c.replay_id)
        .join(collections, collections.c.id == collection_entries.c.collection_id)
        .where(collections.c.deleted.is_(False))
    )
    protected = select(replay_assets.c.hash).where(
        replay_assets.c.replay_id.in_(kept_replays) & replay_assets.c.hash.is_not(None)
    )
    candidates = conn.execute(
        select(assets.c.hash, assets.c.size)
        .where(assets.c.hash.not_in(protected))
        .order_by(assets.c.fetched_ms, assets.c.hash)
    ).all()
    gone: list[str] = []
    removed = 0
    for row in candidates:
        if total - removed <= cap_bytes:
            break
        gone.append(row.hash)
        removed += row.size
    _drop(conn, gone, EVICTED)
    return removed


def clear(conn: Connection) -> int:
    """Remove every asset (the maps keep their URLs, as missing). Returns the bytes removed."""
    removed = total_bytes(conn)
    conn.execute(
        update(replay_assets).where(replay_assets.c.hash.is_not(None)).values(hash=None, reason=CLEARED)
    )
    conn.execute(delete(assets))
    return removed


def _prune(conn: Connection) -> None:
    """Remove contents no replay maps to any more (a URL fetched again with other content)."""
    conn.execute(
        delete(assets).where(
            assets.c.hash.not_in(select(replay_assets.c.hash).where(replay_assets.c.hash.is_not(None)))
        )
    )


def _drop(conn: Connection, hashes: list[str], reason: str) -> None:
    for start in range(0, len(hashes), 500):
        part = hashes[start : start + 500]
        conn.execute(
            update(replay_assets).where(replay_assets.c.hash.in_(part)).values(hash=None, reason=reason)
        )
        conn.execute(delete(assets).where(assets.c.hash.in_(part)))
