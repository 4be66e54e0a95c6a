"""Epoch times as senders write them: seconds or milliseconds, told apart by one limit."""

from __future__ import annotations

# Epoch milliseconds pass 1e11 in 1973, while epoch seconds reach it only in the year 5138: a smaller
# number is seconds (mixpanel's `time`, old Sentry SDKs), a larger one milliseconds (rrweb).
SECONDS_LIMIT = 1e11


def looks_like_seconds(stamp: float) -> bool:
    """Whether an epoch time is in seconds rather than milliseconds."""
    return stamp < SECONDS_LIMIT


def epoch_ms(stamp: float) -> float:
    """An epoch time in seconds or milliseconds, as milliseconds."""
    return stamp * 1000.0 if looks_like_seconds(stamp) else float(stamp)
