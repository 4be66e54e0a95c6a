"""The `replay-player:` URL scheme: the player page, the rrweb bundle and replay event chunks."""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice, QObject, QUrl
from PySide6.QtWebEngineCore import (
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

from viewer import resources
from viewer.errors import CommandError
from viewer.player.chunks import EventChunks, ShownChunks
from viewer.player.environment import expose_page_gc

SCHEME = b"replay-player"
HOST = "local"
PAGE_URL = QUrl(f"{SCHEME.decode()}://{HOST}/index.html")
# The page's path → the file served for it, under the player folder of the resource package.
_STATIC = {
    "/index.html": "index.html",
    "/player.js": "player.js",
    "/player.css": "player.css",
    "/keyframes.js": "keyframes.js",
    "/heatmap-overlay.js": "heatmap-overlay.js",
    "/heatmap-overlay.css": "heatmap-overlay.css",
    "/vendor/rrweb/rrweb.umd.cjs": "node_modules/rrweb/dist/rrweb.umd.cjs",
    "/vendor/rrweb/style.css": "node_modules/rrweb/dist/style.css",
}
OWN_PATHS = frozenset({*_STATIC, "/qwebchannel.js"})  # recorded paths that are ours are never taken for assets
_MIME = {".cjs": b"text/javascript", ".js": b"text/javascript", ".css": b"text/css", ".html": b"text/html"}
_registered = False
_keyframe_format: str | None = None


class PlayerUnavailable(CommandError):
    """The player page cannot be served (its rrweb bundle is not installed)."""


def register_player_scheme() -> None:
    """Declare the scheme to Qt WebEngine; must run before the QApplication is created."""
    global _registered
    if _registered:
        return
    expose_page_gc()
    scheme = QWebEngineUrlScheme(SCHEME)
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    scheme.setFlags(
        QWebEngineUrlScheme.Flag.SecureScheme
        | QWebEngineUrlScheme.Flag.CorsEnabled
        | QWebEngineUrlScheme.Flag.FetchApiAllowed
    )
    QWebEngineUrlScheme.registerScheme(scheme)
    _registered = True


def static_files() -> dict[str, Path]:
    """The page's static files by the path the page asks for (found through package resources)."""
    player = resources.player_dir()
    return {path: player / relative for path, relative in _STATIC.items()}


def keyframe_format() -> str:
    """What keyframes made by this player depend on: the keyframe builder and rrweb's code. Keyframes kept
    by another (an upgraded rrweb, a changed builder) are made again rather than trusted."""
    global _keyframe_format
    if _keyframe_format is None:
        digest = hashlib.sha256()
        for path in ("/keyframes.js", "/vendor/rrweb/rrweb.umd.cjs"):
            file = static_files()[path]
            digest.update(file.read_bytes() if file.is_file() else b"")
        _keyframe_format = f"keyframes-1/{digest.hexdigest()[:24]}"
    return _keyframe_format


def check_player_installed() -> None:
    missing = [str(path) for path in static_files().values() if not path.is_file()]
    if missing:
        raise PlayerUnavailable(
            f"the player page is not installed ({missing[0]} is missing); "
            "reinstall replay-viewer (in a clone: `make setup`)"
        )


class PlayerSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers the page's requests: static files and the chunks of registered replays."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._replays: dict[str, EventChunks | ShownChunks] = {}
        self._keyframes: dict[str, bytes] = {}
        self._assets: dict[str, tuple[bytes, bytes]] = {}  # sha256 → (content type, body), the open replay's

    def add_replay(self, chunks: EventChunks | ShownChunks) -> str:
        """Serve `chunks` under a fresh unguessable URL; returns the base URL the page fetches from."""
        key = secrets.token_urlsafe(12)
        self._replays[key] = chunks
        return f"{SCHEME.decode()}://{HOST}/replays/{key}"

    def add_keyframes(self, body: bytes) -> str:
        """Serve a replay's stored keyframes (a JSON array) once, under a fresh unguessable URL."""
        key = secrets.token_urlsafe(12)
        self._keyframes[key] = body
        return f"{SCHEME.decode()}://{HOST}/keyframes/{key}"

    def set_assets(self, contents: dict[str, tuple[bytes, bytes]]) -> None:
        """The cached assets of the replay shown (sha256 → content type, body), served at /assets/<sha256>."""
        self._assets = contents

    def drop_replays(self) -> None:
        self._replays.clear()
        self._keyframes.clear()

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 (Qt override)
        url = job.requestUrl()
        if bytes(job.requestMethod().data()) != b"GET" or url.host() != HOST:
            job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)
            return
        body, mime = self._answer(url.path())
        if body is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        if url.path().startswith("/assets/"):  # fonts are fetched in CORS mode by the recorded document
            job.setAdditionalResponseHeaders({QByteArray(b"Access-Control-Allow-Origin"): QByteArray(b"*")})
        buffer = QBuffer(job)
        buffer.setData(QByteArray(body))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(mime, buffer)

    def _answer(self, path: str) -> tuple[bytes | None, bytes]:
        if path in _STATIC:
            file = resources.player_dir() / _STATIC[path]
            mime = _MIME.get(file.suffix) or (mimetypes.guess_type(file.name)[0] or "").encode()
            return (file.read_bytes() if file.is_file() else None), mime
        if path == "/qwebchannel.js":
            return _qrc_bytes(":/qtwebchannel/qwebchannel.js"), b"text/javascript"
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "assets" and parts[1] in self._assets:
            content_type, content = self._assets[parts[1]]
            return content, content_type
        if len(parts) == 2 and parts[0] == "keyframes":
            body = self._keyframes.pop(parts[1], None)  # fetched once, then the page holds them
            return body, b"application/json"
        if len(parts) == 3 and parts[0] == "replays" and parts[2].isdigit():
            chunks = self._replays.get(parts[1])
            index = int(parts[2])
            if chunks is not None and index < len(chunks):
                return chunks.chunk(index), b"application/json"
        return None, b""


def _qrc_bytes(name: str) -> bytes | None:
    file = QFile(name)
    if not file.open(QIODevice.OpenModeFlag.ReadOnly):
        return None
    try:
        return bytes(file.readAll().data())
    finally:
        file.close()
