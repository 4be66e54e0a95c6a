"""The composition root of the server: settings and database in, a FastAPI app with every route out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from replay_api import asset_routes, collab_routes, ingest, key_routes, query, share
from replay_api.assets import capture_due
from replay_api.config import Settings
from replay_api.db import Database
from replay_api.errors import install_error_handlers, without_validation_answers
from replay_api.lifecycle import purge_expired_unless_running
from replay_api.projects import ProjectDirectory
from replay_api.state import AppState, run_db

log = logging.getLogger("replay_api")


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or Settings()
    db = db or Database(settings.db_url)
    state = AppState(settings=settings, db=db, projects=ProjectDirectory(db))

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_db(state.projects.load)
        stop = threading.Event()
        tasks = [asyncio.create_task(_retention_loop(state)), asyncio.create_task(_capture_loop(state, stop))]
        try:
            yield
        finally:
            stop.set()  # a capture under way stops after the asset it is fetching
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(title="Replay API", version="1", lifespan=lifespan)
    app.state.replay_api = state
    # Pages on any origin send to us, and the SDK's XHRs carry cookies: the Origin is echoed, never `*`.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
        allow_private_network=True,
        expose_headers=["Retry-After", "X-Replay-Last-Seq"],
        max_age=3600,
    )
    install_error_handlers(app)
    app.include_router(ingest.router)
    app.include_router(query.router)
    app.include_router(share.router)
    app.include_router(key_routes.router)
    app.include_router(collab_routes.router)
    app.include_router(asset_routes.router)
    plain_schema = app.openapi

    def schema() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = without_validation_answers(plain_schema())
        return app.openapi_schema

    app.openapi = schema  # type: ignore[method-assign]
    return app


_DB_URL_ENV = "REPLAY_API_DB_URL"
_RETENTION_ENV = "REPLAY_API_RETENTION_DAYS"


def settings_to_environment(settings: Settings) -> dict[str, str]:
    """What `app_from_environment` needs, for `serve --workers N` to hand to its worker processes."""
    return {_DB_URL_ENV: settings.db_url, _RETENTION_ENV: repr(settings.retention_days)}


def app_from_environment() -> FastAPI:
    """The app of one worker process of `serve --workers N`."""
    settings = Settings(db_url=os.environ[_DB_URL_ENV], retention_days=float(os.environ[_RETENTION_ENV]))
    return create_app(settings)


async def _retention_loop(state: AppState) -> None:
    """Purge expired replays and events now and then every `purge_interval_s` while the server runs."""
    while True:
        try:
            removed = await run_db(
                lambda: purge_expired_unless_running(
                    state.db, state.settings.now_ms(), state.settings.retention_days
                )
            )
            if removed is None:
                log.debug("retention skipped: another worker is purging")
            elif removed.replays or removed.events:
                log.info("retention purged %d replays and %d events", removed.replays, removed.events)
        except Exception:  # the job must outlive one failed run; the next one retries
            log.exception("retention purge failed")
        await asyncio.sleep(state.settings.purge_interval_s)


async def _capture_loop(state: AppState, stop: threading.Event) -> None:
    """Capture the assets of replays whose capture is due (replay_api.assets), in the worker that has the
    turn, every `asset_capture_interval_s` while the server runs."""
    settings = state.settings
    while not stop.is_set():
        try:
            done = await anyio.to_thread.run_sync(
                lambda: capture_due(state.db, settings.now_ms, settings.asset_fetch_timeout_s, stop)
            )
            for captured in done or []:
                log.info(
                    "captured the assets of replay %s: %d fetched, %d mapped, %d missing",
                    captured.replay_id, captured.fetched, captured.mapped, len(captured.missing),
                )  # fmt: skip
        except Exception:  # the job must outlive one failed run; the next one retries
            log.exception("asset capture failed")
        await asyncio.sleep(settings.asset_capture_interval_s)
