"""The Chairman's dashboard: a period's figures (``engine.reports.data``: the tasks that
period's report counts; the current period unless another is chosen, or every task with
"Tất cả"), the overdue list, what has reached the leaders on the escalation ladder, and the
extension requests waiting for a decision. Each unit and area row links to the task list
filtered the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date
from urllib.parse import urlencode

from sqlmodel import Session, col, select

from engine.calendar.periods import Period
from engine.calendar.status import local_date
from engine.calendar.workdays import WorkCalendar
from engine.reports.data import AreaRow, ReportData, UnitRow, report_data
from engine.store.models import ExtensionRequest, ExtensionStatus, Task, TaskState, Unit
from engine.web.deps import User, Web
from engine.web.policy import Action, authorize
from engine.web.reports import chosen_period
from rules.escalation import Ladder, Role, StepKind

_LEADERS = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN})
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
class Dashboard:
    period: Period
    data: ReportData
    escalated: list[Escalated]
    pending: list[Pending]
    awaiting: list[Awaiting]
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


def dashboard(state: Web, user: User, period_code: str | None = None) -> Dashboard:
    """The dashboard of the user's organization as of now, for the period ``period_code``
    names (``ALL``: every task; None: the current period). Raises ``SauroError`` for a
    code that names no period."""
    authorize(user.principal, Action.VIEW_DASHBOARD)
    configs = state.configs.get()
    calendar = state.calendar()
    now = state.clock()
    today = local_date(now)
    period = all_tasks(today) if period_code == ALL else chosen_period(state, period_code)
    with Session(state.engine) as session:
        data = report_data(
            session.connection(), configs=configs, org_code=user.org_code, period=period, now=now
        )
        open_tasks = list(
            session.exec(
                select(Task)
                .where(
                    Task.organization_id == user.principal.organization_id,
                    Task.state == str(TaskState.OPEN),
                )
                .order_by(col(Task.position))
            )
        )
        pending = [
            Pending(request, task.ref or task.key, task.work)
            for request, task in session.exec(
                select(ExtensionRequest, Task)
                .join(Task, col(Task.id) == ExtensionRequest.task_id)
                .where(
                    ExtensionRequest.organization_id == user.principal.organization_id,
                    ExtensionRequest.status == str(ExtensionStatus.PENDING),
                )
                .order_by(col(ExtensionRequest.requested_at))
            )
        ]
        awaiting = [
            Awaiting(int(t.id or 0), t.ref or t.key, t.work, t.completed_on, t.submitted_on)
            for t in session.exec(
                select(Task)
                .where(
                    Task.organization_id == user.principal.organization_id,
                    Task.state == str(TaskState.AWAITING),
                )
                .order_by(col(Task.submitted_on), col(Task.position))
            )
        ]
        unit_ids = {
            unit.name: int(unit.id or 0)
            for unit in session.exec(
                select(Unit).where(Unit.organization_id == user.principal.organization_id)
            )
        }
    escalated = _escalated(open_tasks, configs.ladder, calendar, today)
    return Dashboard(period, data, escalated, pending, awaiting, unit_ids)


def _escalated(
    tasks: list[Task], ladder: Ladder, calendar: WorkCalendar, today: date
) -> list[Escalated]:
    overdue_after = leader_offset(ladder, StepKind.OVERDUE)
    unclear_after = leader_offset(ladder, StepKind.UNCLEAR)
    found: list[Escalated] = []
    for task in tasks:
        reasons: list[str] = []
        if overdue_after is not None and task.due_date is not None:
            late = calendar.working_days_between(calendar.effective_due(task.due_date), today)
            if late >= overdue_after:
                reasons.append(f"quá hạn {late} ngày làm việc")
        if unclear_after is not None and task.unclear and task.unclear_since is not None:
            days = calendar.working_days_between(task.unclear_since, today)
            if days >= unclear_after:
                reasons.append(f"chưa đủ 6 rõ đã {days} ngày làm việc")
        if reasons:
            found.append(
                Escalated(int(task.id or 0), task.ref or task.key, task.work, "; ".join(reasons))
            )
    return found
