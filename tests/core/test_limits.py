"""The core reader's own bounds: only regular files of bounded size are read, and a recording that may hold
more JSON objects and arrays than the per-file cap is refused before anything builds them."""

from __future__ import annotations

import gzip
import os
import resource
from pathlib import Path

import pytest

from replay_core.limits import MAX_CONTAINERS_PER_FILE, MAX_FILE_BYTES, count_containers
from replay_core.reader import (
    RecordingError,
    RecordingTooLarge,
    decompress_if_gzip,
    inflate_gzip,
    parse_events,
    read_file,
    read_recording,
)
from tests.paths import RRWEB_FIXTURES
from tests.storage.helpers import run_cli

CAP_LINE = f"more than {MAX_CONTAINERS_PER_FILE:,} JSON objects and arrays"


def _bomb(tmp_path: Path) -> Path:
    """~96 KB of gzip inflating to ~100 MB of `[{},{},…]`: 33 million objects once parsed."""
    path = tmp_path / "bomb.json.gz"
    count = 33_000_000
    path.write_bytes(gzip.compress(b"[" + b"{}," * (count - 1) + b"{}]", 9))
    assert path.stat().st_size < 128 << 10
    return path


def test_a_small_gzip_of_millions_of_objects_is_refused_by_the_cap(tmp_path: Path) -> None:
    path = _bomb(tmp_path)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(RecordingTooLarge) as refused:
        read_recording(path)
    assert CAP_LINE in str(refused.value) and "\n" not in str(refused.value)
    # Refused while inflating: never the 100 MB of text, let alone gigabytes of dicts (ru_maxrss is KiB).
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024 < 100


def test_the_same_cap_holds_for_plain_json_and_for_several_gzip_members() -> None:
    plain = b"[" + b"[]," * MAX_CONTAINERS_PER_FILE + b"[]]"
    with pytest.raises(RecordingTooLarge, match=CAP_LINE):
        parse_events(plain)
    half = b"{}" * (MAX_CONTAINERS_PER_FILE // 2 + 1)
    with pytest.raises(RecordingTooLarge, match="JSON objects and arrays"):
        inflate_gzip(gzip.compress(half) + gzip.compress(half), 1 << 30, MAX_CONTAINERS_PER_FILE)


def test_every_fixture_is_far_under_the_cap() -> None:
    for path in RRWEB_FIXTURES:
        raw = path.read_bytes()
        assert count_containers(raw) * 10 < MAX_CONTAINERS_PER_FILE
        assert read_recording(path).events
        assert decompress_if_gzip(gzip.compress(raw)) == raw


def test_the_import_command_refuses_the_bomb_with_one_line(tmp_path: Path) -> None:
    path = _bomb(tmp_path)
    result = run_cli("import", str(path), data_dir=tmp_path / "data", timeout=120)
    assert result.returncode != 0
    assert CAP_LINE in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(RecordingError, match="is a pipe"):
        read_file(fifo)


def test_a_device_and_a_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="is a device"):
        read_file(Path("/dev/zero"))
    with pytest.raises(RecordingError, match="is a folder"):
        read_file(tmp_path)
    with pytest.raises(RecordingError, match="no such file"):
        read_file(tmp_path / "missing.json")


def test_a_huge_sparse_file_is_refused_before_reading(tmp_path: Path) -> None:
    sparse = tmp_path / "sparse.json"
    with sparse.open("wb") as file:
        file.truncate(30 << 30)
    with pytest.raises(RecordingError) as refused:
        read_file(sparse)
    assert f"{MAX_FILE_BYTES:,}-byte limit" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_file_over_a_smaller_maximum_is_refused(tmp_path: Path) -> None:
    path = RRWEB_FIXTURES[0]
    assert read_file(path) == path.read_bytes()
    with pytest.raises(RecordingError, match="limit"):
        read_file(path, max_bytes=100)
