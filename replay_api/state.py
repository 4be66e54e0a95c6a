"""What every request handler needs (settings, database, projects), and running database work off the loop."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio
import anyio.to_thread
from fastapi import Request
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from replay_api.config import Settings
from replay_api.db import Database
from replay_api.errors import ApiError
from replay_api.projects import ProjectDirectory
from replay_core.validate import is_valid_id

T = TypeVar("T")
log = logging.getLogger("replay_api")


@dataclass
class AppState:
    settings: Settings
    db: Database
    projects: ProjectDirectory


def app_state(request: Request) -> AppState:
    state = request.app.state.replay_api
    assert isinstance(state, AppState)
    return state


# The SDK's batches (and its track and engage calls) are stored by at most this many threads of a worker
# at once; other requests run on the default 40. A worker is one Python process, busy with its own work
# (inflating, parsing, checking the events), so more threads do not store more: they take turns at the
# interpreter, and a transaction that holds the change feed's counter lock waits for its turn after each
# statement while every other writer, of every worker, waits on that lock. With the SDK's batches on
# PostgreSQL, 4 threads instead of 40 stored ~1.5x more per worker (docs/deployment.md).
INGEST_THREADS = 4
_ingest_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def ingest_limiter() -> anyio.CapacityLimiter:
    """The ingest threads' limiter of the running event loop (a limiter belongs to one loop)."""
    loop = asyncio.get_running_loop()
    limiter = _ingest_limiters.get(loop)
    if limiter is None:
        limiter = _ingest_limiters[loop] = anyio.CapacityLimiter(INGEST_THREADS)
    return limiter


async def run_db(work: Callable[[], T], limiter: anyio.CapacityLimiter | None = None) -> T:
    """Run blocking work in a worker thread (one of `limiter`'s, if given); a busy or failing database is
    a 503 the SDK retries."""
    try:
        return await anyio.to_thread.run_sync(work, limiter=limiter)
    except ApiError:
        raise
    except DataError as exc:
        # A value the database cannot hold (PostgreSQL refuses NUL characters, for one) got past the
        # ingest rules: the request is refused as it is, not retried as if the database were busy.
        log.warning("a value the database cannot store: %s", exc.orig)
        raise ApiError(400, f"the request holds a value the database cannot store ({type(exc.orig).__name__})") from exc
    except (OperationalError, IntegrityError, DBAPIError) as exc:
        raise ApiError(
            503, f"the database is busy, retry later ({type(exc.orig).__name__})", {"Retry-After": "5"}
        ) from exc
    except Exception as exc:
        # A bug, not bad input. Answered here, inside the CORS middleware and as JSON, so that the SDK
        # sees a 5xx and keeps the batch to retry; a bare 500 from the server would make it drop it.
        log.exception("unexpected error")
        raise ApiError(
            500, f"internal error ({type(exc).__name__}); retry later", {"Retry-After": "30"}
        ) from exc


async def project_for_token(state: AppState, token: str) -> int:
    """The project of an ingest token, or 401."""
    if not token:
        raise ApiError(401, "missing project token (Basic auth with the token as user name)")
    if not is_valid_id(token):  # no project has such a token; it is not worth a query (nor a NUL in one)
        raise ApiError(401, "unknown project token")
    # Every ingest request asks: a known token is answered here, without a hop to a database thread.
    project_id = state.projects.cached_token(token)
    if project_id is None:
        project_id = await run_db(lambda: state.projects.by_token(token))
    if project_id is None:
        raise ApiError(401, "unknown project token")
    return project_id
