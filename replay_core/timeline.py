"""A replay's activity timeline: what happened when, in one line each, for the activity panel and the CLI.

Built from the rrweb events (and the replay's analytics events, as plain dicts): page loads and
navigations, clicks on named elements (`replay_core.page_tree`), inputs (never a typed value), scrolls
and window resizes (a burst is one entry), console messages and network requests
(`replay_core.page_log`), custom events, errors, analytics events and the frustration signals of
`replay_core.frustration`. Every text is bounded plain text (`replay_core.plain_text`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from replay_core.events import Event, EventType, IncrementalSource, MouseInteraction
from replay_core.frustration import SDK_SIGNAL_EVENTS, Click, FrustrationSignal, SdkSignal, Signal, detect
from replay_core.markers import CONSOLE_PLUGIN, ERROR_TAGS, INPUT_MERGE_MS, Marker, MarkerKind
from replay_core.page_log import ConsoleMessage, NetworkRequest, console_message, network_requests
from replay_core.page_tree import PageTree
from replay_core.plain_text import DETAILS_CHARS, VALUE_CHARS, clean, one_line, render

# Bump when a rule here or in replay_core.frustration changes: the cache recomputes stored counts.
TIMELINE_VERSION = 1
# Scroll and resize events closer together than this are one entry.
BURST_GAP_MS = 1_000.0
# Analytics properties shown in an event's details, at most.
MAX_PROPERTIES = 200
# What the page does in answer to a click (for dead clicks), besides navigations and network requests.
_ANSWER_SOURCES = frozenset(
    {
        IncrementalSource.MUTATION,
        IncrementalSource.SCROLL,
        IncrementalSource.INPUT,
        IncrementalSource.MEDIA_INTERACTION,
        IncrementalSource.STYLE_SHEET_RULE,
        IncrementalSource.CANVAS_MUTATION,
        IncrementalSource.STYLE_DECLARATION,
    }
)
_CLICK_WORDS = {
    MouseInteraction.CLICK: "Click",
    MouseInteraction.DBL_CLICK: "Double-click",
    MouseInteraction.CONTEXT_MENU: "Right-click",
}
_SIGNAL_WORDS = {Signal.RAGE: "Rage click", Signal.DEAD: "Dead click", Signal.ERROR: "Error click"}


class EntryKind(StrEnum):
    PAGE = "page"
    CLICK = "click"
    INPUT = "input"
    SCROLL = "scroll"
    VIEWPORT = "viewport"
    CONSOLE = "console"
    NETWORK = "network"
    EVENT = "event"  # an analytics event
    CUSTOM = "custom"  # an rrweb Custom event
    ERROR = "error"  # a Custom event tagged as an error
    FRUSTRATION = "frustration"
    COMMENT = "comment"  # a comment pinned to the moment (replay_core.collab); the app adds them, not the events


@dataclass(frozen=True)
class ActivityEntry:
    """One moment of the timeline. `level` is a console message's level or a frustration signal's name;
    `flags` says more: `failed`, `slow`, `masked`, `detected`, `sdk`."""

    at_ms: int
    kind: EntryKind
    summary: str
    details: str = ""
    level: str = ""
    is_error: bool = False
    flags: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"kind": str(self.kind), "flags": list(self.flags)}


@dataclass(frozen=True)
class ActivityCounts:
    errors: int  # console errors and error events: the same rule as the summary's error count
    rage: int
    dead: int
    failed_requests: int


def counts_of(entries: Iterable[ActivityEntry]) -> ActivityCounts:
    errors = rage = dead = failed = 0
    for entry in entries:
        errors += entry.is_error and entry.kind in (EntryKind.CONSOLE, EntryKind.ERROR)
        failed += entry.kind == EntryKind.NETWORK and "failed" in entry.flags
        rage += entry.kind == EntryKind.FRUSTRATION and entry.level == Signal.RAGE
        dead += entry.kind == EntryKind.FRUSTRATION and entry.level == Signal.DEAD
    return ActivityCounts(errors=errors, rage=rage, dead=dead, failed_requests=failed)


def activity_timeline(
    events: Iterable[Event], analytics: Iterable[Mapping[str, Any]] = ()
) -> list[ActivityEntry]:
    """The timeline of a replay's events (in time order, as a Recording holds them), read once in order
    (an iterator that lets each event go once read will do).

    `analytics`: the replay's analytics events as `{"name", "time_ms" (epoch ms), "properties"}`."""
    builder: TimelineBuilder | None = None
    last: Event | None = None
    for last in events:
        if builder is None:
            builder = TimelineBuilder(float(last["timestamp"]))
        builder.add(last)
    if builder is None or last is None:
        return []
    return builder.timeline(analytics, float(last["timestamp"]) - builder.origin)


def signal_markers(entries: Iterable[ActivityEntry]) -> list[Marker]:
    """Timeline markers for the frustration signals among `entries` (errors already have their own)."""
    return [Marker(e.at_ms, MarkerKind.FRUSTRATION, e.summary) for e in entries if e.kind == EntryKind.FRUSTRATION]


# A request is placed at its start by the page's clock when that is at most this far from when it was
# recorded (it may then sit before events recorded earlier).
REQUEST_CLOCK_TRUST_MS = 60_000.0


class TimelineBuilder:
    def __init__(self, origin: float) -> None:
        self.origin = origin
        self.tree = PageTree()
        self.entries: list[ActivityEntry] = []
        self.clicks: list[Click] = []
        self.answers: list[float] = []
        self.errors: list[tuple[float, str]] = []
        self.href: str | None = None
        # Open bursts: (kind, target) -> [first ms, last ms, count, last data]
        self.bursts: dict[tuple[str, Any], list[Any]] = {}

    def add(self, event: Event) -> None:
        at = float(event["timestamp"]) - self.origin
        kind, data = event["type"], event.get("data") or {}
        if kind == EventType.META:
            self._page(at, data)
        elif kind == EventType.FULL_SNAPSHOT:
            self.close_bursts()  # their node ids name elements of the page before
            self.tree.load(data.get("node"))
            self.answers.append(at)
        elif kind == EventType.CUSTOM:
            self._custom(at, data)
        elif kind == EventType.PLUGIN:
            self._plugin(at, data.get("plugin"), data.get("payload"))
        elif kind == EventType.INCREMENTAL_SNAPSHOT:
            self._incremental(at, data)

    def _page(self, at: float, data: dict[str, Any]) -> None:
        self.answers.append(at)
        href = clean(str(data.get("href") or ""), VALUE_CHARS)
        if href == self.href:
            return
        word = "Page load" if self.href is None else "Navigated to"
        self.href = href
        size = f"\nWindow: {data.get('width')}×{data.get('height')}" if "width" in data else ""
        self.entries.append(ActivityEntry(round(at), EntryKind.PAGE, one_line(f"{word} {href}"), f"URL: {href}{size}"))

    def _custom(self, at: float, data: dict[str, Any]) -> None:
        tag = one_line(str(data.get("tag") or "custom event"), 80)
        payload = render(data.get("payload"))
        if tag.lower() in ERROR_TAGS:
            entry = ActivityEntry(round(at), EntryKind.ERROR, one_line(f"Error: {payload}"), payload, is_error=True)
            self.errors.append((at, entry.summary))
        else:
            entry = ActivityEntry(round(at), EntryKind.CUSTOM, one_line(f"Custom event “{tag}”"), payload)
        self.entries.append(entry)

    def _plugin(self, at: float, plugin: Any, payload: Any) -> None:
        message = console_message(plugin, payload)
        if message is not None:
            self._console(at, message)
        for request in network_requests(plugin, payload):
            self._request(at, request)

    def _console(self, at: float, message: ConsoleMessage) -> None:
        text = " ".join(message.arguments)
        summary = one_line(f"{message.level}: {text}")
        lines = [f"Level: {message.level}", "Arguments:"]
        lines += [f"  {i}. {a}" for i, a in enumerate(message.arguments, 1)] or ["  (none)"]
        if message.trace:
            lines += ["Stack:", *(f"  at {frame}" for frame in message.trace)]
        details = clean("\n".join(lines), DETAILS_CHARS)
        self.entries.append(
            ActivityEntry(round(at), EntryKind.CONSOLE, summary, details, message.level, message.is_error)
        )
        if message.is_error:
            self.errors.append((at, summary))

    def _request(self, recorded_at: float, request: NetworkRequest) -> None:
        started = request.started_ms - self.origin if request.started_ms is not None else None
        # The page's clock places the request; a clock far off the recording's is not trusted.
        at = started if started is not None and abs(started - recorded_at) <= REQUEST_CLOCK_TRUST_MS else recorded_at
        at = max(0.0, at)
        status = "…" if request.status is None else str(request.status)
        took = "" if request.duration_ms is None else f" ({request.duration_ms:,.0f} ms)"
        flags = tuple(f for f, on in (("failed", request.failed), ("slow", request.slow)) if on)
        mark = "".join(f" [{f}]" for f in flags)
        details = "\n".join(
            [f"Method: {request.method}", f"URL: {request.url}", f"Status: {status}",
             f"Started: {at / 1000:.3f} s", f"Duration: {took.strip(' ()') or 'unknown'}",
             f"Initiator: {request.initiator or 'unknown'}"]
        )  # fmt: skip
        summary = one_line(f"{request.method} {status} {request.url}{took}{mark}")
        self.entries.append(
            ActivityEntry(round(at), EntryKind.NETWORK, summary, details, is_error=request.failed, flags=flags)
        )
        self.answers.append(at)
        if request.failed:
            self.errors.append((at, summary))

    def _incremental(self, at: float, data: dict[str, Any]) -> None:
        source = data.get("source")
        if source in _ANSWER_SOURCES and source != IncrementalSource.MUTATION:
            self.answers.append(at)
        if source == IncrementalSource.MUTATION:
            if any(data.get(part) for part in ("adds", "removes", "texts", "attributes")):
                self.answers.append(at)
            self.tree.apply(data)
        elif source == IncrementalSource.MOUSE_INTERACTION:
            self._click(at, data)
        elif source == IncrementalSource.INPUT:
            self._burst(at, "input", data.get("id"), data)
        elif source == IncrementalSource.SCROLL:
            self._burst(at, "scroll", data.get("id"), data)
        elif source == IncrementalSource.VIEWPORT_RESIZE:
            self._burst(at, "viewport", None, data)
        elif source == IncrementalSource.LOG:
            self._plugin(at, CONSOLE_PLUGIN, data)

    def _click(self, at: float, data: dict[str, Any]) -> None:
        interaction = data.get("type")
        word = _CLICK_WORDS.get(interaction) if isinstance(interaction, int) else None  # type: ignore[call-overload]
        if word is None:
            return
        target = self.tree.element_name(data.get("id"))
        x, y = _coordinate(data.get("x")), _coordinate(data.get("y"))
        where = f"\nPosition: {x:.0f}, {y:.0f}" if x is not None and y is not None else ""
        selector = self.tree.selector(data["id"]) if isinstance(data.get("id"), int) else "the page"
        details = f"Element: {target}\nSelector: {selector}{where}"
        self.entries.append(ActivityEntry(round(at), EntryKind.CLICK, one_line(f"{word} on {target}"), details))
        if data.get("type") == MouseInteraction.CLICK:
            self.clicks.append(Click(at, x, y, target, judged_dead=not self.tree.is_field(data.get("id"))))

    def _burst(self, at: float, kind: str, target: Any, data: dict[str, Any]) -> None:
        key = (kind, target)
        gap = INPUT_MERGE_MS if kind == "input" else BURST_GAP_MS
        open_burst = self.bursts.get(key)
        if open_burst is not None and at - open_burst[1] <= gap:
            open_burst[1:] = [at, open_burst[2] + 1, data, open_burst[4] or _masked_input(data)]
            return
        if open_burst is not None:
            self._close(key, open_burst)
        self.bursts[key] = [at, at, 1, data, _masked_input(data)]

    def close_bursts(self) -> None:
        self.entries.extend(self.open_entries())
        self.bursts = {}

    def open_entries(self) -> list[ActivityEntry]:
        """The entries of the bursts still open, as closing them now would make them (nothing changes:
        a replay that grows goes on from here)."""
        return [self._entry(key, burst) for key, burst in sorted(self.bursts.items(), key=lambda item: item[1][0])]

    def _close(self, key: tuple[str, Any], burst: list[Any]) -> None:
        self.entries.append(self._entry(key, burst))

    def _entry(self, key: tuple[str, Any], burst: list[Any]) -> ActivityEntry:
        kind, target = key
        first, _last, count, data, masked = burst
        if kind == "input":
            return self._input_entry(first, target, count, data, masked)
        if kind == "scroll":
            name = self.tree.element_name(target) if self._is_element(target) else "the page"
            y, x = _coordinate(data.get("y")) or 0.0, _coordinate(data.get("x")) or 0.0
            to = f"{y:,.0f} px" if not x else f"{x:,.0f}, {y:,.0f} px"
            summary = one_line(f"Scrolled {name} to {to}")
            return ActivityEntry(round(first), EntryKind.SCROLL, summary, f"{summary}\nSteps: {count}")
        size = f"{data.get('width')}×{data.get('height')}"
        return ActivityEntry(round(first), EntryKind.VIEWPORT, one_line(f"Window resized to {size}"), f"Size: {size}")

    def _is_element(self, node_id: Any) -> bool:
        node = self.tree.nodes.get(node_id) if isinstance(node_id, int) else None
        return node is not None and node.tag not in ("", "html", "body")

    def _input_entry(self, at: float, target: Any, count: int, data: dict[str, Any], masked: bool) -> ActivityEntry:
        name = self.tree.element_name(target)
        field_type = self.tree.nodes[target].attributes.get("type") if target in self.tree.nodes else None
        if field_type in ("checkbox", "radio") or (data.get("text") in ("on", "") and data.get("isChecked")):
            word = "Checked" if data.get("isChecked") else "Unchecked"
            return ActivityEntry(round(at), EntryKind.INPUT, one_line(f"{word} {name}"), f"Field: {name}")
        hidden = masked or self.tree.is_password(target)
        value = "masked by the recorder" if hidden else "not shown"
        picked = target in self.tree.nodes and self.tree.nodes[target].tag == "select"  # a list: not typed in
        verb = "Picked an option in" if picked else "Typed in"
        summary = one_line(f"{verb} {name}" + (" (masked)" if hidden else ""))
        details = f"Field: {name}\nChanges: {count}\nValue: {value}"
        return ActivityEntry(round(at), EntryKind.INPUT, summary, details, flags=("masked",) if hidden else ())

    def timeline(self, analytics: Iterable[Mapping[str, Any]], end_ms: float) -> list[ActivityEntry]:
        """The timeline of the events added so far, which end `end_ms` after the first, with `analytics`
        (see `activity_timeline`). Nothing changes: a replay that grows goes on adding events."""
        entries, sdk = self.analytics_entries(analytics, end_ms)
        signals = detect(self.clicks, self.answers, self.errors, sdk)
        every = self.entries + entries + self.open_entries() + [signal_entry(s) for s in signals]
        return sorted(every, key=lambda e: e.at_ms)

    def analytics_entries(
        self, analytics: Iterable[Mapping[str, Any]], end_ms: float
    ) -> tuple[list[ActivityEntry], list[SdkSignal]]:
        """Analytics events inside the replay become entries; the SDK's frustration events become
        signals to merge with the detected ones."""
        entries: list[ActivityEntry] = []
        sdk: list[SdkSignal] = []
        for event in analytics:
            time_ms = event.get("time_ms")
            if isinstance(time_ms, bool) or not isinstance(time_ms, int | float):
                continue
            at = float(time_ms) - self.origin
            if not 0 <= at <= end_ms:
                continue
            name = one_line(str(event.get("name") or "event"), 80)
            properties = event.get("properties")
            properties = properties if isinstance(properties, Mapping) else {}
            if name in SDK_SIGNAL_EVENTS:
                target = one_line(str(properties.get("$el_text") or properties.get("$target") or ""), 60)
                sdk.append(SdkSignal(at, Signal(SDK_SIGNAL_EVENTS[name]), target))
                continue
            # The SDK's page views are the URL changes of single-page apps, which rrweb does not record.
            kind = EntryKind.PAGE if name == "$mp_web_page_view" else EntryKind.EVENT
            entries.append(ActivityEntry(round(at), kind, _event_summary(name, properties),
                                         _properties_text(properties)))  # fmt: skip
        return entries, sdk


def _event_summary(name: str, properties: Mapping[str, Any]) -> str:
    url = properties.get("$current_url")
    if name == "$mp_web_page_view" and isinstance(url, str):
        return one_line(f"Page view {url}")
    return one_line(f"Event “{name}”")


def _properties_text(properties: Mapping[str, Any]) -> str:
    keys = sorted(properties, key=str)[:MAX_PROPERTIES]
    lines = [f"{one_line(str(k), 80)}: {render(properties[k])}" for k in keys]
    if len(properties) > len(keys):
        lines.append(f"… and {len(properties) - len(keys)} more")
    return clean("\n".join(lines), DETAILS_CHARS)


def signal_entry(signal: FrustrationSignal) -> ActivityEntry:
    word = _SIGNAL_WORDS[signal.signal]
    target = signal.target or "an element"
    extra = f" ({signal.clicks} clicks)" if signal.clicks > 1 else ""
    cause = f": {signal.cause}" if signal.cause else ""
    flags = tuple(f for f, on in (("detected", signal.detected), ("sdk", signal.from_sdk)) if on)
    seen = " and ".join(
        w for w, on in (("found in the recording", signal.detected), ("reported by the SDK", signal.from_sdk)) if on
    )
    details = clean(f"{word} on {target}{extra}\nSignal: {seen}{cause and chr(10) + 'After it' + cause}", DETAILS_CHARS)
    summary = one_line(f"{word} on {target}{extra}{cause}")
    return ActivityEntry(round(signal.at_ms), EntryKind.FRUSTRATION, summary, details, str(signal.signal),
                         signal.signal == Signal.ERROR, flags)  # fmt: skip


def _coordinate(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or abs(value) > 1e9:
        return None
    return float(value)


def _masked_input(data: dict[str, Any]) -> bool:
    text = data.get("text")
    return isinstance(text, str) and bool(text) and set(text) <= {"*"}
