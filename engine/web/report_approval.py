"""The period report's approval on the web: where it stands, its history, and each step for
whom the policy allows it (``engine.reports.approval`` does the work)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from engine.calendar.periods import Period
from engine.calendar.status import VN, local_date
from engine.directory.store import get_organization
from engine.reports import approval
from engine.reports.assembly import write_period_report
from engine.reports.sending import send_upward
from engine.store.db import session_scope
from engine.store.models import AuditLog, DocumentRegister, ReportState
from engine.web.deps import User, Web
from engine.web.policy import Action, authorize
from engine.web.reports import folder

_ACTION_WORDS = {
    ReportState.SUBMITTED.value: "trình ký",
    ReportState.APPROVED.value: "duyệt",
    ReportState.DRAFT.value: "trả lại",
    ReportState.ISSUED.value: "ban hành",
    ReportState.SENT.value: "gửi cấp trên",
}


@dataclass(frozen=True)
class ApprovalView:
    """What the page shows of one period's report."""

    state: ReportState
    label: str
    number: str  # "07/BC-UBND", "" before it is issued
    issued_on: date | None
    signer: str  # "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH — Trần Văn Ba"
    history: list[tuple[str, str, str]]  # (when, who, what)


def view(state: Web, user: User, period: Period) -> ApprovalView:
    authorize(user.principal, Action.VIEW_REPORTS)
    with Session(state.engine) as session:
        organization = get_organization(session, user.org_code)
        record = approval.report_of(session, user.principal.organization_id, period.code)
        issue = approval.issue_of(session, organization, period.code)
        history = (
            session.exec(
                select(AuditLog)
                .where(col(AuditLog.entity) == "period_report", AuditLog.entity_id == record.id)
                .order_by(col(AuditLog.at), col(AuditLog.id))
            ).all()
            if record
            else []
        )
        entry = (
            session.get(DocumentRegister, record.register_id)
            if record and record.register_id
            else None
        )
    current = ReportState(record.state) if record else ReportState.DRAFT
    reasons = {
        (row.at, row.action): row.new_value or "" for row in history if row.field == "reason"
    }
    steps = [
        (
            row.at,
            row.actor,
            _ACTION_WORDS.get(row.action, row.action),
            reasons.get((row.at, row.action), ""),
        )
        for row in history
        if row.field == "state"
    ]
    return ApprovalView(
        state=current,
        label=approval.STATE_LABELS[current],
        number=f"{entry.number:02d}/{entry.symbol}" if entry else "",
        issued_on=entry.issued_on if entry else None,
        signer=f"{' / '.join(issue.signature.lines)} — {issue.signature.name}",
        history=[
            (at.astimezone(VN).strftime("%H:%M %d/%m/%Y"), who, f"{what}: {why}" if why else what)
            for at, who, what, why in steps
        ],
    )


def submit(state: Web, user: User, period: Period) -> None:
    authorize(user.principal, Action.GENERATE_REPORT)
    with session_scope(state.engine) as session:
        approval.submit(
            session, organization_id=user.principal.organization_id, period=period,
            actor=user.actor("report submit"), now=state.clock(),
        )  # fmt: skip


def decide(state: Web, user: User, period: Period, *, approve: bool, reason: str) -> None:
    authorize(user.principal, Action.APPROVE_REPORT)
    org_id, actor, now = (
        user.principal.organization_id,
        user.actor("report approval"),
        state.clock(),
    )
    with session_scope(state.engine) as session:
        if approve:
            approval.approve(
                session, organization_id=org_id, period=period, approver=user.decider,
                actor=actor, now=now,
            )  # fmt: skip
        else:
            approval.return_to_draft(
                session, organization_id=org_id, period=period, approver=user.decider,
                reason=reason, actor=actor, now=now,
            )  # fmt: skip


def issue(state: Web, user: User, period: Period, issued_on: date | None) -> None:
    authorize(user.principal, Action.GENERATE_REPORT)
    now = state.clock()
    with session_scope(state.engine) as session:
        approval.issue(
            session, organization_id=user.principal.organization_id, period=period,
            issued_on=issued_on or local_date(now), actor=user.actor("report issue"), now=now,
        )  # fmt: skip


def send(state: Web, user: User, period: Period) -> str:
    """Rebuild the issued report (its number and date from the register) and send it
    upward; the delivery's summary."""
    authorize(user.principal, Action.GENERATE_REPORT)
    now = state.clock()
    with Session(state.engine) as session:
        approval.require_sendable(session, user.principal.organization_id, period)
        organization = get_organization(session, user.org_code)
    configs = state.configs.get()
    files = write_period_report(
        state.engine, configs=configs, config_dir=state.settings.config_dir,
        org_code=user.org_code, period=period, now=now, out=folder(state, user, period),
    )  # fmt: skip
    config = next((o for o in configs.directory.organizations if o.code == user.org_code), None)
    delivery = asyncio.run(
        send_upward(
            state.engine, files, organization=organization, config=config, period=period,
            smtp=state.smtp, actor=user.actor("report send"), now=now,
        )
    )  # fmt: skip
    return delivery.summary()
