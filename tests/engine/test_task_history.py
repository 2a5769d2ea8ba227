"""The task history as people read it: ids by name, unit mentions and milestones from
their JSON, states, statuses and dates in words (table-driven over audit rows)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from engine.store.models import AuditLog, Task
from engine.tasks.history import HistoryNames, history_lines

AT = datetime(2024, 6, 10, 2, 0, tzinfo=UTC)  # 09:00 in Viet Nam
NAMES = HistoryNames(
    people={7: "Lê Minh Tâm"},
    units={3: "Phòng Nội vụ"},
    areas={"cai-cach-tthc": "Cải cách thủ tục hành chính"},
)
UNITS_OLD = [{"role": "lead", "text": "Các cơ quan, đơn vị", "unit": None, "collective": True}]
UNITS_NEW = [
    {"role": "lead", "text": "Phòng Nội vụ", "unit_id": 3},
    {"role": "coordinator", "text": "Phòng Tư pháp", "unit_id": 4},
    {"role": "coordinator", "text": "Văn phòng", "unit_id": 5},
]


def _row(field: str, old: str | None, new: str | None, action: str = "update") -> AuditLog:
    return AuditLog(organization_id=1, entity="task", entity_id=1, action=action, field=field,
                    old_value=old, new_value=new, actor="thuongtruc", at=AT)  # fmt: skip


@pytest.mark.parametrize(
    ("field", "old", "new", "shown"),
    [
        ("person_id", None, "7", "người thực hiện: — → Lê Minh Tâm"),
        ("lead_unit_id", "9", "3", "đơn vị chủ trì: mã 9 → Phòng Nội vụ"),
        ("state", "open", "done", "trạng thái: đang thực hiện → đã hoàn thành"),
        ("status", "pending", "approved", "tình trạng: chờ quyết định → được phê duyệt"),
        ("due_date", "2024-03-31", "2024-06-30", "hạn: 31/03/2024 → 30/06/2024"),
        (
            "units",
            json.dumps(UNITS_OLD, ensure_ascii=False),
            json.dumps(UNITS_NEW, ensure_ascii=False),
            "các đơn vị: chủ trì: Các cơ quan, đơn vị → chủ trì: Phòng Nội vụ; "
            "phối hợp: Phòng Tư pháp, Văn phòng",
        ),
        (
            "milestones",
            "[]",
            json.dumps([{"due": "2024-06-30", "text": "Quý II/2024"}], ensure_ascii=False),
            "các mốc thời hạn: — → 30/06/2024 (Quý II/2024)",
        ),
        ("units", "không phải JSON", None, "các đơn vị: không phải JSON → —"),
        ("deadline_kind", "continuous", "date", "loại thời hạn: thường xuyên → ngày cụ thể"),
        ("deadline_kind", "none", "quarter", "loại thời hạn: chưa ghi → quý"),
        (
            "deadline_resolved",
            "false",
            "true",
            "thời hạn quy ra ngày: chưa quy ra ngày → đã quy ra ngày",
        ),
        ("recurrence", None, "yearly:12", "chu kỳ: — → tháng 12 hằng năm"),
        ("recurrence", "monthly", None, "chu kỳ: hằng tháng (hết ngày cuối tháng) → —"),
        ("area", None, "cai-cach-tthc", "lĩnh vực: — → Cải cách thủ tục hành chính"),
        ("percent", "20", "50", "tỷ lệ hoàn thành: 20% → 50%"),
        ("assigned_by_lead", "false", "true", "trưởng đơn vị giao: không → có"),
        (
            "raw_cells",
            None,
            json.dumps({"Nội dung": "Rà soát", "Thời gian": "Quý II"}, ensure_ascii=False),
            "các ô của dòng trong tệp: — → Nội dung: Rà soát; Thời gian: Quý II",
        ),
    ],
)
def test_a_change_reads_in_words(field: str, old: str | None, new: str | None, shown: str) -> None:
    (line,) = history_lines([_row(field, old, new)], NAMES)

    assert line == f"10/06/2024 09:00 thuongtruc — nhiệm vụ: cập nhật ({shown})"


def test_one_act_is_one_line() -> None:
    rows = [_row("person_id", None, "7"), _row("lead_unit_id", None, "3"),
            _row("", None, None, action="complete")]  # fmt: skip

    lines = history_lines(rows, NAMES)

    assert lines == [
        "10/06/2024 09:00 thuongtruc — nhiệm vụ: cập nhật (người thực hiện: — → Lê Minh Tâm; "
        "đơn vị chủ trì: — → Phòng Nội vụ)",
        "10/06/2024 09:00 thuongtruc — nhiệm vụ: hoàn thành",
    ]


# Columns no action changes through the audit log: identity, bookkeeping, the verdict stamp.
_UNAUDITED = {"id", "organization_id", "plan_id", "key", "position", "source_row", "version",
              "created_at", "updated_at", "judged_version", "judged_rules"}  # fmt: skip


@pytest.mark.parametrize(
    "column",
    sorted(set(Task.__table__.columns.keys()) - _UNAUDITED),  # type: ignore[attr-defined]
)
def test_every_task_field_has_a_name(column: str) -> None:
    (line,) = history_lines([_row(column, None, "x")], NAMES)

    assert f"({column}:" not in line
