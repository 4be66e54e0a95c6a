"""Damaged rows inside a healthy cache file: a chunk that does not decode, chunk rows missing, JSON columns
that are not JSON. The replay concerned is named in one line; every other replay keeps working."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.storage.helpers import run_cli, synthetic_events
from viewer.storage import CacheUpdate, ProfileChange, ReplayBatch, ReplayCache
from viewer.storage.chunks import CHUNK_MAX_EVENTS, DamagedReplay

START_MS = 1_700_000_000_000


def make_cache(data_dir: Path) -> Path:
    path = data_dir / "cache.sqlite3"
    with ReplayCache.open(path) as cache:
        cache.apply(CacheUpdate(source="local", profiles=[ProfileChange("u1", set={"$name": "Ana"})]))
        cache.add_batch(ReplayBatch("good", "file", synthetic_events(START_MS), "u1"))
        # More events than one chunk holds: the damaged replay has several chunks.
        many = synthetic_events(START_MS + 60_000, moves=CHUNK_MAX_EVENTS + 10, gap_ms=10)
        cache.add_batch(ReplayBatch("damaged", "file", many, "u1"))
    return path


def damage(path: Path, sql: str, *params: object) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(sql, params)
    connection.close()


def chunk_count(path: Path, replay_id: str) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("SELECT chunk_count FROM replays WHERE id = ?", (replay_id,)).fetchone()[0])
    finally:
        connection.close()


def listed_ids(data_dir: Path) -> list[str]:
    done = run_cli("list", "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return sorted(row["id"] for row in json.loads(done.stdout))


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("UPDATE event_chunks SET data = x'28b52ffd00000000deadbeef' WHERE replay_id = 'damaged' AND idx = 1",
         "does not decompress"),
        ("UPDATE event_chunks SET data = x'00' WHERE replay_id = 'damaged' AND idx = 0", "does not decompress"),
        ("DELETE FROM event_chunks WHERE replay_id = 'damaged' AND idx = 0", "chunk 0 is missing"),
        ("DELETE FROM event_chunks WHERE replay_id = 'damaged' AND idx > 0", "chunks are missing"),
    ],
)
def test_damaged_events_name_the_replay_and_spare_the_others(data_dir: Path, sql: str, words: str) -> None:
    path = make_cache(data_dir)
    assert chunk_count(path, "damaged") >= 2
    damage(path, sql)
    with ReplayCache.open(path) as cache:
        with pytest.raises(DamagedReplay, match=f"replay damaged is damaged in the cache: .*{words}"):
            cache.events("damaged")
        assert len(cache.events("good")) == len(synthetic_events(START_MS))
    assert listed_ids(data_dir) == ["damaged", "good"]


def test_frame_of_a_damaged_replay_is_one_line(data_dir: Path) -> None:
    path = make_cache(data_dir)
    damage(path, "UPDATE event_chunks SET data = x'0102' WHERE replay_id = 'damaged'")
    done = run_cli("frame", "damaged", "--at", "0", "--text", data_dir=data_dir)
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("replay-viewer: error: replay damaged is damaged in the cache"), line


@pytest.mark.parametrize("stored", ["{not json", "[1, 2", "5", '"text"', "null"])
def test_urls_that_are_not_a_json_list_leave_the_replay_listed(data_dir: Path, stored: str) -> None:
    path = make_cache(data_dir)
    damage(path, "UPDATE replays SET urls = ? WHERE id = 'damaged'", stored)
    assert listed_ids(data_dir) == ["damaged", "good"]
    with ReplayCache.open(path) as cache:
        row = cache.get_replay("damaged")
        assert row is not None and row.urls == ["https://shop.test/"]  # the start URL alone


@pytest.mark.parametrize("stored", ["{not json", "[]", "7", "[" * 100_000])
def test_properties_that_are_not_a_json_object_give_an_empty_profile(data_dir: Path, stored: str) -> None:
    path = make_cache(data_dir)
    damage(path, "UPDATE users SET properties = ? WHERE id = 'u1'", stored)
    with ReplayCache.open(path) as cache:
        profile = cache.get_user("u1")
        assert profile is not None and profile.properties == {} and profile.replay_count == 2
    assert listed_ids(data_dir) == ["damaged", "good"]
    deleted = run_cli("delete-user", "u1", data_dir=data_dir)
    assert deleted.returncode == 0, deleted.stderr
    assert listed_ids(data_dir) == []
