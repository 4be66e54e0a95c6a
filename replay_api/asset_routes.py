"""The query API's captured assets (issue 18, replay_api.assets): a replay's URL map, and each content."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from replay_api.assets import asset_content, replay_asset_map
from replay_api.auth import Project
from replay_api.errors import ApiError, documented_errors
from replay_api.replays import find_replay
from replay_api.state import app_state, run_db

router = APIRouter(prefix="/api/v1", tags=["query"], responses=documented_errors(400, 401, 404))
Sha256 = Annotated[str, Path(pattern="^[0-9a-f]{64}$")]


@router.get("/replays/{replay_id}/assets")
async def replay_assets(request: Request, replay_id: str, project_id: Project) -> JSONResponse:
    """The assets the server captured for a replay (when its project captures them; any key):
    `{assets: {URL: {sha256, content_type, size, fetched_at}}, missing: {URL: reason}}`. URLs are the
    recording's references in one form (replay_core.assets.key); empty maps when nothing was captured."""
    state = app_state(request)

    def work() -> dict[str, Any] | None:
        with state.db.read() as conn:
            if find_replay(conn, project_id, replay_id) is None:
                return None
            return replay_asset_map(conn, project_id, replay_id)

    found = await run_db(work)
    if found is None:
        raise ApiError(404, f"no replay {replay_id!r}")
    return JSONResponse(found)


@router.get(
    "/assets/{sha256}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The content's bytes"}},
)
async def asset(request: Request, sha256: Sha256, project_id: Project) -> Response:
    """A captured content by its sha256 (lower-case hex), as bytes, when a replay of the project uses it.
    Always sent as application/octet-stream; `X-Asset-Content-Type` is the type it was captured with."""
    state = app_state(request)

    def work() -> tuple[str, bytes] | None:
        with state.db.read() as conn:
            return asset_content(conn, project_id, sha256)

    found = await run_db(work)
    if found is None:
        raise ApiError(404, f"no asset {sha256} in this project")
    content_type, body = found
    headers = {
        "X-Asset-Content-Type": content_type,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=31536000, immutable",  # a sha256 names one content for good
    }
    return Response(body, media_type="application/octet-stream", headers=headers)
