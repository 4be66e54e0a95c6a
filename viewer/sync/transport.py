"""HTTP transport for the replay API: timeouts, bounded retries with exponential backoff and Retry-After."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
Sleep = Callable[[float], None]


class SyncError(Exception):
    """A sync step that failed; the message is one line a user can act on."""


class OfflineError(SyncError):
    """The server could not be reached at all (refused, timed out, DNS)."""


class ServerError(SyncError):
    """The server answered with an error status (after the retries, for those worth retrying)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries in all, the first one included
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before try number `attempt + 1`; the server's Retry-After wins, capped."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay_s)
        backoff = self.base_delay_s * (2 ** (attempt - 1))
        return min(backoff * (0.5 + random.random() / 2), self.max_delay_s)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Transport:
    """An httpx client bound to one server and key; `request` retries what is worth retrying."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        inner: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self.http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}", "Accept-Encoding": "gzip"},
            timeout=timeout or httpx.Timeout(30.0, connect=5.0),
            transport=inner,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The response, read in full, after at most `retry.attempts` tries; SyncError otherwise."""
        return self._with_retries(lambda: self.http.request(method, path, **kwargs))

    def stream(self, path: str, params: dict[str, str]) -> httpx.Response:
        """A streamed GET (the caller closes it), retried like `request` until its headers arrive."""
        return self._with_retries(
            lambda: self.http.send(self.http.build_request("GET", path, params=params), stream=True)
        )

    def _with_retries(self, send: Callable[[], httpx.Response]) -> httpx.Response:
        for attempt in range(1, self.retry.attempts + 1):
            last = attempt == self.retry.attempts
            try:
                response = send()
            except httpx.TransportError as exc:
                if last or isinstance(exc, httpx.UnsupportedProtocol):
                    raise _unreachable(self.base_url, exc) from exc
                self._sleep(self.retry.delay(attempt, None))
                continue
            if response.status_code in RETRY_STATUSES and not last:
                response.close()
                self._sleep(
                    self.retry.delay(attempt, retry_after_seconds(response.headers.get("retry-after")))
                )
                continue
            if response.status_code >= 400:
                response.read()
                response.close()
            return _checked(response)
        raise AssertionError("unreachable")  # pragma: no cover


def _unreachable(base_url: str, exc: httpx.TransportError) -> OfflineError:
    reason = str(exc) or type(exc).__name__
    return OfflineError(f"cannot reach {base_url}: {reason}")


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code < 400:
        return response
    message = f"{response.request.method} {response.request.url.path}: {_describe(response)}"
    raise ServerError(message, response.status_code)


def _describe(response: httpx.Response) -> str:
    try:
        detail = response.json().get("error") or response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    text = str(detail) if detail else response.reason_phrase
    return f"the server answered {response.status_code} ({text[:200]})"
