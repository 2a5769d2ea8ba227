"""The one exception tree of Sáu Rõ.

Every error a user can cause carries where it happened (file, table, row, column, field)
and a Vietnamese message for the person who has to fix it. ``str(error)`` is that message
with its location, ready to print.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    """Where a problem is: any of file, table, row, column, entry and field may be known."""

    file: str | None = None
    table: int | None = None
    row: int | None = None
    column: int | str | None = None
    entry: str | None = None
    field: str | None = None

    @property
    def line(self) -> int | None:
        """The line in a text file: config files and templates keep it in ``row``, which
        is printed as "dòng N" as well."""
        return self.row

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.table is not None:
            parts.append(f"bảng {self.table}")
        if self.row is not None:
            parts.append(f"dòng {self.row}")
        if self.column is not None:
            parts.append(f"cột {self.column}")
        if self.entry and self.field:
            parts.append(f"{self.entry}.{self.field}")
        elif self.entry or self.field:
            parts.append(self.entry or self.field or "")
        return ", ".join(parts)


@dataclass(frozen=True)
class Problem:
    """One problem: where and what, in Vietnamese."""

    location: Location
    message: str

    def __str__(self) -> str:
        where = str(self.location)
        return f"{where}: {self.message}" if where else self.message


class SauroError(Exception):
    """Base of every error Sáu Rõ raises on purpose. Exit code 2 at the CLI."""

    exit_code = 2

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = problems or []

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message, *(f"  - {p}" for p in self.problems)]
        return "\n".join(lines)


class ConfigError(SauroError):
    """An administrator-edited file is invalid; ``problems`` lists every fault with its place."""


class ImportFileError(SauroError):
    """A plan file cannot be imported; nothing was written."""


class DirectoryError(SauroError):
    """The directory of units and people is inconsistent or lacks what was asked for."""


class NotFoundError(SauroError):
    """A named organization, plan, task, person or request does not exist."""


class TaskActionError(SauroError):
    """A task action cannot be done: the task is closed, the deadline has passed, or what
    the action needs (result, evidence, reason, a later date) is missing; nothing was written."""


class PermissionDeniedError(SauroError):
    """The person acting has no authority for the action (only the task's authority, the
    Chairman or a Vice-Chairman, decides an extension request); nothing was written."""


@dataclass
class ProblemList:
    """Collects problems so a parser can report all of them at once, never the first only."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, location: Location, message: str) -> None:
        self.problems.append(Problem(location, message))

    def __bool__(self) -> bool:
        return bool(self.problems)


class UploadError(SauroError):
    """An uploaded file is refused: too large, of a type not accepted, or not what its name
    says; nothing was stored."""


class BusyError(SauroError):
    """The same work is already running (another import of the organization's plans): try
    again once it is done; nothing was written. 409 on the web."""
