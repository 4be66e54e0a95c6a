"""The cache commands: import, list and delete-user. No Qt here."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC
from pathlib import Path
from typing import Any

from viewer.commands.progress import TerminalProgress
from viewer.errors import CommandError
from viewer.files import file_problem
from viewer.storage import ReplayCache, ReplayQuery, ReplayRow, ReplaySort


def open_cache() -> ReplayCache:
    from viewer.storage import CacheError

    try:
        cache = ReplayCache.open()
    except CacheError as exc:
        raise CommandError(str(exc)) from None
    if cache.moved_aside is not None:
        print(f"replay-viewer: error: {cache.moved_aside.message()}; starting a new cache", file=sys.stderr)
    return cache


def run_import(args: argparse.Namespace) -> int:
    from viewer.storage.importer import expand_paths, import_paths

    # Every file is checked with stat() before it is opened: a FIFO, a device or a huge file is skipped.
    skipped: list[tuple[Path, str]] = []
    targets: list[Path] = []
    given: list[Path] = [found for p in args.paths for found in (expand_paths([p]) if _is_dir(p) else [p])]
    for target in given:
        problem = None if _is_dir(target) else file_problem(target)
        if problem:
            skipped.append((target, "no such file or folder" if problem == "no such file" else problem))
        else:
            targets.append(target)
    missing = skipped
    failed = len(missing)
    for path, reason in skipped:
        print(f"{_shown(str(path))}: skipped: {reason}", file=sys.stderr)
    progress = TerminalProgress(sys.stderr)
    total = len(targets)
    with open_cache() as cache:
        progress.show(0, total, targets[0].name if targets else "")
        # This process runs no other threads, so files can be prepared in one worker process per core.
        outcomes = import_paths(cache, targets, workers=os.cpu_count() or 1)
        for done, outcome in enumerate(outcomes, start=1):
            progress.clear()
            print(outcome.summary_line(), file=sys.stderr if outcome.failed else sys.stdout, flush=True)
            progress.show(done, total, targets[done].name if done < total else "")
            failed += outcome.failed
        progress.clear()
    if failed:
        print(
            f"replay-viewer: error: {failed} of {len(targets) + len(missing)} could not be fully imported",
            file=sys.stderr,
        )
    return 1 if failed else 0


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):  # a name too long, a NUL character
        return False


def _shown(text: str, limit: int = 200) -> str:
    shown = " ".join(text.encode("utf-8", "backslashreplace").decode("utf-8").split())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def run_list(args: argparse.Namespace) -> int:
    with open_cache() as cache:
        rows = cache.all_replays(ReplayQuery(search=args.search, sort=ReplaySort(args.sort), limit=500))
    if args.json:
        json.dump([_json_row(row) for row in rows], sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    for row in rows:
        print(_text_row(row))
    if not rows:
        print("no replays" + (f" match {args.search!r}" if args.search else " in the cache"), file=sys.stderr)
    return 0


def _json_row(row: ReplayRow) -> dict[str, Any]:
    from datetime import datetime

    data = row.as_json()
    data["start_time"] = datetime.fromtimestamp(row.start_ms / 1000, tz=UTC).isoformat()
    return data


def _text_row(row: ReplayRow) -> str:
    from datetime import datetime

    started = datetime.fromtimestamp(row.start_ms / 1000).strftime("%Y-%m-%d %H:%M")
    who = row.user_name or row.user_email or row.user_id or "unknown user"
    minutes, seconds = divmod(round(row.duration_ms / 1000), 60)
    length = f"{minutes:3d}:{seconds:02d}"
    return f"{row.id}  {started}  {length}  {row.event_count:6d} events  {who}  {row.start_url}"


def run_delete_user(args: argparse.Namespace) -> int:

    with open_cache() as cache:
        if cache.get_user(args.user_id) is None:
            raise CommandError(f"no user {args.user_id!r} in the cache")
        removed = cache.delete_user(args.user_id)
    print(
        f"deleted user {args.user_id}: {removed.replays} replays, {removed.analytics_events} analytics events"
    )
    return 0
