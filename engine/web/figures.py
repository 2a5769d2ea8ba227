"""A period's figures for the dashboard, counted by the database: the numbers
``engine.reports.data.report_data`` gives (the same scope, statuses, units, areas, 6-rõ
compliance and indicators, tested equal), from one GROUP BY over the organization's tasks
instead of every task read into Python, and the longest overdue tasks only, with their
count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from engine.calendar.periods import OverdueCount, Period, days_overdue
from engine.calendar.status import TaskStatus, local_date
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import Configs
from engine.reports.data import (
    NO_AREA,
    NO_LEAD,
    AreaRow,
    Compliance,
    Indicators,
    OverdueTask,
    Rate,
    StatusCounts,
    UnitRow,
    as_of_instant,
)
from engine.store.models import Plan, Task, TaskState, Unit, UnitReport
from engine.web import task_query as tq

SHOWN = 20  # overdue tasks and 6-rõ failures listed; the rest are counted
_DONE = (str(TaskStatus.DONE_ON_TIME), str(TaskStatus.DONE_LATE))


@dataclass(frozen=True)
class Figures:
    """What the dashboard shows of a period (attribute names as ``ReportData``'s)."""

    as_of: datetime
    data_start: date
    data_end: date
    totals: StatusCounts
    by_unit: tuple[UnitRow, ...]
    by_area: tuple[AreaRow, ...]
    compliance: Compliance  # ``unclear_refs``: the first ``SHOWN`` only
    indicators: Indicators
    overdue: tuple[OverdueTask, ...]  # the ``SHOWN`` longest overdue


@dataclass(frozen=True)
class _Group:
    unit: str | None
    area: str | None
    status: TaskStatus
    unclear: bool
    due_in: bool
    count: int


def figures(
    connection: sa.Connection, *, configs: Configs, org_id: int, period: Period, now: datetime
) -> Figures:
    """The figures of the organization ``org_id`` for ``period`` as of ``now``."""
    scope = tq.PeriodScope(period, as_of_instant(period, now))
    groups = _groups(connection, org_id, scope)
    totals = _tally(groups)
    unclear = sum(g.count for g in groups if g.unclear)
    due_in = [g for g in groups if g.due_in]
    indicators = Indicators(
        completion=Rate(sum(g.count for g in due_in if str(g.status) in _DONE), _sum(due_in)),
        on_time=Rate(totals.done_on_time, totals.done),
        unit_reports=_unit_reports(connection, org_id, period, scope.as_of),
    )
    areas = [(area.code, area.name) for area in configs.areas.areas]
    counting = (configs.reporting.overdue.documents, WorkCalendar(configs.calendar))
    return Figures(
        as_of=scope.as_of,
        data_start=period.data_start,
        data_end=period.data_end,
        totals=totals,
        by_unit=_by_unit(groups),
        by_area=_by_area(groups, areas),
        compliance=Compliance(
            totals.total - unclear, unclear, _unclear_refs(connection, org_id, scope)
        ),
        indicators=indicators,
        overdue=_overdue(connection, org_id, scope, counting),
    )


def _scoped(query: sa.Select[Any], org_id: int, scope: tq.PeriodScope) -> sa.Select[Any]:
    return (
        query.select_from(Task)
        .join(Plan, tq.PL.id == tq.T.plan_id)
        .where(
            tq.T.organization_id == org_id,
            tq.T.state != str(TaskState.WITHDRAWN),
            scope.predicate(),
        )
    )


def _groups(connection: sa.Connection, org_id: int, scope: tq.PeriodScope) -> list[_Group]:
    inner = _scoped(
        sa.select(
            tq.U.name.label("unit"),
            tq.T.area.label("area"),
            scope.status().label("status"),
            sa.case((tq.T.unclear != "", 1), else_=0).label("unclear"),
            sa.case((scope.due_in(), 1), else_=0).label("due_in"),
        ).outerjoin(Unit, tq.U.id == tq.T.lead_unit_id),
        org_id,
        scope,
    ).subquery()
    c = inner.c
    query = sa.select(c.unit, c.area, c.status, c.unclear, c.due_in, sa.func.count()).group_by(
        c.unit, c.area, c.status, c.unclear, c.due_in
    )
    return [
        _Group(unit, area, TaskStatus(status), bool(unclear), bool(due_in), int(count))
        for unit, area, status, unclear, due_in, count in connection.execute(query)
    ]


def _sum(groups: Iterable[_Group]) -> int:
    return sum(g.count for g in groups)


def _tally(groups: Iterable[_Group]) -> StatusCounts:
    counts: dict[str, int] = defaultdict(int)
    for group in groups:
        counts[str(group.status)] += group.count
    return StatusCounts(**counts)


def _by_unit(groups: list[_Group]) -> tuple[UnitRow, ...]:
    """As ``engine.reports.data``: one row per lead unit by name, tasks with none last."""
    names = sorted({g.unit for g in groups if g.unit is not None})
    rows = [_unit_row(name, [g for g in groups if g.unit == name]) for name in names]
    orphans = [g for g in groups if g.unit is None]
    if orphans:
        rows.append(_unit_row(NO_LEAD, orphans))
    return tuple(rows)


def _unit_row(name: str, groups: list[_Group]) -> UnitRow:
    return UnitRow(name, _tally(groups), _sum(g for g in groups if g.unclear))


def _by_area(groups: list[_Group], areas: list[tuple[str, str]]) -> tuple[AreaRow, ...]:
    """One row per configured area (zeros included), then tasks of no known area."""
    rows = []
    for code, name in areas:
        mine = [g for g in groups if g.area == code]
        rows.append(AreaRow(code, name, _tally(mine), _sum(g for g in mine if g.unclear)))
    known = {code for code, _ in areas}
    other = [g for g in groups if g.area not in known]
    if other:
        rows.append(AreaRow(None, NO_AREA, _tally(other), _sum(g for g in other if g.unclear)))
    return tuple(rows)


def _unclear_refs(
    connection: sa.Connection, org_id: int, scope: tq.PeriodScope
) -> tuple[tuple[str, str], ...]:
    query = _scoped(sa.select(tq.T.ref, tq.T.unclear), org_id, scope).where(tq.T.unclear != "")
    query = query.order_by(tq.PL["key"], tq.T.position, tq.T.id).limit(SHOWN)
    return tuple((ref, unclear) for ref, unclear in connection.execute(query))


def _overdue(
    connection: sa.Connection,
    org_id: int,
    scope: tq.PeriodScope,
    counting: tuple[OverdueCount, WorkCalendar],
) -> tuple[OverdueTask, ...]:
    """The longest overdue tasks in scope (the earliest due first)."""
    count, calendar = counting
    query = _scoped(
        sa.select(tq.T.ref, tq.T.work, tq.U.name, tq.T.due_date).outerjoin(
            Unit, tq.U.id == tq.T.lead_unit_id
        ),
        org_id,
        scope,
    )
    query = query.where(scope.status() == str(TaskStatus.OVERDUE))
    query = query.order_by(tq.T.due_date, tq.T.id).limit(SHOWN)
    today = scope.today
    return tuple(
        OverdueTask(
            ref,
            work,
            unit,
            calendar.effective_due(due),  # as the task page and the list show it
            days_overdue(due, today, count, calendar),
            since_before=due < scope.period.data_start,
            count=count,
        )
        for ref, work, unit, due in connection.execute(query)
    )


def _unit_reports(connection: sa.Connection, org_id: int, period: Period, as_of: datetime) -> Rate:
    """Units that reported by their deadline (as of ``as_of``) / units asked."""
    r = UnitReport.__table__.c  # type: ignore[attr-defined]
    query = sa.select(r.due, r.submitted_at).where(
        r.organization_id == org_id, r.period_code == period.code, r.due.is_not(None)
    )
    rows = list(connection.execute(query))
    on_time = sum(
        1
        for due, submitted in rows
        if submitted is not None and submitted <= as_of and local_date(submitted) <= due
    )
    return Rate(on_time, len(rows))
