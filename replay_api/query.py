"""The query API for viewers (Bearer key): change feed, replay metadata and events, user deletion."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from replay_api.analytics import profile
from replay_api.auth import Admin, Project, Reader
from replay_api.errors import ApiError, documented_errors
from replay_api.feed import parse_cursor, parse_limit, read_page
from replay_api.lifecycle import delete_user
from replay_api.replays import batch_events_gz, batch_seqs, find_replay, replay_metadata
from replay_api.state import AppState, app_state, run_db

router = APIRouter(prefix="/api/v1", tags=["query"], responses=documented_errors(400, 401, 404))
NDJSON = "application/x-ndjson"




@router.get("/key")
async def key(access: Reader) -> JSONResponse:
    """The key in use: `{name, scope}`; `scope` is `read` or `admin`, `name` is "" for the project's secret."""
    return JSONResponse({"name": access.name, "scope": access.scope})


@router.get("/changes")
async def changes(
    request: Request, project_id: Project, cursor: str | None = None, limit: str | None = None
) -> Response:
    """Changes after `cursor` oldest first: {changes: [{seq, kind, id, op, at, data}], next_cursor, has_more}.

    `kind` is `replay`, `user`, `event`, `comment` or `collection` (data: its record as
    `POST /api/v1/comments` takes it); `op` is `upsert` (data = the entity now) or `delete` (a tombstone,
    data = null). The feed is compacted: an entity appears once, at its latest change, so a consumer that
    stores `next_cursor` after applying a page and resumes from it sees every change exactly once.
    """
    state = app_state(request)
    after, count = parse_cursor(cursor), parse_limit(limit)

    def work() -> str:
        with state.db.read() as conn:
            return read_page(conn, project_id, after, count).body

    return Response(await run_db(work), media_type="application/json")


@router.get("/replays/{replay_id}")
async def replay(request: Request, replay_id: str, project_id: Project) -> JSONResponse:
    """A replay's metadata (the `data` of its `replay` changes)."""
    state = app_state(request)

    def work() -> dict[str, Any] | None:
        with state.db.read() as conn:
            row = find_replay(conn, project_id, replay_id)
            return replay_metadata(row) if row is not None else None

    found = await run_db(work)
    if found is None:
        raise ApiError(404, f"no replay {replay_id!r}")
    return JSONResponse(found)


@router.get("/replays/{replay_id}/events", response_class=StreamingResponse)
async def replay_events(
    request: Request,
    replay_id: str,
    project_id: Project,
    after_seq: Annotated[int, Query(ge=-1, le=10**9)] = -1,
) -> StreamingResponse:
    """The replay's events as NDJSON, one line per stored batch: `{"seq": N, "events": [...]}`.

    Lines come in seq order, each batch's events in timestamp order; only batches with seq > `after_seq`
    are sent. Batches may overlap in time (events a previous page had not uploaded arrive later), so merge
    the lines by timestamp before playing. `X-Replay-Last-Seq` is the replay's highest stored seq.
    Compressed with gzip when the client accepts it.
    """
    state = app_state(request)

    def work() -> tuple[int, list[int]] | None:
        with state.db.read() as conn:
            row = find_replay(conn, project_id, replay_id)
            return None if row is None else (int(row.id), batch_seqs(conn, int(row.id), after_seq))

    found = await run_db(work)
    if found is None:
        raise ApiError(404, f"no replay {replay_id!r}")
    replay_pk, seqs = found
    use_gzip = "gzip" in request.headers.get("accept-encoding", "").lower()
    headers = {"X-Replay-Last-Seq": str(seqs[-1] if seqs else after_seq), "Vary": "Accept-Encoding"}
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
    return StreamingResponse(
        _batch_lines(state, replay_pk, seqs, use_gzip), media_type=NDJSON, headers=headers
    )


def _batch_lines(state: AppState, replay_pk: int, seqs: list[int], use_gzip: bool) -> Iterator[bytes]:
    """One NDJSON line per batch, read one batch at a time so a long replay never sits in memory whole."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31) if use_gzip else None
    for seq in seqs:
        with state.db.read() as conn:
            stored = batch_events_gz(conn, replay_pk, seq)
        if stored is None:  # deleted while streaming
            continue
        line = b'{"seq":%d,"events":%s}\n' % (seq, gzip.decompress(stored).strip())
        yield line if compressor is None else compressor.compress(line) + compressor.flush(zlib.Z_SYNC_FLUSH)
    if compressor is not None:
        yield compressor.flush()


@router.get("/users/{distinct_id}")
async def user(request: Request, distinct_id: str, project_id: Project) -> JSONResponse:
    """A user's profile: `{distinct_id, properties, created_at, updated_at}`."""
    state = app_state(request)

    def work() -> dict[str, Any] | None:
        with state.db.read() as conn:
            return profile(conn, project_id, distinct_id)

    found = await run_db(work)
    if found is None:
        raise ApiError(404, f"no user {distinct_id!r}")
    return JSONResponse(found)


@router.delete("/users/{distinct_id}", responses=documented_errors(403))
async def remove_user(request: Request, distinct_id: str, admin: Admin) -> JSONResponse:
    """Delete a user's profile, replays and events (an admin key); tombstones appear in the change feed."""
    state = app_state(request)

    def work() -> dict[str, object]:
        with state.db.write(state.settings.now_ms()) as writer:
            return delete_user(writer, admin.project_id, distinct_id).as_dict()

    return JSONResponse({"deleted": await run_db(work)})
