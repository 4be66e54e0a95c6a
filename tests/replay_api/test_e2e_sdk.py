"""End to end: the real mixpanel-browser SDK in Debian's Chromium records into our server, viewers read it back."""

from __future__ import annotations

import functools
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx
import pytest

from bench.browser import CHROMIUM, launch_chromium
from tests.paths import REPO
from tests.replay_api.helpers import TOKEN, feed_all, replay_lines
from tests.replay_api.server import RunningServer

pytestmark = pytest.mark.e2e
SDK_PAGE = REPO / "tests" / "e2e" / "sdk-page"
SDK_BUNDLE = SDK_PAGE / "node_modules" / "mixpanel-browser" / "dist" / "mixpanel.umd.js"
TYPED = "secret text"
T = TypeVar("T")

# `make test` installs both; a missing one must fail the run, not skip the end-to-end tests quietly.
if not SDK_BUNDLE.is_file():
    raise RuntimeError("the SDK page is not installed: run `make setup` (npm ci in tests/e2e/sdk-page)")
if not shutil.which(CHROMIUM):
    raise RuntimeError("Debian chromium is not installed: run scripts/ensure-system-packages")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        pass


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """The SDK page served from its own loopback origin, so every call to the API is cross-origin."""
    handler = functools.partial(_QuietHandler, directory=str(SDK_PAGE))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, page_origin: str, server: RunningServer) -> Iterator[Any]:
    """The SDK page, initialised against the server and recording; console errors are collected."""
    context = browser.new_context()
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    answered: dict[str, int] = {}
    opened.on("response", lambda response: answered.__setitem__(response.url.split("?")[0], response.status))
    # mixpanel-browser waits 500 ms for /settings/ and then goes on without it (and logs an error). A
    # deployed server is warm; a test server answers its very first request slower (first connection,
    # first query), so it answers one before the page starts, as it would have in service.
    assert httpx.get(f"{server.base_url}/settings/", params={"token": TOKEN}, timeout=30).status_code == 200
    opened.goto(f"{page_origin}/index.html")
    opened.evaluate(
        """([host, token]) => mixpanel.init(token, {
            api_host: host, record_sessions_percent: 100, batch_flush_interval_ms: 250,
            flags: true, remote_settings_mode: 'fallback',
        })""",
        [server.base_url, TOKEN],
    )
    opened.errors = errors
    opened.answered = answered
    yield opened
    context.close()


def _replay_id(page: Any, not_this: str = "") -> str:
    """Wait until the SDK records (a replay id other than `not_this`) and return the id."""
    script = "(old) => { const p = mixpanel.get_session_recording_properties() || {}; return p.$mp_replay_id && p.$mp_replay_id !== old ? p.$mp_replay_id : null; }"
    handle = page.wait_for_function(script, arg=not_this, timeout=15000)
    return str(handle.json_value())


def _interact(page: Any) -> None:
    page.mouse.move(40, 40)
    page.click("#buy")
    page.click("#name")
    page.keyboard.type(TYPED, delay=15)
    # The recorder hands events to its upload queue in 250 ms slices; stop() flushes only what is queued.
    page.wait_for_timeout(600)


def _eventually(check: Callable[[], T | None], timeout: float = 20.0) -> T:
    """Poll the query API until `check` returns something (the SDK uploads on its own timers)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found is not None:
            return found
        assert time.monotonic() < deadline, "the SDK's uploads did not arrive in time"
        time.sleep(0.2)


def _changes(client: httpx.Client, kind: str) -> dict[str, dict[str, Any]]:
    return {c["id"]: c["data"] for c in feed_all(client)[0] if c["kind"] == kind and c["op"] == "upsert"}


def _check_replay(client: httpx.Client, replay_id: str) -> list[dict[str, Any]]:
    events = [e for line in replay_lines(client, replay_id) for e in line["events"]]
    assert any(e["type"] == 2 for e in events), "no FullSnapshot"
    typed = [e["data"]["text"] for e in events if e["type"] == 3 and e["data"].get("source") == 5]
    assert typed and typed[-1] == "*" * len(TYPED), typed
    assert TYPED not in json.dumps(events), "the typed text reached the server unmasked"
    return events


def test_the_sdk_records_a_replay_events_and_a_profile(
    page: Any, client: httpx.Client, server: RunningServer
) -> None:
    replay_id = _replay_id(page)
    page.evaluate(
        """() => {
            mixpanel.identify('e2e-user');
            mixpanel.people.set({$name: 'Ada Lovelace', $email: 'ada@example.com'});
            for (const name of ['Viewed Book', 'Added To Cart', 'Purchased']) mixpanel.track(name, {shelf: 'e2e'});
        }"""
    )
    _interact(page)
    page.evaluate("() => mixpanel.stop_session_recording()")
    replays = _eventually(lambda: _changes(client, "replay") or None)
    assert list(replays) == [replay_id]
    assert replays[replay_id]["distinct_id"] == "e2e-user" and replays[replay_id]["complete"]
    _check_replay(client, replay_id)
    names = ["Viewed Book", "Added To Cart", "Purchased"]

    def tracked() -> list[dict[str, Any]] | None:
        found = [e for e in _changes(client, "event").values() if e["name"] in names]
        return found if len(found) == len(names) else None

    events = _eventually(tracked)
    assert sorted(e["name"] for e in events) == sorted(names)
    assert {e["replay_id"] for e in events} == {replay_id}
    profile = _eventually(lambda: _changes(client, "user").get("e2e-user"))
    assert profile["properties"]["$name"] == "Ada Lovelace"
    assert profile["properties"]["$email"] == "ada@example.com"
    # The start-up calls a site makes with `flags: true` and remote settings on are answered too.
    assert page.answered[f"{server.base_url}/flags/"] == 200
    assert page.answered[f"{server.base_url}/settings/"] == 200
    assert page.errors == []


def test_stopping_and_restarting_recording_makes_two_replays(page: Any, client: httpx.Client) -> None:
    first = _replay_id(page)
    _interact(page)
    page.evaluate("() => mixpanel.stop_session_recording()")
    page.evaluate("() => mixpanel.start_session_recording()")
    second = _replay_id(page, not_this=first)
    page.fill("#name", "")
    _interact(page)
    page.evaluate("() => mixpanel.stop_session_recording()")

    def both() -> dict[str, dict[str, Any]] | None:
        found = _changes(client, "replay")
        return found if len(found) == 2 else None

    replays = _eventually(both)
    assert set(replays) == {first, second}
    for replay_id in (first, second):
        _check_replay(client, replay_id)
    assert page.errors == []
