"""`replay-viewer heatmap`: the pages of the cached replays, or one page's clicks per element and scroll depths. No Qt.

`PAGE` is a URL (its query and fragment do not matter), a path (`/pricing`, on any host) or a pattern
(`/orders/*`, `*` one path segment, `**` any rest). Without PAGE, the pages with their visits, clicks and
replays. `--json` prints the same as one JSON document. Everything comes from the cache's heatmap rows
(`viewer.storage.heatmaps`), written when replays are imported or synced.

`--png OUT` renders offscreen what the Heatmaps page shows: the page rebuilt from a recent replay that
visited it (paused just before that visit's first click), scrolled to the top, with the click map, the
heat by position and the scroll map over it; written to a temporary name and renamed at the end.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from replay_core.heatmap import Viewport
from replay_core.plain_text import one_line
from viewer.commands.targets import shown
from viewer.errors import CommandError

VIEWPORTS = [v.value for v in Viewport]
_SCROLL_LINES_PERCENT = 10  # the text output shows every 10 %; --json every step the cache keeps


def run_heatmap(args: argparse.Namespace) -> int:
    from viewer.commands.cache import open_cache
    from viewer.storage.heatmaps import HeatmapFilter

    png = getattr(args, "png", None)
    if png is not None:
        if args.json:
            raise CommandError("--json and --png cannot be used together")
        if args.page is None:
            raise CommandError("--png needs a PAGE: 'replay-viewer heatmap' lists the pages")
        _check_png_target(Path(png))
    where = HeatmapFilter(
        since_ms=since_ms(args.since), viewport=Viewport(args.viewport) if args.viewport else None
    )
    with open_cache() as cache:
        if args.page is None:
            _print_pages(cache.heatmap_pages(where), args.json)
            return 0
        page = _page_argument(args.page)
        if png is not None:
            view = cache.heatmap_view(page, where)
            if not view.heatmap.visits:
                raise CommandError(f"no visits of {shown(page)} in the cache{_filters_text(args)}; "
                                   "'replay-viewer heatmap' lists the pages")  # fmt: skip
            if view.snapshot is None:
                raise CommandError(f"no replay that visited {shown(page)} has its events in the cache "
                                   "to rebuild the page from")  # fmt: skip
            events = cache.events(view.snapshot.replay_id)
            assets = cache.replay_assets(view.snapshot.replay_id)  # its recorded images, stylesheets, fonts
            # By name, as viewer.cli dispatches commands: this module stays Qt-free; only --png loads Qt.
            render = importlib.import_module("viewer.commands.heatmap_png").render_heatmap_png
            render(view, events, _caption(page, view.heatmap, args), Path(png), assets=assets)
            print(png)
            return 0
        heatmap = cache.heatmap(page, where)
    if not heatmap.visits:
        raise CommandError(f"no visits of {shown(page)} in the cache{_filters_text(args)}; "
                           "'replay-viewer heatmap' lists the pages")  # fmt: skip
    if args.json:
        _dump({"page": page, "filters": {"since": args.since, "viewport": args.viewport}} | asdict(heatmap))
    else:
        _print_heatmap(page, heatmap)
    return 0


def _check_png_target(path: Path) -> None:
    if path.is_dir():
        raise CommandError(f"{path} is a folder; give a file name for the PNG")
    if not path.parent.exists():
        raise CommandError(f"{path.parent} does not exist")


def _caption(page: str, heatmap: Any, args: argparse.Namespace) -> str:
    return (f"{one_line(page, 200)}: {heatmap.visits} visits, {heatmap.clicks} clicks, "
            f"{heatmap.replays} replays{_filters_text(args)}")  # fmt: skip


def since_ms(text: str | None) -> int | None:
    """`--since 2026-11-01`: the start of that day in the local time zone."""
    if text is None:
        return None
    from viewer.storage.zones import day_start_ms

    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--since takes a date as YYYY-MM-DD (got {shown(text, 40)})") from None
    return day_start_ms(day)


def _page_argument(text: str) -> str:
    page = text.strip()
    if not page:
        raise CommandError(
            "PAGE is empty: give a URL, a path such as /pricing, or a pattern such as /orders/*"
        )
    try:
        page.encode("utf-8")
    except UnicodeEncodeError:
        raise CommandError("PAGE is not valid UTF-8 text") from None
    return page


def _print_pages(pages: list[Any], as_json: bool) -> None:
    if as_json:
        _dump([asdict(p) for p in pages])
        return
    if not pages:
        print("no page visits in the cache (import or sync replays first)")
        return
    print(f"{'VISITS':>7} {'CLICKS':>7} {'REPLAYS':>7}  PAGE")
    for p in pages:
        print(f"{p.visits:>7} {p.clicks:>7} {p.replays:>7}  {one_line(p.page, 300)}")


def _print_heatmap(page: str, heatmap: Any) -> None:
    pages = f" ({len(heatmap.pages)} pages)" if len(heatmap.pages) > 1 else ""
    if len(heatmap.pages) == 1 and heatmap.pages[0] != page:
        pages = f" ({one_line(heatmap.pages[0], 300)})"
    print(
        f"{one_line(page, 300)}{pages}: {heatmap.visits} visits, {heatmap.replays} replays, {heatmap.clicks} clicks"
    )
    print(f"\n{'CLICKS':>7} {'VISITS':>7} {'REPLAYS':>7} {'RAGE':>5} {'DEAD':>5}  ELEMENT")
    for e in heatmap.elements:
        label = "" if e.label == e.selector else f"  ({one_line(e.label, 80)})"
        print(
            f"{e.clicks:>7} {e.visits:>7} {e.replays:>7} {e.rage:>5} {e.dead:>5}  {one_line(e.selector, 300)}{label}"
        )
    scroll = heatmap.scroll
    if not scroll.visits:
        return
    height = f"{scroll.page_height_px:,.0f} px" + (
        "" if scroll.height_known else ", the tallest known or reached"
    )
    print(f"\nScroll depth ({scroll.visits} visits; 100 % = {height}):")
    for depth in scroll.depths:
        if depth.percent % _SCROLL_LINES_PERCENT == 0:
            print(f"{depth.percent:>5} %  {depth.share * 100:5.1f} % of visits")


def _filters_text(args: argparse.Namespace) -> str:
    parts = [f"since {args.since}" if args.since else "", f"on {args.viewport}" if args.viewport else ""]
    return "".join(" " + p for p in parts if p)


def _dump(document: Any) -> None:
    json.dump(document, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
