"""Fixtures of the sync tests: a real replay API on 127.0.0.1, a cache, and a keychain stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import keyring
import pytest
from keyring.backend import KeyringBackend

from replay_api.config import Settings
from tests.replay_api.server import FakeClock, RunningServer, running_server
from viewer.storage import ReplayCache


class MemoryKeyring(KeyringBackend):
    """The OS keychain's stand-in for tests: passwords in a dict, so no real user keychain is touched."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(tmp_path: Path, clock: FakeClock) -> Iterator[RunningServer]:
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'api.sqlite3'}", clock=clock)
    with running_server(settings) as running:
        yield running


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    """The query API as a test reads it (Bearer secret key)."""
    headers = {"Authorization": f"Bearer {server.project.secret}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
        yield http


@pytest.fixture
def cache_clock() -> FakeClock:
    """The cache's own clock (when a skipped replay is due again): the tests move it, nobody sleeps."""
    return FakeClock()


@pytest.fixture
def cache(tmp_path: Path, cache_clock: FakeClock) -> Iterator[ReplayCache]:
    with ReplayCache.open(tmp_path / "cache.sqlite3", clock=cache_clock) as opened:
        yield opened
