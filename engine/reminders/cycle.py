"""The daily reminder and escalation cycle: verdicts, plan, digests, ledger, delivery.

One run, as of ``now``:
1. refresh each open task's 6-rõ verdict (failing dimensions, and since when), and mark
   submitted the unit reports given through the task actions (``engine.reports.unit_reports``);
2. read the tasks the ladder can fire on today (due within the reminder horizon, overdue,
   unclear, or given to their person in the last days) with one indexed query, and the unit
   reports missing on their deadline, and plan the messages (``rules.ladder.plan``);
3. resolve each recipient role to directory people and group the messages into one digest
   per address (``notifications.digest``), dropping what the ledger says was already sent
   to that address;
4. render (sandboxed templates in ``config/templates``) and deliver through SMTP or, with
   no SMTP configured, ``.eml`` files (``notifications.delivery``), each message claimed in
   the ledger first so that re-runs, crashes and outages never send anything twice;
5. tell the standing office what could not be delivered: permanent failures and people
   without a usable address.

Every message carries the rule step id and the config version that produced it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, Engine, Select, and_, or_, select
from sqlmodel import Session, col

from engine.calendar.status import local_date
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import Configs, load_configs
from engine.directory.store import require_organization
from engine.plans.check import as_date, raw_rows
from engine.plans.verdicts import refresh_verdicts
from engine.reminders.held_messages import held, hold, release
from engine.reminders.message_log import MessageLog, MessageNote, Spool
from engine.reminders.notices import pending_immediate, plan_notices
from engine.reminders.zalo_messages import ZaloNotice, notice_messages, zalo_plan
from engine.reports.rollup import missing_child_reports
from engine.reports.unit_reports import refresh_submissions, report_snapshots
from engine.store.bulk import collector_paused
from engine.store.db import make_engine
from engine.store.leases import Leases, new_holder
from engine.store.models import (
    Acceptor,
    CycleKind,
    Organization,
    Person,
    PersonRole,
    Task,
    TaskState,
    Unit,
)
from notifications import channels
from notifications.addresses import Mailbox
from notifications.channels import ZALO
from notifications.delivery import (
    CLAIMED_ELSEWHERE,
    Clock,
    DeliveryReport,
    Outcome,
    OutcomeStatus,
    SendSlot,
    deliver,
    outcome_line,
    utc_now,
)
from notifications.digest import (
    AddressFinding,
    Digest,
    NewsItem,
    ResolvedRecipient,
    build_digests,
    recipient_key,
)
from notifications.ledger import DatabaseLedger, DeliveryStatus
from notifications.notice_config import NoticesConfig
from notifications.outgoing import OutgoingMessage
from notifications.render import TemplateSet
from notifications.smtp_settings import SmtpSettings
from notifications.transport import make_transport
from notifications.zalo import ZaloMessage
from notifications.zalo_settings import ZaloSettings, make_zalo_channel
from rules.escalation import Role, StepKind
from rules.facts import Dimension
from rules.ladder import PlannedMessage, TaskSnapshot, plan


@dataclass
class CycleReport:
    """What one cycle planned and what became of it."""

    today: date
    dry_run: bool
    planned: int = 0
    # One organization's messages; for a whole run, their notes in a file (``MessageLog``)
    messages: list[OutgoingMessage | MessageNote] | MessageLog = field(default_factory=list)
    already_sent: int = 0
    findings: list[str] | Spool = field(default_factory=list)  # a run's: in a ``Spool``
    delivery: DeliveryReport | None = None
    # (step id, role) -> planned messages: what each rule step asked for, before digests
    planned_by_step: Counter[tuple[str, Role]] = field(default_factory=Counter)
    zalo: dict[str, list[ZaloMessage]] = field(default_factory=dict)  # org code -> messages
    zalo_planned: int = 0  # a run's: its organizations' Zalo messages, counted
    zalo_delivery: DeliveryReport[ZaloMessage] | None = None
    # messages whose every item another live run has claimed and is sending now
    claimed_elsewhere: int = 0
    organizations: int = 0  # the organizations this run did
    skipped: list[str] = field(default_factory=list)  # why others were left (leases)

    @classmethod
    def for_run(cls, today: date, *, dry_run: bool) -> CycleReport:
        """The report of a whole run, which its organizations' reports are added to."""
        return cls(today=today, dry_run=dry_run, messages=MessageLog(), findings=Spool())

    def absorb(self, other: CycleReport) -> None:
        """Add one organization's report to the run's: each message as a note with its
        outcome, written to the run's log, its findings to the run's spool, and the figures
        added up. Nothing of the organization stays in memory: the peak stays flat however
        many organizations the run does."""
        self.organizations += 1
        self.planned += other.planned
        outcomes = {o.message_id: o for o in other.delivery.outcomes} if other.delivery else {}
        self.messages.extend(MessageNote.of(m, outcomes.get(m.message_id)) for m in other.messages)
        self.already_sent += other.already_sent
        self.claimed_elsewhere += other.claimed_elsewhere
        self.findings.extend(other.findings)
        self.planned_by_step.update(other.planned_by_step)
        self.zalo_planned += sum(len(messages) for messages in other.zalo.values())
        self.zalo_delivery = _merged(self.zalo_delivery, other.zalo_delivery)

    @property
    def zalo_sent(self) -> int:
        return len(self.zalo_delivery.sent) if self.zalo_delivery else 0

    def _count(self, status: OutcomeStatus) -> int:
        if isinstance(self.messages, MessageLog):
            return self.messages.count(status)
        return sum(1 for o in self.delivery.outcomes if o.status is status) if self.delivery else 0

    @property
    def sent(self) -> int:
        return self._count(OutcomeStatus.SENT)

    @property
    def deferred(self) -> int:
        return self._count(OutcomeStatus.DEFERRED)

    @property
    def failed(self) -> int:
        return self._count(OutcomeStatus.FAILED)

    def _problems(self) -> list[str]:
        """One line per message deferred or failed."""
        if not isinstance(self.messages, MessageLog):
            problems = self.delivery.problems() if self.delivery else []
            return [outcome_line(o) for o in problems]
        return [
            outcome_line(Outcome(note, note.status, note.detail, note.attempts))
            for note in self.messages
            if note.status in (OutcomeStatus.DEFERRED, OutcomeStatus.FAILED)
        ]

    def to_json(self) -> dict[str, Any]:
        return {**self._json_head(), "outbox": [_outbox_entry(m) for m in self.messages]}

    def write_json(self, out: TextIO) -> None:
        """``to_json`` written as JSON to ``out``, the outbox one message at a time: a run
        of tens of thousands of messages never holds them all in memory."""
        head = json.dumps(self._json_head(), ensure_ascii=False, indent=2)
        out.write(head.removesuffix("\n}") + ',\n  "outbox": [')
        for index, note in enumerate(self.messages):
            entry = json.dumps(_outbox_entry(note), ensure_ascii=False)
            out.write(("," if index else "") + "\n    " + entry)
        out.write("\n  ]\n}\n")

    def _json_head(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            **self.counts(),
            "organizations": self.organizations,
            "skipped": self.skipped,
            "zalo": self.zalo_planned + sum(len(messages) for messages in self.zalo.values()),
            "zalo_sent": self.zalo_sent,
            "findings": list(self.findings),
        }

    def summary(self) -> str:
        """A Vietnamese summary for the terminal and the flow log."""
        head = f"Ngày {self.today:%d/%m/%Y}: {self.planned} lượt nhắc theo quy tắc, "
        head += f"gom thành {len(self.messages)} thư"
        if self.dry_run:
            lines = [head + " (chạy thử: không gửi).", *(f"- {m.subject}" for m in self.messages)]
        else:
            elsewhere = (
                f", đang do lượt chạy khác gửi {self.claimed_elsewhere}"
                if self.claimed_elsewhere
                else ""
            )
            lines = [
                head + f"; đã gửi {self.sent}, để lại cho lượt sau {self.deferred}, "
                f"không gửi được {self.failed}, đã gửi từ trước {self.already_sent}{elsewhere}."
            ]
            if self.deferred or self.failed:
                lines.extend(self._problems())
            if self.zalo_delivery is not None:
                lines.append("Zalo: " + self.zalo_delivery.summary().replace("thư", "tin"))
        lines.extend(f"! {finding}" for finding in self.findings)
        lines.extend(f"- {line}" for line in self.skipped)
        return "\n".join(lines)

    def counts(self) -> dict[str, int]:
        """The figures kept with the organization's lease when its day is done."""
        return {
            "planned": self.planned,
            "messages": len(self.messages),
            "sent": self.sent,
            "deferred": self.deferred,
            "failed": self.failed,
            "already_sent": self.already_sent,
            "claimed_elsewhere": self.claimed_elsewhere,
        }


def _outbox_entry(message: OutgoingMessage | MessageNote) -> dict[str, Any]:
    return {
        "to": [str(recipient) for recipient in message.to],
        "subject": message.subject,
        "ledger_keys": list(message.ledger_keys),
    }


def _merged(
    run: DeliveryReport[ZaloMessage] | None, one: DeliveryReport[ZaloMessage] | None
) -> DeliveryReport[ZaloMessage] | None:
    """The run's Zalo delivery report with one organization's outcomes added."""
    if one is None:
        return run
    merged = run if run is not None else DeliveryReport[ZaloMessage]([])
    merged.outcomes.extend(one.outcomes)
    if one.notice is not None:
        merged.notice = one.notice
    return merged


async def run_cycle(
    *,
    database_url: str,
    config_dir: Path,
    org_code: str | None = None,
    org_codes: Sequence[str] | None = None,
    now: datetime,
    dry_run: bool = False,
    smtp: SmtpSettings | None = None,
    clock: Clock = utc_now,
    backoff: float = 1.0,
    base_url: str = "",
    zalo: ZaloSettings | None = None,
    send_slot: SendSlot | None = None,
    again: bool = False,
) -> CycleReport:
    """One reminder cycle as of ``now`` for one organization (``org_code``), some
    (``org_codes``) or all (neither).

    Organizations are done one at a time (plan, render, deliver, release), so memory does
    not grow with their number, and each one first takes its lease of the day
    (``engine.store.leases``): an organization another live run holds, or already done
    today, is skipped and named in ``CycleReport.skipped``; one left by a run that died is
    resumed, the ledger keeping what was sent from going out again. ``again`` re-runs an
    organization already done today (never one another run holds). A dry run takes no
    lease and writes nothing.

    ``now`` decides what the ladder plans. ``clock`` is the real time, for the ledger's and
    the leases' times (claims, expiry, sent times), whatever ``now`` says, since a lease
    measures how long a crashed run has been gone. ``backoff`` is the wait in seconds
    before the first retry of a temporary failure within the run (then doubled; see
    ``notifications.delivery.deliver``). ``base_url`` is the app's address, for the links
    in every mail (none when empty). ``zalo`` enabled, the people who chose Zalo get their
    summary and urgent notices by ZNS as well (``engine.reminders.zalo_messages``).
    ``send_slot`` is held by each sender while it sends (a shared limit on the mail
    server's connections, such as a Prefect global concurrency limit).
    """
    engine = make_engine(database_url)
    setup = _Setup.load(config_dir, base_url, zalo_on=zalo is not None and zalo.enabled)
    report = CycleReport.for_run(local_date(now), dry_run=dry_run)
    smtp = smtp or SmtpSettings()
    outbox = _Outbox(smtp, DatabaseLedger(engine), clock, backoff, slot=send_slot)
    leases = Leases(engine, CycleKind.REMINDERS, report.today, new_holder())
    try:
        for org_id, code in organizations_in_scope(engine, org_code, org_codes):
            if not dry_run:
                claim = leases.claim(org_id, clock(), again=again)
                if not claim.granted:
                    report.skipped.append(claim.refusal(code, CycleKind.REMINDERS))
                    continue
            try:
                one = await _one_organization(
                    engine, setup, code, now=now, dry_run=dry_run, outbox=outbox,
                    zalo=zalo, leases=leases, org_id=org_id,
                )  # fmt: skip
            except BaseException:
                if not dry_run:
                    leases.release(org_id, clock())
                raise
            if not dry_run:
                _settle(leases, org_id, one, clock())
            report.absorb(one)
        return report
    finally:
        await outbox.close()
        engine.dispose()


def _settle(leases: Leases, org_id: int, report: CycleReport, now: datetime) -> None:
    """Mark the organization's day done; but while messages are claimed by another run
    (one that died with them in flight, until the ledger's lease on them runs out), leave
    it open, so that the next run of the day sends what that run did not."""
    if report.claimed_elsewhere:
        leases.release(org_id, now)
    else:
        leases.finish(org_id, now, report.counts())


async def _one_organization(
    engine: Engine,
    setup: _Setup,
    code: str,
    *,
    now: datetime,
    dry_run: bool,
    outbox: _Outbox,
    zalo: ZaloSettings | None,
    leases: Leases,
    org_id: int,
) -> CycleReport:
    """Plan one organization's day, then (unless a dry run) deliver it."""
    cycle = _plan_cycle(
        engine, setup, org_code=code, now=now, dry_run=dry_run, ledger=outbox.ledger,
        clock=outbox.clock,
    )  # fmt: skip
    if dry_run:
        return cycle.report
    leases.renew(org_id, outbox.clock())
    report = await _deliver(engine, cycle, outbox)
    if zalo is not None and setup.zalo_on and report.zalo:
        await _deliver_zalo(engine, cycle, zalo, outbox.settings, clock=outbox.clock)
    return report


def organizations_in_scope(
    engine: Engine, org_code: str | None, org_codes: Sequence[str] | None
) -> list[tuple[int, str]]:
    """(id, code) of the organizations a run covers, in code order: ``org_code`` alone
    (refused with the known codes when not stored), ``org_codes``, or every one."""
    o = Organization.__table__.c  # type: ignore[attr-defined]
    query = select(o.id, o.code).order_by(o.code)
    with engine.connect() as connection:
        if org_code is not None:
            require_organization(connection, org_code)
            query = query.where(o.code == org_code)
        elif org_codes is not None:
            query = query.where(o.code.in_(list(org_codes)))
        return [(row[0], row[1]) for row in connection.execute(query)]


def preview_cycle(
    *,
    database_url: str,
    config_dir: Path,
    org_code: str | None,
    now: datetime,
    clock: Clock = utc_now,
) -> CycleReport:
    """What ``run_cycle(..., dry_run=True)`` reports, as a plain function (no event loop
    needed): the cycle planned as of ``now`` with the configs of ``config_dir``, sending
    nothing and writing nothing."""
    engine = make_engine(database_url)
    setup = _Setup.load(config_dir)
    report = CycleReport(today=local_date(now), dry_run=True)
    ledger = DatabaseLedger(engine)
    try:
        for _, code in organizations_in_scope(engine, org_code, None):
            one = _plan_cycle(
                engine, setup, org_code=code, now=now, dry_run=True, ledger=ledger, clock=clock
            )
            report.absorb(one.report)
        return report
    finally:
        engine.dispose()


@dataclass(frozen=True)
class _Setup:
    """What a run reads once for all its organizations: configs and compiled templates."""

    configs: Configs
    templates: TemplateSet
    calendar: WorkCalendar
    base_url: str = ""
    zalo_on: bool = False

    @classmethod
    def load(cls, config_dir: Path, base_url: str = "", *, zalo_on: bool = False) -> _Setup:
        configs = load_configs(config_dir)
        return cls(
            configs,
            TemplateSet.load(config_dir / "templates"),
            WorkCalendar(configs.calendar),
            base_url,
            zalo_on,
        )


async def send_notices(
    *,
    engine: Engine,
    config_dir: Path,
    org_code: str | None,
    now: datetime,
    base_url: str = "",
    smtp: SmtpSettings | None = None,
    zalo: ZaloSettings | None = None,
    clock: Clock = utc_now,
) -> list[DeliveryReport[Any]]:
    """Send the notices due at once (``engine.reminders.notices``) that no run has sent, by
    e-mail and, ``zalo`` enabled, by Zalo: what the web app calls just after an action. The
    daily cycle sends them too, so an outage here only delays them."""
    configs = load_configs(config_dir)
    templates = TemplateSet.load(config_dir / "templates")
    outbox = _Outbox(smtp or SmtpSettings(), DatabaseLedger(engine), clock, backoff=1.0)
    try:
        pending = pending_immediate(
            engine, configs=configs, org_code=org_code, now=now, base_url=base_url
        )
        messages = []
        for digest in pending.immediate:
            keys = [_address_key(key, digest.to) for key in digest.ledger_keys]
            if outbox.ledger.claimable(keys, clock()):
                messages.append(_outgoing(digest, keys, templates))
        reports: list[DeliveryReport[Any]] = [await outbox.deliver(messages)]
        template = configs.notices.zalo.templates.notice
        if zalo is not None and zalo.enabled and template and pending.zalo:
            texts = notice_messages(
                pending.zalo,
                template=template,
                base_url=base_url,
                fresh=lambda key: bool(outbox.ledger.claimable([key], clock())),
            )
            channel = make_zalo_channel(zalo, engine)
            try:
                reports.append(await deliver(texts, channel, ledger=outbox.ledger, clock=clock))
            finally:
                await channel.aclose()
        return reports
    finally:
        await outbox.close()


@dataclass
class _PlannedCycle:
    """A cycle planned up to its outgoing messages; what delivery needs next."""

    report: CycleReport
    ledger: DatabaseLedger
    directory: _DirectoryView
    findings: list[AddressFinding]
    superseded: list[str]  # held messages to drop once delivery is done
    base_url: str = ""  # the app's address, for the links of the standing office's notices


def _plan_cycle(
    engine: Engine,
    setup: _Setup,
    *,
    org_code: str | None,
    now: datetime,
    dry_run: bool,
    ledger: DatabaseLedger,
    clock: Clock,
) -> _PlannedCycle:
    configs, templates, calendar, base_url = (
        setup.configs, setup.templates, setup.calendar, setup.base_url,
    )  # fmt: skip
    today = local_date(now)
    report = CycleReport(today=today, dry_run=dry_run)
    with engine.connect() as connection, connection.begin() as transaction:
        refresh_verdicts(connection, rules=configs.rules, org_code=org_code, today=today)
        refresh_submissions(connection, org_code=org_code, now=now)
        planned, task_people = plan_day(
            connection, configs=configs, calendar=calendar, today=today, org_code=org_code
        )
        directory = _DirectoryView.load(connection, org_code, task_people, configs.notices)
        notices = plan_notices(
            connection, configs=configs, org_code=org_code, now=now, base_url=base_url
        )
        if dry_run:  # the verdicts were needed to plan; a dry run keeps none of them
            transaction.rollback()
    report.planned = len(planned)
    report.planned_by_step = Counter((m.step_id, m.role) for m in planned)
    digester = _Digester(planned, directory, configs, today, base_url)
    recipients = {recipient_key(m): directory.resolve(m) for m in planned}
    # A message whose people all chose Zalo only goes by Zalo: no mail, and no finding.
    by_mail = [m for m in planned if recipients[recipient_key(m)] or not directory.chosen(m)]
    digests, findings = digester.digests(by_mail, recipients, notices.folded)
    report.findings = [finding.message for finding in findings]
    with engine.connect() as connection:
        resend, superseded = _held_back(connection, digests, ledger, org_code, clock())
    report.messages.extend(resend)
    taken = {key for message in resend for key in message.ledger_keys}
    fresh = digester.unsent([*notices.immediate, *digests], ledger, report, clock(), taken=taken)
    for digest, keys in fresh:
        report.messages.append(_outgoing(digest, keys, templates))
    if setup.zalo_on:
        report.zalo = _zalo_messages(
            planned, directory, notices.zalo, configs, base_url, ledger, clock(), report
        )
    return _PlannedCycle(report, ledger, directory, findings, superseded, base_url)


def _zalo_messages(  # noqa: PLR0917
    planned: Sequence[PlannedMessage],
    directory: _DirectoryView,
    notices: Sequence[ZaloNotice],
    configs: Configs,
    base_url: str,
    ledger: DatabaseLedger,
    now: datetime,
    report: CycleReport,
) -> dict[str, list[ZaloMessage]]:
    """The run's Zalo messages per organization, of what the ledger does not hold yet."""
    templates = configs.notices.zalo.templates
    if not templates.digest or not templates.notice:
        report.findings.append(
            "Chưa khai báo mã mẫu tin ZNS đã được Zalo duyệt (notices.yaml, zalo.templates: "
            "digest và notice): chưa gửi tin Zalo."
        )
        return {}
    out: dict[str, list[ZaloMessage]] = {}
    for code in directory.orgs:
        messages = zalo_plan(
            [m for m in planned if m.org == code],
            directory.chosen,
            lambda person: ZALO in directory.channels(person),
            [n for n in notices if directory.codes.get(n.person.organization_id) == code],
            templates=(templates.digest, templates.notice),
            base_url=base_url,
            claimable=lambda keys: ledger.claimable(keys, now),
        )
        if messages:
            out[code] = messages
    return out


async def _deliver_zalo(
    engine: Engine,
    cycle: _PlannedCycle,
    settings: ZaloSettings,
    smtp: SmtpSettings,
    *,
    clock: Clock,
) -> None:
    """Send the run's Zalo messages, organization by organization: what Zalo refuses for
    good is told to that organization's standing office by e-mail."""
    report = cycle.report
    channel = make_zalo_channel(settings, engine)
    mail = make_transport(smtp)
    outcomes: list[Outcome[ZaloMessage]] = []
    try:
        for code, messages in report.zalo.items():
            org = cycle.directory.orgs[code]
            office = _office_addresses(cycle.directory, code, org)
            done = await deliver(
                messages, channel, ledger=cycle.ledger, clock=clock, failures_to=office,
                organization=org.name, notice_channel=mail,
            )  # fmt: skip
            outcomes.extend(done.outcomes)
    finally:
        await channel.aclose()
        await mail.aclose()
    report.zalo_delivery = DeliveryReport(outcomes)


async def _deliver(engine: Engine, cycle: _PlannedCycle, outbox: _Outbox) -> CycleReport:
    """Deliver a planned cycle's messages, then the notices to the standing office."""
    report = cycle.report
    delivered = [m for m in report.messages if isinstance(m, OutgoingMessage)]
    report.delivery = await outbox.deliver(delivered)
    notices = outbox.unsent(
        _notices(report, cycle.findings, cycle.directory, report.today, cycle.base_url)
    )
    if notices:
        report.delivery.outcomes.extend((await outbox.deliver(notices)).outcomes)
        report.messages.extend(notices)
    report.claimed_elsewhere += sum(
        1 for o in report.delivery.skipped if o.detail == CLAIMED_ELSEWHERE
    )
    _keep_deferred(engine, report.delivery, cycle.superseded, outbox.clock())
    return report


def _held_back(
    connection: Connection,
    digests: Sequence[Digest],
    ledger: DatabaseLedger,
    org_code: str | None,
    now: datetime,
) -> tuple[list[OutgoingMessage], list[str]]:
    """Held messages to send again as they were, and the ids of those to drop: replaced
    by today's digests (every key re-planned for the same address), or no longer
    claimable (delivered or failed since)."""
    planned = {_address_key(k, d.to) for d in digests for k in d.ledger_keys}
    resend: list[OutgoingMessage] = []
    dropped: list[str] = []
    for message in held(connection, org_code=org_code):
        keys = set(message.ledger_keys)
        if keys <= planned or len(ledger.claimable(list(keys), now)) < len(keys):
            dropped.append(message.message_id)
        else:
            resend.append(message)
    return resend, dropped


def _keep_deferred(
    engine: Engine, delivery: DeliveryReport | None, dropped: list[str], now: datetime
) -> None:
    """Hold what was deferred for the next run; forget what was delivered or replaced."""
    outcomes = delivery.outcomes if delivery else []
    deferred = [o.message for o in outcomes if o.status is OutcomeStatus.DEFERRED]
    done = [o.message_id for o in outcomes if o.status is not OutcomeStatus.DEFERRED]
    with engine.begin() as connection:
        release(connection, [*dropped, *done])
        hold(connection, deferred, now=now)


class _Outbox:
    """One cycle's way out: one transport (SMTP connections or ``.eml`` files) for the
    digests and then the notices, each message claimed in the ledger first."""

    def __init__(
        self,
        settings: SmtpSettings,
        ledger: DatabaseLedger,
        clock: Clock,
        backoff: float,
        *,
        slot: SendSlot | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.clock = clock
        self.backoff = backoff
        self.slot = slot
        self.transport = make_transport(settings)

    async def deliver(self, messages: Sequence[OutgoingMessage]) -> DeliveryReport:
        return await deliver(
            messages,
            self.transport,
            ledger=self.ledger,
            concurrency=self.settings.smtp_concurrency,
            attempt_timeout=self.settings.smtp_timeout * 4,
            backoff=self.backoff,
            clock=self.clock,
            slot=self.slot,
        )

    def unsent(self, messages: Sequence[OutgoingMessage]) -> list[OutgoingMessage]:
        """The messages the ledger does not already hold as sent, failed or being sent."""
        now = self.clock()
        return [m for m in messages if self.ledger.claimable(m.ledger_keys, now)]

    async def close(self) -> None:
        await self.transport.aclose()


# -- 2. snapshots -----------------------------------------------------------------------


def plan_day(
    connection: Connection,
    *,
    configs: Configs,
    calendar: WorkCalendar,
    today: date,
    org_code: str | None,
) -> tuple[list[PlannedMessage], dict[int, int]]:
    """Read the tasks the ladder can fire on today, the unit reports and the children's
    period reports (``engine.reports.rollup``) missing on their deadline, and plan their
    messages; also each task's person id. The garbage collector is paused meanwhile:
    planning builds hundreds of thousands of small acyclic objects (see
    ``collector_paused``)."""
    horizon = horizon_for(configs, calendar, today)
    with collector_paused():
        snapshots, task_people = load_snapshots(connection, org_code=org_code, horizon=horizon)
        reports = report_snapshots(connection, org_code=org_code, today=today)
        reports += missing_child_reports(
            connection, org_code=org_code, today=today, reporting=configs.reporting,
            calendar=calendar,
        )  # fmt: skip
        planned = plan(snapshots, reports, today=today, ladder=configs.ladder, calendar=calendar)
    return planned, task_people


def horizon_for(configs: Configs, calendar: WorkCalendar, today: date) -> date:
    """The latest due date a before-due step can fire on today: a due date on a day off
    moves later (art. 148), never earlier, so this bound is safe."""
    offsets = [s.offset for s in configs.ladder.steps if s.kind is StepKind.BEFORE_DUE]
    return calendar.add_working_days(today, max(offsets, default=0))


def snapshot_query(*, org_code: str | None, horizon: date) -> Select[Any]:
    """Open tasks the ladder can fire on: due by ``horizon`` (so also overdue) or unclear,
    on the (state, due_date) index; and every task waiting for its result to be accepted."""
    t = Task.__table__.c  # type: ignore[attr-defined]
    o, u = Organization.__table__.c, Unit.__table__.c  # type: ignore[attr-defined]
    query = (
        select(
            t.id, o.code, t.ref, t.work, t.state, t.due_date, t.deadline_version, u.code,
            t.person_id, t.unclear, t.unclear_since, t.submitted_on, t.submission,
        )
        .select_from(Task)
        .join(Organization, o.id == t.organization_id)
        .outerjoin(Unit, u.id == t.lead_unit_id)
        .where(
            or_(
                and_(
                    t.state == TaskState.OPEN,
                    or_(
                        and_(t.due_date.is_not(None), t.due_date <= horizon),
                        t.unclear != "",
                    ),
                ),
                t.state == TaskState.AWAITING,
            ),
        )
        .order_by(t.id)
    )  # fmt: skip
    return query if org_code is None else query.where(o.code == org_code)


def load_snapshots(
    connection: Connection,
    *,
    org_code: str | None,
    horizon: date,
) -> tuple[list[TaskSnapshot], dict[int, int]]:
    """The tasks of ``snapshot_query`` as ladder snapshots (rows read as plain tuples), and
    each task's person id, for the ``person`` role."""
    query = snapshot_query(org_code=org_code, horizon=horizon)
    rows = raw_rows(connection, query)
    snapshots = [
        TaskSnapshot(
            task_id, org, ref, work, state, as_date(due), version, lead, person is not None,
            tuple(unclear.split(",")) if unclear else (), as_date(since),
            as_date(submitted), submission,
        )
        for (task_id, org, ref, work, state, due, version, lead, person, unclear, since,
             submitted, submission) in rows
    ]  # fmt: skip
    return snapshots, {row[0]: row[8] for row in rows if row[8] is not None}


# -- 3. recipients and digests ----------------------------------------------------------


@dataclass
class _DirectoryView:
    """Who holds each role, per organization, as the database says."""

    orgs: dict[str, Organization]
    people: dict[str, list[Person]]  # org code -> active people
    unit_codes: dict[int, str]
    unit_names: dict[tuple[str, str], str]  # (org, unit code) -> name
    in_charge: dict[tuple[str, str], list[str]]  # (org, unit code) -> vice-chairman names
    task_people: dict[int, int]  # task id -> person id
    codes: dict[int | None, str]  # organization id -> code
    notices: NoticesConfig  # who is reached by which channel by default
    reached: dict[int | None, tuple[str, ...]] = field(default_factory=dict)  # by person id

    @classmethod
    def load(
        cls,
        connection: Connection,
        org_code: str | None,
        task_people: dict[int, int],
        notices: NoticesConfig,
    ) -> _DirectoryView:
        with Session(bind=connection) as session:
            orgs_query = select(Organization)
            if org_code is not None:
                orgs_query = orgs_query.where(col(Organization.code) == org_code)
            orgs = {o.code: o for o in session.execute(orgs_query).scalars()}
            ids = {o.id: o.code for o in orgs.values()}
            scope = list(ids) if org_code is not None else None
            units_query = select(Unit)
            people_query = select(Person).where(col(Person.active))
            if scope is not None:  # one organization's: not every organization's, filtered
                units_query = units_query.where(col(Unit.organization_id).in_(scope))
                people_query = people_query.where(col(Person.organization_id).in_(scope))
            units = [u for u in session.execute(units_query).scalars() if u.organization_id in ids]
            people = [
                p for p in session.execute(people_query).scalars() if p.organization_id in ids
            ]
        by_org: dict[str, list[Person]] = defaultdict(list)
        for person in people:
            by_org[ids[person.organization_id]].append(person)
        return cls(
            orgs=orgs,
            people=dict(by_org),
            unit_codes={u.id: u.code for u in units if u.id is not None},
            unit_names={(ids[u.organization_id], u.code): u.name for u in units},
            in_charge=_in_charge(people, ids),
            task_people=task_people,
            codes=ids,
            notices=notices,
        )

    def resolve(self, message: PlannedMessage) -> list[ResolvedRecipient]:
        """The people a planned message's role names who are reached by e-mail."""
        if message.role is Role.NAMED:
            return _named(message.named or "", self.people.get(message.org, []))
        return [
            ResolvedRecipient(p.name, p.title, p.email or None, message.role)
            for p in self.chosen(message)
            if channels.EMAIL in self.channels(p)
        ]

    def channels(self, person: Person) -> tuple[str, ...]:
        """How ``person`` is reached: their choice, else their organization's default, among
        the channels they have an address for (no address at all: e-mail, so that the
        standing office hears the address is missing)."""
        known = self.reached.get(person.id)
        if known is None:
            known = self.reached[person.id] = self._channels(person)
        return known

    def _channels(self, person: Person) -> tuple[str, ...]:
        org = self.codes.get(person.organization_id, "")
        prefs = self.notices.preferences(org, channel=person.channel)
        found = channels.channels_for(
            prefs.channel.value, email=person.email, phone=person.zalo or person.phone
        )
        return found or (channels.EMAIL,)

    def chosen(self, message: PlannedMessage) -> list[Person]:
        """The directory people a planned message's role names (none for a named one)."""
        people = self.people.get(message.org, [])
        org = self.orgs.get(message.org)
        role = message.role
        if role is Role.PERSON:
            chosen = [p for p in people if p.id is not None and self._is_task_person(p, message)]
        elif role is Role.LEAD_HEAD:
            chosen = self._heads(people, message.lead_unit)
        elif role is Role.STANDING_OFFICE:
            code = org.standing_office_code if org else ""
            chosen = [p for p in people if self.unit_codes.get(p.unit_id or -1) == code]
        elif role is Role.VICE_CHAIRMAN:
            names = self.in_charge.get((message.org, message.lead_unit or ""), [])
            vices = [p for p in people if p.role == PersonRole.VICE_CHAIRMAN]
            chosen = [p for p in vices if p.name in names] or vices
        elif role is Role.CHAIRMAN:
            chosen = [p for p in people if p.role == PersonRole.CHAIRMAN]
        elif role is Role.ACCEPTOR:
            chosen = self._acceptors(people, org, message)
        else:
            chosen = []
        return chosen

    def _acceptors(
        self, people: list[Person], org: Organization | None, message: PlannedMessage
    ) -> list[Person]:
        """Whoever accepts results: the standing office, or the Vice-Chairman in charge of
        the lead unit (the Chairman when nobody is in charge of it)."""
        if org is not None and org.acceptor == Acceptor.STANDING_OFFICE:
            code = org.standing_office_code
            return [p for p in people if self.unit_codes.get(p.unit_id or -1) == code]
        names = self.in_charge.get((message.org, message.lead_unit or ""), [])
        vices = [p for p in people if p.role == PersonRole.VICE_CHAIRMAN and p.name in names]
        return vices or [p for p in people if p.role == PersonRole.CHAIRMAN]

    def _is_task_person(self, person: Person, message: PlannedMessage) -> bool:
        return person.id == self.task_people.get(message.task_id or -1)

    def _heads(self, people: list[Person], unit: str | None) -> list[Person]:
        return [
            p
            for p in people
            if p.role == PersonRole.HEAD and self.unit_codes.get(p.unit_id or -1) == unit
        ]


def _in_charge(
    people: Iterable[Person], org_codes: dict[int | None, str]
) -> dict[tuple[str, str], list[str]]:
    """(organization, unit code) -> the Vice-Chairmen in charge of the unit, as the
    directory in the database records them."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for person in people:
        if person.role == PersonRole.VICE_CHAIRMAN:
            for unit in person.in_charge or []:
                found[(org_codes[person.organization_id], unit)].append(person.name)
    return dict(found)


def _named(value: str, people: Iterable[Person]) -> list[ResolvedRecipient]:
    if "@" in value:
        return [ResolvedRecipient(value, "", value, Role.NAMED)]
    return [
        ResolvedRecipient(p.name, p.title, p.email or None, Role.NAMED)
        for p in people
        if p.name.casefold() == value.casefold()
    ]


@dataclass
class _Digester:
    """Groups planned messages into digests and keeps out what the ledger says each
    address already received."""

    planned: Sequence[PlannedMessage]
    directory: _DirectoryView
    configs: Configs
    today: date
    base_url: str

    def digests(
        self,
        messages: Sequence[PlannedMessage],
        recipients: dict[str, list[ResolvedRecipient]],
        news: Sequence[NewsItem],
    ) -> tuple[list[Digest], list[AddressFinding]]:
        digest_plan = build_digests(
            messages,
            recipients=recipients,
            today=self.today,
            org_names={code: org.name for code, org in self.directory.orgs.items()},
            unit_names=self.directory.unit_names,
            dimension_labels={str(d): self.configs.rules.labels[d] for d in Dimension},
            news=news,
            ladder=self.configs.ladder,
            base_url=self.base_url,
        )
        return list(digest_plan.digests), list(digest_plan.findings)

    def unsent(
        self,
        digests: Sequence[Digest],
        ledger: DatabaseLedger,
        report: CycleReport,
        now: datetime,
        *,
        taken: set[str],
    ) -> Iterable[tuple[Digest, list[str]]]:
        """Each digest with only what was not delivered to its address before; a digest
        whose every item was is counted as already sent and dropped. An item claimed by a
        run that died (its lease over at ``now``, the ledger's time) is not delivered: it
        goes out again rather than never. Keys in ``taken`` go out in a held message."""
        wanted = [{k: _address_key(k, digest.to) for k in digest.ledger_keys} for digest in digests]
        entries = ledger.entries([key for keys in wanted for key in keys.values()])  # one read
        for digest, keys in zip(digests, wanted, strict=True):
            free = set(ledger.claimable_in(entries, list(keys.values()), now)) - taken
            fresh = [k for k, key in keys.items() if key in free]
            if not fresh:
                held_by = [entries[key] for key in keys.values() if key in entries]
                if any(entry.status is DeliveryStatus.SENDING for entry in held_by):
                    report.claimed_elsewhere += 1  # its claim is live: not yet sent
                else:
                    report.already_sent += 1
            elif len(fresh) < len(keys):
                yield self._narrowed(digest, fresh), [keys[k] for k in fresh]
            else:
                yield digest, list(keys.values())

    def _narrowed(self, digest: Digest, fresh: list[str]) -> Digest:
        wanted = set(fresh)
        messages = [m for m in self.planned if m.ledger_key in wanted]
        news = [n for n in digest.news if n.ledger_key in wanted]
        recipients = {
            recipient_key(m): [ResolvedRecipient(digest.name, digest.title, digest.to, m.role)]
            for m in messages
        }
        narrowed, _ = self.digests(messages, recipients, news)
        return next(d for d in narrowed if d.to.lower() == digest.to.lower())


def _address_key(ledger_key: str, address: str) -> str:
    """The ledger key of one delivery: the planned message's key and the address."""
    return f"{ledger_key}|to:{address.lower()}"


# -- 4. render ------------------------------------------------------------------------


def _outgoing(digest: Digest, keys: list[str], templates: TemplateSet) -> OutgoingMessage:
    rendered = templates.render(digest)
    steps = sorted({step for item in _items(digest) for step in item.step_ids})
    versions = sorted({item.config_version for item in _items(digest)})
    return OutgoingMessage(
        to=(Mailbox(rendered.to, rendered.to_name),),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        ledger_keys=tuple(keys),
        headers={
            "X-Sauro-Org": ",".join(digest.orgs),
            "X-Sauro-Rules": " ".join(steps),
            "X-Sauro-Config-Version": " ".join(versions),
        },
    )


def _items(digest: Digest) -> Iterable[Any]:
    for section in digest.sections:
        yield from section.items


# -- 5. notices to the standing office ---------------------------------------------------


def _notices(
    report: CycleReport,
    findings: Sequence[AddressFinding],
    directory: _DirectoryView,
    today: date,
    base_url: str,
) -> list[OutgoingMessage]:
    notices: list[OutgoingMessage] = []
    for code, org in directory.orgs.items():
        office = _office_addresses(directory, code, org)
        if not office:
            continue
        if report.delivery is not None:
            failed = [o for o in report.delivery.failed if code in _orgs_of(o.message)]
            notice = DeliveryReport(failed).failure_notice(
                office, organization=org.name, directory_link=_directory_link(base_url)
            )
            if notice is not None:
                notices.append(notice)
        mine = [f for f in findings if f.org == code]
        if mine:
            notices.append(_address_notice(mine, office, org, today, base_url))
    return notices


def _directory_link(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/directory" if base_url else ""


def _office_addresses(directory: _DirectoryView, code: str, org: Organization) -> list[Mailbox]:
    """The people of an organization's standing office who have an e-mail address."""
    return [
        Mailbox(p.email, p.name)
        for p in directory.people.get(code, [])
        if p.email and directory.unit_codes.get(p.unit_id or -1) == org.standing_office_code
    ]


def _orgs_of(message: OutgoingMessage) -> list[str]:
    return message.headers.get("X-Sauro-Org", "").split(",")


def _address_notice(
    findings: Sequence[AddressFinding],
    office: list[Mailbox],
    org: Organization,
    today: date,
    base_url: str,
) -> OutgoingMessage:
    link = _directory_link(base_url)
    where = f": {link}" if link else ""
    lines = [
        f"Kính gửi cơ quan thường trực CCHC ({org.name}),",
        "",
        f"Ngày {today:%d/%m/%Y}, hệ thống Sáu Rõ chưa gửi được thư nhắc việc cho "
        f"{len(findings)} người nhận vì thiếu hoặc sai địa chỉ thư điện tử. Đề nghị bổ sung "
        f"trong Danh mục cán bộ trên Sáu Rõ{where}",
        "",
        *(f"- {finding.message}" for finding in findings),
    ]
    keys = tuple(
        f"address-finding:{today.isoformat()}:{finding.message}|to:{box.address}"
        for finding in findings
        for box in office
    )
    return OutgoingMessage(
        to=tuple(office),
        subject=f"[Sáu Rõ] {len(findings)} người nhận chưa có địa chỉ thư hợp lệ",
        text="\n".join(lines),
        ledger_keys=keys,
    )
