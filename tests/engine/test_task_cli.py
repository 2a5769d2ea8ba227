"""``sauro task show|progress|done|extend|approve|refuse`` end to end on the seed-002 plan:
output, exit codes, Vietnamese errors, what is written (and, on an error, that nothing is)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sauro_support import FIXTURES, KIEN_TUONG, PLAN_OPTIONS, Sauro, snapshot
from sqlmodel import Session, col, select

from engine.cli import common
from engine.store.db import make_engine
from engine.store.models import AuditLog, ExtensionRequest, Task

BEFORE = "2024-12-20T09:00"  # task 1.4 is due 31/12/2024 (Quý IV/2024)
CHAIRMAN = "Nguyễn Văn Vũ"
VICE = "Phạm Văn Đức"
HEAD = "Trần Thị Thu Hà"  # Trưởng phòng Nội vụ
OFFICER = "Lê Minh Tâm"
USER = common.actor("").name  # "cli:<login>"


@pytest.fixture
def planned(loaded: Sauro) -> Sauro:
    """``sauro`` with plan 3838/KH-UBND of Kiến Tường imported (30 tasks)."""
    loaded.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv", *PLAN_OPTIONS)
    return loaded


def task(sauro: Sauro, *args: str) -> Any:
    """``sauro task <args> --org kien-tuong``."""
    return sauro("task", *args, *KIEN_TUONG)


def ok(sauro: Sauro, *args: str) -> Any:
    result = task(sauro, *args)
    assert result.exit_code == 0, result.output
    return result


def refused(sauro: Sauro, *args: str) -> str:
    """Run a command that must fail with exit code 2, write nothing, and say why in
    Vietnamese on stderr; return that message."""
    before = snapshot(sauro.url)
    result = task(sauro, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Lỗi: ")
    assert snapshot(sauro.url) == before
    return str(result.stderr)


def shown(sauro: Sauro, ref: str = "1.4", at: str = "2025-01-21T08:00") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok(sauro, "show", ref, "--json", "--at", at).stdout)
    return data


def stored(sauro: Sauro, ref: str = "1.4") -> Task:
    engine = make_engine(sauro.url)
    try:
        with Session(engine) as session:
            return session.exec(select(Task).where(Task.ref == ref)).one()
    finally:
        engine.dispose()


def audit_actors(sauro: Sauro, entity: str) -> set[tuple[str, str, str]]:
    engine = make_engine(sauro.url)
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(AuditLog).where(AuditLog.entity == entity).order_by(col(AuditLog.id))
            )
            return {(row.action, row.actor, row.source) for row in rows}
    finally:
        engine.dispose()


# -- show ------------------------------------------------------------------------------------


def test_show_prints_the_six_dimensions_and_the_status(planned: Sauro) -> None:
    result = ok(planned, "show", "1.4", "--at", "2024-03-01T09:00")

    lines = result.stdout.splitlines()
    assert lines[0].startswith("Nhiệm vụ 1.4 (mã ")
    assert "kế hoạch '3838/KH-UBND', Ủy ban nhân dân thị xã Kiến Tường" in lines[0]
    assert lines[1] == "Tình trạng: Chưa hoàn thành trong hạn (lúc 09:00 01/03/2024)"
    assert "Rõ việc: Xây dựng Kế hoạch CCHC năm 2025." in result.stdout
    assert "(lĩnh vực: Công tác chỉ đạo, điều hành CCHC)" in result.stdout
    assert "Rõ thời gian: «Quý IV/2024» → hạn Thứ Ba 31/12/2024" in result.stdout
    assert "Rõ trách nhiệm: chủ trì: Phòng Nội vụ" in result.stdout
    assert "căn cứ: Kế hoạch số 3838/KH-UBND ngày 28/12/2023" in result.stdout
    assert "Rõ kết quả: sản phẩm: Kế hoạch của UBND thị xã" in result.stdout
    assert "Tiến độ:\n  chưa có báo cáo\nĐề nghị gia hạn:\n  chưa có" in result.stdout
    assert "— nhiệm vụ: tạo" in result.stdout


def test_show_json_and_milestones_and_overdue(planned: Sauro) -> None:
    data = shown(planned, "1.1", at="2024-10-01T00:00")

    assert data["ref"] == "1.1"
    assert (data["status"], data["status_label"]) == ("overdue", "Chưa hoàn thành quá hạn")
    assert data["deadline"]["due"] == "2024-09-30"
    assert [m["due"] for m in data["deadline"]["milestones"]] == ["2024-06-30", "2024-09-30"]
    assert data["deadline"]["effective_due"] == "2024-09-30"
    assert data["responsibility"]["lead"]["code"] == "phong-noi-vu"
    assert data["authority"]["assigner"].startswith("Chủ tịch Ủy ban nhân dân thị xã Kiến Tường")
    assert [h["action"] for h in data["history"]] == ["create"]


def test_a_task_is_named_by_number_or_id(planned: Sauro) -> None:
    task_id = str(stored(planned).id)

    by_id = json.loads(planned.ok("task", "show", "--id", task_id, "--json").stdout)
    with_plan = json.loads(ok(planned, "show", "1.4", "--plan", "3838/KH-UBND", "--json").stdout)

    assert by_id["ref"] == with_plan["ref"] == "1.4"
    assert "số thứ tự nhiệm vụ hoặc --id" in refused(planned, "show", "1.4", "--id", task_id)
    assert "Hãy cho biết nhiệm vụ" in refused(planned, "show")
    assert "Không có nhiệm vụ số '9.9'" in refused(planned, "show", "9.9")
    assert "Không có nhiệm vụ mã 99999" in refused(planned, "show", "--id", "99999")
    assert "Không có kế hoạch '1/KH'" in refused(planned, "show", "1.4", "--plan", "1/KH")
    assert "Thời điểm 'hôm qua' không hợp lệ" in refused(planned, "show", "1.4", "--at", "hôm qua")


# -- progress and done -------------------------------------------------------------------------


def test_progress_is_recorded_as_the_named_person(planned: Sauro) -> None:
    result = ok(
        planned,
        "progress",
        "1.4",
        "--percent",
        "40",
        "--note",
        "Đã có dự thảo",
        "--as",
        OFFICER,
        "--at",
        "2024-11-01T09:00",
    )

    assert result.stdout == "Đã ghi nhận tiến độ nhiệm vụ 1.4: 40% — Đã có dự thảo.\n"
    progress = shown(planned)["progress"]
    assert progress == [
        {
            "at": "2024-11-01T09:00:00+07:00",
            "actor": f"{USER} as {OFFICER}",
            "percent": 40,
            "note": "Đã có dự thảo",
        }
    ]
    assert audit_actors(planned, "progress_report") == {
        ("create", f"{USER} as {OFFICER}", "cli:task progress")
    }


def test_progress_errors(planned: Sauro) -> None:
    assert "từ 0 đến 100" in refused(planned, "progress", "1.4", "--percent", "120")
    assert "cần tỷ lệ hoàn thành" in refused(planned, "progress", "1.4")
    assert "Không có cán bộ 'Ai Đó'" in refused(
        planned, "progress", "1.4", "--percent", "5", "--as", "Ai Đó"
    )


def test_done_needs_result_and_evidence_then_counts_on_time(planned: Sauro) -> None:
    message = refused(planned, "done", "1.4", "--result", "Đã ban hành", "--at", BEFORE)
    assert "thiếu minh chứng" in message
    assert "rõ kết quả" in message

    result = ok(
        planned,
        "done",
        "1.4",
        "--result",
        "Đã ban hành Kế hoạch CCHC năm 2025",
        "--evidence",
        "Kế hoạch số 250/KH-UBND ngày 20/12/2024",
        "--at",
        BEFORE,
    )

    assert result.stdout == (
        "Đã ghi nhận hoàn thành nhiệm vụ 1.4 ngày 20/12/2024: Đã hoàn thành đúng hạn "
        "(hạn 31/12/2024).\n"
    )
    data = shown(planned)
    assert data["result"]["completed_on"] == "2024-12-20"
    assert data["result"]["evidence"] == "Kế hoạch số 250/KH-UBND ngày 20/12/2024"
    assert "đã hoàn thành ngày 20/12/2024: không thể báo cáo tiến độ" in refused(
        planned, "progress", "1.4", "--percent", "100"
    )


def test_done_late_with_an_explicit_date(planned: Sauro) -> None:
    result = ok(
        planned,
        "done",
        "1.4",
        "--result",
        "Đã ban hành",
        "--evidence",
        "Số 3/KH-UBND",
        "--on",
        "2025-01-03",
        "--at",
        "2025-01-05T10:00",
    )

    assert "Đã hoàn thành quá hạn (hạn 31/12/2024)" in result.stdout
    assert "Ngày '3/1/2025' không hợp lệ" in refused(
        planned, "done", "1.5", "--result", "x", "--evidence", "y", "--on", "3/1/2025"
    )


# -- extend, approve, refuse -------------------------------------------------------------------


def test_extension_approved_by_the_chairman(planned: Sauro) -> None:
    asked = ok(
        planned,
        "extend",
        "1.4",
        "--new-date",
        "2025-01-31",
        "--reason",
        "Chờ hướng dẫn của tỉnh",
        "--as",
        HEAD,
        "--at",
        BEFORE,
    )
    request_id = json.loads(ok(planned, "show", "1.4", "--json").stdout)["extensions"][0]["id"]

    assert f"Đã gửi đề nghị gia hạn số {request_id} cho nhiệm vụ 1.4: hạn 31/12/2024 → " in (
        asked.stdout
    )
    assert f"sauro task approve --request {request_id}" in asked.stdout
    message = refused(planned, "approve", "1.4", "--as", HEAD, "--at", "2024-12-22T08:00")
    assert f"{HEAD} (Trưởng phòng) không có thẩm quyền quyết định gia hạn nhiệm vụ 1.4" in message
    assert f"{CHAIRMAN} (Chủ tịch UBND thị xã)" in message
    assert "không có trong danh mục" in refused(planned, "approve", "1.4", "--as", "Ai Đó")
    assert "Cần cho biết ai quyết định" in refused(planned, "approve", "1.4")

    approved = ok(
        planned, "approve", "1.4", "--as", CHAIRMAN, "--note", "Đồng ý", "--at", "2024-12-22T08:00"
    )

    assert approved.stdout.startswith(
        f"Đã phê duyệt đề nghị gia hạn số {request_id}: nhiệm vụ 1.4 có hạn mới 31/01/2025 "
        "(hạn theo kế hoạch 31/12/2024)."
    )
    data = shown(planned, at="2025-01-21T08:00")
    assert (data["deadline"]["due"], data["deadline"]["original_due"]) == (
        "2025-01-31",
        "2024-12-31",
    )
    assert data["deadline"]["deadline_version"] == 2
    assert data["deadline"]["effective_due"] == "2025-02-03"  # 31/1/2025 is in the Tết holiday
    assert data["status"] == "in_progress"
    assert data["extensions"][0]["status"] == "approved"
    assert data["extensions"][0]["requested_by"] == f"{USER} as {HEAD}"
    assert data["extensions"][0]["decided_by"] == CHAIRMAN
    assert ("extend", f"{USER} as {CHAIRMAN}", "cli:task approve") in audit_actors(planned, "task")
    done = ok(
        planned,
        "done",
        "1.4",
        "--result",
        "Đã ban hành",
        "--evidence",
        "Số 12/KH-UBND",
        "--at",
        "2025-01-20T08:00",
    )
    assert "Đã hoàn thành đúng hạn (hạn 31/01/2025)" in done.stdout
    text = ok(planned, "show", "1.4", "--at", "2025-01-21T08:00").stdout
    assert "đã gia hạn, hạn theo kế hoạch 31/12/2024, lần điều chỉnh hạn 2" in text
    assert f"được phê duyệt 22/12/2024 08:00 ({CHAIRMAN}): Đồng ý" in text
    assert "— nhiệm vụ: gia hạn (hạn: 31/12/2024 → 31/01/2025;" in text


def test_extension_refused_by_a_vice_chairman_by_request_number(planned: Sauro) -> None:
    ok(
        planned,
        "extend",
        "1.4",
        "--new-date",
        "2025-01-31",
        "--reason",
        "Thiếu nhân lực",
        "--at",
        BEFORE,
    )
    request_id = str(shown(planned)["extensions"][0]["id"])

    result = planned.ok(
        "task",
        "refuse",
        "--request",
        request_id,
        "--as",
        VICE,
        "--note",
        "Đề nghị tập trung hoàn thành đúng hạn",
    )

    assert result.stdout == (
        f"Đã từ chối đề nghị gia hạn số {request_id}: nhiệm vụ 1.4 giữ hạn 31/12/2024.\n"
    )
    data = shown(planned)
    assert (data["deadline"]["due"], data["deadline"]["deadline_version"]) == ("2024-12-31", 1)
    assert data["extensions"][0]["status"] == "refused"
    assert data["extensions"][0]["decided_by"] == VICE
    assert "đã bị từ chối" in refused(planned, "approve", "--request", request_id, "--as", VICE)
    assert "không có đề nghị gia hạn nào đang chờ" in refused(
        planned, "approve", "1.4", "--as", VICE
    )
    assert f"số {request_id} không thuộc nhiệm vụ 1.5" in refused(
        planned, "approve", "1.5", "--request", request_id, "--as", VICE
    )


def test_extension_errors(planned: Sauro) -> None:
    late = refused(
        planned,
        "extend",
        "1.4",
        "--new-date",
        "2025-01-31",
        "--reason",
        "Muộn",
        "--at",
        "2025-01-01T00:00",
    )
    assert "đã quá hạn (hạn 31/12/2024, hết ngày 31/12/2024; hôm nay 01/01/2025)" in late
    # Midnight UTC is 07:00 on 1/1 in Viet Nam: late as well.
    assert "đã quá hạn" in refused(
        planned,
        "extend",
        "1.4",
        "--new-date",
        "2025-01-31",
        "--reason",
        "Muộn",
        "--at",
        "2025-01-01T00:00+00:00",
    )
    assert "Đề nghị gia hạn cần hạn mới" in refused(planned, "extend", "1.4", "--reason", "x")
    assert "cần ghi lý do" in refused(
        planned, "extend", "1.4", "--new-date", "2025-01-31", "--at", BEFORE
    )
    assert "phải sau hạn hiện tại 31/12/2024" in refused(
        planned, "extend", "1.4", "--new-date", "2024-12-31", "--reason", "x", "--at", BEFORE
    )
    assert "chưa có hạn hoàn thành" in refused(
        planned, "extend", "1.6", "--new-date", "2025-01-31", "--reason", "x", "--at", BEFORE
    )


def test_the_last_evening_of_the_due_day_counts_in_viet_nam_time(planned: Sauro) -> None:
    """23:30 on 31/12 in Viet Nam is 16:30 UTC; 23:30 UTC is already 1/1 in Viet Nam."""
    assert "đã quá hạn" in refused(
        planned,
        "extend",
        "1.4",
        "--new-date",
        "2025-01-31",
        "--reason",
        "x",
        "--at",
        "2024-12-31T23:30+00:00",
    )

    ok(
        planned,
        "extend",
        "1.4",
        "--new-date",
        "2025-01-31",
        "--reason",
        "x",
        "--at",
        "2024-12-31T23:30",
    )

    engine = make_engine(planned.url)
    with Session(engine) as session:
        request = session.exec(select(ExtensionRequest)).one()
    engine.dispose()
    assert request.requested_at.isoformat() == "2024-12-31T16:30:00+00:00"


def test_help_is_in_vietnamese(planned: Sauro) -> None:
    for command in ("show", "progress", "done", "extend", "approve", "refuse"):
        result = planned.ok("task", command, "--help")
        assert "Mã đơn vị hành chính" in result.stdout
        assert "Thời điểm thực hiện" in result.stdout


# -- delegate --------------------------------------------------------------------------------


def test_delegate_gives_several_tasks_to_an_officer_of_the_lead_unit(planned: Sauro) -> None:
    result = ok(planned, "delegate", "1.1", "1.4", "--to", OFFICER, "--as", HEAD, "--at", BEFORE)
    assert result.stdout == f"Đã giao cho {OFFICER}: 1.1, 1.4.\n"
    assert stored(planned, "1.1").person_text == stored(planned, "1.4").person_text == OFFICER
    assert ("delegate", f"{USER} as {HEAD}", "cli:task delegate") in audit_actors(planned, "task")
    again = ok(planned, "delegate", "1.4", "--to", OFFICER, "--at", BEFORE)
    assert (
        again.stdout == f"Đã giao cho {OFFICER}: không có.\nĐã giao cho {OFFICER} từ trước: 1.4.\n"
    )
    shown_lines = ok(planned, "show", "1.4", "--at", BEFORE).stdout
    assert f"giao người thực hiện (người thực hiện: — → {OFFICER}" in shown_lines


def test_delegate_refuses_a_person_outside_the_lead_unit(planned: Sauro) -> None:
    message = refused(planned, "delegate", "1.4", "--to", CHAIRMAN, "--at", BEFORE)
    assert f"Không giao được nhiệm vụ cho {CHAIRMAN}" in message
    assert f"nhiệm vụ 1.4: {CHAIRMAN} không thuộc đơn vị chủ trì nhiệm vụ 1.4" in message


def test_delegate_to_someone_else_needs_a_reason(planned: Sauro) -> None:
    ok(planned, "delegate", "1.4", "--to", OFFICER, "--at", BEFORE)
    message = refused(planned, "delegate", "1.4", "--to", HEAD, "--at", BEFORE)
    assert "giao lại phải ghi lý do" in message
    ok(planned, "delegate", "1.4", "--to", HEAD, "--reason", "Trưởng phòng trực tiếp làm")
    assert stored(planned, "1.4").person_text == HEAD


# -- coordinate ------------------------------------------------------------------------------


def test_coordinate_records_a_coordinating_units_part(planned: Sauro) -> None:
    # 1.2 is led by Phòng Nội vụ; Phòng Tư pháp coordinates it.
    result = ok(
        planned, "coordinate", "1.2", "--unit", "phong-tu-phap", "--note", "Đã góp ý dự thảo",
        "--as", "Võ Thanh Tùng", "--at", BEFORE,
    )  # fmt: skip
    assert result.stdout == "Đã ghi phần phối hợp của Phòng Tư pháp cho nhiệm vụ 1.2.\n"
    assert stored(planned, "1.2").version == 1  # the lead's task is as it was
    shown_json = shown(planned, "1.2")
    assert shown_json["coordination"][0]["unit"] == "Phòng Tư pháp"
    message = refused(planned, "coordinate", "1.4", "--unit", "phong-tu-phap", "--note", "x")
    assert "Phòng Tư pháp không phải đơn vị phối hợp thực hiện nhiệm vụ 1.4" in message
    unknown = refused(planned, "coordinate", "1.2", "--unit", "khong-co", "--note", "x")
    assert "Không có đơn vị mã 'khong-co'" in unknown


# -- add -------------------------------------------------------------------------------------


def test_add_gives_a_task_by_hand_and_says_what_is_unclear(planned: Sauro) -> None:
    result = ok(
        planned, "add", "--work", "Rà soát quy chế làm việc của Ủy ban nhân dân thị xã",
        "--kind", "thong_bao_ket_luan", "--number", "45/TB-UBND", "--date", "2024-06-05",
        "--signer", "Nguyễn Văn Vũ, Chủ tịch UBND thị xã", "--lead", "van-phong",
        "--coordinator", "phong-noi-vu", "--deadline", "trước ngày 30/06/2024",
        "--product", "Báo cáo rà soát", "--area", "chi-dao-dieu-hanh", "--at", BEFORE,
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Đã giao nhiệm vụ 1 (mã ") and lines[0].endswith("theo 45/TB-UBND.")
    assert lines[1] == "Chưa rõ: Rõ người."
    task = stored(planned, "1")
    assert (task.assigner, task.due_date.isoformat()) == (  # type: ignore[union-attr]
        "Nguyễn Văn Vũ, Chủ tịch UBND thị xã",
        "2024-06-29",
    )
    message = refused(planned, "add", "--work", "x", "--kind", "cong_van")
    assert "Chưa rõ văn bản giao nhiệm vụ" in message
