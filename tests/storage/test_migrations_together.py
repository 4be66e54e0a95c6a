"""The app's cache and a replay API server migrating at the same moment in one process (as the UI tests run
a real server beside the app): Alembic keeps its running context in module globals, so the two must take
turns, or one fails mid-way with "'NoneType' object has no attribute 'create_table'"."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from replay_api.db import Database
from viewer.storage import ReplayCache
from viewer.storage.database import HEAD_REVISION, current_revision

ROUNDS = 6


def _migrate_server(folder: Path) -> None:
    Database(f"sqlite:///{folder / 'api.sqlite3'}").dispose()


def _migrate_cache(folder: Path) -> None:
    with ReplayCache.open(folder / "cache.sqlite3") as opened, opened.reading() as conn:
        assert current_revision(conn) == HEAD_REVISION


def _at_once(work: Callable[[Path], None], folder: Path, start: threading.Barrier, problems: list) -> None:
    folder.mkdir()
    start.wait()
    try:
        work(folder)
    except BaseException as exc:  # noqa: BLE001 - reported by the test, with the other side's
        problems.append(exc)


def test_a_cache_and_a_server_database_migrating_at_once_both_reach_their_head(tmp_path: Path) -> None:
    for round_ in range(ROUNDS):
        start = threading.Barrier(2)
        problems: list[BaseException] = []
        threads = [
            threading.Thread(target=_at_once, args=(work, tmp_path / f"{name}-{round_}", start, problems))
            for name, work in (("server", _migrate_server), ("cache", _migrate_cache))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert problems == [], f"round {round_}: {problems}"
