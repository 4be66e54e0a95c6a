"""The feed's search box: words match a user's name, email or id; dates pick the day a replay started.

`jane` finds Jane; `example.com` every user at that domain; `user-12` user-123 (any substring).
`2026-11-27` is that day in local time; `2026-11-20..2026-11-27` the days between, both included.
`today` and `yesterday` are those days. Words must all match; replays matching any of several dates
are shown. `has:error`, `has:rage`, `has:dead` and `has:failed-request` keep replays with at least one
console error, rage click, dead click or failed request (`HAS_FILTERS`); several must all hold.
`anonymous` (or `anonymous visitor`) finds the replays the feed calls "Anonymous visitor": no user, or
an unidentified device id with no name or email (`replay_core.analytics.is_anonymous_id`), as well as
users whose name, email or id holds the word.
Words also find replays with a comment holding them all; `comment:WORD` keeps replays with a comment
holding WORD (several must each be in some comment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo

from viewer.storage.zones import day_start_ms, local_today

_DATE = r"(\d{4}-\d{2}-\d{2})"
_DATE_TERM = re.compile(rf"^{_DATE}(?:\.\.{_DATE})?$")


HAS_FILTERS = ("error", "rage", "dead", "failed-request")
ANONYMOUS_LABEL = "Anonymous visitor"  # what the app calls a user it has no name, email or id for
_ANONYMOUS_WORDS = tuple(ANONYMOUS_LABEL.lower().split())
_HAS_PREFIX = "has:"
_COMMENT_PREFIX = "comment:"


@dataclass(frozen=True)
class SearchTerms:
    words: list[str] = field(default_factory=list)
    ranges: list[tuple[int, int]] = field(default_factory=list)  # [start, end) in epoch ms
    has: list[str] = field(default_factory=list)  # names from HAS_FILTERS
    anonymous: bool = False  # the words named ANONYMOUS_LABEL: anonymous replays match too
    comments: list[str] = field(default_factory=list)  # `comment:WORD`: a comment holds WORD


_RELATIVE_DAYS = {"today": 0, "yesterday": 1}


def parse_search(text: str, tz: tzinfo | None = None, today: date | None = None) -> SearchTerms:
    """Split what the user typed into words, date ranges (days in `tz`, the local zone by default) and
    `has:` filters."""
    words: list[str] = []
    ranges: list[tuple[int, int]] = []
    has: list[str] = []
    comments: list[str] = []
    for token in text.split():
        if token.lower().startswith(_COMMENT_PREFIX) and len(token) > len(_COMMENT_PREFIX):
            comments.append(token[len(_COMMENT_PREFIX) :])
            continue
        wanted = token.lower().removeprefix(_HAS_PREFIX)
        if token.lower().startswith(_HAS_PREFIX) and wanted in HAS_FILTERS:
            has += [wanted] if wanted not in has else []
            continue
        if token.lower() in _RELATIVE_DAYS:
            token = _relative_day(token.lower(), tz, today).isoformat()
        day_range = _date_range(token, tz)
        if day_range is None:
            words.append(token)
        else:
            ranges.append(day_range)
    folded = [word.lower() for word in words]
    label = list(_ANONYMOUS_WORDS)
    for start in range(len(folded)):  # "anonymous" or "anonymous visitor", anywhere among the words
        for size in (len(label), 1):
            if folded[start : start + size] == label[:size]:
                kept = words[:start] + words[start + size :]
                return SearchTerms(words=kept, ranges=ranges, has=has, anonymous=True, comments=comments)
    return SearchTerms(words=words, ranges=ranges, has=has, comments=comments)


def _relative_day(word: str, tz: tzinfo | None, today: date | None) -> date:
    current = today or local_today(tz)
    return current - timedelta(days=_RELATIVE_DAYS[word])


def _date_range(token: str, tz: tzinfo | None) -> tuple[int, int] | None:
    match = _DATE_TERM.match(token)
    if not match:
        return None
    try:
        first = date.fromisoformat(match.group(1))
        last = date.fromisoformat(match.group(2)) if match.group(2) else first
    except ValueError:
        return None
    if last < first:
        first, last = last, first
    return day_start_ms(first, tz), day_start_ms(last + timedelta(days=1), tz)
