"""Frustration signals: rage clicks, dead clicks and error clicks — each rule and threshold defined here.

Detected from the rrweb events themselves, so they work for every source, and merged with the signals
mixpanel-browser sends as analytics events (`$mp_rage_click`, `$mp_dead_click`): a signal both saw is
one signal, marked as seen by both.

- **Rage click**: at least `RAGE_CLICKS` (4) clicks within `RAGE_WINDOW_MS` (1,000 ms) of the first,
  each within `RAGE_RADIUS_PX` (30 px) of it — mixpanel-browser's default. A longer burst on the same
  spot is still one rage click.
- **Dead click**: a click followed by no DOM mutation, navigation (a new page or snapshot), input or
  network request within `DEAD_CLICK_MS` (500 ms). Clicks on form fields and labels are not judged:
  they focus the field, and the page answers when the user types. A click already part of a rage click
  is not reported again as dead.
- **Error click**: a console error, an error event or a failed request within `ERROR_CLICK_MS` (1,000 ms) after a click.
- An SDK signal is the same as a detected one of its kind when they are at most `SDK_MATCH_MS` apart.

The "Most frustrated" sort of the feed orders replays by `frustration_score`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

RAGE_CLICKS = 4
RAGE_WINDOW_MS = 1_000.0
RAGE_RADIUS_PX = 30.0
DEAD_CLICK_MS = 500.0
ERROR_CLICK_MS = 1_000.0
SDK_MATCH_MS = 1_000.0
# mixpanel-browser's analytics event names for the signals it detects itself.
SDK_SIGNAL_EVENTS = {"$mp_rage_click": "rage", "$mp_dead_click": "dead"}


class Signal(StrEnum):
    RAGE = "rage"
    DEAD = "dead"
    ERROR = "error"


@dataclass(frozen=True)
class Click:
    """A click as the rules need it: when (ms from the replay's start), where, on what."""

    at_ms: float
    x: float | None
    y: float | None
    target: str
    judged_dead: bool = True  # False for form fields: see the module's rule for dead clicks


@dataclass(frozen=True)
class SdkSignal:
    """A signal the SDK sent as an analytics event."""

    at_ms: float
    signal: Signal
    target: str = ""


@dataclass(frozen=True)
class FrustrationSignal:
    at_ms: float
    signal: Signal
    target: str
    clicks: int = 1
    detected: bool = True  # found in the rrweb events
    from_sdk: bool = False  # sent by the SDK as an analytics event
    cause: str = ""  # for an error click: the error that followed


def frustration_score(rage: int, dead: int, errors: int, failed_requests: int) -> int:
    """How frustrated a replay looks, for the feed's "Most frustrated" sort: every rage click, dead
    click, error and failed request counts one."""
    return rage + dead + errors + failed_requests


def detect(
    clicks: Sequence[Click],
    responses_ms: Sequence[float],
    errors: Sequence[tuple[float, str]],
    sdk: Sequence[SdkSignal] = (),
) -> list[FrustrationSignal]:
    """The signals of one replay in time order.

    `responses_ms`: times of the page's answers (mutations, navigations, inputs, network requests);
    `errors`: console errors and failed requests as (time, one-line description); all in ms."""
    ordered = sorted(clicks, key=lambda c: c.at_ms)
    rages, raged = _rage_clicks(ordered)
    found = rages + _dead_clicks(ordered, sorted(responses_ms), raged) + _error_clicks(ordered, errors)
    return sorted(_merge_sdk(found, sdk), key=lambda s: (s.at_ms, s.signal))


def _rage_clicks(clicks: list[Click]) -> tuple[list[FrustrationSignal], set[int]]:
    found: list[FrustrationSignal] = []
    raged: set[int] = set()
    start = 0
    while start < len(clicks):
        first = clicks[start]
        end = start + 1
        while end < len(clicks) and _same_burst(first, clicks[end]):
            end += 1
        if end - start >= RAGE_CLICKS:
            found.append(FrustrationSignal(first.at_ms, Signal.RAGE, first.target, clicks=end - start))
            raged.update(range(start, end))
            start = end
        else:
            start += 1
    return found, raged


def _same_burst(first: Click, later: Click) -> bool:
    if later.at_ms - first.at_ms > RAGE_WINDOW_MS:
        return False
    if None in (first.x, first.y, later.x, later.y):
        return first.target == later.target
    return math.dist((first.x or 0.0, first.y or 0.0), (later.x or 0.0, later.y or 0.0)) <= RAGE_RADIUS_PX


def _dead_clicks(clicks: list[Click], responses: list[float], raged: set[int]) -> list[FrustrationSignal]:
    found = []
    for index, click in enumerate(clicks):
        if index in raged or not click.judged_dead:
            continue
        # Anything at the click's own moment or up to DEAD_CLICK_MS later counts as the page's answer.
        first = bisect.bisect_left(responses, click.at_ms)
        if first >= len(responses) or responses[first] > click.at_ms + DEAD_CLICK_MS:
            found.append(FrustrationSignal(click.at_ms, Signal.DEAD, click.target))
    return found


def _error_clicks(clicks: list[Click], errors: Sequence[tuple[float, str]]) -> list[FrustrationSignal]:
    ordered = sorted(errors)
    times = [at for at, _ in ordered]
    found = []
    for click in clicks:
        first = bisect.bisect_left(times, click.at_ms)
        if first < len(times) and times[first] <= click.at_ms + ERROR_CLICK_MS:
            found.append(FrustrationSignal(click.at_ms, Signal.ERROR, click.target, cause=ordered[first][1]))
    return found


def _merge_sdk(found: list[FrustrationSignal], sdk: Sequence[SdkSignal]) -> list[FrustrationSignal]:
    merged = list(found)
    for reported in sorted(sdk, key=lambda s: s.at_ms):
        match = _closest(merged, reported)
        if match is None:
            merged.append(
                FrustrationSignal(reported.at_ms, reported.signal, reported.target, detected=False, from_sdk=True)
            )
        else:
            index, signal = match
            merged[index] = FrustrationSignal(
                signal.at_ms, signal.signal, signal.target or reported.target, signal.clicks,
                signal.detected, from_sdk=True, cause=signal.cause,
            )  # fmt: skip
    return merged


def _closest(signals: list[FrustrationSignal], reported: SdkSignal) -> tuple[int, FrustrationSignal] | None:
    candidates = [
        (abs(s.at_ms - reported.at_ms), i, s)
        for i, s in enumerate(signals)
        if s.signal == reported.signal and not s.from_sdk and abs(s.at_ms - reported.at_ms) <= SDK_MATCH_MS
    ]
    if not candidates:
        return None
    _, index, signal = min(candidates, key=lambda c: (c[0], c[1]))
    return index, signal
