"""Managing keys over HTTP with an admin key: list, create (the key shown once), revoke."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from replay_api.auth import Admin
from replay_api.errors import ApiError, documented_errors
from replay_api.keys import KeyInfo, KeyProblem, create_key, list_keys, revoke_key
from replay_api.state import app_state, run_db

router = APIRouter(prefix="/api/v1/keys", tags=["keys"], responses=documented_errors(400, 401, 403))
T = TypeVar("T")
Name = Annotated[str, Query(min_length=1, max_length=200)]


def key_json(info: KeyInfo) -> dict[str, object]:
    return {
        "name": info.name,
        "scope": info.scope,
        "created_at": info.created_at,
        "last_used_at": info.last_used_at,
        "revoked_at": info.revoked_at,
    }


def _refused_as(status: int, work: Callable[[], T]) -> Callable[[], T]:
    """`work`, its KeyProblem answered with `status` (run_db answers anything else unexpected with 500)."""

    def refused() -> T:
        try:
            return work()
        except KeyProblem as exc:
            raise ApiError(status, str(exc)) from None

    return refused


@router.get("")
async def keys(request: Request, admin: Admin) -> JSONResponse:
    """The project's keys, revoked ones included: `{keys: [{name, scope, created_at, last_used_at, revoked_at}]}`."""
    state = app_state(request)
    found = await run_db(lambda: list_keys(state.db, admin.project_id))
    return JSONResponse({"keys": [key_json(info) for info in found]})


@router.post("")
async def new_key(request: Request, admin: Admin, name: Name, scope: str = "read") -> JSONResponse:
    """Create a key (`scope` read or admin): `{name, scope, key}`; the key is shown this once."""
    state = app_state(request)
    now_ms = state.settings.now_ms()
    made = await run_db(_refused_as(400, lambda: create_key(state.db, admin.project_id, name, scope, now_ms)))
    return JSONResponse({"name": made.name, "scope": made.scope, "key": made.key})


@router.delete("/{name}", responses=documented_errors(404))
async def remove_key(request: Request, admin: Admin, name: str) -> JSONResponse:
    """Revoke the key in use under `name`: refused by every worker from its next request."""
    state = app_state(request)
    now_ms = state.settings.now_ms()
    await run_db(_refused_as(404, lambda: revoke_key(state.db, admin.project_id, name, now_ms)))
    return JSONResponse({"revoked": name})
