"""The locked-down web page and profile the player runs in: no navigation, no popups, policed requests."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWebEngineCore import (
    QWebEngineDownloadRequest,
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)

from viewer.player.policy import RequestLog, RequestRecord, request_allowed
from viewer.player.scheme import PAGE_URL, SCHEME, PlayerSchemeHandler

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
    """Blocks every request the asset policy does not allow, and logs each decision."""

    def __init__(self, remote_assets: bool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.remote_assets = remote_assets
        self.log = RequestLog()

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 (Qt override)
        url = info.requestUrl()
        kind = _KINDS.get(info.resourceType(), "other")
        method = bytes(info.requestMethod().data()).decode("ascii", "replace")
        allowed = request_allowed(url.scheme(), method, kind, self.remote_assets)
        self.log.add(RequestRecord(url.toString(), method, kind, allowed))
        if not allowed:
            info.block(True)


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


def make_player_profile(
    remote_assets: bool,
) -> tuple[QWebEngineProfile, PlayerSchemeHandler, AssetInterceptor]:
    """An off-the-record profile of our own: nothing is stored, every request goes through the policy.

    It has no Qt parent on purpose: a parent would delete it before the page that uses it.
    """
    profile = QWebEngineProfile()
    profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
    profile.setPersistentCookiesPolicy(QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies)
    profile.setSpellCheckEnabled(False)
    handler = PlayerSchemeHandler(profile)
    profile.installUrlSchemeHandler(SCHEME, handler)
    interceptor = AssetInterceptor(remote_assets, profile)
    profile.setUrlRequestInterceptor(interceptor)
    profile.downloadRequested.connect(_refuse_download)
    return profile, handler, interceptor


def _refuse_download(download: QWebEngineDownloadRequest) -> None:
    log.warning("refused a download from the player: %s", download.url().toString())
    download.cancel()
