"""The comment and collection commands: add and list comments; create, fill, list, export and import
collections. Every refusal is one line and stores nothing. No Qt here.

An exported collection is a folder: `index.json` (the collection, and per replay its recording file, its
comments file, its user and start moment), `replays/NNN.json` (the recording as a JSON array of rrweb
events) and `comments/NNN.json` (the replay's comments in their wire form, `replay_core.collab`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from replay_core import collab
from replay_core.collab import COLLECTION, COMMENT, CollabError, Record
from viewer.commands.cache import open_cache
from viewer.errors import CommandError
from viewer.storage import ReplayCache

EXPORT_FORMAT = "replay-viewer-collection"
EXPORT_VERSION = 1
INDEX = "index.json"
# An index lists at most collab.MAX_ENTRIES replays; this bounds what is read before it is parsed.
_MAX_INDEX_BYTES = 4 << 20


def _author() -> str:
    from viewer.settings import author_name, load_settings

    return author_name(load_settings())


def _moment(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return collab.parse_seconds(text)
    except CollabError as exc:
        raise CommandError(str(exc)) from None


def _refused(exc: CollabError) -> CommandError:
    return CommandError(str(exc))


def comment_json(record: Record) -> dict[str, Any]:
    from replay_core.links import comment_link

    return {
        "id": record.id,
        "replay_id": record.replay_id,
        "at": record.at_ms / 1000,
        "text": record.text,
        "author": record.author,
        "created_ms": record.created_ms,
        "edited_ms": record.edited_ms,
        "link": comment_link(record.replay_id, record.id, record.at_ms),
    }


def run_comment_add(args: argparse.Namespace) -> int:
    at_ms = _moment(args.at)
    assert at_ms is not None
    text = " ".join(args.text)
    with open_cache() as cache:
        try:
            made = cache.add_comment(args.replay_id, at_ms, text, _author())
        except CollabError as exc:
            raise _refused(exc) from None
    print(f"comment {made.id} at {made.at_ms / 1000:g} s of {made.replay_id}")
    return 0


def run_comment_list(args: argparse.Namespace) -> int:
    with open_cache() as cache:
        if args.replay_id is not None and cache.get_replay(args.replay_id) is None:
            raise CommandError(f"no replay {args.replay_id!r} in the cache")
        found = cache.comments(args.replay_id)
    if args.json:
        json.dump([comment_json(c) for c in found], sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    for record in found:
        text = " ".join(record.text.split())
        print(f"{record.replay_id}  {record.at_ms / 1000:9.3f} s  {record.author}: {text}")
    if not found:
        print("no comments", file=sys.stderr)
    return 0


def run_comment_delete(args: argparse.Namespace) -> int:
    with open_cache() as cache:
        try:
            cache.delete_comment(args.comment_id)
        except CollabError as exc:
            raise _refused(exc) from None
    print(f"deleted comment {args.comment_id}")
    return 0


def run_collection_remove(args: argparse.Namespace) -> int:
    with open_cache() as cache:
        try:
            record = cache.collection(args.name)
            if args.replay_id not in [e.replay_id for e in record.entries()]:
                raise CollabError(f"{args.replay_id!r} is not in {record.name!r}")
            cache.remove_from_collection(args.name, args.replay_id)
        except CollabError as exc:
            raise _refused(exc) from None
    print(f"took {args.replay_id} out of {args.name!r}")
    return 0


def run_collection_create(args: argparse.Namespace) -> int:
    with open_cache() as cache:
        if any(c.name == args.name for c in cache.collections()):
            raise CommandError(f"a collection named {args.name!r} exists")
        try:
            made = cache.create_collection(args.name, _author())
        except CollabError as exc:
            raise _refused(exc) from None
    print(f"collection {made.name!r} ({made.id})")
    return 0


def run_collection_add(args: argparse.Namespace) -> int:
    start_ms = _moment(args.at)
    with open_cache() as cache:
        try:
            changed = cache.add_to_collection(args.name, args.replay_id, start_ms)
        except CollabError as exc:
            raise _refused(exc) from None
    print(f"{args.replay_id} is number {len(changed.entries())} of {changed.name!r}")
    return 0


def collection_json(record: Record, cache: ReplayCache) -> dict[str, Any]:
    gone = cache.gone_replays(entry.replay_id for entry in record.entries())
    return {
        "id": record.id,
        "name": record.name,
        "author": record.author,
        "created_ms": record.created_ms,
        "edited_ms": record.edited_ms,
        "replays": [
            {
                "id": entry.replay_id,
                "start": None if entry.start_ms is None else entry.start_ms / 1000,
                "cached": cache.get_replay(entry.replay_id) is not None,
                "deleted": entry.replay_id in gone,  # from this cache, while in the collection
            }
            for entry in record.entries()
        ],
    }


def run_collection_list(args: argparse.Namespace) -> int:
    with open_cache() as cache:
        try:
            found = [cache.collection(args.name)] if args.name is not None else cache.collections()
        except CollabError as exc:
            raise _refused(exc) from None
        shown = [collection_json(record, cache) for record in found]
    if args.json:
        json.dump(shown if args.name is None else shown[0], sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    for item in shown:
        if args.name is None:
            print(f"{item['name']}  {len(item['replays'])} replays  by {item['author']}")
            continue
        for number, entry in enumerate(item["replays"], start=1):
            start = "" if entry["start"] is None else f"  from {entry['start']:g} s"
            missing = "" if entry["cached"] else "  (replay deleted)" if entry["deleted"] else "  (not in the cache)"
            print(f"{number:3d}. {entry['id']}{start}{missing}")
    if not shown:
        print("no collections", file=sys.stderr)
    return 0


def run_collection_export(args: argparse.Namespace) -> int:
    target = Path(args.dir)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise CommandError(f"{target} exists and is not an empty folder")
    with open_cache() as cache:
        try:
            record = cache.collection(args.name)
        except CollabError as exc:
            raise _refused(exc) from None
        parent = target.parent if str(target.parent) else Path(".")
        parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed at the end: a failed export leaves no half folder.
        partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=parent))
        try:
            index = _export(cache, record, partial)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
    if target.exists():
        target.rmdir()
    partial.rename(target)
    print(f"exported {len(index['replays'])} replays of {record.name!r} to {target}")
    return 0


def _export(cache: ReplayCache, record: Record, folder: Path) -> dict[str, Any]:
    (folder / "replays").mkdir()
    (folder / "comments").mkdir()
    listed: list[dict[str, Any]] = []
    for number, entry in enumerate(record.entries(), start=1):
        row = cache.get_replay(entry.replay_id)
        if row is None or not cache.has_events(entry.replay_id):
            raise CommandError(
                f"replay {entry.replay_id!r} of {record.name!r} has no events in the cache (sync, or open it first)"
            )
        recording = f"replays/{number:03d}.json"
        comments = f"comments/{number:03d}.json"
        with (folder / recording).open("w", encoding="utf-8") as handle:
            handle.write("[")
            first = True
            for chunk in cache.iter_event_chunks(entry.replay_id):
                for event in chunk:
                    handle.write(("" if first else ",") + json.dumps(event, separators=(",", ":")))
                    first = False
            handle.write("]")
        wire = [collab.to_json(c) for c in cache.comments(entry.replay_id)]
        (folder / comments).write_text(json.dumps(wire, ensure_ascii=False, indent=1), encoding="utf-8")
        listed.append(
            {
                "id": entry.replay_id,
                "user_id": row.user_id,
                "start_ms": entry.start_ms,
                "recording": recording,
                "comments": comments,
            }
        )
    index = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "collection": collab.to_json(record),
        "replays": listed,
    }
    (folder / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
    return index


def run_collection_import(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    index = _read_index(folder)
    record = _checked(lambda: collab.from_json(index.get("collection"), COLLECTION), "the collection")
    replays = index.get("replays")
    if not isinstance(replays, list) or len(replays) > collab.MAX_ENTRIES:
        raise CommandError(f"{folder / INDEX}: 'replays' must be a list of at most {collab.MAX_ENTRIES}")
    # Everything is read and checked first; only then is anything stored.
    prepared = [_prepared(folder, item, n) for n, item in enumerate(replays, start=1)]
    with open_cache() as cache:
        from viewer.storage import CacheUpdate

        new = [replay for replay, _ in prepared if cache.get_replay(replay.replay_id) is None]
        if new:
            cache.apply(CacheUpdate(new_replays=new))
        comments = [c for _, found in prepared for c in found]
        cache.merge_records([*comments, record], queue=True)
    print(f"imported {record.name!r}: {len(prepared)} replays ({len(new)} new), {len(comments)} comments")
    return 0


def _read_index(folder: Path) -> dict[str, Any]:
    path = folder / INDEX
    try:
        if path.stat().st_size > _MAX_INDEX_BYTES:
            raise CommandError(f"{path} is larger than {_MAX_INDEX_BYTES} bytes")
        index = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(f"{folder} is not an exported collection (no {INDEX})") from None
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise CommandError(f"{path} is not JSON") from None
    if not isinstance(index, dict) or index.get("format") != EXPORT_FORMAT:
        raise CommandError(f"{path} is not an exported collection's index")
    if index.get("version") != EXPORT_VERSION:
        raise CommandError(
            f"{path} is version {index.get('version')!r} of the format; this app reads {EXPORT_VERSION}"
        )
    return index


def _checked(make: Any, what: str) -> Any:
    try:
        return make()
    except CollabError as exc:
        raise CommandError(f"{what}: {exc}") from None


def _prepared(folder: Path, item: Any, number: int) -> tuple[Any, list[Record]]:
    from replay_core.validate import id_problem
    from viewer.files import file_problem
    from viewer.storage.importer import encode_plain_recording

    where = f"replay {number} of the index"
    if not isinstance(item, dict):
        raise CommandError(f"{where} is not an object")
    replay_id = item.get("id")
    problem = id_problem(replay_id, "id")
    if problem:
        raise CommandError(f"{where}: {problem}")
    recording = _inside(folder, item.get("recording"), where)
    comments_path = _inside(folder, item.get("comments"), where)
    problem = file_problem(recording)
    if problem:
        raise CommandError(f"{recording}: {problem}")
    encoded = encode_plain_recording(recording.read_bytes(), str(replay_id), recording.name)
    if encoded is None:
        raise CommandError(f"{recording}: not a recording")
    user_id = item.get("user_id")
    if isinstance(user_id, str) and user_id:
        encoded = replace(encoded, user_id=user_id)
    try:
        raw = json.loads(comments_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise CommandError(f"{comments_path}: cannot be read as JSON") from None
    if not isinstance(raw, list):
        raise CommandError(f"{comments_path}: not a list of comments")
    comments = [_checked(lambda c=c: collab.from_json(c, COMMENT), f"{comments_path}") for c in raw]
    if any(c.replay_id != replay_id for c in comments):
        raise CommandError(f"{comments_path}: holds a comment on another replay")
    return encoded, comments


def _inside(folder: Path, name: Any, where: str) -> Path:
    """A file the index names, which must lie inside the folder (an index cannot point elsewhere)."""
    if not isinstance(name, str) or not name:
        raise CommandError(f"{where}: a file name is missing")
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise CommandError(f"{where}: {name[:80]!r} is outside the folder")
    return path
