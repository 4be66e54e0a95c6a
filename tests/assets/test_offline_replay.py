"""End to end (issue 18): a small site on 127.0.0.1 with a stylesheet that is not inlined, a web font, an
image and a CSS background; a recording of it in the cache (rrweb events written here as rrweb records such
a page: the stylesheet is a link without `_cssText`, as when it is cross-origin); its assets fetched into the
cache by the real command; then the site changes its image and stops. The replay renders the same PNG as
with the site up, with the recorded image, the font and the background, and the page asked the site for
nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import av
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from replay_core.reader import prepare_events
from tests.assets.shop import BLUE, GREEN, RED, png, recording
from tests.assets.site import Site
from tests.paths import FIXTURES
from tests.storage.helpers import run_cli
from viewer.commands.assets import cached_assets
from viewer.player.headless import wait_until
from viewer.player.moment import MomentRenderer
from viewer.storage import ReplayBatch, ReplayCache

pytestmark = pytest.mark.webengine


def render(replay_id: str, events: list[dict], out: Path, with_assets: bool = True) -> tuple[QImage, bool]:
    """The replay's last moment as the frame command renders it, and whether the web font was used."""
    renderer = MomentRenderer.start()
    try:
        shown = prepare_events(events)
        renderer.show(shown, assets=cached_assets(replay_id) if with_assets else None)
        renderer.seek(shown.duration_ms)
        probe: list[bool] = []
        script = ("[...document.querySelector('iframe').contentDocument.fonts]"
                  ".some(f => f.family.includes('Probe') && f.status === 'loaded')")  # fmt: skip
        deadline = time.monotonic() + 5
        while not (probe and probe[-1]) and time.monotonic() < deadline:  # fonts load after the first paint
            renderer.view.page().runJavaScript(script, 0, probe.append)
            count = len(probe)
            wait_until(lambda: len(probe) > count or time.monotonic() > deadline, 10, "the page to answer")  # noqa: B023
        renderer.save_png(out)
        return QImage(str(out)), bool(probe and probe[-1])
    finally:
        renderer.close()


def color(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    pixel = image.pixelColor(x, y)
    return pixel.red(), pixel.green(), pixel.blue()


def test_a_replay_shows_its_cached_assets_with_the_site_changed_and_stopped(
    qapp: QApplication, site: Site, data_dir: Path, tmp_path: Path
) -> None:
    events = recording(site.origin, int(time.time() * 1000) - 60_000)
    with ReplayCache.open() as cache:
        cache.add_batch(ReplayBatch("shop-1", "seq:0", events))

    # 127.0.0.1 is loopback: refused unless allowed, and said why.
    refused = run_cli("assets", "fetch", "shop-1", data_dir=data_dir)
    assert refused.returncode == 0, refused.stderr
    assert "0 assets in the cache" in refused.stdout and "is a loopback address" in refused.stdout
    fetched = run_cli("assets", "fetch", "shop-1", "--allow-host", "127.0.0.1", data_dir=data_dir)
    assert "shop-1: 4 assets in the cache (4 fetched now" in fetched.stdout, fetched.stdout + fetched.stderr
    status = json.loads(run_cli("assets", "status", "shop-1", "--json", data_dir=data_dir).stdout)
    assert (status["found"], status["missing"]) == (4, 0)

    hits_before = len(site.hits)
    up, font_up = render("shop-1", events, tmp_path / "up.png")
    assert len(site.hits) == hits_before  # the player page asked the site for nothing

    # The site deploys a new image, and the replay is fetched for again: the copy fetched since the replay
    # was recorded stands; then the site goes away.
    site.file("/img/logo.png", "image/png", png(100, 100, GREEN))
    again = run_cli("assets", "fetch", "shop-1", "--allow-host", "127.0.0.1", data_dir=data_dir)
    assert "(0 fetched now, 0 bytes; 4 kept from before), 0 missing" in again.stdout, again.stdout
    site.stop()
    down, font_down = render("shop-1", events, tmp_path / "down.png")
    assert up == down and font_up and font_down
    assert color(down, 50, 130) == RED  # the recorded image, not the new one
    assert color(down, 150, 230) == BLUE  # the stylesheet's background image
    bare, font_bare = render("shop-1", events, tmp_path / "bare.png", with_assets=False)
    assert bare != down and not font_bare and color(bare, 150, 230) == (255, 255, 255)
    # A clip exported from the cache shows them too (export rendered without the replay's assets before).
    duration_s = (events[-1]["timestamp"] - events[0]["timestamp"]) / 1000
    clip = tmp_path / "clip.webm"
    start = f"{max(0.0, duration_s - 1):.3f}"
    exported = run_cli(
        "export", "shop-1", "--out", str(clip), "--from", start, "--fps", "5", data_dir=data_dir
    )
    assert exported.returncode == 0, exported.stderr
    with av.open(str(clip)) as container:
        plane = [frame.reformat(format="rgb24").planes[0] for frame in container.decode(video=0)][-1]
    pixels, stride = bytes(plane), plane.line_size

    def at(x: int, y: int) -> tuple[int, ...]:
        return tuple(pixels[y * stride + 3 * x : y * stride + 3 * x + 3])

    red, blue = at(50, 130), at(150, 230)  # VP9 keeps a flat colour within a few levels
    assert red[0] > 200 and red[1] < 60 and red[2] < 60, red
    assert blue[2] > 200 and blue[0] < 60 and blue[1] < 60, blue


def test_a_font_a_script_made_from_a_relative_url_comes_from_the_cache(
    qapp: QApplication, tmp_path: Path
) -> None:
    """The svelte fixture's page made a FontFace from `url(/fonts/…/DejaVuSerif.ttf)`: rrweb replays it relative
    to the player page, and the player finds the cached copy by its path (the recorded site is long gone)."""
    events = json.loads((FIXTURES / "rrweb" / "todomvc-svelte_media-canvas-font-drag.json").read_bytes())
    font_at = next(e["timestamp"] for e in events if e["type"] == 3 and e["data"].get("source") == 10)
    body = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf").read_bytes()
    assets = (
        {"http://127.0.0.1:8780/fonts/truetype/dejavu/DejaVuSerif.ttf": "f" * 64},
        {"f" * 64: ("font/ttf", body)},
    )
    renderer = MomentRenderer.start()
    try:
        shown = prepare_events(events)
        renderer.show(shown, assets=assets)
        renderer.seek(font_at - shown.start_ts + 500)
        script = ("[...document.querySelector('iframe').contentDocument.fonts]"
                  ".map(f => f.family + ':' + f.status).join(',')")  # fmt: skip
        answers: list[str] = []
        deadline = time.monotonic() + 10
        while "CorpusSerif:loaded" not in "".join(answers[-1:]) and time.monotonic() < deadline:
            renderer.view.page().runJavaScript(script, 0, answers.append)
            count = len(answers)
            wait_until(lambda: len(answers) > count, 10, "the page to answer")  # noqa: B023
        assert "CorpusSerif:loaded" in answers[-1], answers[-1]
        redirected = [r.redirected_to for r in renderer.view.interceptor.log.records() if r.redirected_to]
        assert set(redirected) == {
            "replay-player://local/assets/" + "f" * 64
        }  # the page and its keyframe builder
    finally:
        renderer.close()
