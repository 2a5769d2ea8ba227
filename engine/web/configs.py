"""The config editor's helpers over ``engine.configs.editor``: which names are editable,
validation problems with the line each is on, the page of saved versions, and checks run on
a worker thread the request waits for a bounded time (``within``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import col

from engine.configs import editor
from engine.configs.editor import EDITABLE
from engine.errors import ConfigError, Location, NotFoundError, Problem
from engine.store.models import ConfigFileRevision
from engine.web.deps import User
from engine.web.paging import Key, Page, decode_cursor, keyset, page
from engine.web.policy import Action, authorize

T = TypeVar("T")
# How long a request waits for a check or an impact preview of a candidate config. The
# sandbox bounds every template render (``engine.template_sandbox``), so a worker given up on
# still ends by itself soon after.
CHECK_SECONDS = 30.0


def within(work: Callable[[], T], *, name: str, seconds: float = CHECK_SECONDS) -> T:
    """``work()`` run on a worker thread and waited for ``seconds`` at most: its result or
    its error; past ``seconds``, a ``ConfigError`` saying so in Vietnamese while the worker
    (a daemon: it never holds up the server's shutdown) finishes by itself."""
    outcome: Future[T] = Future()

    def run() -> None:
        try:
            outcome.set_result(work())
        except BaseException as error:  # handed to the waiting request, raised there
            outcome.set_exception(error)

    threading.Thread(target=run, name=f"sauro-config-check {name}", daemon=True).start()
    try:
        return outcome.result(timeout=seconds)
    except TimeoutError:
        problem = Problem(
            Location(file=name),
            f"kiểm tra quá {seconds:g} giây mà chưa xong; mẫu thư hoặc cấu hình quá nặng, "
            "hãy giản lược rồi kiểm tra lại",
        )
        raise ConfigError(f"Chưa kiểm tra được {name}", [problem]) from None


def problems_of(*, config_dir: Path, name: str, text: str) -> list[Problem]:
    """``editor.validate_text`` on a worker thread (``within``); a check that takes too long
    is a problem too."""
    try:
        return within(
            lambda: editor.validate_text(config_dir=config_dir, name=name, text=text), name=name
        )
    except ConfigError as error:
        return error.problems


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
