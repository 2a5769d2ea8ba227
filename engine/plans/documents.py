"""Plans and assigning documents as things: the list with the state of their tasks, and
withdrawing one imported by mistake.

``document_summaries`` counts each document's tasks (open, clear on all six dimensions,
done, overdue) from the caller's task rows, so a page counts what its user may see.
``withdraw_plan`` withdraws every task of the document that is not withdrawn yet and marks
the document withdrawn, each audited with the reason; nothing is deleted, and importing the
same plan again brings it back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from engine.calendar.status import TaskStatus
from engine.errors import NotFoundError, TaskActionError
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import DocumentKind, Plan, Task, TaskState, require_id
from engine.text import clean_lines

KIND_LABELS: dict[str, str] = {
    DocumentKind.PLAN: "Kế hoạch",
    DocumentKind.CONCLUSION: "Thông báo kết luận",
    DocumentKind.LETTER: "Công văn, văn bản chỉ đạo",
    DocumentKind.MEETING: "Chỉ đạo trực tiếp tại cuộc họp",
}
_DONE = frozenset({TaskStatus.DONE_ON_TIME, TaskStatus.DONE_LATE})
REASON_MAX = 2000


@dataclass(frozen=True)
class TaskTally:
    """What the document summary needs of one task row."""

    plan: str  # the plan's key
    status: TaskStatus
    all_clear: bool


@dataclass(frozen=True)
class DocumentSummary:
    """One plan or assigning document with the state of its tasks."""

    id: int
    key: str
    number: str
    issued_on: date | None
    kind: str
    issuer: str
    signer: str
    withdrawn_at: datetime | None
    tasks: int
    clear: int
    done: int
    overdue: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def percent(self, count: int) -> int:
        """``count`` as a whole percentage of the tasks (0 when there are none)."""
        return round(100 * count / self.tasks) if self.tasks else 0

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "key": self.key,
            "number": self.number,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "kind": self.kind,
            "kind_label": self.kind_label,
            "issuer": self.issuer,
            "signer": self.signer,
            "withdrawn": self.withdrawn_at is not None,
            "tasks": self.tasks,
            "percent_clear": self.percent(self.clear),
            "percent_done": self.percent(self.done),
            "percent_overdue": self.percent(self.overdue),
        }


def document_summaries(
    session: Session, organization_id: int, tasks: Iterable[TaskTally]
) -> list[DocumentSummary]:
    """The organization's documents, newest first, each counting its rows in ``tasks``."""
    counts: dict[str, list[int]] = {}
    for row in tasks:
        tally = counts.setdefault(row.plan, [0, 0, 0, 0])
        tally[0] += 1
        tally[1] += row.all_clear
        tally[2] += row.status in _DONE
        tally[3] += row.status == TaskStatus.OVERDUE
    plans = session.exec(
        select(Plan)
        .where(Plan.organization_id == organization_id)
        .order_by(col(Plan.issued_on).desc(), col(Plan.id).desc())
    )
    return [
        DocumentSummary(
            require_id(plan), plan.key, plan.number, plan.issued_on, plan.kind, plan.issuer,
            plan.signer, plan.withdrawn_at, *counts.get(plan.key, [0, 0, 0, 0]),
        )
        for plan in plans
    ]  # fmt: skip


def get_plan(session: Session, plan_id: int, organization_id: int) -> Plan:
    """The document ``plan_id`` of the organization, or a Vietnamese error."""
    plan = session.get(Plan, plan_id)
    if plan is None or plan.organization_id != organization_id:
        raise NotFoundError(f"Không có kế hoạch, văn bản mã {plan_id}.")
    return plan


def withdraw_plan(*, session: Session, plan: Plan, reason: str, actor: Actor, now: datetime) -> int:
    """Withdraw the document and its tasks; returns how many tasks were withdrawn."""
    text = clean_lines(reason)
    name = plan.number or plan.key
    if plan.withdrawn_at is not None:
        raise TaskActionError(f"Kế hoạch, văn bản {name} đã được rút từ trước.")
    if not text:
        raise TaskActionError(f"Rút kế hoạch, văn bản {name} phải ghi lý do.")
    if len(text) > REASON_MAX:
        raise TaskActionError(f"Lý do rút quá dài (tối đa {REASON_MAX} ký tự).")
    tasks = session.exec(
        select(Task).where(Task.plan_id == plan.id, Task.state != str(TaskState.WITHDRAWN))
    ).all()
    for task in tasks:
        changes = audit.apply_changes(task, {"state": str(TaskState.WITHDRAWN)})
        changes.append(audit.Change("reason", None, text))
        task.version += 1
        task.updated_at = now
        audit.record_of(
            session,
            task,
            organization_id=task.organization_id,
            action="withdraw",
            changes=changes,
            actor=actor,
            now=now,
        )
    changes = audit.apply_changes(plan, {"withdrawn_at": now})
    changes.append(audit.Change("reason", None, text))
    audit.record_of(
        session,
        plan,
        organization_id=plan.organization_id,
        action="withdraw",
        changes=changes,
        actor=actor,
        now=now,
    )
    return len(tasks)
