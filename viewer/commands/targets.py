"""What a command's PATH|ID argument names: a recording file, or else a replay in the cache (no Qt)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from replay_core import Recording, read_recording
from viewer.errors import CommandError
from viewer.files import file_problem


def shown(text: str, limit: int = 120) -> str:
    """An argument as it may be shown on one line: printable, and cut when it is long."""
    printable = " ".join(text.encode("utf-8", "backslashreplace").decode("utf-8").split())
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"


def looks_like_a_file(target: str) -> bool:
    """An existing path, or one written like a path or a recording's file name."""
    return _exists(Path(target)) or any(sep in target for sep in ("/", "\\")) or target.endswith((".json", ".gz"))


def recording_for(target: str, analytics: bool = False) -> tuple[Recording, list[dict[str, Any]]]:
    """The recording `target` names, and (when asked, for a cached replay) its analytics events."""
    if looks_like_a_file(target):
        path = Path(target)
        problem = file_problem(path)
        if problem:
            raise CommandError(f"{shown(target)}: {problem}")
        return read_recording(path), []
    return _cached(target, analytics)


def _cached(replay_id: str, analytics: bool) -> tuple[Recording, list[dict[str, Any]]]:
    from viewer.commands.cache import open_cache
    from viewer.storage.chunks import DamagedReplay

    try:
        replay_id.encode("utf-8")
    except UnicodeEncodeError:
        raise CommandError(f"{shown(replay_id)}: no such file (and not valid UTF-8 for a replay id)") from None
    with open_cache() as cache:
        if cache.get_replay(replay_id) is None:
            raise CommandError(f"{shown(replay_id)}: no such file, and no replay with that id in the cache")
        if not cache.has_events(replay_id):
            raise CommandError(
                f"replay {shown(replay_id)} has no events in the cache yet; open it in the app to fetch them"
            )
        try:
            events = cache.events(replay_id)
        except DamagedReplay as exc:
            raise CommandError(str(exc)) from None
        return Recording(events=events, name=replay_id), cache.replay_analytics(replay_id) if analytics else []


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long for the file system, a NUL character
        return False
