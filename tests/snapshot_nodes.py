"""rrweb snapshot nodes written by hand in tests: an element and a text node with the ids a recorder gives."""

from __future__ import annotations

from typing import Any


def el(
    node_id: int, tag: str, attributes: dict[str, Any] | None = None, children: list[Any] | None = None
) -> dict:
    return {
        "type": 2,
        "id": node_id,
        "tagName": tag,
        "attributes": attributes or {},
        "childNodes": children or [],
    }
