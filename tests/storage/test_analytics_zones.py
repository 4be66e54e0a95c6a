"""Chart buckets are local hours and days with their DST changes: 23- and 25-hour days, no hour lost or merged."""

from __future__ import annotations

import subprocess
import sys
import time
from bisect import bisect_right
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.paths import REPO
from viewer.storage import AnalyticsEvent, CacheUpdate, ReplayCache, bucket_starts, next_bucket_start

HOUR = 3_600_000
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def utc_ms(text: str) -> int:
    return round(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def cache_with(tmp_path: Path, times_ms: list[int], name: str = "Purchase") -> ReplayCache:
    cache = ReplayCache.open(tmp_path / "cache.sqlite3")
    events = [AnalyticsEvent(f"e{n}", name, at, "user-1", None) for n, at in enumerate(times_ms)]
    cache.apply(CacheUpdate(events=events))
    return cache


def counted(cache: ReplayCache, bucket: str, zone: ZoneInfo) -> dict[int, int]:
    return {c.bucket_ms: c.count for c in cache.event_counts(bucket=bucket, tz=zone)}


@pytest.mark.parametrize(
    ("zone", "day", "starts", "ends", "hours"),
    [
        (BERLIN, "2026-03-29", "2026-03-28T23:00", "2026-03-29T22:00", 23),  # 02:00 CET became 03:00 CEST
        (BERLIN, "2026-10-25", "2026-10-24T22:00", "2026-10-25T23:00", 25),  # 03:00 CEST became 02:00 CET
        (NEW_YORK, "2026-03-08", "2026-03-08T05:00", "2026-03-09T04:00", 23),
        (NEW_YORK, "2026-11-01", "2026-11-01T04:00", "2026-11-02T05:00", 25),
    ],
)
def test_the_day_of_a_dst_change_runs_from_local_midnight_to_local_midnight(
    tmp_path: Path, zone: ZoneInfo, day: str, starts: str, ends: str, hours: int
) -> None:
    start, end = utc_ms(starts), utc_ms(ends)
    # The first and last minute of that local day, and the minutes either side of it.
    cache = cache_with(tmp_path, [start - 60_000, start, start + 60_000, end - 60_000, end])
    assert counted(cache, "day", zone) == {start - 24 * HOUR: 1, start: 3, end: 1}
    assert next_bucket_start(start, "day", zone) == end and end - start == hours * HOUR
    assert datetime.fromtimestamp(start / 1000, zone).isoformat()[:19] == f"{day}T00:00:00"


def test_hours_either_side_of_the_changes_in_berlin(tmp_path: Path) -> None:
    spring = [utc_ms("2026-03-29T00:30"), utc_ms("2026-03-29T01:30")]  # 01:30 CET, then 03:30 CEST
    autumn = [utc_ms("2026-10-25T00:30"), utc_ms("2026-10-25T01:30")]  # 02:30 CEST, then 02:30 CET
    cache = cache_with(tmp_path, spring + autumn)
    hours = counted(cache, "hour", BERLIN)
    assert hours == {at - 30 * 60_000: 1 for at in spring + autumn}
    local = [datetime.fromtimestamp(at / 1000, BERLIN).strftime("%H:%M %Z") for at in hours]
    assert local == [
        "01:00 CET",
        "03:00 CEST",
        "02:00 CEST",
        "02:00 CET",
    ]  # no 02:00 in spring; two in autumn
    assert next_bucket_start(utc_ms("2026-10-25T00:00"), "hour", BERLIN) == utc_ms("2026-10-25T01:00")


def observed_starts(first_ms: int, last_ms: int, bucket: str, zone: ZoneInfo) -> list[int]:
    """Bucket starts found by watching the wall clock minute by minute: where the local hour or date turns."""
    starts, previous = [], None
    for at in range(first_ms, last_ms + 1, 60_000):
        wall = datetime.fromtimestamp(at / 1000, zone)
        key = (wall.date(), wall.hour, wall.fold) if bucket == "hour" else wall.date()
        if key != previous:
            starts.append(at)
        previous = key
    return starts


@pytest.mark.parametrize("bucket", ["hour", "day"])
@pytest.mark.parametrize(
    ("zone_name", "change"),
    [
        ("Europe/Berlin", "2026-03-29"),
        ("Europe/Berlin", "2026-10-25"),
        ("America/New_York", "2026-11-01"),
        ("Asia/Kolkata", "2026-06-01"),  # +05:30
        ("Asia/Kathmandu", "2026-06-01"),  # +05:45
        ("Australia/Lord_Howe", "2026-10-04"),  # DST of half an hour: +10:30 becomes +11:00
        ("Australia/Adelaide", "2026-04-05"),  # +10:30 becomes +09:30
    ],
)
def test_counts_agree_with_the_wall_clock_around_a_change(
    tmp_path: Path, zone_name: str, change: str, bucket: str
) -> None:
    zone = ZoneInfo(zone_name)
    middle = utc_ms(f"{change}T00:00")
    first, last = middle - 3 * 24 * HOUR, middle + 3 * 24 * HOUR
    times = list(range(first + 1_000, last, 7 * 60_000 + 13_000))  # every 7 min 13 s: any minute of an hour
    cache = cache_with(tmp_path, times)
    starts = observed_starts(first - 26 * HOUR, last + 26 * HOUR, bucket, zone)
    expected = Counter(starts[bisect_right(starts, at) - 1] for at in times)
    assert counted(cache, bucket, zone) == dict(expected)
    first_start = bisect_right(starts, times[0]) - 1
    assert bucket_starts(times[0], times[-1], bucket, zone) == [
        s for s in starts[first_start:] if s <= times[-1]
    ]


def test_the_cache_zone_is_the_default_and_100k_events_count_fast(tmp_path: Path) -> None:
    start = utc_ms("2026-03-01T00:00")
    times = [start + n * 26_000 for n in range(100_000)]  # a month, every 26 seconds
    cache = cache_with(tmp_path, times)
    cache.tz = BERLIN
    began = time.perf_counter()
    hours = cache.event_counts(bucket="hour")
    days = cache.event_counts(bucket="day")
    assert time.perf_counter() - began < 2.0  # measured at about 0.1 s here
    assert sum(c.count for c in hours) == sum(c.count for c in days) == 100_000
    assert days == cache.event_counts(bucket="day", tz=BERLIN)
    assert utc_ms("2026-03-28T23:00") in {c.bucket_ms for c in days}  # the 23-hour day
    assert len(hours) == len(set(bucket_starts(times[0], times[-1], "hour", BERLIN)))


def test_the_local_zone_is_the_systems_with_its_rules() -> None:
    script = """
from datetime import datetime
from zoneinfo import ZoneInfo
from viewer.storage import local_zone
from viewer.storage.zones import SystemLocalTime
berlin = ZoneInfo("Europe/Berlin")
assert local_zone() == berlin, local_zone()
c_library = SystemLocalTime()  # what systems without tz database files get
for at in range(1_774_738_800, 1_774_738_800 + 3 * 86_400, 900):  # 2026-03-29, either side of the change
    assert datetime.fromtimestamp(at, c_library).utcoffset() == datetime.fromtimestamp(at, berlin).utcoffset()
    wall = datetime.fromtimestamp(at, berlin).replace(tzinfo=None)
    if wall.hour != 2:  # 02:xx does not exist that day: no offset to compare
        assert wall.replace(tzinfo=c_library).timestamp() == at
"""
    for tz in ("Europe/Berlin", ":Europe/Berlin"):
        run = subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO,
            env={"TZ": tz},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
