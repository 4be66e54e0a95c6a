"""Comments and collections in the cache: each record merged by `replay_core.collab`'s rule whoever
changed it (this app, another app through the sync, an imported folder), and the outbox of local changes
that the next sync uploads.

A change made here is merged into the stored record and queued in `collab_outbox` (one row per record,
its `rev` raised by every change); the sync uploads the queued records, stores the server's merge and
takes a row out only if no change was queued meanwhile. Comments go with their replay (migration 0006's
trigger): deleting a user or a replay, or retention, removes them and their queued uploads.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    select,
)
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection

from replay_core import collab
from replay_core.collab import COLLECTION, COMMENT, ENTRY_PREFIX, CollabError, Record
from viewer.storage.schema import replays, sources

# Tables of their own (migration 0006 creates them): `ReplayCache.row_counts` lists the replay data's.
metadata = MetaData()

collab_meta = Table(
    "collab_meta",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)
comments = Table(
    "comments",
    metadata,
    Column("id", String, primary_key=True),
    Column("replay_id", String, nullable=False),
    Column("at_ms", Integer, nullable=False),  # from the replay's start
    Column("text", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("created_ms", Integer, nullable=False),
    Column("edited_ms", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),  # kept as a tombstone so an older version cannot return
    Column("record", Text, nullable=False),  # the merged wire form (replay_core.collab.to_json)
)
Index("ix_comments_replay", comments.c.replay_id, comments.c.at_ms)
Index("ix_comments_search", comments.c.deleted, comments.c.text, comments.c.replay_id)
collections = Table(
    "collections",
    metadata,
    Column("id", String, primary_key=True),
    Column("name", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("created_ms", Integer, nullable=False),
    Column("edited_ms", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("record", Text, nullable=False),
)
Index("ix_collections_name", collections.c.name)
# A collection's replays in order, rewritten from its record at every change (for queries by replay).
collection_entries = Table(
    "collection_entries",
    metadata,
    Column("collection_id", String, ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True),
    Column("replay_id", String, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("start_ms", Integer),
)
Index("ix_collection_entries_replay", collection_entries.c.replay_id)
collab_outbox = Table(
    "collab_outbox",
    metadata,
    Column("kind", String, primary_key=True),
    Column("id", String, primary_key=True),
    Column("rev", Integer, nullable=False),
    Column("queued_ms", Integer, nullable=False),
)

# The sources that hold a record: uploaded there (`rev`: the outbox revision that went up) or carried by
# their change feed (`rev` 0). A collection goes to each of them and to each source its replays come from.
collab_sent = Table(
    "collab_sent",
    metadata,
    Column("kind", String, primary_key=True),
    Column("id", String, primary_key=True),
    Column("source", String, primary_key=True),
    Column("rev", Integer, nullable=False),
)
# Replays a collection names that were deleted from the cache (a trigger notes them; 0009).
gone_replays = Table(
    "gone_replays",
    metadata,
    Column("replay_id", String, primary_key=True),
    Column("gone_ms", Integer, nullable=False),
)

_TABLES = {COMMENT: comments, COLLECTION: collections}
_DEVICE = "device_id"


@dataclass(frozen=True)
class Queued:
    """A record waiting in the outbox, and the revision of the queue entry it was read at."""

    record: Record
    rev: int


def device_id(conn: Connection) -> str:
    """This cache's id, the tie-breaker of edits made in the same millisecond (made once, kept)."""
    found = conn.execute(select(collab_meta.c.value).where(collab_meta.c.key == _DEVICE)).scalar()
    if found is not None:
        return str(found)
    made = uuid.uuid4().hex
    conn.execute(insert(collab_meta).values(key=_DEVICE, value=made).on_conflict_do_nothing())
    return str(conn.execute(select(collab_meta.c.value).where(collab_meta.c.key == _DEVICE)).scalar_one())


def stored(conn: Connection, kind: str, record_id: str) -> Record | None:
    table = _TABLES[kind]
    text = conn.execute(select(table.c.record).where(table.c.id == record_id)).scalar()
    return None if text is None else _loaded(str(text), kind)


def _loaded(text: str, kind: str) -> Record:
    raw = json.loads(text)
    record = collab.from_json(raw, kind) if raw.get("created_ms") else collab.tombstone(kind, str(raw["id"]))
    return record


def store(conn: Connection, record: Record, now_ms: int, queue: bool) -> Record:
    """Merge `record` into what is stored and write the result; queue it for upload when `queue`."""
    before = stored(conn, record.kind, record.id)
    merged = record if before is None else collab.merge(before, record)
    if merged != before:
        _write(conn, merged)
    if queue:
        # Revisions go on from the last one a source took, so a source's `rev` tells whether it is behind.
        held = conn.execute(
            select(func.max(collab_sent.c.rev)).where(_sent_entry(record.kind, record.id))
        ).scalar()
        first = int(held or 0) + 1
        statement = insert(collab_outbox).values(kind=record.kind, id=record.id, rev=first, queued_ms=now_ms)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["kind", "id"], set_={"rev": collab_outbox.c.rev + 1, "queued_ms": now_ms}
            )
        )
    return merged


def _write(conn: Connection, record: Record) -> None:
    table = _TABLES[record.kind]
    values: dict[str, Any] = {
        "id": record.id,
        "author": record.author,
        "created_ms": record.created_ms,
        "edited_ms": record.edited_ms,
        "deleted": record.is_deleted,
        "record": json.dumps(collab.to_json(record), ensure_ascii=False, separators=(",", ":")),
    }
    if record.kind == COMMENT:
        values.update(
            replay_id=record.replay_id, at_ms=record.at_ms if record.fields else 0, text=record.text
        )
    else:
        values.update(name=record.name)
    conn.execute(insert(table).values(**values).on_conflict_do_update(index_elements=["id"], set_=values))
    if record.kind == COLLECTION:
        conn.execute(delete(collection_entries).where(collection_entries.c.collection_id == record.id))
        rows = [
            {"collection_id": record.id, "replay_id": e.replay_id, "position": n, "start_ms": e.start_ms}
            for n, e in enumerate(record.entries())
        ]
        if rows and not record.is_deleted:
            conn.execute(insert(collection_entries), rows)


def queued(conn: Connection, source: str | None = None) -> list[Queued]:
    """Records waiting to be uploaded, oldest change first; for `source`, without the comments on replays
    synced from another source (they go to theirs) and without the collections that go elsewhere or that
    `source` has in their latest version already (see `collection_targets`)."""
    rows = conn.execute(
        select(collab_outbox.c.kind, collab_outbox.c.id, collab_outbox.c.rev).order_by(
            collab_outbox.c.queued_ms, collab_outbox.c.kind, collab_outbox.c.id
        )
    ).all()
    found: list[Queued] = []
    for kind, record_id, rev in rows:
        record = stored(conn, kind, record_id)
        if record is None:  # gone with its replay meanwhile
            conn.execute(delete(collab_outbox).where(_queue_entry(kind, record_id)))
            continue
        if source is not None and kind == COMMENT and _synced_elsewhere(conn, record.replay_id, source):
            continue
        if source is not None and kind == COLLECTION and not _collection_due(conn, record, int(rev), source):
            continue
        found.append(Queued(record, int(rev)))
    return found


def collection_targets(conn: Connection, record: Record) -> set[str]:
    """The sync sources a collection goes to: those its replays (present or removed from it) were synced
    from, and those that hold it already. Empty for a collection of imported replays only: then the
    first source that syncs takes it (and holds it from then on)."""
    named = [key[len(ENTRY_PREFIX) :] for key in record.fields if key.startswith(ENTRY_PREFIX)]
    found: set[str] = set()
    for start in range(0, len(named), 500):
        query = (
            select(sources.c.name)
            .join(replays, replays.c.source_id == sources.c.id)
            .where(replays.c.id.in_(named[start : start + 500]) & (sources.c.kind == "sync"))
            .distinct()
        )
        found.update(str(name) for name in conn.execute(query).scalars())
    holders = select(collab_sent.c.source).where(_sent_entry(record.kind, record.id))
    return found | {str(name) for name in conn.execute(holders).scalars()}


def _collection_due(conn: Connection, record: Record, rev: int, source: str) -> bool:
    targets = collection_targets(conn, record)
    if targets and source not in targets:
        return False
    held = conn.execute(
        select(collab_sent.c.rev).where(_sent_entry(record.kind, record.id) & (collab_sent.c.source == source))
    ).scalar()
    return held is None or int(held) < rev


def _sent_entry(kind: str, record_id: str) -> Any:
    return (collab_sent.c.kind == kind) & (collab_sent.c.id == record_id)


def held_by(conn: Connection, record: Record, source: str, rev: int) -> None:
    """`source` holds `record` at outbox revision `rev` (0: its feed carried it)."""
    statement = insert(collab_sent).values(kind=record.kind, id=record.id, source=source, rev=rev)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["kind", "id", "source"], set_={"rev": func.max(collab_sent.c.rev, rev)}
        )
    )


def _synced_elsewhere(conn: Connection, replay_id: str, source: str) -> bool:
    query = select(sources.c.name, sources.c.kind).join(replays, replays.c.source_id == sources.c.id)
    found = conn.execute(query.where(replays.c.id == replay_id)).first()
    return found is not None and found.kind == "sync" and found.name != source


def _queue_entry(kind: str, record_id: str) -> Any:
    return (collab_outbox.c.kind == kind) & (collab_outbox.c.id == record_id)


def uploaded(conn: Connection, sent: Queued, answer: Record | None, now_ms: int, source: str | None = None) -> None:
    """The server of `source` took `sent` (and answered with its merge, stored here too) or refused it for
    good (`answer` None): out of the outbox, unless the record was changed again since it was read or
    (a collection) another of its sources still waits for this change."""
    if answer is not None:
        store(conn, answer, now_ms, queue=False)
    if source is not None and sent.record.kind == COLLECTION:
        held_by(conn, sent.record, source, sent.rev)
        record = stored(conn, COLLECTION, sent.record.id) or sent.record
        if any(_collection_due(conn, record, sent.rev, target) for target in collection_targets(conn, record)):
            return
    conn.execute(
        delete(collab_outbox).where(
            _queue_entry(sent.record.kind, sent.record.id) & (collab_outbox.c.rev == sent.rev)
        )
    )


def outbox_size(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(collab_outbox)).scalar() or 0)


def replay_comments(conn: Connection, replay_id: str | None = None) -> list[Record]:
    """The comments (deleted ones left out) of a replay by moment, or of every replay newest first."""
    query = select(comments.c.record).where(comments.c.deleted.is_(False))
    if replay_id is not None:
        query = query.where(comments.c.replay_id == replay_id).order_by(
            comments.c.at_ms, comments.c.created_ms
        )
    else:
        query = query.order_by(comments.c.created_ms.desc(), comments.c.id)
    return [_loaded(text, COMMENT) for text in conn.execute(query).scalars()]


def all_collections(conn: Connection) -> list[Record]:
    query = (
        select(collections.c.record)
        .where(collections.c.deleted.is_(False))
        .order_by(func.lower(collections.c.name), collections.c.created_ms, collections.c.id)
    )
    return [_loaded(text, COLLECTION) for text in conn.execute(query).scalars()]


def collection_named(conn: Connection, name: str) -> Record:
    """The collection called `name` (or with that id); CollabError when there is none. Two teammates may
    make collections of one name at once: the earlier made is the one a name means."""
    query = (
        select(collections.c.record)
        .where(collections.c.deleted.is_(False) & ((collections.c.name == name) | (collections.c.id == name)))
        .order_by(collections.c.created_ms, collections.c.id)
    )
    found = conn.execute(query).scalars().first()
    if found is None:
        raise CollabError(f"no collection named {name[:80]!r}")
    return _loaded(found, COLLECTION)


def replay_duration(conn: Connection, replay_id: str) -> int | None:
    """The replay's duration in ms, or None when the cache has no such replay."""
    found = conn.execute(select(replays.c.duration_ms).where(replays.c.id == replay_id)).scalar()
    return None if found is None else int(found)


def comment_matches(words: Iterable[str]) -> Any:
    """Replay ids with a comment (not deleted) holding every word, case-insensitively (for the feed)."""
    query = select(comments.c.replay_id).where(comments.c.deleted.is_(False))
    for word in words:
        query = query.where(func.instr(func.lower(comments.c.text), word.lower()) > 0)
    return query


class CollabCache:
    """The comment and collection methods of `ReplayCache` (which provides `writing`, `reading`, `now_ms`)."""

    def _conn_write(self) -> Any:
        return cast(Any, self).writing()

    def _conn_read(self) -> Any:
        return cast(Any, self).reading()

    def _now(self) -> int:
        return int(cast(Any, self).now_ms())

    def device_id(self) -> str:
        with self._conn_write() as conn:
            return device_id(conn)

    def add_comment(self, replay_id: str, at_ms: int, text: str, author: str) -> Record:
        """A new comment at `at_ms` of a cached replay, queued for upload; CollabError for an unknown
        replay, a moment past its end or text the rules refuse (nothing is stored then)."""
        with self._conn_write() as conn:
            duration = replay_duration(conn, replay_id)
            if duration is None:
                raise CollabError(f"no replay {replay_id[:80]!r} in the cache")
            problem = collab.within_replay(at_ms, duration)
            if problem:
                raise CollabError(problem)
            record = collab.new_comment(replay_id, author, at_ms, text, self._now(), device_id(conn))
            return store(conn, record, self._now(), queue=True)

    def edit_comment(self, comment_id: str, text: str | None = None, at_ms: int | None = None) -> Record:
        changes: dict[str, Any] = {}
        if text is not None:
            changes["text"] = text
        if at_ms is not None:
            changes["at_ms"] = at_ms
        return self._change(COMMENT, comment_id, lambda r, now, by: collab.edited(r, changes, now, by))

    def delete_comment(self, comment_id: str) -> Record:
        return self._change(COMMENT, comment_id, collab.deleted)

    def create_collection(self, name: str, author: str) -> Record:
        with self._conn_write() as conn:
            record = collab.new_collection(name, author, self._now(), device_id(conn))
            return store(conn, record, self._now(), queue=True)

    def add_to_collection(self, name: str, replay_id: str, start_ms: int | None = None) -> Record:
        """Add a cached replay at the end of the collection `name` (with a moment to start it at)."""
        with self._conn_write() as conn:
            duration = replay_duration(conn, replay_id)
            if duration is None:
                raise CollabError(f"no replay {replay_id[:80]!r} in the cache")
            if start_ms is not None and (problem := collab.within_replay(start_ms, duration)):
                raise CollabError(problem)
            record = collection_named(conn, name)
            changed = collab.with_entry(record, replay_id, start_ms, self._now(), device_id(conn))
            return store(conn, changed, self._now(), queue=True)

    def remove_from_collection(self, name: str, replay_id: str) -> Record:
        with self._conn_write() as conn:
            record = collection_named(conn, name)
            changed = collab.without_entry(record, replay_id, self._now(), device_id(conn))
            return store(conn, changed, self._now(), queue=True)

    def reorder_collection(self, name: str, replay_ids: list[str]) -> Record:
        with self._conn_write() as conn:
            record = collection_named(conn, name)
            changed = collab.reordered(record, replay_ids, self._now(), device_id(conn))
            return store(conn, changed, self._now(), queue=True)

    def delete_collection(self, name: str) -> Record:
        with self._conn_write() as conn:
            record = collection_named(conn, name)
            return store(conn, collab.deleted(record, self._now(), device_id(conn)), self._now(), queue=True)

    def _change(self, kind: str, record_id: str, how: Any) -> Record:
        with self._conn_write() as conn:
            record = stored(conn, kind, record_id)
            if record is None or record.is_deleted:
                raise CollabError(f"no {kind} {record_id[:80]!r}")
            return store(conn, how(record, self._now(), device_id(conn)), self._now(), queue=True)

    def merge_records(self, records: Iterable[Record], queue: bool = False, source: str | None = None) -> list[Record]:
        """Merge records from elsewhere (the server of `source`, an imported folder) in one transaction;
        the collections `source`'s feed carried are held by it (later changes go back there)."""
        records = list(records)
        with self._conn_write() as conn:
            merged = [store(conn, record, self._now(), queue) for record in records]
            if source is not None:
                for record in records:
                    if record.kind == COLLECTION:
                        held_by(conn, record, source, 0)
            return merged

    def comments(self, replay_id: str | None = None) -> list[Record]:
        with self._conn_read() as conn:
            return replay_comments(conn, replay_id)

    def comment(self, comment_id: str) -> Record | None:
        with self._conn_read() as conn:
            return stored(conn, COMMENT, comment_id)

    def collections(self) -> list[Record]:
        with self._conn_read() as conn:
            return all_collections(conn)

    def collection(self, name: str) -> Record:
        with self._conn_read() as conn:
            return collection_named(conn, name)

    def collab_outbox(self, source: str | None = None) -> list[Queued]:
        """What waits to be uploaded (to `source`: see `queued`)."""
        with self._conn_write() as conn:
            return queued(conn, source)

    def collab_uploaded(self, sent: Queued, answer: Record | None, source: str | None = None) -> None:
        with self._conn_write() as conn:
            uploaded(conn, sent, answer, self._now(), source)

    def gone_replays(self, replay_ids: Iterable[str]) -> dict[str, int]:
        """Of these replays, those deleted from the cache while a collection named them: when (epoch ms)."""
        ids = list(replay_ids)
        with self._conn_read() as conn:
            rows = conn.execute(select(gone_replays).where(gone_replays.c.replay_id.in_(ids))).all()
            return {str(row.replay_id): int(row.gone_ms) for row in rows}

    def collab_outbox_size(self) -> int:
        with self._conn_read() as conn:
            return outbox_size(conn)
