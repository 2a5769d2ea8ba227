"""The reporting calendar at work, one working day at a time (issue 4's flow).

For every organization and every enabled period, as of ``now`` (``config/reporting.yaml``):

- from ``forms_before_unit_report`` working days before the units' deadline to that
  deadline: write each unit's form, record the request and mail it to the unit heads
  (``engine.reports.form_requests``); units whose tasks enter the period later are asked later;
- after the deadline the daily reminder cycle reminds and escalates the reports still
  missing (the ladder's ``missing_report`` steps; ``engine.reports.unit_reports``);
- from the assembly day (the cut-off by default) until ``ASSEMBLY_DAYS`` working days after
  the deadline of the report upward: assemble the period report (``engine.reports.assembly``)
  and mail it to the standing office and, with ``send_upward``, to the organization's
  ``report_to`` recipients (``directory.yaml``).

Every message is ledgered (forms per unit head, reports per address), so running the day
again, or every day of a window, sends each once; a report is only rebuilt while one of
its messages is still to go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from engine.calendar.periods import Period, periods_for_year
from engine.calendar.status import local_date
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import Configs, load_configs
from engine.directory.schema import OrganizationConfig
from engine.reports.assembly import ReportFiles, report_key, write_period_report
from engine.reports.data import report_data
from engine.reports.form_requests import form_messages, request_forms
from engine.reports.sending import (
    Recipients,
    report_messages,
    report_recipients,
    settle_sent,
    upward_allowed,
)
from engine.store.audit import Actor
from engine.store.db import make_engine, session_scope
from engine.store.leases import Leases, new_holder
from engine.store.models import CycleKind, Organization, require_id
from notifications.delivery import (
    Clock,
    DeliveryReport,
    SendSlot,
    deliver_with_settings,
    utc_now,
)
from notifications.ledger import DatabaseLedger
from notifications.outgoing import OutgoingMessage
from notifications.smtp_settings import SmtpSettings

# How long after the deadline of the report upward the assembly still runs, to catch a day
# lost to an outage.
ASSEMBLY_DAYS = 10


_SCHEDULE = Actor("Sáu Rõ", "lịch báo cáo")


@dataclass
class ReportingDay:
    """What one run did: forms asked for, reports written, messages and their fate."""

    today: date
    dry_run: bool
    forms: list[str] = field(default_factory=list)  # "UBND…, quý I năm 2026: Phòng… (n nhiệm vụ)"
    reports: list[ReportFiles] = field(default_factory=list)
    messages: list[OutgoingMessage] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    delivery: DeliveryReport | None = None
    # (organization, period, upward recipients) of the issued reports sent upward today
    upward: list[tuple[Organization, Period, list[tuple[str, str]]]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # organizations left to another run

    def summary(self) -> str:
        """A Vietnamese summary for the terminal and the flow log."""
        lines = [
            f"Ngày {self.today:%d/%m/%Y}, lịch báo cáo: {len(self.forms)} biểu đơn vị, "
            f"{len(self.reports)} báo cáo kỳ, {len(self.messages)} thư"
            + (" (chạy thử: không gửi)." if self.dry_run else ".")
        ]
        lines += [f"- biểu {form}" for form in self.forms]
        lines += [f"- báo cáo {files.document}" for files in self.reports]
        if self.delivery is not None:
            lines.append(self.delivery.summary().splitlines()[0])
        lines += [f"! {finding}" for finding in self.findings]
        lines += [f"- {line}" for line in self.skipped]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "forms": self.forms,
            "reports": [str(files.document) for files in self.reports],
            "messages": [
                {
                    "to": [str(recipient) for recipient in m.to],
                    "subject": m.subject,
                    "ledger_keys": list(m.ledger_keys),
                }
                for m in self.messages
            ],
            "sent": len(self.delivery.sent) if self.delivery else 0,
            "findings": self.findings,
            "skipped": self.skipped,
        }


def forms_window(period: Period, configs: Configs, calendar: WorkCalendar) -> tuple[date, date]:
    """The days on which the units are asked for their reports of ``period``."""
    lead = configs.reporting.forms_before_unit_report
    return calendar.add_working_days(period.unit_deadline, -lead), period.unit_deadline


def assembly_window(period: Period, calendar: WorkCalendar) -> tuple[date, date]:
    """The days on which the report of ``period`` is assembled and sent."""
    return period.assemble_on, calendar.add_working_days(period.report_deadline, ASSEMBLY_DAYS)


def active_periods(today: date, configs: Configs, calendar: WorkCalendar) -> list[Period]:
    """The enabled periods whose forms or assembly window holds ``today``."""
    found: list[Period] = []
    for year in (today.year - 1, today.year, today.year + 1):
        for period in periods_for_year(year, configs.reporting, calendar):
            first, last = forms_window(period, configs, calendar)
            start, end = assembly_window(period, calendar)
            if first <= today <= last or start <= today <= end:
                found.append(period)
    return found


async def run_reporting_day(
    *,
    database_url: str,
    config_dir: Path,
    org_code: str | None = None,
    org_codes: Sequence[str] | None = None,
    now: datetime,
    out_dir: Path,
    send_upward: bool = False,
    dry_run: bool = False,
    smtp: SmtpSettings | None = None,
    clock: Clock = utc_now,
    base_url: str = "",
    send_slot: SendSlot | None = None,
    again: bool = False,
) -> ReportingDay:
    """One day of the reporting calendar as of ``now`` for one organization (``org_code``),
    some (``org_codes``) or all; files go under ``out_dir/<org>/<period>/``; the units'
    mails link to ``base_url``.

    Organizations are done one at a time, each under its lease of the day
    (``engine.store.leases``, kind "reporting"), as the reminder cycle does: one done today
    or held by another live run is skipped and named in ``ReportingDay.skipped``; ``again``
    re-runs one already done. ``send_slot`` is held by each sender while it sends."""
    configs = load_configs(config_dir)
    engine = make_engine(database_url)
    smtp = smtp or SmtpSettings()
    try:
        run = _Run(
            engine=engine, configs=configs, config_dir=config_dir, now=now, out_dir=out_dir,
            send_upward=send_upward, clock=clock, base_url=base_url,
            day=ReportingDay(today=local_date(now), dry_run=dry_run),
        )  # fmt: skip
        day = run.day
        leases = Leases(engine, CycleKind.REPORTING, day.today, new_holder())
        for org in _organizations(engine, configs, org_code, org_codes):
            org_id = require_id(org[0])
            if not dry_run:
                claim = leases.claim(org_id, clock(), again=again)
                if not claim.granted:
                    day.skipped.append(claim.refusal(org[0].code, CycleKind.REPORTING))
                    continue
            try:
                await _one_organization(run, org, smtp, send_slot)
            except BaseException:
                if not dry_run:
                    leases.release(org_id, clock())
                raise
            if not dry_run:
                leases.finish(org_id, clock(), {"messages": len(day.messages)})
    finally:
        engine.dispose()
    return day


async def _one_organization(
    run: _Run,
    org: tuple[Organization, OrganizationConfig | None],
    smtp: SmtpSettings,
    send_slot: SendSlot | None,
) -> None:
    """One organization's day: forms and reports of every active period, then their mail."""
    day = run.day
    first_message, first_upward = len(day.messages), len(day.upward)
    for period in active_periods(day.today, run.configs, run.calendar):
        run.period_day(org, period)
    messages = day.messages[first_message:]
    if day.dry_run or not messages:
        return
    delivery = await deliver_with_settings(
        messages, smtp, ledger=run.ledger, clock=run.clock, slot=send_slot
    )
    if day.delivery is None:
        day.delivery = delivery
    else:
        day.delivery.outcomes.extend(delivery.outcomes)
    for organization, period, upward in day.upward[first_upward:]:
        settle_sent(run.engine, organization, period, upward, actor=_SCHEDULE, now=run.now)


def _organizations(
    engine: Engine, configs: Configs, org_code: str | None, org_codes: Sequence[str] | None
) -> list[tuple[Organization, OrganizationConfig | None]]:
    with Session(engine) as session:
        query = select(Organization).order_by(col(Organization.code))
        if org_code is not None:
            query = query.where(col(Organization.code) == org_code)
        elif org_codes is not None:
            query = query.where(col(Organization.code).in_(list(org_codes)))
        orgs = list(session.exec(query).all())
    by_code = {org.code: org for org in configs.directory.organizations}
    return [(org, by_code.get(org.code)) for org in orgs]


class _Run:
    """One run's constants; each method does one step for one organization and period."""

    def __init__(
        self,
        *,
        engine: Engine,
        configs: Configs,
        config_dir: Path,
        now: datetime,
        out_dir: Path,
        send_upward: bool,
        clock: Clock,
        day: ReportingDay,
        base_url: str = "",
    ) -> None:
        self.engine = engine
        self.configs = configs
        self.config_dir = config_dir
        self.now = now
        self.out_dir = out_dir
        self.send_upward = send_upward
        self.clock = clock
        self.day = day
        self.base_url = base_url
        self.calendar = WorkCalendar(configs.calendar)
        self.ledger = DatabaseLedger(engine)

    def period_day(
        self, org: tuple[Organization, OrganizationConfig | None], period: Period
    ) -> None:
        organization, config = org
        today = self.day.today
        folder = self.out_dir / organization.code / period.code
        first, last = forms_window(period, self.configs, self.calendar)
        if first <= today <= last:
            self.ask_units(organization, period, folder / "bieu-don-vi")
        start, end = assembly_window(period, self.calendar)
        if start <= today <= end:
            upward = self.send_upward and upward_allowed(self.engine, organization, period)
            if self.send_upward and not upward:
                self.day.findings.append(
                    f"{organization.name}: báo cáo {period.label} chưa ban hành (chưa duyệt, "
                    "chưa có số): chỉ gửi cơ quan thường trực để rà soát, chưa gửi cấp trên."
                )
            recipients = report_recipients(self.engine, organization, config, upward=upward)
            if upward:
                self.day.upward.append((organization, period, recipients.get("upward", [])))
            keys = _report_keys(organization, period, recipients)
            # Rebuilt only while a copy is still to go (with nobody to send to: every day
            # of the window, the finding saying so).
            if not keys or self.ledger.claimable(keys, self.clock()):
                self.assemble(organization, period, folder, recipients)

    def ask_units(self, organization: Organization, period: Period, folder: Path) -> None:
        with session_scope(self.engine) as session:
            data = report_data(
                session.connection(), configs=self.configs, org_code=organization.code,
                period=period, now=self.now,
            )  # fmt: skip
            forms = request_forms(
                session, organization=organization, period=period, data=data, folder=folder,
                now=self.now,
            )  # fmt: skip
            if self.day.dry_run:
                session.rollback()
        messages, findings = form_messages(
            forms, org_code=organization.code, org_name=organization.name, period=period,
            base_url=self.base_url,
        )  # fmt: skip
        self.day.forms += [
            f"{organization.name}, {period.label}: {f.unit_name} ({f.tasks} nhiệm vụ)"
            for f in forms
        ]
        self.day.messages += messages
        self.day.findings += findings

    def assemble(
        self, organization: Organization, period: Period, folder: Path, recipients: Recipients
    ) -> None:
        files = write_period_report(
            self.engine, configs=self.configs, config_dir=self.config_dir,
            org_code=organization.code, period=period, now=self.now, out=folder,
        )  # fmt: skip
        self.day.reports.append(files)
        self.day.messages += report_messages(files, recipients)
        if not recipients.get("office"):
            self.day.findings.append(
                f"{organization.name}: cơ quan thường trực chưa có người nhận có địa chỉ thư; "
                f"báo cáo {period.label} chỉ được ghi ra {files.document}."
            )


def _report_keys(organization: Organization, period: Period, recipients: Recipients) -> list[str]:
    return [
        report_key(organization.code, period.code, purpose, address)
        for purpose, people in recipients.items()
        for _, address in people
    ]
