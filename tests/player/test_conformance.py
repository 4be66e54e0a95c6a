"""The replayed DOM holds what the events say, at every moment we check, for every fixture.

Two kinds of expectation, neither typed in by hand: text that a mutation or an input event brings
at time t (absent just before t, present just after), and the document text rrweb's own Replayer
showed at chosen moments (`reference-frames.json`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replay_core import read_recording
from replay_core.events import Event
from tests.paths import FIXTURES, RRWEB_FIXTURES
from viewer.player.moment import MomentRenderer

pytestmark = pytest.mark.webengine
REFERENCE = json.loads((FIXTURES / "reference-frames.json").read_text())["files"]
CHECKS_PER_KIND = 3


def _usable(text: object) -> bool:
    if not isinstance(text, str):
        return False
    text = text.strip()
    if text == "SCRIPT_PLACEHOLDER":  # rrweb's stand-in for script source, never shown
        return False
    return len(text) >= 4 and set(text) != {"*"} and "{" not in text and ";" not in text


def text_arrivals(events: list[Event]) -> list[tuple[float, str]]:
    """(offset, text) for texts that a mutation or an input brings and no earlier event mentions."""
    origin = events[0]["timestamp"]
    # A new full snapshot right after rebuilds the page (iframes come back later): skip those moments.
    rebuilds = [e["timestamp"] - origin for e in events if e["type"] == 2]
    seen = ""
    found: list[tuple[float, str]] = []
    for event in events:
        data = event.get("data") or {}
        brought: list[object] = []
        if event["type"] == 3 and data.get("source") == 0:
            brought += [
                a["node"].get("textContent") for a in data.get("adds", []) if a["node"].get("type") == 3
            ]
            brought += [t.get("value") for t in data.get("texts", [])]
        elif event["type"] == 3 and data.get("source") == 5 and "isChecked" not in data:
            brought.append(data.get("text"))
        for text in brought:
            at = event["timestamp"] - origin
            if _usable(text) and text.strip() not in seen and not any(at <= r <= at + 1000 for r in rebuilds):  # type: ignore[union-attr]
                found.append((at, text.strip()))  # type: ignore[union-attr]
        seen += json.dumps(event)
    return found


def spread(items: list, count: int) -> list:
    if len(items) <= count:
        return items
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


@pytest.mark.parametrize("path", RRWEB_FIXTURES, ids=lambda p: p.stem)
def test_text_brought_by_events_appears_exactly_then(renderer: MomentRenderer, path: Path) -> None:
    recording = read_recording(path)
    renderer.show(recording)
    arrivals = spread(text_arrivals(recording.events), CHECKS_PER_KIND * 2)
    assert arrivals, "every fixture has text that arrives mid-recording"
    for at, text in arrivals:
        renderer.seek(at - 1)
        before = renderer.text().everything
        renderer.seek(at + 1)
        after = renderer.text().everything
        assert text not in before, f"{text!r} already shown at {at - 1} ms"
        assert text in after, f"{text!r} missing at {at + 1} ms"


@pytest.mark.parametrize("path", RRWEB_FIXTURES, ids=lambda p: p.stem)
def test_document_text_matches_rrwebs_own_replayer(renderer: MomentRenderer, path: Path) -> None:
    recording = read_recording(path)
    renderer.show(recording)
    first_snapshot = next(e["timestamp"] for e in recording.events if e["type"] == 2) - recording.start_ts
    frames = REFERENCE[path.name]["frames"]
    compared = 0
    # Backwards first, so every seek after the first goes back in time (rrweb's hardest path).
    for frame in sorted(frames, key=lambda f: -f["at_ms"]):
        if frame["at_ms"] < first_snapshot:
            continue  # before the first snapshot rrweb shows nothing; we show the first page
        at = renderer.seek(frame["at_ms"])
        assert abs(at - frame["at_ms"]) < 1
        assert renderer.text().visible == frame["text"], f"text differs at {frame['at_ms']} ms"
        compared += 1
    assert compared >= len(frames) - 1


def test_before_the_first_snapshot_the_first_page_is_shown_not_a_stale_one(renderer: MomentRenderer) -> None:
    path = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)
    recording = read_recording(path)
    renderer.show(recording)
    first_snapshot = next(e["timestamp"] for e in recording.events if e["type"] == 2) - recording.start_ts
    renderer.seek(first_snapshot + 1)
    first_page = renderer.text().visible
    renderer.seek(recording.duration_ms)
    assert renderer.text().visible != first_page
    renderer.seek(0)
    assert renderer.text().visible == first_page
