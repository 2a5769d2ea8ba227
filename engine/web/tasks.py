"""The task services behind the task pages and the task API: list with filters, one task
with everything its page shows, and the actions, each authorized by ``engine.web.policy``
and done by the engine's own functions (``engine.tasks.actions``, ``engine.tasks.edits``) in
one transaction."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.calendar.periods import parse_period
from engine.calendar.status import LABELS, TaskStatus, local_date, task_status
from engine.calendar.workdays import WorkCalendar
from engine.errors import Location, NotFoundError, Problem, SauroError
from engine.plans.check import TaskCheck, check_task, check_tasks
from engine.plans.check_workbook import write_check_xlsx
from engine.reports.data import as_of_instant
from engine.store.models import (
    AuditLog,
    ExtensionRequest,
    ExtensionStatus,
    Person,
    Plan,
    Task,
    TaskState,
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
    history_rows,
    record_progress,
    request_extension,
    task_view,
)
from engine.tasks.assignment import NewTask, Source, assign_task
from engine.tasks.assignment import preview as preview_assignment
from engine.tasks.coordination import coordinating_units, record_coordination
from engine.tasks.delegation import Delegation, delegate
from engine.tasks.edits import TaskEdit, edit_task
from engine.tasks.history import HistoryNames, history_names
from engine.web import task_query as tq
from engine.web.changes import task_change
from engine.web.deps import User, Web
from engine.web.paging import BEFORE, Cursor, Key, Page, after, decode_cursor, keyset
from engine.web.paging import page as paged
from engine.web.policy import (
    Action,
    TaskScope,
    TaskVisibility,
    allowed,
    authorize,
    task_actions,
    task_visibility,
)
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
MAX_LIMIT = 500  # rows of one API page
_NUMBER = re.compile(r"(\d+)")


# The values each closed filter takes (every request builds a ``TaskFilters``).
_CHOICES: dict[str, list[str]] = {
    "six": [*SIX_STATES, *(str(d) for d in Dimension)],
    "due": list(DUE_WINDOWS),
    "status": [str(s) for s in TaskStatus],
    "sort": list(SORTS),
}


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
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            if value is not None and value not in choices:
                raise SauroError(
                    f"Bộ lọc {name}='{value}' không hợp lệ",
                    [Problem(Location(field=name), f"dùng một trong: {', '.join(choices)}")],
                )


@dataclass(frozen=True)
class TaskRow:
    """One line of the task list, with the stored 6-rõ verdict (``unclear``: the failing
    dimensions, comma-separated)."""

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
    unclear: str = ""
    person_id: int | None = None
    plan_title: str = ""  # what the plan or document is about, beside its number
    # The due date as the task page shows it: moved past days off, and the plan's own date
    # when an extension moved it.
    effective_due: date | None = None
    original_due: date | None = None

    @property
    def status_label(self) -> str:
        return LABELS[self.status]

    @property
    def clear(self) -> dict[Dimension, bool]:
        failing = set(self.unclear.split(",")) if self.unclear else set()
        return {d: str(d) not in failing for d in Dimension}

    @property
    def all_clear(self) -> bool:
        return not self.unclear

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "plan": self.plan,
            "plan_title": self.plan_title or None,
            "ref": self.ref,
            "work": self.work,
            "area": self.area,
            "lead_unit": self.lead_name or None,
            "person": self.person_name or None,
            "due": self.due.isoformat() if self.due else None,
            "effective_due": self.effective_due.isoformat() if self.effective_due else None,
            "original_due": self.original_due.isoformat() if self.original_due else None,
            "status": str(self.status),
            "status_label": self.status_label,
            "clear": {str(d): ok for d, ok in self.clear.items()},
        }


@dataclass(frozen=True)
class TaskListPage:
    """One page of the task list, with the cursors of its neighbours and the counts of
    the whole filtered list (from one aggregate)."""

    rows: list[TaskRow]
    next: str | None
    previous: str | None
    total: int
    clear: int  # tasks of the whole list with all six dimensions clear


def scope_of(session: Session, task: Task) -> TaskScope:
    """What the policy looks at on a task."""
    coordinators = frozenset(coordinating_units(session, task.id)) if task.id else frozenset()
    return _scope(session, task, coordinators)


def _scope(session: Session, task: Task, coordinators: frozenset[int]) -> TaskScope:
    acceptor = acceptor_of(session, task.organization_id)  # its organization: often loaded
    return TaskScope(
        task.organization_id,
        task.lead_unit_id,
        task.person_id,
        coordinators,
        str(acceptor) if acceptor else None,
    )


_ROW_COLUMNS = (
    tq.T.id, tq.PL["key"], tq.T.ref, tq.T.work, tq.T.area, tq.T.lead_unit_id, tq.U.name, tq.P.name,
    tq.T.due_date, tq.T.state, tq.T.completed_on, tq.T.unclear, tq.T.person_id, tq.PL.title,
    tq.T.original_due,
)  # fmt: skip


def _joined(query: sa.Select[Any]) -> sa.Select[Any]:
    return (
        query.select_from(Task)
        .join(Plan, tq.PL.id == tq.T.plan_id)
        .outerjoin(Unit, tq.U.id == tq.T.lead_unit_id)
        .outerjoin(Person, tq.P.id == tq.T.person_id)
    )


@dataclass(frozen=True)
class _Listing:
    """One request's list: its conditions and how to tell a row's status."""

    org_id: int
    seen: TaskVisibility
    where: list[Any]
    rule: tq.StatusRule
    calendar: WorkCalendar
    now: datetime

    def row(self, values: Sequence[Any]) -> TaskRow:
        (task_id, plan, ref, work, area, lead_id, lead_name, person_name, due, state_, done_on,
         unclear, person_id, plan_title, original_due) = values[: len(_ROW_COLUMNS)]  # fmt: skip
        effective = self.calendar.effective_due(due) if due else None
        status = task_status(state=state_, due=effective, completed_on=done_on, now=self.now)
        return TaskRow(task_id, plan, ref, work, area, lead_id, lead_name or "",
                       person_name or "", due, status, unclear or "", person_id,
                       plan_title or "", effective, original_due)  # fmt: skip


def _listing(state: Web, user: User, filters: TaskFilters, connection: sa.Connection) -> _Listing:
    """The SQL conditions of ``filters`` for ``user`` (authorized by the policy)."""
    seen = task_visibility(user.principal)
    if filters.coordinator is None:  # seen only as a coordinator: in the "Phối hợp" list
        seen = replace(seen, coordinator_unit_id=None)
    calendar, now = state.calendar(), state.clock()
    today = local_date(now)
    exact = filters.status in {TaskStatus.DONE_ON_TIME, TaskStatus.DONE_LATE}
    exact = exact or filters.sort == "status"
    rule = (
        tq.status_rule(connection, user.principal.organization_id, calendar, today)
        if exact
        else tq.StatusRule(tq.overdue_cutoff(calendar, today), {})
    )
    where = [tq.visible(seen), tq.T.state != str(TaskState.WITHDRAWN)]
    where += _filters(state, connection, filters, rule, today)
    return _Listing(user.principal.organization_id, seen, where, rule, calendar, now)


def _filters(
    state: Web, connection: sa.Connection, f: TaskFilters, rule: tq.StatusRule, today: date
) -> list[Any]:
    found: list[Any] = [tq.words_match(connection, f.q)] if f.q else []
    equal = ((tq.T.lead_unit_id, f.unit_id), (tq.PL["key"], f.plan), (tq.T.person_id, f.person),
             (tq.T.area, f.area))  # fmt: skip
    found += [column == value for column, value in equal if value is not None]
    if f.coordinator is not None:
        found.append(tq.coordinates(f.coordinator))
    if f.status is not None:
        found.append(rule.predicate(TaskStatus(f.status)))
    if f.six == "clear":
        found.append(tq.T.unclear == "")
    elif f.six == "unclear":
        found.append(tq.T.unclear != "")
    elif f.six is not None:
        found.append(tq.unclear_on(f.six))
    if f.due == "none":
        found.append(tq.T.due_date.is_(None))
    elif f.due == "overdue":
        found.append(rule.predicate(TaskStatus.OVERDUE))
    elif f.due is not None:
        found.append(tq.due_within(today, int(f.due)))
    if f.period is not None:
        found.append(_period_scope(state, f.period).predicate())
    return found


def _period_scope(state: Web, code: str) -> tq.PeriodScope:
    """The tasks the report of the period ``code`` counts (due, running or done in it), as
    the dashboard counts them. Raises ``SauroError`` for a code that names no period."""
    period = parse_period(code, state.configs.get().reporting, state.calendar())
    return tq.PeriodScope(period, as_of_instant(period, state.clock()))


def _keys(sort: str | None, rule: tq.StatusRule) -> list[Key]:
    if sort == "due":
        return [tq.due_key(), *tq.plan_keys()]
    if sort == "status":
        return [Key(rule.rank().label("status_key"), int), *tq.plan_keys()]
    return tq.plan_keys()


def list_page(
    state: Web, user: User, filters: TaskFilters, *, cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> TaskListPage:  # fmt: skip
    """The page of the tasks ``user`` may see, filtered, that ``cursor`` names (the first
    without one); ``SauroError`` (400) for a cursor that is not one of this list's."""
    with state.engine.connect() as connection:
        listing = _listing(state, user, filters, connection)
        counted = state.recent.get(
            listing.org_id,
            ("task counts", filters, listing.seen, local_date(listing.now)),
            lambda: _counts(connection, listing, filters),
        )
        if filters.sort == "ref":
            shown = _by_ref(connection, listing, cursor, limit)
        elif filters.sort in {None, "plan"}:
            start = decode_cursor(cursor, tq.plan_keys())
            found = _by_plan(connection, listing, counted.plans, start, limit)
            shown = paged(found, lambda r: tuple(r[len(_ROW_COLUMNS) :]), start, limit)
        else:
            keys = _keys(filters.sort, listing.rule)
            start = decode_cursor(cursor, keys)
            query = _joined(sa.select(*_ROW_COLUMNS, *(k.column for k in keys)))
            query = keyset(query.where(*listing.where), keys, start, limit)
            found = list(connection.execute(query))
            shown = paged(found, lambda r: tuple(r[len(_ROW_COLUMNS) :]), start, limit)
    rows = [listing.row(values) for values in shown.rows]
    return TaskListPage(rows, shown.next, shown.previous, counted.total, counted.clear)


@dataclass(frozen=True)
class _Counted:
    """How many tasks the whole list holds, how many of them are clear on all six, and
    how many each plan holds (its key, id and count, by key; plans with none left out)."""

    total: int
    clear: int
    plans: list[tuple[str, int, int]]


def _counts(connection: sa.Connection, listing: _Listing, filters: TaskFilters) -> _Counted:
    """The list's counts, per plan, in one aggregate (kept a few seconds:
    ``engine.web.recent``)."""
    clear = sa.func.sum(sa.case((tq.T.unclear == "", 1), else_=0))
    query = sa.select(tq.PL["key"], tq.T.plan_id, sa.func.count(), clear)
    query = (
        _joined(query)
        if filters.q
        else query.select_from(Task).join(Plan, tq.PL.id == tq.T.plan_id)
    )
    query = query.where(*listing.where).group_by(tq.PL["key"], tq.T.plan_id)
    rows = sorted(connection.execute(query))
    return _Counted(
        total=sum(int(count) for _, _, count, _ in rows),
        clear=sum(int(clear or 0) for _, _, _, clear in rows),
        plans=[(key, plan_id, int(count)) for key, plan_id, count, _ in rows],
    )


def _by_plan(
    connection: sa.Connection,
    listing: _Listing,
    plans: list[tuple[str, int, int]],
    start: Cursor | None,
    limit: int,
) -> list[Any]:
    """The plans' own order (plan key, place in the plan, id), without sorting the list:
    each plan's tasks come in the order of the index on (organization, plan, position),
    so one statement reads, for each plan the page reaches (told by the list's counts per
    plan), at most the rows the page still needs, and the page is the first of them.
    Counts kept a few seconds may be behind: while rows are missing and plans remain,
    the next plans are read the same way."""
    backward = start is not None and start.direction == BEFORE
    if start is not None:
        edge = start.values[0]
        plans = [p for p in plans if (p[0] <= edge if backward else p[0] >= edge)]
    ahead = plans[::-1] if backward else plans
    found: list[Any] = []
    while ahead and len(found) <= limit:
        need = limit + 1 - len(found)
        reached = _reached(ahead, start, need)
        found += connection.execute(_rows_of(listing, reached, start, backward, need))
        ahead = ahead[len(reached) :]
    return found


def _reached(
    plans: list[tuple[str, int, int]], start: Cursor | None, need: int
) -> list[tuple[str, int, int]]:
    """The first plans that hold ``need`` rows by their counts (the rows of the plan a
    cursor points into are not counted: the cursor may be anywhere in it)."""
    held = 0
    for n, (key, _, count) in enumerate(plans):
        held += 0 if start is not None and key == start.values[0] else count
        if held >= need:
            return plans[: n + 1]
    return plans


def _rows_of(
    listing: _Listing,
    plans: list[tuple[str, int, int]],
    start: Cursor | None,
    backward: bool,
    need: int,
) -> sa.Select[Any]:
    """``need`` rows of the list in the plans' order, from ``plans`` (in the order read)."""
    tail = tq.plan_keys()[1:]
    order = [k.column.desc() if backward else k.column for k in tail]
    parts = []
    for key, plan_id, _ in plans:
        query = _joined(sa.select(*_ROW_COLUMNS, *(k.column for k in tq.plan_keys())))
        query = query.where(*listing.where, tq.T.plan_id == plan_id)
        if start is not None and key == start.values[0]:
            query = query.where(after(tail, start.values[1:], descending=backward))
        parts.append(query.order_by(*order).limit(need))
    if len(parts) == 1:
        return parts[0]
    # Each plan's part keeps its own order and limit inside a subquery (SQLite takes no
    # ORDER BY or LIMIT on the members of a UNION); the union is put in the plans' order.
    union = sa.union_all(*(sa.select(*part.subquery().c) for part in parts)).subquery()
    columns = list(union.c)
    keys = columns[len(_ROW_COLUMNS) :]
    return sa.select(*columns).order_by(*(c.desc() if backward else c for c in keys)).limit(need)


def _by_ref(
    connection: sa.Connection, listing: _Listing, cursor: str | None, limit: int
) -> Page[Any]:
    """A page in the order of the tasks' references, "2.10" after "2.9": an order SQL
    cannot write alike on both databases, so the (reference, id) pairs of the list are
    sorted here and only the page's rows are read."""
    keys = [Key(tq.T.ref, str), Key(tq.T.id, int)]
    start = decode_cursor(cursor, keys)
    pairs = connection.execute(_joined(sa.select(tq.T.ref, tq.T.id)).where(*listing.where))
    ordered = sorted(((_natural(ref), task_id, ref) for ref, task_id in pairs))
    if start is not None:
        mark = (_natural(start.values[0]), start.values[1])
        if start.direction == BEFORE:
            ordered = [o for o in ordered if (o[0], o[1]) < mark][::-1]
        else:
            ordered = [o for o in ordered if (o[0], o[1]) > mark]
    chosen = ordered[: limit + 1]
    by_id = {
        row[0]: row
        for row in connection.execute(
            _joined(sa.select(*_ROW_COLUMNS)).where(tq.T.id.in_([c[1] for c in chosen]))
        )
    }
    rows = [(*by_id[task_id], ref, task_id) for _, task_id, ref in chosen]
    return paged(rows, lambda r: (r[-2], r[-1]), start, limit)


def _natural(ref: str) -> tuple[tuple[int, int | str], ...]:
    """ "2.10" after "2.9": the digit runs compared as numbers."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in _NUMBER.split(ref) if part
    )


def all_rows(state: Web, user: User, filters: TaskFilters) -> list[TaskRow]:
    """Every task of the filtered list, page after page (for a download)."""
    rows: list[TaskRow] = []
    cursor: str | None = None
    while True:
        listed = list_page(state, user, filters, cursor=cursor, limit=MAX_LIMIT)
        rows += listed.rows
        if listed.next is None:
            return rows
        cursor = listed.next


def write_check_workbook(state: Web, user: User, filters: TaskFilters, path: Path) -> None:
    """The 6-rõ check of the tasks ``user`` may see (filtered) as ``sauro check --xlsx``
    writes it: the task × dimension grid and the findings with their fixes."""
    wanted = {row.id for row in all_rows(state, user, filters)}
    configs = state.configs.get()
    with state.engine.connect() as connection:
        checks = check_tasks(connection, rules=configs.rules, org_code=user.org_code)
    write_check_xlsx(path, [c for c in checks if c.task_id in wanted], configs.rules)


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
    history: Page[AuditLog]  # the page of the history the view holds, with its cursors

    def to_json(self) -> dict[str, Any]:
        data = self.view.to_json()
        if self.check is not None:
            data.update(self.check.verdict_json())
        data["version"] = self.view.task.version
        data["allowed_actions"] = sorted(str(a) for a in self.actions)
        data["history_next"], data["history_previous"] = self.history.next, self.history.previous
        return data


HISTORY_PAGE = 100  # audit rows of a task page's history
_HISTORY_KEYS = [Key(col(AuditLog.at), datetime), Key(col(AuditLog.id), int)]


def task_page(
    state: Web, user: User, task_id: int, *, history_cursor: str | None = None
) -> TaskPage:
    """Everything the task page shows, when ``user`` may see the task: the task read
    with its parts (``task_view``), the page of its history ``history_cursor`` names
    (oldest first; keyset pagination) and its verdict (``check_task``) in a fixed number
    of queries; the organization's people, units and their names kept a few seconds
    (``engine.web.recent``), so nothing read grows with the organization's tasks."""
    configs = state.configs.get()
    org_id = user.principal.organization_id
    start = decode_cursor(history_cursor, _HISTORY_KEYS)
    with Session(state.engine) as session:
        view = task_view(
            session=session,
            task_id=task_id,
            now=state.clock(),
            calendar=state.calendar(),
            names=_names(state, org_id),
            history=False,
        )
        task = view.task
        if task.organization_id != org_id:
            raise NotFoundError(f"Không có nhiệm vụ mã {task_id}.")
        coordinators = {
            part.unit_id
            for part, _ in view.units
            if part.role == UnitRole.COORDINATOR and part.unit_id is not None
        }
        scope = _scope(session, task, frozenset(coordinators))
        authorize(user.principal, Action.VIEW_TASKS, scope)
        check = check_task(session.connection(), rules=configs.rules, task_id=task_id)
        query = keyset(history_rows(), _HISTORY_KEYS, start, HISTORY_PAGE)
        found = list(session.scalars(query, {"task_id": task_id}))
    history = paged(found, lambda row: (row.at, row.id), start, HISTORY_PAGE)
    units = {u.id: u for u in _all_units(state, org_id)}
    everyone = people_of(state, user)
    people = [(p, units[p.unit_id].name if p.unit_id in units else "") for p in everyone]
    lead = task.lead_unit_id
    return TaskPage(
        view=replace(view, history=history.rows),
        check=check,
        actions=task_actions(user.principal, scope),
        people=people,
        unit_people=[p for p in everyone if p.unit_id == lead] if lead else [],
        units=[u for u in units.values() if u.kind == UnitKind.INTERNAL],
        pending=next((e for e in view.extensions if e.status == ExtensionStatus.PENDING), None),
        history=history,
    )


def _names(state: Web, org_id: int) -> HistoryNames:
    """The names of the organization's people and units by id, and of the CCHC areas by
    code, for a task's history (kept a few seconds)."""
    configs = state.configs.get()

    def read() -> HistoryNames:
        with Session(state.engine) as session:
            return history_names(session, org_id, configs.areas)

    return state.recent.get(org_id, ("history names", id(configs)), read)


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
    unit = principal.unit_id if principal.role == UserRole.UNIT_HEAD else None
    names = {u.id: u.name for u in _all_units(state, principal.organization_id)}
    people = [
        p
        for p in people_of(state, user)
        if p.unit_id is not None and (unit is None or p.unit_id == unit)
    ]
    return [(p, names.get(p.unit_id, "")) for p in people]


def plans_of(state: Web, user: User) -> list[str]:
    """The keys of the organization's plans, for the list's plan filter."""
    org_id = user.principal.organization_id

    def read() -> list[str]:
        with Session(state.engine) as session:
            return sorted(session.exec(select(Plan.key).where(Plan.organization_id == org_id)))

    return state.recent.get(org_id, "plan keys", read)


def people_of(state: Web, user: User) -> list[Person]:
    """The organization's active people, by name, for the list's person filter (kept a
    few seconds: ``engine.web.recent``; read, never changed, by the pages)."""
    org_id = user.principal.organization_id

    def read() -> list[Person]:
        with Session(state.engine) as session:
            query = (
                select(Person)
                .where(Person.organization_id == org_id, col(Person.active))
                .order_by(col(Person.name), col(Person.id))
            )
            return list(session.exec(query).all())

    return state.recent.get(org_id, "people", read)


def _all_units(state: Web, org_id: int) -> list[Unit]:
    """Every unit of the organization by name (kept a few seconds)."""

    def read() -> list[Unit]:
        with Session(state.engine) as session:
            query = select(Unit).where(Unit.organization_id == org_id).order_by(col(Unit.name))
            return list(session.exec(query))

    return state.recent.get(org_id, "units", read)


def units_of(state: Web, user: User) -> list[Unit]:
    """The internal units of the user's organization, by name (the list's unit filter)."""
    units = _all_units(state, user.principal.organization_id)
    return [unit for unit in units if unit.kind == UnitKind.INTERNAL]


def _visible_task(session: Session, user: User, task_id: int) -> Task:
    return _visible(session, user, task_id)[0]


def _visible(session: Session, user: User, task_id: int) -> tuple[Task, TaskScope]:
    """The task, when ``user`` may see it, and what the policy looks at on it."""
    task = get_task(session, task_id)
    if task.organization_id != user.principal.organization_id:
        raise NotFoundError(f"Không có nhiệm vụ mã {task_id}.")
    scope = scope_of(session, task)
    authorize(user.principal, Action.VIEW_TASKS, scope)
    return task, scope


def _authorized(session: Session, user: User, task_id: int, action: Action) -> Task:
    task = _visible_task(session, user, task_id)
    authorize(user.principal, action, scope_of(session, task))
    return task


# -- the actions -------------------------------------------------------------------------------


def save_edit(state: Web, user: User, task_id: int, edit: TaskEdit) -> None:
    """The standing office edits the six dimensions."""
    configs = state.configs.get()
    now = state.clock()
    with task_change(state, user) as session:
        _authorized(session, user, task_id, Action.EDIT_TASK)
        edit_task(
            session=session,
            task_id=task_id,
            edit=edit,
            areas=configs.areas,
            actor=user.actor(f"task {task_id} edit"),
            now=now,
        )


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
    with task_change(state, user) as session:
        stored = assign_task(
            session=session,
            organization_id=user.principal.organization_id,
            source=source,
            task=task,
            areas=configs.areas,
            actor=user.actor("task new"),
            now=now,
        )
        return require_id(stored)


def save_delegation(
    state: Web, user: User, task_ids: list[int], *, person_id: int, reason: str
) -> Delegation:
    """The unit head (or the standing office) gives the tasks to one person of their lead
    unit; every task is authorized first, then all are given or none."""
    now = state.clock()
    with task_change(state, user) as session:
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
        return done


def save_coordination(state: Web, user: User, task_id: int, *, note: str, evidence: str) -> None:
    """A coordinating unit's part, recorded by one of its people for the user's unit."""
    with task_change(state, user) as session:
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
    with task_change(state, user) as session:
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
    with task_change(state, user) as session:
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
    with task_change(state, user) as session:
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
    with task_change(state, user) as session:
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
    with task_change(state, user) as session:
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
