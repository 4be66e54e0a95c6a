"""Import recordings into the cache: rrweb files in any format the reader accepts, and mixpanel captures.

A plain recording becomes one replay whose id is a hash of the file, so importing it again is a no-op.
A capture folder (`NNN-<path>.req` files, see the fixtures' MANIFEST part B) brings its `/record/`
batches grouped by replay_id, its `/track/` events and its `/engage/` profile updates.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from replay_core import RecordingError
from replay_core.analytics import ProfileUpdate, TrackedEvent, parse_profile_updates, parse_track_events
from replay_core.events import Event
from replay_core.ingest import CapturedRequest, parse_captured_request, parse_record_batch
from replay_core.reader import (
    collector_paused,
    decompress_if_gzip,
    parse_events,
    prepare_events,
    validate_events,
)
from viewer.storage.cache import ReplayCache
from viewer.storage.chunks import encode_replay
from viewer.storage.models import (
    AnalyticsEvent,
    CacheUpdate,
    EncodedNewReplay,
    ProfileChange,
    ReplayBatch,
    UpdateResult,
)

FILE_BATCH_KEY = "file"
# The methods the replay API answers on each ingest route.
_METHODS = {"record": ("POST",), "track": ("POST", "GET"), "engage": ("POST", "GET")}
RECORDING_SUFFIXES = (".json", ".ndjson", ".jsonl", ".gz", ".req", ".rrweb")


PARENT_CHECK_S = 0.5

@dataclass
class ImportOutcome:
    """What importing one file or capture folder did, for the summary line."""

    name: str
    raw_bytes: int = 0
    result: UpdateResult = field(default_factory=UpdateResult)
    problems: list[str] = field(default_factory=list)
    event_count: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.problems or self.result.skipped)

    def summary_line(self) -> str:
        r = self.result
        parts = []
        for count, word in (
            (len(r.added), "added"),
            (len(r.extended), "extended"),
            (len(r.unchanged), "already cached"),
        ):
            if count:
                parts.append(f"{count} replay{'s' * (count != 1)} {word}")
        if r.events_added:
            parts.append(f"{r.events_added} analytics events")
        if r.profiles_changed:
            parts.append(f"{r.profiles_changed} profile updates")
        if self.event_count:
            parts.append(f"{self.event_count} rrweb events")
        parts.append(f"{self.raw_bytes / 1e6:.2f} MB")
        problems = self.problems + [f"replay {rid}: {why}" for rid, why in r.skipped]
        text = f"{self.name}: " + ", ".join(parts)
        return text + ("; skipped " + "; ".join(problems) if problems else "")


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """The files and capture folders to import: folders are searched, capture folders kept whole."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(_walk(path))
        else:
            found.append(path)
    return found


def _walk(folder: Path) -> Iterator[Path]:
    children = sorted(folder.iterdir())
    if any(child.suffix == ".req" and child.is_file() for child in children):
        yield folder
        return
    for child in children:
        if child.is_dir():
            yield from _walk(child)
        elif child.suffix.lower() in RECORDING_SUFFIXES:
            yield child


def import_path(cache: ReplayCache, path: Path) -> ImportOutcome:
    """Import one recording file or capture folder in one transaction; problems are reported, not raised."""
    outcome = ImportOutcome(name=path.name + ("/" if path.is_dir() else ""))
    try:
        if path.is_dir():
            _import_capture(cache, sorted(path.glob("*.req")), outcome)
        else:
            _import_file(cache, path, outcome)
    except RecordingError as exc:
        outcome.problems.append(str(exc))
    except OSError as exc:
        outcome.problems.append(f"cannot be read ({exc.strerror or exc})")
    return outcome


def _import_file(cache: ReplayCache, path: Path, outcome: ImportOutcome) -> None:
    raw = path.read_bytes()
    outcome.raw_bytes = len(raw)
    replay_id = file_replay_id(raw)
    if cache.has_batch(replay_id, FILE_BATCH_KEY):
        outcome.result.unchanged.append(replay_id)
        return
    new = encode_plain_recording(raw, replay_id, path.name)
    if new is None:
        # A captured request, possibly gzipped: the document encode_plain_recording found.
        _import_requests(cache, [parse_captured_request(_load_json(raw))], outcome)
        return
    _store_new(cache, new, outcome)


def file_replay_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


def encode_plain_recording(raw: bytes, replay_id: str, name: str) -> EncodedNewReplay | None:
    """The file's replay ready to store, or None when the file is a captured request instead."""
    with collector_paused():
        document = _load_json(raw)
        if isinstance(document, dict) and "body_b64" in document:
            return None
        events, user_id = _file_events(raw, document)
        encoded = encode_replay(prepare_events(events, name=name))
    return EncodedNewReplay(replay_id=replay_id, key=FILE_BATCH_KEY, encoded=encoded, user_id=user_id)


def _store_new(cache: ReplayCache, new: EncodedNewReplay, outcome: ImportOutcome) -> None:
    outcome.event_count = new.encoded.summary.event_count
    outcome.result = cache.apply(CacheUpdate(new_replays=[new]))


def _load_json(raw: bytes) -> Any:
    """The parsed document, or None when it is not one JSON document (NDJSON, or broken, or nested past
    what orjson reads)."""
    try:
        return orjson.loads(decompress_if_gzip(raw))
    except orjson.JSONDecodeError:
        return None


def _file_events(raw: bytes, document: Any) -> tuple[list[Event], str | None]:
    """The file's events and the user it names, if it names one (`{"user_id": ..., "events": [...]}`)."""
    if isinstance(document, list):
        validate_events(document)
        return document, None
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        validate_events(document["events"])
        user = document.get("user_id") or document.get("distinct_id")
        return document["events"], str(user) if isinstance(user, (str, int)) and user != "" else None
    # Anything else (NDJSON, one bare event, a broken file) goes the reader's way, with its messages.
    return parse_events(raw), None


def _import_capture(cache: ReplayCache, files: list[Path], outcome: ImportOutcome) -> None:
    requests: list[CapturedRequest] = []
    for file in files:
        raw = file.read_bytes()
        outcome.raw_bytes += len(raw)
        try:
            requests.append(parse_captured_request(_load_json(raw)))
        except RecordingError as exc:
            outcome.problems.append(f"{file.name}: {exc}")
    _import_requests(cache, requests, outcome)


def _import_requests(cache: ReplayCache, requests: list[CapturedRequest], outcome: ImportOutcome) -> None:
    update = CacheUpdate()
    for request in sorted(requests, key=lambda r: r.order):
        dropped: list[str] = []
        try:
            _add_request(update, request, dropped)
        except RecordingError as exc:
            outcome.problems.append(f"request {request.order} to {request.path}: {exc}")
        # Items refused alone in an otherwise good request: the rest is imported, as the server would.
        outcome.problems.extend(f"request {request.order} to {request.path}: dropped {why}" for why in dropped)
    outcome.event_count = sum(len(batch.events) for batch in update.batches)
    outcome.result = cache.apply(update)


def _add_request(update: CacheUpdate, request: CapturedRequest, dropped: list[str]) -> None:
    """What the replay API would store for the request, decoded by the same ingest rules."""
    route = request.path.rstrip("/").rsplit("/", 1)[-1]
    if request.method not in _METHODS.get(route, ()):
        return  # CORS preflights, and requests the server would not take either
    if route == "record":
        batch = parse_record_batch(request.params, request.body)
        params = batch.params
        update.batches.append(
            ReplayBatch(params.replay_id, f"seq:{params.seq}", batch.events, params.person or None)
        )
    elif route == "track":
        tracked = parse_track_events(
            request.body, request.received_ms, request.params.get("data"), dropped=dropped
        )
        update.events.extend(analytics_event(event) for event in tracked)
    elif route == "engage":
        changes = parse_profile_updates(request.body, request.params.get("data"), dropped=dropped)
        update.profiles.extend(profile_change(change) for change in changes)


def analytics_event(event: TrackedEvent) -> AnalyticsEvent:
    """A tracked mixpanel event as a cache row, keyed by the ingest rules' dedupe key like a synced one."""
    return AnalyticsEvent(
        insert_id=event.insert_id,
        name=event.name,
        time_ms=event.time_ms,
        user_id=event.distinct_id or None,
        replay_id=event.replay_id or None,
        properties=event.properties,
    )


def profile_change(change: ProfileUpdate) -> ProfileChange:
    """A profile update for the cache, which applies the operations in the order the ingest rules say."""
    return ProfileChange(change.distinct_id, change.set, change.set_once, change.unset, change.delete)


def import_paths(cache: ReplayCache, paths: Sequence[Path], workers: int = 1) -> Iterator[ImportOutcome]:
    """Import each path in order, one transaction per file or capture folder.

    With `workers` > 1, files are read, validated, summarized and compressed in that many processes
    while this one stores them, in order. A process running other threads (the app, a test run) imports
    in one process instead: forking it would not be safe.
    """
    files = [p for p in paths if not p.is_dir()]
    if workers <= 1 or len(files) < 2 or not _single_threaded():
        for path in paths:
            yield import_path(cache, path)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_end_with_parent, initargs=(os.getpid(),)
    ) as pool:
        prepared = {path: pool.submit(_prepare_file, path) for path in files}
        for path in paths:
            yield _import_prepared(cache, path, prepared[path].result()) if path in prepared else import_path(
                cache, path
            )


def _end_with_parent(parent_pid: int) -> None:
    """In a worker: exit once the importing process is gone. A killed import would otherwise leave its
    workers waiting forever on a queue nobody writes to (they hold its other end themselves)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _single_threaded() -> bool:
    """Forking is only safe from a process with one thread (Qt, the app's workers and pytest-qt add some)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return threading.active_count() == 1


def _prepare_file(path: Path) -> tuple[int, str, EncodedNewReplay | None] | str:
    """In a worker: the file's encoded replay (None for a captured request), or the reason it failed."""
    try:
        raw = path.read_bytes()
        replay_id = file_replay_id(raw)
        return len(raw), replay_id, encode_plain_recording(raw, replay_id, path.name)
    except RecordingError as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"


def _import_prepared(
    cache: ReplayCache, path: Path, prepared: tuple[int, str, EncodedNewReplay | None] | str
) -> ImportOutcome:
    if isinstance(prepared, str):
        return ImportOutcome(name=path.name, problems=[prepared])
    size, replay_id, new = prepared
    if new is None or cache.has_batch(replay_id, FILE_BATCH_KEY):
        return import_path(cache, path)  # a captured request, or already stored: the usual path says so
    outcome = ImportOutcome(name=path.name, raw_bytes=size)
    try:
        _store_new(cache, new, outcome)
    except RecordingError as exc:
        outcome.problems.append(str(exc))
    return outcome
