"""Finding the replays behind a chart point or a funnel step."""

from __future__ import annotations

from pathlib import Path

from tests.paths import MIXPANEL_CAPTURES
from viewer.storage import ReplayCache
from viewer.storage.importer import import_paths


def test_event_moments_are_the_events_of_that_bucket_inside_cached_replays(tmp_path: Path) -> None:
    cache = ReplayCache.open(tmp_path / "c.sqlite3")
    list(import_paths(cache, list(MIXPANEL_CAPTURES)))
    names = dict(cache.event_names())
    assert names["Add To Cart"] >= 3
    bucket = cache.event_counts(["Add To Cart"], bucket="hour")[0]
    moments = cache.event_moments("Add To Cart", bucket.bucket_ms, bucket.bucket_ms + 3_600_000)
    replay_ids = {r.id for r in cache.all_replays()}
    assert moments, "the captures track Add To Cart while recording"
    for moment in moments:
        assert moment.replay_id in replay_ids
        assert bucket.bucket_ms <= moment.time_ms < bucket.bucket_ms + 3_600_000
    assert len(moments) <= bucket.count
    cache.close()


def test_funnel_users_split_into_reached_and_dropped(tmp_path: Path) -> None:
    cache = ReplayCache.open(tmp_path / "c.sqlite3")
    list(import_paths(cache, list(MIXPANEL_CAPTURES)))
    steps = ["Sign Up", "Add To Cart", "Purchase"]
    funnel = cache.funnel(steps, window_ms=86_400_000)
    assert funnel[0].users >= 1
    for index, step in enumerate(funnel):
        reached = cache.funnel_users(steps, 86_400_000, index, reached=True)
        assert len(reached) == step.users
        if index > 0:
            dropped = cache.funnel_users(steps, 86_400_000, index, reached=False)
            assert len(dropped) == funnel[index - 1].users - step.users
    cache.close()
