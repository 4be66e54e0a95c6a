"""Deletions upstream reach the cache: a deleted user, and replays purged by the server's retention."""

from __future__ import annotations

import httpx

from replay_api.lifecycle import purge_expired
from tests.replay_api.server import FakeClock, RunningServer
from tests.sync.helpers import (
    assert_cache_matches,
    cache_events,
    capture_folders,
    record_synthetic,
    send_capture,
    server_state,
    sync,
)
from viewer.storage import ReplayCache


def test_a_user_deleted_on_the_server_disappears_from_the_cache(
    server: RunningServer, api: httpx.Client, cache: ReplayCache
) -> None:
    send_capture(server, capture_folders()[0])
    record_synthetic(server, replays=2)
    assert sync(cache, server).ok
    assert cache.get_user("user-123") is not None
    assert any(row.user_id == "user-123" for row in cache.all_replays())

    assert api.delete("/api/v1/users/user-123").status_code == 200
    report = sync(cache, server)
    assert report.ok and report.replays_deleted >= 1 and report.events_deleted >= 1
    assert cache.get_user("user-123") is None
    assert not [row for row in cache.all_replays() if row.user_id == "user-123"]
    assert not [e for e in cache_events(cache).values() if e["user_id"] == "user-123"]
    assert_cache_matches(cache, server_state(api))  # the other users' replays are untouched


def test_a_replay_purged_by_retention_disappears_from_the_cache(
    server: RunningServer, api: httpx.Client, cache: ReplayCache, clock: FakeClock
) -> None:
    old = record_synthetic(server, replays=2)
    assert sync(cache, server).ok
    clock.advance_days(31)
    with httpx.Client(base_url=server.base_url) as page:
        from tests.replay_api.helpers import gz, post_record, rrweb_batch

        start = round(clock() * 1000)
        assert post_record(page, "fresh", 0, gz(rrweb_batch(start, 5, True))).status_code == 200
    removed = purge_expired(server.db, server.settings.now_ms(), server.settings.retention_days)
    assert removed.replays == 2

    report = sync(cache, server)
    assert report.ok and report.replays_deleted == 2 and report.replays_added == 1
    assert {row.id for row in cache.all_replays()} == {"fresh"}
    assert all(cache.get_replay(replay_id) is None for replay_id in old)
    assert cache.row_counts()["event_chunks"] == 1
    assert_cache_matches(cache, server_state(api))
