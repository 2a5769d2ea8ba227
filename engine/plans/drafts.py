"""The tasks of a plan file as read, before they are stored: what the importer builds and
the 6-rõ check judges (``engine.plans.check.facts_from_draft``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.calendar.deadlines import Deadline
from engine.importing.rows import ParsedRow
from rules.facts import UnitMention

# Where the assigner comes from: the document's signer, or the directory's Chairman.
ASSIGNER_SIGNER = "signer"
ASSIGNER_CHAIRMAN = "chairman"
ASSIGNER_SOURCES = {
    ASSIGNER_SIGNER: "người ký văn bản",
    ASSIGNER_CHAIRMAN: "Chủ tịch theo danh bạ; văn bản không ghi người ký",
}


@dataclass(frozen=True)
class Authority:
    """Rõ thẩm quyền of every task of a plan: who assigned it (and where that comes from),
    on what basis, when."""

    assigner: str
    basis: str
    plan_date: date | None
    assigner_source: str = ASSIGNER_CHAIRMAN


@dataclass(frozen=True)
class TaskDraft:
    """One task as read from the file, before it is stored."""

    key: str
    position: int
    row: ParsedRow
    area: str | None
    deadline: Deadline
    lead: tuple[UnitMention, ...]
    coordinators: tuple[UnitMention, ...]
    person: tuple[str, str | None] | None  # (name, unit code) when resolved
    authority: Authority
