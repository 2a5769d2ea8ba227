"""Unit reports per period: which units owe one, when, and whether they reported.

The standing office asks every internal unit that leads tasks in a period for its report
(``request_forms``: the unit's ``.xlsx`` form is written and a ``unit_report`` row records
the request, its deadline and the form's tasks). A unit reports by returning the filled
form (``mark_submitted``, called when ``sauro unit-report submit`` records it) or through
the task actions: once every task of its form has a progress report made since the
request, or is done, ``refresh_submissions`` marks the report submitted. The reminder
cycle turns reports still missing on their deadline into ``ReportSnapshot`` s for the
ladder's ``missing_report`` steps (``report_snapshots``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from engine.calendar.periods import Period
from engine.plans.check import as_date, as_instant, raw_rows
from engine.store.models import (
    Organization,
    ProgressReport,
    Task,
    TaskState,
    Unit,
    UnitReport,
)
from rules.ladder import ReportSnapshot

VIA_FORM = "form"
VIA_TASK_ACTIONS = "task_actions"


def mark_submitted(
    session: Session,
    *,
    organization_id: int,
    unit_id: int,
    period: Period,
    task_ids: Sequence[int],
    who: str,
    now: datetime,
    changed: bool = True,
    notes: tuple[list[dict[str, str]], list[dict[str, str]]] | None = None,
) -> UnitReport:
    """Record that the unit returned its filled form for ``period``. The first submission
    sets ``submitted_at``; a later one that ``changed`` anything sets
    ``last_submitted_at`` (a form sent again as it was changes nothing). A form exported by
    hand (no request recorded) is recorded as requested and submitted at once. ``notes``:
    the form's difficulties and proposals (``{"ref", "text"}``, ref "" for the general
    ones), kept as the last form says."""
    row = session.exec(
        select(UnitReport).where(
            col(UnitReport.organization_id) == organization_id,
            col(UnitReport.unit_id) == unit_id,
            col(UnitReport.period_code) == period.code,
        )
    ).first()
    if row is None:
        row = UnitReport(
            organization_id=organization_id, unit_id=unit_id, period_code=period.code,
            due=period.unit_deadline, requested_at=now, task_ids=list(task_ids),
        )  # fmt: skip
    first = row.submitted_at is None
    if first:
        row.submitted_at = now
        row.submitted_via = VIA_FORM
        row.submitted_by = who[:128]
    if first or changed:
        row.last_submitted_at = now
    if notes is not None:
        row.difficulties, row.proposals = notes
    session.add(row)
    session.flush()
    return row


def refresh_submissions(connection: Connection, *, org_code: str | None, now: datetime) -> int:
    """Mark submitted every open report whose unit has reported on each of its form's tasks
    through the task actions since the request (a progress report made after it, or the
    task done). Returns the number of reports marked."""
    r = UnitReport.__table__.c  # type: ignore[attr-defined]
    o = Organization.__table__.c  # type: ignore[attr-defined]
    query = (
        core_select(r.id, r.task_ids, r.requested_at)
        .select_from(UnitReport)
        .join(Organization, o.id == r.organization_id)
        .where(r.submitted_at.is_(None))
    )
    if org_code is not None:
        query = query.where(o.code == org_code)
    marked = 0
    for report_id, task_ids, requested_raw in raw_rows(connection, query):
        ids = [int(i) for i in _json_list(task_ids)]
        if ids and _all_reported(connection, ids, as_instant(requested_raw)):
            connection.execute(
                update(UnitReport)
                .where(r.id == report_id)
                .values(submitted_at=now, submitted_via=VIA_TASK_ACTIONS, submitted_by="")
            )
            marked += 1
    return marked


def _all_reported(connection: Connection, ids: list[int], since: datetime) -> bool:
    t = Task.__table__.c  # type: ignore[attr-defined]
    p = ProgressReport.__table__.c  # type: ignore[attr-defined]
    done = {
        row[0]
        for row in raw_rows(
            connection, core_select(t.id).where(t.id.in_(ids), t.state != TaskState.OPEN)
        )
    }
    open_ids = [i for i in ids if i not in done]
    if not open_ids:
        return True
    reported = raw_rows(
        connection,
        core_select(func.count(func.distinct(p.task_id))).where(
            p.task_id.in_(open_ids), p.at >= since
        ),
    )
    return int(reported[0][0]) == len(open_ids)


def report_snapshots(
    connection: Connection, *, org_code: str | None, today: date
) -> list[ReportSnapshot]:
    """The reports not yet submitted whose deadline has come (``due <= today``), as the
    ladder sees them."""
    r = UnitReport.__table__.c  # type: ignore[attr-defined]
    o, u = Organization.__table__.c, Unit.__table__.c  # type: ignore[attr-defined]
    query = (
        core_select(o.code, u.code, r.period_code, r.due)
        .select_from(UnitReport)
        .join(Organization, o.id == r.organization_id)
        .join(Unit, u.id == r.unit_id)
        .where(r.submitted_at.is_(None), r.due <= today)
        .order_by(o.code, r.period_code, u.code)
    )
    if org_code is not None:
        query = query.where(o.code == org_code)
    return [
        ReportSnapshot(org, unit, period, due, submitted=False)
        for org, unit, period, due_raw in raw_rows(connection, query)
        if (due := as_date(due_raw)) is not None
    ]


def _json_list(value: Any) -> list[Any]:
    """A JSON column read raw: SQLite gives its text, PostgreSQL the decoded list."""
    if isinstance(value, str):
        loaded: list[Any] = json.loads(value)
        return loaded
    return list(value or [])
