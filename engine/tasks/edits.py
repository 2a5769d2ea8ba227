"""Editing the six dimensions of a stored task (the standing office fixing what fails 6 rõ).

``edit_task`` takes the new values of any of the six dimensions: the person (a directory
person), the work text and its CCHC area, the deadline cell (re-read by
``engine.calendar.deadlines.parse_deadline`` with the plan's year, as the import reads it), the lead
unit and the coordinating units (directory units), the assigner, and the expected product.
Like the task actions it works in the caller's transaction, checks everything before the
first write, refuses a stale form (``version``), and audits every changed field under the
task. A new due date bumps ``deadline_version``, which re-arms the reminders. The person and
the units are rewritten only when the edit changes them: the cells as the plan wrote them
(and any mention not resolved to the directory) stay until someone picks a directory
person or unit instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.calendar.deadlines import parse_deadline
from engine.calendar.status import local_date
from engine.errors import Location, Problem, TaskActionError
from engine.importing.areas import AreasConfig
from engine.notices import events
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import Milestone, Person, Plan, Task, TaskUnit, Unit, UnitRole, require_id
from engine.tasks import limits
from engine.tasks.actions import get_task, record_change
from engine.text import clean, clean_lines


@dataclass(frozen=True)
class TaskEdit:
    """The six dimensions as a form sends them; ``version`` is the task version it showed."""

    version: int
    person_id: int | None
    work: str
    area: str | None
    deadline_text: str
    lead_unit_id: int | None
    coordinator_ids: tuple[int, ...]
    assigner: str
    product: str


def edit_task(
    *,
    session: Session,
    task_id: int,
    edit: TaskEdit,
    areas: AreasConfig,
    actor: Actor,
    now: datetime,
) -> Task:
    """Apply ``edit`` to the task and audit every change; raises ``TaskActionError`` (with
    the field at fault) and writes nothing when a value is invalid or the form is stale."""
    task = get_task(session, task_id, lock=True)
    if task.version != edit.version:
        raise TaskActionError(
            f"Nhiệm vụ {task.ref or task.key} vừa được người khác sửa (phiên bản "
            f"{task.version}, biểu mẫu ở phiên bản {edit.version}): hãy tải lại trang rồi sửa."
        )
    # A unit made the lead is no longer one of the coordinators (the usual fix of a lead
    # cell naming several units: one leads, the others coordinate).
    coordinators = tuple(dict.fromkeys(i for i in edit.coordinator_ids if i != edit.lead_unit_id))
    edit = replace(edit, coordinator_ids=coordinators)
    units = _units(session, task, edit)
    values = _values(task, edit, areas)
    before = (task.person_id, task.lead_unit_id)
    if edit.person_id != task.person_id:
        person = _person(session, task, edit.person_id)
        values.update(person_id=edit.person_id, person_text=person.name if person else "")
    regroup = _regrouped(session, task, edit)
    if regroup:
        values.update(_responsibility(edit, units))
    deadline_text = limits.DEADLINE.check(_as_sent(task.deadline_text, edit.deadline_text, clean))
    deadline = parse_deadline(
        edit.deadline_text, year=_plan_year(session, task), task_text=edit.work
    )
    values.update(deadline_text=deadline_text, **deadline.task_values())
    changes = audit.apply_changes(task, values)
    if any(c.field == "due_date" for c in changes):
        changes += audit.apply_changes(task, {"deadline_version": task.deadline_version + 1})
    if regroup:
        changes += _replace_units(session, task, edit, units)
    changes += _replace_milestones(session, task, [(m.due, m.text) for m in deadline.milestones])
    if changes:
        record_change(session, task, action="update", changes=changes, actor=actor, now=now)
    _tell(session, task, before, actor=actor, now=now)
    return task


def _tell(
    session: Session,
    task: Task,
    before: tuple[int | None, int | None],
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """Notices of an edit that gives the task to another unit or person."""
    person, lead = before
    if task.lead_unit_id != lead:
        events.task_assigned(session, task, actor=actor, now=now)
    if task.person_id != person and task.person_id is not None:
        task.assigned_on = local_date(now)
        task.assignment += 1
        events.task_delegated(session, task, person, actor=actor, now=now, by_head=False)


def _plan_year(session: Session, task: Task) -> int | None:
    plan = session.get(Plan, task.plan_id)
    return plan.year if plan else None


def _problem(field: str, message: str) -> TaskActionError:
    return TaskActionError(
        "Không lưu được sáu rõ của nhiệm vụ", [Problem(Location(field=field), message)]
    )


def _units(session: Session, task: Task, edit: TaskEdit) -> dict[int, Unit]:
    """The organization's units the edit names, checked to exist."""
    wanted = {*edit.coordinator_ids, *([edit.lead_unit_id] if edit.lead_unit_id else [])}
    found = {
        require_id(u): u
        for u in session.exec(
            select(Unit).where(
                Unit.organization_id == task.organization_id, col(Unit.id).in_(wanted)
            )
        )
    }
    missing = wanted - found.keys()
    if missing:
        raise _problem("đơn vị chủ trì", f"không có đơn vị mã {sorted(missing)} trong danh mục")
    return found


def _values(task: Task, edit: TaskEdit, areas: AreasConfig) -> dict[str, Any]:
    work = limits.WORK.check(_as_sent(task.work, edit.work, clean_lines))
    if not work:
        raise _problem("nội dung nhiệm vụ", "chưa ghi nội dung nhiệm vụ (rõ việc)")
    if edit.area is not None and edit.area not in {a.code for a in areas.areas}:
        raise _problem("lĩnh vực", f"lĩnh vực '{edit.area}' không có trong areas.yaml")
    return {
        "work": work,
        "area": edit.area,
        "assigner": _as_sent(task.assigner, _assigner(edit.assigner), clean),
        "product": limits.PRODUCT.check(_as_sent(task.product, edit.product, clean_lines)),
    }


def _as_sent(stored: str, sent: str, tidy: Callable[[str], str]) -> str:
    """``sent`` tidied, or the stored text when the two differ only in spaces and line
    breaks: a form shows a plan's cell on one line, and sending it back unchanged is no
    edit (no new version, no history line, no notice)."""
    return stored if clean(stored) == clean(sent) else tidy(sent)


def _regrouped(session: Session, task: Task, edit: TaskEdit) -> bool:
    """Whether the edit changes the lead unit or the (resolved) coordinating units. When it
    does not, the cells as written and their unresolved mentions are kept as they are."""
    coordinators = session.exec(
        select(TaskUnit.unit_id)
        .where(TaskUnit.task_id == task.id, TaskUnit.role == str(UnitRole.COORDINATOR))
        .order_by(col(TaskUnit.position))
    )
    current = tuple(unit_id for unit_id in coordinators if unit_id is not None)
    return edit.lead_unit_id != task.lead_unit_id or current != edit.coordinator_ids


def _responsibility(edit: TaskEdit, units: dict[int, Unit]) -> dict[str, Any]:
    lead = units[edit.lead_unit_id] if edit.lead_unit_id else None
    return {
        "lead_unit_id": lead.id if lead else None,
        "lead_text": lead.name if lead else "",
        "coordinators_text": "; ".join(units[i].name for i in edit.coordinator_ids),
    }


def _assigner(text: str) -> str:
    assigner = clean(text)
    longest = int(Task.__table__.c["assigner"].type.length)  # type: ignore[attr-defined]
    if len(assigner) > longest:
        raise _problem("người giao việc", f"người giao việc dài quá {longest} ký tự")
    return assigner


def _person(session: Session, task: Task, person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    if person is None or person.organization_id != task.organization_id or not person.active:
        raise _problem("người thực hiện", f"không có cán bộ mã {person_id} trong danh mục")
    return person


def _replace_units(
    session: Session, task: Task, edit: TaskEdit, units: dict[int, Unit]
) -> list[audit.Change]:
    task_id = require_id(task)
    rows = (
        [(str(UnitRole.LEAD), 0, units[edit.lead_unit_id].name[:255], edit.lead_unit_id)]
        if edit.lead_unit_id
        else []
    )
    rows += [
        (str(UnitRole.COORDINATOR), n, units[i].name[:255], i)
        for n, i in enumerate(edit.coordinator_ids)
    ]
    old = [
        (p.role, p.position, p.text, p.unit_id)
        for p in session.exec(
            select(TaskUnit)
            .where(TaskUnit.task_id == task_id)
            .order_by(col(TaskUnit.role).desc(), col(TaskUnit.position))
        )
    ]
    if old == rows:
        return []
    session.execute(sa.delete(TaskUnit).where(col(TaskUnit.task_id) == task_id))
    session.add_all(
        TaskUnit(task_id=task_id, role=role, position=n, text=text, unit_id=unit_id)
        for role, n, text, unit_id in rows
    )
    return [audit.Change("units", _shown(old), _shown(rows))]


def _shown(rows: Sequence[tuple[str, int, str, int | None]]) -> list[dict[str, Any]]:
    return [{"role": role, "text": text, "unit_id": unit_id} for role, _, text, unit_id in rows]


def _replace_milestones(
    session: Session, task: Task, wanted: list[tuple[Any, str]]
) -> list[audit.Change]:
    task_id = require_id(task)
    old = [
        (m.due_date, m.text)
        for m in session.exec(
            select(Milestone).where(Milestone.task_id == task_id).order_by(col(Milestone.position))
        )
    ]
    rows = [(due, text[:255]) for due, text in wanted]
    if old == rows:
        return []
    session.execute(sa.delete(Milestone).where(col(Milestone.task_id) == task_id))
    session.add_all(
        Milestone(task_id=task_id, position=n, due_date=due, text=text)
        for n, (due, text) in enumerate(rows)
    )
    return [
        audit.Change(
            "milestones",
            [{"due": d.isoformat(), "text": t} for d, t in old],
            [{"due": d.isoformat(), "text": t} for d, t in rows],
        )
    ]
