"""Fixtures of the replay API tests: a real server on 127.0.0.1 with a fake clock, and HTTP clients.

Every server test runs twice, on SQLite and on a throwaway PostgreSQL cluster (`postgres.py`) started once
per session; each PostgreSQL test gets an empty database of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from replay_api.config import Settings
from tests.replay_api.postgres import Cluster, find_binaries, postgres_cluster
from tests.replay_api.server import FakeClock, RunningServer, running_server

SMALL_BODY_LIMIT = 256 << 10
SMALL_INFLATED_LIMIT = 2 << 20
BACKENDS = ["sqlite", "postgresql"]
# The slowest tests (a real browser, the schema fuzzer) run on PostgreSQL only in `make test-postgres`,
# which sets this; `make test` runs them on SQLite, and every other test on both.
SLOW_ON_POSTGRES = ("test_openapi_fuzz.py", "test_e2e_sdk.py")
ALL_ON_POSTGRES = os.environ.get("REPLAY_API_ALL_ON_POSTGRES") == "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if ALL_ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="slow on PostgreSQL too: run by make test-postgres")
    for item in items:
        if item.path.name in SLOW_ON_POSTGRES and "postgresql" in item.name:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    bin_dir = find_binaries()
    if bin_dir is None:
        pytest.fail("PostgreSQL is not installed: scripts/ensure-system-packages installs it")
    with postgres_cluster(bin_dir) as cluster:
        yield cluster


def database_url(backend: str, folder: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database of `backend`: a file in `folder`, or a new PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'api.sqlite3'}"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    url = cluster.new_database()
    # Dropped when the fixture that asked for it ends, so the cluster holds only live databases.
    request.addfinalizer(lambda: cluster.drop_database(url))
    return url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    return database_url(backend, tmp_path, request)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(db_url: str, clock: FakeClock) -> Settings:
    return Settings(
        db_url=db_url,
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
