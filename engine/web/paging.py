"""Keyset pagination of the web's lists (tasks, plans, notices, accounts, histories).

A list is read in a stable order: sort keys ending with the row id, so two rows never tie.
A page is the ``limit`` rows after (or before) the keys of the row a cursor names, never an
OFFSET: page 400 costs what page 1 costs, and a row added meanwhile neither repeats nor
hides one. A cursor is opaque to clients: the URL-safe base64 of a JSON array holding the
direction ("sau" or "truoc") and the key values; a cursor that does not decode to the
keys of the list is refused with a Vietnamese message naming the field (400).
"""

from __future__ import annotations

import base64
import binascii
import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from engine.errors import Location, Problem, SauroError

T = TypeVar("T")
AFTER = "sau"
BEFORE = "truoc"
MAX_CURSOR = 2000  # characters: a cursor holds a few keys, never more


@dataclass(frozen=True)
class Key:
    """One sort key: its SQL expression and the Python type of its values (``int``,
    ``str``, ``date`` or ``datetime``)."""

    column: Any
    kind: type


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (``AFTER``) or before (``BEFORE``) the row of ``values``."""

    direction: str
    values: tuple[Any, ...]

    def encode(self) -> str:
        data = [self.direction, *(_plain(v) for v in self.values)]
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, and the cursors of the pages after and before it
    (None at either end)."""

    rows: list[T]
    next: str | None
    previous: str | None


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def bad_cursor(field: str) -> SauroError:
    return SauroError(
        f"Tham số {field} không hợp lệ",
        [
            Problem(
                Location(field=field),
                "con trỏ trang không đọc được: hãy dùng đúng giá trị 'next' hoặc liên kết "
                "Trang sau/Trang trước mà danh sách đưa ra",
            )
        ],
    )


def decode_cursor(text: str | None, keys: Sequence[Key], field: str = "cursor") -> Cursor | None:
    """The cursor ``text`` names for a list sorted by ``keys`` (None for the first page),
    else ``SauroError`` (400) naming ``field``."""
    if not text:
        return None
    try:
        if len(text) > MAX_CURSOR:
            raise ValueError(text)
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not isinstance(data, list) or len(data) != len(keys) + 1:
            raise ValueError(data)
        direction, *raw = data
        if direction not in (AFTER, BEFORE):
            raise ValueError(direction)
        values = tuple(_typed(value, key.kind) for value, key in zip(raw, keys, strict=True))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise bad_cursor(field) from None
    return Cursor(direction, values)


def _typed(value: Any, kind: type) -> Any:
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return value
    if kind is date and isinstance(value, str):
        return date.fromisoformat(value)
    if kind is datetime and isinstance(value, str):
        found = datetime.fromisoformat(value)
        if found.tzinfo is None:
            raise ValueError(value)
        return found
    raise ValueError(value)


def after(keys: Sequence[Key], values: Sequence[Any], *, descending: bool = False) -> Any:
    """The rows strictly past ``values`` in the order of ``keys`` (ascending, or
    descending): ``k1 > v1 OR (k1 = v1 AND k2 > v2) OR …``, led by ``k1 >= v1`` so that an
    index on the first key bounds the scan."""
    columns = [key.column for key in keys]
    past = operator.lt if descending else operator.gt
    reached = operator.le if descending else operator.ge
    branches = [
        sa.and_(
            *(c == v for c, v in zip(columns[:n], values[:n], strict=True)),
            past(columns[n], values[n]),
        )
        for n in range(len(columns))
    ]
    return sa.and_(reached(columns[0], values[0]), sa.or_(*branches))


def keyset(
    query: sa.Select[Any], keys: Sequence[Key], cursor: Cursor | None, limit: int,
    *, descending: bool = False,
) -> sa.Select[Any]:  # fmt: skip
    """``query`` restricted to the page ``cursor`` names, ordered, ``limit + 1`` rows (the
    extra one tells whether a further page exists). A page before a cursor is read in the
    reverse order: ``page`` puts it right."""
    backward = cursor is not None and cursor.direction == BEFORE
    reverse = descending != backward
    if cursor is not None:
        query = query.where(after(keys, cursor.values, descending=reverse))
    order = [key.column.desc() if reverse else key.column.asc() for key in keys]
    return query.order_by(*order).limit(limit + 1)


def page(
    rows: Sequence[T], key_of: Callable[[T], tuple[Any, ...]], cursor: Cursor | None, limit: int
) -> Page[T]:
    """The page of ``rows`` (as ``keyset`` read them) with its cursors; ``key_of`` gives a
    row's key values."""
    more = len(rows) > limit
    shown = list(rows[:limit])
    if cursor is not None and cursor.direction == BEFORE:
        shown.reverse()
        previous = Cursor(BEFORE, key_of(shown[0])).encode() if more and shown else None
        following = Cursor(AFTER, key_of(shown[-1])).encode() if shown else None
        return Page(shown, following, previous)
    following = Cursor(AFTER, key_of(shown[-1])).encode() if more else None
    previous = Cursor(BEFORE, key_of(shown[0])).encode() if cursor is not None and shown else None
    return Page(shown, following, previous)
