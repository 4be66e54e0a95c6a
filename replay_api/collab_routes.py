"""Writing comments and collections (any key of the project: read or admin). Each write is a whole record
in the wire form of `replay_core.collab`, merged with the stored one; the answer is the merge, and the
change feed carries it (`kind` comment or collection; a deleted one as a tombstone)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from replay_api.auth import Project
from replay_api.collab import write_record
from replay_api.errors import ApiError, documented_errors
from replay_api.state import app_state, run_db
from replay_api.wire import read_body
from replay_core import collab
from replay_core.collab import COLLECTION, COMMENT, CollabError

router = APIRouter(
    prefix="/api/v1", tags=["comments and collections"], responses=documented_errors(400, 401, 413)
)

_STAMP = {
    "type": "array",
    "prefixItems": [{"type": "integer"}, {"type": "string"}],
    "minItems": 2,
    "maxItems": 2,
}


def _record_schema(kind: str) -> dict[str, Any]:
    fields: dict[str, Any] = (
        {
            "type": "object",
            "properties": {
                "text": {"type": "string", "maxLength": collab.MAX_COMMENT_CHARS},
                "at_ms": {"type": "integer", "minimum": 0},
            },
            "required": ["text", "at_ms"],
        }
        if kind == COMMENT
        else {
            "type": "object",
            "properties": {"name": {"type": "string", "maxLength": collab.MAX_NAME_CHARS}},
            "additionalProperties": {
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "properties": {
                            "order": {"type": "number"},
                            "start_ms": {"type": ["integer", "null"]},
                        },
                        "required": ["order", "start_ms"],
                    },
                ]
            },
            "required": ["name"],
        }
    )
    return {
        "type": "object",
        "properties": {
            "kind": {"enum": [kind]},
            "id": {"type": "string"},
            "author": {"type": "string", "maxLength": collab.MAX_AUTHOR_CHARS},
            "created_ms": {"type": "integer"},
            "replay_id": {"type": "string"},
            "fields": fields,
            "stamps": {"type": "object", "additionalProperties": _STAMP},
            "deleted": {"anyOf": [{"type": "null"}, _STAMP]},
        },
        "required": ["kind", "id", "author", "created_ms", "fields", "stamps"],
        "additionalProperties": False,
    }


def _documented(kind: str) -> dict[str, Any]:
    schema = _record_schema(kind)
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        "responses": {
            "200": {
                "description": "The record as merged",
                "content": {"application/json": {"schema": schema}},
            }
        },
    }


async def _write(request: Request, project_id: int, kind: str) -> JSONResponse:
    state = app_state(request)
    body = await read_body(request, collab.MAX_RECORD_BYTES)
    try:
        record = collab.loads(body, kind)
    except CollabError as exc:
        raise ApiError(400, str(exc)) from None

    def work() -> dict[str, Any]:
        with state.db.write(state.settings.now_ms()) as writer:
            return collab.to_json(write_record(writer, project_id, record))

    return JSONResponse(await run_db(work))


@router.post("/comments", responses=documented_errors(404), openapi_extra=_documented(COMMENT))
async def write_comment(request: Request, project_id: Project) -> JSONResponse:
    """Create, edit or delete a comment pinned to a moment of a replay (`replay_core.collab`'s wire form).

    Any key of the project may write (read or admin: comments are the team's notes, not recorded data).
    The record is merged with the stored one field by field (the later `stamps` entry wins; a record
    deleted in either is deleted): send the whole record as you have it, with new stamps on the fields you
    changed, or with `deleted` set to delete it. The answer is the merged record; a comment on a replay
    the project does not have is 404, text over 2,000 characters or a moment past the replay's end 400.
    """
    return await _write(request, project_id, COMMENT)


@router.post("/collections", openapi_extra=_documented(COLLECTION))
async def write_collection(request: Request, project_id: Project) -> JSONResponse:
    """Create, rename, fill, reorder or delete a collection of replays: `fields` holds `name` and one
    `entry:<replay id>` per replay (`{order, start_ms}`, or null once removed). Merged like a comment;
    any key of the project may write."""
    return await _write(request, project_id, COLLECTION)
