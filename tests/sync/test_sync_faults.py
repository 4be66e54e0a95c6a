"""Server down, 500s, a download cut short or corrupt: a clear error, nothing lost, success next time."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.replay_api.server import RunningServer
from tests.sync.helpers import (
    assert_cache_matches,
    capture_folders,
    record_synthetic,
    send_capture,
    server_state,
    sync,
)
from viewer.storage import ReplayCache
from viewer.sync.transport import RetryPolicy, Transport, retry_after_seconds

Rewrite = Callable[[httpx.Request, httpx.Response], httpx.Response]


class FaultyNetwork(httpx.BaseTransport):
    """Between the client and the real server: answers or rewrites the requests that `fault` picks."""

    def __init__(self, fault: Callable[[httpx.Request], Any]) -> None:
        self.real = httpx.HTTPTransport()
        self.fault = fault
        self.seen: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.url.path)
        action = self.fault(request)
        if isinstance(action, httpx.Response):
            return action
        response = self.real.handle_request(request)
        if action is None:
            return response
        raw = b"".join(response.stream)  # type: ignore[union-attr]
        response.close()
        headers = [
            (k, v) for k, v in response.headers.items() if k not in ("content-length", "transfer-encoding")
        ]
        return httpx.Response(response.status_code, headers=headers, content=action(raw))


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
    half_synced: dict,
    rewrite: Callable[[bytes], bytes],
    message: str,
) -> None:
    report = sync(cache, server, inner=FaultyNetwork(_events_only(rewrite)))
    assert len(report.errors) == 1 and message in report.errors[0], report.errors
    assert report.errors[0].startswith("replay ")
    assert snapshot(cache) == half_synced
    good = sync(cache, server)
    assert good.ok and good.replays_added == 2
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
