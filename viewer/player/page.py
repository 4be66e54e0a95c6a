"""The locked-down web page and profile the player runs in: no navigation, no popups, policed requests."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWebEngineCore import (
    QWebEngineDownloadRequest,
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)

from viewer.player.policy import (
    RequestLog,
    RequestRecord,
    cached_asset_path,
    relative_asset_path,
    request_allowed,
)
from viewer.player.scheme import HOST, OWN_PATHS, PAGE_URL, SCHEME, PlayerSchemeHandler

log = logging.getLogger(__name__)
_RT = QWebEngineUrlRequestInfo.ResourceType
_KINDS = {
    _RT.ResourceTypeMainFrame: "main-frame",
    _RT.ResourceTypeSubFrame: "sub-frame",
    _RT.ResourceTypeImage: "image",
    _RT.ResourceTypeStylesheet: "stylesheet",
    _RT.ResourceTypeFontResource: "font",
    _RT.ResourceTypeScript: "script",
    _RT.ResourceTypeMedia: "media",
    _RT.ResourceTypeXhr: "xhr",
    _RT.ResourceTypeFavicon: "favicon",
}
_SUBFRAME_DOCUMENTS = {"about:blank", "about:srcdoc"}


class AssetInterceptor(QWebEngineUrlRequestInterceptor):
    """Our scheme only: a recorded asset the open replay's asset map has is redirected to its cached copy,
    every other request that is not our scheme or inline data is blocked; each decision is logged.

    `interceptRequest` runs on Qt WebEngine's IO thread: the map is replaced whole, never changed in place."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.asset_map: Mapping[str, str] = {}  # recorded URL (replay_core.assets.key) → sha256
        self.asset_paths: Mapping[str, str] = {}  # policy.by_path of the map
        self.log = RequestLog()

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 (Qt override)
        url = info.requestUrl()
        kind = _KINDS.get(info.resourceType(), "other")
        method = bytes(info.requestMethod().data()).decode("ascii", "replace")
        if request_allowed(url.scheme(), kind):
            encoded = QUrl.ComponentFormattingOption.FullyEncoded
            path = url.path(encoded) + ("?" + url.query(encoded) if url.hasQuery() else "")
            relative = url.host() == HOST and relative_asset_path(path, kind, OWN_PATHS, self.asset_paths)
            if relative:
                self._redirect(info, url, method, kind, relative)
                return
            self.log.add(RequestRecord(url.toString(), method, kind, True))
            return
        cached = cached_asset_path(url.toString(), method, kind, self.asset_map)
        if cached is not None:
            self._redirect(info, url, method, kind, cached)
            return
        self.log.add(RequestRecord(url.toString(), method, kind, False))
        info.block(True)

    def _redirect(self, info: QWebEngineUrlRequestInfo, url: QUrl, method: str, kind: str, path: str) -> None:
        target = QUrl(f"{SCHEME.decode()}://{HOST}{path}")
        self.log.add(RequestRecord(url.toString(), method, kind, True, target.toString()))
        info.redirect(target)


class LockedPage(QWebEnginePage):
    """Loads the player page once, then refuses every navigation and every new window."""

    def __init__(self, profile: QWebEngineProfile, parent: QObject | None = None) -> None:
        super().__init__(profile, parent)
        _lock_settings(self.settings())

    def acceptNavigationRequest(  # noqa: N802 (Qt override)
        self, url: QUrl | str, nav_type: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        url = QUrl(url)
        if is_main_frame and url == PAGE_URL and not self.url().isValid():
            return True
        if not is_main_frame and url.toString() in _SUBFRAME_DOCUMENTS:
            return True
        log.warning("blocked a navigation of the player to %s", url.toString())
        return False

    def createWindow(self, window_type: QWebEnginePage.WebWindowType) -> None:  # type: ignore[override]  # noqa: N802
        return None

    def javaScriptConsoleMessage(  # noqa: N802 (Qt override)
        self, level: QWebEnginePage.JavaScriptConsoleMessageLevel, message: str, line: int, source: str
    ) -> None:
        if level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            log.info("player page: %s (%s:%d)", message, source, line)
        else:
            log.debug("player page: %s", message)


def _lock_settings(settings: QWebEngineSettings) -> None:
    attr = QWebEngineSettings.WebAttribute
    for name, value in (
        (attr.JavascriptCanOpenWindows, False),
        (attr.JavascriptCanAccessClipboard, False),
        (attr.JavascriptCanPaste, False),
        (attr.LocalContentCanAccessRemoteUrls, False),
        (attr.LocalContentCanAccessFileUrls, False),
        (attr.LocalStorageEnabled, False),
        (attr.PluginsEnabled, False),
        (attr.FullScreenSupportEnabled, False),
        (attr.ScreenCaptureEnabled, False),
        (attr.AutoLoadIconsForPage, False),
        (attr.NavigateOnDropEnabled, False),
        (attr.PdfViewerEnabled, False),
        (attr.WebRTCPublicInterfacesOnly, True),
        (attr.DnsPrefetchEnabled, False),
    ):
        settings.setAttribute(name, value)


def make_player_profile() -> tuple[QWebEngineProfile, PlayerSchemeHandler, AssetInterceptor]:
    """An off-the-record profile of our own: nothing is stored, every request goes through the policy (our
    scheme only: recorded assets come from the asset cache, viewer.storage.assets).

    It has no Qt parent on purpose: a parent would delete it before the page that uses it.
    """
    profile = QWebEngineProfile()
    profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
    profile.setPersistentCookiesPolicy(QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies)
    profile.setSpellCheckEnabled(False)
    handler = PlayerSchemeHandler(profile)
    profile.installUrlSchemeHandler(SCHEME, handler)
    interceptor = AssetInterceptor(profile)
    profile.setUrlRequestInterceptor(interceptor)
    profile.downloadRequested.connect(_refuse_download)
    return profile, handler, interceptor


def _refuse_download(download: QWebEngineDownloadRequest) -> None:
    log.warning("refused a download from the player: %s", download.url().toString())
    download.cancel()
