"""Replays in the database: storing `/record/` batches idempotently, their metadata, reading their events."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Row, select, update

from replay_api.batches import Batch
from replay_api.db import Writer, insert_if_absent
from replay_api.schema import changes, replay_batches, replays
from replay_core.ingest import RecordParams
from replay_core.runs import active_ms, merge_runs

REPLAY = "replay"


def store_batch(writer: Writer, project_id: int, params: RecordParams, batch: Batch) -> bool:
    """Store one batch; False when it was already stored (a retry) or its replay was deleted.

    The replay's row lock (or its creation, which others wait on) orders concurrent batches of one replay,
    so the same batch reaching two workers at once is stored once."""
    conn = writer.conn
    row = find_replay(conn, project_id, params.replay_id, lock=True)
    if row is None:
        if is_tombstoned(conn, project_id, REPLAY, params.replay_id):
            return False
        created = _create_replay(writer, project_id, params, batch)
        if created is None:  # another worker created it meanwhile; its transaction has committed
            row = find_replay(conn, project_id, params.replay_id, lock=True)
            if row is None:
                return False
        replay_pk = created
    stored = {
        "replay_pk": int(row.id) if row is not None else replay_pk,
        "seq": params.seq,
        "event_count": batch.event_count,
        "min_ms": batch.min_ms,
        "max_ms": batch.max_ms,
        "events_gz": batch.events_gz,
        "received_at": writer.now_ms,
    }
    # A batch stored already (a retry) is not stored again; the replay's row lock orders this check.
    if insert_if_absent(conn, replay_batches, stored, ["replay_pk", "seq"]) is None:
        return False
    if row is None:
        fresh: Any = conn.execute(select(replays).where(replays.c.id == replay_pk)).one()
    else:
        fresh = SimpleNamespace(**{**row._asdict(), **_extend_replay(writer, row, params, batch)})
    writer.record_change(project_id, REPLAY, params.replay_id, replay_metadata(fresh))
    return True


def find_replay(conn: Connection, project_id: int, replay_id: str, lock: bool = False) -> Row[Any] | None:
    query = select(replays).where((replays.c.project_id == project_id) & (replays.c.replay_id == replay_id))
    return conn.execute(query.with_for_update() if lock else query).first()


def is_tombstoned(conn: Connection, project_id: int, kind: str, key: str) -> bool:
    query = select(changes.c.op).where(
        (changes.c.project_id == project_id) & (changes.c.kind == kind) & (changes.c.key == key)
    )
    return conn.execute(query).scalar() == "delete"


def _create_replay(writer: Writer, project_id: int, params: RecordParams, batch: Batch) -> int | None:
    values = {
        "project_id": project_id,
        "replay_id": params.replay_id,
        "distinct_id": params.distinct_id,
        "device_id": params.device_id,
        "user_id": params.user_id,
        "start_ms": batch.min_ms,
        "end_ms": batch.max_ms,
        "start_url": params.start_url or batch.first_href,
        "lib_version": params.lib_version,
        "event_count": batch.event_count,
        "click_count": batch.click_count,
        "input_count": batch.input_count,
        "error_count": batch.error_count,
        "batch_count": 1,
        "last_seq": params.seq,
        "stored_bytes": len(batch.events_gz),
        "interaction_runs": json.dumps(batch.runs),
        "created_at": writer.now_ms,
        "updated_at": writer.now_ms,
    }
    return insert_if_absent(writer.conn, replays, values, ["project_id", "replay_id"])


def _extend_replay(writer: Writer, row: Row[Any], params: RecordParams, batch: Batch) -> dict[str, Any]:
    """Update the replay's row for one more batch; returns the columns set."""
    runs = merge_runs([*json.loads(row.interaction_runs), *batch.runs])
    values: dict[str, Any] = {
        "start_ms": min(row.start_ms, batch.min_ms),
        "end_ms": max(row.end_ms, batch.max_ms),
        "event_count": row.event_count + batch.event_count,
        "click_count": row.click_count + batch.click_count,
        "input_count": row.input_count + batch.input_count,
        "error_count": row.error_count + batch.error_count,
        "batch_count": row.batch_count + 1,
        "last_seq": max(row.last_seq, params.seq),
        "stored_bytes": row.stored_bytes + len(batch.events_gz),
        "interaction_runs": json.dumps(runs),
        "updated_at": writer.now_ms,
    }
    if not row.start_url or (batch.min_ms < row.start_ms and batch.first_href and not params.start_url):
        values["start_url"] = params.start_url or batch.first_href or row.start_url
    if params.seq >= row.last_seq:
        # The newest batch knows the user best (identify() may have happened mid-replay).
        for column in ("distinct_id", "device_id", "user_id", "lib_version"):
            if getattr(params, column):
                values[column] = getattr(params, column)
    writer.conn.execute(update(replays).where(replays.c.id == row.id).values(**values))
    return values


def replay_metadata(row: Row[Any]) -> dict[str, Any]:
    """The replay as the query API and the change feed describe it."""
    runs = [tuple(r) for r in json.loads(row.interaction_runs)]
    return {
        "id": row.replay_id,
        "distinct_id": row.distinct_id,
        "device_id": row.device_id,
        "user_id": row.user_id,
        "start_time": row.start_ms,
        "end_time": row.end_ms,
        "duration_ms": row.end_ms - row.start_ms,
        "active_ms": active_ms(row.start_ms, row.end_ms, runs),
        "event_count": row.event_count,
        "click_count": row.click_count,
        "input_count": row.input_count,
        "error_count": row.error_count,
        "start_url": row.start_url,
        "lib_version": row.lib_version,
        "batch_count": row.batch_count,
        "last_seq": row.last_seq,
        # Every seq from 0 to last_seq has arrived (batches may arrive out of order).
        "complete": row.batch_count == row.last_seq + 1,
        "stored_bytes": row.stored_bytes,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        # When the server last captured assets for it (0: never); GET /api/v1/replays/{id}/assets has them.
        "assets_at": row.assets_at,
    }


def batch_seqs(conn: Connection, replay_pk: int, after_seq: int) -> list[int]:
    query = (
        select(replay_batches.c.seq)
        .where((replay_batches.c.replay_pk == replay_pk) & (replay_batches.c.seq > after_seq))
        .order_by(replay_batches.c.seq)
    )
    return [int(s) for s in conn.execute(query).scalars()]


def batch_events_gz(conn: Connection, replay_pk: int, seq: int) -> bytes | None:
    query = select(replay_batches.c.events_gz).where(
        (replay_batches.c.replay_pk == replay_pk) & (replay_batches.c.seq == seq)
    )
    found = conn.execute(query).scalar()
    return bytes(found) if found is not None else None
