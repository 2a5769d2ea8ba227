"""Task actions that move the clock: progress, completion, extension requests and decisions.

Each action is a keyword-only function over the caller's session (the caller commits or
rolls back), given who acts (``actor``) and when (``now``, aware); it never reads the clock.
Every check runs before the first write, so a refused action leaves the transaction
untouched, and every change is audited under the record it changes: ``task`` (completion,
a new due date), ``progress_report``, ``extension_request``.

Extensions follow domain.md §8: a reason and a new date, asked before the deadline, one
request pending at a time, decided by the task's authority (the organization's Chairman or
a Vice-Chairman). An approval moves ``due_date``, keeps the plan's date in ``original_due``
and bumps ``deadline_version``, which re-arms the reminder ladder for the new date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from engine.calendar.deadlines import format_date
from engine.calendar.status import LABELS, VN, TaskStatus, local_date, task_status
from engine.calendar.workdays import WorkCalendar
from engine.directory.store import find_person, get_organization
from engine.errors import (
    NotFoundError,
    PermissionDeniedError,
    SauroError,
    TaskActionError,
)
from engine.importing.areas import AreasConfig
from engine.notices import events
from engine.plans.check import plan_basis
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import (
    AuditLog,
    CoordinationNote,
    ExtensionRequest,
    ExtensionStatus,
    Milestone,
    Organization,
    Person,
    PersonRole,
    Plan,
    ProgressReport,
    Task,
    TaskState,
    TaskUnit,
    Unit,
    require_id,
)
from engine.tasks import limits
from engine.tasks.history import STATUS_WORDS, HistoryNames, history_names
from engine.text import clean, clean_lines

AUTHORITY_ROLES = frozenset({PersonRole.CHAIRMAN, PersonRole.VICE_CHAIRMAN})
_NAME_MAX = 128  # ProgressReport.actor, ExtensionRequest.requested_by / decided_by


# -- finding tasks, requests and people --------------------------------------------------------


def find_task_id(session: Session, *, org_code: str, ref: str, plan_key: str | None = None) -> int:
    """The id of the task ``ref`` (the plan's numbering, or the task key) in a plan of
    ``org_code``; the plan may be omitted when the organization has only one."""
    org = get_organization(session, org_code)
    plan = _find_plan(session, org, plan_key)
    wanted = clean(ref)
    tasks = list(
        session.exec(
            select(Task)
            .where(
                Task.plan_id == plan.id, sa.or_(col(Task.ref) == wanted, col(Task.key) == wanted)
            )
            .order_by(col(Task.position))
        )
    )
    by_key = [t for t in tasks if t.key == wanted]
    if by_key:
        return require_id(by_key[0])
    if len(tasks) == 1:
        return require_id(tasks[0])
    if not tasks:
        raise NotFoundError(
            f"Không có nhiệm vụ số '{wanted}' trong kế hoạch '{plan.key}' của {org.name}."
        )
    keys = ", ".join(t.key for t in tasks)
    raise SauroError(
        f"Kế hoạch '{plan.key}' có {len(tasks)} nhiệm vụ cùng số '{wanted}' (khóa: {keys}). "
        "Hãy ghi khóa của nhiệm vụ thay cho số, hoặc dùng --id."
    )


def _find_plan(session: Session, org: Organization, plan_key: str | None) -> Plan:
    plans = list(
        session.exec(select(Plan).where(Plan.organization_id == org.id).order_by(col(Plan.key)))
    )
    listed = ", ".join(p.key for p in plans) or "chưa có"
    if plan_key is not None:
        wanted = clean(plan_key)
        found = [p for p in plans if wanted in (p.key, p.number)]
        if found:
            return found[0]
        raise NotFoundError(
            f"Không có kế hoạch '{wanted}' của {org.name} (đã có: {listed}). "
            "Hãy nhập kế hoạch bằng 'sauro import'."
        )
    if len(plans) == 1:
        return plans[0]
    if not plans:
        raise NotFoundError(
            f"{org.name} chưa có kế hoạch nào. Hãy nhập kế hoạch bằng 'sauro import'."
        )
    raise SauroError(f"{org.name} có {len(plans)} kế hoạch ({listed}): hãy chọn một bằng --plan.")


def get_task(session: Session, task_id: int, *, lock: bool = False) -> Task:
    """The task ``task_id`` (locked for update with ``lock``), or a Vietnamese error."""
    task = session.get(Task, task_id, with_for_update=lock)
    if task is None:
        raise NotFoundError(f"Không có nhiệm vụ mã {task_id}.")
    return task


def pending_request_id(session: Session, *, task_id: int) -> int:
    """The id of the task's pending extension request, or an error saying there is none."""
    task = get_task(session, task_id)
    pending = _pending_request(session, task_id)
    if pending is None:
        raise NotFoundError(
            f"{_name(task, capital=True)} không có đề nghị gia hạn nào đang chờ quyết định."
        )
    return require_id(pending)


# -- the actions -----------------------------------------------------------------------------


def record_progress(
    *,
    session: Session,
    task_id: int,
    percent: int | None,
    note: str,
    actor: Actor,
    now: datetime,
) -> ProgressReport:
    """Record how far an open task is (percent 0–100) and what was done (note)."""
    task = _open_task(session, task_id, "báo cáo tiến độ")
    text = limits.PROGRESS_NOTE.check(clean_lines(note))
    if percent is not None and not 0 <= percent <= 100:
        raise TaskActionError(f"Tỷ lệ hoàn thành phải từ 0 đến 100 (%), không phải {percent}.")
    if percent is None and not text:
        raise TaskActionError(
            f"Báo cáo tiến độ {_name(task)} cần tỷ lệ hoàn thành (%) hoặc ghi chú công việc đã làm."
        )
    previous = _last_percent(session, task_id)
    report = ProgressReport(
        task_id=task_id, at=now, actor=_fit(actor.name), percent=percent, note=text
    )
    session.add(report)
    session.flush()
    changes = []
    if percent is not None:
        changes.append(audit.Change("percent", previous, percent))
    if text:
        changes.append(audit.Change("note", None, text))
    audit.record_of(
        session,
        report,
        organization_id=task.organization_id,
        action="create",
        changes=changes,
        actor=actor,
        now=now,
    )
    return report


def complete(
    *,
    session: Session,
    task_id: int,
    result: str,
    evidence: str,
    completed_on: date,
    actor: Actor,
    now: datetime,
) -> Task:
    """Mark an open task done on ``completed_on`` with its actual result and the evidence of
    it (6 rõ, rõ kết quả: on completion, evidence recorded). When the organization requires
    acceptance the task waits for it (``awaiting``: ``engine.tasks.acceptance``). A pending
    extension request is cancelled: nothing is left to decide."""
    task = _open_task(session, task_id, "ghi nhận hoàn thành")
    result_text = limits.RESULT.check(clean_lines(result))
    evidence_text = limits.EVIDENCE.check(clean_lines(evidence))
    _check_completion(task, result_text, evidence_text, completed_on, now)
    org = session.get(Organization, task.organization_id)
    waits = org is not None and org.acceptance_required
    values: dict[str, Any] = {
        "state": str(TaskState.AWAITING if waits else TaskState.DONE),
        "completed_on": completed_on,
        "result": result_text,
        "evidence": evidence_text,
    }
    if waits:
        values.update(submitted_on=local_date(now), submission=task.submission + 1)
    changes = audit.apply_changes(task, values)
    _touch(task, changes, now)
    audit.record_of(
        session,
        task,
        organization_id=task.organization_id,
        action="submit" if waits else "complete",
        changes=changes,
        actor=actor,
        now=now,
    )
    if waits:
        events.result_submitted(session, task, actor=actor, now=now)
    pending = _pending_request(session, task_id)
    if pending is not None:
        note = "Nhiệm vụ đã hoàn thành trước khi có quyết định."
        _close(
            session,
            task,
            pending,
            status=ExtensionStatus.CANCELLED,
            actor=actor,
            now=now,
            decided_by=actor.name,
            note=note,
        )
    return task


def _check_completion(
    task: Task, result: str, evidence: str, completed_on: date, now: datetime
) -> None:
    wanted = (("kết quả thực tế", result), ("minh chứng", evidence))
    missing = [what for what, text in wanted if not text]
    if missing:
        raise TaskActionError(
            f"Chưa ghi nhận hoàn thành {_name(task)}: thiếu {' và '.join(missing)}. "
            "Theo nguyên tắc 6 rõ (rõ kết quả), khi hoàn thành phải ghi kết quả đạt được và "
            "minh chứng (số, ngày văn bản; đường dẫn tệp; sản phẩm đã bàn giao)."
        )
    today = local_date(now)
    if completed_on > today:
        raise TaskActionError(
            f"Ngày hoàn thành {format_date(completed_on)} sau ngày hôm nay "
            f"({format_date(today)}): chỉ ghi nhận việc đã hoàn thành."
        )


def request_extension(
    *,
    session: Session,
    task_id: int,
    new_due: date,
    reason: str,
    actor: Actor,
    now: datetime,
    calendar: WorkCalendar | None = None,
) -> ExtensionRequest:
    """Ask for a later due date, with a reason, before the deadline ends (its effective day
    under ``calendar``: a due date on a day off ends on the next working day)."""
    task = _open_task(session, task_id, "đề nghị gia hạn")
    text = limits.EXTENSION_REASON.check(clean_lines(reason))
    due = _check_extension(session, task, new_due=new_due, reason=text, now=now, calendar=calendar)
    request = ExtensionRequest(
        organization_id=task.organization_id,
        task_id=task_id,
        requested_at=now,
        requested_by=_fit(actor.name),
        reason=text,
        old_due=due,
        new_due=new_due,
    )
    session.add(request)
    session.flush()
    changes = [
        audit.Change("status", None, str(ExtensionStatus.PENDING)),
        audit.Change("due_date", due, new_due),
        audit.Change("reason", None, text),
    ]
    audit.record_of(
        session,
        request,
        organization_id=task.organization_id,
        action="create",
        changes=changes,
        actor=actor,
        now=now,
    )
    events.extension_requested(session, task, request, actor=actor, now=now)
    return request


def _check_extension(
    session: Session,
    task: Task,
    *,
    new_due: date,
    reason: str,
    now: datetime,
    calendar: WorkCalendar | None,
) -> date:
    """The task's current due date, when an extension to ``new_due`` may be asked."""
    due = task.due_date
    if due is None:
        raise TaskActionError(
            f"{_name(task, capital=True)} chưa có hạn hoàn thành (ô thời hạn: "
            f"«{clean(task.deadline_text) or 'trống'}»): chỉ gia hạn được nhiệm vụ đã có hạn."
        )
    if not reason:
        raise TaskActionError(f"Đề nghị gia hạn {_name(task)} cần ghi lý do.")
    last_day = calendar.effective_due(due) if calendar else due
    today = local_date(now)
    if today > last_day:
        raise TaskActionError(
            f"{_name(task, capital=True)} đã quá hạn (hạn {format_date(due)}, hết ngày "
            f"{format_date(last_day)}; hôm nay {format_date(today)}): đề nghị gia hạn phải gửi "
            "trước khi hết hạn."
        )
    if new_due <= due:
        raise TaskActionError(
            f"Ngày đề nghị gia hạn {format_date(new_due)} phải sau hạn hiện tại "
            f"{format_date(due)} của {_name(task)}."
        )
    pending = _pending_request(session, require_id(task))
    if pending is not None:
        raise TaskActionError(
            f"{_name(task, capital=True)} đã có đề nghị gia hạn số {pending.id} (đến "
            f"{format_date(pending.new_due)}) đang chờ quyết định: chờ phê duyệt hoặc từ chối "
            "trước khi đề nghị lần nữa."
        )
    return due


def decide_extension(
    *,
    session: Session,
    request_id: int,
    approve: bool,
    decider: str,
    note: str,
    actor: Actor,
    now: datetime,
) -> ExtensionRequest:
    """Approve or refuse a pending extension request. Only the task's authority decides: the
    Chairman or a Vice-Chairman of the task's organization, named by ``decider`` (full name or
    email). An approval moves the due date and bumps ``deadline_version``."""
    request = session.get(ExtensionRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFoundError(f"Không có đề nghị gia hạn số {request_id}.")
    task = _open_task(session, request.task_id, "quyết định gia hạn")
    person = authority_of(session, task, decider)
    _check_pending(task, request)
    text = limits.DECISION_NOTE.check(clean_lines(note))
    if approve:
        _extend(session, task, request, actor, now)
    status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    _close(
        session,
        task,
        request,
        status=status,
        actor=actor,
        now=now,
        decided_by=person.name,
        note=text,
    )
    events.extension_decided(session, task, request, actor=actor, now=now)
    return request


def task_authority(session: Session, *, task_id: int, decider: str) -> Person:
    """The directory person ``decider`` (full name or email), when they are the authority of
    the task (its organization's Chairman or a Vice-Chairman); else ``PermissionDeniedError``."""
    return authority_of(session, get_task(session, task_id), decider)


def authority_of(
    session: Session, task: Task, decider: str, *, doing: str = "quyết định gia hạn"
) -> Person:
    """The directory person ``decider``, when they are the task's authority (the Chairman or
    a Vice-Chairman) who may do ``doing`` on it; else ``PermissionDeniedError``."""
    org = session.get(Organization, task.organization_id)
    org_name = org.name if org else ""
    allowed = _authorities(session, task.organization_id)
    who = f"{org_name}: {allowed}" if allowed else f"{org_name} (chưa khai báo trong danh mục)"
    try:
        person = find_person(session, organization_id=task.organization_id, who=decider)
    except NotFoundError:
        raise PermissionDeniedError(
            f"'{clean(decider)}' không có trong danh mục cán bộ của {org_name}. Chỉ Chủ tịch "
            f"hoặc Phó Chủ tịch được {doing}; {who}."
        ) from None
    if person.role not in AUTHORITY_ROLES:
        raise PermissionDeniedError(
            f"{person.name} ({person.title or 'cán bộ'}) không có thẩm quyền {doing} "
            f"{_name(task)}. Chỉ Chủ tịch hoặc Phó Chủ tịch được {doing}; {who}."
        )
    return person


def _authorities(session: Session, organization_id: int) -> str:
    people = session.exec(
        select(Person)
        .where(Person.organization_id == organization_id, Person.active)
        .where(col(Person.role).in_([str(role) for role in AUTHORITY_ROLES]))
        .order_by(col(Person.id))
    )
    return "; ".join(f"{p.name} ({p.title})" if p.title else p.name for p in people)


def _check_pending(task: Task, request: ExtensionRequest) -> None:
    if request.status == ExtensionStatus.PENDING:
        return
    when = request.decided_at.astimezone(VN) if request.decided_at else None
    decided = f" ngày {format_date(when.date())}" if when else ""
    raise TaskActionError(
        f"Đề nghị gia hạn số {request.id} của {_name(task)} đã "
        f"{STATUS_WORDS.get(request.status, request.status)}{decided}"
        f"{f' ({request.decided_by})' if request.decided_by else ''}: không quyết định lại được."
    )


def _extend(
    session: Session, task: Task, request: ExtensionRequest, actor: Actor, now: datetime
) -> None:
    """Move the task's due date to the approved one; audit the task's changes."""
    if task.due_date != request.old_due:
        raise TaskActionError(
            f"Hạn của {_name(task)} đã đổi từ {format_date(request.old_due)} thành "
            f"{_date_text(task.due_date)} sau khi có đề nghị gia hạn số {request.id}: hãy từ "
            "chối đề nghị này và đề nghị lại theo hạn mới."
        )
    changes = audit.apply_changes(
        task,
        {
            "due_date": request.new_due,
            "original_due": task.original_due or task.due_date,
            "deadline_version": task.deadline_version + 1,
        },
    )
    _touch(task, changes, now)
    audit.record_of(
        session,
        task,
        organization_id=task.organization_id,
        action="extend",
        changes=changes,
        actor=actor,
        now=now,
    )


def _close(
    session: Session,
    task: Task,
    request: ExtensionRequest,
    *,
    status: ExtensionStatus,
    actor: Actor,
    now: datetime,
    decided_by: str,
    note: str,
) -> None:
    changes = audit.apply_changes(
        request,
        {
            "status": str(status),
            "decided_at": now,
            "decided_by": _fit(decided_by),
            "decision_note": note,
        },
    )
    action = {"approved": "approve", "refused": "refuse", "cancelled": "cancel"}[status]
    changes = [c for c in changes if c.field != "decided_at"]  # the audit row carries the time
    audit.record_of(
        session,
        request,
        organization_id=task.organization_id,
        action=action,
        changes=changes,
        actor=actor,
        now=now,
    )


# -- shared helpers ----------------------------------------------------------------------------


def _open_task(session: Session, task_id: int, doing: str) -> Task:
    """The task, locked for the action, when it is still open."""
    task = get_task(session, task_id, lock=True)
    if task.state == TaskState.WITHDRAWN:
        raise TaskActionError(
            f"{_name(task, capital=True)} đã rút khỏi kế hoạch: không thể {doing}."
        )
    if task.state == TaskState.DONE:
        raise TaskActionError(
            f"{_name(task, capital=True)} đã hoàn thành ngày {_date_text(task.completed_on)}: "
            f"không thể {doing}."
        )
    if task.state == TaskState.AWAITING:
        raise TaskActionError(
            f"{_name(task, capital=True)} đã báo hoàn thành ngày "
            f"{_date_text(task.completed_on)} và đang chờ xác nhận kết quả: không thể {doing} "
            "cho đến khi kết quả được xác nhận hoặc trả lại."
        )
    return task


def _pending_request(session: Session, task_id: int) -> ExtensionRequest | None:
    return session.exec(
        select(ExtensionRequest).where(
            ExtensionRequest.task_id == task_id,
            ExtensionRequest.status == str(ExtensionStatus.PENDING),
        )
    ).first()


def _last_percent(session: Session, task_id: int) -> int | None:
    return session.exec(
        select(ProgressReport.percent)
        .where(ProgressReport.task_id == task_id, col(ProgressReport.percent).is_not(None))
        .order_by(col(ProgressReport.at).desc(), col(ProgressReport.id).desc())
    ).first()


def record_change(
    session: Session,
    task: Task,
    *,
    action: str,
    changes: Sequence[audit.Change],
    actor: Actor,
    now: datetime,
) -> None:
    """A new version of ``task``, stamped ``now``, and its audit row (``action``)."""
    task.version += 1
    task.updated_at = now
    audit.record_of(
        session,
        task,
        organization_id=task.organization_id,
        action=action,
        changes=changes,
        actor=actor,
        now=now,
    )


def _touch(task: Task, changes: Sequence[audit.Change], now: datetime) -> None:
    if changes:
        task.version += 1
        task.updated_at = now


def _name(task: Task, *, capital: bool = False) -> str:
    """How messages name a task: "nhiệm vụ 1.4" ("Nhiệm vụ 1.4" to begin a sentence)."""
    return f"{'Nhiệm vụ' if capital else 'nhiệm vụ'} {task.ref or task.key}"


def _date_text(day: date | None) -> str:
    return format_date(day) if day else "không rõ"


def _fit(text: str) -> str:
    return text if len(text) <= _NAME_MAX else text[: _NAME_MAX - 1] + "…"


# -- the task as shown -------------------------------------------------------------------------


def status_of(task: Task, *, now: datetime, calendar: WorkCalendar | None = None) -> TaskStatus:
    """The official status of ``task`` at ``now`` (domain.md §4), against its due date in
    force (the extended one after an approval), moved to the next working day under
    ``calendar`` when it falls on a day off (Civil Code art. 148)."""
    return task_status(
        state=task.state, due=effective_due(task, calendar), completed_on=task.completed_on, now=now
    )


def effective_due(task: Task, calendar: WorkCalendar | None) -> date | None:
    """The day the task's deadline really ends."""
    if task.due_date is None or calendar is None:
        return task.due_date
    return calendar.effective_due(task.due_date)


@dataclass(frozen=True)
class TaskView:
    """Everything ``sauro task show`` prints: the six dimensions, the official status, the
    deadline in force, and the task's progress, extensions and audit history."""

    organization: Organization
    plan: Plan
    task: Task
    person: Person | None
    lead_unit: Unit | None
    units: list[tuple[TaskUnit, Unit | None]]
    milestones: list[Milestone]
    status: TaskStatus
    effective_due: date | None
    progress: list[ProgressReport]
    extensions: list[ExtensionRequest]
    history: list[AuditLog]
    now: datetime
    names: HistoryNames  # the history's ids by name
    coordination: list[CoordinationNote] = field(default_factory=list)  # coordinators' parts

    @property
    def status_label(self) -> str:
        return LABELS[self.status]

    @property
    def basis(self) -> str:
        return plan_basis(self.plan.number, self.plan.issued_on, self.plan.kind)

    def to_json(self) -> dict[str, Any]:
        """The view as JSON-ready data (dates ISO, times in Viet Nam)."""
        task = self.task
        return {
            "id": task.id,
            "organization": self.organization.code,
            "plan": {
                "key": self.plan.key,
                "number": self.plan.number,
                "issued_on": _iso(self.plan.issued_on),
            },
            "ref": task.ref,
            "key": task.key,
            "state": task.state,
            "status": str(self.status),
            "status_label": self.status_label,
            "at": _local(self.now),
            "person": self._person_json(),
            "work": {"text": task.work, "area": task.area, "group": task.group_label},
            "deadline": self._deadline_json(),
            "responsibility": self._responsibility_json(),
            "authority": {"assigner": task.assigner, "basis": self.basis},
            "result": {
                "product": task.product,
                "result": task.result,
                "evidence": task.evidence,
                "completed_on": _iso(task.completed_on),
            },
            "progress": [_progress_json(p) for p in self.progress],
            "coordination": [
                {
                    "at": _local(note.at),
                    "unit": self.names.units.get(note.unit_id),
                    "actor": note.actor,
                    "note": note.note,
                    "evidence": note.evidence,
                }
                for note in self.coordination
            ],
            "extensions": [_extension_json(e) for e in self.extensions],
            "history": [_audit_json(a) for a in self.history],
        }

    def _person_json(self) -> dict[str, Any]:
        person = self.person
        return {
            "text": self.task.person_text,
            "name": person.name if person else None,
            "title": person.title if person else None,
            "email": person.email if person else None,
        }

    def _deadline_json(self) -> dict[str, Any]:
        task = self.task
        return {
            "text": task.deadline_text,
            "kind": task.deadline_kind,
            "resolved": task.deadline_resolved,
            "reason": task.deadline_reason,
            "start": _iso(task.start_date),
            "due": _iso(task.due_date),
            "original_due": _iso(task.original_due),
            "effective_due": _iso(self.effective_due),
            "recurrence": task.recurrence,
            "deadline_version": task.deadline_version,
            "milestones": [{"due": _iso(m.due_date), "text": m.text} for m in self.milestones],
        }

    def _responsibility_json(self) -> dict[str, Any]:
        lead = self.lead_unit
        return {
            "lead_text": self.task.lead_text,
            "lead": {"code": lead.code, "name": lead.name} if lead else None,
            "coordinators_text": self.task.coordinators_text,
            "units": [
                {
                    "role": part.role,
                    "text": part.text,
                    "unit": unit.code if unit else None,
                    "collective": part.collective,
                }
                for part, unit in self.units
            ],
        }


def task_view(
    *,
    session: Session,
    task_id: int,
    now: datetime,
    calendar: WorkCalendar | None = None,
    areas: AreasConfig | None = None,
    names: HistoryNames | None = None,
    history: bool = True,
) -> TaskView:
    """Read one task with its parts, progress, extension requests and audit history, in
    the same seven queries whatever the size of its plan or organization (``_ViewReads``),
    plus two for the names of the organization's people and units in its history (its
    CCHC area codes named from ``areas``) unless ``names`` gives them (a page keeps them a
    few seconds). Without ``history`` the history is left empty, for a caller that reads
    it a page at a time (``history_rows``). The rows it loads stay in ``session``'s
    identity map, so a later ``session.get`` of the task or its organization reads
    nothing."""
    reads, given = _view_reads(), {"task_id": task_id}
    row = session.execute(reads.task, given).first()
    if row is None:
        raise NotFoundError(f"Không có nhiệm vụ mã {task_id}.")
    task, plan, org, person, lead_unit = row
    return TaskView(
        organization=org,
        plan=plan,
        task=task,
        person=person,
        lead_unit=lead_unit,
        units=[(part, unit) for part, unit in session.execute(reads.units, given)],
        milestones=list(session.scalars(reads.milestones, given)),
        status=status_of(task, now=now, calendar=calendar),
        effective_due=effective_due(task, calendar),
        progress=list(session.scalars(reads.progress, given)),
        extensions=list(session.scalars(reads.extensions, given)),
        history=list(session.scalars(reads.history, given)) if history else [],
        now=now,
        names=names if names is not None else history_names(session, task.organization_id, areas),
        coordination=list(session.scalars(reads.coordination, given)),
    )


@dataclass(frozen=True)
class _ViewReads:
    """The queries of ``task_view``, each over the bound ``task_id``. Built once: a
    statement object used again keeps its cache key and compiled form, where one built
    per call is built, keyed and looked up again each time."""

    task: sa.Select[Any]  # the task, its plan, organization, person and lead unit
    units: sa.Select[Any]  # its lead and coordinating units, lead first
    milestones: sa.Select[Any]
    progress: sa.Select[Any]
    extensions: sa.Select[Any]
    coordination: sa.Select[Any]
    history: sa.Select[Any]  # the audit rows of the task and of the records above


_TASK_ID = sa.bindparam("task_id", type_=sa.Integer)


@cache
def history_rows() -> sa.Select[Any]:
    """The audit rows of the task bound as ``task_id`` and of its progress reports,
    extension requests and coordination notes, in no order (a page orders and limits it)."""

    def audited(entity: str, model: type[SQLModel]) -> Any:
        table = model.__table__.c  # type: ignore[attr-defined]
        ids = sa.select(table.id).where(table.task_id == _TASK_ID)
        return sa.and_(col(AuditLog.entity) == entity, col(AuditLog.entity_id).in_(ids))

    owned = sa.or_(
        sa.and_(col(AuditLog.entity) == "task", col(AuditLog.entity_id) == _TASK_ID),
        audited("progress_report", ProgressReport),
        audited("extension_request", ExtensionRequest),
        audited("coordination_note", CoordinationNote),
    )
    return sa.select(AuditLog).where(owned)


@cache
def _view_reads() -> _ViewReads:
    def owned(model: type[SQLModel], order: Any) -> sa.Select[Any]:
        table = model.__table__.c  # type: ignore[attr-defined]
        return sa.select(model).where(table.task_id == _TASK_ID).order_by(order, table.id)

    task = (
        sa.select(Task, Plan, Organization, Person, Unit)
        .join(Plan, col(Plan.id) == Task.plan_id)
        .join(Organization, col(Organization.id) == Task.organization_id)
        .outerjoin(Person, col(Person.id) == Task.person_id)
        .outerjoin(Unit, col(Unit.id) == Task.lead_unit_id)
        .where(col(Task.id) == _TASK_ID)
    )
    units = (
        sa.select(TaskUnit, Unit)
        .outerjoin(Unit, col(Unit.id) == TaskUnit.unit_id)
        .where(col(TaskUnit.task_id) == _TASK_ID)
        .order_by(col(TaskUnit.role).desc(), col(TaskUnit.position))  # lead before coordinator
    )
    return _ViewReads(
        task=task,
        units=units,
        milestones=owned(Milestone, col(Milestone.position)),
        progress=owned(ProgressReport, col(ProgressReport.at)),
        extensions=owned(ExtensionRequest, col(ExtensionRequest.requested_at)),
        coordination=owned(CoordinationNote, col(CoordinationNote.at)),
        history=history_rows().order_by(col(AuditLog.at), col(AuditLog.id)),
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _local(at: datetime | None) -> str | None:
    return at.astimezone(VN).isoformat() if at else None


def _progress_json(report: ProgressReport) -> dict[str, Any]:
    return {
        "at": _local(report.at),
        "actor": report.actor,
        "percent": report.percent,
        "note": report.note,
    }


def _extension_json(request: ExtensionRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "requested_at": _local(request.requested_at),
        "requested_by": request.requested_by,
        "reason": request.reason,
        "old_due": _iso(request.old_due),
        "new_due": _iso(request.new_due),
        "status": request.status,
        "decided_at": _local(request.decided_at),
        "decided_by": request.decided_by,
        "decision_note": request.decision_note,
    }


def _audit_json(row: AuditLog) -> dict[str, Any]:
    return {
        "at": _local(row.at),
        "actor": row.actor,
        "source": row.source,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "action": row.action,
        "field": row.field,
        "old": row.old_value,
        "new": row.new_value,
    }
