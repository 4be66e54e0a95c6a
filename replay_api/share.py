"""Share links: the page behind `{server}/replays/{id}?t=` and the recording download it offers.

Access: the page is public and reads nothing from the database; it only echoes the id and time that are
already in the link, so it reveals nothing (not even whether the replay exists). The download needs the
project's secret key, sent as `Authorization: Bearer` (scripts, the app) or typed into the page's form,
which POSTs it so that the key never lands in a URL, a browser history or an access log.
"""

from __future__ import annotations

import gzip
import heapq
import html
import json
import math
import re
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from replay_api.errors import ApiError, documented_errors
from replay_api.keys import authenticate
from replay_api.replays import batch_events_gz, batch_seqs, find_replay
from replay_api.state import AppState, app_state, run_db
from replay_api.wire import bearer_token, read_body

router = APIRouter(tags=["share"])
APP_SCHEME = "replay-viewer"
_FORM_LIMIT = 4096
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9_.-]")
# The page needs no script and loads nothing: inline style only, forms may post to us alone.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def share_time(raw: str | None) -> str | None:
    """The `t` of a link as a clean number of seconds, or None when absent or not a time."""
    try:
        seconds = float(raw) if raw else None
    except ValueError:
        return None
    if seconds is None or not math.isfinite(seconds) or seconds < 0 or seconds > 10**7:
        return None
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


def app_link(replay_id: str, t: str | None) -> str:
    link = f"{APP_SCHEME}://replay/{quote(replay_id, safe='')}"
    return f"{link}?t={t}" if t is not None else link


@router.get("/replays/{replay_id}", response_class=HTMLResponse)
async def share_page(replay_id: str, t: str | None = None) -> HTMLResponse:
    """A small page: open the replay in the app (at `t` seconds), or download the recording."""
    return HTMLResponse(render_page(replay_id, share_time(t)), headers=_PAGE_HEADERS)


def render_page(replay_id: str, t: str | None) -> str:
    shown = html.escape(replay_id)
    at = f" at {html.escape(t)} s" if t is not None else ""
    download = html.escape(f"/replays/{quote(replay_id, safe='')}/download")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>Replay {shown}</title>
<style>body{{font:16px system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em}}
a.open{{display:inline-block;padding:.6em 1em;background:#2563eb;color:#fff;border-radius:6px;
text-decoration:none}}code{{word-break:break-all}}</style></head>
<body><h1>Session replay</h1><p>Replay <code>{shown}</code>{at}.</p>
<p><a class="open" href="{html.escape(app_link(replay_id, t))}">Open in Replay Viewer</a></p>
<form method="post" action="{download}"><p>Download recording (a JSON array of rrweb events)
with the project's secret key:</p>
<p><input type="password" name="key" autocomplete="off" aria-label="Secret key" required>
<button type="submit">Download recording</button></p></form>
<p>Replay Viewer is needed to open the link; the download needs a key of the project.</p>
</body></html>
"""


@router.get("/replays/{replay_id}/download", responses=documented_errors(400, 401, 404, 413))
async def download_with_header(request: Request, replay_id: str) -> Response:
    """The recording as a file; `Authorization: Bearer <key>` (a read key is enough)."""
    secret = bearer_token(request.headers.get("authorization", ""))
    return await _download(app_state(request), replay_id, secret)


@router.post("/replays/{replay_id}/download", responses=documented_errors(400, 401, 404, 413))
async def download_with_form(request: Request, replay_id: str) -> Response:
    """The recording as a file; a key in the form field `key` (the share page's form)."""
    body = await read_body(request, _FORM_LIMIT)
    fields = parse_qs(body.decode("utf-8", "replace"))
    secret = (fields.get("key") or [""])[0].strip() or bearer_token(request.headers.get("authorization", ""))
    return await _download(app_state(request), replay_id, secret)


async def _download(state: AppState, replay_id: str, secret: str) -> Response:
    now_ms = state.settings.now_ms()
    access = await run_db(lambda: authenticate(state.db, state.projects, secret, now_ms)) if secret else None
    if access is None:
        raise ApiError(401, "a key of the project (yours or its secret) is required to download a recording")
    project_id = access.project_id

    def work() -> list[list[dict[str, Any]]] | None:
        with state.db.read() as conn:
            row = find_replay(conn, project_id, replay_id)
            if row is None:
                return None
            stored = [batch_events_gz(conn, int(row.id), seq) for seq in batch_seqs(conn, int(row.id), -1)]
        return [json.loads(gzip.decompress(data)) for data in stored if data is not None]

    batches = await run_db(work)
    if batches is None:
        raise ApiError(404, f"no replay {replay_id!r}")
    # Each batch is in timestamp order, but batches overlap in time: merge them.
    events = list(heapq.merge(*batches, key=lambda event: event.get("timestamp", 0)))
    filename = f"replay-{_UNSAFE_FILENAME.sub('_', replay_id)[:100]}.json"
    return Response(
        json.dumps(events, separators=(",", ":")),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
