"""Share links to a replay at a moment: ours, and the forms other replay tools use (no Qt).

Ours: `replay-viewer://replay/{id}?t={seconds}` for local replays, and
`{server base URL}/replays/{id}?t={seconds}` for replays from a replay API; the seconds carry whole
milliseconds (`t=12.35`, `t=12.349`), cut rather than rounded, so the link opens on the frame it was
copied at and never on an event that came after it. Accepted when pasted too:
`t` or `ts` in seconds (PostHog, Sentry, Highlight; `1m30s` works), `jumpto` in ms (OpenReplay),
`timestamp` as epoch ms or ISO 8601 (an absolute moment, PostHog), in the query or the fragment.
A link to a comment is the link to its moment with `&comment={comment id}` (replay_core.collab).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, quote, unquote, urlsplit

from replay_core.validate import ID_PATTERN

APP_SCHEME = "replay-viewer"
_ID_PARENTS = ("replays", "replay", "recordings", "recording", "session_recordings", "session-replay", "sessions")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?$")


class LinkError(ValueError):
    """Text that is not a link to a replay, with the reason in one line."""


@dataclass(frozen=True)
class ShareLink:
    replay_id: str
    at_s: float | None = None  # seconds from the replay's start
    at_epoch_ms: float | None = None  # an absolute moment, when the link gives one
    server: str | None = None  # the replay API's base URL, for replays from a server
    comment_id: str | None = None  # the comment the link points at (its moment is `t`), when a valid id
    comment_param: str | None = None  # the link's `comment` as given (cut to 100 characters), valid or not

    @property
    def at_ms(self) -> float | None:
        """The moment as milliseconds from the replay's start (12.349 s is 12349 ms, not 12348.999…)."""
        return None if self.at_s is None else seconds_to_ms(self.at_s)

    def offset_s(self, replay_start_ms: float) -> float | None:
        """The moment as seconds from the start of a replay that began at `replay_start_ms`."""
        if self.at_s is not None:
            return self.at_s
        if self.at_epoch_ms is not None:
            return max(0.0, (self.at_epoch_ms - replay_start_ms) / 1000)
        return None


def format_link(
    replay_id: str, at_s: float | None = None, server: str | None = None, comment_id: str | None = None
) -> str:
    base = f"{server.rstrip('/')}/replays/" if server else f"{APP_SCHEME}://replay/"
    link = base + quote(replay_id, safe="")
    if at_s is not None:
        whole_ms = math.floor(seconds_to_ms(max(0.0, at_s)))  # the frame shown then: no later event
        link = f"{link}?t={whole_ms / 1000:.3f}".rstrip("0").rstrip(".")
    if comment_id is not None:
        link += ("&" if at_s is not None else "?") + "comment=" + quote(comment_id, safe="")
    return link


def comment_link(replay_id: str, comment_id: str, at_ms: int, server: str | None = None) -> str:
    """A link to a comment: its replay at its moment, naming the comment."""
    return format_link(replay_id, at_ms / 1000, server, comment_id)


def seconds_to_ms(seconds: float) -> float:
    """Seconds as milliseconds without binary noise: 12.349 s is 12349 ms (not 12348.999999999998)."""
    return round(seconds * 1000, 6)


def parse_link(text: str) -> ShareLink:
    text = text.strip().strip("<>\"'")
    parts = urlsplit(text)
    if parts.scheme == APP_SCHEME:
        segments = [s for s in (parts.netloc + parts.path).split("/") if s]
        if len(segments) != 2 or segments[0] != "replay":
            raise LinkError(f"not a replay link: {text}")
        replay_id, server = unquote(segments[1]), None
    elif parts.scheme in ("http", "https") and parts.netloc:
        replay_id, server = _id_from_web_path(parts.scheme, parts.netloc, parts.path, text)
    else:
        raise LinkError(f"not a link to a replay: {text[:80]}")
    params = parse_qs(parts.query) | parse_qs(parts.fragment)
    at_s, at_epoch = _moment(params)
    given = (params.get("comment", [""])[-1] or "").strip() or None
    comment = given if given and ID_PATTERN.match(given) else None
    return ShareLink(replay_id, at_s, at_epoch, server, comment_id=comment, comment_param=given and given[:100])


def _id_from_web_path(scheme: str, host: str, path: str, text: str) -> tuple[str, str]:
    segments = path.split("/")
    for index in range(len(segments) - 2, -1, -1):
        if segments[index] in _ID_PARENTS and segments[index + 1]:
            base = f"{scheme}://{host}" + "/".join(segments[:index])
            return unquote(segments[index + 1]), base.rstrip("/")
    raise LinkError(f"no replay id in the link: {text[:80]}")


def _moment(params: dict[str, list[str]]) -> tuple[float | None, float | None]:
    def first(name: str) -> str | None:
        values = params.get(name)
        return values[0].strip() if values and values[0].strip() else None

    for name in ("t", "ts"):
        value = first(name)
        if value is not None:
            return _seconds(value), None
    if (jump := first("jumpto")) is not None:
        return _number(jump, "jumpto") / 1000, None
    if (stamp := first("timestamp")) is not None:
        return None, _epoch_ms(stamp)
    return None, None


def _seconds(value: str) -> float:
    match = _DURATION.match(value)
    if not match or not any(match.groups()):
        raise LinkError(f"the time in the link is not seconds: {value}")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _number(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise LinkError(f"{name} in the link is not a number: {value}") from None
    if number < 0:
        raise LinkError(f"{name} in the link is negative: {value}")
    return number


def _epoch_ms(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000
    except ValueError:
        raise LinkError(f"timestamp in the link is neither epoch ms nor ISO 8601: {value}") from None
