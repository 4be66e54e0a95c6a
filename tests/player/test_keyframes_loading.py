"""Keyframes made while more of a replay's events are on their way (a batch a sync appends to the open
replay while its keyframes are being made) are the keyframes made with every event there at once: the
events may end inside a group of events with the same timestamp, and the rest of the group must not be
skipped when it arrives. The builder waits for them instead of starting again from the first event."""

from __future__ import annotations

import json

import pytest

from replay_core import read_recording
from replay_core.events import Event, EventType, IncrementalSource, incremental_source
from tests.paths import RRWEB_FIXTURES
from viewer.player.headless import wait_until
from viewer.player.moment import MomentRenderer

pytestmark = pytest.mark.webengine

# The builder is driven step by step here, so that it has applied every event of the first part (and
# waits for more) before the second part arrives: what happens in the app when the page is idle
# between two chunks, without depending on when that is.
BUILD = """
(() => {
  const events = %s;
  const cut = %d;
  const root = () => {
    const element = document.createElement('div');
    element.style.display = 'none';
    document.body.appendChild(element);
    return element;
  };
  const fresh = (list) => ReplayKeyframes.keepRemovals(JSON.parse(JSON.stringify(list)));
  function build(parts) {
    const source = [];
    const made = [];
    let loading = true;
    const builder = new ReplayKeyframes.Builder(
      () => source, root, () => {}, { everyMs: 4000, everyEvents: 40 },
      (keyframe) => made.push(keyframe.json), () => false, () => loading);
    parts.forEach((part, index) => {
      source.push(...fresh(part));
      loading = index < parts.length - 1;
      while (builder.step()) { /* until it has applied every event it may */ }
    });
    builder.stop();
    return made;
  }
  const whole = build([events]);
  const parts = build([events.slice(0, cut), events.slice(cut)]);
  const firstDifferent = whole.findIndex((json, index) => json !== parts[index]);
  return JSON.stringify({ whole: whole.length, parts: parts.length, firstDifferent });
})()
"""


def changes_document(event: Event) -> bool:
    return event["type"] == EventType.INCREMENTAL_SNAPSHOT and incremental_source(event) == IncrementalSource.MUTATION


def split_inside_a_group() -> tuple[list[Event], int]:
    """A recording and a cut at a mutation that has the timestamp of the event before it, in the
    middle of the recording (keyframes come before and after it)."""
    for path in sorted(RRWEB_FIXTURES, key=lambda p: p.stat().st_size):
        events = read_recording(path).events
        middle = range(len(events) // 3, 2 * len(events) // 3)
        for index in middle:
            if events[index - 1]["timestamp"] == events[index]["timestamp"] and changes_document(events[index]):
                return events, index
    raise AssertionError("no fixture has a mutation sharing its timestamp with the event before it")


def test_keyframes_made_while_loading_are_those_made_with_every_event(renderer: MomentRenderer) -> None:
    events, cut = split_inside_a_group()
    answers: list[str] = []
    renderer.view.bridge.when_ready(
        lambda: renderer.view.page().runJavaScript(BUILD % (json.dumps(events), cut), 0, answers.append)
    )
    wait_until(lambda: bool(answers), 120, "the keyframes to be built")
    found = json.loads(answers[0])
    assert found["whole"] > 2 and found["parts"] == found["whole"]
    assert found["firstDifferent"] == -1, f"keyframe {found['firstDifferent']} differs"
