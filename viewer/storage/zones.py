"""The system's time zone with its daylight-saving rules, for local days and hours (not today's fixed offset).

The one definition of a local calendar day: the feed's "yesterday" label and the search `yesterday`
(and `2026-11-27`) both count days here, so a replay labelled yesterday is found by searching it.
"""

from __future__ import annotations

import os
import time
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_LOCALTIME = Path("/etc/localtime")
_EPOCH = datetime(1970, 1, 1)


def local_zone() -> tzinfo:
    """The zone TZ names, else the one /etc/localtime is; else the C library's local time (Windows)."""
    name = os.environ.get("TZ", "").removeprefix(":")
    if name:
        # A POSIX rule such as "CET-1CEST,M3.5.0,M10.5.0/3" is no zone name: the C library reads those.
        return _zone(name) or SystemLocalTime()
    return _zone(_linked_name()) or _zone_file() or SystemLocalTime()


def local_day(at_ms: float, zone: tzinfo | None = None) -> date:
    """The calendar day the moment `at_ms` (epoch ms) falls on in `zone` (the system's zone by default)."""
    return datetime.fromtimestamp(at_ms / 1000, zone or local_zone()).date()


def local_today(zone: tzinfo | None = None) -> date:
    return local_day(time.time() * 1000, zone)


def days_before(at_ms: float, now_ms: float, zone: tzinfo | None = None) -> int:
    """How many calendar days before the day of `now_ms` the moment `at_ms` fell: 0 today, 1 yesterday."""
    zone = zone or local_zone()
    return (local_day(now_ms, zone) - local_day(at_ms, zone)).days


def day_start_ms(day: date, zone: tzinfo | None = None) -> int:
    """The start of `day` in `zone` (the system's zone by default) as epoch ms: its first midnight."""
    return round(datetime.combine(day, clock_time(), tzinfo=zone or local_zone()).timestamp() * 1000)


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _linked_name() -> str | None:
    """'Europe/Berlin' when /etc/localtime links to .../zoneinfo/Europe/Berlin (Linux, macOS)."""
    try:
        target = str(_LOCALTIME.resolve(strict=True))
    except OSError:
        return None
    _, found, name = target.partition("/zoneinfo/")
    return name if found else None


def _zone_file() -> ZoneInfo | None:
    try:
        with _LOCALTIME.open("rb") as handle:
            return ZoneInfo.from_file(handle, key="localtime")
    except (OSError, ValueError):
        return None


class SystemLocalTime(tzinfo):
    """Local time as the C library computes it, DST included; for systems without tz database files."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(seconds=self._at_wall_time(dt).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str:
        return self._at_wall_time(dt).tm_zone

    def fromutc(self, dt: datetime) -> datetime:
        seconds = (dt.replace(tzinfo=None) - _EPOCH).total_seconds()
        return (dt + timedelta(seconds=time.localtime(seconds).tm_gmtoff)).replace(tzinfo=self)

    @staticmethod
    def _at_wall_time(dt: datetime | None) -> time.struct_time:
        if dt is None:
            return time.localtime()
        wall = dt.replace(tzinfo=None).timetuple()
        return time.localtime(time.mktime((*wall[:6], 0, 0, -1)))  # -1: the C library decides DST
