"""The assets a recording references: images, stylesheets, fonts and icons on the recorded site.

A recording holds the DOM and usually its inlined stylesheets, but images, fonts, stylesheets that were not
inlined, and the `@import`s and `url()`s inside CSS still point at the recorded site. This module finds
those URLs (resolved against the page that was recorded) so that the app can fetch them into its cache
and the player can serve them from there; it never fetches anything itself.

What is collected: `link` hrefs with rel stylesheet (unless rrweb inlined the sheet as `_cssText`) or
icon, `@import` and `url()` in inlined CSS (`_cssText`, style element text, CSSOM rule events) and in
`style` attributes, `img`/`input type=image` `src`, `img` and `picture source` `srcset`, `video poster`,
and fonts a script made with `FontFace` from a URL.
Fetched CSS is read by `css_urls`; `absolutize_css` rewrites its URLs absolute against where it came
from, so that the copy kept in the cache means the same thing wherever it is served from.

Only http and https URLs count; `key` is the one form a URL is compared in (by the cache and the player).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from replay_core.events import EventType, IncrementalSource
from replay_core.limits import MAX_ASSETS_PER_REPLAY

STYLESHEET = "stylesheet"
IMAGE = "image"
ICON = "icon"
CSS_URL = "css-url"  # a url() in CSS: a font, an image or anything else, known when fetched
IMPORT = "import"  # an @import: a stylesheet
KINDS = (STYLESHEET, IMPORT, IMAGE, ICON, CSS_URL)

_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_CSS_IMPORT_URL = re.compile(r"""@import\s+url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
_SAFE = "/:?=&%#@!$'()*+,;[]~-._"
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class AssetRef:
    url: str  # absolute, in `key` form
    kind: str  # one of KINDS


def key(url: str) -> str | None:
    """The form a URL is compared in: http(s) only, fragment dropped, scheme and host lower case,
    default port dropped, characters a browser would percent-encode encoded. None for anything else."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            return None
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = quote(parts.path or "/", safe=_SAFE)
    query = quote(parts.query, safe=_SAFE)
    return urlunsplit((scheme, netloc, path, query, ""))


def resolve(reference: str, base: str) -> str | None:
    """`reference` as written in the page or CSS, made absolute against `base`, in key form."""
    reference = reference.strip()
    if not reference or reference.startswith(("data:", "blob:", "#", "javascript:", "about:")):
        return None
    try:
        return key(urljoin(base, reference))
    except ValueError:
        return None


def _css_refs(text: str) -> Iterator[tuple[str, str]]:
    """(reference, kind) for each @import and url() in CSS text, in order."""
    imported: set[int] = set()
    for pattern in (_CSS_IMPORT_URL, _CSS_IMPORT):
        for match in pattern.finditer(text):
            imported.add(match.start())
            yield next(g for g in match.groups() if g is not None), IMPORT
    import_url_spans = [m.span() for m in _CSS_IMPORT_URL.finditer(text)]
    for match in _CSS_URL.finditer(text):
        if any(start <= match.start() < end for start, end in import_url_spans):
            continue
        yield next(g for g in match.groups() if g is not None), CSS_URL


def css_urls(text: str, base: str) -> list[AssetRef]:
    """The assets a stylesheet references (@import, url()), absolute against `base` (where it came from)."""
    found: dict[str, AssetRef] = {}
    for reference, kind in _css_refs(text):
        url = resolve(reference, base)
        if url is not None and url not in found:
            found[url] = AssetRef(url, kind)
    return list(found.values())


def absolutize_css(text: str, base: str) -> str:
    """The stylesheet with every url() and @import made absolute against `base`; data: URLs untouched."""

    def absolute(reference: str) -> str:
        url = resolve(reference, base)
        return url if url is not None else reference

    def in_url(match: re.Match[str]) -> str:
        reference = next(g for g in match.groups() if g is not None)
        return 'url("' + absolute(reference).replace('"', "%22") + '")'

    def in_import(match: re.Match[str]) -> str:
        reference = next(g for g in match.groups() if g is not None)
        return '@import "' + absolute(reference).replace('"', "%22") + '"'

    return _CSS_URL.sub(in_url, _CSS_IMPORT.sub(in_import, text))


def srcset_urls(srcset: str) -> list[str]:
    """The URLs of an `srcset` (each candidate is a URL and an optional descriptor, comma separated)."""
    urls = []
    for candidate in re.split(r",\s+|,(?=\S+\s+\d)", srcset.strip()):
        first = candidate.strip().split()
        if first:
            urls.append(first[0].rstrip(","))
    return urls


class _Collector:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.found: dict[str, AssetRef] = {}
        self.base = ""

    def add(self, reference: str, kind: str, base: str | None = None) -> None:
        if len(self.found) >= self.limit:
            return
        url = resolve(reference, base or self.base)
        if url is not None and url not in self.found:
            self.found[url] = AssetRef(url, kind)

    def css(self, text: str, base: str | None = None) -> None:
        for reference, kind in _css_refs(text):
            self.add(reference, kind, base)

    def element(self, tag: str, attributes: dict[str, Any]) -> None:
        tag = tag.lower()
        value = {name.lower(): v for name, v in attributes.items() if isinstance(v, str)}
        if tag == "base" and value.get("href"):
            resolved = resolve(value["href"], self.base)
            self.base = resolved or self.base
        style = value.get("style")
        if style:
            self.css(style)
        if "_csstext" in value:
            self.css(value["_csstext"], resolve(value.get("href", ""), self.base))
        if tag == "link" and value.get("href"):
            rel = value.get("rel", "").lower().split()
            if "stylesheet" in rel and "_csstext" not in value:
                self.add(value["href"], STYLESHEET)
            elif any("icon" in word for word in rel):
                self.add(value["href"], ICON)
        is_image = tag in ("img", "image") or (tag == "input" and value.get("type", "").lower() == "image")
        if is_image and value.get("src"):
            self.add(value["src"], IMAGE)
        if tag in ("img", "source") and value.get("srcset"):
            for reference in srcset_urls(value["srcset"]):
                self.add(reference, IMAGE)
        if tag == "video" and value.get("poster"):
            self.add(value["poster"], IMAGE)

    def node(self, node: Any, parent_tag: str = "") -> None:
        stack = [(node, parent_tag)]
        while stack:
            current, parent = stack.pop()
            if not isinstance(current, dict):
                continue
            kind = current.get("type")
            tag = current.get("tagName") if isinstance(current.get("tagName"), str) else ""
            if kind == 2 and tag:
                attributes = current.get("attributes")
                self.element(tag, attributes if isinstance(attributes, dict) else {})
            elif kind == 3 and (current.get("isStyle") or parent.lower() == "style"):
                text = current.get("textContent")
                if isinstance(text, str):
                    self.css(text)
            children = current.get("childNodes")
            if isinstance(children, list):
                stack.extend((child, tag or parent) for child in reversed(children))


def asset_urls(events: Iterable[Any], limit: int = MAX_ASSETS_PER_REPLAY) -> list[AssetRef]:
    """The assets a recording references, in the order first met, at most `limit` of them."""
    collector = _Collector(limit)
    tags: dict[int, str] = {}  # node id → tag, for attribute changes
    for event in events:
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            continue
        data = event["data"]
        kind = event.get("type")
        if kind == EventType.META and isinstance(data.get("href"), str):
            collector.base = data["href"]
        elif kind == EventType.FULL_SNAPSHOT:
            _remember_tags(data.get("node"), tags)
            collector.node(data.get("node"))
        elif kind == EventType.INCREMENTAL_SNAPSHOT:
            _incremental(collector, data, tags)
        if len(collector.found) >= limit:
            break
    return list(collector.found.values())


def _incremental(collector: _Collector, data: dict[str, Any], tags: dict[int, str]) -> None:
    source = data.get("source")
    if source == IncrementalSource.MUTATION:
        for add in data.get("adds") or ():
            if isinstance(add, dict):
                _remember_tags(add.get("node"), tags)
                collector.node(add.get("node"), tags.get(add.get("parentId"), ""))  # type: ignore[arg-type]
        for change in data.get("attributes") or ():
            if isinstance(change, dict) and isinstance(change.get("attributes"), dict):
                tag = tags.get(change.get("id"), "")  # type: ignore[arg-type]
                attributes = {
                    name: value if isinstance(value, str) else _style_text(value)
                    for name, value in change["attributes"].items()
                }
                collector.element(tag or "", attributes)
    elif source == IncrementalSource.STYLE_SHEET_RULE:
        for add in data.get("adds") or ():
            if isinstance(add, dict) and isinstance(add.get("rule"), str):
                collector.css(add["rule"])
    elif source == IncrementalSource.FONT and not data.get("buffer"):
        if isinstance(data.get("fontSource"), str):
            collector.css(data["fontSource"])  # a FontFace made by script: `url(...)` as given to it
    elif source == IncrementalSource.STYLE_DECLARATION:
        value = (data.get("set") or {}).get("value") if isinstance(data.get("set"), dict) else None
        if isinstance(value, str):
            collector.css(value)
    elif source == IncrementalSource.ADOPTED_STYLE_SHEET:
        for sheet in data.get("styles") or ():
            for rule in (sheet.get("rules") or ()) if isinstance(sheet, dict) else ():
                if isinstance(rule, dict) and isinstance(rule.get("rule"), str):
                    collector.css(rule["rule"])


def _style_text(value: Any) -> str:
    """A `style` attribute change recorded as {property: value | [value, priority] | false}."""
    if not isinstance(value, dict):
        return ""
    parts = []
    for name, item in value.items():
        text = item[0] if isinstance(item, list) and item else item
        if isinstance(text, str):
            parts.append(f"{name}:{text}")
    return ";".join(parts)


def _remember_tags(node: Any, tags: dict[int, str]) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        if not isinstance(current, dict):
            continue
        if isinstance(current.get("id"), int) and isinstance(current.get("tagName"), str):
            tags[current["id"]] = current["tagName"]
        children = current.get("childNodes")
        if isinstance(children, list):
            stack.extend(children)
