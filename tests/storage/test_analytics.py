"""Analytics events from real captures: deduplication, counts over time and funnels."""

from __future__ import annotations

from collections import Counter
from datetime import UTC
from pathlib import Path

from tests.paths import MIXPANEL_CAPTURES
from tests.storage.helpers import captured_payloads
from viewer.storage import AnalyticsEvent, CacheUpdate, ReplayCache, ReplayQuery
from viewer.storage.importer import import_path

HOUR = 3_600_000


def test_captured_events_are_imported_once_each_and_linked_to_their_replays(tmp_path: Path) -> None:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3")
    for folder in MIXPANEL_CAPTURES:
        import_path(cache, folder)
        import_path(cache, folder)
    tracked = [item for folder in MIXPANEL_CAPTURES for item in captured_payloads(folder, "/track/")]
    unique = {item["properties"]["$insert_id"]: item for item in tracked}
    assert cache.row_counts()["analytics_events"] == len(unique)
    per_hour = Counter(
        (i["event"], int(i["properties"]["time"] * 1000) // HOUR * HOUR) for i in unique.values()
    )
    counted = {(c.name, c.bucket_ms): c.count for c in cache.event_counts(bucket="hour", tz=UTC)}
    assert counted == dict(per_hour)
    with_purchase = {i["properties"]["$mp_replay_id"] for i in unique.values() if i["event"] == "Purchase"}
    found = {row.id for row in cache.all_replays(ReplayQuery(event_name="Purchase"))}
    assert found == with_purchase and found


def test_funnel_counts_users_who_did_the_steps_in_order_within_the_window(tmp_path: Path) -> None:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3")
    journeys = {
        "all-three": [("Sign Up", 0), ("Add To Cart", 1), ("Purchase", 2)],
        "too-slow": [("Sign Up", 0), ("Add To Cart", 1), ("Purchase", 30)],
        "wrong-order": [("Purchase", 0), ("Add To Cart", 1), ("Sign Up", 2)],
        "retried": [("Sign Up", 0), ("Sign Up", 40), ("Add To Cart", 41), ("Purchase", 42)],
        "two-steps": [("Sign Up", 5), ("Add To Cart", 6)],
    }
    events = [
        AnalyticsEvent(f"{user}-{n}", name, 1_790_000_000_000 + hours * HOUR, user, None)
        for user, steps in journeys.items()
        for n, (name, hours) in enumerate(steps)
    ]
    cache.apply(CacheUpdate(events=events))
    steps = cache.funnel(["Sign Up", "Add To Cart", "Purchase"], window_ms=24 * HOUR)
    # Everyone signed up; "wrong-order" never added to cart after it; "too-slow" bought too late.
    assert [s.users for s in steps] == [5, 4, 2]
    assert [round(s.conversion, 2) for s in steps] == [1.0, 0.8, 0.4]
