"""`replay-viewer heatmap`: the page list, one page's elements and scroll depths as text or JSON, errors in one line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from replay_core import read_recording
from replay_core.heatmap import page_visits
from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES
from tests.storage.helpers import run_cli
from viewer.cli import main
from viewer.storage.zones import local_day

PREACT = "/todomvc/examples/preact/dist/index.html"
CAPTURE = next(p for p in MIXPANEL_CAPTURES if "preact_heatmap" in p.name)
VANILLA = next(p for p in RRWEB_FIXTURES if "vanilla-es5" in p.name)
LONG_PREACT = next(p for p in RRWEB_FIXTURES if "preact" in p.name)


@pytest.fixture
def imported(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(CAPTURE), str(VANILLA), str(LONG_PREACT)]) == 0
    capsys.readouterr()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main(["heatmap", *args]) == 0
    return capsys.readouterr().out


def test_without_a_page_it_lists_the_pages_with_visits_clicks_and_replays(
    imported: None, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = {p["page"].split("8780", 1)[1]: p for p in json.loads(run(capsys, "--json"))}
    assert set(pages) == {PREACT, "/todomvc/examples/javascript-es5/dist/index.html"}
    assert (pages[PREACT]["visits"], pages[PREACT]["replays"]) == (2, 2)
    vanilla = page_visits(read_recording(VANILLA).events)
    assert pages["/todomvc/examples/javascript-es5/dist/index.html"]["clicks"] == len(vanilla[0].clicks)
    lines = run(capsys).splitlines()
    assert lines[0].split() == ["VISITS", "CLICKS", "REPLAYS", "PAGE"]
    assert lines[1].split()[:3] == ["2", str(pages[PREACT]["clicks"]), "2"] and lines[1].endswith(PREACT)


def test_json_of_a_page_has_each_elements_clicks_visits_and_replays_and_the_scroll_depths(
    imported: None, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(run(capsys, PREACT, "--json"))
    elements = {e["selector"]: e for e in document["elements"]}
    # Both sessions typed into the new-todo field: one element, two visits, two replays.
    new_todo = elements["section#root > header.header > input.new-todo"]
    assert (new_todo["visits"], new_todo["replays"]) == (2, 2) and new_todo["clicks"] >= 2
    heading = elements["section#root > header.header > h1"]
    assert heading["clicks"] == heading["dead"] == 4 and heading["replays"] == 1
    depths = document["scroll"]["depths"]
    assert [d["percent"] for d in depths] == list(range(0, 101, 5))
    assert depths[0]["share"] == 1.0 and all(0 <= d["share"] <= 1 for d in depths)
    assert [d["share"] for d in depths] == sorted((d["share"] for d in depths), reverse=True)


def test_filters_narrow_the_visits(imported: None, capsys: pytest.CaptureFixture[str]) -> None:
    day = local_day(page_visits(read_recording(LONG_PREACT).events)[0].started_ms)
    assert json.loads(run(capsys, PREACT, "--json", "--since", day.isoformat()))["visits"] >= 1
    assert main(["heatmap", PREACT, "--since", date(2100, 1, 1).isoformat()]) == 1
    assert "no visits of" in capsys.readouterr().err
    assert main(["heatmap", PREACT, "--viewport", "mobile"]) == 1  # every fixture was recorded at 1280 px
    assert json.loads(run(capsys, "--json", "--viewport", "mobile")) == []


def test_text_output_through_the_real_command(tmp_path: Path, data_dir: Path) -> None:
    assert run_cli("import", str(CAPTURE), data_dir=data_dir).returncode == 0
    done = run_cli("heatmap", "/todomvc/examples/*/dist/index.html", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "1 visits, 1 replays" in lines[0]
    heading = next(line for line in lines if "> h1" in line)
    assert heading.split()[:5] == ["4", "1", "1", "0", "4"]
    assert any(line.startswith("Scroll depth") for line in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["heatmap", "/nowhere"], "no visits of /nowhere in the cache; 'replay-viewer heatmap' lists the pages"),
        (["heatmap", PREACT, "--since", "yesterday-ish"], "--since takes a date as YYYY-MM-DD"),
        (["heatmap", " "], "PAGE is empty"),
    ],
)
def test_problems_are_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and message in captured.err


VANILLA_PAGE = "/todomvc/examples/javascript-es5/dist/index.html"


@pytest.mark.webengine
def test_png_is_the_page_rebuilt_with_heat_where_its_clicks_are(
    qapp: Any, imported: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PySide6.QtGui import QColor, QImage

    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "heatmap.png"
    assert main(["heatmap", VANILLA_PAGE, "--png", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}\n"
    assert [p.name for p in out.parent.iterdir()] == ["heatmap.png"]  # the temporary name is gone
    image = QImage(str(out))
    meta = next(e for e in read_recording(VANILLA).events if e["type"] == 4)["data"]
    assert (image.width(), image.height()) == (meta["width"], meta["height"])
    # The new-todo field is at the top of the page, where the recording's clicks on it were: red heat there.
    clicks = [c for c in page_visits(read_recording(VANILLA).events)[0].clicks if c.selector.endswith("input.new-todo")]
    assert clicks
    for click in clicks:
        assert click.page_x is not None and click.page_y is not None
        colour = QColor(image.pixel(int(click.page_x), int(click.page_y)))
        assert colour.red() > 200 and colour.green() < 150 and colour.blue() < 80, colour.getRgb()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["heatmap", "--png", "x.png"], "--png needs a PAGE"),
        (["heatmap", PREACT, "--json", "--png", "x.png"], "--json and --png cannot be used together"),
        (["heatmap", PREACT, "--png", "/nowhere/x.png"], "/nowhere does not exist"),
    ],
)
def test_png_problems_are_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
