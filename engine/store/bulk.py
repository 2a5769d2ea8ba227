"""Helpers for set-based work over many rows."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects
    (task facts, findings, planned messages): its passes would otherwise take most of the
    time. Reference counting still frees everything; the collector resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def insert_many(connection: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """``connection.execute(sa.insert(table), rows)`` without its work per row: one DBAPI
    executemany of the statement compiled once, its parameters made column by column (an
    import inserts thousands of tasks, and SQLAlchemy's processing of each row's
    parameters took longer than SQLite's inserts).

    Every row has the keys of the first. The columns left out get their scalar Python-side
    default, as SQLAlchemy gives them; a column's bind processor (a date to SQLite's text,
    an aware datetime to UTC, JSON to text) runs once per distinct value of the column
    (values equal in Python are stored alike), each time for unhashable (JSON) values.
    """
    if not rows:
        return
    defaults = {
        column.key: column.default
        for column in table.columns
        if column.key not in rows[0] and column.default is not None
    }
    if not all(default.is_scalar for default in defaults.values()):
        connection.execute(sa.insert(table), list(rows))  # a callable default: SQLAlchemy's way
        return
    fixed = {key: default.arg for key, default in defaults.items()}  # type: ignore[attr-defined]
    dialect = connection.dialect
    compiled = sa.insert(table).compile(
        dialect=dialect, column_keys=[*rows[0], *fixed], for_executemany=True
    )
    order = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    columns = []
    for key in order:
        values = [fixed[key]] * len(rows) if key in fixed else [row[key] for row in rows]
        process = table.columns[key].type._cached_bind_processor(dialect)
        columns.append(values if process is None else _processed(process, values))
    parameters: list[Any] = list(zip(*columns, strict=True))
    if not compiled.positional:
        parameters = [dict(zip(order, values, strict=True)) for values in parameters]
    connection.exec_driver_sql(compiled.string, parameters)


def _processed(process: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """``process`` applied to each value, once per distinct value when they are hashable
    (a column repeats a few dates and one timestamp)."""
    try:
        distinct = {value: process(value) for value in set(values)}
    except TypeError:  # a JSON column's dicts and lists
        return [process(value) for value in values]
    return [distinct[value] for value in values]
