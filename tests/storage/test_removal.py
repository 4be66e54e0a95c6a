"""Deleting a user and purging old replays remove every row that belongs to them."""

from __future__ import annotations

from pathlib import Path

from tests.paths import MIXPANEL_CAPTURES, RRWEB_FIXTURES
from tests.storage.helpers import DAY_MS, synthetic_events
from viewer.storage import AnalyticsEvent, CacheUpdate, ProfileChange, ReplayBatch, ReplayCache, ReplayQuery
from viewer.storage.importer import import_path
from viewer.storage.keyframes import StoredKeyframe

NOW_MS = 1_800_000_000_000


def test_deleting_a_user_removes_every_row_of_theirs(tmp_path: Path) -> None:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3")
    empty = cache.row_counts()
    for folder in MIXPANEL_CAPTURES:
        import_path(cache, folder)
    user_id = cache.all_replays()[0].user_id
    # The player's keyframes of one of their replays, as the app keeps them when it is opened.
    theirs = next(r for r in cache.all_replays() if r.user_id == user_id)
    cache.keep_keyframe(theirs.id, "test", StoredKeyframe(theirs.start_ms + 1, 2, "[]", "[]", 3))
    assert user_id is not None and all(
        count > 0 for name, count in cache.row_counts().items() if name not in ("sync_state", "replay_faults")
    )
    removed = cache.delete_user(user_id)
    assert removed.replays == len(cache.all_replays()) + removed.replays > 0
    counts = cache.row_counts()
    # Only the source row (where the imports came from) is left: nothing of the user's remains.
    assert {name: n for name, n in counts.items() if name != "sources"} == {
        name: 0 for name in counts if name != "sources"
    }
    assert empty["sources"] == 0 and counts["sources"] == 1
    assert cache.get_user(user_id) is None and cache.all_replays(ReplayQuery(search=user_id)) == []


def test_deleting_one_user_keeps_the_others(tmp_path: Path) -> None:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3")
    batches = [
        ReplayBatch(f"r-{who}", "seq:0", synthetic_events(NOW_MS), user_id=who) for who in ("ann", "bob")
    ]
    events = [AnalyticsEvent(f"e-{who}", "Purchase", NOW_MS, who, f"r-{who}") for who in ("ann", "bob")]
    profiles = [ProfileChange(who, set={"$name": who.title()}) for who in ("ann", "bob")]
    cache.apply(CacheUpdate(batches=batches, events=events, profiles=profiles))
    cache.delete_user("ann")
    assert [r.id for r in cache.all_replays()] == ["r-bob"]
    assert cache.get_user("bob") is not None and cache.row_counts()["analytics_events"] == 1
    assert cache.row_counts()["user_search"] == 1


def test_retention_purges_replays_older_than_the_period_with_their_chunks_and_events(tmp_path: Path) -> None:
    clock_ms = [NOW_MS]
    cache = ReplayCache.open(tmp_path / "cache.sqlite3", clock=lambda: clock_ms[0] / 1000)
    ages_days = [0, 5, 29, 31, 45, 400]
    batches = [ReplayBatch(f"age-{d}", "seq:0", synthetic_events(NOW_MS - d * DAY_MS)) for d in ages_days]
    events = [
        AnalyticsEvent(f"e-{d}", "Purchase", NOW_MS - d * DAY_MS + 1, None, f"age-{d}") for d in ages_days
    ]
    cache.apply(CacheUpdate(batches=batches, events=events))
    removed = cache.purge_expired()
    kept = sorted(r.id for r in cache.all_replays())
    assert kept == sorted(f"age-{d}" for d in ages_days if d < 30)
    assert removed.replays == removed.analytics_events == 3
    counts = cache.row_counts()
    assert counts["event_chunks"] == counts["replay_batches"] == counts["analytics_events"] == len(kept)
    clock_ms[0] += 2 * DAY_MS  # two days later the 29-day-old replay has expired too
    assert cache.purge_expired().replays == 1
    # A one-day setting: the newest replay is two days old by now, so nothing is left.
    assert cache.purge_expired(retention_days=1).replays == 2
    assert cache.all_replays() == [] and cache.row_counts()["event_chunks"] == 0


def test_a_user_with_a_plain_rrweb_file_is_unknown(tmp_path: Path) -> None:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3")
    import_path(cache, RRWEB_FIXTURES[0])
    assert cache.all_replays()[0].user_id is None and cache.row_counts()["users"] == 0
