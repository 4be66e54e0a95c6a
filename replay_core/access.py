"""The query API's key scopes, one definition for the server that grants them and the app that shows them."""

from __future__ import annotations

from typing import Literal

Scope = Literal["read", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "admin")

# What a key of each scope may do, in the words the app and `replay-api key list` show.
SCOPE_ALLOWS: dict[Scope, str] = {
    "read": "syncs and downloads replays",
    "admin": "syncs, downloads, deletes users and manages keys",
}


def is_scope(value: object) -> bool:
    return value in SCOPES
