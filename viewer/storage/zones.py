"""The system's time zone with its daylight-saving rules, for local days and hours (not today's fixed offset)."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, tzinfo
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
