"""What the page logged beside the DOM: console messages and network requests recorded as rrweb plugins.

- Console: `rrweb/console@1` Plugin events (and the older IncrementalSnapshot source Log) carry
  `{level, payload: [argument as JSON text, ...], trace: ["fn (file:line:col)", ...]}`.
- Network: `rrweb/network@1.mp` (mixpanel-browser with `record_network`) and rrweb's `rrweb/network@1`
  carry `{requests: [{url, method, status, initiatorType, startTime, endTime, timeOrigin?}]}`.
  Times are the page's performance clock; with `timeOrigin` they become epoch ms. A request is
  **failed** when its status is 0 (it did not complete: a network error, a blocked or aborted request)
  or at least 400, and **slow** when it took at least `SLOW_REQUEST_MS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from replay_core.markers import CONSOLE_ERROR_LEVELS, CONSOLE_PLUGIN
from replay_core.plain_text import VALUE_CHARS, clean, console_argument
from replay_core.validate import in_time_range

NETWORK_PLUGINS = frozenset({"rrweb/network@1.mp", "rrweb/network@1"})
SLOW_REQUEST_MS = 3_000.0
# At most this many arguments, stack frames or requests are read from one plugin event.
MAX_ITEMS = 50


@dataclass(frozen=True)
class ConsoleMessage:
    level: str
    arguments: list[str]
    trace: list[str]

    @property
    def is_error(self) -> bool:
        return self.level in CONSOLE_ERROR_LEVELS


@dataclass(frozen=True)
class NetworkRequest:
    started_ms: float | None  # epoch ms, when the page's clock says
    method: str
    url: str
    status: int | None
    duration_ms: float | None
    initiator: str

    @property
    def failed(self) -> bool:
        return self.status is not None and (self.status == 0 or self.status >= 400)

    @property
    def slow(self) -> bool:
        return self.duration_ms is not None and self.duration_ms >= SLOW_REQUEST_MS


def console_message(plugin: Any, payload: Any) -> ConsoleMessage | None:
    """The console message in a Plugin event's data (or a Log source's data, with CONSOLE_PLUGIN)."""
    if plugin != CONSOLE_PLUGIN or not isinstance(payload, dict):
        return None
    level = clean(str(payload.get("level") or "log"), 20).lower()
    arguments = payload.get("payload")
    if not isinstance(arguments, list):
        arguments = [] if arguments is None else [arguments]
    trace = payload.get("trace")
    return ConsoleMessage(
        level=level,
        arguments=[console_argument(a) for a in arguments[:MAX_ITEMS]],
        trace=[clean(str(f), VALUE_CHARS) for f in trace[:MAX_ITEMS]] if isinstance(trace, list) else [],
    )


def network_requests(plugin: Any, payload: Any) -> list[NetworkRequest]:
    if plugin not in NETWORK_PLUGINS or not isinstance(payload, dict):
        return []
    requests = payload.get("requests")
    if not isinstance(requests, list):
        return []
    return [_request(r) for r in requests[:MAX_ITEMS] if isinstance(r, dict)]


def _request(raw: dict[str, Any]) -> NetworkRequest:
    start, end = _number(raw.get("startTime")), _number(raw.get("endTime"))
    origin = _number(raw.get("timeOrigin"))
    started = None
    if start is not None:
        candidate = start + origin if origin is not None else start
        started = candidate if in_time_range(candidate) else None
    status = raw.get("status")
    return NetworkRequest(
        started_ms=started,
        method=clean(str(raw.get("method") or "GET"), 20).upper(),
        url=clean(str(raw.get("url") or raw.get("name") or ""), VALUE_CHARS),
        status=status if isinstance(status, int) and not isinstance(status, bool) else None,
        duration_ms=end - start if start is not None and end is not None and end >= start else None,
        initiator=clean(str(raw.get("initiatorType") or ""), 40),
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return float(value) if abs(value) < 1e15 else None
