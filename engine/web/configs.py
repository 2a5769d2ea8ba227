"""The config editor's link to ``engine.config_store`` (built on another branch).

The store is looked up at run time, so the app runs, and the editor says it is not
installed, until that module is merged; after the merge ``store()`` returns it. Its
interface: ``EDITABLE``, ``load_current``, ``validate_text``, ``preview_impact``,
``save_config``, ``history``, ``rollback``.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

from engine.errors import NotFoundError, Problem, SauroError
from engine.web.deps import User
from engine.web.policy import Action, authorize

STORE_MODULE = "engine.config_store"


class EditorMissingError(SauroError):
    """The config store is not installed in this build."""


def store(user: User) -> Any:
    """The config store module, for an administrator (``PermissionDeniedError`` else)."""
    authorize(user.principal, Action.EDIT_CONFIG)
    if importlib.util.find_spec(STORE_MODULE) is None:
        raise EditorMissingError(
            "Trình sửa cấu hình chưa có trong bản cài đặt này (thiếu engine.config_store). "
            "Trong lúc chờ, sửa tệp trong thư mục cấu hình rồi chạy 'sauro rules check'."
        )
    return importlib.import_module(STORE_MODULE)


def editable_name(module: Any, name: str) -> str:
    """``name`` when it is one of the editable configs, else ``NotFoundError``."""
    if name not in module.EDITABLE:
        raise NotFoundError(f"Không có tệp cấu hình sửa được tên '{name}'.")
    return name


@dataclass(frozen=True)
class LineProblem:
    """A validation problem with the line it is on (None: the whole file)."""

    line: int | None
    message: str


def line_problems(problems: list[Problem]) -> list[LineProblem]:
    """The problems, each with its line, in line order."""
    found = [
        LineProblem(getattr(p.location, "line", None) or p.location.row, str(p)) for p in problems
    ]
    return sorted(found, key=lambda p: (p.line or 0, p.message))
