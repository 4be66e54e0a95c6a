"""Server down, 500s, a download cut short or corrupt: a clear error, nothing lost, success next time."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.replay_api.server import FakeClock, RunningServer
from tests.sync.helpers import (
    FaultyNetwork,
    assert_cache_matches,
    capture_folders,
    record_synthetic,
    send_capture,
    server_state,
    sync,
)
from viewer.storage import ReplayCache
from viewer.sync.transport import RetryPolicy, Transport, retry_after_seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def snapshot(cache: ReplayCache) -> dict[str, Any]:
    return {
        "counts": cache.row_counts(),
        "replays": {row.id: cache.events(row.id) for row in cache.all_replays()},
        "cursor": cache.sync_cursor("test-server"),
    }


@pytest.fixture
def half_synced(server: RunningServer, cache: ReplayCache) -> dict[str, Any]:
    """The cache after a good sync of one capture, with a second capture waiting on the server."""
    folders = capture_folders()
    send_capture(server, folders[0])
    assert sync(cache, server).ok
    send_capture(server, folders[1])
    return snapshot(cache)


def test_server_down(server: RunningServer, api: httpx.Client, cache: ReplayCache, half_synced: dict) -> None:
    report = sync(cache, server, url=f"http://127.0.0.1:{free_port()}")
    assert report.offline and len(report.errors) == 1
    assert report.errors[0].startswith("cannot reach http://127.0.0.1:")
    assert snapshot(cache) == half_synced
    assert cache.sync_state("test-server")[2] == report.errors[0]
    assert sync(cache, server).ok
    assert_cache_matches(cache, server_state(api))
    assert cache.sync_state("test-server")[2] is None


def test_server_answering_500(
    server: RunningServer, api: httpx.Client, cache: ReplayCache, half_synced: dict
) -> None:
    broken = httpx.Response(500, json={"status": 0, "error": "internal error (KeyError); retry later"})
    network = FaultyNetwork(lambda request: broken)
    report = sync(cache, server, inner=network)
    assert not report.offline
    assert report.errors == [
        "GET /api/v1/changes: the server answered 500 (internal error (KeyError); retry later)"
    ]
    assert len(network.seen) == 3  # the bounded retries
    assert snapshot(cache) == half_synced
    assert sync(cache, server).ok
    assert_cache_matches(cache, server_state(api))


def _events_only(rewrite: Callable[[bytes], bytes]) -> Callable[[httpx.Request], Any]:
    return lambda request: rewrite if request.url.path.endswith("/events") else None


def _truncate(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


def _corrupt(raw: bytes) -> bytes:
    text = gzip.decompress(raw)
    return gzip.compress(text.replace(b'"events":[', b'"events":[{', 1))


@pytest.mark.parametrize(
    ("rewrite", "message"),
    [(_truncate, "the event download was cut short"), (_corrupt, "line 1 of the event download is corrupt")],
)
def test_event_download_cut_short_or_corrupt(
    server: RunningServer,
    api: httpx.Client,
    cache: ReplayCache,
    cache_clock: FakeClock,
    half_synced: dict,
    rewrite: Callable[[bytes], bytes],
    message: str,
) -> None:
    report = sync(cache, server, inner=FaultyNetwork(_events_only(rewrite)))
    # Each replay whose download is broken is skipped and recorded; the feed goes on past them.
    assert report.ok and len(report.skipped) == 2, report.errors
    assert all(message in fault.reason and fault.attempts == 1 for fault in report.skipped)
    assert {f.replay_id for f in cache.replay_faults()} == {f.replay_id for f in report.skipped}
    assert snapshot(cache)["replays"] == half_synced["replays"]
    assert cache.sync_cursor("test-server") != half_synced["cursor"]
    early = sync(cache, server)
    assert early.ok and early.retried == 0 and early.replays_added == 0  # not before their backoff
    cache_clock.now += 60
    good = sync(cache, server)
    assert good.ok and good.retried == 2 and good.replays_added == 2 and not good.skipped
    assert cache.replay_faults() == []
    assert_cache_matches(cache, server_state(api))


def test_retries_honour_retry_after(server: RunningServer, cache: ReplayCache) -> None:
    record_synthetic(server, replays=1)
    answers = iter([httpx.Response(503, headers={"Retry-After": "2"}), httpx.Response(429)])
    network = FaultyNetwork(lambda request: next(answers, None))
    slept: list[float] = []
    policy = RetryPolicy(attempts=4, base_delay_s=0.25, max_delay_s=10)
    with Transport(
        server.base_url, server.project.secret, retry=policy, inner=network, sleep=slept.append
    ) as http:
        assert http.request("GET", "/api/v1/changes").status_code == 200
    assert slept[0] == 2.0 and 0.25 <= slept[1] <= 0.5
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("soon") is None
