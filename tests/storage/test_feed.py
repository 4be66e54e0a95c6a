"""The replay feed: search by name, email, user id and date; sorting; paging that never shifts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.storage.helpers import synthetic_events
from viewer.storage import (
    AnalyticsEvent,
    CacheUpdate,
    ProfileChange,
    ReplayBatch,
    ReplayCache,
    ReplayQuery,
    ReplayRow,
    ReplaySort,
    feed,
)

PEOPLE = {
    "user-123": ("Jane Customer", "jane.customer@example.com"),
    "u-77": ("Bob Builder", "bob@builders.org"),
    "anna.k": ("Anna Karenina", "anna@example.com"),
    "zed": (None, None),
}
FIRST_DAY = date(2026, 11, 20)


def _start_ms(day: int, hour: int) -> int:
    return round(
        datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time()).replace(hour=hour).timestamp()
        * 1000
    )


@pytest.fixture
def cache(tmp_path: Path) -> ReplayCache:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3")
    profiles = [
        ProfileChange(uid, set={"$name": name, "$email": email, "plan": "pro"})
        for uid, (name, email) in PEOPLE.items()
        if name
    ]
    batches = []
    for n in range(24):
        user = list(PEOPLE)[n % len(PEOPLE)]
        events = synthetic_events(
            _start_ms(n % 9, 1 + (n * 5) % 22), moves=2 + n % 5, gap_ms=1000 + (n % 3) * 4000
        )
        batches.append(ReplayBatch(f"replay-{n:02d}", "seq:0", events, user_id=user))
    batches.append(ReplayBatch("anonymous", "seq:0", synthetic_events(_start_ms(3, 12))))
    cache.apply(CacheUpdate(batches=batches, profiles=profiles))
    return cache


def _ids(rows: list[ReplayRow]) -> list[str]:
    return [row.id for row in rows]


def _matching(cache: ReplayCache, keep: object) -> list[str]:
    """The expected result: every replay `keep` accepts, newest first."""
    everything = cache.all_replays()
    return [row.id for row in sorted(everything, key=lambda r: (r.start_ms, r.id), reverse=True) if keep(row)]  # type: ignore[operator]


def _who(row: ReplayRow) -> str:
    return " ".join(filter(None, [row.user_id, row.user_name, row.user_email])).casefold()


@pytest.mark.parametrize(
    "word", ["jane", "JANE cust", "example.com", "user-1", "er-12", "u-", "bob@", "anna.k", "zed"]
)
@pytest.mark.parametrize("few_users", [200, 0], ids=["by-user-index", "by-feed-order"])
def test_search_by_name_email_and_user_id_finds_exactly_those_replays(
    cache: ReplayCache, word: str, few_users: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both query shapes (few matching users, many matching users) must find the same replays.
    monkeypatch.setattr(feed, "_FEW_USERS", few_users)
    expected = _matching(cache, lambda row: all(w.casefold() in _who(row) for w in word.split()))
    assert expected
    assert _ids(cache.all_replays(ReplayQuery(search=word))) == expected


def test_search_for_nobody_finds_nothing(cache: ReplayCache) -> None:
    assert cache.all_replays(ReplayQuery(search="nobody-at-all")) == []


def test_search_by_day_and_by_range_of_days(cache: ReplayCache) -> None:
    def day_of(row: ReplayRow) -> date:
        return datetime.fromtimestamp(row.start_ms / 1000).date()

    one = FIRST_DAY + timedelta(days=3)
    assert _ids(cache.all_replays(ReplayQuery(search=one.isoformat()))) == _matching(
        cache, lambda r: day_of(r) == one
    )
    last = FIRST_DAY + timedelta(days=6)
    in_range = _matching(cache, lambda r: one <= day_of(r) <= last)
    assert _ids(cache.all_replays(ReplayQuery(search=f"{one}..{last}"))) == in_range
    both = _matching(cache, lambda r: one <= day_of(r) <= last and "jane" in _who(r))
    assert both and _ids(cache.all_replays(ReplayQuery(search=f"jane {one}..{last}"))) == both


@pytest.mark.parametrize("sort", list(ReplaySort))
def test_sorting_by_recency_duration_and_activity(cache: ReplayCache, sort: ReplaySort) -> None:
    rows = cache.all_replays(ReplayQuery(sort=sort, limit=7))
    key = {"recent": "start_ms", "duration": "duration_ms", "activity": "active_ms", "frustration": "frustration"}[
        sort.value
    ]
    assert _ids(rows) == [r.id for r in sorted(rows, key=lambda r: (getattr(r, key), r.id), reverse=True)]
    assert len(rows) == 25


def test_paging_is_stable_while_new_replays_arrive(cache: ReplayCache) -> None:
    everything = _ids(cache.all_replays(ReplayQuery(sort=ReplaySort.DURATION)))
    query = ReplayQuery(sort=ReplaySort.DURATION, limit=4)
    page = cache.list_replays(query)
    seen = _ids(page.rows)
    arrivals = 0
    while page.next_cursor:
        # A long new replay would sort first; it must not push rows of the next page back into it.
        cache.add_batch(ReplayBatch(f"new-{arrivals}", "seq:0", synthetic_events(_start_ms(8, 23), moves=90)))
        arrivals += 1
        page = cache.list_replays(query, page.next_cursor)
        seen.extend(_ids(page.rows))
    assert seen == everything


def test_a_user_with_their_profile_and_replays(cache: ReplayCache) -> None:
    user = cache.get_user("user-123")
    assert user is not None
    assert (user.name, user.email, user.properties["plan"]) == (
        "Jane Customer",
        "jane.customer@example.com",
        "pro",
    )
    replays = cache.user_replays("user-123", limit=100).rows
    assert user.replay_count == len(replays) > 0
    assert {row.user_id for row in replays} == {"user-123"}


def test_filter_by_analytics_event_and_date_range(cache: ReplayCache) -> None:
    rows = cache.all_replays()
    bought = rows[::3]
    events = [
        AnalyticsEvent(f"i{n}", "Purchase", row.start_ms + 500, row.user_id, row.id)
        for n, row in enumerate(bought)
    ]
    cache.apply(CacheUpdate(events=events))
    assert _ids(cache.all_replays(ReplayQuery(event_name="Purchase"))) == _ids(bought)
    since, until = rows[10].start_ms, rows[2].start_ms
    window = cache.all_replays(ReplayQuery(since_ms=since, until_ms=until))
    assert _ids(window) == [r.id for r in rows if since <= r.start_ms < until]
