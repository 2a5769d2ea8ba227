"""The config editor's helpers over ``engine.configs.editor``: which names are editable, and
validation problems with the line each is on."""

from __future__ import annotations

from dataclasses import dataclass

from engine.configs.editor import EDITABLE
from engine.errors import NotFoundError, Problem
from engine.web.deps import User
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
