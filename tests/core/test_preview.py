"""The first page of a recording, read from the file's head, is exactly how the whole recording begins."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from replay_core import RecordingError, read_recording
from replay_core.preview import PREVIEW_EXTRA_EVENTS, read_preview
from tests.paths import RRWEB_FIXTURES


@pytest.mark.parametrize("path", RRWEB_FIXTURES, ids=lambda p: p.stem)
def test_preview_is_the_start_of_the_recording(path: Path) -> None:
    preview = read_preview(path.read_bytes())
    whole = read_recording(path)
    assert preview is not None
    assert preview.events == whole.events[: len(preview.events)]
    snapshot = next(i for i, e in enumerate(preview.events) if e["type"] == 2)
    assert len(preview.events) == min(snapshot + 1 + PREVIEW_EXTRA_EVENTS, len(whole.events))


def test_gzip_and_ndjson_heads_preview_too() -> None:
    path = next(p for p in RRWEB_FIXTURES if "preact" in p.name)
    events = json.loads(path.read_bytes())
    ndjson = "\n".join(json.dumps(e) for e in events).encode()
    expected = read_preview(path.read_bytes())
    assert expected is not None
    for raw in (gzip.compress(path.read_bytes()), ndjson, gzip.compress(ndjson)):
        preview = read_preview(raw)
        assert preview is not None and preview.events == expected.events


@pytest.mark.parametrize(
    "raw",
    [b"", b"garbage", b'{"events": []}', b"[1, 2, 3]", b'[{"type": 3, "timestamp": 1, "data": {"source": 1}}]'],
)
def test_anything_odd_has_no_preview(raw: bytes) -> None:
    assert read_preview(raw) is None


def _nested_head(depth: int, opener: bytes = b'{"a":', closer: bytes = b"}") -> bytes:
    meta = b'{"type":4,"data":{"href":"https://x.test/","width":800,"height":600},"timestamp":1700000000000}'
    node = b'{"type":0,"id":1,"childNodes":[],"deep":' + opener * depth + b"1" + closer * depth + b"}"
    snapshot = b'{"type":2,"data":{"node":' + node + b',"initialOffset":{"top":0,"left":0}},"timestamp":1700000000001}'
    return b"[" + meta + b"," + snapshot + b"]"


@pytest.mark.parametrize("depth", [250, 100_000])
def test_a_head_nested_too_deep_has_no_preview_and_the_reader_says_why(depth: int, tmp_path: Path) -> None:
    """Deeper than the reader stores, or than json can decode at all (a RecursionError before): the
    preview steps aside, and the full read gives its one-line error."""
    raw = _nested_head(depth, b"[", b"]") if depth > 1000 else _nested_head(depth)
    assert read_preview(raw) is None
    path = tmp_path / "deep.json"
    path.write_bytes(raw)
    with pytest.raises(RecordingError, match="nest|deep|depth"):
        read_recording(path)
