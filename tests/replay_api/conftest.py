"""Fixtures of the replay API tests: a real server on 127.0.0.1 with a fake clock, and HTTP clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from replay_api.config import Settings
from tests.replay_api.server import FakeClock, RunningServer, running_server

SMALL_BODY_LIMIT = 256 << 10
SMALL_INFLATED_LIMIT = 2 << 20


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path, clock: FakeClock) -> Settings:
    return Settings(
        db_url=f"sqlite:///{tmp_path / 'api.sqlite3'}",
        max_body_bytes=SMALL_BODY_LIMIT,
        max_inflated_bytes=SMALL_INFLATED_LIMIT,
        clock=clock,
    )


@pytest.fixture
def server(settings: Settings) -> Iterator[RunningServer]:
    with running_server(settings) as running:
        yield running


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    """A client speaking the query API (Bearer secret key)."""
    headers = {"Authorization": f"Bearer {server.project.secret}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
        yield http


@pytest.fixture
def ingest(server: RunningServer) -> Iterator[httpx.Client]:
    """A client with no credentials, like a web page."""
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        yield http
