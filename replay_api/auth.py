"""Who asks the query API: the Bearer key's project and scope, as FastAPI dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from replay_api.errors import ApiError
from replay_api.keys import Access, authenticate
from replay_api.state import app_state, run_db
from replay_api.wire import bearer_token


async def _access(request: Request) -> Access:
    state = app_state(request)
    key = bearer_token(request.headers.get("authorization", ""))
    now_ms = state.settings.now_ms()
    access = await run_db(lambda: authenticate(state.db, state.projects, key, now_ms)) if key else None
    if access is None:
        raise ApiError(
            401, "a valid key is required: Authorization: Bearer <key>", {"WWW-Authenticate": "Bearer"}
        )
    return access


async def _project(access: Annotated[Access, Depends(_access)]) -> int:
    """Any key of the project: the change feed, replays, events and profiles need only `read`."""
    return access.project_id


async def _admin(access: Annotated[Access, Depends(_access)]) -> Access:
    if not access.is_admin:
        raise ApiError(403, f"the key {access.name!r} may only read; this needs an admin key")
    return access


Project = Annotated[int, Depends(_project)]
Admin = Annotated[Access, Depends(_admin)]
Reader = Annotated[Access, Depends(_access)]
