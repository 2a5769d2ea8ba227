"""A period report from draft to sent, with approval (NĐ 30/2020: who signs, and how).

States: bản nháp (``draft``) → trình ký (``submitted``, by the standing office) → đã duyệt
(``approved``, by the Chairman or a Vice-Chairman, who may also return it to draft with a
reason) → đã ban hành (``issued``: a number of the organization's register of outgoing
documents for the year, and the issue date) → đã gửi (``sent`` upward). Every transition is
checked before anything is written, audited under ``period_report`` and told to the people
concerned (``engine.notices.events``).

The number is given once, by ``issue``: sequential per organization and year, never reused
(the register's row stays even if the report were withdrawn), and never reset by
regenerating the document, which reads it back from the register (``issue_of``). The
signature block follows the approver: the Chairman signs "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH",
a Vice-Chairman "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH". Only an issued report goes upward
(``require_sendable``): a draft is only ever mailed to the standing office for review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engine.calendar.deadlines import format_date
from engine.calendar.periods import Period
from engine.calendar.status import local_date
from engine.directory.store import find_person
from engine.errors import NotFoundError, PermissionDeniedError, SauroError
from engine.notices import events
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import (
    DocumentRegister,
    Organization,
    PeriodReport,
    Person,
    PersonRole,
    ReportState,
    require_id,
)
from engine.text import clean_lines

SYMBOL = "BC-UBND"
REASON_MAX = 2000
STATE_LABELS: dict[ReportState, str] = {
    ReportState.DRAFT: "Bản nháp",
    ReportState.SUBMITTED: "Trình ký",
    ReportState.APPROVED: "Đã duyệt",
    ReportState.ISSUED: "Đã ban hành",
    ReportState.SENT: "Đã gửi",
}
_LEADERS = frozenset({PersonRole.CHAIRMAN, PersonRole.VICE_CHAIRMAN})
_OUT = frozenset({ReportState.ISSUED, ReportState.SENT})


@dataclass(frozen=True)
class Signature:
    """The signature block: "TM. ỦY BAN NHÂN DÂN" / "CHỦ TỊCH" and the signer's name."""

    lines: tuple[str, str]
    name: str


@dataclass(frozen=True)
class Issue:
    """What the document prints of its approval: the number and date once issued, and who
    signs."""

    number: int | None
    issued_on: date | None
    signature: Signature
    symbol: str = SYMBOL


def report_of(session: Session, organization_id: int, period_code: str) -> PeriodReport | None:
    """The stored record of a period report (None: a draft nobody has acted on)."""
    query = select(PeriodReport).where(
        col(PeriodReport.organization_id) == organization_id,
        col(PeriodReport.period_code) == period_code,
    )
    return session.exec(query).first()


def state_of(session: Session, organization_id: int, period_code: str) -> ReportState:
    record = report_of(session, organization_id, period_code)
    return ReportState(record.state) if record else ReportState.DRAFT


def submit(
    session: Session, *, organization_id: int, period: Period, actor: Actor, now: datetime
) -> PeriodReport:
    """Draft → trình ký: the standing office submits the report for signature."""
    record = _record(session, organization_id, period.code, now)
    _require(record, ReportState.DRAFT, period, "trình ký")
    _move(session, record, ReportState.SUBMITTED, actor, now, submitted_by=actor.name[:128],
          submitted_at=now)  # fmt: skip
    events.report_submitted(session, record, period_label=period.label, actor=actor, now=now)
    return record


def approve(
    session: Session,
    *,
    organization_id: int,
    period: Period,
    approver: str,
    actor: Actor,
    now: datetime,
) -> PeriodReport:
    """Trình ký → đã duyệt, by ``approver`` (full name or e-mail): the organization's
    Chairman or a Vice-Chairman, who then signs."""
    record = _record(session, organization_id, period.code, now)
    _require(record, ReportState.SUBMITTED, period, "phê duyệt")
    person = _leader(session, organization_id, approver, "phê duyệt báo cáo")
    _move(session, record, ReportState.APPROVED, actor, now, approver_id=person.id,
          approved_by=person.name, approved_at=now)  # fmt: skip
    events.report_decided(
        session, record, period_label=period.label, approved=True, reason="", actor=actor,
        now=now,
    )  # fmt: skip
    return record


def return_to_draft(
    session: Session,
    *,
    organization_id: int,
    period: Period,
    approver: str,
    reason: str,
    actor: Actor,
    now: datetime,
) -> PeriodReport:
    """Trình ký → bản nháp: the Chairman or a Vice-Chairman returns it, with a reason."""
    record = _record(session, organization_id, period.code, now)
    _require(record, ReportState.SUBMITTED, period, "trả lại")
    person = _leader(session, organization_id, approver, "trả lại báo cáo")
    text = clean_lines(reason)
    if not text:
        raise SauroError("Trả lại báo cáo cần ghi lý do, để cơ quan thường trực biết sửa gì.")
    if len(text) > REASON_MAX:
        raise SauroError(f"Lý do dài quá {REASON_MAX} ký tự ({len(text)} ký tự).")
    _move(session, record, ReportState.DRAFT, actor, now, reason=text, returned_by=person.name)
    events.report_decided(
        session, record, period_label=period.label, approved=False, reason=text, actor=actor,
        now=now,
    )  # fmt: skip
    return record


def issue(
    session: Session,
    *,
    organization_id: int,
    period: Period,
    issued_on: date,
    actor: Actor,
    now: datetime,
) -> PeriodReport:
    """Đã duyệt → đã ban hành: the next number of the register for the year of
    ``issued_on`` (never before the approval, never in the future)."""
    record = _record(session, organization_id, period.code, now)
    _require(record, ReportState.APPROVED, period, "ban hành")
    approved = local_date(record.approved_at) if record.approved_at else None
    if approved is not None and issued_on < approved:
        raise SauroError(
            f"Ngày ban hành {format_date(issued_on)} trước ngày duyệt {format_date(approved)}."
        )
    if issued_on > local_date(now):
        raise SauroError(f"Ngày ban hành {format_date(issued_on)} sau ngày hôm nay.")
    entry = _register(session, record, period, issued_on=issued_on, actor=actor, now=now)
    _move(session, record, ReportState.ISSUED, actor, now, register_id=entry.id,
          issued_at=now, number=f"{entry.number:02d}/{entry.symbol}")  # fmt: skip
    events.report_issued(
        session, record, period_label=period.label, number=f"{entry.number:02d}/{entry.symbol}",
        actor=actor, now=now,
    )  # fmt: skip
    return record


def mark_sent(
    session: Session, *, organization_id: int, period: Period, actor: Actor, now: datetime
) -> PeriodReport:
    """Đã ban hành → đã gửi, once the report has gone upward (again: nothing changes)."""
    record = require_sendable(session, organization_id, period)
    if record.state == ReportState.SENT:
        return record
    _move(session, record, ReportState.SENT, actor, now, sent_at=now)
    events.report_sent(session, record, period_label=period.label, actor=actor, now=now)
    return record


def require_sendable(session: Session, organization_id: int, period: Period) -> PeriodReport:
    """The record of an issued (or already sent) report; else the Vietnamese refusal that
    a draft never goes upward."""
    record = report_of(session, organization_id, period.code)
    state = ReportState(record.state) if record else ReportState.DRAFT
    if record is None or state not in _OUT:
        raise SauroError(
            f"Báo cáo {period.label} đang ở bước «{STATE_LABELS[state]}»: chỉ báo cáo đã ban "
            "hành (đã duyệt, có số văn bản) mới được gửi lên cấp trên. Bản nháp chỉ gửi cơ quan "
            "thường trực để rà soát."
        )
    return record


def issue_of(session: Session, organization: Organization, period_code: str) -> Issue:
    """What the document prints: the register's number and date once issued (whatever
    regenerates it), and the signature block of the approver, else of the Chairman."""
    org_id = require_id(organization)
    record = report_of(session, org_id, period_code)
    approver = session.get(Person, record.approver_id) if record and record.approver_id else None
    signature = _signature(approver) if approver else _chairman_signature(session, org_id)
    if record is None or record.register_id is None:
        return Issue(number=None, issued_on=None, signature=signature)
    entry = session.get(DocumentRegister, record.register_id)
    if entry is None:  # pragma: no cover - the foreign key forbids it
        raise NotFoundError(f"Sổ văn bản đi không có số của báo cáo {period_code}.")
    return Issue(entry.number, entry.issued_on, signature, entry.symbol)


def _signature(person: Person) -> Signature:
    if person.role == PersonRole.CHAIRMAN:
        return Signature(("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), person.name)
    return Signature(("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), person.name)


def _chairman_signature(session: Session, organization_id: int) -> Signature:
    query = select(Person.name).where(
        col(Person.organization_id) == organization_id,
        col(Person.role) == PersonRole.CHAIRMAN,
        col(Person.active),
    )
    return Signature(("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), session.exec(query).first() or "")


def _record(
    session: Session, organization_id: int, period_code: str, now: datetime
) -> PeriodReport:
    record = report_of(session, organization_id, period_code)
    if record is None:
        record = PeriodReport(
            organization_id=organization_id, period_code=period_code, updated_at=now
        )
        session.add(record)
        session.flush()
    return record


def _require(record: PeriodReport, wanted: ReportState, period: Period, doing: str) -> None:
    state = ReportState(record.state)
    if state is not wanted:
        raise SauroError(
            f"Không {doing} được báo cáo {period.label}: báo cáo đang ở bước "
            f"«{STATE_LABELS[state]}», cần ở bước «{STATE_LABELS[wanted]}»."
        )


def _leader(session: Session, organization_id: int, who: str, doing: str) -> Person:
    try:
        person = find_person(session, organization_id=organization_id, who=who)
    except NotFoundError:
        raise PermissionDeniedError(
            f"'{who}' không có trong danh mục cán bộ: chỉ Chủ tịch hoặc Phó Chủ tịch được {doing}."
        ) from None
    if person.role not in _LEADERS:
        raise PermissionDeniedError(
            f"{person.name} ({person.title or 'cán bộ'}) không được {doing}: chỉ Chủ tịch hoặc "
            "Phó Chủ tịch."
        )
    return person


def _register(
    session: Session,
    record: PeriodReport,
    period: Period,
    *,
    issued_on: date,
    actor: Actor,
    now: datetime,
) -> DocumentRegister:
    """The next number of the organization's register for the year, recorded; a concurrent
    issue taking the same number makes this one take the next."""
    for _attempt in range(5):
        last = session.exec(
            select(func.max(DocumentRegister.number)).where(
                col(DocumentRegister.organization_id) == record.organization_id,
                col(DocumentRegister.year) == issued_on.year,
            )
        ).one()
        entry = DocumentRegister(
            organization_id=record.organization_id,
            year=issued_on.year,
            number=int(last or 0) + 1,
            symbol=SYMBOL,
            subject=f"Báo cáo kết quả thực hiện công tác cải cách hành chính {period.label}",
            issued_on=issued_on,
            issued_by=actor.name[:128],
            recorded_at=now,
        )
        try:
            with session.begin_nested():
                session.add(entry)
                session.flush()
        except IntegrityError:
            continue
        return entry
    raise SauroError("Sổ văn bản đi đang bận: chưa cấp được số, xin thử lại.")


def _move(
    session: Session,
    record: PeriodReport,
    state: ReportState,
    actor: Actor,
    now: datetime,
    **values: object,
) -> None:
    """Set the state (and the record's fields among ``values``), audited with every value."""
    fields = {k: v for k, v in values.items() if hasattr(record, k)}
    changes = audit.apply_changes(record, {"state": str(state), **fields})
    changes += [audit.Change(k, None, v) for k, v in values.items() if k not in fields]
    record.updated_at = now
    session.add(record)
    session.flush()
    audit.record_of(
        session,
        record,
        organization_id=record.organization_id,
        action=str(state),
        changes=changes,
        actor=actor,
        now=now,
    )
