"""A task's audit history as Vietnamese lines, for ``sauro task show`` and the task page.

Values are shown as people read them: states and statuses in words, dates as dd/mm/yyyy,
the person and lead unit by name (``HistoryNames``, from the directory), the unit mentions
and milestones stored as JSON as "chủ trì: …; phối hợp: …" and "dd/mm/yyyy (…)".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from typing import Any

from sqlmodel import Session, col, select

from engine.calendar.deadlines import KIND_LABELS, format_date, recurrence_label
from engine.calendar.status import VN
from engine.importing.areas import AreasConfig
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
    "ref": "số thứ tự trong kế hoạch",
    "group_label": "nhóm nhiệm vụ",
    "budget": "kinh phí",
    "raw_cells": "các ô của dòng trong tệp",
    "assigned_on": "ngày giao",
    "assignment": "lần giao",
    "assigned_by_lead": "trưởng đơn vị giao",
    "unclear": "điểm chưa rõ",
    "unclear_since": "chưa rõ từ ngày",
    "name": "tên",
    "kind": "loại",
}
# Values stored as codes, in the words people read them.
_WORDS: dict[str, dict[str, str]] = {
    "deadline_kind": {str(kind): label for kind, label in KIND_LABELS.items()},
    "deadline_resolved": {"true": "đã quy ra ngày", "false": "chưa quy ra ngày"},
    "assigned_by_lead": {"true": "có", "false": "không"},
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
    areas: dict[str, str] = field(default_factory=dict)  # CCHC areas by code


def history_names(
    session: Session, organization_id: int, areas: AreasConfig | None = None
) -> HistoryNames:
    """The people and units of an organization by id, and the CCHC areas by code."""
    people = session.exec(
        select(Person.id, Person.name).where(col(Person.organization_id) == organization_id)
    ).all()
    units = session.exec(
        select(Unit.id, Unit.name).where(col(Unit.organization_id) == organization_id)
    ).all()
    return HistoryNames(
        people={int(i): n for i, n in people if i is not None},
        units={int(i): n for i, n in units if i is not None},
        areas={a.code: a.name for a in areas.areas} if areas else {},
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
    words = {"state": STATE_WORDS, "status": STATUS_WORDS, **_WORDS}.get(name)
    if words is not None:
        return words.get(text, text)
    shown = _SHOWN.get(name)
    return shown(text, names) if shown else _plain(text)


def _plain(text: str) -> str:
    """A date as dd/mm/yyyy, any other text shortened."""
    try:
        return format_date(date.fromisoformat(text)) if len(text) == 10 else cut(clean(text))
    except ValueError:
        return cut(clean(text))


def _named(table: dict[int, str], text: str) -> str:
    return table.get(int(text), f"mã {text}") if text.isdigit() else _plain(text)


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


def _cells(text: str) -> str:
    """The cells of a plan row (JSON, header → cell) as "header: cell; …"."""
    try:
        cells = json.loads(text)
    except ValueError:
        return cut(clean(text))
    if not isinstance(cells, dict):
        return cut(clean(text))
    return cut("; ".join(f"{clean(str(k))}: {clean(str(v))}" for k, v in cells.items()))


# How the fields whose value is neither words nor plain text are shown.
_SHOWN: dict[str, Callable[[str, HistoryNames], str]] = {
    "person_id": lambda text, names: _named(names.people, text),
    "lead_unit_id": lambda text, names: _named(names.units, text),
    "units": lambda text, _: _listed("units", text),
    "milestones": lambda text, _: _listed("milestones", text),
    "recurrence": lambda text, _: recurrence_label(text),
    "area": lambda text, names: names.areas.get(text, text),
    "percent": lambda text, _: f"{text}%",
    "raw_cells": lambda text, _: _cells(text),
}


def when_text(at: datetime) -> str:
    """An instant as people read it: dd/mm/yyyy HH:MM, Viet Nam time."""
    local = at.astimezone(VN)
    return f"{format_date(local.date())} {local:%H:%M}"


def cut(text: str) -> str:
    """``text`` shortened to ``_CUT`` characters with an ellipsis."""
    return text if len(text) <= _CUT else text[: _CUT - 1] + "…"
