"""The share-link page the server answers at `/replays/{id}?t=` and the recording download it offers."""

from __future__ import annotations

import httpx

from tests.replay_api.helpers import gz, post_record, rrweb_batch
from tests.replay_api.server import RunningServer


def test_page_links_to_the_app_at_the_time_and_escapes_everything(server: RunningServer) -> None:
    with httpx.Client(base_url=server.base_url) as browser:
        page = browser.get("/replays/abc-123", params={"t": "42.5"})
        hostile = browser.get('/replays/"><img src=x onerror=alert(1)>', params={"t": "1;rm"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'href="replay-viewer://replay/abc-123?t=42.5"' in page.text
    assert ">Open in Replay Viewer<" in page.text and "Download recording" in page.text
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none': no scripts
    assert hostile.status_code == 200 and "<img" not in hostile.text
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in hostile.text
    assert 'href="replay-viewer://replay/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E"' in hostile.text
    assert "?t=" not in hostile.text  # a `t` that is not a time is dropped


def test_download_needs_the_secret_key_and_merges_batches(server: RunningServer) -> None:
    with httpx.Client(base_url=server.base_url) as browser:
        start = round(server.settings.clock() * 1000)
        assert post_record(browser, "r1", 0, gz(rrweb_batch(start, 6, True))).status_code == 200
        assert post_record(browser, "r1", 1, gz(rrweb_batch(start - 250, 4, False))).status_code == 200
        assert browser.get("/replays/r1/download").status_code == 401
        assert browser.post("/replays/r1/download", data={"key": "rsk_wrong"}).status_code == 401
        bearer = {"Authorization": f"Bearer {server.project.secret}"}
        by_header = browser.get("/replays/r1/download", headers=bearer)
        by_form = browser.post("/replays/r1/download", data={"key": server.project.secret})
        missing = browser.get("/replays/nope/download", headers=bearer)
    assert by_header.status_code == 200 and by_form.status_code == 200 and missing.status_code == 404
    assert by_header.headers["content-disposition"] == 'attachment; filename="replay-r1.json"'
    events = by_header.json()
    assert by_form.json() == events and len(events) == 10
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
