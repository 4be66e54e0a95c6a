"""Comments and collections in the server's database: each write merged with what is stored by the rule of
`replay_core.collab`, the merge recorded in the change feed (a deleted record as a tombstone), a
replay's comments removed with it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, delete, select, update

from replay_api.db import Writer, insert_if_absent
from replay_api.errors import ApiError
from replay_api.replays import find_replay
from replay_api.schema import collab_records
from replay_core import collab
from replay_core.collab import COMMENT, Record


def write_record(writer: Writer, project_id: int, record: Record) -> Record:
    """Merge `record` into the stored one and return the merge; 404 for a comment on an unknown replay
    (or a moment past its end: 400). Unchanged by the merge: nothing is written, no feed entry."""
    conn = writer.conn
    row = _find(conn, project_id, record, lock=True)
    if record.kind == COMMENT and not record.is_deleted and (row is None or not row.deleted):
        _check_replay(conn, project_id, record)
    if row is None:
        values = _values(record, writer.now_ms)
        if (
            insert_if_absent(
                conn,
                collab_records,
                {"project_id": project_id, **values, "created_at": writer.now_ms},
                ["project_id", "kind", "record_id"],
            )
            is not None
        ):
            _record_change(writer, project_id, record)
            return record
        row = _find(conn, project_id, record, lock=True)  # made by another worker meanwhile
        assert row is not None
    stored = collab.from_json(json.loads(row.body), row.kind)
    if stored.is_deleted:  # final: later edits of a deleted record change nothing anyone sees
        return stored
    merged = collab.merge(stored, record)
    if merged != stored:
        conn.execute(
            update(collab_records)
            .where(collab_records.c.id == row.id)
            .values(**_values(merged, writer.now_ms))
        )
        _record_change(writer, project_id, merged)
    return merged


def _check_replay(conn: Connection, project_id: int, record: Record) -> None:
    replay = find_replay(conn, project_id, record.replay_id)
    if replay is None:
        raise ApiError(404, f"no replay {record.replay_id!r}")
    problem = collab.within_replay(record.at_ms, round(replay.end_ms - replay.start_ms), "'at_ms'")
    if problem:
        raise ApiError(400, problem)


def _find(conn: Connection, project_id: int, record: Record, lock: bool) -> Any:
    query = select(collab_records).where(
        (collab_records.c.project_id == project_id)
        & (collab_records.c.kind == record.kind)
        & (collab_records.c.record_id == record.id)
    )
    return conn.execute(query.with_for_update() if lock else query).first()


def _values(record: Record, now_ms: int) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "record_id": record.id,
        "replay_id": record.replay_id,
        # ASCII JSON: no character reaches the database that PostgreSQL's text refuses
        "body": json.dumps(collab.to_json(record), separators=(",", ":")),
        "deleted": record.is_deleted,
        "updated_at": now_ms,
    }


def _record_change(writer: Writer, project_id: int, record: Record) -> None:
    writer.record_change(
        project_id, record.kind, record.id, None if record.is_deleted else collab.to_json(record)
    )


def delete_replay_comments(writer: Writer, project_id: int, replay_ids: list[str]) -> int:
    """Remove the comments of these replays (deleted with them), leaving a tombstone for each."""
    if not replay_ids:
        return 0
    theirs = (
        (collab_records.c.project_id == project_id)
        & (collab_records.c.kind == COMMENT)
        & collab_records.c.replay_id.in_(replay_ids)
    )
    rows = writer.conn.execute(
        select(collab_records.c.record_id, collab_records.c.deleted).where(theirs)
    ).all()
    writer.conn.execute(delete(collab_records).where(theirs))
    for row in rows:
        if not row.deleted:  # a deleted one has its tombstone already
            writer.record_change(project_id, COMMENT, str(row.record_id), None)
    return len(rows)
