"""The Heatmaps page in the app: the pages listed, a page rebuilt with its overlay, a hot element clicked in
the overlay lists the replays that clicked it, and one of them opens at that click."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from replay_core import read_recording
from replay_core.heatmap import page_visits
from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES
from tests.ui.conftest import MakeWindow
from viewer.storage import ReplayCache
from viewer.storage.importer import import_paths
from viewer.ui.heatmaps_page import HeatmapsPage
from viewer.ui.replay_loading import OpenedReplay

pytestmark = pytest.mark.webengine
CAPTURE = next(p for p in MIXPANEL_CAPTURES if "preact_heatmap" in p.name)
VANILLA = next(p for p in RRWEB_FIXTURES if "vanilla-es5" in p.name)
VANILLA_PATH = "/todomvc/examples/javascript-es5/dist/index.html"


@pytest.fixture()
def imported(data_dir: Path) -> None:
    cache = ReplayCache.open()
    list(import_paths(cache, [CAPTURE, VANILLA]))
    cache.close()


def test_the_page_list_a_hot_element_s_replays_and_opening_one_at_its_click(
    qtbot: QtBot, imported: None, make_window: MakeWindow, tmp_path: Path
) -> None:
    window = make_window()
    smallest = window.pages.minimumSizeHint()
    heatmaps = window.heatmaps_page()
    # The page does not raise the window's minimum size (a small window keeps every page whole).
    grown = window.pages.minimumSizeHint()
    assert grown.width() <= smallest.width() and grown.height() <= smallest.height()
    heatmaps.range_box.setCurrentIndex(heatmaps.range_box.findData(None))  # all time: the fixtures' dates are fixed
    window.reports.heatmapsRequested.emit()  # the Reports page's Heatmaps button
    assert window.heatmaps is heatmaps and window.pages.currentWidget() is heatmaps
    qtbot.waitUntil(lambda: len(heatmaps.pages_listed()) == 2, timeout=30000)
    assert {p.split("8780", 1)[1] for p in heatmaps.pages_listed()} == {
        VANILLA_PATH, "/todomvc/examples/preact/dist/index.html"
    }
    row = next(i for i, p in enumerate(heatmaps.pages_listed()) if p.endswith(VANILLA_PATH))
    item = heatmaps.page_list.topLevelItem(row)
    assert item is not None
    heatmaps.page_list.setCurrentItem(item)
    qtbot.waitUntil(lambda: bool(heatmaps.last_drawn), timeout=30000)
    assert heatmaps.last_drawn["found"] >= 5 and heatmaps.last_drawn["spots_in_place"] > 0
    assert heatmaps.export_button.isEnabled()

    # The unmasked page's own words are in the rebuilt page and in the overlay's hover texts (the control
    # for the masked page below).
    assert "todos" in page_and_overlay_text(qtbot, heatmaps)

    # A person clicks the hottest element on the rebuilt page: the overlay names it, its replays are listed.
    hottest = heatmaps.current.heatmap.elements[0] if heatmaps.current else None
    assert hottest is not None
    heatmaps.view.page().runJavaScript(
        "document.querySelector('.heatmap-element[data-selector]').click()"  # the most clicked is drawn first
    )
    qtbot.waitUntil(lambda: heatmaps.replay_list.count() > 0, timeout=10000)
    clicks = [c for c in page_visits(read_recording(VANILLA).events)[0].clicks if c.selector == hottest.selector]
    listed = heatmaps.listed_clicks()
    assert sorted(at for _, at in listed) == sorted(float(c.at_ms) for c in clicks)
    assert heatmaps.replay_list.count() == hottest.clicks

    opened: list[OpenedReplay] = []
    window.session.opened.connect(opened.append)
    heatmaps.replay_list.itemActivated.emit(heatmaps.replay_list.item(0))
    qtbot.waitUntil(lambda: bool(opened), timeout=30000)
    replay_id, at_ms = listed[0]
    assert opened[0].replay_id == replay_id and window.pages.currentWidget() is window.player
    first_event = float(opened[0].recording.events[0]["timestamp"])
    assert opened[0].start_at_s is not None
    assert abs(opened[0].start_at_s * 1000 - (at_ms - first_event)) < 5000  # at the click (a lead-in at most)

    # From the player's header: the heatmap of the page the replay shows.
    window.player.pageHeatmapRequested.emit()
    assert window.pages.currentWidget() is heatmaps and heatmaps.page is not None
    assert heatmaps.page.endswith(VANILLA_PATH)

    out = tmp_path / "export" / "page.png"
    out.parent.mkdir()
    assert heatmaps.export_png(out) and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The mixpanel capture masked the page's text: rebuilt, it stays masked, and no hover text of the
    # overlay says what the masking hid.
    preact = next(i for i, p in enumerate(heatmaps.pages_listed()) if p.endswith("/preact/dist/index.html"))
    heatmaps.last_drawn = {}
    preact_item = heatmaps.page_list.topLevelItem(preact)
    assert preact_item is not None
    heatmaps.page_list.setCurrentItem(preact_item)
    qtbot.waitUntil(lambda: bool(heatmaps.last_drawn), timeout=30000)
    assert heatmaps.last_drawn["found"] >= 5
    masked = page_and_overlay_text(qtbot, heatmaps)
    assert "*****" in masked
    assert "todos" not in masked and "what needs to be done" not in masked


# The rebuilt page's text, then every hot element's hover text (each element hovered in turn), lower case.
TEXTS = """(function () {
  const out = [document.querySelector('.replayer-wrapper iframe').contentDocument.body.innerText];
  for (const element of document.querySelectorAll('.heatmap-element')) {
    element.dispatchEvent(new MouseEvent('mouseenter'));
    out.push(document.querySelector('.heatmap-tip').textContent);
  }
  return out.join('\\n').toLowerCase();
})()"""


def page_and_overlay_text(qtbot: QtBot, heatmaps: HeatmapsPage) -> str:
    found: list[str] = []
    heatmaps.view.page().runJavaScript(TEXTS, 0, found.append)
    qtbot.waitUntil(lambda: bool(found), timeout=10000)
    return str(found[0])
