"""A real replay API server on 127.0.0.1 in a background thread, for tests and benchmarks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from replay_api.app import create_app
from replay_api.config import Settings
from replay_api.db import Database
from replay_api.projects import NewProject, create_project


class FakeClock:
    """A clock tests move by hand; starts at the real time."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance_days(self, days: float) -> None:
        self.now += days * 24 * 60 * 60


@dataclass
class RunningServer:
    base_url: str
    settings: Settings
    db: Database
    project: NewProject


@contextmanager
def running_server(
    settings: Settings, log_level: str = "warning", project: NewProject | None = None
) -> Iterator[RunningServer]:
    """Start uvicorn on a free loopback port with a fresh project (or `project`, already in the database)."""
    db = Database(settings.db_url)
    if project is None:
        project = create_project(db, "test", settings.now_ms(), token="0c0ffee0c0ffee0c0ffee0c0ffee0c0f")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings, db), log_level=log_level, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the replay API server did not start")
        time.sleep(0.02)
    try:
        yield RunningServer(f"http://127.0.0.1:{port}", settings, db, project)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
        db.dispose()
