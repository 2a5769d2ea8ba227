"""A task's audit history as Vietnamese lines, for ``sauro task show`` and the task page.

Values are shown as people read them: states and statuses in words, dates as dd/mm/yyyy,
the person and lead unit by name (``HistoryNames``, from the directory), the unit mentions
and milestones stored as JSON as "chủ trì: …; phối hợp: …" and "dd/mm/yyyy (…)".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from typing import Any

from sqlmodel import Session, col, select

from engine.calendar.deadlines import format_date
from engine.calendar.status import VN
from engine.store.models import AuditLog, ExtensionStatus, Person, Unit
from engine.text import clean

_ENTITIES = {
    "task": "nhiệm vụ",
    "progress_report": "báo cáo tiến độ",
    "extension_request": "đề nghị gia hạn",
    "coordination_note": "phần việc phối hợp",
}
_ACTIONS = {
    "create": "tạo",
    "update": "cập nhật",
    "withdraw": "rút khỏi kế hoạch",
    "complete": "hoàn thành",
    "extend": "gia hạn",
    "approve": "phê duyệt",
    "refuse": "từ chối",
    "cancel": "hủy",
    "delegate": "giao người thực hiện",
    "submit": "báo hoàn thành, chờ xác nhận kết quả",
    "accept": "xác nhận kết quả",
    "return": "trả lại kết quả",
    "assign": "giao nhiệm vụ",
}
_FIELDS = {
    "state": "trạng thái",
    "status": "tình trạng",
    "completed_on": "ngày hoàn thành",
    "result": "kết quả",
    "evidence": "minh chứng",
    "due_date": "hạn",
    "original_due": "hạn theo kế hoạch",
    "deadline_version": "lần điều chỉnh hạn",
    "percent": "tỷ lệ hoàn thành",
    "note": "ghi chú",
    "reason": "lý do",
    "decided_by": "người quyết định",
    "decision_note": "ý kiến",
    "work": "nội dung",
    "deadline_text": "ô thời hạn",
    "lead_text": "ô chủ trì",
    "coordinators_text": "ô phối hợp",
    "person_text": "ô người thực hiện",
    "product": "sản phẩm",
    "person_id": "người thực hiện",
    "lead_unit_id": "đơn vị chủ trì",
    "units": "các đơn vị",
    "milestones": "các mốc thời hạn",
    "area": "lĩnh vực",
    "assigner": "người giao việc",
    "deadline_kind": "loại thời hạn",
    "deadline_resolved": "thời hạn quy ra ngày",
    "deadline_reason": "cách đọc thời hạn",
    "start_date": "ngày bắt đầu",
    "recurrence": "chu kỳ",
    "submitted_on": "ngày gửi xác nhận",
    "submission": "lần gửi xác nhận",
    "returned_on": "ngày trả lại",
    "returns": "lần trả lại",
    "return_reason": "lý do trả lại",
    "accepted_by": "người xác nhận",
}
STATE_WORDS = {
    "open": "đang thực hiện",
    "awaiting": "chờ xác nhận kết quả",
    "done": "đã hoàn thành",
    "withdrawn": "đã rút khỏi kế hoạch",
}
# How messages and ``sauro task show`` word the status of an extension request.
STATUS_WORDS: dict[str, str] = {
    ExtensionStatus.PENDING: "chờ quyết định",
    ExtensionStatus.APPROVED: "được phê duyệt",
    ExtensionStatus.REFUSED: "bị từ chối",
    ExtensionStatus.CANCELLED: "được hủy",
}
_ROLES = {"lead": "chủ trì", "coordinator": "phối hợp"}
_CUT = 80


@dataclass(frozen=True)
class HistoryNames:
    """Names for the ids an audit row holds: people and units of the organization."""

    people: dict[int, str] = field(default_factory=dict)
    units: dict[int, str] = field(default_factory=dict)


def history_names(session: Session, organization_id: int) -> HistoryNames:
    """The people and units of an organization by id."""
    people = session.exec(
        select(Person.id, Person.name).where(col(Person.organization_id) == organization_id)
    ).all()
    units = session.exec(
        select(Unit.id, Unit.name).where(col(Unit.organization_id) == organization_id)
    ).all()
    return HistoryNames(
        people={int(i): n for i, n in people if i is not None},
        units={int(i): n for i, n in units if i is not None},
    )


def history_lines(history: list[AuditLog], names: HistoryNames | None = None) -> list[str]:
    """One line per audited act (same time, actor, record and action), its changes joined."""
    shown = names or HistoryNames()
    lines = []
    for _, group in groupby(history, key=_act):
        rows = list(group)
        first = rows[0]
        what = _ENTITIES.get(first.entity, first.entity)
        number = f" số {first.entity_id}" if first.entity != "task" else ""
        action = _ACTIONS.get(first.action, first.action)
        changes = "; ".join(_change(row, shown) for row in rows if row.field)
        line = f"{when_text(first.at)} {first.actor} — {what}{number}: {action}"
        lines.append(line + (f" ({changes})" if changes else ""))
    return lines


def _act(row: AuditLog) -> tuple[datetime, str, str, int, str]:
    return (row.at, row.actor, row.entity, row.entity_id, row.action)


def _change(row: AuditLog, names: HistoryNames) -> str:
    label = _FIELDS.get(row.field, row.field)
    old, new = _value(row.field, row.old_value, names), _value(row.field, row.new_value, names)
    return f"{label}: {old} → {new}"


def _value(name: str, text: str | None, names: HistoryNames) -> str:
    if text is None or text == "":
        return "—"
    words = {"state": STATE_WORDS, "status": STATUS_WORDS}.get(name)
    if words is not None:
        return words.get(text, text)
    if name in ("person_id", "lead_unit_id") and text.isdigit():
        table = names.people if name == "person_id" else names.units
        return table.get(int(text), f"mã {text}")
    if name in ("units", "milestones"):
        return _listed(name, text)
    try:
        return format_date(date.fromisoformat(text)) if len(text) == 10 else cut(clean(text))
    except ValueError:
        return cut(clean(text))


def _listed(name: str, text: str) -> str:
    """The unit mentions or the milestones a JSON value lists."""
    try:
        items: list[dict[str, Any]] = json.loads(text)
    except (ValueError, TypeError):
        return cut(clean(text))
    if not isinstance(items, list) or not items:
        return "—"
    if name == "milestones":
        return ", ".join(
            f"{format_date(date.fromisoformat(str(m.get('due'))))} ({m.get('text', '')})"
            for m in items
        )
    by_role: dict[str, list[str]] = {}
    for item in items:
        by_role.setdefault(str(item.get("role", "")), []).append(clean(str(item.get("text", ""))))
    return "; ".join(
        f"{_ROLES.get(role, role)}: {', '.join(texts)}" for role, texts in by_role.items()
    )


def when_text(at: datetime) -> str:
    """An instant as people read it: dd/mm/yyyy HH:MM, Viet Nam time."""
    local = at.astimezone(VN)
    return f"{format_date(local.date())} {local:%H:%M}"


def cut(text: str) -> str:
    """``text`` shortened to ``_CUT`` characters with an ellipsis."""
    return text if len(text) <= _CUT else text[: _CUT - 1] + "…"
