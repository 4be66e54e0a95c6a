"""A seek that starts from a keyframe shows the frame rrweb shows when it seeks from the first event.

Two players take the same seeded random walk over a recording's moments (forward, backward, across page
loads). One seeks as the app does, from keyframes made close together so that every fixture has some;
the other has no keyframes. Wherever the first starts from a keyframe, the second rebuilds from the page
load, which is rrweb's seek from the recording's first event; elsewhere both take rrweb's own path. After
every seek both frames must hold the same visible text and the same document, a line per node: tags,
attributes, text, input values and checked states, scroll offsets, CSSOM rules, viewport and pointer.

Two differences are accepted and left out, both where rrweb's own seek depends on more than the
moment: which element has focus (rrweb focuses an element of the page load's DOM during a seek, where
it may be hidden or later moved), and the page's scroll offset while the recording has no Scroll event
for the page since it loaded (rrweb's seek then leaves the page where writing its DOM scrolled it).

The frames after a keyframe seek are compared rendered too, pixel for pixel, where the two documents
are the same line for line and nothing has focus or is selected (where both players took rrweb's own
path, rrweb is compared with itself, and the pixels are not): with one of the two differences above the pixels may differ
as the documents do, and a focused element (outline, caret) or a selection (blue, not grey) is drawn
active only in the player window that has the keyboard, which is one of the two. Anti-aliased edges
may differ by a few levels (AA_LEVELS).

`KEYFRAME_MOMENTS` sets the moments per recording (`make conformance` runs 100, and a 20-minute
recording without checkouts); `KEYFRAME_PNG_MOMENTS` how many keyframe seeks per recording have their
pixels compared (`make test` 2, `make conformance` all).
"""

from __future__ import annotations

import os
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from replay_core import Recording, read_recording
from replay_core.events import Event
from replay_core.ingest import parse_captured_request, parse_record_batch
from replay_core.reader import prepare_events
from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES
from viewer.player.headless import wait_until
from viewer.player.moment import FrameDigest, MomentRenderer

pytestmark = pytest.mark.webengine
MOMENTS = int(os.environ.get("KEYFRAME_MOMENTS", "6"))
# Close together, so a fixture of a minute has several: a keyframe every 4 s or 40 events (or every
# fortieth of a long recording's events, so that one has some forty).
EVERY_MS, EVERY_EVENTS = 4000.0, 40
# Small chunks, so that the events reach the page in many pieces, each asked for before the one
# before it is added, and chunks end inside groups of events with the same timestamp.
WALK_CHUNK_EVENTS = 25
LONG_MINUTES = float(os.environ.get("KEYFRAME_LONG_MINUTES", "0"))
PNG_MOMENTS = int(os.environ.get("KEYFRAME_PNG_MOMENTS", "2"))
# Two windows can draw the same edge anti-aliased a little differently (seen: up to 2 levels of 255).
AA_LEVELS = 4
PAGES = Path(__file__).resolve().parent / "pages"
PIXELS_COMPARED: defaultdict[str, int] = defaultdict(int)  # moments whose frames were compared, by recording


def capture_replays(folder: Path) -> list[Recording]:
    """Each replay of a captured mixpanel-browser session, decoded by the same rules as an import."""
    batches: dict[str, list[Event]] = defaultdict(list)
    for file in sorted(folder.glob("*.req")):
        request = parse_captured_request(orjson.loads(file.read_bytes()))
        if request.method == "POST" and request.path.startswith("/record"):
            batch = parse_record_batch(request.params, request.body)
            batches[batch.params.replay_id] += batch.events
    return [prepare_events(events, name=f"{folder.name}/{rid}") for rid, events in sorted(batches.items())]


def recordings() -> list[tuple[str, Path]]:
    found = [(path.stem, path) for path in RRWEB_FIXTURES]
    found += [(folder.name, folder) for folder in MIXPANEL_CAPTURES]
    return found


def load(path: Path) -> list[Recording]:
    return capture_replays(path) if path.is_dir() else [read_recording(path)]


@pytest.fixture(scope="module")
def players(qapp: QApplication) -> Iterator[tuple[MomentRenderer, MomentRenderer]]:
    ours = MomentRenderer.start(remote_assets=False)
    reference = MomentRenderer.start(remote_assets=False)
    reference.view.set_keyframe_spacing(0, 0)
    yield ours, reference
    ours.close()
    reference.close()


def moments(recording: Recording, seed: str, count: int) -> list[float]:
    """Seeded moments in a seeded order; page loads and their next millisecond are among them."""
    rng = random.Random(seed)
    loads = [e["timestamp"] - recording.start_ts for e in recording.events if e["type"] == 2]
    chosen = [rng.uniform(0, recording.duration_ms) for _ in range(count)]
    chosen[: len(loads) * 2] = [at + d for at in loads for d in (0, 1)][:count]
    rng.shuffle(chosen)
    return chosen


def page_scrolled_by_events(recording: Recording, at: float) -> bool:
    """Whether a Scroll event for the page itself comes after its last load before `at`."""
    scrolled = False
    for event in recording.events:
        if event["timestamp"] - recording.start_ts >= at:
            break
        if event["type"] == 2:
            page, scrolled = event["data"]["node"]["id"], False
        elif event["type"] == 3 and event["data"].get("source") == 3 and event["data"].get("id") == page:
            scrolled = True
    return scrolled


def compared(digest: FrameDigest, page_scroll: bool) -> list[str]:
    lines = [line for line in digest.lines if " focus " not in line]
    if not page_scroll:
        lines = [line for line in lines if not line.startswith(" scrolled ")]
        lines = [
            re.sub(r" \.scroll=\S+$", "", line) if re.match(r"/html\[\d+\] ", line) else line
            for line in lines
        ]
    return lines


def first_difference(ours: FrameDigest, theirs: FrameDigest, page_scroll: bool = True) -> str | None:
    mine = compared(ours, page_scroll)
    reference = compared(theirs, page_scroll)
    for index, (a, b) in enumerate(zip(mine, reference, strict=False)):
        if a != b:
            return f"line {index}:\n  after the keyframe: {a[:400]}\n  after rrweb's seek: {b[:400]}"
    if len(mine) != len(reference):
        shorter = min(len(mine), len(reference))
        extra = (mine if len(mine) > shorter else reference)[shorter][:400]
        return f"{len(mine)} lines against rrweb's {len(reference)}; the first extra: {extra}"
    return None


def walk(players: tuple[MomentRenderer, MomentRenderer], recording: Recording, seed: str, count: int = 0) -> int:
    """Seek both players through the moments (`count`, else MOMENTS); returns how many seeks started from
    a keyframe."""
    ours, reference = players
    ours.view.set_keyframe_spacing(EVERY_MS, max(EVERY_EVENTS, len(recording.events) // 40))
    ours.view.chunk_events = WALK_CHUNK_EVENTS
    ours.show(recording, timeout_s=120)
    reference.show(recording, timeout_s=120)
    ours.view.set_seek_mode("keyframes")
    ours.wait_for_keyframes(timeout_s=300)
    from_keyframes = 0
    for at in moments(recording, seed, count or MOMENTS):
        ours.seek(at)
        mine = ours.digest()
        keyframe = mine.seek.startswith("keyframe ")
        from_keyframes += keyframe
        reference.view.set_seek_mode("fresh" if keyframe else "rrweb")
        reference.seek(at)
        theirs = reference.digest()
        where = f"{recording.name} at {at:.0f} ms ({mine.seek})"
        difference = first_difference(mine, theirs, page_scrolled_by_events(recording, at))
        assert difference is None, f"{where}: the frame differs from rrweb's, {difference}"
        assert ours.text().visible == reference.text().visible, f"{where}: the visible text differs"
        if (
            keyframe
            and PIXELS_COMPARED[recording.name] < PNG_MOMENTS
            and mine.lines == theirs.lines
            and not any(_drawn_by_focus(line) for line in mine.lines)
        ):
            pixels = pixel_difference(ours.image(), reference.image())
            assert pixels is None, f"{where}: the rendered frame differs from rrweb's: {pixels}"
            PIXELS_COMPARED[recording.name] += 1
    return from_keyframes


def _drawn_by_focus(line: str) -> bool:
    """A focused element or a selection: drawn as active only in the window that has the keyboard."""
    return " focus " in line or " selection " in line


def pixel_difference(mine: QImage, theirs: QImage) -> str | None:
    """None when the two frames are the same pixels but for anti-aliasing (no channel more than
    AA_LEVELS apart); else how many pixels differ more, by how much at most, and where."""
    if mine.size() != theirs.size():
        return f"sizes {mine.width()}×{mine.height()} and {theirs.width()}×{theirs.height()}"
    a = mine.convertToFormat(QImage.Format.Format_RGB32)
    b = theirs.convertToFormat(QImage.Format.Format_RGB32)
    if a == b:
        return None
    width, line = a.width(), a.bytesPerLine()
    raw_a, raw_b = bytes(a.constBits()), bytes(b.constBits())
    spots, worst = [], 0
    for y in range(a.height()):
        start = y * line
        if raw_a[start : start + width * 4] == raw_b[start : start + width * 4]:
            continue
        for x in range(width):
            at = start + x * 4
            delta = max(abs(raw_a[at + k] - raw_b[at + k]) for k in range(3))  # the fourth byte is unused
            if delta > AA_LEVELS:
                spots.append((x, y))
                worst = max(worst, delta)
    if not spots:
        return None
    xs, ys = [x for x, _ in spots], [y for _, y in spots]
    return f"{len(spots)} pixels by up to {worst} levels, within ({min(xs)}, {min(ys)})–({max(xs)}, {max(ys)})"


@pytest.mark.parametrize(("name", "path"), recordings(), ids=[name for name, _ in recordings()])
def test_a_keyframe_seek_shows_rrwebs_frame(
    players: tuple[MomentRenderer, MomentRenderer], name: str, path: Path
) -> None:
    used = sum(walk(players, recording, name) for recording in load(path))
    if PNG_MOMENTS and "long-mutations" in name:
        assert PIXELS_COMPARED[f"{name}.json"], "some frames after a keyframe seek had their pixels compared"
    if "long-mutations" in name:
        assert used > 0, "a recording of 25,000 mutations is sought from keyframes"


def record_rich_page(folder: Path) -> Recording:
    """rrweb's recorder on pages/rich.html (a same-origin frame, an open shadow root, rules inserted,
    changed and deleted through the CSSOM, a scrolled box, SVG) in chromium under a fake clock: 20 s of
    the page changing itself every 250 ms while a user types into its fields, ticks a box, picks an
    option and scrolls the page."""
    from datetime import UTC, datetime

    from playwright.sync_api import sync_playwright

    from bench.browser import RRWEB_DIST, launch_chromium
    from bench.make_long_recordings import START_EPOCH_MS, record_script
    from bench.static_site import StaticSite

    with StaticSite({"pages": PAGES, "rrweb": RRWEB_DIST}) as site, sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(viewport={"width": 900, "height": 600})
        context.clock.install(time=datetime.fromtimestamp(START_EPOCH_MS / 1000, UTC))
        context.add_init_script(path=RRWEB_DIST / "rrweb.umd.cjs")
        context.add_init_script(record_script(None))
        page = context.new_page()
        page.goto(site.url("pages/rich.html"), wait_until="load")
        page.clock.pause_at(datetime.fromtimestamp(page.evaluate("Date.now()") / 1000 + 1, UTC))
        typing = {10: ("#name", "Ana"), 30: ("#note", "Ring twice"), 55: ("#name", " Novak")}
        for step in range(80):
            page.clock.run_for(250)
            if step in typing:
                selector, text = typing[step]
                page.click(selector)
                for char in text:
                    page.keyboard.type(char)
                    page.clock.run_for(90)
            elif step == 20:
                page.click("#agree")
            elif step == 40:
                page.select_option("#size", "L")
            elif 45 <= step < 50:
                page.mouse.move(450, 300)
                page.mouse.wheel(0, 60)
        page.clock.run_for(1000)
        # As a recorder sends them: JSON, where an undefined field is left out (not made null).
        events = page.evaluate("JSON.stringify(window.__rrwebEvents.splice(0))")
        browser.close()
    path = folder / "rich-page.json"
    path.write_text(events)
    return read_recording(path)


def test_keyframes_of_a_page_with_a_frame_a_shadow_root_and_cssom_rules_match_rrweb(
    players: tuple[MomentRenderer, MomentRenderer], tmp_path: Path
) -> None:
    """The fixtures' frames and shadow roots come with custom elements, after which no keyframe is made:
    this page has them without, so its keyframes hold a frame's document, a shadow root's children and
    rules added through the CSSOM, each with its state (scroll offsets, input values)."""
    recording = record_rich_page(tmp_path)
    sources = {e["data"].get("source") for e in recording.events if e["type"] == 3}
    assert {3, 5, 8, 13} <= sources, "scrolls, inputs, CSSOM rules and declarations were recorded"
    assert not sources & {7, 9, 10, 15, 16}, "nothing after which no keyframe is made"
    recorded = orjson.dumps(recording.events).decode()
    assert "frame step 12" in recorded and "shadow extra 12" in recorded and "isShadow" in recorded
    assert walk(players, recording, "rich-page", count=max(MOMENTS, 24)) >= 4
    # A node's rules with `styleId: null` (not left out) are a node's rules still, as rrweb takes them.
    nulled = [
        {**e, "data": {**e["data"], "styleId": None}} if e["type"] == 3 and e["data"]["source"] in (8, 13) else e
        for e in recording.events
    ]
    ours, _ = players
    ours.show(Recording(events=nulled, name="styleId null"))
    assert ours.wait_for_keyframes().count >= 4


def test_keyframes_are_made_in_the_background_and_used(
    players: tuple[MomentRenderer, MomentRenderer],
) -> None:
    ours, _ = players
    recording = read_recording(next(p for p in RRWEB_FIXTURES if "long-mutations" in p.name))
    ours.view.set_keyframe_spacing(EVERY_MS, 1000)
    ours.show(recording)
    ours.view.set_seek_mode("keyframes")
    ours.seek(recording.duration_ms / 2)  # answered while keyframes are still being made
    progress = ours.wait_for_keyframes()
    assert progress.count >= recording.duration_ms / EVERY_MS / 2
    assert progress.until_ms == pytest.approx(recording.duration_ms)
    ours.seek(recording.duration_ms)
    ours.seek(recording.duration_ms * 0.6)  # backward: from the keyframe before, not the page load
    assert ours.digest().seek.startswith("keyframe ")
    ours.seek(recording.duration_ms * 0.6 + 200)  # forward a little: rrweb's own path
    assert ours.digest().seek == "rrweb"


@pytest.mark.skipif(LONG_MINUTES <= 0, reason="set KEYFRAME_LONG_MINUTES (make conformance does)")
def test_a_long_recording_without_checkouts(
    players: tuple[MomentRenderer, MomentRenderer], tmp_path: Path
) -> None:
    from bench.make_long_recordings import Plan, record

    path = record(Plan("no-checkout", LONG_MINUTES, seed=11, checkout_ms=None), tmp_path)
    recording = read_recording(path)
    assert sum(e["type"] == 2 for e in recording.events) == 1, "one page load, no checkouts"
    assert walk(players, recording, "no-checkout") > MOMENTS // 2


def test_kept_keyframes_are_taken_back_extended_and_checked(
    players: tuple[MomentRenderer, MomentRenderer],
) -> None:
    """A cached replay opened again gets the keyframes the page made the first time (the app keeps them):
    the page builds only after the last one (the replay grew by a sync), seeks from them show rrweb's
    frame, and one whose count of earlier events no longer matches is dropped with those after it."""
    ours, reference = players
    whole = read_recording(next(p for p in RRWEB_FIXTURES if "long-mutations" in p.name))
    half = Recording(events=whole.events[: len(whole.events) // 2], name="first half")
    ours.view.set_keyframe_spacing(EVERY_MS, 1000)
    ours.show(half)
    ours.wait_for_keyframes()
    kept = list(ours.keyframes_made)
    assert len(kept) >= 4
    assert [k.at_ms for k in kept] == sorted(k.at_ms for k in kept)

    ours.show(whole, keyframes=kept)  # opened again after a sync appended the second half
    progress = ours.wait_for_keyframes()
    made = ours.keyframes_made
    assert made and all(k.at_ms > kept[-1].at_ms for k in made), "only the new events get keyframes"
    assert progress.count == len(kept) + len(made)
    assert progress.until_ms == pytest.approx(whole.duration_ms)

    ours.view.set_seek_mode("keyframes")
    at = kept[2].at_ms - whole.start_ts + 300
    ours.seek(whole.duration_ms)
    ours.seek(at)  # backward, to just after a taken-back keyframe
    mine = ours.digest()
    assert mine.seek == f"keyframe {kept[2].at_ms - whole.start_ts:g}"
    reference.view.set_seek_mode("fresh")
    reference.show(whole)
    reference.seek(at)
    assert first_difference(mine, reference.digest(), page_scrolled_by_events(whole, at)) is None

    # Events before the third keyframe changed since it was made (a late upload): its count is off.
    stale = [*kept[:2], replace(kept[2], events_before=kept[2].events_before - 1), *kept[3:]]
    ours.show(whole, keyframes=stale)
    ours.wait_for_keyframes()
    remade = ours.keyframes_made
    assert remade[0].at_ms > kept[1].at_ms and remade[0].at_ms <= kept[2].at_ms, (
        "built again after the second"
    )


def test_keyframes_of_a_replay_shown_in_parts_match_rrweb(
    players: tuple[MomentRenderer, MomentRenderer],
) -> None:
    """The app shows a replay in parts: its first page ahead of the rest, then events a sync appends.
    Keyframes made across those parts must hold what rrweb shows (before the fix, a builder that had
    finished a part skipped that part's events when it went on, and made no keyframe, or wrong ones)."""
    ours, reference = players
    whole = read_recording(next(p for p in RRWEB_FIXTURES if "long-mutations" in p.name))
    events = whole.events
    first_page, half = 60, len(events) // 2
    ours.view.set_keyframe_spacing(EVERY_MS, 1000)
    ours.show(Recording(events=events[:first_page], name="first page"))
    wait_until(lambda: ours.keyframes.done, 60, "the first page's keyframes")
    ours.view.append_events(events[first_page:half])
    wait_until(
        lambda: (
            ours.keyframes.done and ours.keyframes.until_ms >= events[half - 1]["timestamp"] - whole.start_ts
        ),
        120,
        "keyframes",
    )
    built_first = ours.keyframes.count
    assert built_first >= 4
    ours.view.append_events(events[half:])
    wait_until(lambda: ours.keyframes.done and ours.keyframes.until_ms >= whole.duration_ms, 120, "keyframes")
    assert ours.keyframes.count > built_first

    ours.view.set_seek_mode("keyframes")
    reference.view.set_seek_mode("fresh")
    reference.show(whole)
    for share in (0.3, 0.8):  # after a keyframe of the first part, and of the appended one
        at = whole.duration_ms * share
        ours.seek(whole.duration_ms)
        ours.seek(at)
        mine = ours.digest()
        assert mine.seek.startswith("keyframe "), mine.seek
        reference.seek(at)
        difference = first_difference(mine, reference.digest(), page_scrolled_by_events(whole, at))
        assert difference is None, f"at {at:.0f} ms ({mine.seek}): {difference}"
