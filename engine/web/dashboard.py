"""The Chairman's dashboard: a period's figures (``engine.web.figures``: the tasks that
period's report counts, as ``engine.reports.data`` counts them; the current period unless
another is chosen, or every task with "Tất cả"), the overdue list, what has reached the
leaders on the escalation ladder, and the extension requests waiting for a decision. Each
unit and area row links to the task list filtered the same way.

Read only, and in the database: aggregates and the first rows of each list (``SHOWN``)
with its count, whatever the number of tasks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, timedelta
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.calendar.periods import Period
from engine.calendar.status import local_date
from engine.calendar.workdays import WorkCalendar
from engine.reports.data import AreaRow, UnitRow
from engine.store.models import ExtensionRequest, ExtensionStatus, Plan, Task, TaskState
from engine.web import task_query as tq
from engine.web.deps import User, Web
from engine.web.figures import SHOWN, Figures, figures
from engine.web.policy import Action, authorize
from engine.web.reports import chosen_period
from rules.escalation import Ladder, Role, StepKind

_LEADERS = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN})
T = TypeVar("T")
# The period choice that means every task, whatever its dates.
ALL = "tat-ca"


@dataclass(frozen=True)
class Escalated:
    """A task that the ladder has brought to the Chairman or a Vice-Chairman."""

    task_id: int
    ref: str
    work: str
    why: str


@dataclass(frozen=True)
class Pending:
    """An extension request waiting for a decision."""

    request: ExtensionRequest
    ref: str
    work: str


@dataclass(frozen=True)
class Awaiting:
    """A task completed by its unit, its result waiting for acceptance (chờ xác nhận)."""

    task_id: int
    ref: str
    work: str
    completed_on: date | None
    submitted_on: date | None


@dataclass(frozen=True)
class Listed(Generic[T]):
    """The first ``SHOWN`` rows of a list, and how many it holds in all."""

    rows: list[T]
    total: int

    def __iter__(self) -> Iterator[T]:
        return iter(self.rows)

    def __len__(self) -> int:
        return self.total


@dataclass(frozen=True)
class Dashboard:
    period: Period
    data: Figures
    escalated: Listed[Escalated]
    pending: Listed[Pending]
    awaiting: Listed[Awaiting]
    unit_ids: dict[str, int]  # the organization's units by name, to link a unit row

    @property
    def everything(self) -> bool:
        """Whether the figures are of every task ("Tất cả"), not of one period."""
        return self.period.code == ALL

    def unit_link(self, row: UnitRow) -> str | None:
        """The task list of the tasks the row's unit leads, in the same period; None for
        the row of tasks with no directory unit."""
        unit_id = self.unit_ids.get(row.name)
        return None if unit_id is None else self._tasks_link("unit", str(unit_id))

    def area_link(self, row: AreaRow) -> str | None:
        """The task list of the row's area in the same period; None for the row of tasks
        of no known area."""
        return None if row.code is None else self._tasks_link("area", row.code)

    def _tasks_link(self, name: str, value: str) -> str:
        query = (
            [(name, value)] if self.everything else [(name, value), ("period", self.period.code)]
        )
        return "/tasks?" + urlencode(query)


def all_tasks(today: date) -> Period:
    """A span holding every day, for the figures of every task ("Tất cả"): each task is
    then in scope, and counted as of now."""
    end = date(MAXYEAR - 1, 12, 31)
    return Period(
        code=ALL, kind="nam", year=today.year, label="tất cả nhiệm vụ",
        data_start=date(MINYEAR + 1, 1, 1), data_end=end,
        unit_deadline=end, assemble_on=end, report_deadline=end,
    )  # fmt: skip


def leader_offset(ladder: Ladder, kind: StepKind) -> int | None:
    """The fewest working days after which an enabled step of ``kind`` reaches the Chairman
    or a Vice-Chairman; None when no step does."""
    offsets = [
        step.offset
        for step in ladder.steps
        if step.enabled and step.kind == kind and any(r.role in _LEADERS for r in step.recipients)
    ]
    return min(offsets) if offsets else None


def escalation_cutoff(calendar: WorkCalendar, today: date, days: int, *, due: bool) -> date:
    """The last day from which ``days`` working days have passed by ``today``: counted
    from a due date's effective day (``due``) or from the day itself; the count never
    grows as the day moves later, so the tasks are those on or before it."""
    day = today
    while True:
        start = calendar.effective_due(day) if due else day
        if calendar.working_days_between(start, today) >= days:
            return day
        day -= timedelta(days=1)


def dashboard(state: Web, user: User, period_code: str | None = None) -> Dashboard:
    """The dashboard of the user's organization as of now, for the period ``period_code``
    names (``ALL``: every task; None: the current period), read only: the stored 6-rõ
    verdicts as the last write or the morning's cycle left them; counted at most once per
    few seconds (``engine.web.recent``). Raises ``SauroError`` for a code that names no
    period."""
    authorize(user.principal, Action.VIEW_DASHBOARD)
    configs = state.configs.get()
    today = local_date(state.clock())
    org_id = user.principal.organization_id

    def read() -> Dashboard:
        period = all_tasks(today) if period_code == ALL else chosen_period(state, period_code)
        return _read(state, org_id, period, today)

    return state.recent.get(org_id, ("dashboard", period_code, today, id(configs)), read)


def _read(state: Web, org_id: int, period: Period, today: date) -> Dashboard:
    configs, now = state.configs.get(), state.clock()
    with state.engine.connect() as connection:
        data = figures(connection, configs=configs, org_id=org_id, period=period, now=now)
        escalated = _escalated(connection, org_id, configs.ladder, state.calendar(), today)
        pending = _pending(connection, org_id)
        awaiting = _awaiting(connection, org_id)
        unit_ids = {
            name: unit_id
            for unit_id, name in connection.execute(
                sa.select(tq.U.id, tq.U.name).where(tq.U.organization_id == org_id)
            )
        }
    return Dashboard(period, data, escalated, pending, awaiting, unit_ids)


def _counted(connection: sa.Connection, query: sa.Select[Any]) -> int:
    total = connection.execute(sa.select(sa.func.count()).select_from(query.subquery()))
    return int(total.scalar_one())


def _escalated(
    connection: sa.Connection, org_id: int, ladder: Ladder, calendar: WorkCalendar, today: date
) -> Listed[Escalated]:
    overdue_after = leader_offset(ladder, StepKind.OVERDUE)
    unclear_after = leader_offset(ladder, StepKind.UNCLEAR)
    t = tq.T
    reached = []
    if overdue_after is not None:
        late = escalation_cutoff(calendar, today, overdue_after, due=True)
        reached.append(sa.and_(t.due_date.is_not(None), t.due_date <= late))
    if unclear_after is not None:
        since = escalation_cutoff(calendar, today, unclear_after, due=False)
        reached.append(sa.and_(t.unclear != "", t.unclear_since <= since))
    if not reached:
        return Listed([], 0)
    query = (
        sa.select(t.id, t.ref, t["key"], t.work, t.due_date, t.unclear, t.unclear_since)
        .select_from(Task)
        .join(Plan, tq.PL.id == t.plan_id)
        .where(t.organization_id == org_id, t.state == str(TaskState.OPEN), sa.or_(*reached))
    )
    shown = connection.execute(query.order_by(tq.PL["key"], t.position, t.id).limit(SHOWN))
    rows = [
        Escalated(task_id, ref or key, work, _why(due, unclear, since, after=(overdue_after,
                  unclear_after), calendar=calendar, today=today))
        for task_id, ref, key, work, due, unclear, since in shown
    ]  # fmt: skip
    return Listed(rows, _counted(connection, query))


def _why(
    due: date | None,
    unclear: str,
    since: date | None,
    *,
    after: tuple[int | None, int | None],
    calendar: WorkCalendar,
    today: date,
) -> str:
    reasons: list[str] = []
    if after[0] is not None and due is not None:
        late = calendar.working_days_between(calendar.effective_due(due), today)
        if late >= after[0]:
            reasons.append(f"quá hạn {late} ngày làm việc")
    if after[1] is not None and unclear and since is not None:
        days = calendar.working_days_between(since, today)
        if days >= after[1]:
            reasons.append(f"chưa đủ 6 rõ đã {days} ngày làm việc")
    return "; ".join(reasons)


def _pending(connection: sa.Connection, org_id: int) -> Listed[Pending]:
    e, t = ExtensionRequest.__table__.c, tq.T  # type: ignore[attr-defined]
    query = (
        sa.select(e.id)
        .join(Task, t.id == e.task_id)
        .where(e.organization_id == org_id, e.status == str(ExtensionStatus.PENDING))
    )
    ids = list(connection.execute(query.order_by(e.requested_at, e.id).limit(SHOWN)).scalars())
    with Session(connection) as session:
        found = {
            request.id: (request, task)
            for request, task in session.exec(
                select(ExtensionRequest, Task)
                .join(Task, col(Task.id) == ExtensionRequest.task_id)
                .where(col(ExtensionRequest.id).in_(ids))
            )
        }
        rows = [Pending(found[i][0], found[i][1].ref or found[i][1].key, found[i][1].work)
                for i in ids]  # fmt: skip
    return Listed(rows, _counted(connection, query))


def _awaiting(connection: sa.Connection, org_id: int) -> Listed[Awaiting]:
    t = tq.T
    query = sa.select(t.id, t.ref, t["key"], t.work, t.completed_on, t.submitted_on).where(
        t.organization_id == org_id, t.state == str(TaskState.AWAITING)
    )
    shown = connection.execute(query.order_by(t.submitted_on, t.position, t.id).limit(SHOWN))
    rows = [
        Awaiting(task_id, ref or key, work, completed_on, submitted_on)
        for task_id, ref, key, work, completed_on, submitted_on in shown
    ]
    return Listed(rows, _counted(connection, query))
