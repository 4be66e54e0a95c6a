"""The `replay-viewer` command line: argument parsing and dispatch; Qt is imported only when needed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from viewer import cache_commands, sync_commands
from viewer.errors import CommandError
from viewer.recording import RecordingError

Handler = Callable[[argparse.Namespace], int]
PROG = "replay-viewer"
__all__ = ["CommandError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Watch rrweb session replays.")
    parser.set_defaults(handler=_run_app)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    open_cmd = commands.add_parser("open", help="open a recording file or a share link in the player")
    open_cmd.add_argument("target", metavar="PATH|LINK")
    open_cmd.set_defaults(handler=_run_open)

    frame = commands.add_parser("frame", help="render one moment of a recording headlessly")
    frame.add_argument("target", metavar="PATH|ID")
    frame.add_argument("--at", type=float, required=True, metavar="SECONDS", help="the moment, in seconds")
    output = frame.add_mutually_exclusive_group(required=True)
    output.add_argument("--png", metavar="OUT", help="write a PNG of the replayed viewport")
    output.add_argument("--text", action="store_true", help="print the replayed page's visible text")
    frame.add_argument("--timeout", type=float, default=60.0, help=argparse.SUPPRESS)
    frame.set_defaults(handler=_run_frame)

    cache_commands.register(commands)
    sync_commands.register(commands)
    return parser


def _run_app(args: argparse.Namespace) -> int:
    from viewer.app import run_app

    return run_app(open_target=None)


def _run_open(args: argparse.Namespace) -> int:
    from viewer.app import run_app

    return run_app(open_target=args.target)


def _run_frame(args: argparse.Namespace) -> int:
    if args.at < 0:
        raise CommandError("--at must be zero or more seconds")
    from viewer.player.frame import render_frame

    return render_frame(args.target, at_s=args.at, png=args.png, text=args.text, timeout_s=args.timeout)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (CommandError, RecordingError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
