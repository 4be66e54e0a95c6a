"""The first page of a recording, read from the file's head, is exactly how the whole recording begins."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from replay_core import read_recording
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
