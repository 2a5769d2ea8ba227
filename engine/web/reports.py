"""The reports page's services: generate a period report (the NĐ 30 ``.docx``, its PDF when
LibreOffice is installed, the annex ``.xlsx``) and the status of the units' reports for a
period (``unit_report``).

``generate`` is the ONE place the web app calls the report engine:
``engine.reports.assembly.write_period_report``, as ``sauro report`` and the reporting flow do,
into the same folder (``SAURO_REPORTS_DIR/<org>/<period>/``), so a report the scheduled
reporting wrote is listed and downloadable here too.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from engine.calendar.periods import Period, current_period, parse_period, period_codes
from engine.calendar.status import local_date
from engine.directory.store import get_organization
from engine.errors import NotFoundError, SauroError
from engine.reports.assembly import ReportFiles, report_stem, write_period_report
from engine.reports.cycle import report_messages, report_recipients
from engine.store.models import Unit, UnitReport
from engine.web.deps import User, Web
from engine.web.policy import Action, authorize
from engine.web.uploads import safe_name
from notifications.delivery import deliver_with_settings
from notifications.ledger import DatabaseLedger


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


def period_or_current(state: Web, code: str | None) -> tuple[Period, str]:
    """The period ``code`` names and "", or, for a code that names none, the current period
    and the Vietnamese reason (a page shows it and answers 400)."""
    try:
        return chosen_period(state, code), ""
    except SauroError as problem:
        return chosen_period(state, None), str(problem)


def folder(state: Web, user: User, period: Period) -> Path:
    """Where the organization's reports of ``period`` are kept."""
    return state.settings.reports_dir / safe_name(user.org_code) / safe_name(period.code)


def _names(user: User, period: Period) -> list[str]:
    stem = report_stem(user.org_code, period.code)
    return [f"bao-cao-{stem}.docx", f"bao-cao-{stem}.pdf", f"bieu-so-lieu-{stem}.xlsx"]


def generate(
    state: Web, user: User, period: Period, *, number: int, issued_on: date, send: bool = False
) -> tuple[list[Path], str]:
    """Write the period report, its PDF and its annex; with ``send``, mail them to the
    standing office and the organization's ``report_to`` (once per address, whatever
    re-runs). Returns the files and what became of the mail ("" without ``send``)."""
    authorize(user.principal, Action.GENERATE_REPORT)
    written = write_period_report(
        state.engine,
        configs=state.configs.get(),
        config_dir=state.settings.config_dir,
        org_code=user.org_code,
        period=period,
        now=state.clock(),
        out=folder(state, user, period),
        number=number,
        issued_on=issued_on,
    )
    return written.files, _send(state, user, written) if send else ""


def _send(state: Web, user: User, files: ReportFiles) -> str:
    with Session(state.engine) as session:
        organization = get_organization(session, user.org_code)
    config = next(
        (o for o in state.configs.get().directory.organizations if o.code == user.org_code), None
    )
    messages = report_messages(files, report_recipients(state.engine, organization, config,
                                                        upward=True))  # fmt: skip
    if not messages:
        return (
            "Chưa gửi: không có địa chỉ nhận (người của cơ quan thường trực, report_to trong "
            "directory.yaml)."
        )
    delivery = asyncio.run(
        deliver_with_settings(messages, state.smtp, ledger=DatabaseLedger(state.engine))
    )
    return delivery.summary()


def generated(state: Web, user: User, period: Period) -> list[Path]:
    """The files already generated for ``period``."""
    authorize(user.principal, Action.VIEW_REPORTS)
    out = folder(state, user, period)
    return [out / name for name in _names(user, period) if (out / name).is_file()]


def report_file(state: Web, user: User, period: Period, name: str) -> Path:
    """One generated file of the user's organization for ``period``, by name."""
    authorize(user.principal, Action.VIEW_REPORTS)
    path = folder(state, user, period) / name
    if name not in _names(user, period) or not path.is_file():
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
