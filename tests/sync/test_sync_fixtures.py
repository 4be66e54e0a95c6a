"""The fixtures' captured mixpanel-browser traffic, sent to a real server, synced into the cache."""

from __future__ import annotations

import httpx

from tests.replay_api.server import RunningServer
from tests.sync.helpers import assert_cache_matches, capture_folders, send_capture, server_state, sync
from viewer.storage import ReplayCache


def test_sync_holds_what_the_server_holds(
    server: RunningServer, api: httpx.Client, cache: ReplayCache
) -> None:
    for folder in capture_folders():
        send_capture(server, folder)
    report = sync(cache, server)
    assert report.ok, report.errors
    expected = server_state(api)
    assert len(expected["replays"]) == 5 and expected["users"] and expected["events"]
    assert report.replays_added == 5 and report.bytes > 0
    assert report.events == len(expected["events"])
    assert_cache_matches(cache, expected)
    progress_cursor = cache.sync_cursor("test-server")

    again = sync(cache, server)
    assert again.ok and again.changes == 0 and again.bytes == 0
    assert cache.sync_cursor("test-server") == progress_cursor
    assert_cache_matches(cache, expected)


def test_a_growing_replay_is_extended_with_only_its_new_batches(
    server: RunningServer, api: httpx.Client, cache: ReplayCache
) -> None:
    from tests.replay_api.helpers import gz, post_record, rrweb_batch

    with httpx.Client(base_url=server.base_url) as page:
        start = round(server.settings.clock() * 1000)
        assert post_record(page, "live", 0, gz(rrweb_batch(start, 10, True))).status_code == 200
        first = sync(cache, server)
        assert first.replays_added == 1
        # A batch that arrived late and overlaps in time with the first one.
        assert post_record(page, "live", 1, gz(rrweb_batch(start - 550, 10, False))).status_code == 200
    second = sync(cache, server)
    assert second.ok and second.replays_extended == 1 and second.replays_added == 0
    assert 0 < second.bytes < first.bytes
    assert_cache_matches(cache, server_state(api))
