"""`replay-viewer activity`: a replay's activity timeline, one line per entry, or JSON for scripts. No Qt here.

The target is a recording file, or else the id of a replay in the cache (whose analytics events then
join the timeline). Every text printed is the core's bounded plain text: one line, no control characters.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from replay_core import Recording, read_recording
from replay_core.timeline import ActivityEntry, EntryKind, activity_timeline, counts_of
from viewer.errors import CommandError
from viewer.files import file_problem

KINDS = [kind.value for kind in EntryKind]


def run_activity(args: argparse.Namespace) -> int:
    kinds = parse_kinds(args.kind)
    recording, analytics = _replay_for(args.target)
    entries = activity_timeline(recording.events, analytics)
    shown = [e for e in entries if kinds is None or e.kind in kinds]
    if args.json:
        counts = counts_of(entries)
        document = {"replay": recording.name, "counts": counts.__dict__, "entries": [e.as_json() for e in shown]}
        json.dump(document, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.writelines(text_line(entry) + "\n" for entry in shown)
    return 0


def parse_kinds(text: str | None) -> set[EntryKind] | None:
    """`--kind console,network`: the kinds to show, each one of KINDS; None shows every kind."""
    if text is None:
        return None
    wanted = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - set(KINDS))
    if unknown or not wanted:
        got = ", ".join(_shown(u, 30) for u in unknown[:3]) or "nothing"
        raise CommandError(f"--kind takes a comma-separated list of {', '.join(KINDS)} (got {got})")
    return {EntryKind(kind) for kind in wanted}


def text_line(entry: ActivityEntry) -> str:
    """`00:09.792  console      error: Payment widget failed to load`"""
    minutes, rest = divmod(max(entry.at_ms, 0), 60_000)
    return f"{minutes:02d}:{rest / 1000:06.3f}  {entry.kind.value:<11}  {entry.summary}"


def _replay_for(target: str) -> tuple[Recording, list[dict[str, Any]]]:
    path = Path(target)
    if _exists(path) or any(sep in target for sep in ("/", "\\")) or target.endswith((".json", ".gz")):
        problem = file_problem(path)
        if problem:
            raise CommandError(f"{_shown(target)}: {problem}")
        return read_recording(path), []
    return _cached_replay(target)


def _cached_replay(replay_id: str) -> tuple[Recording, list[dict[str, Any]]]:
    from viewer.commands.cache import open_cache
    from viewer.storage.chunks import DamagedReplay

    try:
        replay_id.encode("utf-8")
    except UnicodeEncodeError:
        raise CommandError(f"{_shown(replay_id)}: no such file (and not valid UTF-8 for a replay id)") from None
    with open_cache() as cache:
        if cache.get_replay(replay_id) is None:
            raise CommandError(f"{_shown(replay_id)}: no such file, and no replay with that id in the cache")
        if not cache.has_events(replay_id):
            raise CommandError(
                f"replay {_shown(replay_id)} has no events in the cache yet; open it in the app to fetch them"
            )
        try:
            events = cache.events(replay_id)
        except DamagedReplay as exc:
            raise CommandError(str(exc)) from None
        return Recording(events=events, name=replay_id), cache.replay_analytics(replay_id)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long for the file system, a NUL character
        return False


def _shown(text: str, limit: int = 120) -> str:
    shown = text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\n", "\\n")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
