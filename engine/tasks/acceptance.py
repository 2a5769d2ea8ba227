"""Accepting a task's result (nghiệm thu, đánh giá kết quả): when the organization requires
it (``Organization.acceptance_required``, from ``acceptance`` in ``config/directory.yaml``),
a completion (``engine.tasks.actions.complete``) leaves the task waiting (``awaiting``,
"chờ xác nhận") until the acceptor accepts it (``done``: on time is judged at the completion
date the unit recorded) or returns it with a reason (``open`` again, the completion cleared
and the reason kept for the person and the unit head, who are told by the ladder's
``returned`` steps).

The acceptor is the task's authority (the Chairman or a Vice-Chairman) or, when the
organization says so, the standing office. ``review_result`` works in the caller's
transaction, checks everything before it writes, and audits under the task.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from engine.calendar.deadlines import format_date
from engine.calendar.status import local_date
from engine.directory.store import find_person
from engine.errors import NotFoundError, PermissionDeniedError, TaskActionError
from engine.notices import events
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import Acceptor, Organization, Person, Task, TaskState, Unit
from engine.tasks import limits
from engine.tasks.actions import AUTHORITY_ROLES, authority_of, get_task, record_change
from engine.text import clean, clean_lines


def review_result(
    *,
    session: Session,
    task_id: int,
    accept: bool,
    reason: str,
    reviewer: str | None,
    actor: Actor,
    now: datetime,
) -> Task:
    """Accept the result of a task waiting for acceptance, or return it with a reason.

    ``reviewer`` (full name or email) must be the acceptor the organization names: a Chairman
    or Vice-Chairman, or a person of the standing office. ``None`` means the caller has
    already authorized the reviewer by role (a standing-office account not linked to a
    person): the audit row still names the actor.
    """
    task = get_task(session, task_id, lock=True)
    org = session.get(Organization, task.organization_id)
    if org is None:  # pragma: no cover - the foreign key forbids it
        raise NotFoundError(f"Không có UBND của nhiệm vụ {task.ref or task.key}.")
    if task.state != TaskState.AWAITING:
        raise TaskActionError(_not_waiting(task))
    who = _reviewer(session, task, org, reviewer)
    text = limits.RETURN_REASON.check(clean_lines(reason))
    if not accept and not text:
        raise TaskActionError(
            f"Trả lại kết quả nhiệm vụ {task.ref or task.key} cần ghi lý do, để người thực "
            "hiện biết phải làm thêm gì."
        )
    values = {"state": str(TaskState.DONE)} if accept else _returned(task, text, now)
    changes = audit.apply_changes(task, values)
    record_change(
        session,
        task,
        action="accept" if accept else "return",
        changes=[*changes, *([audit.Change("accepted_by", None, who)] if accept and who else [])],
        actor=actor,
        now=now,
    )
    events.result_reviewed(session, task, accepted=accept, actor=actor, now=now)
    return task


def acceptor_of(session: Session, organization_id: int) -> Acceptor | None:
    """Who accepts results in this organization; None when it does not require acceptance."""
    org = session.get(Organization, organization_id)
    if org is None or not org.acceptance_required:
        return None
    return Acceptor(org.acceptor)


def _returned(task: Task, reason: str, now: datetime) -> dict[str, object]:
    return {
        "state": str(TaskState.OPEN),
        "completed_on": None,
        "returned_on": local_date(now),
        "returns": task.returns + 1,
        "return_reason": reason,
    }


def _reviewer(session: Session, task: Task, org: Organization, reviewer: str | None) -> str:
    """The reviewer's name, when they may review this task's result."""
    if reviewer is None:
        return ""
    if org.acceptor == Acceptor.AUTHORITY:
        person = authority_of(session, task, reviewer, doing="xác nhận kết quả")
        return person.name
    person = _standing_office_person(session, task, org, reviewer)
    return person.name


def _standing_office_person(
    session: Session, task: Task, org: Organization, reviewer: str
) -> Person:
    refusal = (
        f"Chỉ cơ quan thường trực CCHC của {org.name} được xác nhận kết quả nhiệm vụ "
        f"{task.ref or task.key} (theo cấu hình acceptance.by)."
    )
    try:
        person = find_person(session, organization_id=org.id or 0, who=reviewer)
    except NotFoundError:
        raise PermissionDeniedError(
            f"'{clean(reviewer)}' không có trong danh mục cán bộ của {org.name}. {refusal}"
        ) from None
    unit = session.get(Unit, person.unit_id) if person.unit_id else None
    if unit is None or unit.code != org.standing_office_code:
        if person.role in AUTHORITY_ROLES:
            return person  # the leaders stand above the standing office
        raise PermissionDeniedError(f"{person.name} không thuộc cơ quan thường trực. {refusal}")
    return person


def _not_waiting(task: Task) -> str:
    name = f"Nhiệm vụ {task.ref or task.key}"
    if task.state == TaskState.DONE:
        done = format_date(task.completed_on) if task.completed_on else "không rõ ngày"
        return f"{name} đã được xác nhận hoàn thành ({done}): không xác nhận lại được."
    if task.state == TaskState.WITHDRAWN:
        return f"{name} đã rút khỏi kế hoạch: không xác nhận kết quả được."
    return f"{name} chưa báo hoàn thành: chưa có kết quả để xác nhận hoặc trả lại."
