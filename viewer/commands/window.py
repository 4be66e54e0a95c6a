"""The commands that open the app's window: plain `replay-viewer` and `replay-viewer open`."""

from __future__ import annotations

import argparse


def run_app(args: argparse.Namespace) -> int:
    from viewer.app import run_app

    return run_app(open_target=None)


def run_open(args: argparse.Namespace) -> int:
    from viewer.app import run_app

    return run_app(open_target=args.target)
