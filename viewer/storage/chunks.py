"""A replay's events as zstandard-compressed JSON chunks: the unit the cache stores and the player streams."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import zstandard

from replay_core import Recording, ReplaySummary
from replay_core.analysis import ReplayAnalysis
from replay_core.events import Event, events_json
from replay_core.heatmap import PageVisit
from replay_core.timeline import ActivityCounts

# ~256 KiB of JSON per chunk: large enough to compress well (zstd finds repeats across events),
# small enough that the player's first frame does not wait for the whole replay.
CHUNK_TARGET_BYTES = 256 * 1024
CHUNK_MAX_EVENTS = 5000
# Level 3 (zstd's default) compresses rrweb JSON to ~7 % at several hundred MB/s; higher levels
# gained less than one point in our measurements and cost several times the time.
ZSTD_LEVEL = 3


@dataclass(frozen=True)
class EncodedChunk:
    index: int
    first_ts: float
    last_ts: float
    event_count: int
    raw_bytes: int
    data: bytes


@dataclass(frozen=True)
class EncodedReplay:
    """Everything the cache stores about a replay's events, computed without touching the database."""

    summary: ReplaySummary
    end_ts: float
    chunks: list[EncodedChunk]
    # The frustration figures of the events alone; the SDK's own signals are merged in when stored.
    activity: ActivityCounts | None = None
    # The heatmap's page visits of the events alone (replay_core.heatmap); read in the same pass.
    heatmap: tuple[PageVisit, ...] | None = None

    @property
    def size_bytes(self) -> int:
        return sum(chunk.raw_bytes for chunk in self.chunks)

    @property
    def stored_bytes(self) -> int:
        return sum(len(chunk.data) for chunk in self.chunks)


def encode_replay(recording: Recording) -> EncodedReplay:
    return analysed_replay(recording)[0]


def analysed_replay(recording: Recording) -> tuple[EncodedReplay, ReplayAnalysis]:
    """The replay encoded, and the analysis that made its figures (to go on with when it grows)."""
    # One pass over the events for all figures: they follow the same page tree (counts as activity_timeline's).
    analysis = ReplayAnalysis(recording.start_ts)
    analysis.add(recording.events)
    result = analysis.result()
    encoded = EncodedReplay(
        summary=result.summary,
        end_ts=recording.end_ts,
        chunks=encode_chunks(recording.events),
        activity=result.activity,
        heatmap=result.visits,
    )
    return encoded, analysis


def encode_chunks(events: Sequence[Event], first_index: int = 0) -> list[EncodedChunk]:
    """Split time-ordered events into compressed chunks of about CHUNK_TARGET_BYTES of JSON, numbered from
    `first_index`. Each chunk closes once it reaches the target, so the events of an open last chunk
    (smaller) encoded again with more events after them give the chunks all the events would give."""
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    chunks: list[EncodedChunk] = []
    start = 0
    pending: list[bytes] = []
    size = 0
    for position, event in enumerate(events):
        encoded = events_json(event)
        pending.append(encoded)
        size += len(encoded) + 1
        if size >= CHUNK_TARGET_BYTES or len(pending) >= CHUNK_MAX_EVENTS or position == len(events) - 1:
            raw = b"[" + b",".join(pending) + b"]"
            chunks.append(
                EncodedChunk(
                    index=first_index + len(chunks),
                    first_ts=float(events[start]["timestamp"]),
                    last_ts=float(event["timestamp"]),
                    event_count=len(pending),
                    raw_bytes=len(raw),
                    data=compressor.compress(raw),
                )
            )
            start, pending, size = position + 1, [], 0
    return chunks


class DamagedReplay(ValueError):
    """A replay whose stored events cannot be read back: a chunk that does not decode, or one missing."""


def decode_chunk(data: bytes) -> list[Event]:
    """One stored chunk's events; a chunk that is not zstandard JSON of a list raises `DamagedReplay`."""
    try:
        raw = zstandard.ZstdDecompressor().decompress(data)
    except (zstandard.ZstdError, TypeError) as exc:
        raise DamagedReplay(f"a chunk of events does not decompress ({exc})") from None
    try:
        events: list[Event] = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            events = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError alike
            raise DamagedReplay(f"a chunk of events is not JSON ({type(exc).__name__})") from None
    if not isinstance(events, list):
        raise DamagedReplay("a chunk of events is not a list")
    return events


def is_open(raw_bytes: int, event_count: int) -> bool:
    """Whether a stored last chunk would take more events (encode_chunks had not closed it: its JSON is
    the events' bytes and a comma each, plus one byte of brackets)."""
    return raw_bytes - 1 < CHUNK_TARGET_BYTES and event_count < CHUNK_MAX_EVENTS


def chunk_row(replay_id: str, chunk: EncodedChunk) -> dict[str, Any]:
    """The `event_chunks` row of one chunk."""
    return {
        "replay_id": replay_id,
        "idx": chunk.index,
        "first_ts": round(chunk.first_ts),
        "last_ts": round(chunk.last_ts),
        "event_count": chunk.event_count,
        "raw_bytes": chunk.raw_bytes,
        "data": chunk.data,
    }
