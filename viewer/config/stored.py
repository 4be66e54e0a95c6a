"""A versioned JSON file of options: read with upgrades, written atomically, set aside when damaged."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from viewer.config.options import from_stored
from viewer.files import name_aside, write_atomically

log = logging.getLogger(__name__)
T = TypeVar("T")
Body = dict[str, Any]
Upgrade = Callable[[Body], Body]


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """What a file gave; `notice` is one line for the user when it could not be used as it was."""

    value: T
    notice: str | None = None


class Damaged(ValueError):
    """A file that cannot be read as its declaration says; the message says why, in a few words."""


@dataclass(frozen=True)
class ConfigFile(Generic[T]):
    """One file: its options (a dataclass declared with `option`), its version and the steps up to it."""

    name: str
    options: type[T]
    version: int
    # upgrades[n] turns the body of a version-n file into a version n+1 body
    upgrades: Mapping[int, Upgrade] = field(default_factory=dict)
    values_key: str | None = None  # settings.json keeps its options under "values"; None: at the top
    mode: int = 0o600

    def __post_init__(self) -> None:
        if set(self.upgrades) != set(range(1, self.version)):
            raise ValueError(f"{self.name}: an upgrade step is needed from each version below {self.version}")

    def body(self, value: T) -> Body:
        values = asdict(value)  # type: ignore[call-overload]
        return {"version": self.version, **({self.values_key: values} if self.values_key else values)}

    def values(self, body: Body) -> dict[str, Any]:
        found = body.get(self.values_key, {}) if self.values_key else body
        if not isinstance(found, dict):
            raise Damaged(f'"{self.values_key}" is not an object')
        return found


def read(file: ConfigFile[T], path: Path) -> Loaded[T]:
    """The file's options; never raises for its content: a damaged file is set aside, defaults used."""
    try:
        body = _parse(path)
        version = _version(body)
        if version > file.version:
            return _from_newer(file, path, body, version)
        refused: list[str] = []
        value = from_stored(file.options, file.values(upgraded(file, body, version)), refused)
        return Loaded(value, _refused_notice(path, refused))
    except FileNotFoundError:
        return Loaded(file.options())
    except Damaged as exc:
        notice, _ = _set_aside(path, "damaged", f"is damaged ({exc})", "started with defaults")
        return Loaded(file.options(), notice)


def write(file: ConfigFile[T], value: T, path: Path) -> None:
    """Write atomically: a crash mid-write leaves the previous file intact."""
    write_atomically(path, json.dumps(file.body(value), indent=2), mode=file.mode)


def upgraded(file: ConfigFile[Any], body: Body, version: int) -> Body:
    """The body brought from `version` to the file's current version, one tested step at a time."""
    for step_from in range(version, file.version):
        try:
            body = file.upgrades[step_from](body)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise Damaged(f"cannot upgrade it from version {step_from}: {exc!r}") from exc
        body["version"] = step_from + 1
    return body


def _parse(path: Path) -> Body:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise Damaged(f"unreadable: {exc.strerror or exc}") from exc
    try:
        body = json.loads(raw.decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError alike
        raise Damaged(f"not JSON: {exc}") from exc
    except RecursionError:
        raise Damaged("nested too deeply") from None
    if not isinstance(body, dict):
        raise Damaged(f"not an object but {type(body).__name__}")
    return body


def _version(body: Body) -> int:
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise Damaged(f"no version number (found {version!r})")
    return version


def _from_newer(file: ConfigFile[T], path: Path, body: Body, version: int) -> Loaded[T]:
    """Keep the newer file aside untouched, go on with the options this version knows, written back
    as this version: later reads in this run then agree, and the newer app finds its file in the copy."""
    try:
        value = from_stored(file.options, file.values(body))
    except Damaged:
        value = file.options()
    what = f"was written by a newer Replay Viewer (version {version}, this one knows {file.version})"
    notice, moved = _set_aside(path, "newer", what, "using the options this version knows")
    if moved:  # never over the only copy of the newer file
        try:
            write(file, value, path)
        except OSError as exc:
            log.warning("cannot write %s: %s", path, exc)
    return Loaded(value, notice)


def _refused_notice(path: Path, refused: list[str]) -> str | None:
    """One line naming the values the options refused; each took its default, the rest were kept."""
    if not refused:
        return None
    notice = f"{path}: ignored {', '.join(refused)}: not a value the option takes; using its default"
    log.info("%s", notice)
    return notice.replace("\r", " ").replace("\n", " ")


def _set_aside(path: Path, label: str, what: str, then: str) -> tuple[str, bool]:
    """Move the file to a name no earlier copy has; the notice says where it went, and whether it moved."""
    aside = name_aside(path, label)
    try:
        os.replace(path, aside)
    except OSError as exc:
        notice, moved = f"{path} {what}; could not move it aside ({exc.strerror or exc}); {then}", False
    else:
        notice, moved = f"{path} {what}; kept it as {aside.name} and {then}", True
    log.info("%s", notice)  # the caller shows the notice (or logs it where it has nowhere to show it)
    return notice.replace("\r", " ").replace("\n", " "), moved

