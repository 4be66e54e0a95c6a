"""What a heatmap is made of: per page visit of a replay, its clicks on stably named elements and the deepest scroll.

- **Page**: the URL without query and fragment (`page_of`). A visit starts at a Meta event whose page
  differs from the current one, or at the SDK's page view (`$mp_web_page_view`) of another page; a new
  snapshot of the same page (rrweb's periodic checkout, a hash route) continues the visit.
- **Element**: `element_path` — a selector from the recorded page: tag, a stable id (the path stops
  there), stable classes, and `:nth-of-type(n)` when it is not the first of its tag among its siblings.
  Ids and classes that look generated (a digit, a hash) or that say a state (`active`, `completed`…)
  are left out; rrweb node ids and text never appear, so the same control has the same path in every
  session. The label shown next to it is `PageTree.element_name`, which never uses masked text.
- **Position**: the click in the viewport (rrweb's x, y), on the page (plus the document's scroll), and as
  a fraction of the element's box when known (rrweb snapshots carry no layout, so usually not).
- **Viewport class**: `viewport_class` — desktop ≥ 1024 px wide, tablet ≥ 600 px, else mobile.
- **Scroll depth**: the deepest document scroll y + viewport height of the visit, as a share of the page
  height when known (mixpanel-browser's `$mp_click` events carry `$pageHeight`).
- **Rage and dead clicks**: `replay_core.frustration`'s rules, on the clicks the activity timeline sees.
- **URL patterns**: `matches_pattern` / `group_page` group pages such as `/orders/*`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from replay_core.events import Event, EventType, IncrementalSource, MouseInteraction
from replay_core.frustration import Signal, detect
from replay_core.page_tree import BLOCK_CLASSES, MASK_CLASSES, NAME_CHARS, PageTree
from replay_core.plain_text import one_line

# The activity timeline's builder follows the page tree and collects the clicks and the page's answers
# exactly as the frustration rules need them; reusing it keeps one definition of both.
from replay_core.timeline import ActivityCounts, TimelineBuilder, counts_of, signal_entry

# Bump when a rule here (or in replay_core.frustration) changes: the cache recomputes stored visits.
HEATMAP_VERSION = 1
DESKTOP_MIN_PX = 1024
TABLET_MIN_PX = 600
PAGE_CHARS = 500
_NODE_DOCUMENT = 0
_NODE_ELEMENT = 2
_MAX_DEPTH = 64  # elements walked up from a click: deeper pages get the path's last 64 steps
# Classes that say what state an element is in, not what it is: a todo's `li.completed` is the same item.
_STATE_CLASSES = frozenset(
    {"active", "selected", "completed", "editing", "open", "opened", "closed", "hidden", "visible", "show",
     "focus", "focused", "hover", "disabled", "checked", "current", "expanded", "collapsed", "loading"}
)  # fmt: skip
_STATE_PREFIXES = ("is-", "has-", "ng-", "router-link")
_GENERATED = re.compile(
    r"\d|^(css|sc|jsx|svelte|emotion|styled|chakra|mui)-|^_|__[a-z0-9]{5,}$", re.IGNORECASE
)
_CSS_NAME = re.compile(r"^[A-Za-z_-][A-Za-z0-9_-]*$")


class Viewport(StrEnum):
    DESKTOP = "desktop"
    TABLET = "tablet"
    MOBILE = "mobile"


def viewport_class(width: float | None) -> Viewport:
    """The width class of a viewport; an unknown width counts as desktop (rrweb always records one)."""
    if width is None or width >= DESKTOP_MIN_PX:
        return Viewport.DESKTOP
    return Viewport.TABLET if width >= TABLET_MIN_PX else Viewport.MOBILE


def page_of(url: str) -> str:
    """The page a URL shows: scheme, host and path, without query and fragment (`/` when empty)."""
    url = one_line(url, PAGE_CHARS * 4)  # recorded text: one plain line
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("#", 1)[0].split("?", 1)[0][:PAGE_CHARS]
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", "", ""))[:PAGE_CHARS]


def matches_pattern(page: str, pattern: str) -> bool:
    """Whether `page` is one of `pattern`'s pages. `*` stands for one path segment, `**` for any rest;
    a pattern starting with `/` is matched against the path alone, else against the whole page."""
    target = urlsplit(page).path or "/" if pattern.startswith("/") else page
    return _pattern_regex(page_of(pattern) if "://" in pattern else pattern).fullmatch(target) is not None


def group_page(page: str, patterns: Iterable[str]) -> str:
    """The first pattern `page` matches, else the page itself: how the page list groups URLs."""
    return next((p for p in patterns if matches_pattern(page, p)), page)


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    pieces = re.split(r"(\*\*|\*)", pattern.rstrip("/") or "/")
    regex = "".join(".*" if p == "**" else "[^/]+" if p == "*" else re.escape(p) for p in pieces)
    return re.compile(regex + "/?")


@dataclass(frozen=True)
class HeatmapClick:
    at_ms: int  # epoch ms
    offset_ms: int  # from the replay's first event: where to open the replay to see this click
    selector: str  # element_path: the same control has the same selector in every session
    label: str  # what a person would call the element; never masked text
    x: float | None  # in the viewport
    y: float | None
    page_x: float | None  # on the page (the viewport position plus the document's scroll)
    page_y: float | None
    element_x: float | None  # fraction of the element's box, when its box is known
    element_y: float | None
    viewport: Viewport
    rage: bool = False
    dead: bool = False


@dataclass(frozen=True)
class PageVisit:
    page: str
    started_ms: int  # epoch ms
    offset_ms: int
    viewport_width: int | None
    viewport_height: int | None
    viewport: Viewport
    deepest_px: float | None  # document scroll y + viewport height, the deepest of the visit
    page_height: float | None  # when known
    clicks: tuple[HeatmapClick, ...] = ()

    @property
    def depth_share(self) -> float | None:
        """How far down the page the visit got, 0–1, when the page's height is known."""
        if self.deepest_px is None or not self.page_height:
            return None
        return max(0.0, min(1.0, self.deepest_px / self.page_height))


def page_visits(events: Sequence[Event], analytics: Iterable[Mapping[str, Any]] = ()) -> list[PageVisit]:
    """The page visits of a replay's events (in time order, as a Recording holds them).

    `analytics`: the replay's analytics events as `{"name", "time_ms", "properties"}`; the SDK's page
    views start visits of single-page apps and its `$mp_click` events tell the page's height."""
    return visits_and_counts(events, analytics)[0]


def visits_and_counts(
    events: Sequence[Event], analytics: Iterable[Mapping[str, Any]] = ()
) -> tuple[list[PageVisit], ActivityCounts]:
    """The page visits and, from the same pass over the events, the activity timeline's counts of the
    events alone (`counts_of(activity_timeline(events))`, without the SDK's signals): the cache stores
    both when a replay is written and reads the events once."""
    if not events:
        return [], ActivityCounts(errors=0, rage=0, dead=0, failed_requests=0)
    analytics = list(analytics)
    origin = float(events[0]["timestamp"])
    follower = VisitFollower(origin, _page_views(analytics, origin), _page_heights(analytics))
    for event in events:
        follower.add(event)
    return follower.finish()


@dataclass
class _OpenVisit:
    page: str
    started: float
    width: int | None
    height: int | None
    deepest: float | None = None
    clicks: list[dict[str, Any]] = field(default_factory=list)


class VisitFollower:
    def __init__(self, origin: float, page_views: list[tuple[float, str]], heights: dict[str, float]) -> None:
        self.origin = origin
        self.timeline = TimelineBuilder(origin)  # its page tree names elements; its clicks feed detect()
        self.page_views = page_views
        self.heights = heights
        self.visits: list[_OpenVisit] = []
        self.width: int | None = None
        self.height: int | None = None
        self.scroll = (0.0, 0.0)

    def add(self, event: Event) -> None:
        at = float(event["timestamp"]) - self.origin
        while self.page_views and self.page_views[0][0] <= at:
            when, page = self.page_views.pop(0)
            self._visit(page, max(0.0, when))
        kind, data = event["type"], event.get("data") or {}
        self.timeline.add(event)
        if kind == EventType.META:
            self.width, self.height = _size(data.get("width")), _size(data.get("height"))
            self._visit(page_of(str(data.get("href") or "")), at)
        elif kind == EventType.FULL_SNAPSHOT:
            offset = data.get("initialOffset")
            offset = offset if isinstance(offset, dict) else {}
            self._scrolled((_number(offset.get("left")) or 0.0, _number(offset.get("top")) or 0.0))
        elif kind == EventType.INCREMENTAL_SNAPSHOT:
            self._incremental(at, data)

    def _visit(self, page: str, at: float) -> None:
        if self.visits and self.visits[-1].page == page:
            current = self.visits[-1]  # a page view before the page's Meta: the Meta tells its size
            current.width, current.height = current.width or self.width, current.height or self.height
            return
        self.visits.append(_OpenVisit(page, at, self.width, self.height))
        self.scroll = (0.0, 0.0)
        self._scrolled(self.scroll)

    def _incremental(self, at: float, data: dict[str, Any]) -> None:
        source = data.get("source")
        if source == IncrementalSource.VIEWPORT_RESIZE:
            self.width, self.height = _size(data.get("width")), _size(data.get("height"))
            self._scrolled(self.scroll)
        elif source == IncrementalSource.SCROLL and self._is_document(data.get("id")):
            self._scrolled((_number(data.get("x")) or 0.0, _number(data.get("y")) or 0.0))
        elif source == IncrementalSource.MOUSE_INTERACTION and data.get("type") == MouseInteraction.CLICK:
            self._click(at, data)

    def _is_document(self, node_id: Any) -> bool:
        node = self.timeline.tree.nodes.get(node_id) if isinstance(node_id, int) else None
        if node is None:
            return False
        return (node.kind == _NODE_DOCUMENT and node.parent is None) or node.tag in ("html", "body")

    def _scrolled(self, scroll: tuple[float, float]) -> None:
        self.scroll = scroll
        if self.visits and self.height is not None:
            reach = scroll[1] + self.height
            visit = self.visits[-1]
            visit.deepest = reach if visit.deepest is None else max(visit.deepest, reach)

    def _click(self, at: float, data: dict[str, Any]) -> None:
        if not self.visits:
            self._visit("", at)
        tree = self.timeline.tree
        node_id = data.get("id")
        x, y = _number(data.get("x")), _number(data.get("y"))
        in_frame = _in_frame(tree, node_id)  # an iframe's clicks are in its own viewport: no page position
        self.visits[-1].clicks.append(
            {
                "at": at,
                "selector": element_path(tree, node_id),
                "label": tree.element_name(node_id),
                "x": x,
                "y": y,
                "page_x": None if x is None or in_frame else x + self.scroll[0],
                "page_y": None if y is None or in_frame else y + self.scroll[1],
                "viewport": viewport_class(self.width),
            }
        )

    @property
    def visit_count(self) -> int:
        return len(self.visits)

    def finish(self, since: int = 0, skip_clicks: int = 0) -> tuple[list[PageVisit], ActivityCounts]:
        """The visits and counts of the events added so far; changes nothing, so more can be added after.
        A replay that grew asks for the visits from the `since`th on, and may leave out the first
        `skip_clicks` clicks of that visit (those no later event can change: stored already)."""
        timeline = self.timeline
        signals = detect(timeline.clicks, timeline.answers, timeline.errors)
        counts = counts_of(timeline.entries + timeline.open_entries() + [signal_entry(s) for s in signals])
        flags = _click_flags(signals, [c.at_ms for c in timeline.clicks])
        index = sum(len(visit.clicks) for visit in self.visits[:since])
        visits = []
        for number, visit in enumerate(self.visits[since:]):
            clicks = []
            skipped = skip_clicks if number == 0 else 0
            index += skipped
            for click in visit.clicks[skipped:]:
                rage, dead = flags[index] if index < len(flags) else (False, False)
                index += 1
                clicks.append(self._heatmap_click(click, rage, dead))
            visits.append(self._page_visit(visit, tuple(clicks)))
        return visits, counts

    def _heatmap_click(self, click: dict[str, Any], rage: bool, dead: bool) -> HeatmapClick:
        at = click["at"]
        rest = {key: value for key, value in click.items() if key != "at"}
        return HeatmapClick(at_ms=round(self.origin + at), offset_ms=round(at), element_x=None, element_y=None,
                            rage=rage, dead=dead, **rest)  # fmt: skip

    def _page_visit(self, visit: _OpenVisit, clicks: tuple[HeatmapClick, ...]) -> PageVisit:
        return PageVisit(
            page=visit.page,
            started_ms=round(self.origin + visit.started),
            offset_ms=round(visit.started),
            viewport_width=visit.width,
            viewport_height=visit.height,
            viewport=viewport_class(visit.width),
            deepest_px=visit.deepest,
            page_height=self.heights.get(visit.page),
            clicks=clicks,
        )


def _click_flags(signals: Iterable[Any], times: list[float]) -> list[tuple[bool, bool]]:
    """Per click (in the timeline's order): whether it is part of a rage click, whether it is dead."""
    flags = [(False, False)] * len(times)
    at_time: dict[float, list[int]] = {}
    for i, t in enumerate(times):
        at_time.setdefault(t, []).append(i)
    for signal in signals:
        if not signal.detected or signal.signal not in (Signal.RAGE, Signal.DEAD):
            continue
        first = next((i for i in at_time.get(signal.at_ms, ()) if not any(flags[i])), None)
        if first is None:
            continue
        if signal.signal == Signal.RAGE:
            for i in range(first, min(len(times), first + signal.clicks)):
                flags[i] = (True, flags[i][1])
        else:
            flags[first] = (flags[first][0], True)
    return flags


def element_path(tree: PageTree, node_id: Any) -> str:
    """A selector for the element that is the same in every session of the same page (see the module)."""
    node = tree.nodes.get(node_id) if isinstance(node_id, int) else None
    if node is not None and node.kind != _NODE_ELEMENT and node.parent is not None:
        node_id, node = node.parent, tree.nodes.get(node.parent)  # a text node: its element
    steps: list[str] = []
    current = node_id
    while node is not None and len(steps) < _MAX_DEPTH:
        if node.kind == _NODE_ELEMENT:
            stable_id = _stable_id(node.attributes.get("id"))
            if stable_id:
                steps.append(f"{_tag(node.tag)}#{stable_id}")
                break
            steps.append(_tag(node.tag) + "".join("." + c for c in _stable_classes(node.attributes.get("class")))
                         + _position(tree, current, node.tag))  # fmt: skip
        current = node.parent
        node = tree.nodes.get(current) if current is not None else None
    return " > ".join(reversed(steps)) or "the page"


def _tag(tag: str) -> str:
    return tag if _CSS_NAME.match(tag) and len(tag) <= NAME_CHARS else "*"  # recorded: any text at all


def _stable_id(value: Any) -> str:
    if (
        not isinstance(value, str)
        or not _CSS_NAME.match(value)
        or _GENERATED.search(value)
        or len(value) > NAME_CHARS
    ):
        return ""
    return value


def _stable_classes(value: Any) -> list[str]:
    names = value.split() if isinstance(value, str) else []
    kept = {
        n for n in names
        if _CSS_NAME.match(n) and len(n) <= NAME_CHARS and not _GENERATED.search(n) and n.lower() not in _STATE_CLASSES
        and not n.lower().startswith(_STATE_PREFIXES) and n not in MASK_CLASSES | BLOCK_CLASSES
    }  # fmt: skip
    return sorted(kept)[:3]


def _position(tree: PageTree, node_id: Any, tag: str) -> str:
    node = tree.nodes.get(node_id)
    parent = tree.nodes.get(node.parent) if node is not None and node.parent is not None else None
    if parent is None or tag in ("html", "body"):
        return ""
    same = [c for c in parent.children if _is_element(tree, c, tag)]
    # The first of its tag gets no position: siblings added after it (a panel, a new row) leave it the same.
    place = same.index(node_id) + 1 if node_id in same else 1
    return f":nth-of-type({place})" if place > 1 else ""


def _is_element(tree: PageTree, node_id: int, tag: str) -> bool:
    node = tree.nodes.get(node_id)
    return node is not None and node.kind == _NODE_ELEMENT and node.tag == tag


def _in_frame(tree: PageTree, node_id: Any) -> bool:
    current = node_id if isinstance(node_id, int) else None
    for _ in range(_MAX_DEPTH * 4):
        node = tree.nodes.get(current) if current is not None else None
        if node is None:
            return False
        if node.kind == _NODE_DOCUMENT:
            return node.parent is not None
        current = node.parent
    return False


def _page_views(analytics: Iterable[Mapping[str, Any]], origin: float) -> list[tuple[float, str]]:
    views = []
    for event in analytics:
        properties = event.get("properties")
        url = properties.get("$current_url") if isinstance(properties, Mapping) else None
        time_ms = event.get("time_ms")
        time_ms = (
            float(time_ms) if isinstance(time_ms, int | float) and not isinstance(time_ms, bool) else None
        )
        if event.get("name") == "$mp_web_page_view" and isinstance(url, str) and time_ms is not None:
            views.append((time_ms - origin, page_of(url)))
    return sorted(views)


def _page_heights(analytics: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    heights: dict[str, float] = {}
    for event in analytics:
        properties = event.get("properties")
        if event.get("name") != "$mp_click" or not isinstance(properties, Mapping):
            continue
        url, height = properties.get("$current_url"), _number(properties.get("$pageHeight"))
        if isinstance(url, str) and height:
            page = page_of(url)
            heights[page] = max(heights.get(page, 0.0), height)
    return heights


def _size(value: Any) -> int | None:
    number = _number(value)
    return round(number) if number is not None and number > 0 else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or abs(value) > 1e9:
        return None
    return float(value)
