"""The commands that open the app's window: plain `replay-viewer` and `replay-viewer open`."""

from __future__ import annotations

import argparse
from pathlib import Path

from viewer.commands.targets import shown
from viewer.errors import CommandError
from viewer.files import file_problem


def run_app(args: argparse.Namespace) -> int:
    from viewer.app import run_app

    return run_app(open_target=None)


def run_open(args: argparse.Namespace) -> int:
    check_target(args.target)
    from viewer.app import run_app

    return run_app(open_target=args.target)


def check_target(target: str) -> None:
    """Refuse, before any window opens, a link that does not parse or a path that is not a regular file."""
    from replay_core.links import parse_link

    named = shown(target)
    if "://" in target:
        try:
            parse_link(target)
        except ValueError as exc:  # LinkError, and urlsplit's own ("Invalid IPv6 URL")
            raise CommandError(f"{named}: not a link to a replay ({shown(str(exc))})") from None
        return
    problem = file_problem(Path(target))
    if problem:
        raise CommandError(f"{named}: {problem}")
