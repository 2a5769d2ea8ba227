"""A coordinating unit's part of a task (phối hợp): the units named as coordinators record
what they did, with evidence. The note shows on the task and in its history (so the lead
unit sees it) and changes nothing of the lead's: not the status, not the progress.

``record_coordination`` works in the caller's transaction, checks everything before it
writes, and audits the note under its own record (``coordination_note``); the unit's last
note sent again as it was records nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from engine.errors import Location, Problem, TaskActionError
from engine.notices import events
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import (
    CoordinationNote,
    Task,
    TaskState,
    TaskUnit,
    Unit,
    UnitRole,
    require_id,
)
from engine.tasks import limits
from engine.tasks.actions import get_task
from engine.tasks.history import STATE_WORDS
from engine.text import clean_lines


def coordinating_units(session: Session, task_id: int) -> set[int]:
    """The directory units named as coordinators of the task."""
    rows = session.exec(
        select(TaskUnit.unit_id).where(
            col(TaskUnit.task_id) == task_id,
            col(TaskUnit.role) == UnitRole.COORDINATOR,
            col(TaskUnit.unit_id).is_not(None),
        )
    )
    return {int(unit_id) for unit_id in rows if unit_id is not None}


def record_coordination(
    *,
    session: Session,
    task_id: int,
    unit_id: int,
    note: str,
    evidence: str,
    actor: Actor,
    now: datetime,
) -> CoordinationNote:
    """Record the part of ``unit_id``, a coordinating unit of the task; raises
    ``TaskActionError`` (nothing written) when the unit does not coordinate it, the task is
    closed, or the note is missing or too long."""
    task = get_task(session, task_id)
    text, proof = clean_lines(note), clean_lines(evidence)
    _check(session, task, unit_id, text, proof)
    last = _last_note(session, task_id, unit_id)
    if last is not None and (last.note, last.evidence) == (text, proof):
        return last  # the same part sent again (a form sent twice): nothing new to record
    record = CoordinationNote(
        task_id=task_id, unit_id=unit_id, at=now, actor=actor.name[:128], note=text, evidence=proof
    )
    session.add(record)
    session.flush()
    changes = [audit.Change("note", None, text)]
    if proof:
        changes.append(audit.Change("evidence", None, proof))
    audit.record_of(
        session,
        record,
        organization_id=task.organization_id,
        action="create",
        changes=changes,
        actor=actor,
        now=now,
    )
    events.coordination_noted(session, task, record, actor=actor, now=now)
    return record


def _last_note(session: Session, task_id: int, unit_id: int) -> CoordinationNote | None:
    return session.exec(
        select(CoordinationNote)
        .where(CoordinationNote.task_id == task_id, CoordinationNote.unit_id == unit_id)
        .order_by(col(CoordinationNote.at).desc(), col(CoordinationNote.id).desc())
    ).first()


def _check(session: Session, task: Task, unit_id: int, note: str, evidence: str) -> None:
    name = f"nhiệm vụ {task.ref or task.key}"
    unit = session.get(Unit, unit_id)
    if unit is None or unit.organization_id != task.organization_id:
        raise TaskActionError(f"Không có đơn vị mã {unit_id} trong danh mục của tổ chức.")
    if unit_id not in coordinating_units(session, require_id(task)):
        raise TaskActionError(f"{unit.name} không phải đơn vị phối hợp thực hiện {name}.")
    if task.state != TaskState.OPEN:
        state = STATE_WORDS.get(task.state, task.state)
        raise TaskActionError(f"{name.capitalize()} {state}: không ghi thêm phần phối hợp.")
    problems = []
    if not note:
        problems.append(Problem(Location(field="note"), "chưa ghi phần việc đã phối hợp"))
    for limit, value in ((limits.COORDINATION_NOTE, note), (limits.EVIDENCE, evidence)):
        too_long = limit.problem(value)
        if too_long is not None:
            problems.append(too_long)
    if problems:
        raise TaskActionError(f"Không ghi được phần phối hợp {name}", problems)
