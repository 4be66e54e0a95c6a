"""`replay-viewer activity`: a replay's activity timeline, one line per entry, or JSON for scripts. No Qt here.

The target is a recording file, or else the id of a replay in the cache (whose analytics events then
join the timeline). Every text printed is the core's bounded plain text: one line, no control characters.
"""

from __future__ import annotations

import argparse
import json
import sys

from replay_core.timeline import ActivityEntry, EntryKind, activity_timeline, counts_of
from viewer.commands.targets import looks_like_a_file, recording_for, shown
from viewer.errors import CommandError

KINDS = [kind.value for kind in EntryKind]


def run_activity(args: argparse.Namespace) -> int:
    kinds = parse_kinds(args.kind)
    recording, analytics = recording_for(args.target, analytics=True)
    entries = activity_timeline(recording.events, analytics)
    if not looks_like_a_file(args.target):  # a cached replay: its comments join the timeline
        entries = _with_comments(entries, args.target)
    listed = [e for e in entries if kinds is None or e.kind in kinds]
    if args.json:
        counts = counts_of(entries)
        document = {"replay": recording.name, "counts": counts.__dict__, "entries": [e.as_json() for e in listed]}
        json.dump(document, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.writelines(text_line(entry) + "\n" for entry in listed)
    return 0


def _with_comments(entries: list[ActivityEntry], replay_id: str) -> list[ActivityEntry]:
    from replay_core.plain_text import one_line
    from viewer.commands.cache import open_cache

    with open_cache() as cache:
        comments = cache.comments(replay_id)
    found = [ActivityEntry(c.at_ms, EntryKind.COMMENT, one_line(f"{c.author}: {c.text}"), c.text) for c in comments]
    return sorted([*entries, *found], key=lambda entry: entry.at_ms)


def parse_kinds(text: str | None) -> set[EntryKind] | None:
    """`--kind console,network`: the kinds to show, each one of KINDS; None shows every kind."""
    if text is None:
        return None
    wanted = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - set(KINDS))
    if unknown or not wanted:
        got = ", ".join(shown(u, 30) for u in unknown[:3]) or "nothing"
        raise CommandError(f"--kind takes a comma-separated list of {', '.join(KINDS)} (got {got})")
    return {EntryKind(kind) for kind in wanted}


def text_line(entry: ActivityEntry) -> str:
    """`00:09.792  console      error: Payment widget failed to load`"""
    minutes, rest = divmod(max(entry.at_ms, 0), 60_000)
    return f"{minutes:02d}:{rest / 1000:06.3f}  {entry.kind.value:<11}  {entry.summary}"


