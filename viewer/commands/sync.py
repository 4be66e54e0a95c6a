"""The sync commands: `source add|list|remove` and `sync [--once]`. No Qt here.

`sync --once` exits with 1 when a source could not be synced to the end (unreachable, a bad key, a
broken change feed): its next sync resumes where this one stopped. A replay the server could not serve
is only a warning on stderr (exit 0): the sync went on without it and tries it again later.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from viewer.commands.progress import TerminalProgress
from viewer.errors import CommandError

if TYPE_CHECKING:
    from viewer.storage import ReplayFault
    from viewer.sync.sources import Source
    from viewer.sync.syncer import SyncReport


def run_source_add(args: argparse.Namespace) -> int:
    """Add a source once its server has said what the key may do; a key it refuses is not stored."""
    from viewer.sync.service import verify_key
    from viewer.sync.sources import SourceError, add_source, check_source

    key = _read_key(args.name)
    _sources()  # a damaged sync.json is set aside, with its warning, before the source is added to a new one
    try:
        check_source(args.name, args.url, key)
        checked = verify_key(args.url, key)
        if checked.refused:
            raise CommandError(checked.refused)
        known = checked.key
        warning = add_source(
            args.name,
            args.url,
            key,
            key_name=known.name if known else "",
            key_scope=known.scope if known else "",
        )
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    for line in (checked.warning, warning):
        if line:
            print(f"replay-viewer: warning: {line}", file=sys.stderr)
    print(f"added source {args.name.strip()!r} ({args.url.strip().rstrip('/')}): {checked.describe()}")
    return 0


def _read_key(name: str) -> str:
    if sys.stdin.isatty():
        try:
            return getpass.getpass(f"API key for {name}: ")
        except EOFError:
            return ""
    return sys.stdin.readline().strip()


def run_source_list(args: argparse.Namespace) -> int:
    from viewer.sync.sources import api_key

    sources = _sources()
    waiting = _faults_by_source() if sources else {}
    for source in sources:
        has_key = source.key_description() if api_key(source.name) else "NO KEY"
        print(f"{source.name}\t{source.url}\t{has_key}")
        for fault in waiting.get(source.name, []):
            print(f"  {_skipped(fault)}")
    return 0


def _faults_by_source() -> dict[str, list[ReplayFault]]:
    """The replays each source's sync skipped and will try again (read from the cache, if there is one)."""
    from viewer.commands.cache import open_cache

    found: dict[str, list[ReplayFault]] = {}
    with open_cache() as cache:
        for fault in cache.replay_faults():
            found.setdefault(fault.source, []).append(fault)
    return found


def run_source_remove(args: argparse.Namespace) -> int:
    from viewer.sync.sources import SourceError, remove_source

    _sources()  # the warning about a damaged sync.json comes before "no source named …"
    try:
        remove_source(args.name)
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    print(f"removed source {args.name!r}")
    return 0


def _sources() -> list[Source]:
    """The configured sources; a notice about sync.json (damaged, set aside) is printed as a warning."""
    from viewer.sync.sources import read_config

    loaded = read_config()
    if loaded.notice:
        print(f"replay-viewer: warning: {loaded.notice}", file=sys.stderr)
    return loaded.value.sources


def run_sync(args: argparse.Namespace) -> int:
    from viewer.commands.cache import open_cache
    from viewer.sync.service import SyncService

    if not _sources():
        raise CommandError("no sources configured: add one with `replay-viewer source add NAME URL`")
    bar = TerminalProgress(sys.stderr, "replays")
    with open_cache() as cache:
        service = SyncService(cache)
        if args.once:
            reports = service.sync_all(bar.show)
            bar.clear()
            return _print_reports(reports)
        stop = threading.Event()
        try:
            service.run_forever(stop, bar.show, lambda reports: _after_sync(bar, reports))
        except KeyboardInterrupt:
            stop.set()
            bar.clear()
            print("stopped", file=sys.stderr)
        return 0


def _after_sync(bar: TerminalProgress, reports: list[SyncReport]) -> None:
    bar.clear()
    _print_reports(reports)


def _print_reports(reports: list[SyncReport]) -> int:
    failed = 0
    for report in reports:
        print(
            f"{report.source}: {report.replays_added} replays added, {report.replays_extended} extended, "
            f"{report.replays_metadata_only} metadata only, {report.users} users, {report.events} events, "
            f"{report.deletions} deletions, {report.collab.uploaded} comments and collections sent, "
            f"{report.collab.merged} received, {report.bytes / 1e6:.1f} MB in {report.seconds:.1f} s"
        )
        for fault in report.skipped:
            print(f"replay-viewer: warning: {report.source}: {_skipped(fault)}", file=sys.stderr)
        for line in report.ignored:
            print(f"replay-viewer: warning: {report.source}: {line}", file=sys.stderr)
        for line in report.collab.refused:
            print(f"replay-viewer: warning: {report.source}: {line}", file=sys.stderr)
        for error in report.errors:
            print(f"replay-viewer: error: {report.source}: {error}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def _skipped(fault: ReplayFault) -> str:
    """'replay r1 skipped (…the server answered 500…); attempt 2, next try after 2026-03-29 14:05:00'."""
    when = datetime.fromtimestamp(fault.next_retry_ms / 1000).strftime("%Y-%m-%d %H:%M:%S")
    return (
        f"replay {fault.replay_id} skipped ({fault.reason}); attempt {fault.attempts}, next try after {when}"
    )
