"""The config editor's helpers over ``engine.configs.editor``: which names are editable, and
validation problems with the line each is on, the page of saved versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import col

from engine.configs.editor import EDITABLE
from engine.errors import NotFoundError, Problem
from engine.store.models import ConfigFileRevision
from engine.web.deps import User
from engine.web.paging import Key, Page, decode_cursor, keyset, page
from engine.web.policy import Action, authorize


def editable_name(user: User, name: str) -> str:
    """``name`` when the user may edit configs and it is an editable config, else
    ``PermissionDeniedError`` or ``NotFoundError``."""
    authorize(user.principal, Action.EDIT_CONFIG)
    if name not in EDITABLE:
        raise NotFoundError(f"Không có tệp cấu hình sửa được tên '{name}'.")
    return name


@dataclass(frozen=True)
class LineProblem:
    """A validation problem with the line it is on (None: the whole file)."""

    line: int | None
    message: str


def line_problems(problems: list[Problem]) -> list[LineProblem]:
    """The problems, each with its line, in line order."""
    found = [LineProblem(p.location.line or p.location.row, str(p)) for p in problems]
    return sorted(found, key=lambda p: (p.line or 0, p.message))


_KEYS = [Key(col(ConfigFileRevision.number), int), Key(col(ConfigFileRevision.id), int)]
_SHOWN = (ConfigFileRevision.id, ConfigFileRevision.number, ConfigFileRevision.saved_at,
          ConfigFileRevision.saved_by, ConfigFileRevision.note)  # fmt: skip


def revisions(engine: Engine, name: str, *, cursor: str | None, limit: int = 50) -> Page[Any]:
    """The page of the saved versions of ``name`` (newest first) that ``cursor`` names:
    what the history table shows of each (its text is read only to roll back)."""
    start = decode_cursor(cursor, _KEYS)
    query = sa.select(*(col(c) for c in _SHOWN)).where(col(ConfigFileRevision.name) == name)
    with engine.connect() as connection:
        found = list(connection.execute(keyset(query, _KEYS, start, limit, descending=True)))
    return page(found, lambda row: (row.number, row.id), start, limit)
