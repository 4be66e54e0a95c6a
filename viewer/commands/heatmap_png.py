"""`replay-viewer heatmap PAGE --png OUT`: the Heatmaps view rendered offscreen (Qt WebEngine).

The page is rebuilt from `view.snapshot` (a recent replay that visited it) in an offscreen player, at the
one of its visit's moments where most of the clicked elements are on the page, scrolled to the top, with
the overlay (`resources/player/heatmap-overlay.js`) drawn over it; the PNG is written to a temporary name
and renamed at the end.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from viewer.errors import CommandError
from viewer.storage.heatmaps import HeatmapView, overlay_data


def render_heatmap_png(
    view: HeatmapView,
    events: list[Any],
    caption: str,
    out: Path,
    timeout_s: float = 60.0,
    assets: tuple[dict[str, str], dict[str, tuple[str, bytes]]] | None = None,
) -> None:
    """Rebuild the page from `view.snapshot` offscreen, draw the overlay, write the PNG (temp name, rename)."""
    from replay_core import Recording
    from viewer.player.environment import sandbox_problem, use_offscreen_platform
    from viewer.settings import read_settings

    problem = sandbox_problem()
    if problem:
        raise CommandError(problem)
    use_offscreen_platform()
    from viewer.player.moment import MomentRenderer

    settings = read_settings()
    if settings.notice:
        print(f"replay-viewer: warning: {settings.notice}", file=sys.stderr)
    snapshot = view.snapshot
    if snapshot is None:
        raise CommandError("no replay to rebuild the page from")
    recording = Recording(events=events, name=snapshot.replay_id)
    renderer = MomentRenderer.start(remote_assets=settings.value.load_remote_assets)
    drawn: list[dict[str, Any]] = []
    renderer.view.heatmapDrawn.connect(drawn.append)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        renderer.show(recording, timeout_s, assets=assets)
        # The visit's moments in turn: the page is drawn where most of the clicked elements are on it.
        tried: list[tuple[int, int]] = []
        for moment in snapshot.moments or (snapshot.at_offset_ms,):
            answer = _draw_at(renderer, float(moment), overlay_data(view, caption=caption), drawn, timeout_s)
            tried.append((int(answer.get("found", 0)), -moment))
            if not answer.get("missing"):
                break
        best = -max(tried)[1]
        if best != -tried[-1][1]:
            _draw_at(renderer, float(best), overlay_data(view, caption=caption), drawn, timeout_s)
        renderer.save_png(temporary)
        os.replace(temporary, out)
    finally:
        temporary.unlink(missing_ok=True)
        renderer.close()


def _draw_at(renderer: Any, at_ms: float, overlay: dict[str, Any], drawn: list[dict[str, Any]],
             timeout_s: float) -> dict[str, Any]:  # fmt: skip
    from viewer.player.headless import wait_until

    renderer.seek(at_ms, timeout_s)
    drawn.clear()
    renderer.view.show_heatmap(overlay)
    wait_until(lambda: bool(drawn), timeout_s, "the heatmap to be drawn")
    if drawn[0].get("error"):
        raise CommandError(f"the heatmap could not be drawn: {drawn[0]['error']}")
    return drawn[0]
