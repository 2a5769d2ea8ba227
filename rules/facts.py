"""What the rules see of a task: plain immutable facts, no database, no clock.

The engine builds these from stored tasks (``engine.plans.check``); the rules in
``rules.six_clear`` judge them. Keeping the boundary this narrow lets the same rules run
over an import preview, a stored plan or a whole province.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple


class Dimension(StrEnum):
    """The six dimensions of "6 rõ", in the order the principle names them."""

    PERSON = "person"
    WORK = "work"
    DEADLINE = "deadline"
    RESPONSIBILITY = "responsibility"
    AUTHORITY = "authority"
    RESULT = "result"


class Severity(StrEnum):
    """An error makes its dimension not clear; a warning is shown but does not."""

    ERROR = "error"
    WARNING = "warning"


class UnitMention(NamedTuple):
    """One unit named in a lead or coordinator cell.

    ``text`` is as written; ``unit_code`` is the directory unit it resolved to (None when
    unknown); ``collective`` marks a group that names no single owner
    ("UBND các xã, phường", "Các cơ quan, đơn vị thuộc UBND thị xã"). A named tuple: the
    check hashes these for every task of a province, and a tuple hashes in C.
    """

    text: str
    unit_code: str | None = None
    collective: bool = False


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """Everything the six checks need to know about one task."""

    ref: str
    work: str
    area: str | None = None  # CCHC area code, None when the section names no known area
    person_text: str = ""
    person_name: str | None = None  # the directory person it resolved to
    person_unit: str | None = None  # unit code of that person
    lead_text: str = ""
    lead_units: tuple[UnitMention, ...] = ()
    coordinators: tuple[UnitMention, ...] = ()
    deadline_text: str = ""
    deadline_kind: str = "none"
    deadline_resolved: bool = False
    deadline_reason: str = ""
    due: date | None = None
    plan_date: date | None = None
    assigner: str = ""  # who assigned it and accepts the result
    basis: str = ""  # legal basis: plan number and date
    product: str = ""
    done: bool = False
    result: str = ""
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """Why one dimension of one task is not clear, and what would fix it (Vietnamese)."""

    dimension: Dimension
    code: str
    severity: Severity
    message: str
    fix: str
