"""The player's keyframes kept in the cache: by replay and player format, replaced from where a new one is
made, dropped with the replay's events (eviction, deletion) and by migration 0007 on a cache holding data."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, update

from tests.storage.helpers import DAY_MS, synthetic_events
from tests.storage.test_migrations import _cache_at_revision_0001
from viewer.storage import ReplayBatch, ReplayCache
from viewer.storage.budget import drop_events
from viewer.storage.database import HEAD_REVISION, current_revision, make_engine, migrate
from viewer.storage.keyframes import StoredKeyframe
from viewer.storage.schema import keyframes

NOW_MS = 1_800_000_000_000
FORMAT = "rrweb 2.2.2 / builder abc"


def _keyframe(at_ms: float, before: int) -> StoredKeyframe:
    events = (
        f'[{{"type":4,"timestamp":{at_ms},"data":{{"href":"https://shop.test/","width":800,"height":600}}}}]'
    )
    return StoredKeyframe(at_ms, before, events, "[1,2,3]")


def _cache(tmp_path: Path) -> ReplayCache:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3", clock=lambda: NOW_MS / 1000)
    cache.add_batch(ReplayBatch("r-ann", "seq:0", synthetic_events(NOW_MS - DAY_MS, moves=10), user_id="ann"))
    return cache


def _count(cache: ReplayCache) -> int:
    with cache.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(keyframes)).scalar() or 0)


def test_keyframes_come_back_in_order_for_their_format_only(tmp_path: Path) -> None:
    with _cache(tmp_path) as cache:
        start = NOW_MS - DAY_MS
        for at, before in ((start + 6000, 8), (start + 3000, 5)):
            cache.keep_keyframe("r-ann", FORMAT, _keyframe(at, before))
        assert _count(cache) == 1, "a keyframe made earlier in the replay replaces the ones after it"
        cache.keep_keyframe("r-ann", FORMAT, _keyframe(start + 6000, 8))
        assert cache.stored_keyframes("r-ann", FORMAT) == [
            _keyframe(start + 3000, 5),
            _keyframe(start + 6000, 8),
        ]
        assert cache.stored_keyframes("r-ann", "rrweb 2.3.0 / builder def") == []
        assert cache.stored_keyframes("r-nobody", FORMAT) == []

        cache.keep_keyframe("r-ann", "rrweb 2.3.0 / builder def", _keyframe(start + 3000, 5))
        assert cache.stored_keyframes("r-ann", FORMAT) == [], "another player's keyframes make way"
        assert _count(cache) == 1


def test_a_damaged_keyframe_row_ends_the_list_there(tmp_path: Path) -> None:
    with _cache(tmp_path) as cache:
        start = NOW_MS - DAY_MS
        for at, before in ((start + 2000, 4), (start + 4000, 6), (start + 6000, 8)):
            cache.keep_keyframe("r-ann", FORMAT, _keyframe(at, before))
        with cache.writing() as conn:
            conn.execute(update(keyframes).where(keyframes.c.at_ms == start + 4000).values(data=b"not zstd"))
        assert [k.at_ms for k in cache.stored_keyframes("r-ann", FORMAT)] == [start + 2000]


def test_keyframes_go_with_the_replays_events(tmp_path: Path) -> None:
    with _cache(tmp_path) as cache:
        cache.keep_keyframe("r-ann", FORMAT, _keyframe(NOW_MS - DAY_MS + 2000, 4))
        with cache.writing() as conn:  # past the disk budget a synced replay is kept as metadata only ...
            drop_events(conn, ["r-ann"], NOW_MS)
        assert _count(cache) == 0
        cache.keep_keyframe("r-ann", FORMAT, _keyframe(NOW_MS - DAY_MS + 2000, 4))
        assert _count(cache) == 0, "... and a keyframe made meanwhile is not kept without its events"

    (tmp_path / "second").mkdir()
    with _cache(tmp_path / "second") as cache:
        cache.keep_keyframe("r-ann", FORMAT, _keyframe(NOW_MS - DAY_MS + 2000, 4))
        cache.delete_user("ann")
        assert _count(cache) == 0


def test_0007_adds_keyframes_to_a_cache_at_0006_with_its_replays(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    replay_id = _cache_at_revision_0001(path)
    engine = make_engine(path)
    with engine.connect() as conn:
        migrate(conn, "0006_collab")
    engine.dispose()
    with ReplayCache.open(path) as cache:
        with cache.reading() as conn:
            assert current_revision(conn) == HEAD_REVISION
        assert [r.id for r in cache.all_replays()] == [replay_id]
        start = cache.get_replay(replay_id).start_ms  # type: ignore[union-attr]
        cache.keep_keyframe(replay_id, FORMAT, _keyframe(start + 1, 2))
        assert len(cache.stored_keyframes(replay_id, FORMAT)) == 1
