"""The player's keyframes of cached replays, kept so that a replay opened again seeks fast at once.

A keyframe is what the player page made (resources/player/keyframes.js): its events as JSON text, the ids
of the page load's snapshot, its time and how many of the replay's events come at or before it. The cache
keeps them compressed, under the `format` of the player that made them (rrweb's version and the builder's
own): a player of another format rebuilds them. Synced events that change what came before a keyframe
are noticed by the page (its event count no longer matches) and it builds again from there.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import zstandard
from sqlalchemy import Connection, delete, insert, or_, select

from viewer.storage.chunks import ZSTD_LEVEL
from viewer.storage.schema import keyframes


@dataclass(frozen=True)
class StoredKeyframe:
    at_ms: float  # the recording's timestamp of the keyframe (ms since the epoch, as its events)
    events_before: int  # the replay's events with a timestamp at or before `at_ms`, when it was made
    events_json: str  # its events (Meta, FullSnapshot, incrementals) as a JSON array
    loaded_json: str  # the node ids of the page load's snapshot, as a JSON array
    events_total: int = 0  # the replay's events when it was made (as many now: nothing is left to build)

    def to_page(self) -> dict[str, object]:
        return {
            "at": self.at_ms,
            "before": self.events_before,
            "total": self.events_total,
            "json": self.events_json,
            "loaded": self.loaded_json,
        }


def load(conn: Connection, replay_id: str, format_key: str) -> list[StoredKeyframe]:
    """The replay's keyframes made by a player of `format_key`, oldest first."""
    rows = conn.execute(
        select(keyframes.c.at_ms, keyframes.c.events_before, keyframes.c.data)
        .where((keyframes.c.replay_id == replay_id) & (keyframes.c.format == format_key))
        .order_by(keyframes.c.at_ms)
    ).all()
    decompressor = zstandard.ZstdDecompressor()
    found = []
    for row in rows:
        try:
            body = orjson.loads(decompressor.decompress(row.data))
            total = int(body.get("total", 0))
            found.append(StoredKeyframe(row.at_ms, row.events_before, body["events"], body["loaded"], total))
        except (zstandard.ZstdError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            break  # a damaged row: the page builds again from the last good keyframe
    return found


def keep(conn: Connection, replay_id: str, format_key: str, keyframe: StoredKeyframe) -> None:
    """Store a keyframe the page made. Those of another format, and any at or after it (made from events
    that have changed since, or a second build of the same span), make way for it."""
    conn.execute(
        delete(keyframes).where(
            (keyframes.c.replay_id == replay_id)
            & or_(keyframes.c.format != format_key, keyframes.c.at_ms >= keyframe.at_ms)
        )
    )
    body = orjson.dumps(
        {"events": keyframe.events_json, "loaded": keyframe.loaded_json, "total": keyframe.events_total}
    )
    conn.execute(
        insert(keyframes).values(
            replay_id=replay_id,
            at_ms=keyframe.at_ms,
            format=format_key,
            events_before=keyframe.events_before,
            raw_bytes=len(body),
            data=zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(body),
        )
    )


def forget(conn: Connection, replay_ids: list[str]) -> None:
    """Drop the keyframes of replays whose events are gone (evicted to metadata only)."""
    conn.execute(delete(keyframes).where(keyframes.c.replay_id.in_(replay_ids)))
