"""Assigning one task by hand (the standing office, the Chairman or a Vice-Chairman): the six
dimensions and the document the task comes from (a plan, a conclusion notice, a letter, or
a direct instruction at a meeting), stored as a plan would store it.

``assign_task`` finds or creates the document (its number, else its kind and date, is its
key), adds the task to it and fills the six dimensions through ``engine.tasks.edits`` (the
same checks as an edit); the assigner and the basis come from the document. ``preview``
does the same inside a transaction it rolls back, and answers the 6-rõ verdict the task
would have: the form shows it before anything is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from engine.errors import Location, Problem, TaskActionError
from engine.importing.areas import AreasConfig
from engine.plans.check import BASIS_WORDS, TaskCheck, check_tasks
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import DocumentKind, Organization, Plan, Task, require_id
from engine.tasks.edits import TaskEdit, edit_task
from engine.text import clean
from rules.schema import RulesConfig


@dataclass(frozen=True)
class Source:
    """The document a task comes from: what rõ thẩm quyền records."""

    kind: DocumentKind
    number: str  # "12/TB-UBND"; may be empty for a direct instruction
    issued_on: date | None
    signer: str  # who signed it (or gave the instruction): the task's assigner

    @property
    def key(self) -> str:
        """The document's identity: its number, else its kind and date."""
        if self.number:
            return self.number
        day = f" ngày {self.issued_on:%d/%m/%Y}" if self.issued_on else ""
        return f"{BASIS_WORDS[self.kind]}{day}"


@dataclass(frozen=True)
class NewTask:
    """The six dimensions of a task assigned by hand."""

    work: str
    area: str | None
    person_id: int | None
    lead_unit_id: int | None
    coordinator_ids: tuple[int, ...]
    deadline_text: str
    product: str
    ref: str = ""


def assign_task(
    *,
    session: Session,
    organization_id: int,
    source: Source,
    task: NewTask,
    areas: AreasConfig,
    actor: Actor,
    now: datetime,
) -> Task:
    """Store the task in its document (created when new) and audit both; raises
    ``TaskActionError`` with the field at fault, and writes nothing, when a value is wrong."""
    _check_source(source)
    if not clean(task.work):
        raise TaskActionError(
            "Chưa ghi nội dung nhiệm vụ", [Problem(Location(field="work"), "rõ việc: trống")]
        )
    plan = _document(session, organization_id, source, actor, now)
    position = _next_position(session, require_id(plan))
    stored = Task(
        organization_id=organization_id,
        plan_id=require_id(plan),
        key=f"T{position}",
        ref=clean(task.ref)[:32] or str(position),
        position=position,
        work=clean(task.work),
        created_at=now,
        updated_at=now,
    )
    session.add(stored)
    session.flush()
    audit.record_of(
        session, stored, organization_id=organization_id, action="assign", changes=(),
        actor=actor, now=now,
    )  # fmt: skip
    edit = TaskEdit(
        version=stored.version,
        person_id=task.person_id,
        work=task.work,
        area=task.area,
        deadline_text=task.deadline_text,
        lead_unit_id=task.lead_unit_id,
        coordinator_ids=task.coordinator_ids,
        assigner=source.signer,
        product=task.product,
    )
    return edit_task(
        session=session, task_id=require_id(stored), edit=edit, areas=areas, actor=actor, now=now
    )


def preview(
    *,
    engine: Engine,
    organization_id: int,
    source: Source,
    task: NewTask,
    areas: AreasConfig,
    rules: RulesConfig,
    actor: Actor,
    now: datetime,
) -> TaskCheck:
    """The 6-rõ verdict the task would have once assigned; nothing is kept."""
    with Session(engine) as session:
        try:
            stored = assign_task(
                session=session, organization_id=organization_id, source=source, task=task,
                areas=areas, actor=actor, now=now,
            )  # fmt: skip
            session.flush()
            org = get_organization_by_id(session, organization_id)
            plan_key = source.key[:128]
            checks = check_tasks(
                session.connection(), rules=rules, org_code=org.code, plan_key=plan_key
            )
            return next(c for c in checks if c.task_id == stored.id)
        finally:
            session.rollback()


def get_organization_by_id(session: Session, organization_id: int) -> Organization:
    """The organization ``organization_id``, or a Vietnamese error."""
    org = session.get(Organization, organization_id)
    if org is None:
        raise TaskActionError(f"Không có tổ chức mã {organization_id}.")
    return org


def _check_source(source: Source) -> None:
    problems = []
    if source.kind is not DocumentKind.MEETING and not clean(source.number):
        problems.append(Problem(Location(field="number"), "chưa ghi số văn bản"))
    if source.issued_on is None:
        problems.append(Problem(Location(field="issued_on"), "chưa ghi ngày văn bản"))
    if not clean(source.signer):
        problems.append(Problem(Location(field="signer"), "chưa ghi người ký, người chỉ đạo"))
    if len(source.number) > 64:
        problems.append(Problem(Location(field="number"), "số văn bản dài quá 64 ký tự"))
    if problems:
        raise TaskActionError("Chưa rõ văn bản giao nhiệm vụ (rõ thẩm quyền)", problems)


def _document(
    session: Session, organization_id: int, source: Source, actor: Actor, now: datetime
) -> Plan:
    found = session.exec(
        select(Plan).where(Plan.organization_id == organization_id, Plan.key == source.key)
    ).first()
    if found is not None:
        return found
    plan = Plan(
        organization_id=organization_id,
        key=source.key[:128],
        number=clean(source.number),
        issued_on=source.issued_on,
        issuer=get_organization_by_id(session, organization_id).name,
        signer=clean(source.signer)[:128],
        year=source.issued_on.year if source.issued_on else None,
        kind=str(source.kind),
        imported_at=now,
    )
    session.add(plan)
    session.flush()
    audit.record_of(
        session, plan, organization_id=organization_id, action="create", changes=(),
        actor=actor, now=now,
    )  # fmt: skip
    return plan


def _next_position(session: Session, plan_id: int) -> int:
    last = session.exec(
        select(sa.func.max(col(Task.position))).where(Task.plan_id == plan_id)
    ).one()
    return int(last or 0) + 1
