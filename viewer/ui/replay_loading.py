"""What opening a replay gives: typed results from the cache thread, and what the player is handed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from replay_core import Recording, ReplaySummary
from replay_core.events import Event
from replay_core.following import ReplayFollower
from replay_core.preview import first_page
from replay_core.reader import RecordingOutline
from replay_core.timeline import ActivityEntry
from viewer.player.scheme import keyframe_format
from viewer.storage import ReplayCache, ReplayRow
from viewer.storage.keyframes import StoredKeyframe


@dataclass(frozen=True)
class CachedReplay:
    """A replay read whole from the cache."""

    recording: Recording
    summary: ReplaySummary
    row: ReplayRow
    keyframes: tuple[StoredKeyframe, ...]  # the player's, kept from an earlier opening
    activity: tuple[ActivityEntry, ...]  # its activity timeline
    follower: ReplayFollower  # what made the summary and timeline: a sync that grows it goes on from it


@dataclass(frozen=True)
class GrownReplay:
    """What a sync added to the replay shown: the events later than the player's, the whole replay's
    outline, summary and activity timeline now, and its row."""

    row: ReplayRow
    events: list[Event]
    outline: RecordingOutline
    summary: ReplaySummary
    activity: list[ActivityEntry]


@dataclass(frozen=True)
class CachedPreview:
    """A cached replay's first page, shown while the whole replay is read, and its row (the replay the
    window then shows: links and comments name it from this moment)."""

    recording: Recording
    row: ReplayRow


@dataclass(frozen=True)
class EventsNotCached:
    """Only the replay's metadata is cached (it was beyond the disk budget): fetch its events, then open."""

    row: ReplayRow


@dataclass(frozen=True)
class NotInCache:
    replay_id: str


CacheLookup = CachedReplay | EventsNotCached | NotInCache


@dataclass(frozen=True)
class ReplayUser:
    """Who recorded a replay, for the player's header link."""

    user_id: str
    name: str


@dataclass(frozen=True)
class QueuedReplay:
    """One replay of a list played one after another (View replays): from a moment, or from its start."""

    replay_id: str
    at_epoch_ms: float | None = None


@dataclass(frozen=True)
class OpenedReplay:
    """Everything the player needs to show a replay."""

    recording: Recording
    summary: ReplaySummary
    title: str
    replay_id: str | None = None  # None for a file that is not in the cache
    user: ReplayUser | None = None
    start_at_s: float | None = None
    autoplay: bool = False  # play once the first frame shows (a queue of replays)
    keyframes: tuple[StoredKeyframe, ...] = ()  # the player's keyframes kept from an earlier opening


@dataclass(frozen=True)
class ReplayProblem:
    """Why the player shows no replay: a heading and a one-line reason."""

    title: str
    message: str


def look_up_replay(cache: ReplayCache, replay_id: str) -> CacheLookup:
    """What opening a cached replay needs: its events, summary, row, activity timeline and the player's
    keyframes of it; or why they cannot be had from the cache alone.

    The timeline is made here, before the player is handed the events: made while the player lets them
    go, its objects took the freed places among the events' and kept their memory from going back (a
    2-hour replay's ~230 MB, measured with a file). What it is made with is kept (`follower`), so a sync
    that grows the replay costs the batch (`grow_replay`), not another read of the whole replay."""
    row = cache.get_replay(replay_id)
    if row is None:
        return NotInCache(replay_id)
    if not cache.has_events(replay_id):
        return EventsNotCached(row)
    recording = Recording(events=cache.events(replay_id), name=replay_id)
    kept = tuple(cache.stored_keyframes(replay_id, keyframe_format()))
    follower = ReplayFollower(recording)
    activity = tuple(follower.activity(cache.replay_analytics(replay_id)))
    return CachedReplay(recording, follower.summary(), row, kept, activity, follower)


def grow_replay(cache: ReplayCache, replay_id: str, follower: ReplayFollower) -> GrownReplay | None:
    """The events a sync added to the replay shown (read from the chunks that hold them), taken by its
    follower; None when nothing later than what it has came, or the replay is gone."""
    row = cache.get_replay(replay_id)
    if row is None:
        return None
    fresh = follower.append(cache.events_from(replay_id, follower.end_ts))
    if not fresh:
        return None
    activity = follower.activity(cache.replay_analytics(replay_id))
    return GrownReplay(row, fresh, follower.outline, follower.summary(), activity)


def preview_cached(cache: ReplayCache, replay_id: str) -> CachedPreview | None:
    """A cached replay's first page from its first chunk alone, shown while the whole replay is read."""
    events = first_page(cache.first_events(replay_id))
    if not events:
        return None
    row = cache.get_replay(replay_id)
    return CachedPreview(Recording(events=events, name=replay_id), row) if row is not None else None


def import_files(cache: ReplayCache, paths: list[Path]) -> str:
    """Import files and say in one line how it went."""
    from viewer.storage.importer import import_paths

    outcomes = list(import_paths(cache, paths))
    failed = [o for o in outcomes if o.failed]
    text = f"Imported {len(outcomes) - len(failed)} of {len(outcomes)} files"
    if failed:
        reasons = failed[0].problems or [reason for _, reason in failed[0].result.skipped]
        text += f"; {failed[0].name}: {reasons[0] if reasons else 'failed'}"
    return text
