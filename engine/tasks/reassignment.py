"""A person moves to another unit or leaves: what becomes of their open tasks.

A task belongs to the unit that leads it (the plan named that unit), not to the officer
the unit's head gave it to. So when an officer moves or leaves, nothing happens to their
open tasks unless the editor chooses, task by task or for all of them:

- ``KEEP`` (the default): unchanged. The task still names them; the 6-rõ check and the
  ladder show that its person is no longer in its lead unit, so nobody forgets it;
- ``give(person_id)``: named to another active person of the task's lead unit, through
  ``engine.tasks.delegation.delegate`` (audited as a delegation with the reason, the
  assignment remembered so the ladder tells the new person);
- ``NOBODY``: no officer named; the lead unit's head names one later;
- ``FOLLOW`` (a move only): the task follows the person, its lead unit becoming their new
  unit — for work that is the person's own and goes with them (audited as a change of
  lead unit, with the reason).

Every choice is checked before the first write, then the directory change is made by
``engine.directory.editing``; the caller commits (a refusal leaves nothing to commit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from sqlmodel import Session, col, select

from engine.calendar.deadlines import format_date
from engine.directory import editing
from engine.errors import Location, Problem, TaskActionError
from engine.notices import events
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import Person, Task, TaskUnit, Unit, UnitRole
from engine.tasks.actions import record_change
from engine.tasks.delegation import delegate

Mode = Literal["keep", "person", "nobody", "follow"]


@dataclass(frozen=True)
class Choice:
    """What becomes of one open task (``person_id`` with ``mode == "person"``)."""

    mode: Mode = "keep"
    person_id: int | None = None


KEEP = Choice("keep")
NOBODY = Choice("nobody")
FOLLOW = Choice("follow")


def give(person_id: int) -> Choice:
    """The choice to name ``person_id`` as the task's officer."""
    return Choice("person", person_id)


@dataclass
class Outcome:
    """What a move or a leave did to the person's open tasks, by task id."""

    person: Person
    kept: list[int] = field(default_factory=list)
    given: dict[int, int] = field(default_factory=dict)  # task id -> person id
    cleared: list[int] = field(default_factory=list)
    followed: list[int] = field(default_factory=list)


def move_person(
    *,
    session: Session,
    organization_id: int,
    person_id: int,
    unit_id: int,
    choices: Mapping[int, Choice] | None = None,
    default: Choice = KEEP,
    reason: str = "",
    actor: Actor,
    now: datetime,
) -> Outcome:
    """Move a person to ``unit_id`` (``engine.directory.editing.move_person``), and do with
    each of their open tasks what ``choices`` (else ``default``) says."""
    person = editing.check_move(session, organization_id, person_id, unit_id)
    unit = editing.get_unit(session, unit_id, organization_id)
    plan = _plan(session, person, choices or {}, default, follow_to=unit)
    why = reason.strip() or f"{person.name} chuyển sang {unit.name}"
    outcome = _reassign(session, person, plan, why, actor=actor, now=now)
    editing.move_person(
        session=session,
        organization_id=organization_id,
        person_id=person_id,
        unit_id=unit_id,
        actor=actor,
        now=now,
    )
    for task in (t for t, c in plan if c.mode == "follow"):
        _follow(session, task, unit, why, actor=actor, now=now)
        outcome.followed.append(task.id or 0)
    return outcome


def mark_left(
    *,
    session: Session,
    organization_id: int,
    person_id: int,
    on: date,
    choices: Mapping[int, Choice] | None = None,
    default: Choice = KEEP,
    reason: str = "",
    actor: Actor,
    now: datetime,
) -> Outcome:
    """Mark a person as left on ``on`` (``engine.directory.editing.mark_left``), and do
    with each of their open tasks what ``choices`` (else ``default``) says."""
    person = editing.check_leave(session, organization_id, person_id)
    plan = _plan(session, person, choices or {}, default, follow_to=None)
    why = reason.strip() or f"{person.name} nghỉ từ ngày {format_date(on)}"
    outcome = _reassign(session, person, plan, why, actor=actor, now=now)
    editing.mark_left(
        session=session,
        organization_id=organization_id,
        person_id=person_id,
        on=on,
        actor=actor,
        now=now,
    )
    return outcome


def _plan(
    session: Session,
    person: Person,
    choices: Mapping[int, Choice],
    default: Choice,
    *,
    follow_to: Unit | None,
) -> list[tuple[Task, Choice]]:
    """Each open task with its choice, every choice checked (all problems at once)."""
    tasks = editing.open_tasks(session, person.id or 0)
    ids = {t.id for t in tasks}
    problems = [
        Problem(Location(entry=f"nhiệm vụ mã {task_id}"), f"không phải việc của {person.name}")
        for task_id in choices
        if task_id not in ids
    ]
    plan = [(task, choices.get(task.id or 0, default)) for task in tasks]
    problems += [p for task, choice in plan for p in _problems(session, task, choice, follow_to)]
    if problems:
        raise TaskActionError(f"Không chuyển được nhiệm vụ của {person.name}", problems)
    return plan


def _problems(
    session: Session, task: Task, choice: Choice, follow_to: Unit | None
) -> list[Problem]:
    where = Location(entry=f"nhiệm vụ {task.ref or task.key}")
    if choice.mode == "follow" and follow_to is None:
        return [Problem(where, "chỉ khi chuyển đơn vị nhiệm vụ mới đi theo người")]
    if choice.mode != "person":
        return []
    target = session.get(Person, choice.person_id) if choice.person_id else None
    if target is None or not target.active or target.organization_id != task.organization_id:
        return [Problem(where, f"không có cán bộ mã {choice.person_id} đang làm việc")]
    if target.id == task.person_id:
        return [Problem(where, f"{target.name} là chính người đang được giao")]
    if target.unit_id != task.lead_unit_id:
        return [Problem(where, f"{target.name} không thuộc đơn vị chủ trì nhiệm vụ")]
    return []


def _reassign(
    session: Session,
    person: Person,
    plan: Sequence[tuple[Task, Choice]],
    reason: str,
    *,
    actor: Actor,
    now: datetime,
) -> Outcome:
    outcome = Outcome(person)
    by_person: dict[int, list[int]] = {}
    for task, choice in plan:
        task_id = task.id or 0
        if choice.mode == "person" and choice.person_id is not None:
            by_person.setdefault(choice.person_id, []).append(task_id)
            outcome.given[task_id] = choice.person_id
        elif choice.mode == "nobody":
            _clear(session, task, reason, actor, now)
            outcome.cleared.append(task_id)
        elif choice.mode == "keep":
            outcome.kept.append(task_id)
    for target_id, task_ids in by_person.items():
        delegate(
            session=session,
            task_ids=task_ids,
            person_id=target_id,
            reason=reason,
            actor=actor,
            now=now,
        )
    return outcome


def _clear(session: Session, task: Task, reason: str, actor: Actor, now: datetime) -> None:
    """No officer named: the lead unit's head names one (audited with the reason)."""
    changes = audit.apply_changes(task, {"person_id": None, "person_text": ""})
    changes.append(audit.Change("reason", None, reason))
    record_change(session, task, action="update", changes=changes, actor=actor, now=now)


def _follow(
    session: Session, task: Task, unit: Unit, reason: str, *, actor: Actor, now: datetime
) -> None:
    """The task's lead unit becomes ``unit`` (the person's new unit), which no longer
    coordinates it; the lead cell says so."""
    before = _rows(session, task)
    parts = session.exec(select(TaskUnit).where(TaskUnit.task_id == task.id)).all()
    for part in parts:
        if part.role == UnitRole.LEAD:
            part.unit_id, part.text = unit.id, unit.name[:255]
            session.add(part)
        elif part.unit_id == unit.id:
            session.delete(part)
    if not any(p.role == UnitRole.LEAD for p in parts):
        lead = TaskUnit(task_id=task.id or 0, role=str(UnitRole.LEAD), text=unit.name[:255])
        lead.unit_id = unit.id
        session.add(lead)
    changes = audit.apply_changes(task, {"lead_unit_id": unit.id, "lead_text": unit.name})
    after = _rows(session, task)
    if before != after:
        changes.append(audit.Change("units", before, after))
    changes.append(audit.Change("reason", None, reason))
    record_change(session, task, action="update", changes=changes, actor=actor, now=now)
    events.task_assigned(session, task, actor=actor, now=now)  # the new unit's heads hear


def _rows(session: Session, task: Task) -> list[dict[str, object]]:
    session.flush()
    rows = session.exec(
        select(TaskUnit).where(TaskUnit.task_id == task.id).order_by(col(TaskUnit.id))
    )
    return [{"role": row.role, "text": row.text, "unit_id": row.unit_id} for row in rows]
