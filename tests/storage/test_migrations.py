"""Each schema migration upgrades a cache made by the previous version, keeping its data."""

from __future__ import annotations

import json
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import insert

from replay_core import read_recording
from replay_core.timeline import activity_timeline, counts_of
from tests.paths import RRWEB_FIXTURES
from viewer.storage import ReplayCache, ReplayQuery
from viewer.storage.chunks import encode_replay
from viewer.storage.database import HEAD_REVISION, current_revision, make_engine, migrate
from viewer.storage.schema import analytics_events, event_chunks, replays, sources, sync_state, users


def test_the_code_knows_the_newest_migration() -> None:
    config = Config()
    config.set_main_option("script_location", "viewer.storage:migrations")
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def _cache_at_revision_0001(path: Path) -> str:
    """A cache as version 0001 of the app left it: one user, one replay, its chunks and an event."""
    recording = read_recording(RRWEB_FIXTURES[0])
    encoded = encode_replay(recording)
    engine = make_engine(path)
    with engine.connect() as conn:
        migrate(conn, "0001")
        with conn.begin():
            conn.execute(insert(sources).values(id=1, name="local", kind="import", created_ms=1))
            props = {"$name": "Old Timer", "$email": "old.timer@example.org"}
            conn.execute(
                insert(users).values(
                    id="old-1",
                    name="Old Timer",
                    email=props["$email"],
                    properties=json.dumps(props),
                    updated_ms=1,
                )
            )
            s = encoded.summary
            conn.execute(
                insert(replays).values(
                    id="legacy", source_id=1, user_id="old-1", start_ms=round(s.start_ts), end_ms=round(encoded.end_ts),
                    duration_ms=round(s.duration_ms), active_ms=round(s.active_ms), event_count=s.event_count,
                    click_count=s.click_count, input_count=s.input_count, error_count=s.error_count,
                    start_url=s.start_url, urls=json.dumps(s.urls), size_bytes=encoded.size_bytes,
                    stored_bytes=encoded.stored_bytes, chunk_count=len(encoded.chunks), updated_ms=1,
                )
            )  # fmt: skip
            conn.execute(
                insert(event_chunks),
                [
                    {"replay_id": "legacy", "idx": c.index, "first_ts": round(c.first_ts), "last_ts": round(c.last_ts),
                     "event_count": c.event_count, "raw_bytes": c.raw_bytes, "data": c.data}
                    for c in encoded.chunks
                ],
            )  # fmt: skip
            conn.execute(
                insert(analytics_events).values(
                    insert_id="x",
                    name="Purchase",
                    time_ms=round(s.start_ts),
                    user_id="old-1",
                    replay_id="legacy",
                    properties="{}",
                )
            )
        assert current_revision(conn) == "0001"
    engine.dispose()
    return "legacy"


def test_0002_adds_search_over_the_users_of_an_existing_cache(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    replay_id = _cache_at_revision_0001(path)
    with ReplayCache.open(path) as cache:
        assert cache.moved_aside is None
        with cache.reading() as conn:
            assert current_revision(conn) == HEAD_REVISION
        row = cache.get_replay(replay_id)
        assert row is not None and row.user_name == "Old Timer"
        assert cache.events(replay_id) == read_recording(RRWEB_FIXTURES[0]).events
        for word in ("timer", "old.timer@", "old-1"):
            assert [r.id for r in cache.all_replays(ReplayQuery(search=word))] == [replay_id]
        assert [r.id for r in cache.all_replays(ReplayQuery(event_name="Purchase"))] == [replay_id]
        # The triggers installed by 0002 keep the index in step with later profile changes.
        from viewer.storage import CacheUpdate, ProfileChange

        cache.apply(CacheUpdate(profiles=[ProfileChange("old-1", set={"$name": "Renamed Person"})]))
        with cache.reading() as conn:
            assert conn.exec_driver_sql("SELECT name FROM user_search").scalars().all() == ["Renamed Person"]
        assert [r.id for r in cache.all_replays(ReplayQuery(search="renamed"))] == [replay_id]


def _cache_at_revision_0002(path: Path) -> str:
    """A cache as version 0002 left it: the 0001 data, searchable, and a sync source part way through its feed."""
    replay_id = _cache_at_revision_0001(path)
    engine = make_engine(path)
    with engine.connect() as conn:
        migrate(conn, "0002")
        with conn.begin():
            conn.execute(insert(sources).values(id=2, name="prod", kind="sync", created_ms=2))
            conn.execute(insert(sync_state).values(source_id=2, cursor="41", synced_ms=5, last_error=None))
        assert current_revision(conn) == "0002"
    engine.dispose()
    return replay_id


def test_0003_adds_the_replays_a_sync_skipped_to_an_existing_cache(tmp_path: Path) -> None:
    from viewer.storage import CacheUpdate, ReplayFault, RetryBackoff

    path = tmp_path / "cache.sqlite3"
    replay_id = _cache_at_revision_0002(path)
    with ReplayCache.open(path, clock=lambda: 1_000.0) as cache:
        assert cache.moved_aside is None
        with cache.reading() as conn:
            assert current_revision(conn) == HEAD_REVISION
        assert cache.events(replay_id) == read_recording(RRWEB_FIXTURES[0]).events
        assert [r.id for r in cache.all_replays(ReplayQuery(search="old.timer@"))] == [replay_id]
        assert cache.sync_state("prod") == ("41", 5, None)
        assert cache.replay_faults() == []
        failed = CacheUpdate(
            source="prod", source_kind="sync", failed_replays=[("r9", "boom")], retry=RetryBackoff()
        )
        cache.apply(failed)
        assert cache.replay_faults() == [
            ReplayFault("prod", "r9", "boom", 1, 1_000_000, 1_000_000, 1_060_000)
        ]
        cache.apply(CacheUpdate(source="prod", source_kind="sync", resolved_replays=["r9"]))
        assert cache.replay_faults() == []
        assert cache.sync_state("prod")[0] == "41"
        cache.apply(failed)
    _downgrade(path, "0002")  # and back: the table goes, the rest stays
    engine = make_engine(path)
    with engine.connect() as conn:
        assert current_revision(conn) == "0002"
        assert (
            conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name = 'replay_faults'").first()
            is None
        )
        assert conn.exec_driver_sql("SELECT cursor FROM sync_state WHERE source_id = 2").scalar() == "41"
    engine.dispose()


def test_0004_adds_frustration_counts_unknown_until_backfilled(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    replay_id = _cache_at_revision_0002(path)
    engine = make_engine(path)
    with engine.connect() as conn:
        migrate(conn, "0003")
    engine.dispose()
    with ReplayCache.open(path) as cache:
        with cache.reading() as conn:
            assert current_revision(conn) == HEAD_REVISION
            row = conn.exec_driver_sql(
                "SELECT rage_count, dead_count, failed_request_count, frustration, activity_version, error_count"
                " FROM replays WHERE id = ?",
                (replay_id,),
            ).one()
        # Zero until the backfill reads the events; NULL version says they have not been read yet.
        assert tuple(row[:5]) == (0, 0, 0, 0, None)
        assert cache.activity_backlog() == 1
        assert cache.backfill_activity() == 1 and cache.backfill_activity() == 0
        expected = counts_of(activity_timeline(read_recording(RRWEB_FIXTURES[0]).events))
        filled = cache.get_replay(replay_id)
        assert filled is not None
        assert (filled.rage_count, filled.dead_count, filled.failed_request_count) == (
            expected.rage, expected.dead, expected.failed_requests,
        )  # fmt: skip
        assert filled.frustration == expected.rage + expected.dead + filled.error_count + expected.failed_requests
        assert cache.events(replay_id) == read_recording(RRWEB_FIXTURES[0]).events
        assert [r.id for r in cache.all_replays(ReplayQuery(search="old.timer@"))] == [replay_id]
    _downgrade(path, "0003")  # and back: the columns go, the replay stays
    engine = make_engine(path)
    with engine.connect() as conn:
        assert current_revision(conn) == "0003"
        columns = {r[1] for r in conn.exec_driver_sql("PRAGMA table_info(replays)")}
        assert "rage_count" not in columns and "error_count" in columns
        assert conn.exec_driver_sql("SELECT id FROM replays").scalars().all() == [replay_id]
    engine.dispose()


def _downgrade(path: Path, revision: str) -> None:
    from alembic import command

    engine = make_engine(path)
    with engine.connect() as conn:
        config = Config()
        config.set_main_option("script_location", "viewer.storage:migrations")
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        conn.commit()
    engine.dispose()


def test_opening_twice_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    ReplayCache.open(path).close()
    with ReplayCache.open(path) as cache, cache.reading() as conn:
        assert current_revision(conn) == HEAD_REVISION
