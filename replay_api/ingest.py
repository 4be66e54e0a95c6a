"""The ingest routes mixpanel-browser calls: /record/, /track/, /engage/, and start-up /flags/, /settings/."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from replay_api.analytics import apply_engage, request_token, store_events
from replay_api.assets import queue_capture
from replay_api.batches import parse_batch
from replay_api.errors import documented_errors
from replay_api.replays import store_batch
from replay_api.state import AppState, app_state, ingest_limiter, project_for_token, run_db
from replay_api.wire import basic_auth_token, read_body, refused_as_http
from replay_core.analytics import parse_engage_items, parse_track_items
from replay_core.ingest import decode_data_items, parse_record_params

router = APIRouter(tags=["ingest"], responses=documented_errors(400, 401, 413))
OK = {"status": 1, "error": None}


def _routes(path: str, methods: list[str]) -> Any:
    """Serve both `/x/` (what the SDK calls) and `/x`: a redirect would break CORS and POST bodies."""

    def register(handler: Any) -> Any:
        for method in methods:  # one documented operation per method, each with its own id
            router.add_api_route(f"/{path}/", handler, methods=[method], operation_id=f"{path}_{method.lower()}")
        router.add_api_route(f"/{path}", handler, methods=methods, include_in_schema=False)
        return handler

    return register


@_routes("record", ["POST"])
async def record(request: Request) -> JSONResponse:
    """A session-recording batch: rrweb events, JSON or gzip (format=gzip); idempotent on (replay_id, seq)."""
    state = app_state(request)
    project_id = await project_for_token(state, basic_auth_token(request.headers.get("authorization", "")))
    with refused_as_http():
        params = parse_record_params(request.query_params)
    body = await read_body(request, state.settings.max_body_bytes)

    def work() -> None:
        batch = parse_batch(body, params, state.settings.max_inflated_bytes)
        with state.db.write(state.settings.now_ms()) as writer:
            if store_batch(writer, project_id, params, batch):
                queue_capture(writer, project_id, params.replay_id, int(state.settings.asset_capture_delay_s * 1000))

    await run_db(work, ingest_limiter())
    return JSONResponse(OK)


async def _data_items(request: Request, state: AppState) -> list[Any]:
    body = await read_body(request, state.settings.max_body_bytes)
    with refused_as_http():
        return decode_data_items(body, request.query_params.get("data"), state.settings.max_inflated_bytes)


def _answer(request: Request) -> Response:
    if request.query_params.get("verbose") == "1":
        return JSONResponse(OK)
    return PlainTextResponse("1")


@_routes("track", ["POST", "GET"])
async def track(request: Request) -> Response:
    """Analytics events, `data=` base64 or JSON, one or a batch; deduplicated on `$insert_id`."""
    state = app_state(request)
    items = await _data_items(request, state)
    # An event without a time happened when its request arrived (its body read to the end, as captures say).
    received_ms = state.settings.now_ms()
    # A refused item is dropped (and logged) by the core rules; a request with no good item is a 400.
    with refused_as_http():
        tracked = parse_track_items(items, received_ms)
    project_id = await project_for_token(state, request_token(items, "properties"))

    def work() -> None:
        with state.db.write(state.settings.now_ms()) as writer:
            store_events(writer, project_id, tracked)

    await run_db(work, ingest_limiter())
    return _answer(request)


@_routes("engage", ["POST", "GET"])
async def engage(request: Request) -> Response:
    """Profile updates: `$set`, `$set_once`, `$unset`, `$delete`."""
    state = app_state(request)
    items = await _data_items(request, state)
    project_id = await project_for_token(state, request_token(items, "$token"))
    with refused_as_http():
        updates = parse_engage_items(items)

    def work() -> None:
        with state.db.write(state.settings.now_ms()) as writer:
            apply_engage(writer, project_id, updates)

    await run_db(work, ingest_limiter())
    return _answer(request)


def _startup_token(request: Request) -> str:
    return basic_auth_token(request.headers.get("authorization", "")) or request.query_params.get("token", "")


@_routes("flags", ["GET", "POST"])
async def flags(request: Request) -> JSONResponse:
    """Feature flags: this server defines none, so every flag falls back to the page's default."""
    await project_for_token(app_state(request), _startup_token(request))
    return JSONResponse({"flags": {}})


@_routes("settings", ["GET"])
async def settings(request: Request) -> JSONResponse:
    """Remote SDK settings: none, so the page keeps its own `init()` configuration."""
    await project_for_token(app_state(request), _startup_token(request))
    return JSONResponse({})
