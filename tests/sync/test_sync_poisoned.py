"""A replay the server cannot serve is skipped and retried with backoff; the rest of the feed keeps syncing.

The faults are made in the real server's own database (a stored batch that is not gzip, not JSON, or not
a playable recording), so the server itself fails on that replay, as it would on a damaged row.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.replay_api.helpers import gz, post_record, rrweb_batch
from tests.replay_api.server import FakeClock, RunningServer
from tests.sync.helpers import (
    SOURCE,
    FaultyNetwork,
    assert_cache_matches,
    cli_env,
    record_synthetic,
    run_cli,
    server_state,
    sync,
    transport,
)
from viewer.storage import ReplayCache
from viewer.sync.service import SyncService
from viewer.sync.sources import Source, SyncConfig

MINUTE_MS = 60_000
NOT_GZIP = b"these bytes were never gzip"
NOT_JSON = gzip.compress(b'[{"type": 4, "timestamp": ')
NO_SNAPSHOT = gzip.compress(json.dumps(rrweb_batch(1_790_000_000_000, 5, full_snapshot=False)).encode())


def swap_batch(server: RunningServer, replay_id: str, seq: int, events_gz: bytes) -> bytes:
    """Put `events_gz` in place of a batch in the server's database; returns what was stored before."""
    path = server.settings.db_url.removeprefix("sqlite:///")
    where = "replay_pk = (SELECT id FROM replays WHERE replay_id = ?) AND seq = ?"
    with closing(sqlite3.connect(path, timeout=10)) as db, db:
        (before,) = db.execute(
            f"SELECT events_gz FROM replay_batches WHERE {where}", (replay_id, seq)
        ).fetchone()
        db.execute(f"UPDATE replay_batches SET events_gz = ? WHERE {where}", (events_gz, replay_id, seq))
    return bytes(before)


def cached_ids(cache: ReplayCache) -> set[str]:
    return {row.id for row in cache.all_replays()}


def record_later(server: RunningServer, replay_id: str) -> None:
    with httpx.Client(base_url=server.base_url) as page:
        events = rrweb_batch(round(server.settings.clock() * 1000), 10, full_snapshot=True)
        assert post_record(page, replay_id, 0, gz(events)).status_code == 200


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        (NOT_GZIP, "the event download broke off"),  # the server fails in the middle of its answer
        (NOT_JSON, "line 1 of the event download is corrupt"),
        (NO_SNAPSHOT, "FullSnapshot"),  # downloaded fine, but not a recording the player can start
    ],
    ids=["server-breaks-off", "corrupt-line", "not-playable"],
)
def test_a_replay_the_server_cannot_serve_is_skipped_and_retried_with_backoff(
    server: RunningServer,
    api: httpx.Client,
    cache: ReplayCache,
    cache_clock: FakeClock,
    stored: bytes,
    reason: str,
) -> None:
    ids = record_synthetic(server, replays=4)
    original = swap_batch(server, ids[1], 0, stored)

    first = sync(cache, server)
    assert first.ok and first.replays_added == 3, first.errors
    assert cached_ids(cache) == set(ids) - {ids[1]}
    (fault,) = first.skipped
    assert (fault.replay_id, fault.attempts, fault.source) == (ids[1], 1, SOURCE)
    assert reason in fault.reason and fault.next_retry_ms == cache.now_ms() + MINUTE_MS
    assert cache.replay_faults() == [fault]

    # Later replays keep arriving, and the bad one is not asked for before its retry time.
    record_later(server, "later")
    network = FaultyNetwork(lambda request: None)
    second = sync(cache, server, inner=network)
    assert second.ok and second.replays_added == 1 and second.retried == 0 and not second.skipped
    assert "later" in cached_ids(cache) and not [path for path in network.seen if ids[1] in path]

    cache_clock.now += 60  # due: tried again, fails again, and now waits twice as long
    third = sync(cache, server)
    assert third.retried == 1 and [(f.replay_id, f.attempts) for f in third.skipped] == [(ids[1], 2)]
    assert cache.replay_faults()[0].next_retry_ms == cache.now_ms() + 2 * MINUTE_MS
    assert cache.replay_faults()[0].first_failed_ms == fault.first_failed_ms

    swap_batch(server, ids[1], 0, original)  # the server is repaired
    cache_clock.now += 119
    assert sync(cache, server).retried == 0 and ids[1] not in cached_ids(cache)
    cache_clock.now += 1
    repaired = sync(cache, server)
    assert repaired.ok and repaired.retried == 1 and repaired.replays_added == 1 and not repaired.skipped
    assert cache.replay_faults() == []
    assert_cache_matches(cache, server_state(api))


def test_a_replay_deleted_upstream_is_no_longer_retried(
    server: RunningServer, api: httpx.Client, cache: ReplayCache, cache_clock: FakeClock
) -> None:
    ids = record_synthetic(server, replays=3)
    swap_batch(server, ids[1], 1, NOT_JSON)
    assert [f.replay_id for f in sync(cache, server).skipped] == [ids[1]]
    assert api.delete("/api/v1/users/user-1").status_code == 200  # ids[1] was recorded by user-1
    report = sync(cache, server)
    assert report.ok and report.retried == 0 and cache.replay_faults() == []  # its tombstone cleared it
    cache_clock.now += 3600
    assert sync(cache, server).retried == 0
    assert_cache_matches(cache, server_state(api))


class BrokenStream(httpx.SyncByteStream):
    """The first half of an answer, then the connection breaks."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def __iter__(self) -> Iterator[bytes]:
        yield self.raw[: len(self.raw) // 2]
        raise httpx.ReadError("connection reset by peer")


def network_gone_during(replay_id: str, mid_stream: bool) -> FaultyNetwork:
    """A network that fails while `replay_id` downloads (refusing it, or breaking off midway) and stays down."""
    real = httpx.HTTPTransport()
    state = {"down": False}

    def fault(request: httpx.Request) -> Any:
        if state["down"]:
            raise httpx.ConnectError("network is unreachable", request=request)
        if not request.url.path.endswith(f"/{replay_id}/events"):
            return None
        state["down"] = True
        if not mid_stream:
            raise httpx.ConnectError("network is unreachable", request=request)
        response = real.handle_request(request)
        raw = b"".join(response.stream)  # type: ignore[union-attr]
        headers = [(k, v) for k, v in response.headers.items() if k != "content-length"]
        return httpx.Response(response.status_code, headers=headers, stream=BrokenStream(raw))

    return FaultyNetwork(fault)


@pytest.mark.parametrize("mid_stream", [False, True], ids=["refused", "broken-off"])
def test_a_network_failure_is_not_a_bad_replay(
    server: RunningServer, api: httpx.Client, cache: ReplayCache, mid_stream: bool
) -> None:
    ids = record_synthetic(server, replays=3)
    report = sync(cache, server, inner=network_gone_during(ids[1], mid_stream))
    # The sync stops at that replay, as for any network failure; nothing is recorded against it.
    assert report.offline and not report.skipped and report.replays_added == 1, report
    assert cached_ids(cache) == {ids[0]} and cache.replay_faults() == []
    resumed = sync(cache, server)
    assert resumed.ok and resumed.replays_added == 2 and not resumed.skipped
    assert_cache_matches(cache, server_state(api))


def test_the_status_bar_and_the_command_line_name_the_skipped_replay(
    server: RunningServer, cache: ReplayCache, tmp_path: Path
) -> None:
    ids = record_synthetic(server, replays=2)
    swap_batch(server, ids[0], 0, NOT_JSON)
    config = SyncConfig([Source(SOURCE, server.base_url)])
    service = SyncService(
        cache,
        config=lambda: config,
        key_lookup=lambda name: server.project.secret,
        transport_factory=lambda url, key: transport(server, url=url),
    )
    assert service.sync_all()[0].ok
    text = service.status().text()
    assert text.startswith("Synced ") and text.endswith(" · 1 replay could not be downloaded (retrying)")
    reopened = SyncService(cache, config=lambda: config, key_lookup=lambda name: None)
    assert reopened.status().failing_replays == 1  # known from the cache at start-up

    env = cli_env(tmp_path / "cli-data")
    added = run_cli("source", "add", SOURCE, server.base_url, env=env, stdin=server.project.secret + "\n")
    assert added.returncode == 0, added.stderr
    once = run_cli("sync", "--once", env=env)
    assert once.returncode == 0, once.stderr  # a skipped replay is a warning, not a failed sync
    assert "1 replays added" in once.stdout
    assert (
        f"replay-viewer: warning: {SOURCE}: replay {ids[0]} skipped (line 1 of the event download"
        in once.stderr
    )
    assert "attempt 1, next try after " in once.stderr
    listed = run_cli("source", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert f"  replay {ids[0]} skipped (line 1 of the event download" in listed.stdout

    run_cli("source", "add", SOURCE, "http://127.0.0.1:9", env=env, stdin="key\n")
    unreachable = run_cli("sync", "--once", env=env)
    assert unreachable.returncode == 1 and "cannot reach http://127.0.0.1:9" in unreachable.stderr
