"""A digest as plain values for the templates, read once per mail.

A template reads ``item.work`` hundreds of times per mail. Through the sandbox, reading an
attribute of an object costs a safety check each time (is the name internal? is the value
a function? does it mutate?), and a property such as ``item.rule`` is computed again at
every read: that was three quarters of the rendering time. ``template_values`` turns a
digest, its sections, items and notices into ``Values``: dictionaries holding each public
field and property, computed once. The sandbox reads a key of a ``Values`` directly
(``notifications.render``), since every key is a plain value (text, number, date, tuple)
or another ``Values``, never a function. Pure.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

# Values kept as they are, without a look at their type's shape.
_SCALARS = frozenset({str, int, float, bool, type(None), date, datetime})


class Values(dict[str, Any]):
    """One digest, section, item or notice as its template sees it: name → value."""

    __slots__ = ()


def template_values(value: Any) -> Any:
    """``value`` with every dataclass inside it (at any depth, in tuples too) made
    ``Values``; an object reached twice (an item in ``digest.overdue`` and in its section)
    becomes one ``Values``."""
    return _convert(value, {})


def _convert(value: Any, seen: dict[int, Any]) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is tuple:
        if not value or _names(type(value[0])) is None:
            return value
        return tuple(_convert(part, seen) for part in value)
    names = _names(kind)
    if names is None:
        return value
    done = seen.get(id(value))
    if done is None:
        done = seen[id(value)] = Values()
        for name in names:
            part = getattr(value, name)
            done[name] = part if type(part) in _SCALARS else _convert(part, seen)
    return done


_SHAPES: dict[type, tuple[str, ...] | None] = {}


def _names(kind: type) -> tuple[str, ...] | None:
    """The public fields and properties of a dataclass; None for anything else."""
    try:
        return _SHAPES[kind]
    except KeyError:
        names = _SHAPES[kind] = _shape(kind)
        return names


def _shape(kind: type) -> tuple[str, ...] | None:
    if not is_dataclass(kind) or issubclass(kind, Enum):
        return None
    names = [field.name for field in fields(kind) if not field.name.startswith("_")]
    for klass in reversed(kind.__mro__):
        names += [
            name
            for name, member in vars(klass).items()
            if isinstance(member, property) and not name.startswith("_")
        ]
    return tuple(dict.fromkeys(names))
