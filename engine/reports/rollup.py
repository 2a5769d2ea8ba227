"""The roll-up of an organization's children (issue 12): a district or province whose
communes or wards use Sáu Rõ in the same database (``Organization.parent_code``) sees, for a
period, each child's figures, its own report and whether it came in time.

Nothing is counted twice: each child's figures are its own ``ReportData``
(``build_report_data``, as its own report and dashboard show them), taken as they are:
tasks in scope, % done on time (``indicators.on_time``), plan completion
(``indicators.completion``), overdue, not 6-rõ clear, its units' reports on time.

**Ranking.** Children are ranked by % done on time (higher first; none done: last), then by
plan completion (higher first; nothing due: last), then by fewer overdue tasks, then by
fewer unclear tasks. Children equal on all four share a rank (1, 2, 2, 4: "competition"
ranking) and are listed by name.

**A child's report.** Its ``PeriodReport`` (``engine.reports.approval`` moves it from draft
to sent) is *received* once issued or sent; *on time* when it was issued (``issued_at``,
else ``sent_at``, Viet Nam date) on or before the period's deadline of the report upward
(``report`` in ``reporting.yaml``, the one calendar every organization of the database
shares). A child whose report is not received is *missing* once that deadline has passed.
Its files are those ``write_period_report`` wrote under
``<reports dir>/<child>/<period>/<child>-<period>/``.

**Reminders.** From its deadline day until ``CHASE_WORKING_DAYS`` working days after it, a
child's report not received is a ``ReportSnapshot`` for the ladder's ``missing_report``
steps (``missing_child_reports``), owed by the child's standing office: ``lead_head`` is
the head of that office, ``chairman`` the child's Chairman. Its key is
``<child>/<office>/<period>/upward``, so it never meets the office's own unit report of the
period (``<child>/<office>/<period>``) in the ledger or in a digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from engine.calendar.periods import Period, ReportingConfig, periods_for_year
from engine.calendar.status import local_date
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import Configs
from engine.errors import NotFoundError
from engine.plans.check import as_instant, raw_rows
from engine.plans.verdicts import refresh_verdicts
from engine.reports.data import ReportData, report_data
from engine.reports.output import report_folder
from engine.store.models import DocumentRegister, Organization, PeriodReport, ReportState
from engine.text import fold
from rules.ladder import ReportSnapshot
from rules.schema import RulesConfig

RECEIVED: frozenset[str] = frozenset({ReportState.ISSUED, ReportState.SENT})
# How long after its deadline a child's missing report is still chased by the ladder:
# about a month; after that the parent's roll-up still names it as missing.
CHASE_WORKING_DAYS = 20
REPORT_SUFFIXES = (".docx", ".pdf", ".xlsx")

STATE_LABELS: dict[str, str] = {
    "": "Chưa lập",
    ReportState.DRAFT: "Đang soạn",
    ReportState.SUBMITTED: "Đã trình ký",
    ReportState.APPROVED: "Đã duyệt",
    ReportState.ISSUED: "Đã ban hành",
    ReportState.SENT: "Đã gửi",
}


@dataclass(frozen=True, slots=True)
class ChildReport:
    """A child's own period report as the parent sees it. ``state`` is "" when none was
    started; ``files`` are the report's files on disk, once it is received."""

    state: str
    number: int | None
    symbol: str
    issued_on: date | None
    deadline: date
    files: tuple[Path, ...]

    @property
    def received(self) -> bool:
        return self.state in RECEIVED

    @property
    def on_time(self) -> bool:
        return self.received and self.issued_on is not None and self.issued_on <= self.deadline

    @property
    def number_text(self) -> str:
        """ "12/BC-UBND", or "" before it is numbered."""
        if self.number is None:
            return ""
        return f"{self.number}/{self.symbol}" if self.symbol else str(self.number)

    def status_label(self, today: date) -> str:
        """ "Đúng hạn", "Muộn (3 ngày)", "Chưa gửi (còn hạn)" or "Chưa gửi, quá hạn"."""
        if self.received and self.issued_on is not None:
            if self.on_time:
                return "Đúng hạn"
            return f"Muộn ({(self.issued_on - self.deadline).days} ngày)"
        if self.received:
            return "Đã nhận"
        stage = STATE_LABELS.get(self.state, self.state).lower()
        if today > self.deadline:
            return f"Chưa gửi, quá hạn ({stage})"
        return f"Chưa gửi, còn hạn ({stage})"


@dataclass(frozen=True, slots=True)
class ChildRow:
    """One child in the roll-up: its own figures, its report, its rank (1 = best)."""

    rank: int
    code: str
    name: str
    data: ReportData
    report: ChildReport

    @property
    def tasks(self) -> int:
        return self.data.totals.total

    @property
    def overdue(self) -> int:
        return self.data.totals.overdue

    @property
    def unclear(self) -> int:
        return self.data.compliance.unclear


@dataclass(frozen=True, slots=True)
class Rollup:
    """The children of ``parent_code`` for one period, ranked; ``missing``: those whose
    report is not received although the deadline (``deadline``) has passed on ``today``."""

    parent_code: str
    parent_name: str
    period: Period
    today: date
    children: tuple[ChildRow, ...]

    @property
    def deadline(self) -> date:
        return self.period.report_deadline

    @property
    def missing(self) -> tuple[ChildRow, ...]:
        return tuple(
            c for c in self.children if not c.report.received and self.today > self.deadline
        )

    @property
    def received(self) -> int:
        return sum(1 for c in self.children if c.report.received)

    @property
    def on_time(self) -> int:
        return sum(1 for c in self.children if c.report.on_time)


def children_of(connection: Connection, parent_code: str) -> list[tuple[str, str]]:
    """(code, name) of the organizations whose parent is ``parent_code``, by code."""
    query = (
        select(col(Organization.code), col(Organization.name))
        .where(col(Organization.parent_code) == parent_code, col(Organization.code) != "")
        .order_by(col(Organization.code))
    )
    return [(code, name) for code, name in raw_rows(connection, query)]


def has_children(connection: Connection, org_code: str) -> bool:
    """Does any organization of the database name ``org_code`` as its parent?"""
    query = select(col(Organization.id)).where(col(Organization.parent_code) == org_code).limit(1)
    return bool(raw_rows(connection, query))


def refresh_children(
    connection: Connection, *, parent_code: str, rules: RulesConfig, today: date
) -> None:
    """Bring the children's stored 6-rõ verdicts up to date, as each child's own report
    does before it counts (call in a transaction of its own)."""
    for code, _ in children_of(connection, parent_code):
        refresh_verdicts(connection, rules=rules, org_code=code, today=today)


def build_rollup(
    connection: Connection,
    *,
    parent_code: str,
    period: Period,
    now: datetime,
    configs: Configs,
    reports_dir: Path | None = None,
) -> Rollup:
    """The roll-up of ``parent_code``'s children for ``period`` as of ``now``; with
    ``reports_dir`` (``SAURO_REPORTS_DIR``) each child's report files are listed. Raises
    ``NotFoundError`` for an unknown parent."""
    parent = raw_rows(
        connection,
        select(col(Organization.name)).where(col(Organization.code) == parent_code),
    )
    if not parent:
        raise NotFoundError(f"Không có cơ quan mã '{parent_code}' trong danh mục.")
    today = local_date(now)
    reports = period_reports(connection, parent_code, period)
    figures = [
        (code, name, report_data(
            connection, configs=configs, org_code=code, period=period, now=now,
        ))
        for code, name in children_of(connection, parent_code)
    ]  # fmt: skip
    rows = [
        (code, name, data, _child_report(reports.get(code), period, reports_dir, code))
        for code, name, data in figures
    ]
    return Rollup(parent_code, parent[0][0], period, today, _ranked(rows))


def rank_key(data: ReportData) -> tuple[float, float, int, int]:
    """The ranking order of a child's figures (smaller first): see the module docstring."""
    on_time = data.indicators.on_time.percent
    completion = data.indicators.completion.percent
    return (
        -(on_time if on_time is not None else -1.0),
        -(completion if completion is not None else -1.0),
        data.totals.overdue,
        data.compliance.unclear,
    )


def _ranked(rows: Sequence[tuple[str, str, ReportData, ChildReport]]) -> tuple[ChildRow, ...]:
    ordered = sorted(rows, key=lambda r: (rank_key(r[2]), fold(r[1]), r[0]))
    ranked: list[ChildRow] = []
    for position, (code, name, data, report) in enumerate(ordered, start=1):
        tied = ranked and rank_key(ranked[-1].data) == rank_key(data)
        rank = ranked[-1].rank if tied else position
        ranked.append(ChildRow(rank, code, name, data, report))
    return tuple(ranked)


Stored = tuple[str, int | None, str, date | None]  # state, number, symbol, issued on


def period_reports(connection: Connection, parent_code: str, period: Period) -> dict[str, Stored]:
    """The children's ``PeriodReport`` of ``period``, by child code: (state, register
    number, symbol, Viet Nam day issued)."""
    query = (
        select(
            col(Organization.code), col(PeriodReport.state), col(DocumentRegister.number),
            col(DocumentRegister.symbol), col(PeriodReport.issued_at), col(PeriodReport.sent_at),
        )
        .select_from(PeriodReport)
        .join(Organization, col(Organization.id) == col(PeriodReport.organization_id))
        .outerjoin(DocumentRegister, col(DocumentRegister.id) == col(PeriodReport.register_id))
        .where(
            col(Organization.parent_code) == parent_code,
            col(PeriodReport.period_code) == period.code,
        )
    )  # fmt: skip
    found: dict[str, Stored] = {}
    for code, state, number, symbol, issued_raw, sent_raw in raw_rows(connection, query):
        stamp = issued_raw if issued_raw is not None else sent_raw
        issued_on = local_date(as_instant(stamp)) if stamp is not None else None
        found[code] = (state, number, symbol or "", issued_on)
    return found


def _child_report(
    stored: Stored | None, period: Period, reports_dir: Path | None, code: str
) -> ChildReport:
    state, number, symbol, issued_on = stored or ("", None, "", None)
    received = state in RECEIVED and reports_dir is not None
    files = report_files(reports_dir, code, period.code) if received and reports_dir else ()
    return ChildReport(state, number, symbol, issued_on, period.report_deadline, files)


def report_files(reports_dir: Path, org_code: str, period_code: str) -> tuple[Path, ...]:
    """The report files of ``org_code`` for ``period_code`` in its folder
    (``<reports dir>/<org>/<period>/<org>-<period>/``): the ``.docx``, ``.pdf`` and
    ``.xlsx`` whose name holds ``<org>-<period>``, by name."""
    folder = report_folder(reports_dir / org_code / period_code, org_code, period_code)
    if not folder.is_dir():
        return ()
    stem = f"{org_code}-{period_code}"
    return tuple(
        sorted(
            path
            for path in folder.iterdir()
            if path.is_file() and path.suffix in REPORT_SUFFIXES and stem in path.name
        )
    )


# -- reminders --------------------------------------------------------------------------------


class ChildReportSnapshot(ReportSnapshot):
    """A child's period report owed to its parent, for the ladder: ``unit`` is the child's
    standing office, which owes it."""

    __slots__ = ()

    @property
    def key(self) -> str:
        """ "xa-a/van-hoa-xa-hoi/2026-Q1/upward": apart from the office's unit report."""
        return f"{self.org}/{self.unit}/{self.period}/upward"


def chased_periods(today: date, reporting: ReportingConfig, calendar: WorkCalendar) -> list[Period]:
    """The enabled periods whose deadline of the report upward has come by ``today`` and is
    at most ``CHASE_WORKING_DAYS`` working days behind it."""
    return [
        period
        for year in (today.year - 1, today.year)
        for period in periods_for_year(year, reporting, calendar)
        if period.report_deadline
        <= today
        <= calendar.add_working_days(period.report_deadline, CHASE_WORKING_DAYS)
    ]


def missing_child_reports(
    connection: Connection,
    *,
    org_code: str | None,
    today: date,
    reporting: ReportingConfig,
    calendar: WorkCalendar,
) -> list[ReportSnapshot]:
    """The children's period reports not received although their deadline has come
    (``report_deadline <= today``, within the chase window), as the ladder sees them; only
    ``org_code``'s own when given. A child is an organization whose ``parent_code`` names
    an organization of the database."""
    found: list[ReportSnapshot] = []
    for period in chased_periods(today, reporting, calendar):
        for child, office in raw_rows(connection, _missing_query(period.code, org_code)):
            found.append(
                ChildReportSnapshot(child, office, period.code, period.report_deadline, False)
            )
    return found


def _missing_query(period_code: str, org_code: str | None) -> Any:
    parent = aliased(Organization)
    state = col(PeriodReport.state)
    query = (
        select(col(Organization.code), col(Organization.standing_office_code))
        .join(parent, col(parent.code) == col(Organization.parent_code))
        .outerjoin(
            PeriodReport,
            and_(
                col(PeriodReport.organization_id) == col(Organization.id),
                col(PeriodReport.period_code) == period_code,
            ),
        )
        .where(
            col(Organization.parent_code) != "",
            col(Organization.code) != col(Organization.parent_code),
            or_(state.is_(None), state.not_in(sorted(RECEIVED))),
        )
        .order_by(col(Organization.code))
    )
    return query if org_code is None else query.where(col(Organization.code) == org_code)
