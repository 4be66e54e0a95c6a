"""The first-run demo: replays of our own Demo Shop with their users and analytics events, loaded into the cache.

The data comes from resources/demo/demo-replays.json.gz (installed with the app's resources), made by
scripts/make_demo_recordings.py:
`{"version": 1, "replays": [{"id", "user_id", "events"}], "users": [{"id", "properties"}],
"events": [{"insert_id", "name", "time_ms", "user_id", "replay_id", "properties"}]}`.
Loading moves every timestamp by one offset so that the newest replay ends an hour before now; the
times within a replay, and between replays and their analytics events, stay as recorded.
No Qt here: the app's database worker calls it.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson

from replay_core.events import Event
from viewer import resources
from viewer.storage import AnalyticsEvent, CacheUpdate, ProfileChange, ReplayBatch, ReplayCache

DEMO_SOURCE = "demo"
DEMO_BATCH_KEY = "demo"
END_BEFORE_NOW_MS = 3_600_000
MAX_DEMO_BYTES = 64 << 20

DemoDocument = dict[str, Any]


class DemoUnavailable(RuntimeError):
    """The demo file is missing or not what the demo script writes."""


def demo_available(path: Path | None = None) -> bool:
    try:
        return (path or resources.demo_file()).is_file()
    except resources.ResourcesUnavailable:
        return False


def read_demo(path: Path | None = None) -> DemoDocument:
    """The demo document as recorded (timestamps not yet moved); by default the installed one."""
    try:
        path = path or resources.demo_file()
    except resources.ResourcesUnavailable as exc:
        raise DemoUnavailable(str(exc)) from None
    try:
        with gzip.open(path, "rb") as file:
            document = orjson.loads(file.read(MAX_DEMO_BYTES))
    except FileNotFoundError:
        raise DemoUnavailable(f"the demo replays are not installed ({path} is missing)") from None
    except (OSError, orjson.JSONDecodeError) as exc:
        raise DemoUnavailable(f"the demo file {path} cannot be read ({exc})") from None
    if not isinstance(document, dict) or not all(
        isinstance(document.get(key), list) for key in ("replays", "users", "events")
    ):
        raise DemoUnavailable(f"the demo file {path} is not a demo document")
    return document


def load_demo(cache: ReplayCache, now_ms: int | None = None, path: Path | None = None) -> int:
    """Store the demo replays, users and events in one transaction; returns how many replays were added.

    Loading again stores nothing: replays, profiles and events already there are left as they are.
    """
    document = read_demo(path)
    if all(cache.get_replay(replay["id"]) is not None for replay in document["replays"]):
        return 0
    now = cache.now_ms() if now_ms is None else now_ms
    update = demo_update(document, demo_shift_ms(document, now))
    result = cache.apply(update)
    if result.skipped:
        replay_id, reason = result.skipped[0]
        raise DemoUnavailable(f"demo replay {replay_id} could not be stored: {reason}")
    return len(result.added)


def demo_shift_ms(document: DemoDocument, now_ms: int) -> int:
    """The offset that makes the newest demo replay end END_BEFORE_NOW_MS before `now_ms`."""
    newest_end = max(max(event["timestamp"] for event in replay["events"]) for replay in document["replays"])
    return round(now_ms - END_BEFORE_NOW_MS - newest_end)


def demo_update(document: DemoDocument, shift_ms: int) -> CacheUpdate:
    """The cache update that stores the demo, every time moved by `shift_ms`."""
    return CacheUpdate(
        source=DEMO_SOURCE,
        source_kind="demo",
        batches=[
            ReplayBatch(replay["id"], DEMO_BATCH_KEY, _shifted(replay["events"], shift_ms), replay["user_id"])
            for replay in document["replays"]
        ],
        profiles=[ProfileChange(user["id"], set=dict(user["properties"])) for user in document["users"]],
        events=[_analytics_event(event, shift_ms) for event in document["events"]],
    )


def _shifted(events: list[Event], shift_ms: int) -> list[Event]:
    return [{**event, "timestamp": event["timestamp"] + shift_ms} for event in events]


def _analytics_event(event: dict[str, Any], shift_ms: int) -> AnalyticsEvent:
    properties = dict(event.get("properties") or {})
    time_ms = float(event["time_ms"]) + shift_ms
    properties["time"] = time_ms / 1000  # mixpanel's own field, in seconds
    return AnalyticsEvent(
        insert_id=str(event["insert_id"]),
        name=str(event["name"]),
        time_ms=time_ms,
        user_id=event.get("user_id"),
        replay_id=event.get("replay_id"),
        properties=properties,
    )
