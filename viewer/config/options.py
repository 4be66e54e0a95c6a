"""One option declared once: a dataclass field carrying its title and the values it may take (no Qt)."""

from __future__ import annotations

import math
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any, TypeVar

T = TypeVar("T")
OPTION = "option"  # the key of an Option in a dataclass field's metadata


@dataclass(frozen=True)
class Option:
    """What a stored value of one option must be; anything else falls back to the option's default."""

    title: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[object, ...] | None = None
    item: Callable[[Any], object | None] | None = None  # lists: one stored item, or None to drop it


def option(
    default: T,
    title: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[T, ...] | None = None,
) -> T:
    """Declare a dataclass field as an option; its annotation gives the type, this the rest."""
    declared = Option(title, minimum, maximum, tuple(choices) if choices is not None else None)
    found: T = field(default=default, metadata={OPTION: declared})
    return found


def list_option(item: Callable[[Any], T | None], title: str) -> list[T]:
    """Declare a list option, empty by default; `item` reads one stored entry (None drops it)."""
    found: list[T] = field(default_factory=list, metadata={OPTION: Option(title, item=item)})
    return found


def declared(options: type, name: str) -> Option:
    """The declaration of one option of a dataclass of options (for forms that show its title and range)."""
    found: Option = next(f for f in fields(options) if f.name == name).metadata[OPTION]
    return found


def from_stored(options: type[T], stored: Mapping[str, Any], refused: list[str] | None = None) -> T:
    """The options from stored values: each missing, mistyped or out-of-range value gets its default;
    the names of the stored values that were refused (not merely missing) go into `refused`."""
    types = typing.get_type_hints(options)
    values = {}
    for f in fields(options):  # type: ignore[arg-type]
        if OPTION not in f.metadata or f.name not in stored:
            continue
        value = _checked(types[f.name], f.metadata[OPTION], stored[f.name])
        if value is _REFUSED:
            value = _default(f)
            if refused is not None:
                refused.append(f"{f.name!r} ({_shown(stored[f.name])})")
        values[f.name] = value
    return options(**values)


_REFUSED = object()


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _default(declared_field: Field[Any]) -> Any:
    if declared_field.default_factory is not MISSING:
        return declared_field.default_factory()
    return declared_field.default


def _checked(annotation: Any, declared: Option, value: Any) -> Any:
    kind = typing.get_origin(annotation) or annotation
    if kind is float and _is_number(value):
        try:
            value = float(value)  # JSON writes 2.0 as 2
        except OverflowError:  # an integer beyond any float
            return _REFUSED
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        return _REFUSED
    if kind is list:
        return _items(declared, value)
    return value if _allowed(declared, value) else _REFUSED


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _allowed(declared: Option, value: Any) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        return False  # json.loads reads NaN and Infinity
    if declared.choices is not None and value not in declared.choices:
        return False
    if declared.minimum is not None and value < declared.minimum:
        return False
    return declared.maximum is None or value <= declared.maximum


def _items(declared: Option, stored: list[Any]) -> list[Any]:
    read = declared.item or (lambda entry: entry)
    return [item for item in map(read, stored) if item is not None]
