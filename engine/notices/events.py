"""The events that make notices, each told to the people it concerns (``record.notify``).

Called by the action that causes the event, in its transaction, after its checks: a
refused action tells nobody, and an event recorded twice (a retried request) is told once.

Who hears of what:

- a task given to a unit: the unit's head and deputies;
- a task given to a person: the person, and the unit's heads when someone else gave it;
- a task given to someone else: the person it was given to before;
- an extension requested: the task's authority (the Vice-Chairman in charge of the lead
  unit, else the Chairman);
- an extension decided: the requester, the task's person, the unit's heads;
- a result sent for acceptance: the acceptor (the authority, or the standing office's
  heads);
- a result returned or accepted: the task's person and the unit's heads;
- a coordinating unit's note: the lead unit's heads and the task's person;
- a unit's report form requested: the unit's head and deputies;
- a period report submitted for signature: the Chairman and the Vice-Chairmen;
- a period report approved or returned, issued, sent: the standing office and the approver.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import quote

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.calendar.deadlines import format_date
from engine.directory.store import find_person, standing_office
from engine.errors import NotFoundError
from engine.notices.record import Event, leaders_of, notify, unit_heads
from engine.store.audit import Actor
from engine.store.models import (
    Acceptor,
    CoordinationNote,
    DocumentKind,
    ExtensionRequest,
    ExtensionStatus,
    Organization,
    PeriodReport,
    Person,
    PersonRole,
    Plan,
    Task,
    Unit,
    require_id,
)
from notifications.notice_config import NoticeKind

_WORK_SHOWN = 160
_REFS_SHOWN = 12
_KIND_WORDS = {
    DocumentKind.PLAN.value: "Kế hoạch",
    DocumentKind.CONCLUSION.value: "Thông báo kết luận",
    DocumentKind.LETTER.value: "Công văn",
    DocumentKind.MEETING.value: "Chỉ đạo tại cuộc họp",
}
_ACCOUNT_AND_PERSON = re.compile(r"\S+ \((?P<person>[^()]+)\)")


def task_assigned(session: Session, task: Task, *, actor: Actor, now: datetime) -> None:
    """A task given (by hand, or by an edit of its lead unit) to its lead unit."""
    unit = _unit(session, task.lead_unit_id)
    if unit is None:
        return
    notify(
        session,
        _event(
            task,
            NoticeKind.ASSIGNED,
            f"task:{task.id}:unit:{unit.id}:v{task.version}",
            f"{_label(task, capital=True)} giao cho {unit.name} chủ trì",
            _work_and_due(task),
            actor=actor,
        ),
        unit_heads(session, unit.id),
        now=now,
    )


def plan_imported(
    session: Session, organization_id: int, plan_key: str, *, actor: Actor, now: datetime
) -> None:
    """The tasks an import of a plan (or an assigning document) just created, told to each
    lead unit's heads once: "Kế hoạch 3838/KH-UBND: 4 nhiệm vụ mới giao cho Phòng Tư pháp"."""
    plan = session.exec(
        select(Plan).where(col(Plan.organization_id) == organization_id, Plan.key == plan_key)
    ).first()
    if plan is None:
        return
    # Three columns of the new tasks (Core, not an ORM object per task: a plan has thousands)
    t = Task.__table__.c  # type: ignore[attr-defined]
    new = session.connection().execute(
        sa.select(t.id, t.ref, t.lead_unit_id).where(
            t.plan_id == plan.id, t.created_at == now, t.lead_unit_id.is_not(None)
        )
    )
    by_unit: dict[int, list[tuple[int, str]]] = {}
    for task_id, ref, unit_id in new:
        by_unit.setdefault(unit_id, []).append((task_id, ref))
    document = f"{_KIND_WORDS.get(plan.kind, 'Văn bản')} {plan.number or plan.key}"
    for unit_id, tasks in by_unit.items():
        unit = _unit(session, unit_id)
        if unit is None:
            continue
        refs = ", ".join(ref for _, ref in tasks[:_REFS_SHOWN] if ref)
        more = f" và {len(tasks) - _REFS_SHOWN} nhiệm vụ khác" if len(tasks) > _REFS_SHOWN else ""
        event = Event(
            kind=NoticeKind.ASSIGNED,
            key=f"plan:{plan.id}:unit:{unit_id}:{min(task_id for task_id, _ in tasks)}",
            organization_id=organization_id,
            title=f"{document}: {len(tasks)} nhiệm vụ mới giao cho {unit.name} chủ trì",
            body=f"Các nhiệm vụ: {refs}{more}." if refs else plan.title,
            link=f"/tasks?unit={unit_id}&plan={quote(plan.key)}",
            actor=actor.name,
        )
        notify(session, event, unit_heads(session, unit_id), now=now)


def task_delegated(
    session: Session,
    task: Task,
    previous: int | None,
    *,
    actor: Actor,
    now: datetime,
    by_head: bool,
) -> None:
    """A task given to its person (``task.person_id``), taken from ``previous`` if any; the
    unit's heads hear of it unless one of them gave it (``by_head``)."""
    person = session.get(Person, task.person_id) if task.person_id else None
    if person is None:
        return
    round_key = f"task:{task.id}:a{task.assignment}"
    body = _work_and_due(task)
    notify(
        session,
        _event(
            task,
            NoticeKind.DELEGATED,
            f"{round_key}:to:{person.id}",
            f"{_label(task, capital=True)} giao cho {person.name} thực hiện",
            body,
            actor=actor,
        ),
        [person.id, *([] if by_head else unit_heads(session, task.lead_unit_id))],
        now=now,
    )
    if previous is not None and previous != person.id:
        notify(
            session,
            _event(
                task,
                NoticeKind.REASSIGNED,
                f"{round_key}:from:{previous}",
                f"{_label(task, capital=True)} đã giao lại cho {person.name}",
                f"Bạn không còn là người thực hiện nhiệm vụ này. {body}",
                actor=actor,
            ),
            [previous],
            now=now,
        )


def extension_requested(
    session: Session, task: Task, request: ExtensionRequest, *, actor: Actor, now: datetime
) -> None:
    unit = _unit(session, task.lead_unit_id)
    body = (
        f"{_who(request.requested_by)} đề nghị gia hạn từ {format_date(request.old_due)} đến "
        f"{format_date(request.new_due)}. Lý do: {request.reason}"
    )
    notify(
        session,
        _event(
            task,
            NoticeKind.EXTENSION_REQUESTED,
            f"extension:{request.id}:requested",
            f"Đề nghị gia hạn {_label(task)} chờ quyết định",
            body,
            actor=actor,
        ),
        leaders_of(session, task.organization_id, unit.code if unit else None),
        now=now,
    )


def extension_decided(
    session: Session, task: Task, request: ExtensionRequest, *, actor: Actor, now: datetime
) -> None:
    approved = request.status == ExtensionStatus.APPROVED
    verdict = "đồng ý" if approved else "không đồng ý"
    note = request.decision_note.rstrip(".")
    body = (
        f"{request.decided_by or _who(actor.name)} {verdict} gia hạn đến "
        f"{format_date(request.new_due)}." + (f" Ý kiến: {note}." if note else "")
    )
    notify(
        session,
        _event(
            task,
            NoticeKind.EXTENSION_DECIDED,
            f"extension:{request.id}:decided",
            f"Đề nghị gia hạn {_label(task)} được {verdict}"
            if approved
            else f"Đề nghị gia hạn {_label(task)} không được đồng ý",
            body,
            actor=actor,
        ),
        [
            _person_named(session, task.organization_id, request.requested_by),
            task.person_id,
            *unit_heads(session, task.lead_unit_id),
        ],
        now=now,
    )


def result_submitted(session: Session, task: Task, *, actor: Actor, now: datetime) -> None:
    """A completion waiting for the acceptor's decision."""
    org = session.get(Organization, task.organization_id)
    if org is None:
        return
    unit = _unit(session, task.lead_unit_id)
    if org.acceptor == Acceptor.STANDING_OFFICE:
        office = _unit_by_code(session, task.organization_id, org.standing_office_code)
        people = unit_heads(session, office.id if office else None)
    else:
        people = leaders_of(session, task.organization_id, unit.code if unit else None)
    done = format_date(task.completed_on) if task.completed_on else ""
    notify(
        session,
        _event(
            task,
            NoticeKind.AWAITING_ACCEPTANCE,
            f"task:{task.id}:s{task.submission}",
            f"Kết quả {_label(task)} chờ xác nhận",
            f"{unit.name if unit else _who(actor.name)} báo hoàn thành ngày {done}. "
            f"Kết quả: {task.result}",
            actor=actor,
        ),
        people,
        now=now,
    )


def result_reviewed(
    session: Session, task: Task, *, accepted: bool, actor: Actor, now: datetime
) -> None:
    if accepted:
        kind, key = NoticeKind.RESULT_ACCEPTED, f"task:{task.id}:accepted:s{task.submission}"
        title = f"Kết quả {_label(task)} đã được xác nhận"
        body = f"{_who(actor.name)} xác nhận kết quả. Nhiệm vụ đã hoàn thành."
    else:
        kind, key = NoticeKind.RESULT_RETURNED, f"task:{task.id}:r{task.returns}"
        title = f"Kết quả {_label(task)} bị trả lại"
        body = f"{_who(actor.name)} trả lại kết quả. Lý do: {task.return_reason}"
    notify(
        session,
        _event(task, kind, key, title, body, actor=actor),
        [task.person_id, *unit_heads(session, task.lead_unit_id)],
        now=now,
    )


def coordination_noted(
    session: Session, task: Task, note: CoordinationNote, *, actor: Actor, now: datetime
) -> None:
    unit = _unit(session, note.unit_id)
    notify(
        session,
        _event(
            task,
            NoticeKind.COORDINATION,
            f"coordination:{note.id}",
            f"{unit.name if unit else 'Đơn vị phối hợp'} ghi phần việc phối hợp {_label(task)}",
            note.note + (f" Minh chứng: {note.evidence}" if note.evidence else ""),
            actor=actor,
        ),
        [*unit_heads(session, task.lead_unit_id), task.person_id],
        now=now,
    )


def form_requested(
    session: Session,
    unit: Unit,
    *,
    period_code: str,
    period_label: str,
    due: date,
    tasks: int,
    actor: Actor,
    now: datetime,
) -> None:
    """A unit's report form for a period, to fill in and return by ``due``."""
    notify(
        session,
        Event(
            kind=NoticeKind.FORM_REQUESTED,
            key=f"form:{unit.organization_id}:{unit.id}:{period_code}",
            organization_id=unit.organization_id,
            title=f"Báo cáo {period_label} của {unit.name}: hạn gửi {format_date(due)}",
            body=(
                f"Mẫu báo cáo gồm {tasks} nhiệm vụ đơn vị chủ trì. Tải mẫu, điền tiến độ, kết "
                f"quả và gửi lại trên Sáu Rõ trước ngày {format_date(due)}."
            ),
            link="/unit-reports",
            actor=actor.name,
        ),
        unit_heads(session, unit.id),
        now=now,
    )


def _event(
    task: Task,
    kind: NoticeKind,
    key: str,
    title: str,
    body: str,
    *,
    actor: Actor,
) -> Event:
    task_id = require_id(task)
    return Event(
        kind=kind,
        key=key,
        organization_id=task.organization_id,
        title=title,
        body=body,
        link=f"/tasks/{task_id}",
        actor=actor.name,
        task_id=task_id,
    )


def _label(task: Task, *, capital: bool = False) -> str:
    word = "Nhiệm vụ" if capital else "nhiệm vụ"
    return f"{word} {task.ref}" if task.ref else f"{word} mã {task.id}"


def _work_and_due(task: Task) -> str:
    work = task.work if len(task.work) <= _WORK_SHOWN else task.work[: _WORK_SHOWN - 1] + "…"
    due = format_date(task.due_date) if task.due_date else "chưa xác định"
    return f"{work} Thời hạn: {due}."


def _who(actor: str) -> str:
    """The person behind an audit actor: "truongphong (Võ Thanh Tùng)" → "Võ Thanh Tùng"."""
    match = _ACCOUNT_AND_PERSON.fullmatch(actor)
    return match["person"] if match else actor


def _unit(session: Session, unit_id: int | None) -> Unit | None:
    return session.get(Unit, unit_id) if unit_id is not None else None


def _unit_by_code(session: Session, organization_id: int, code: str) -> Unit | None:
    query = select(Unit).where(col(Unit.organization_id) == organization_id, Unit.code == code)
    return session.exec(query).first()


def _person_named(session: Session, organization_id: int, who: str) -> int | None:
    try:
        return find_person(session, organization_id=organization_id, who=who).id
    except NotFoundError:
        return None


def report_submitted(
    session: Session, report: PeriodReport, *, period_label: str, actor: Actor, now: datetime
) -> None:
    leaders = session.exec(
        select(Person.id).where(
            col(Person.organization_id) == report.organization_id,
            col(Person.active),
            col(Person.role).in_([PersonRole.CHAIRMAN.value, PersonRole.VICE_CHAIRMAN.value]),
        )
    ).all()
    notify(
        session,
        _report_event(
            report, NoticeKind.REPORT_SUBMITTED, f"{report.updated_at.isoformat()}",
            f"Báo cáo CCHC {period_label} trình ký",
            f"{_who(actor.name)} trình báo cáo; xem, duyệt hoặc trả lại.", actor=actor,
        ),
        leaders,
        now=now,
    )  # fmt: skip


def report_decided(
    session: Session,
    report: PeriodReport,
    *,
    period_label: str,
    approved: bool,
    reason: str,
    actor: Actor,
    now: datetime,
) -> None:
    title = (
        f"Báo cáo CCHC {period_label} đã được duyệt"
        if approved
        else f"Báo cáo CCHC {period_label} bị trả lại"
    )
    body = (
        f"{report.approved_by} duyệt báo cáo; cơ quan thường trực ban hành (lấy số) rồi gửi."
        if approved
        else f"{_who(actor.name)} trả lại báo cáo. Lý do: {reason}"
    )
    notify(
        session,
        _report_event(
            report, NoticeKind.REPORT_DECIDED, f"{report.updated_at.isoformat()}", title, body,
            actor=actor,
        ),
        _standing_office(session, report.organization_id),
        now=now,
    )  # fmt: skip


def report_issued(
    session: Session,
    report: PeriodReport,
    *,
    period_label: str,
    number: str,
    actor: Actor,
    now: datetime,
) -> None:
    notify(
        session,
        _report_event(
            report, NoticeKind.REPORT_ISSUED, number,
            f"Báo cáo CCHC {period_label} ban hành, số {number}",
            f"{_who(actor.name)} ban hành báo cáo số {number}; có thể gửi cấp trên.", actor=actor,
        ),
        [*_standing_office(session, report.organization_id), report.approver_id],
        now=now,
    )  # fmt: skip


def report_sent(
    session: Session, report: PeriodReport, *, period_label: str, actor: Actor, now: datetime
) -> None:
    notify(
        session,
        _report_event(
            report, NoticeKind.REPORT_SENT, "sent", f"Báo cáo CCHC {period_label} đã gửi cấp trên",
            f"{_who(actor.name)} gửi báo cáo lên cấp trên.", actor=actor,
        ),
        [*_standing_office(session, report.organization_id), report.approver_id],
        now=now,
    )  # fmt: skip


def _report_event(
    report: PeriodReport, kind: NoticeKind, round_key: str, title: str, body: str, *, actor: Actor
) -> Event:
    return Event(
        kind=kind,
        key=f"report:{report.id}:{kind.value}:{round_key}",
        organization_id=report.organization_id,
        title=title,
        body=body,
        link=f"/reports/{report.period_code}/approval",
        actor=actor.name,
    )


def _standing_office(session: Session, organization_id: int) -> list[int]:
    """The active people of the organization's standing office."""
    org = session.get(Organization, organization_id)
    return [p.id for p in standing_office(session, org) if p.id is not None] if org else []
