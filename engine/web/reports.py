"""The reports page's services: generate a period report (the NĐ 30 ``.docx`` and its annex
``.xlsx``) and the status of the units' reports for a period (``unit_report``).

``generate`` is the ONE place the web app calls the report engine; it makes the same calls
as ``sauro report`` (``build_report_data``, ``render_report``, ``write_annex``), so it can be
re-pointed at a single engine function when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from engine.cli.report_cmd import TEMPLATE, _chairman, _default_recipients
from engine.directory_store import get_organization
from engine.errors import NotFoundError
from engine.models import Unit, UnitReport
from engine.periods import Period, current_period, parse_period, period_codes
from engine.report_annex import write_annex
from engine.report_data import build_report_data
from engine.report_document import render_report
from engine.status import local_date
from engine.web.deps import User, Web
from engine.web.policy import Action, authorize
from engine.web.uploads import safe_name


@dataclass(frozen=True)
class UnitStatus:
    """One unit's report for a period, as the page shows it."""

    unit: str
    due: date
    requested_at: datetime
    submitted_at: datetime | None
    on_time: bool | None  # None while not submitted


def periods_around(state: Web, today: date) -> list[str]:
    """The period codes of last year and this year, in closing order."""
    reporting = state.configs.get().reporting
    return [code for year in (today.year - 1, today.year) for code in period_codes(year, reporting)]


def chosen_period(state: Web, code: str | None) -> Period:
    """The period ``code`` names, or the current one."""
    configs = state.configs.get()
    calendar = state.calendar()
    if code:
        return parse_period(code, configs.reporting, calendar)
    return current_period(local_date(state.clock()), configs.reporting, calendar)


def folder(state: Web, user: User) -> Path:
    """Where the organization's generated reports are kept."""
    return state.settings.reports_dir / safe_name(user.org_code)


def generate(state: Web, user: User, period: Period, *, number: int, issued_on: date) -> list[Path]:
    """Write the period report and its annex; return both files."""
    authorize(user.principal, Action.GENERATE_REPORT)
    configs = state.configs.get()
    now = state.clock()
    with Session(state.engine) as session:
        organization = get_organization(session, user.org_code)
        signer = _chairman(session, organization)
        data = build_report_data(
            session.connection(),
            org_code=user.org_code,
            period=period,
            now=now,
            areas=[(area.code, area.name) for area in configs.areas.areas],
        )
    out = folder(state, user)
    out.mkdir(parents=True, exist_ok=True)
    document = render_report(
        data,
        template=state.settings.config_dir / TEMPLATE,
        out=out / f"bao-cao-{user.org_code}-{period.code}.docx",
        number=number,
        issued_on=issued_on,
        signer=signer,
        recipients=_default_recipients(organization),
    )
    annex = write_annex(data, out / f"bieu-so-lieu-{user.org_code}-{period.code}.xlsx")
    return [document, annex]


def generated(state: Web, user: User, period: Period) -> list[Path]:
    """The files already generated for ``period``."""
    authorize(user.principal, Action.VIEW_REPORTS)
    out = folder(state, user)
    names = (
        f"bao-cao-{user.org_code}-{period.code}.docx",
        f"bieu-so-lieu-{user.org_code}-{period.code}.xlsx",
    )
    return [out / name for name in names if (out / name).is_file()]


def report_file(state: Web, user: User, name: str) -> Path:
    """One generated file of the user's organization, by name."""
    authorize(user.principal, Action.VIEW_REPORTS)
    path = folder(state, user) / safe_name(name)
    if safe_name(name) != name or not path.is_file():
        raise NotFoundError(f"Không có tệp báo cáo {name}.")
    return path


def unit_reports(state: Web, user: User, period: Period) -> list[UnitStatus]:
    """The units' reports of ``period``: requested, due, submitted (and on time)."""
    authorize(user.principal, Action.VIEW_REPORTS)
    with Session(state.engine) as session:
        rows = session.exec(
            select(UnitReport, Unit)
            .join(Unit, col(Unit.id) == UnitReport.unit_id)
            .where(
                UnitReport.organization_id == user.principal.organization_id,
                UnitReport.period_code == period.code,
            )
            .order_by(col(Unit.name))
        )
        return [
            UnitStatus(
                unit=unit.name,
                due=report.due,
                requested_at=report.requested_at,
                submitted_at=report.submitted_at,
                on_time=(
                    local_date(report.submitted_at) <= report.due if report.submitted_at else None
                ),
            )
            for report, unit in rows
        ]
