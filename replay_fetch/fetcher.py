"""Fetching a replay's assets (issue 18): GET only, with timeouts, a redirect limit, a content-type check, a
size cap read while streaming, and never to an address replay_core.fetch_rules refuses (loopback, private,
link-local or other non-public addresses unless that host was allowed for it; on the server, any host not
on the project's list). Each refusal is one line a user can act on. No Qt, no storage.

The host is resolved here and every address it resolves to is checked; the connection then goes to the
address checked (the URL's host kept for the Host header and TLS), so a second lookup cannot answer
differently. Each redirect is followed by hand and checked as the first request was.
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from replay_core import assets
from replay_core.fetch_rules import (
    CONNECT_TIMEOUT_S,
    MAX_REDIRECTS,
    TOTAL_TIMEOUT_S,
    Address,
    HostRules,
    allowed_type,
)
from replay_core.limits import MAX_ASSET_BYTES, MAX_CSS_IMPORT_DEPTH, MAX_REPLAY_ASSET_BYTES

Resolver = Callable[[str, int], Sequence[str]]


class AssetRefused(Exception):
    """An asset not fetched; the message is one line saying why."""


@dataclass(frozen=True)
class Fetched:
    url: str  # the URL the recording references (key form)
    content_type: str  # without parameters, lower case
    body: bytes
    sha256: str


@dataclass(frozen=True)
class Missing:
    url: str
    reason: str


@dataclass
class ReplayAssets:
    """What fetching a replay's assets gave: the contents got and the URLs that were not, with why."""

    fetched: list[Fetched] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(len(item.body) for item in self.fetched)


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


class AssetFetcher:
    """Fetches one asset at a time under the rules above. `allowed_hosts`: hosts (names or addresses, as in
    URLs) that may be on loopback or private addresses, chosen by the user; or `rules` for all of it (the
    server's: only the project's hosts)."""

    def __init__(
        self,
        allowed_hosts: Iterable[str] = (),
        *,
        rules: HostRules | None = None,
        max_bytes: int = MAX_ASSET_BYTES,
        max_redirects: int = MAX_REDIRECTS,
        total_timeout_s: float = TOTAL_TIMEOUT_S,
        resolver: Resolver = system_resolver,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.rules = rules or HostRules.make(allowed_hosts)
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.total_timeout_s = total_timeout_s
        self._resolver = resolver
        timeout = httpx.Timeout(total_timeout_s, connect=min(CONNECT_TIMEOUT_S, total_timeout_s))
        self._client = httpx.Client(
            follow_redirects=False, timeout=timeout, trust_env=False, transport=transport,
            headers={"User-Agent": "replay-viewer asset cache", "Accept": "*/*"},
        )  # fmt: skip

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> AssetFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str, kind: str) -> Fetched:
        """GET `url` (a recording's reference, in key form) or raise AssetRefused with the reason."""
        deadline = time.monotonic() + self.total_timeout_s
        current = url
        for _hop in range(self.max_redirects + 1):
            target, host, sni = self._checked_target(current)
            try:
                with self._client.stream(
                    "GET", target, headers={"Host": host}, extensions={"sni_hostname": sni} if sni else {}
                ) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        following = assets.key(urljoin(current, location)) if location else None
                        if following is None:
                            raise AssetRefused(
                                f"{url}: redirected to an unusable address ({location[:100]!r})"
                            )
                        current = following
                        continue
                    if response.status_code != 200:
                        raise AssetRefused(f"{url}: the server answered {response.status_code}")
                    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    if not allowed_type(kind, content_type, current):
                        shown = content_type or "no content type"
                        raise AssetRefused(f"{url}: {shown} is not an allowed type for a {kind}")
                    body = self._read(url, response, deadline)
            except httpx.TimeoutException:
                raise AssetRefused(f"{url}: timed out") from None
            except httpx.HTTPError as error:
                raise AssetRefused(f"{url}: {type(error).__name__}: {str(error)[:150]}") from None
            return Fetched(url, content_type, body, hashlib.sha256(body).hexdigest())
        raise AssetRefused(f"{url}: more than {self.max_redirects} redirects")

    def _read(self, url: str, response: httpx.Response, deadline: float) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise AssetRefused(f"{url}: {int(declared):,} bytes is over the {self.max_bytes:,}-byte cap")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise AssetRefused(f"{url}: over the {self.max_bytes:,}-byte cap")
            if time.monotonic() > deadline:
                raise AssetRefused(f"{url}: timed out (slower than {self.total_timeout_s:g} s)")
            chunks.append(chunk)
        return b"".join(chunks)

    def _addresses(self, url: str, host: str, port: int) -> list[Address]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        try:
            found = [ipaddress.ip_address(a.split("%")[0]) for a in self._resolver(host, port)]
        except (OSError, UnicodeError, ValueError) as error:
            raise AssetRefused(f"{url}: {host} could not be resolved ({error})") from None
        if not found:
            raise AssetRefused(f"{url}: {host} could not be resolved")
        return found

    def _checked_target(self, url: str) -> tuple[str, str, str | None]:
        """The URL to connect to (host replaced by a checked address), the Host header, the TLS name."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        scheme = parts.scheme
        port = parts.port or (443 if scheme == "https" else 80)
        if scheme not in ("http", "https") or not host:
            raise AssetRefused(f"{url}: not an http or https URL")
        refused = self.rules.host_refusal(url, host)
        if refused:
            raise AssetRefused(refused)
        addresses = self._addresses(url, host, port)
        refused = self.rules.address_refusal(url, host, addresses)
        if refused:
            raise AssetRefused(refused)
        address = addresses[0]
        shown = f"[{address}]" if address.version == 6 else str(address)
        netloc = f"{shown}:{parts.port}" if parts.port else shown
        header = parts.netloc.rsplit("@", 1)[-1]
        target = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
        return target, header, (host if scheme == "https" else None)


def fetch_replay_assets(
    refs: Sequence[assets.AssetRef],
    fetcher: AssetFetcher,
    reuse: Callable[[str], Fetched | None] = lambda url: None,
    max_replay_bytes: int = MAX_REPLAY_ASSET_BYTES,
    stop: Callable[[], bool] = lambda: False,
) -> ReplayAssets:
    """Fetch what a replay references. `reuse(url)` gives a copy already kept that may stand for it (the
    cache decides: one fetched no earlier than the replay was recorded); it is not fetched again.
    Stylesheets are read for what they import and reference in turn (to MAX_CSS_IMPORT_DEPTH) and are
    kept with their URLs made absolute against where they came from."""
    result = ReplayAssets()
    queue = [(ref, 0) for ref in refs]
    seen = {ref.url for ref in refs}
    total = 0
    while queue and not stop():
        ref, depth = queue.pop(0)
        if total >= max_replay_bytes:
            reason = f"{ref.url}: the replay's assets reached the {max_replay_bytes:,}-byte cap"
            result.missing.append(Missing(ref.url, reason))
            continue
        got = reuse(ref.url)
        if got is None:
            try:
                got = fetcher.fetch(ref.url, ref.kind)
            except AssetRefused as refused:
                result.missing.append(Missing(ref.url, str(refused)))
                continue
            if got.content_type == "text/css":
                body = assets.absolutize_css(got.body.decode("utf-8", "replace"), ref.url).encode()
                got = Fetched(got.url, got.content_type, body, hashlib.sha256(body).hexdigest())
        if got.content_type == "text/css" and depth < MAX_CSS_IMPORT_DEPTH:
            for inner in assets.css_urls(got.body.decode("utf-8", "replace"), ref.url):
                if inner.url not in seen:
                    seen.add(inner.url)
                    queue.append((inner, depth + 1))
        total += len(got.body)
        result.fetched.append(got)
    return result


