"""The `replay-viewer` command line: the arguments of every command, dispatched to `viewer.commands`.

Handlers are named, not imported, so only the command that runs is loaded (and `list` never loads Qt).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from replay_core import RecordingError
from viewer.errors import CommandError
from viewer.storage.database import CacheError
from viewer.storage.models import ReplaySort

Handler = Callable[[argparse.Namespace], int]
PROG = "replay-viewer"
__all__ = ["CommandError", "build_parser", "main"]


def _command(
    commands: argparse._SubParsersAction, name: str, handler: str, help_text: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    parser.set_defaults(handler=handler)
    return parser


class _Version(argparse.Action):
    """Print what `viewer.about` says and exit, as argparse's version action does with one line."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kwargs: object) -> None:
        from viewer.about import about_lines

        print("\n".join(about_lines()))
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Watch rrweb session replays.")
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="show the versions of the app, Qt and rrweb, and where data lives"
    )
    parser.set_defaults(handler="window:run_app")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    opener = _command(commands, "open", "window:run_open", "open a recording file or a share link in the player")
    opener.add_argument("target", metavar="PATH|LINK")

    frame = _command(commands, "frame", "frame:run_frame", "render moments of a recording headlessly")
    frame.add_argument("target", metavar="PATH|ID")
    frame.add_argument(
        "--at", required=True, metavar="S1,S2,…", help="the moments in seconds, shown in the order given"
    )
    output = frame.add_mutually_exclusive_group(required=True)
    output.add_argument(
        "--png", metavar="OUT", help="write a PNG of the replayed viewport (OUT-1.png, OUT-2.png, … for several)"
    )
    output.add_argument("--text", action="store_true", help="print the replayed page's visible text")
    frame.add_argument("--timeout", type=float, default=60.0, help=argparse.SUPPRESS)

    _export_command(commands)

    activity = _command(commands, "activity", "activity:run_activity", "print a replay's activity timeline")
    activity.add_argument("target", metavar="PATH|ID")
    activity.add_argument("--json", action="store_true", help="print a JSON object: counts and entries")
    activity.add_argument("--kind", metavar="K1,K2,…", help="only these kinds, e.g. console,network,frustration")

    heatmap = _command(
        commands, "heatmap", "heatmap:run_heatmap", "list the cached pages, or a page's clicks per element and scrolls"
    )
    heatmap.add_argument("page", nargs="?", metavar="PAGE", help="a URL, a path (/pricing) or a pattern (/orders/*)")
    heatmap.add_argument("--since", metavar="DATE", help="only visits from that day on (YYYY-MM-DD, local time)")
    heatmap.add_argument("--viewport", choices=["desktop", "tablet", "mobile"], help="only visits in that width class")
    heatmap.add_argument("--json", action="store_true", help="print a JSON document: elements and scroll depths")
    heatmap.add_argument("--png", metavar="OUT", help="write a PNG: the page rebuilt, with the heatmap over it")

    _command(
        commands,
        "install-desktop-entry",
        "desktop:run_install_desktop_entry",
        "add Replay Viewer to the desktop's applications, as the handler of replay-viewer:// links",
    )
    _cache_commands(commands)
    _sync_commands(commands)
    _collab_commands(commands)
    _assets_commands(commands)
    return parser


def _assets_commands(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("assets", help="the asset cache: a replay's images, stylesheets and fonts")
    actions = group.add_subparsers(dest="assets_command", required=True, metavar="COMMAND")
    fetch = _command(actions, "fetch", "assets:run_assets_fetch", "fetch a cached replay's assets into the cache")
    fetch.add_argument("replay_id", metavar="ID")
    fetch.add_argument("--allow-host", action="append", metavar="HOST", help="fetch from HOST even on a private "
                       "or loopback address (besides the hosts allowed in the settings)")  # fmt: skip
    status = _command(actions, "status", "assets:run_assets_status", "what the cache has of a replay's assets")
    status.add_argument("replay_id", metavar="ID")
    status.add_argument("--json", action="store_true")


def _export_command(commands: argparse._SubParsersAction) -> None:
    export = _command(
        commands, "export", "export:run_export", "write a replay or a clip of it as MP4, WebM or GIF"
    )
    export.add_argument("target", metavar="PATH|ID")
    export.add_argument("--out", required=True, metavar="FILE", help="FILE.mp4 (H.264), FILE.webm (VP9) or FILE.gif")
    export.add_argument("--from", dest="start", type=float, default=0.0, metavar="S", help="start, seconds")
    export.add_argument("--to", dest="end", type=float, metavar="S", help="end, seconds (default: the end)")
    export.add_argument("--fps", type=float, default=10.0, help="frames per second of video (default 10)")
    export.add_argument("--size", metavar="WxH", help="frame size in pixels (default: the recorded viewport)")
    export.add_argument("--speed", type=float, default=1.0, metavar="X", help="recording seconds per video second")
    export.add_argument(
        "--skip-inactivity", action="store_true", help='jump over idle stretches, with a "skipped 41 s" caption'
    )
    export.add_argument("--no-cursor", action="store_true", help="leave out the recorded pointer and clicks")
    export.add_argument("--progress", action="store_true", help=argparse.SUPPRESS)  # lines for the app
    export.add_argument("--timeout", type=float, default=60.0, help=argparse.SUPPRESS)


def _cache_commands(commands: argparse._SubParsersAction) -> None:
    importer = _command(
        commands, "import", "cache:run_import", "import recording files or capture folders into the cache"
    )
    importer.add_argument("paths", nargs="+", metavar="PATH", type=Path)

    lister = _command(commands, "list", "cache:run_list", "list the cached replays, newest first")
    lister.add_argument("--search", default="", metavar="Q", help="user name, email, user id or a date")
    lister.add_argument("--sort", choices=[s.value for s in ReplaySort], default=ReplaySort.RECENT.value)
    lister.add_argument("--json", action="store_true", help="print a JSON array")

    deleter = _command(
        commands, "delete-user", "cache:run_delete_user", "delete a user's profile, replays and events"
    )
    deleter.add_argument("user_id", metavar="USER_ID")


def _sync_commands(commands: argparse._SubParsersAction) -> None:
    source = commands.add_parser("source", help="configure the replay API servers to sync from")
    actions = source.add_subparsers(title="actions", metavar="ACTION", required=True)
    add = _command(
        actions, "add", "sync:run_source_add", "add (or replace) a source; the API key is read from stdin or asked"
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("url", metavar="URL", help="the server's base URL, e.g. https://replays.example.com")
    _command(actions, "list", "sync:run_source_list", "list the sources")
    remove = _command(actions, "remove", "sync:run_source_remove", "remove a source and its stored key")
    remove.add_argument("name", metavar="NAME")

    sync = _command(
        commands,
        "sync",
        "sync:run_sync",
        "sync the configured sources into the cache; exits 1 only when a source could not be synced "
        "(replays a server cannot serve are warnings, retried later)",
    )
    sync.add_argument("--once", action="store_true", help="sync once and exit (default: every 60 s)")


def _collab_commands(commands: argparse._SubParsersAction) -> None:
    comment = commands.add_parser("comment", help="comments pinned to a moment of a replay")
    actions = comment.add_subparsers(title="actions", metavar="ACTION", required=True)
    add = _command(actions, "add", "collab:run_comment_add", "comment on a replay at a moment (author: settings)")
    add.add_argument("replay_id", metavar="ID")
    add.add_argument("--at", required=True, metavar="S", help="the moment in seconds from the replay's start")
    add.add_argument("text", nargs="+", metavar="TEXT")
    deleter = _command(actions, "delete", "collab:run_comment_delete", "delete a comment (for the whole team)")
    deleter.add_argument("comment_id", metavar="COMMENT_ID")
    lister = _command(actions, "list", "collab:run_comment_list", "list the comments (of one replay)")
    lister.add_argument("replay_id", nargs="?", metavar="ID")
    lister.add_argument("--json", action="store_true", help="print a JSON array")

    collection = commands.add_parser("collection", help="named lists of replays, played in order")
    actions = collection.add_subparsers(title="actions", metavar="ACTION", required=True)
    create = _command(actions, "create", "collab:run_collection_create", "make an empty collection")
    create.add_argument("name", metavar="NAME")
    adder = _command(actions, "add", "collab:run_collection_add", "add a replay at the end of a collection")
    adder.add_argument("name", metavar="NAME")
    adder.add_argument("replay_id", metavar="ID")
    adder.add_argument("--at", metavar="S", help="start the replay at this moment (seconds)")
    remover = _command(actions, "remove", "collab:run_collection_remove", "take a replay out of a collection")
    remover.add_argument("name", metavar="NAME")
    remover.add_argument("replay_id", metavar="ID")
    lister = _command(actions, "list", "collab:run_collection_list", "list the collections, or one's replays")
    lister.add_argument("name", nargs="?", metavar="NAME")
    lister.add_argument("--json", action="store_true", help="print JSON")
    export = _command(
        actions, "export", "collab:run_collection_export", "write a folder: recordings, comments and an index"
    )
    export.add_argument("name", metavar="NAME")
    export.add_argument("dir", metavar="DIR")
    importer = _command(actions, "import", "collab:run_collection_import", "import an exported collection folder")
    importer.add_argument("dir", metavar="DIR")


def _handler(name: str) -> Handler:
    module, _, function = name.partition(":")
    handler: Handler = getattr(importlib.import_module(f"viewer.commands.{module}"), function)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _check_text(args)
        return _handler(args.handler)(args)
    except (CommandError, RecordingError, CacheError) as exc:
        _error(str(exc))
        return getattr(exc, "exit_code", 1)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - every other error is one line too, its traceback in the log
        from viewer.storage.database import cache_problem

        problem = cache_problem(exc)
        if problem is not None:
            _error(problem)
            return 1
        _error(f"unexpected error ({type(exc).__name__}: {_clip(str(exc))}){_logged(exc)}")
        return 1


# Arguments that are text (ids, names, a search), not file names: they must be valid Unicode. A file name
# may be any bytes (Python hands them over surrogate-escaped, and the file system takes them back).
_TEXT_ARGUMENTS = {
    "user_id": "USER_ID", "search": "--search", "name": "NAME", "url": "URL", "replay_id": "ID", "at": "--at"
}  # fmt: skip


def _check_text(args: argparse.Namespace) -> None:
    for attribute, shown in _TEXT_ARGUMENTS.items():
        value = getattr(args, attribute, None)
        if isinstance(value, str) and not _is_unicode(value):
            raise CommandError(f"{shown} is not valid UTF-8 text")


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _error(message: str) -> None:
    print(f"{PROG}: error: {_clip(message, 500)}", file=sys.stderr, flush=True)


def _clip(text: str, limit: int = 300) -> str:
    """One line of at most `limit` characters; a user's 5,000-character argument is not echoed whole."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _logged(exc: BaseException) -> str:
    """Write the traceback to the rotating log; '; details in PATH', or '' when there is no log to write."""
    from viewer.crash_log import command_line, log_unexpected

    path = log_unexpected(exc, f"{PROG} {command_line()} failed")
    return f"; details in {path}" if path is not None else ""


if __name__ == "__main__":
    raise SystemExit(main())
