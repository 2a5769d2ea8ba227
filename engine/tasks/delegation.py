"""Naming the officer of a task (rõ người): the unit head gives tasks its unit leads to one
of the unit's people, one task or many at once.

``delegate`` checks every task before the first write (all or nothing): the task is open,
has a lead unit, and the person is an active member of that unit; a task that already
names someone else is given to the new person only with a reason. Each task that changes
is audited as one act (``delegate``, with the reason) and remembers the assignment (day,
count, whether the lead unit's head gave it), which the ladder's ``assigned`` steps tell the
person (and the unit head, when someone else gave it) once; a task that already names the
person changes nothing and records nothing. The caller decides who may delegate
(``engine.web.policy``); like the task actions, this works in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from engine.calendar.status import local_date
from engine.errors import Location, NotFoundError, Problem, TaskActionError
from engine.notices import events
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import Person, PersonRole, Task, TaskState
from engine.tasks import limits
from engine.tasks.actions import get_task, record_change
from engine.tasks.history import STATE_WORDS
from engine.text import clean_lines

DELEGATE = "delegate"  # the audit action of a delegation
_HEADS = frozenset({PersonRole.HEAD, PersonRole.DEPUTY})


@dataclass(frozen=True)
class Delegation:
    """What one delegation did: the tasks given to ``person`` and those that already were."""

    person: Person
    changed: tuple[Task, ...]
    unchanged: tuple[Task, ...]


def unit_people(session: Session, unit_id: int) -> list[Person]:
    """The active people of a unit, by name: whom its tasks may be given to."""
    return list(
        session.exec(
            select(Person)
            .where(col(Person.unit_id) == unit_id, col(Person.active))
            .order_by(col(Person.name), col(Person.id))
        )
    )


def delegate(
    *,
    session: Session,
    task_ids: Sequence[int],
    person_id: int,
    reason: str,
    actor: Actor,
    now: datetime,
    acting_person_id: int | None = None,
) -> Delegation:
    """Name ``person_id`` as the officer of every task in ``task_ids``; raises
    ``TaskActionError`` listing every task at fault, and writes nothing, when one cannot be.
    ``acting_person_id``: the directory person who gives the tasks, when known."""
    if not task_ids:
        raise TaskActionError("Chưa chọn nhiệm vụ nào để giao.")
    reason = limits.DELEGATION_REASON.check(clean_lines(reason))
    tasks = [get_task(session, task_id, lock=True) for task_id in dict.fromkeys(task_ids)]
    person = _person(session, person_id, tasks[0].organization_id)
    problems = [p for task in tasks for p in _problems(task, person, reason)]
    if problems:
        raise TaskActionError(f"Không giao được nhiệm vụ cho {person.name}", problems)
    changed = [task for task in tasks if task.person_id != person.id]
    acting = session.get(Person, acting_person_id) if acting_person_id is not None else None
    for task in changed:
        previous = task.person_id
        _give(session, task, person, reason=reason, actor=actor, now=now)
        task.assigned_on = local_date(now)
        task.assignment += 1
        task.assigned_by_lead = (
            acting is not None and acting.role in _HEADS and acting.unit_id == task.lead_unit_id
        )
        events.task_delegated(
            session, task, previous, actor=actor, now=now, by_head=task.assigned_by_lead
        )
    unchanged = tuple(task for task in tasks if task not in changed)
    return Delegation(person=person, changed=tuple(changed), unchanged=unchanged)


def _person(session: Session, person_id: int, organization_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.organization_id != organization_id or not person.active:
        raise NotFoundError(f"Không có cán bộ mã {person_id} trong danh mục của tổ chức.")
    return person


def _problems(task: Task, person: Person, reason: str) -> list[Problem]:
    """Why ``task`` cannot be given to ``person``, one problem per reason (none: it can)."""
    where = Location(entry=f"nhiệm vụ {task.ref or task.key}")
    name = f"nhiệm vụ {task.ref or task.key}"
    if task.organization_id != person.organization_id:
        return [Problem(where, f"{name} không thuộc tổ chức của {person.name}")]
    if task.state != TaskState.OPEN:
        state = STATE_WORDS.get(task.state, task.state)
        return [Problem(where, f"{name} {state}, không giao lại được")]
    if task.lead_unit_id is None:
        return [Problem(where, f"{name} chưa rõ đơn vị chủ trì: hãy làm rõ trách nhiệm trước")]
    if person.unit_id != task.lead_unit_id:
        return [Problem(where, f"{person.name} không thuộc đơn vị chủ trì {name}")]
    if task.person_id is not None and task.person_id != person.id and not reason:
        return [Problem(where, f"{name} đã giao cho người khác: giao lại phải ghi lý do")]
    return []


def _give(
    session: Session, task: Task, person: Person, *, reason: str, actor: Actor, now: datetime
) -> None:
    changes = audit.apply_changes(task, {"person_id": person.id, "person_text": person.name})
    if reason:
        changes.append(audit.Change("reason", None, reason))
    record_change(session, task, action=DELEGATE, changes=changes, actor=actor, now=now)
