"""Bodies that would make the server build millions of objects are refused before anything parses them.

A 29 KB gzip body inflating to 30 MB of `[{},{},…]` is under the inflate cap; parsing it would build 10
million dicts (gigabytes). It is refused with one 413 line naming the cap, counted on the bytes, and the
server keeps answering; real SDK traffic still passes.
"""

from __future__ import annotations

import base64
import gzip
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from replay_api.config import Settings
from replay_core.limits import MAX_CONTAINERS_PER_REQUEST
from tests.paths import MIXPANEL_CAPTURES
from tests.replay_api.captures import load_capture, send
from tests.replay_api.conftest import BACKENDS, database_url
from tests.replay_api.helpers import T0, gz, post_record, rrweb_batch
from tests.replay_api.server import RunningServer, running_server

CAP_LINE = f"more than {MAX_CONTAINERS_PER_REQUEST:,} JSON objects and arrays"


def empty_objects(count: int) -> bytes:
    return b"[" + b"{}," * (count - 1) + b"{}]"


@pytest.fixture(scope="module")
def bomb() -> bytes:
    body = gzip.compress(empty_objects(10_000_000), 9)
    assert len(body) < 64 << 10
    return body


@pytest.fixture(scope="module", params=BACKENDS)
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    """The default limits: a 30 MB inflated body is under the inflate cap."""
    settings = Settings(db_url=database_url(request.param, tmp_path_factory.mktemp("api"), request))
    assert settings.max_inflated_bytes > 30_000_001
    with running_server(settings) as running:
        yield running


@pytest.fixture
def ingest(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        yield http


def _rss_mb() -> float:
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _assert_refused_by_the_cap(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert CAP_LINE in error and "\n" not in error


def test_a_record_body_of_ten_million_empty_objects_is_refused_by_the_cap(
    ingest: httpx.Client, bomb: bytes
) -> None:
    rss_before = _rss_mb()
    for seq in range(5):
        _assert_refused_by_the_cap(post_record(ingest, "bomb-replay", seq, bomb))
    # The server runs in this process: five bodies parsed would have cost gigabytes.
    assert _rss_mb() - rss_before < 150
    # It keeps answering, and a real batch is stored.
    ok = post_record(ingest, "after-bomb", 0, gz(rrweb_batch(T0, 20, full_snapshot=True)))
    assert ok.status_code == 200, ok.text


def test_four_at_once_are_refused_and_the_server_keeps_answering(ingest: httpx.Client, bomb: bytes) -> None:
    answers: list[httpx.Response] = []

    def one() -> None:
        with httpx.Client(base_url=str(ingest.base_url), timeout=60) as http:
            answers.append(post_record(http, "bomb-concurrent", 1, bomb))

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 4
    for answer in answers:
        _assert_refused_by_the_cap(answer)
    ok = post_record(ingest, "after-concurrent", 0, gz(rrweb_batch(T0, 20, full_snapshot=True)))
    assert ok.status_code == 200, ok.text


def test_a_plain_record_body_over_the_cap_is_refused(ingest: httpx.Client) -> None:
    body = empty_objects(MAX_CONTAINERS_PER_REQUEST + 1)  # 3 MB: under the 8 MB body cap
    _assert_refused_by_the_cap(post_record(ingest, "plain-bomb", 0, body, gzip_format=False))


@pytest.mark.parametrize("route", ["/track/", "/engage/"])
def test_a_data_form_hiding_the_objects_in_base64_is_refused(ingest: httpx.Client, route: str) -> None:
    payload = base64.b64encode(empty_objects(MAX_CONTAINERS_PER_REQUEST + 1))
    for body in (b"data=" + payload, gzip.compress(b"data=" + payload)):
        response = ingest.post(
            route, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        _assert_refused_by_the_cap(response)


def test_real_sdk_traffic_still_passes(ingest: httpx.Client) -> None:
    for capture in MIXPANEL_CAPTURES:
        for request in load_capture(capture):
            response = send(ingest, request)
            assert response.status_code == 200, (request.name, response.text)


def test_a_batch_of_a_thousand_events_passes(ingest: httpx.Client) -> None:
    response = post_record(ingest, "thousand", 0, gz(rrweb_batch(T0, 1000, full_snapshot=True)))
    assert response.status_code == 200, response.text
