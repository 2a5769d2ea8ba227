"""The task services behind the task pages and the task API: list with filters, one task
with everything its page shows, and the actions, each authorized by ``engine.web.policy``
and done by the engine's own functions (``engine.tasks.actions``, ``engine.tasks.edits``) in
one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.calendar.periods import parse_period
from engine.calendar.status import LABELS, TaskStatus, local_date, task_status
from engine.errors import Location, NotFoundError, Problem, SauroError
from engine.plans.check import TaskCheck, as_date, check_tasks, raw_rows
from engine.plans.check_workbook import write_check_xlsx
from engine.plans.verdicts import refresh_verdicts
from engine.reports.data import report_data
from engine.store.db import session_scope
from engine.store.models import (
    ExtensionRequest,
    ExtensionStatus,
    Person,
    Plan,
    Task,
    TaskState,
    TaskUnit,
    Unit,
    UnitKind,
    UnitRole,
    UserRole,
    require_id,
)
from engine.tasks.acceptance import acceptor_of, review_result
from engine.tasks.actions import (
    TaskView,
    complete,
    decide_extension,
    get_task,
    record_progress,
    request_extension,
    task_view,
)
from engine.tasks.assignment import NewTask, Source, assign_task
from engine.tasks.assignment import preview as preview_assignment
from engine.tasks.coordination import coordinating_units, record_coordination
from engine.tasks.delegation import Delegation, delegate, unit_people
from engine.tasks.edits import TaskEdit, edit_task
from engine.text import fold
from engine.web.deps import User, Web
from engine.web.policy import Action, TaskScope, allowed, authorize, task_actions
from rules.facts import Dimension

DUE_WINDOWS: dict[str, str] = {
    "overdue": "Đã quá hạn",
    "7": "Đến hạn trong 7 ngày",
    "30": "Đến hạn trong 30 ngày",
    "none": "Chưa có hạn",
}
SIX_STATES: dict[str, str] = {"clear": "Đủ 6 rõ", "unclear": "Chưa đủ 6 rõ"}
SORTS: dict[str, str] = {
    "plan": "Theo kế hoạch",
    "due": "Theo hạn (gần nhất trước)",
    "status": "Theo tình trạng",
    "ref": "Theo số thứ tự",
}
PAGE_SIZE = 50
_STATUS_ORDER = {
    TaskStatus.OVERDUE: 0,
    TaskStatus.IN_PROGRESS: 1,
    TaskStatus.NO_DEADLINE: 2,
    TaskStatus.AWAITING: 3,
    TaskStatus.DONE_LATE: 4,
    TaskStatus.DONE_ON_TIME: 5,
    TaskStatus.WITHDRAWN: 6,
}
_NUMBER = re.compile(r"(\d+)")


@dataclass(frozen=True)
class TaskFilters:
    """The filters of the task list; None means "any"."""

    unit_id: int | None = None
    area: str | None = None
    status: str | None = None
    six: str | None = None  # "clear", "unclear" or a dimension that fails
    due: str | None = None  # a key of DUE_WINDOWS
    coordinator: int | None = None  # a unit that coordinates the task (the "Phối hợp" list)
    q: str | None = None  # words of the task, its plan, lead unit or person; no diacritics needed
    plan: str | None = None  # the plan's key (its number, or the file name)
    person: int | None = None  # the named person
    sort: str | None = None  # a key of SORTS; None: as the plans list them
    period: str | None = None  # a reporting period's code: the tasks its report counts

    def __post_init__(self) -> None:
        """Refuse (``SauroError``, 400) a filter value the list does not know."""
        known = {
            "six": (self.six, [*SIX_STATES, *(str(d) for d in Dimension)]),
            "due": (self.due, list(DUE_WINDOWS)),
            "status": (self.status, [str(s) for s in TaskStatus]),
            "sort": (self.sort, list(SORTS)),
        }
        for name, (value, choices) in known.items():
            if value is not None and value not in choices:
                raise SauroError(
                    f"Bộ lọc {name}='{value}' không hợp lệ",
                    [Problem(Location(field=name), f"dùng một trong: {', '.join(choices)}")],
                )


@dataclass(frozen=True)
class TaskRow:
    """One line of the task list."""

    id: int
    plan: str
    ref: str
    work: str
    area: str | None
    lead_unit_id: int | None
    lead_name: str
    person_name: str
    due: date | None
    status: TaskStatus
    check: TaskCheck | None
    coordinator_unit_ids: frozenset[int] = frozenset()
    person_id: int | None = None

    @property
    def status_label(self) -> str:
        return LABELS[self.status]

    @property
    def clear(self) -> dict[Dimension, bool]:
        return self.check.clear if self.check else dict.fromkeys(Dimension, False)

    @property
    def all_clear(self) -> bool:
        return all(self.clear.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "plan": self.plan,
            "ref": self.ref,
            "work": self.work,
            "area": self.area,
            "lead_unit": self.lead_name or None,
            "person": self.person_name or None,
            "due": self.due.isoformat() if self.due else None,
            "status": str(self.status),
            "status_label": self.status_label,
            "clear": {str(d): ok for d, ok in self.clear.items()},
        }


def refresh_after_change(session: Session, state: Web, user: User, now: datetime) -> None:
    """The stored 6-rõ verdicts of the user's organization, refreshed in the transaction of
    a change (flushed first), so the dashboard and the reminders see it at once."""
    session.flush()
    refresh_verdicts(
        session.connection(),
        rules=state.configs.get().rules,
        org_code=user.org_code,
        today=local_date(now),
    )


def scope_of(session: Session, task: Task) -> TaskScope:
    """What the policy looks at on a task."""
    coordinators = frozenset(coordinating_units(session, task.id)) if task.id else frozenset()
    acceptor = acceptor_of(session, task.organization_id)
    return TaskScope(
        task.organization_id,
        task.lead_unit_id,
        task.person_id,
        coordinators,
        str(acceptor) if acceptor else None,
    )


def list_tasks(state: Web, user: User, filters: TaskFilters) -> list[TaskRow]:
    """The tasks ``user`` may see, filtered; each with its status and 6-rõ verdict."""
    authorize(user.principal, Action.VIEW_TASKS)
    configs = state.configs.get()
    calendar = state.calendar()
    now = state.clock()
    today = local_date(now)
    with Session(state.engine) as session:
        connection = session.connection()
        checks = {
            c.task_id: c
            for c in check_tasks(connection, rules=configs.rules, org_code=user.org_code)
        }
        rows = raw_rows(connection, _list_query(user.principal.organization_id))
        coordinated = _coordinated(connection, user.principal.organization_id)
        in_period = (
            _period_tasks(state, user, connection, filters.period) if filters.period else None
        )
    found: list[TaskRow] = []
    for (task_id, plan, ref, work, area, lead_id, person_id, due, state_, done_on,
         lead_name, person_name) in rows:  # fmt: skip
        units = coordinated.get(task_id, frozenset())
        scope = TaskScope(user.principal.organization_id, lead_id, person_id, units)
        if not allowed(user.principal, Action.VIEW_TASKS, scope):
            continue
        if filters.coordinator is None and not allowed(
            user.principal, Action.VIEW_TASKS, replace(scope, coordinator_unit_ids=frozenset())
        ):
            continue  # seen only as a coordinator: in the "Phối hợp" list, not the unit's own
        due_day = as_date(due)
        effective = calendar.effective_due(due_day) if due_day else None
        status = task_status(state=state_, due=effective, completed_on=as_date(done_on), now=now)
        row = TaskRow(task_id, plan, ref, work, area, lead_id, lead_name or "",
                      person_name or "", due_day, status, checks.get(task_id), units,
                      person_id)  # fmt: skip
        if _matches(row, filters, today) and (in_period is None or task_id in in_period):
            found.append(row)
    return _sorted(found, filters.sort)


def _period_tasks(state: Web, user: User, connection: sa.Connection, code: str) -> set[int]:
    """The tasks the report of the period ``code`` counts (due, running or done in it), as
    the dashboard counts them. Raises ``SauroError`` for a code that names no period."""
    configs = state.configs.get()
    period = parse_period(code, configs.reporting, state.calendar())
    data = report_data(
        connection, configs=configs, org_code=user.org_code, period=period, now=state.clock()
    )
    return {task.task_id for task in data.tasks}


@dataclass(frozen=True)
class TaskPageOf:
    """One page of the task list (``PAGE_SIZE`` rows), with the counts of the whole list."""

    rows: list[TaskRow]
    number: int  # 1-based
    pages: int
    total: int
    clear: int  # rows of the whole list with all six dimensions clear


def page_of(rows: list[TaskRow], number: int, size: int = PAGE_SIZE) -> TaskPageOf:
    """Page ``number`` of ``rows`` (the last page when past it)."""
    pages = max(1, -(-len(rows) // size))
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    clear = sum(1 for row in rows if row.all_clear)
    return TaskPageOf(rows[start : start + size], number, pages, len(rows), clear)


def _sorted(rows: list[TaskRow], sort: str | None) -> list[TaskRow]:
    """The rows in the order asked; ties keep the plans' own order."""
    if sort == "due":
        return sorted(rows, key=lambda r: (r.due is None, r.due or date.max))
    if sort == "status":
        return sorted(rows, key=lambda r: _STATUS_ORDER[r.status])
    if sort == "ref":
        return sorted(rows, key=lambda r: _natural(r.ref))
    return rows


def _natural(ref: str) -> tuple[tuple[int, int | str], ...]:
    """ "2.10" after "2.9": the digit runs compared as numbers."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in _NUMBER.split(ref) if part
    )


def write_check_workbook(state: Web, user: User, filters: TaskFilters, path: Path) -> None:
    """The 6-rõ check of the tasks ``user`` may see (filtered) as ``sauro check --xlsx``
    writes it: the task × dimension grid and the findings with their fixes."""
    checks = [row.check for row in list_tasks(state, user, filters) if row.check is not None]
    write_check_xlsx(path, checks, state.configs.get().rules)


def _coordinated(connection: sa.Connection, org_id: int) -> dict[int, frozenset[int]]:
    """Task id -> the directory units that coordinate it, for one organization's tasks."""
    t, tu = Task.__table__.c, TaskUnit.__table__.c  # type: ignore[attr-defined]
    query = (
        sa.select(tu.task_id, tu.unit_id)
        .join(Task, t.id == tu.task_id)
        .where(
            t.organization_id == org_id,
            tu.role == str(UnitRole.COORDINATOR),
            tu.unit_id.is_not(None),
        )
    )
    found: dict[int, set[int]] = {}
    for task_id, unit_id in connection.execute(query):
        found.setdefault(task_id, set()).add(unit_id)
    return {task_id: frozenset(units) for task_id, units in found.items()}


def _list_query(org_id: int) -> Any:
    t, u = Task.__table__.c, Unit.__table__.c  # type: ignore[attr-defined]
    p, pl = Person.__table__.c, Plan.__table__.c  # type: ignore[attr-defined]
    return (
        sa.select(t.id, pl["key"], t.ref, t.work, t.area, t.lead_unit_id, t.person_id, t.due_date,
               t.state, t.completed_on, u.name, p.name)
        .select_from(Task)
        .join(Plan, pl.id == t.plan_id)
        .outerjoin(Unit, u.id == t.lead_unit_id)
        .outerjoin(Person, p.id == t.person_id)
        .where(t.organization_id == org_id, t.state != str(TaskState.WITHDRAWN))
        .order_by(pl["key"], t.position)
    )  # fmt: skip


def _matches(row: TaskRow, filters: TaskFilters, today: date) -> bool:
    checks = (
        filters.unit_id is None or row.lead_unit_id == filters.unit_id,
        filters.coordinator is None or filters.coordinator in row.coordinator_unit_ids,
        filters.plan is None or row.plan == filters.plan,
        filters.person is None or row.person_id == filters.person,
        _words_match(row, filters.q),
        filters.area is None or row.area == filters.area,
        filters.status is None or str(row.status) == filters.status,
        _six_matches(row, filters.six),
        _due_matches(row, filters.due, today),
    )
    return all(checks)


def _words_match(row: TaskRow, q: str | None) -> bool:
    """Every word of ``q`` in the task's text, reference, plan, lead unit or person, compared
    without case or diacritics ("bao cao" finds "Báo cáo")."""
    words = fold(q).split() if q else []
    if not words:
        return True
    haystack = f" {fold(' '.join((row.ref, row.work, row.plan, row.lead_name, row.person_name)))} "
    return all(word in haystack for word in words)


def _six_matches(row: TaskRow, six: str | None) -> bool:
    if six is None:
        return True
    if six == "clear":
        return row.all_clear
    if six == "unclear":
        return not row.all_clear
    return not row.clear.get(Dimension(six), True)


def _due_matches(row: TaskRow, window: str | None, today: date) -> bool:
    if window is None:
        return True
    if window == "none":
        return row.due is None
    if window == "overdue":
        return row.status == TaskStatus.OVERDUE
    open_ = row.status in {TaskStatus.IN_PROGRESS, TaskStatus.OVERDUE}
    return open_ and row.due is not None and today <= row.due <= today + timedelta(days=int(window))


@dataclass(frozen=True)
class TaskPage:
    """One task as its page (and ``GET /api/tasks/{id}``) shows it."""

    view: TaskView
    check: TaskCheck | None
    actions: frozenset[Action]
    people: list[tuple[Person, str]]  # the organization's active people, with their unit
    unit_people: list[Person]  # the lead unit's active people: whom the task may be given to
    units: list[Unit]  # the organization's internal units
    pending: ExtensionRequest | None

    def to_json(self) -> dict[str, Any]:
        data = self.view.to_json()
        if self.check is not None:
            data.update(self.check.verdict_json())
        data["version"] = self.view.task.version
        data["allowed_actions"] = sorted(str(a) for a in self.actions)
        return data


def task_page(state: Web, user: User, task_id: int) -> TaskPage:
    """Everything the task page shows, when ``user`` may see the task."""
    configs = state.configs.get()
    with Session(state.engine) as session:
        task = _visible_task(session, user, task_id)
        view = task_view(
            session=session, task_id=task_id, now=state.clock(), calendar=state.calendar()
        )
        checks = check_tasks(
            session.connection(), rules=configs.rules, org_code=user.org_code, task_id=task_id
        )
        org_id = task.organization_id
        units = {
            u.id: u
            for u in session.exec(
                select(Unit).where(Unit.organization_id == org_id).order_by(col(Unit.name))
            )
        }
        people = [
            (p, units[p.unit_id].name if p.unit_id in units else "")
            for p in session.exec(
                select(Person)
                .where(Person.organization_id == org_id, col(Person.active))
                .order_by(col(Person.name))
            )
        ]
        pending = next((e for e in view.extensions if e.status == ExtensionStatus.PENDING), None)
        return TaskPage(
            view=view,
            check=checks[0] if checks else None,
            actions=task_actions(user.principal, scope_of(session, task)),
            people=people,
            unit_people=unit_people(session, task.lead_unit_id) if task.lead_unit_id else [],
            units=[u for u in units.values() if u.kind == UnitKind.INTERNAL],
            pending=pending,
        )


def delegable(user: User, rows: list[TaskRow]) -> set[int]:
    """The listed tasks ``user`` may give to an officer: open, with a lead unit in scope."""
    closed = {TaskStatus.DONE_ON_TIME, TaskStatus.DONE_LATE, TaskStatus.WITHDRAWN}
    org_id = user.principal.organization_id
    return {
        row.id
        for row in rows
        if row.lead_unit_id is not None
        and row.status not in closed
        and allowed(user.principal, Action.DELEGATE_TASK, TaskScope(org_id, row.lead_unit_id, None))
    }


def delegation_people(state: Web, user: User) -> list[tuple[Person, str]]:
    """Whom the task list offers to give tasks to: a unit head's own unit, the whole
    organization's unit people for the standing office (each with its unit's name)."""
    principal = user.principal
    if not allowed(principal, Action.DELEGATE_TASK):
        return []
    with Session(state.engine) as session:
        units = {u.id: u.name for u in session.exec(
            select(Unit).where(Unit.organization_id == principal.organization_id))}  # fmt: skip
        query = select(Person).where(
            Person.organization_id == principal.organization_id,
            col(Person.active),
            col(Person.unit_id).is_not(None),
        )
        if principal.role == UserRole.UNIT_HEAD:
            query = query.where(Person.unit_id == principal.unit_id)
        people = session.exec(query.order_by(col(Person.name), col(Person.id))).all()
        return [(p, units.get(p.unit_id, "")) for p in people]


def plans_of(state: Web, user: User) -> list[str]:
    """The keys of the organization's plans, for the list's plan filter."""
    with Session(state.engine) as session:
        query = select(Plan.key).where(Plan.organization_id == user.principal.organization_id)
        return sorted(session.exec(query).all())


def people_of(state: Web, user: User) -> list[Person]:
    """The organization's active people, by name, for the list's person filter."""
    with Session(state.engine) as session:
        query = (
            select(Person)
            .where(Person.organization_id == user.principal.organization_id, col(Person.active))
            .order_by(col(Person.name), col(Person.id))
        )
        return list(session.exec(query).all())


def units_of(state: Web, user: User) -> list[Unit]:
    """The internal units of the user's organization, by name (the list's unit filter)."""
    with Session(state.engine) as session:
        return list(
            session.exec(
                select(Unit)
                .where(
                    Unit.organization_id == user.principal.organization_id,
                    Unit.kind == str(UnitKind.INTERNAL),
                )
                .order_by(col(Unit.name))
            )
        )


def _visible_task(session: Session, user: User, task_id: int) -> Task:
    task = get_task(session, task_id)
    if task.organization_id != user.principal.organization_id:
        raise NotFoundError(f"Không có nhiệm vụ mã {task_id}.")
    authorize(user.principal, Action.VIEW_TASKS, scope_of(session, task))
    return task


def _authorized(session: Session, user: User, task_id: int, action: Action) -> Task:
    task = _visible_task(session, user, task_id)
    authorize(user.principal, action, scope_of(session, task))
    return task


# -- the actions -------------------------------------------------------------------------------


def save_edit(state: Web, user: User, task_id: int, edit: TaskEdit) -> None:
    """The standing office edits the six dimensions."""
    configs = state.configs.get()
    now = state.clock()
    with session_scope(state.engine) as session:
        _authorized(session, user, task_id, Action.EDIT_TASK)
        edit_task(
            session=session,
            task_id=task_id,
            edit=edit,
            areas=configs.areas,
            actor=user.actor(f"task {task_id} edit"),
            now=now,
        )
        refresh_after_change(session, state, user, now)


def assignment_check(state: Web, user: User, source: Source, task: NewTask) -> TaskCheck:
    """The verdict a task assigned by hand would have; nothing is kept."""
    authorize(user.principal, Action.ASSIGN_TASK)
    configs = state.configs.get()
    return preview_assignment(
        engine=state.engine,
        organization_id=user.principal.organization_id,
        source=source,
        task=task,
        areas=configs.areas,
        rules=configs.rules,
        actor=user.actor("task new preview"),
        now=state.clock(),
    )


def save_assignment(state: Web, user: User, source: Source, task: NewTask) -> int:
    """A task assigned by hand; returns its id."""
    authorize(user.principal, Action.ASSIGN_TASK)
    configs = state.configs.get()
    now = state.clock()
    with session_scope(state.engine) as session:
        stored = assign_task(
            session=session,
            organization_id=user.principal.organization_id,
            source=source,
            task=task,
            areas=configs.areas,
            actor=user.actor("task new"),
            now=now,
        )
        refresh_after_change(session, state, user, now)
        return require_id(stored)


def save_delegation(
    state: Web, user: User, task_ids: list[int], *, person_id: int, reason: str
) -> Delegation:
    """The unit head (or the standing office) gives the tasks to one person of their lead
    unit; every task is authorized first, then all are given or none."""
    now = state.clock()
    with session_scope(state.engine) as session:
        for task_id in task_ids:
            _authorized(session, user, task_id, Action.DELEGATE_TASK)
        done = delegate(
            session=session,
            task_ids=task_ids,
            person_id=person_id,
            reason=reason,
            actor=user.actor(f"tasks {','.join(map(str, task_ids[:20]))} delegate"),
            now=now,
            acting_person_id=user.principal.person_id,
        )
        refresh_after_change(session, state, user, now)
        return done


def save_coordination(state: Web, user: User, task_id: int, *, note: str, evidence: str) -> None:
    """A coordinating unit's part, recorded by one of its people for the user's unit."""
    with session_scope(state.engine) as session:
        _authorized(session, user, task_id, Action.COORDINATE_TASK)
        record_coordination(
            session=session,
            task_id=task_id,
            unit_id=user.principal.unit_id or 0,
            note=note,
            evidence=evidence,
            actor=user.actor(f"task {task_id} coordination"),
            now=state.clock(),
        )


def save_progress(state: Web, user: User, task_id: int, percent: int | None, note: str) -> None:
    """A progress report on the task."""
    with session_scope(state.engine) as session:
        _authorized(session, user, task_id, Action.REPORT_PROGRESS)
        record_progress(
            session=session,
            task_id=task_id,
            percent=percent,
            note=note,
            actor=user.actor(f"task {task_id} progress"),
            now=state.clock(),
        )


def save_completion(
    state: Web, user: User, task_id: int, *, result: str, evidence: str, completed_on: date
) -> None:
    """The task done, with its result and evidence (a stored file's name is in
    ``evidence``: see ``engine.web.uploads``)."""
    with session_scope(state.engine) as session:
        _authorized(session, user, task_id, Action.COMPLETE_TASK)
        complete(
            session=session,
            task_id=task_id,
            result=result,
            evidence=evidence,
            completed_on=completed_on,
            actor=user.actor(f"task {task_id} done"),
            now=state.clock(),
        )


def save_review(state: Web, user: User, task_id: int, *, accept: bool, reason: str) -> None:
    """The acceptor accepts the task's result, or returns it with a reason."""
    with session_scope(state.engine) as session:
        _authorized(session, user, task_id, Action.ACCEPT_RESULT)
        review_result(
            session=session,
            task_id=task_id,
            accept=accept,
            reason=reason,
            # an account linked to a person is checked against the directory as well
            reviewer=user.decider or None,
            actor=user.actor(f"task {task_id} {'accept' if accept else 'return'}"),
            now=state.clock(),
        )


def save_extension_request(
    state: Web, user: User, task_id: int, *, new_due: date, reason: str
) -> int:
    """An extension request; returns its id."""
    with session_scope(state.engine) as session:
        _authorized(session, user, task_id, Action.REQUEST_EXTENSION)
        request = request_extension(
            session=session,
            task_id=task_id,
            new_due=new_due,
            reason=reason,
            actor=user.actor(f"task {task_id} extend"),
            now=state.clock(),
            calendar=state.calendar(),
        )
        return int(request.id or 0)


def save_decision(state: Web, user: User, request_id: int, *, approve: bool, note: str) -> int:
    """The task's authority approves or refuses an extension request; returns the task id."""
    with session_scope(state.engine) as session:
        request = session.get(ExtensionRequest, request_id)
        if request is None or request.organization_id != user.principal.organization_id:
            raise NotFoundError(f"Không có đề nghị gia hạn số {request_id}.")
        _authorized(session, user, request.task_id, Action.DECIDE_EXTENSION)
        decide_extension(
            session=session,
            request_id=request_id,
            approve=approve,
            decider=user.decider,
            note=note,
            actor=user.actor(f"extension {request_id} {'approve' if approve else 'refuse'}"),
            now=state.clock(),
        )
        return request.task_id
