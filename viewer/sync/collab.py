"""Comments and collections in the sync: the outbox goes up first, then the change feed's comments and
collections are merged into the cache by `replay_core.collab`'s rule (so whatever order the two sides'
changes arrive in, every cache ends with the same records).

An upload the server refuses for good (400 for a record the server's rules refuse, 404 for a comment on a
replay the server does not have, such as one imported from a file, 413) is taken out of the outbox and
named in the report; the record stays in this cache. An answer about the key or the server (401, 403,
429, 5xx) or no answer stops the sync where it is, and the outbox waits for the next one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from replay_core import collab
from replay_core.collab import COLLECTION, COMMENT, CollabError, Record
from replay_core.validate import id_problem
from viewer.storage import ReplayCache
from viewer.sync.client import SOURCE_STATUSES, Change
from viewer.sync.transport import ServerError, SyncError

log = logging.getLogger(__name__)
KINDS = collab.KINDS
_PATHS = {COMMENT: "/api/v1/comments", COLLECTION: "/api/v1/collections"}
# Refusals about the record itself: retrying the same record would get the same answer.
_FINAL = frozenset({400, 404, 409, 413, 422})


@dataclass
class CollabReport:
    uploaded: int = 0
    merged: int = 0  # comments and collections from the feed
    refused: list[str] = field(default_factory=list)  # uploads refused for good, with the reason


def upload_outbox(cache: ReplayCache, transport: Any, source: str, report: CollabReport) -> None:
    """Send the queued comments and collections, oldest change first; store each answer (the merge).
    What is queued while this runs goes up with the next sync."""
    for queued in cache.collab_outbox(source):
        record = queued.record
        try:
            response = transport.request("POST", _PATHS[record.kind], json=collab.to_json(record))
            answer = collab.from_json(response.json(), record.kind)
        except ServerError as exc:
            if exc.status in SOURCE_STATUSES or exc.status not in _FINAL:
                raise
            line = f"{record.kind} {record.id} not shared: {exc}"
            log.warning("%s", line)
            report.refused.append(line)
            cache.collab_uploaded(queued, None, source)
            continue
        except (ValueError, CollabError) as exc:
            raise SyncError(f"the server's answer to a {record.kind} upload is unreadable ({exc})") from exc
        cache.collab_uploaded(queued, answer, source)
        report.uploaded += 1


def feed_record(change: Change) -> Record | str:
    """The record a feed entry carries (a tombstone for a delete), or why the cache cannot hold it."""
    if change.is_delete:
        problem = id_problem(change.id, "id")
        return problem if problem else collab.tombstone(change.kind, change.id)
    try:
        return collab.from_json(change.data, change.kind)
    except CollabError as exc:
        return str(exc)


def merge_feed(
    cache: ReplayCache, changes: list[Change], report: CollabReport, source: str | None = None
) -> list[tuple[Change, str]]:
    """Merge the page's comments and collections into the cache in one transaction (merging is
    idempotent, so doing it before the page's cursor is stored loses nothing if the sync stops); the
    entries it could not read, with the reason. The collections are held by `source` from then on."""
    records: list[Record] = []
    problems: list[tuple[Change, str]] = []
    for change in changes:
        if change.kind not in KINDS:
            continue
        found = feed_record(change)
        if isinstance(found, str):
            problems.append((change, found))
        else:
            records.append(found)
    if records:
        cache.merge_records(records, source=source)
        report.merged += len(records)
    return problems
