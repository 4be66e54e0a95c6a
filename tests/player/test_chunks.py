"""The chunks the page fetches: the app lets go of a replay's parsed events once the page has asked for
every chunk (issue 11's memory), and can still show the replay again or write it out, appended batches
included, from the packed chunks."""

from __future__ import annotations

import io
import weakref
from typing import Any

import orjson
import pytest

from replay_core import parse_recording, read_recording
from tests.paths import RRWEB_FIXTURES
from viewer.player.chunks import EventChunks, ShownChunks

LARGEST = max(RRWEB_FIXTURES, key=lambda p: p.stat().st_size)


def test_events_are_let_go_once_every_chunk_was_served_and_the_chunks_stay_the_same() -> None:
    events = read_recording(LARGEST).events
    chunks = EventChunks(events, chunk_events=50)
    assert len(chunks) > 2
    first = [chunks.chunk(i) for i in range(len(chunks) - 1)]
    assert chunks.holds_events  # the last chunk was not asked for yet
    last = chunks.chunk(len(chunks) - 1)
    assert not chunks.holds_events
    again = [chunks.chunk(i) for i in range(len(chunks))]
    assert again == [*first, last]
    assert [e for body in again for e in orjson.loads(body)] == events


class Held(dict[str, Any]):
    """An event that can be watched for being freed (a plain dict cannot have weak references)."""


def test_a_chunks_events_are_let_go_once_the_page_has_it_not_when_the_last_chunk_goes() -> None:
    """While a long replay loads, the app's copy of its events shrinks as the page's grows (before,
    Python held every event until the page had asked for the last chunk: both copies whole at once)."""
    events = [Held(e) for e in read_recording(LARGEST).events]
    chunks = EventChunks(events, chunk_events=50)
    assert len(chunks) > 2
    first_chunk = len(orjson.loads(chunks.chunk(0)))
    in_first = weakref.ref(events[0])
    in_second = weakref.ref(events[first_chunk])
    expected = [dict(e) for e in events]
    del events  # the caller lets go, as the app does once it has handed the events over
    assert in_first() is None  # served: freed at once
    assert in_second() is not None  # not asked for yet: still held to be serialised
    bodies = [chunks.chunk(i) for i in range(1, len(chunks))]
    assert in_second() is None and not chunks.holds_events
    assert [e for body in [chunks.chunk(0), *bodies] for e in orjson.loads(body)] == expected


def test_the_shown_replay_written_out_is_its_events_and_every_appended_batch() -> None:
    events = read_recording(LARGEST).events
    cut = len(events) // 2
    head, tail = EventChunks(events[:cut], chunk_events=40), EventChunks(events[cut:], chunk_events=40)
    for part in (head, tail):
        for i in range(len(part)):
            part.chunk(i)
    out = io.BytesIO()
    ShownChunks([head, tail]).write_json(out)
    assert parse_recording(out.getvalue(), name="written").events == events
    shown = ShownChunks([head, tail])
    assert len(shown) == len(head) + len(tail)
    assert orjson.loads(shown.chunk(len(head))) == orjson.loads(tail.chunk(0))


def test_a_replay_needs_an_event() -> None:
    with pytest.raises(ValueError):
        EventChunks([])
