"""Sending a period report upward: only an issued one, and it becomes "đã gửi".

Every route that sends upward (the web's "Gửi", ``sauro report --send``, the scheduled
reporting day with ``--send``) comes here or to ``upward_allowed``: a report that is not
issued never goes to ``report_to``, whatever asks; its draft goes only to the standing
office for review. Once every upward copy is delivered (the ledger says so), the report is
marked sent (``engine.reports.approval.mark_sent``), once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from engine.calendar.periods import Period
from engine.directory.schema import OrganizationConfig
from engine.directory.store import standing_office
from engine.errors import SauroError
from engine.reports.approval import mark_sent, require_sendable, state_of
from engine.reports.assembly import ReportFiles, report_key, report_message
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import Organization, ReportState, require_id
from notifications.delivery import DeliveryReport, deliver_with_settings
from notifications.ledger import DatabaseLedger, DeliveryStatus
from notifications.outgoing import OutgoingMessage
from notifications.smtp_settings import SmtpSettings

Recipients = dict[str, list[tuple[str, str]]]  # purpose -> (name, address)


def report_recipients(
    engine: Engine,
    organization: Organization,
    config: OrganizationConfig | None,
    *,
    upward: bool,
) -> Recipients:
    """Who gets the period report: the standing office's people with an address
    ("office") and, with ``upward``, the organization's ``report_to`` ("upward")."""
    with Session(engine) as session:
        people = standing_office(session, organization)
    office = [(p.name, p.email) for p in people if "@" in p.email]
    found: Recipients = {"office": office}
    if upward and config is not None:
        found["upward"] = [(r.name, r.email) for r in config.report_to]
    return found


def report_messages(files: ReportFiles, recipients: Recipients) -> list[OutgoingMessage]:
    """The report's messages to every recipient, by purpose."""
    return [
        message
        for purpose, people in recipients.items()
        for message in report_message(files, to=people, purpose=purpose)
    ]


def upward_allowed(engine: Engine, organization: Organization, period: Period) -> bool:
    """Whether the report of ``period`` is issued (or sent already): only then upward."""
    with Session(engine) as session:
        state = state_of(session, require_id(organization), period.code)
    return state in {ReportState.ISSUED, ReportState.SENT}


async def send_upward(
    engine: Engine,
    files: ReportFiles,
    *,
    organization: Organization,
    config: OrganizationConfig | None,
    period: Period,
    smtp: SmtpSettings,
    actor: Actor,
    now: datetime,
) -> DeliveryReport:
    """Mail an issued report to the standing office and ``report_to``; refused (in
    Vietnamese, nothing sent) when the report is not issued or nobody would receive it."""
    with Session(engine) as session:
        require_sendable(session, require_id(organization), period)
    recipients = report_recipients(engine, organization, config, upward=True)
    if not recipients.get("upward"):
        raise SauroError(
            "Chưa gửi: chưa có nơi nhận báo cáo ở cấp trên (report_to trong danh mục)."
        )
    ledger = DatabaseLedger(engine)
    delivery = await deliver_with_settings(report_messages(files, recipients), smtp, ledger=ledger)
    settle_sent(engine, organization, period, recipients["upward"], actor=actor, now=now)
    return delivery


def settle_sent(
    engine: Engine,
    organization: Organization,
    period: Period,
    upward: list[tuple[str, str]],
    *,
    actor: Actor,
    now: datetime,
) -> bool:
    """Mark the report sent when its copy to every ``upward`` (name, address) is delivered;
    whether it is."""
    keys = [report_key(organization.code, period.code, "upward", a) for _, a in upward]
    statuses = DatabaseLedger(engine).statuses(keys)
    if not keys or any(statuses.get(key) is not DeliveryStatus.SENT for key in keys):
        return False
    with session_scope(engine) as session:
        mark_sent(
            session, organization_id=require_id(organization), period=period, actor=actor, now=now
        )
    return True
