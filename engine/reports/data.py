"""The numbers of a CCHC period report (domain.md §6) for one organization and one period:
the tasks in scope with their official status, counts by area and by lead unit, the
overdue list, extensions, 6-rõ compliance and the PAR indicators.

Two set-based Core reads (the organization's tasks with their plan date and lead unit; its
extension requests) through ``engine.plans.check.raw_rows``, then pure Python over plain
tuples. Everything is judged **as of** ``min(now, end of the cut-off day)`` in Viet Nam
time, so a report rebuilt after the period closes gives the same figures:

- A task completed after the as-of instant counts as still open at it.
- Scope: a task is reported when it is due within the data range; or open at the as-of
  instant and running over part of the range (``engine.calendar.periods.overlaps`` with its start,
  or the plan's date when it has none, and no end while it is overdue); or completed within
  the range. Withdrawn tasks are never reported.
- ``due`` is the due date in force (after any approved extension, domain §4); an
  extension decided after the cut-off cannot be undone from the stored row.

Beside the figures, what the report's sections are drafted from (``engine.reports.sections``):
the assigning documents issued in the period, the results recorded on tasks, the same
figures for the previous period and the same period last year (judged as of each one's own
cut-off, from the same rows), the tasks due in the next period, the units' difficulties and
proposals from their returned forms, and the section texts the standing office saved.
Days overdue are counted as ``reporting.yaml`` ``overdue.documents`` says (calendar days
by default) and always shown with their unit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, select
from sqlmodel import col

from engine.calendar.periods import (
    OverdueCount,
    Period,
    next_period,
    overdue_text,
    overlaps,
    previous_period,
    same_period_last_year,
)
from engine.calendar.status import LABELS, VN, TaskStatus, local_date, task_status
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import Configs
from engine.errors import NotFoundError
from engine.plans.check import as_date, as_instant, raw_rows
from engine.store.models import (
    ExtensionRequest,
    ExtensionStatus,
    Organization,
    Plan,
    ReportSection,
    Task,
    TaskState,
    Unit,
    UnitReport,
)
from engine.text import fold

NO_AREA = "Chưa xác định lĩnh vực"
NO_LEAD = "Chưa rõ đơn vị chủ trì"

# The statuses a reported task can have (withdrawn tasks are not reported), in table order.
REPORTED: tuple[TaskStatus, ...] = (
    TaskStatus.DONE_ON_TIME,
    TaskStatus.DONE_LATE,
    TaskStatus.AWAITING,
    TaskStatus.IN_PROGRESS,
    TaskStatus.OVERDUE,
    TaskStatus.NO_DEADLINE,
)

EXTENSION_LABELS: dict[str, str] = {
    ExtensionStatus.PENDING: "Chờ quyết định",
    ExtensionStatus.APPROVED: "Đã phê duyệt",
    ExtensionStatus.REFUSED: "Bị từ chối",
    ExtensionStatus.CANCELLED: "Đã hủy (nhiệm vụ hoàn thành trước khi quyết định)",
}


@dataclass(frozen=True, slots=True)
class StatusCounts:
    """Tasks per official status; ``total`` is their sum."""

    done_on_time: int = 0
    done_late: int = 0
    awaiting: int = 0  # completed by the unit, the result not yet accepted
    in_progress: int = 0
    overdue: int = 0
    no_deadline: int = 0

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def total(self) -> int:
        return self.done + self.awaiting + self.in_progress + self.overdue + self.no_deadline

    def of(self, status: TaskStatus) -> int:
        """The count of one reported status."""
        value: int = getattr(self, str(status))
        return value

    @classmethod
    def tally(cls, statuses: Iterable[TaskStatus]) -> StatusCounts:
        counts = dict.fromkeys(REPORTED, 0)
        for status in statuses:
            counts[status] += 1
        return cls(**{str(status): n for status, n in counts.items()})


@dataclass(frozen=True, slots=True)
class ReportTask:
    """One task in scope. ``extended``: an approved extension replaced the plan's date
    (``original_due``)."""

    task_id: int
    ref: str
    work: str
    area: str | None
    lead_unit: str | None
    start: date | None
    due: date | None
    original_due: date | None
    status: TaskStatus
    completed_on: date | None
    unclear: str
    due_in_period: bool
    result: str = ""  # the result the unit recorded on completion
    source: str = ""  # the number of the plan or document that assigned it
    source_kind: str = ""  # its ``DocumentKind``

    @property
    def extended(self) -> bool:
        return self.original_due is not None

    @property
    def status_label(self) -> str:
        return LABELS[self.status]


@dataclass(frozen=True, slots=True)
class AreaRow:
    """One row of the per-area table; ``code`` is None for tasks of no known area."""

    code: str | None
    name: str
    counts: StatusCounts
    unclear: int = 0  # tasks failing 6 rõ


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One row of the per-unit table (by lead unit); ``name`` is ``NO_LEAD`` for tasks whose
    lead cell names no directory unit (or a collective: "các cơ quan, đơn vị")."""

    name: str
    counts: StatusCounts
    unclear: int = 0  # tasks failing 6 rõ


@dataclass(frozen=True, slots=True)
class OverdueTask:
    """A task not done after its due date. ``days_late``: days from the due date to the
    as-of day (1 on the day after the due date), counted as ``count`` says;
    ``since_before``: due before the period began (still open, so reported again)."""

    ref: str
    work: str
    unit: str | None
    due: date
    days_late: int
    since_before: bool = False
    count: OverdueCount = "calendar_days"

    @property
    def late_text(self) -> str:
        """ "12 ngày" / "8 ngày làm việc"."""
        return overdue_text(self.days_late, self.count)


@dataclass(frozen=True, slots=True)
class Extension:
    """An extension request made within the period (Viet Nam date of ``requested_at``)."""

    ref: str
    work: str
    requested_on: date
    old_due: date
    new_due: date
    status: str
    decided_by: str

    @property
    def status_label(self) -> str:
        return EXTENSION_LABELS.get(self.status, self.status)


@dataclass(frozen=True, slots=True)
class Compliance:
    """6-rõ compliance of the tasks in scope, from the stored verdict (``task.unclear``, as
    the reminder cycle last saw it): ``unclear_refs`` pairs each failing task with its
    failing dimensions."""

    clear: int
    unclear: int
    unclear_refs: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Rate:
    """A ratio; ``fraction`` and ``percent`` (one decimal) are None when nothing to divide."""

    numerator: int
    denominator: int

    @property
    def fraction(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        fraction = self.fraction
        return None if fraction is None else round(fraction * 100, 1)


@dataclass(frozen=True, slots=True)
class UnitReportRow:
    """One unit asked for its report of the period: its deadline and, when it reported by
    the as-of instant, the Viet Nam day it first did."""

    unit: str
    due: date
    submitted_on: date | None

    @property
    def on_time(self) -> bool:
        return self.submitted_on is not None and self.submitted_on <= self.due

    @property
    def status_label(self) -> str:
        if self.submitted_on is None:
            return "Chưa gửi"
        if self.on_time:
            return "Đúng hạn"
        return f"Muộn ({(self.submitted_on - self.due).days} ngày)"


@dataclass(frozen=True, slots=True)
class Indicators:
    """PAR indicators. ``completion``: tasks due in the period that are done / tasks due in
    the period. ``on_time``: tasks in scope done on time / tasks in scope done.
    ``unit_reports``: units that reported by their deadline / units asked."""

    completion: Rate
    on_time: Rate
    unit_reports: Rate = Rate(0, 0)


@dataclass(frozen=True, slots=True)
class IssuedDocument:
    """A plan or assigning document issued within the period, and how many of its tasks
    are reported."""

    number: str
    issued_on: date
    title: str
    kind: str
    tasks: int


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """The main figures of an earlier period, for comparison: judged as of the end of its
    own cut-off day from today's rows."""

    label: str
    data_start: date
    data_end: date
    totals: StatusCounts
    completion: Rate
    on_time: Rate


@dataclass(frozen=True, slots=True)
class UpcomingTask:
    """A task not done by the as-of day and due in the next period."""

    ref: str
    work: str
    area: str | None
    unit: str | None
    due: date


@dataclass(frozen=True, slots=True)
class UnitNote:
    """A difficulty (``kind`` "difficulties") or proposal ("proposals") a unit wrote in its
    returned form: for one task (``ref``) or in general (``ref`` "")."""

    unit: str
    kind: str
    ref: str
    text: str


@dataclass(frozen=True, slots=True)
class ReportData:
    org_code: str
    org_name: str
    org_place: str
    org_level: str
    period_code: str
    period_label: str
    data_start: date
    data_end: date
    as_of: datetime
    tasks: tuple[ReportTask, ...]
    due_in_period: tuple[str, ...]  # refs of the tasks whose due date lies in the period
    totals: StatusCounts
    by_area: tuple[AreaRow, ...]
    by_unit: tuple[UnitRow, ...]
    overdue: tuple[OverdueTask, ...]
    extensions: tuple[Extension, ...]
    compliance: Compliance
    indicators: Indicators
    unit_reports: tuple[UnitReportRow, ...] = ()
    documents: tuple[IssuedDocument, ...] = ()
    comparisons: tuple[PeriodFigures, ...] = ()  # the previous period, then last year's
    next_label: str = ""  # "quý tới"
    upcoming: tuple[UpcomingTask, ...] = ()
    unit_notes: tuple[UnitNote, ...] = ()
    office_short: str = ""  # the standing office's abbreviation, for "Lưu: VT, …"
    sections: tuple[tuple[str, str], ...] = ()  # (section, text) saved by the standing office
    overdue_count: OverdueCount = "calendar_days"
    by_kind: tuple[tuple[str, StatusCounts], ...] = ()  # per kind of assigning document


def as_of_instant(period: Period, now: datetime) -> datetime:
    """``min(now, the last instant of the cut-off day in Viet Nam)``, aware."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    end = datetime.combine(period.data_end + timedelta(days=1), time(), VN) - timedelta(
        microseconds=1
    )
    return min(now, end)


def report_data(
    connection: Connection, *, configs: Configs, org_code: str, period: Period, now: datetime
) -> ReportData:
    """``build_report_data`` as the configs say: every area of ``areas.yaml``, days overdue
    counted as ``reporting.yaml`` (``overdue.documents``) says. What every caller uses, so
    overdue is counted one way on the web, in the report and in its annex."""
    return build_report_data(
        connection,
        org_code=org_code,
        period=period,
        now=now,
        areas=[(area.code, area.name) for area in configs.areas.areas],
        overdue_count=configs.reporting.overdue.documents,
        calendar=WorkCalendar(configs.calendar),
    )


def build_report_data(
    connection: Connection,
    *,
    org_code: str,
    period: Period,
    now: datetime,
    areas: Sequence[tuple[str, str]],
    overdue_count: OverdueCount = "calendar_days",
    calendar: WorkCalendar | None = None,
) -> ReportData:
    """The report numbers of ``org_code`` for ``period``; ``areas`` are the (code, name)
    pairs of config/areas.yaml in table order (every one listed, even when zero). Days
    overdue are counted as ``overdue_count`` says (``calendar`` needed for working days).
    Raises ``NotFoundError`` for an unknown organization."""
    if overdue_count == "working_days" and calendar is None:
        raise ValueError("counting working days overdue needs the work calendar")
    org = _organization(connection, org_code)
    org_id = org[0]
    as_of = as_of_instant(period, now)
    today = local_date(as_of)
    rows = raw_rows(connection, _task_query(org_id))
    scoped = [t for t in (_in_scope(row, period, as_of, today) for row in rows) if t is not None]
    due_in = [t for t in scoped if t.due_in_period]
    totals = StatusCounts.tally(t.status for t in scoped)
    done_due = sum(1 for t in due_in if _is_done(t.status))
    unclear = [(t.ref, t.unclear) for t in scoped if t.unclear]
    reports = _unit_reports(connection, org_id, period, as_of)
    coming = next_period(period)
    return ReportData(
        org_code=org_code,
        org_name=org[1],
        org_place=org[2],
        org_level=org[3],
        period_code=period.code,
        period_label=period.label,
        data_start=period.data_start,
        data_end=period.data_end,
        as_of=as_of,
        tasks=tuple(scoped),
        due_in_period=tuple(t.ref for t in due_in),
        totals=totals,
        by_area=_by_area(scoped, areas),
        by_unit=_by_unit(scoped),
        overdue=_overdue(scoped, today, period, (overdue_count, calendar)),
        extensions=_extensions(connection, org_id, period),
        compliance=Compliance(len(scoped) - len(unclear), len(unclear), tuple(unclear)),
        indicators=Indicators(
            completion=Rate(done_due, len(due_in)),
            on_time=Rate(totals.done_on_time, totals.done),
            unit_reports=Rate(sum(1 for r in reports if r.on_time), len(reports)),
        ),
        unit_reports=reports,
        documents=_documents(connection, org_id, period, scoped),
        comparisons=_comparisons(rows, period, now),
        next_label=coming.label,
        upcoming=_upcoming(rows, coming, as_of, today),
        unit_notes=_unit_notes(connection, org_id, period),
        office_short=_office_short(connection, org_id, org[4]),
        sections=saved_sections(connection, org_id, period.code),
        overdue_count=overdue_count,
        by_kind=tuple(
            (kind, StatusCounts.tally(t.status for t in scoped if t.source_kind == kind))
            for kind in sorted({t.source_kind for t in scoped})
        ),
    )


def _organization(connection: Connection, org_code: str) -> tuple[Any, ...]:
    query = select(
        col(Organization.id),
        col(Organization.name),
        col(Organization.place),
        col(Organization.level),
        col(Organization.standing_office_code),
    ).where(col(Organization.code) == org_code)
    rows = raw_rows(connection, query)
    if not rows:
        raise NotFoundError(f"Không có cơ quan mã '{org_code}' trong danh mục.")
    return rows[0]


def _task_query(org_id: int) -> Any:
    return (
        select(
            col(Task.id),
            col(Task.ref),
            col(Task.work),
            col(Task.area),
            col(Unit.name),
            col(Task.start_date),
            col(Task.due_date),
            col(Task.original_due),
            col(Task.state),
            col(Task.completed_on),
            col(Task.unclear),
            col(Plan.issued_on),
            col(Task.result),
            col(Plan.number),
            col(Plan.kind),
        )
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .outerjoin(Unit, col(Unit.id) == col(Task.lead_unit_id))
        .where(col(Task.organization_id) == org_id, col(Task.state) != TaskState.WITHDRAWN)
        .order_by(col(Plan.key), col(Task.position), col(Task.id))
    )


def _in_scope(
    row: tuple[Any, ...], period: Period, as_of: datetime, today: date
) -> ReportTask | None:
    (task_id, ref, work, area, lead, start_raw, due_raw, original_raw, state, completed_raw,
     unclear, issued_raw, result, source, source_kind) = row  # fmt: skip
    start, due, completed_on = as_date(start_raw), as_date(due_raw), as_date(completed_raw)
    closed = state in (TaskState.DONE, TaskState.AWAITING)
    done = closed and completed_on is not None and completed_on <= today
    if closed and not done:
        state = TaskState.OPEN  # completed after the as-of day: open as of it
    due_in = due is not None and period.contains(due)
    running = not done and overlaps(
        period,
        start if start is not None else as_date(issued_raw),
        None if due is not None and due < today else due,
    )
    done_within = done and completed_on is not None and period.contains(completed_on)
    if not (due_in or running or done_within):
        return None
    status = task_status(
        state=state, due=due, completed_on=completed_on if done else None, now=as_of
    )
    return ReportTask(
        task_id=task_id,
        ref=ref,
        work=work,
        area=area,
        lead_unit=lead,
        start=start,
        due=due,
        original_due=as_date(original_raw),
        status=status,
        completed_on=completed_on if done else None,
        unclear=unclear or "",
        due_in_period=due_in,
        result=(result or "") if done else "",
        source=source or "",
        source_kind=source_kind or "",
    )


def _is_done(status: TaskStatus) -> bool:
    return status in (TaskStatus.DONE_ON_TIME, TaskStatus.DONE_LATE)


def _by_area(tasks: Sequence[ReportTask], areas: Sequence[tuple[str, str]]) -> tuple[AreaRow, ...]:
    """One row per configured area (zeros included), then one for tasks of no known area
    when there are any: the rows always sum to the total."""
    known = {code for code, _ in areas}
    rows = [
        AreaRow(
            code,
            name,
            StatusCounts.tally(t.status for t in tasks if t.area == code),
            sum(1 for t in tasks if t.area == code and t.unclear),
        )
        for code, name in areas
    ]
    other = [t for t in tasks if t.area not in known]
    if other:
        rows.append(
            AreaRow(
                None,
                NO_AREA,
                StatusCounts.tally(t.status for t in other),
                sum(1 for t in other if t.unclear),
            )
        )
    return tuple(rows)


def _by_unit(tasks: Sequence[ReportTask]) -> tuple[UnitRow, ...]:
    """One row per lead unit with tasks in scope, by name; tasks with none last."""
    names = sorted({t.lead_unit for t in tasks if t.lead_unit is not None})
    rows = [
        UnitRow(
            name,
            StatusCounts.tally(t.status for t in tasks if t.lead_unit == name),
            sum(1 for t in tasks if t.lead_unit == name and t.unclear),
        )
        for name in names
    ]
    orphans = [t for t in tasks if t.lead_unit is None]
    if orphans:
        rows.append(
            UnitRow(
                NO_LEAD,
                StatusCounts.tally(t.status for t in orphans),
                sum(1 for t in orphans if t.unclear),
            )
        )
    return tuple(rows)


def _overdue(
    tasks: Sequence[ReportTask],
    today: date,
    period: Period,
    counting: tuple[OverdueCount, WorkCalendar | None],
) -> tuple[OverdueTask, ...]:
    """Overdue tasks, longest late first."""
    count, calendar = counting
    late = [
        OverdueTask(
            t.ref,
            t.work,
            t.lead_unit,
            t.due,
            _days_late(t.due, today, count, calendar),
            since_before=t.due < period.data_start,
            count=count,
        )
        for t in tasks
        if t.status is TaskStatus.OVERDUE and t.due is not None
    ]
    return tuple(sorted(late, key=lambda o: (-o.days_late, o.due)))


def _days_late(due: date, today: date, count: OverdueCount, calendar: WorkCalendar | None) -> int:
    if count == "working_days" and calendar is not None:
        return max(calendar.working_days_between(due, today), 0)
    return max((today - due).days, 0)


def _extensions(connection: Connection, org_id: int, period: Period) -> tuple[Extension, ...]:
    """The organization's extension requests made within the period, oldest first."""
    query = (
        select(
            col(Task.ref),
            col(Task.work),
            col(ExtensionRequest.requested_at),
            col(ExtensionRequest.old_due),
            col(ExtensionRequest.new_due),
            col(ExtensionRequest.status),
            col(ExtensionRequest.decided_by),
        )
        .join(Task, col(Task.id) == col(ExtensionRequest.task_id))
        .where(col(ExtensionRequest.organization_id) == org_id)
        .order_by(col(ExtensionRequest.requested_at), col(ExtensionRequest.id))
    )
    found: list[Extension] = []
    for ref, work, requested_raw, old_raw, new_raw, status, decided_by in raw_rows(
        connection, query
    ):
        requested_on = as_instant(requested_raw).astimezone(VN).date()
        old_due, new_due = as_date(old_raw), as_date(new_raw)
        if period.contains(requested_on) and old_due is not None and new_due is not None:
            found.append(
                Extension(ref, work, requested_on, old_due, new_due, status, decided_by or "")
            )
    return tuple(found)


def _unit_reports(
    connection: Connection, org_id: int, period: Period, as_of: datetime
) -> tuple[UnitReportRow, ...]:
    """The units asked for their report of ``period``, by name; a report first submitted
    after the as-of instant counts as not submitted."""
    query = (
        select(col(Unit.name), col(UnitReport.due), col(UnitReport.submitted_at))
        .join(Unit, col(Unit.id) == col(UnitReport.unit_id))
        .where(
            col(UnitReport.organization_id) == org_id,
            col(UnitReport.period_code) == period.code,
        )
        .order_by(col(Unit.name))
    )
    rows: list[UnitReportRow] = []
    for name, due_raw, submitted_raw in raw_rows(connection, query):
        submitted = as_instant(submitted_raw) if submitted_raw is not None else None
        reported = submitted is not None and submitted <= as_of
        due = as_date(due_raw)
        if due is not None:
            rows.append(
                UnitReportRow(name, due, local_date(submitted) if reported and submitted else None)
            )
    return tuple(rows)


def _documents(
    connection: Connection, org_id: int, period: Period, tasks: Sequence[ReportTask]
) -> tuple[IssuedDocument, ...]:
    """The organization's plans and assigning documents issued within the period, by date."""
    query = (
        select(col(Plan.number), col(Plan.issued_on), col(Plan.title), col(Plan.kind))
        .where(col(Plan.organization_id) == org_id, col(Plan.withdrawn_at).is_(None))
        .order_by(col(Plan.issued_on), col(Plan.id))
    )
    found: list[IssuedDocument] = []
    for number, issued_raw, title, kind in raw_rows(connection, query):
        issued = as_date(issued_raw)
        if issued is not None and period.contains(issued):
            count = sum(1 for t in tasks if number and t.source == number)
            found.append(IssuedDocument(number or "", issued, title or "", kind or "", count))
    return tuple(found)


def _figures(rows: Sequence[tuple[Any, ...]], period: Period, now: datetime) -> PeriodFigures:
    as_of = as_of_instant(period, now)
    today = local_date(as_of)
    scoped = [t for t in (_in_scope(row, period, as_of, today) for row in rows) if t is not None]
    totals = StatusCounts.tally(t.status for t in scoped)
    due_in = [t for t in scoped if t.due_in_period]
    done_due = sum(1 for t in due_in if _is_done(t.status))
    return PeriodFigures(
        label=period.label,
        data_start=period.data_start,
        data_end=period.data_end,
        totals=totals,
        completion=Rate(done_due, len(due_in)),
        on_time=Rate(totals.done_on_time, totals.done),
    )


def _comparisons(
    rows: Sequence[tuple[Any, ...]], period: Period, now: datetime
) -> tuple[PeriodFigures, ...]:
    """The previous period and the same period last year (one entry when they are the same
    range: a yearly report), from the rows already read."""
    earlier = [previous_period(period)]
    last_year = same_period_last_year(period)
    if (last_year.data_start, last_year.data_end) != (earlier[0].data_start, earlier[0].data_end):
        earlier.append(last_year)
    return tuple(_figures(rows, p, now) for p in earlier)


def _upcoming(
    rows: Sequence[tuple[Any, ...]], coming: Period, as_of: datetime, today: date
) -> tuple[UpcomingTask, ...]:
    """Tasks not done by the as-of day whose due date lies in the next period, by due date."""
    found: list[UpcomingTask] = []
    for row in rows:
        task = _in_scope(row, coming, as_of, today)
        if task is None or task.due is None or not coming.contains(task.due):
            continue
        if not _is_done(task.status) and task.status is not TaskStatus.AWAITING:
            found.append(UpcomingTask(task.ref, task.work, task.area, task.lead_unit, task.due))
    return tuple(sorted(found, key=lambda t: (t.due, t.ref)))


def _unit_notes(connection: Connection, org_id: int, period: Period) -> tuple[UnitNote, ...]:
    """The difficulties and proposals the units wrote in their returned forms, by unit."""
    query = (
        select(col(Unit.name), col(UnitReport.difficulties), col(UnitReport.proposals))
        .join(Unit, col(Unit.id) == col(UnitReport.unit_id))
        .where(
            col(UnitReport.organization_id) == org_id,
            col(UnitReport.period_code) == period.code,
        )
        .order_by(col(Unit.name))
    )
    notes: list[UnitNote] = []
    for name, difficulties, proposals in raw_rows(connection, query):
        for kind, items in (("difficulties", difficulties), ("proposals", proposals)):
            for item in _json_items(items):
                text = str(item.get("text", "")).strip()
                if text:
                    notes.append(UnitNote(name, kind, str(item.get("ref", "")), text))
    return tuple(notes)


def _json_items(value: Any) -> list[dict[str, Any]]:
    """A JSON list column read raw: SQLite gives its text, PostgreSQL the decoded list."""
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return [item for item in value or [] if isinstance(item, dict)]


_UNIT_WORDS = ("văn phòng", "phòng", "trung tâm", "ban", "công an", "ban chỉ huy")


def office_abbreviation(name: str) -> str:
    """The short form of a unit for "Lưu: VT, …": the initials, without diacritics, of
    its name after the word for its kind ("Phòng Văn hóa - Xã hội" → "VHXH", "Phòng Nội
    vụ" → "NV")."""
    words = name.split()
    lowered = name.lower()
    for word in sorted(_UNIT_WORDS, key=len, reverse=True):
        if lowered.startswith(word + " "):
            words = words[len(word.split()) :]
            break
    letters = [w[0] for w in words if w[:1].isalpha() and w.lower() != "và"]
    return fold("".join(letters)).upper() or fold(name).upper()


def _office_short(connection: Connection, org_id: int, office_code: str | None) -> str:
    if not office_code:
        return ""
    query = select(col(Unit.name)).where(
        col(Unit.organization_id) == org_id, col(Unit.code) == office_code
    )
    rows = raw_rows(connection, query)
    return office_abbreviation(rows[0][0]) if rows else ""


def saved_sections(
    connection: Connection, org_id: int, period_code: str
) -> tuple[tuple[str, str], ...]:
    """The text in force of each section the standing office saved for the period: the
    latest revision of each."""
    query = (
        select(col(ReportSection.section), col(ReportSection.text))
        .where(
            col(ReportSection.organization_id) == org_id,
            col(ReportSection.period_code) == period_code,
        )
        .order_by(col(ReportSection.section), col(ReportSection.revision))
    )
    latest: dict[str, str] = {}
    for section, text in raw_rows(connection, query):
        latest[section] = text
    return tuple(latest.items())
