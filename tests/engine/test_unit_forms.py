"""The unit report form round trip on both databases: export Phòng Nội vụ's tasks of
Kiến Tường for 2024-H1, fill the form with openpyxl as the unit would, submit it; every
validation error names its row and column and writes nothing; a re-submission changes
nothing; and the ``sauro unit-report`` commands."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from form_support import fill
from openpyxl import Workbook
from sauro_support import CONFIG, FIXTURES, PLAN_OPTIONS, Sauro, load_kien_tuong, snapshot
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from engine.calendar.periods import Period, parse_period
from engine.calendar.status import VN
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import Configs, load_configs
from engine.errors import ImportFileError
from engine.reports.data import build_report_data
from engine.reports.unit_forms import (
    COL_DATE,
    COL_EVIDENCE,
    COL_REF,
    COL_RESULT,
    COL_STATUS,
    MAIN_SHEET,
    SubmitSummary,
    apply_unit_form,
    read_unit_form,
    write_unit_form,
)
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import AuditLog, ProgressReport, Task, TaskState
from engine.tasks.actions import complete, find_task_id

CREATED = datetime(2024, 1, 8, 2, 0, tzinfo=UTC)
ACTOR = Actor(name="test", source="test_unit_forms")
EXPORTED = datetime(2024, 6, 5, 9, 0, tzinfo=VN)
SUBMITTED = datetime(2024, 6, 8, 9, 0, tzinfo=VN)
UNIT = ("phong-noi-vu", "Phòng Nội vụ")
UNIT_REFS = ["1.1", "1.2", "1.3", "1.5", "1.7", "1.9", "4.2", "5.2", "5.3"]


@pytest.fixture(scope="module")
def configs() -> Configs:
    return load_configs(CONFIG)


@pytest.fixture(scope="module")
def period(configs: Configs) -> Period:
    return parse_period("2024-H1", configs.reporting, WorkCalendar(configs.calendar))


@pytest.fixture
def db(db_engine: Engine, configs: Configs) -> Engine:
    """Kiến Tường's plan 3838/KH-UBND, nothing done yet."""
    load_kien_tuong(db_engine, configs, actor=ACTOR, now=CREATED)
    return db_engine


@pytest.fixture
def form(db: Engine, configs: Configs, period: Period, tmp_path: Path) -> Path:
    """Phòng Nội vụ's blank form for 2024-H1."""
    areas = [(area.code, area.name) for area in configs.areas.areas]
    with db.connect() as connection:
        data = build_report_data(
            connection, org_code="kien-tuong", period=period, now=EXPORTED, areas=areas
        )
    path = tmp_path / "phong-noi-vu.xlsx"
    rows = write_unit_form(
        path, data=data, unit_code=UNIT[0], unit_name=UNIT[1], org="kien-tuong", period=period
    )
    assert rows == len(UNIT_REFS)
    return path


def submit(db: Engine, path: Path, configs: Configs, at: datetime = SUBMITTED) -> SubmitSummary:
    with session_scope(db) as session:
        return apply_unit_form(
            session,
            read_unit_form(path),
            actor=ACTOR,
            now=at,
            reporting=configs.reporting,
            calendar=WorkCalendar(configs.calendar),
        )


def task_of(session: Session, ref: str) -> Task:
    task = session.get(Task, find_task_id(session, org_code="kien-tuong", ref=ref))
    assert task is not None
    return task


GOOD: dict[str, dict[str, Any]] = {
    "1.3": {
        COL_STATUS: "Đã hoàn thành",
        COL_RESULT: "Đã ban hành Quyết định công bố TTHC",
        COL_EVIDENCE: "Quyết định số 12/QĐ-UBND ngày 10/5/2024",
        COL_DATE: date(2024, 5, 10),
    },
    "1.1": {
        COL_STATUS: "Đang thực hiện",
        COL_RESULT: "Đã kiểm tra 3/10 đơn vị",
        "Khó khăn, vướng mắc": "Thiếu cán bộ",
    },
    "1.7": {COL_STATUS: "Chưa thực hiện", "Đề xuất, kiến nghị": "Đề nghị lùi sang Quý III"},
}
GENERAL = ("Biên chế còn thiếu.", "Đề nghị bổ sung kinh phí.")


def test_round_trip_records_done_and_progress_with_audit(
    db: Engine, form: Path, configs: Configs
) -> None:
    filled = fill(form, GOOD, general=GENERAL)
    assert submit(db, filled, configs) == SubmitSummary(1, 2, 0, 6, 2)
    with Session(db) as session:
        done = task_of(session, "1.3")
        assert done.state == TaskState.DONE
        assert done.completed_on == date(2024, 5, 10)
        assert done.evidence == "Quyết định số 12/QĐ-UBND ngày 10/5/2024"
        notes = {
            ref: [
                p.note
                for p in session.exec(
                    select(ProgressReport).where(ProgressReport.task_id == task_of(session, ref).id)
                )
            ]
            for ref in ("1.1", "1.7", "1.3")
        }
        assert notes["1.1"] == [
            "Tình trạng: Đang thực hiện\nKết quả: Đã kiểm tra 3/10 đơn vị\n"
            "Khó khăn, vướng mắc: Thiếu cán bộ"
        ]
        assert notes["1.7"] == [
            "Tình trạng: Chưa thực hiện\nĐề xuất, kiến nghị: Đề nghị lùi sang Quý III"
        ]
        assert notes["1.3"] == []
        logs = list(session.exec(select(AuditLog).where(col(AuditLog.source) == ACTOR.source)))
        completes = {(a.entity, a.entity_id, a.field) for a in logs if a.action == "complete"}
        assert ("task", done.id, "state") in completes
        assert sum(1 for a in logs if a.entity == "progress_report") == 2
        general = {a.field: a.new_value for a in logs if a.action == "unit_report"}
        assert general == {
            "difficulties:2024-H1": GENERAL[0],
            "proposals:2024-H1": GENERAL[1],
        }


def test_resubmitting_the_same_form_changes_nothing(
    db: Engine, form: Path, configs: Configs, db_url: str
) -> None:
    filled = fill(form, GOOD, general=GENERAL)
    submit(db, filled, configs)
    before = snapshot(db_url)
    later = datetime(2024, 6, 9, 9, 0, tzinfo=VN)
    assert submit(db, filled, configs, at=later) == SubmitSummary(0, 0, 3, 6, 0)
    assert snapshot(db_url) == before


def test_every_problem_is_named_by_row_and_column_and_nothing_is_written(
    db: Engine, form: Path, configs: Configs, db_url: str
) -> None:
    with session_scope(db) as session:
        complete(
            session=session,
            task_id=task_of(session, "1.9").id or 0,
            result="Xong",
            evidence="Báo cáo 1",
            completed_on=date(2024, 4, 1),
            actor=ACTOR,
            now=datetime(2024, 4, 2, tzinfo=VN),
        )
    rows: dict[str, dict[str, Any]] = {
        **GOOD,  # valid rows are not applied either
        "1.2": {COL_STATUS: "Xong rồi"},
        "1.5": {COL_STATUS: "Đã hoàn thành"},
        "4.2": {
            COL_STATUS: "Đã hoàn thành",
            COL_RESULT: "Có",
            COL_EVIDENCE: "Có",
            COL_DATE: "31/02/2024",
        },
        "5.2": {
            COL_STATUS: "Đã hoàn thành",
            COL_RESULT: "Có",
            COL_EVIDENCE: "Có",
            COL_DATE: "20/06/2024",
        },
        "5.3": {COL_STATUS: "Đang thực hiện", COL_DATE: "01/06/2024"},
        "1.9": {COL_STATUS: "Đang thực hiện"},
    }
    filled = fill(form, rows, extra={COL_REF: "9.9", COL_STATUS: "Đang thực hiện"})
    before = snapshot(db_url)
    with pytest.raises(ImportFileError) as raised:
        submit(db, filled, configs)
    assert snapshot(db_url) == before
    found = {(p.location.row, p.location.column) for p in raised.value.problems}
    header = 8
    row = {ref: header + 1 + index for index, ref in enumerate(UNIT_REFS)}
    extra_row = header + len(UNIT_REFS) + 1
    assert found == {
        (row["1.2"], COL_STATUS),
        (row["1.5"], COL_RESULT),
        (row["1.5"], COL_EVIDENCE),
        (row["1.5"], COL_DATE),
        (row["4.2"], COL_DATE),
        (row["5.2"], COL_DATE),
        (row["5.3"], COL_DATE),
        (row["1.9"], COL_STATUS),
        (extra_row, COL_REF),
    }
    assert all(p.location.file == filled.name for p in raised.value.problems)
    assert all(p.location.field == f"trang tính {MAIN_SHEET}" for p in raised.value.problems)
    message = str(raised.value)
    assert "chưa ghi nhận nội dung nào" in message
    assert f"dòng {row['5.2']}, cột Ngày hoàn thành" in message
    assert "sau ngày nộp báo cáo 08/06/2024" in message
    assert "'31/02/2024' không hợp lệ" in message


def test_wrong_organization_unit_or_period(
    db: Engine, form: Path, configs: Configs, db_url: str
) -> None:
    before = snapshot(db_url)
    for meta, wanted in (
        ({"organization": "ha-noi"}, "không có cơ quan mã 'ha-noi'"),
        ({"unit": "phong-khong-co"}, "không có đơn vị mã 'phong-khong-co'"),
        ({"period": "2024-Q9"}, "kỳ báo cáo sai"),
        ({"tasks": "1,2"}, "không có trong danh sách của biểu mẫu"),
    ):
        with pytest.raises(ImportFileError, match=wanted):
            submit(db, fill(form, GOOD, meta=meta), configs)
    assert snapshot(db_url) == before


def test_a_file_that_is_not_a_form(tmp_path: Path, form: Path) -> None:
    other = tmp_path / "other.xlsx"
    book = Workbook()
    book.save(other)
    with pytest.raises(ImportFileError, match="không phải biểu báo cáo"):
        read_unit_form(other)
    with pytest.raises(ImportFileError, match="dấu nhận dạng"):
        read_unit_form(fill(form, {}, meta={"form": "khác"}))


# -- the commands ------------------------------------------------------------------------------


@pytest.fixture
def planned(loaded: Sauro) -> Iterator[Sauro]:
    loaded.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv", *PLAN_OPTIONS)
    yield loaded


def test_cli_export_and_submit(planned: Sauro, tmp_path: Path) -> None:
    out = tmp_path / "forms"
    result = planned.ok(
        "unit-report", "export", "--org", "kien-tuong", "--period", "2024-H1",
        "--unit", "phong-noi-vu", "--out", out,
    )  # fmt: skip
    path = out / "bao-cao-kien-tuong-2024-H1-phong-noi-vu.xlsx"
    assert path.is_file()
    assert "9 nhiệm vụ" in result.output
    filled = fill(path, GOOD, general=GENERAL)
    result = planned.ok(
        "unit-report", "submit", filled, "--as", "Nguyễn Văn Vũ", "--at", "2024-06-08T09:00"
    )
    assert "1 nhiệm vụ hoàn thành, 2 báo cáo tiến độ, 0 không thay đổi" in result.output
    again = planned.ok("unit-report", "submit", filled, "--at", "2024-06-09T09:00")
    assert "0 nhiệm vụ hoàn thành, 0 báo cáo tiến độ, 3 không thay đổi" in again.output
    everyone = planned.ok(
        "unit-report", "export", "--org", "kien-tuong", "--period", "2024-H1", "--out", out
    )
    assert len(list(out.glob("bao-cao-*.xlsx"))) == 6
    assert "Phòng Tư pháp: 3 nhiệm vụ" in everyone.output


def test_cli_submit_error_exits_2_and_writes_nothing(planned: Sauro, tmp_path: Path) -> None:
    planned.ok(
        "unit-report", "export", "--org", "kien-tuong", "--period", "2024-H1",
        "--unit", "phong-noi-vu", "--out", tmp_path,
    )  # fmt: skip
    path = tmp_path / "bao-cao-kien-tuong-2024-H1-phong-noi-vu.xlsx"
    filled = fill(path, {**GOOD, "1.2": {COL_STATUS: "Xong"}})
    before = snapshot(planned.url)
    result = planned("unit-report", "submit", filled, "--at", "2024-06-08T09:00")
    assert result.exit_code == 2
    assert "dòng 10, cột Tình trạng" in result.output
    assert "tình trạng 'Xong' không hợp lệ" in result.output
    assert snapshot(planned.url) == before
    missing = planned("unit-report", "export", "--org", "kien-tuong", "--period", "2024-H1",
                      "--unit", "khong-co")  # fmt: skip
    assert missing.exit_code == 2
    assert "không có đơn vị mã 'khong-co'" in missing.output
