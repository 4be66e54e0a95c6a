"""Cache work behind the player: a replay's events and summary, and importing files (runs on the cache thread)."""

from __future__ import annotations

from pathlib import Path

from replay_core import Recording, ReplaySummary, summarize
from viewer.storage import ReplayCache, ReplayRow

CachedReplay = tuple[Recording, ReplaySummary, ReplayRow]
MISSING_EVENTS = "missing-events"  # kept as metadata only (beyond the disk budget): fetch, then open


def load_cached_replay(cache: ReplayCache, replay_id: str) -> CachedReplay | str | None:
    """A replay's events, summary and row; MISSING_EVENTS when only its metadata is cached; None if unknown."""
    row = cache.get_replay(replay_id)
    if row is None:
        return None
    if not cache.has_events(replay_id):
        return MISSING_EVENTS
    recording = Recording(events=cache.events(replay_id), name=replay_id)
    return recording, summarize(recording), row


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
