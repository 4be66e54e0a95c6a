"""The rules for fetching a recording's assets, defined once for the app and the server (issue 18).

Which addresses may be reached (never loopback, private, link-local or other non-public addresses unless
that host was allowed for it; on the server only the hosts a project lists), which content types each kind
of reference may have, how many redirects, how long. The caps on sizes are in `limits.py`. The HTTP client
that applies these rules is `replay_fetch`; nothing here touches the network.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from replay_core import assets

MAX_REDIRECTS = 5
CONNECT_TIMEOUT_S = 5.0
TOTAL_TIMEOUT_S = 15.0  # one asset, every hop and the whole body: a server that drips is cut off
_FONT_TYPES = {
    "application/font-woff",
    "application/font-woff2",
    "application/x-font-woff",
    "application/x-font-ttf",
    "application/x-font-truetype",
    "application/x-font-opentype",
    "application/font-sfnt",
    "application/vnd.ms-fontobject",
}
_FONT_SUFFIXES = (".woff", ".woff2", ".ttf", ".otf", ".eot")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
DESKTOP_HINT = "allow the host in the settings to fetch it"


def allowed_type(kind: str, content_type: str, url: str) -> bool:
    """Stylesheets must be CSS; images images; a url() in CSS an image or a font (octet-stream only with a
    font's name, as many servers send fonts)."""
    if kind in (assets.STYLESHEET, assets.IMPORT):
        return content_type == "text/css"
    if kind in (assets.IMAGE, assets.ICON):
        return content_type.startswith("image/")
    path = urlsplit(url).path.lower()
    return (
        content_type.startswith(("image/", "font/"))
        or content_type in _FONT_TYPES
        or (content_type in ("application/octet-stream", "") and path.endswith(_FONT_SUFFIXES))
    )


def host_name(host: str) -> str:
    """A host as the rules compare it: lower case, without the brackets of an IPv6 address."""
    return host.strip().lower().strip("[]")


def is_public(address: Address) -> bool:
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return address.is_global and not address.is_multicast and not (mapped and not mapped.is_global)


def address_kind(address: Address) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address_kind(address.ipv4_mapped)
    if address.is_loopback:
        return "a loopback"
    if address.is_link_local:
        return "a link-local"
    if address.is_private:
        return "a private"
    return "a non-public"


@dataclass(frozen=True)
class HostRules:
    """Which hosts may be fetched from. `only`: the hosts allowed at all (None: any host with public
    addresses, as in the app); `private_ok`: hosts that may also be on loopback, private or link-local
    addresses (chosen explicitly, never implied); `hint`: what to do about a refusal."""

    private_ok: frozenset[str] = frozenset()
    only: frozenset[str] | None = None
    hint: str = DESKTOP_HINT
    only_hint: str = "not a host allowed for capture"

    @classmethod
    def make(
        cls, private_ok: Iterable[str] = (), only: Iterable[str] | None = None, **hints: str
    ) -> HostRules:
        names = frozenset(host_name(h) for h in private_ok if h.strip())
        listed = None if only is None else frozenset(host_name(h) for h in only if h.strip())
        return cls(names, listed, **hints)

    def host_refusal(self, url: str, host: str) -> str | None:
        """Why `host` may not be asked at all (before it is even resolved), or None."""
        if self.only is not None and host_name(host) not in self.only:
            return f"{url}: {host} is {self.only_hint}"
        return None

    def address_refusal(self, url: str, host: str, addresses: Sequence[Address]) -> str | None:
        """Why the addresses `host` resolved to may not be connected to, or None."""
        if host_name(host) in self.private_ok:
            return None
        for address in addresses:
            if not is_public(address):
                return f"{url}: {host} is {address_kind(address)} address {address}; {self.hint}"
        return None
