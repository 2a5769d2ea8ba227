"""The Chairman's dashboard: the current period's figures (``engine.reports.data``), the
overdue list, what has reached the leaders on the escalation ladder, and the extension
requests waiting for a decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from engine.calendar.periods import Period, current_period
from engine.calendar.status import local_date
from engine.calendar.workdays import WorkCalendar
from engine.plans.verdicts import refresh_verdicts
from engine.reports.data import ReportData, build_report_data
from engine.store.models import ExtensionRequest, ExtensionStatus, Task, TaskState
from engine.web.deps import User, Web
from engine.web.policy import Action, authorize
from rules.escalation import Ladder, Role, StepKind

_LEADERS = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN})


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


def leader_offset(ladder: Ladder, kind: StepKind) -> int | None:
    """The fewest working days after which an enabled step of ``kind`` reaches the Chairman
    or a Vice-Chairman; None when no step does."""
    offsets = [
        step.offset
        for step in ladder.steps
        if step.enabled and step.kind == kind and any(r.role in _LEADERS for r in step.recipients)
    ]
    return min(offsets) if offsets else None


def dashboard(state: Web, user: User) -> Dashboard:
    """The dashboard of the user's organization as of now."""
    authorize(user.principal, Action.VIEW_DASHBOARD)
    configs = state.configs.get()
    calendar = state.calendar()
    now = state.clock()
    today = local_date(now)
    period = current_period(today, configs.reporting, calendar)
    with state.engine.begin() as connection:  # the stored 6-rõ verdicts, brought up to date
        refresh_verdicts(connection, rules=configs.rules, org_code=user.org_code, today=today)
    with Session(state.engine) as session:
        data = build_report_data(
            session.connection(),
            org_code=user.org_code,
            period=period,
            now=now,
            areas=[(a.code, a.name) for a in configs.areas.areas],
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
    escalated = _escalated(open_tasks, configs.ladder, calendar, today)
    return Dashboard(period, data, escalated, pending, awaiting)


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
