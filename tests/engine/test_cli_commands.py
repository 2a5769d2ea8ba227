"""``sauro init``, ``sauro rules check`` and ``sauro import`` end to end: output, exit codes,
what is written (and, on a dry run or an error, that nothing is)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sauro_support import (
    CONFIG,
    FIXTURES,
    GOOD_FILES,
    KIEN_TUONG,
    PLAN_OPTIONS,
    SEED,
    Sauro,
    snapshot,
    write_csv,
)
from sqlalchemy import func
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from engine.cli import common
from engine.configs.files import load_configs
from engine.store.db import make_engine
from engine.store.models import AuditLog, Organization, Person, PersonRole, Task, Unit

DIMENSIONS = ("person", "work", "deadline", "responsibility", "authority", "result")


def count(url: str, model: type, *where: object) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            query = select(func.count()).select_from(model)
            for condition in where:
                query = query.where(condition)  # type: ignore[arg-type]
            return int(session.exec(query).one())
    finally:
        engine.dispose()


# -- sauro init -----------------------------------------------------------------------------


def test_init_loads_the_directory_once(sauro: Sauro) -> None:
    directory = load_configs(CONFIG).directory
    units = sum(len(org.units) for org in directory.organizations)

    first = sauro.ok("init")

    assert "thêm mới 2 đơn vị hành chính" in first.stdout
    assert f"{units} cơ quan, đơn vị" in first.stdout
    assert count(sauro.url, Organization) == 2
    assert count(sauro.url, Unit) == units
    people = count(sauro.url, Person)
    assert people > units
    engine = make_engine(sauro.url)
    with Session(engine) as session:
        chairman = session.exec(
            select(Person)
            .join(Organization, col(Organization.id) == Person.organization_id)
            .where(Organization.code == "kien-tuong", Person.role == str(PersonRole.CHAIRMAN))
        ).one()
    engine.dispose()
    assert chairman.name == "Nguyễn Văn Vũ"
    created = count(sauro.url, AuditLog, col(AuditLog.action) == "create")
    assert created == 2 + units + people
    before = snapshot(sauro.url)

    second = sauro.ok("init")

    assert "Danh mục: thêm mới không có; cập nhật không có." in second.stdout
    assert snapshot(sauro.url) == before


def test_printed_database_urls_hide_the_password() -> None:
    shown = common.shown_url("postgresql+psycopg://sauro:bi-mat@127.0.0.1:5432/sauro")

    assert "bi-mat" not in shown
    assert shown == "postgresql+psycopg://sauro:***@127.0.0.1:5432/sauro"


def test_commands_on_a_database_never_initialized(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    blank = Sauro(f"sqlite:///{tmp_path / 'trong.db'}", CONFIG, CliRunner())

    result = blank("import", FIXTURES / "kien_tuong_3838.docx", *KIEN_TUONG)

    assert result.exit_code == 2
    assert "chưa được khởi tạo" in result.stderr
    assert "sauro init" in result.stderr
    assert blank("check", *KIEN_TUONG).exit_code == 2
    assert blank.ok("init").stdout.startswith("Đã khởi tạo cơ sở dữ liệu")


# -- sauro rules check ----------------------------------------------------------------------


def test_rules_check_accepts_the_shipped_config(sauro: Sauro) -> None:
    result = sauro.ok("rules", "check")

    assert "Cấu hình hợp lệ" in result.stdout
    assert "rules.yaml" in result.stdout


def test_a_bad_config_is_named_by_file_line_entry_and_field(sauro: Sauro, bad_config: Path) -> None:
    rules = bad_config / "rules.yaml"
    line = rules.read_text(encoding="utf-8").splitlines().index("    severity: critical") + 1
    where = f"{rules}, dòng {line}, checks.person.missing.severity"

    checked = sauro("rules", "check", config_dir=bad_config)
    imported = sauro(
        "import", FIXTURES / "kien_tuong_3838.docx", *PLAN_OPTIONS, config_dir=bad_config
    )
    initialized = sauro("init", config_dir=bad_config)

    for result in (checked, imported, initialized):
        assert result.exit_code == 2
        assert where in result.stderr
        assert "'critical'" in result.stderr
    assert count(sauro.url, Organization) == 0


# -- sauro import ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", GOOD_FILES)
def test_import_then_reimport(loaded: Sauro, name: str) -> None:
    path = FIXTURES / name

    first = loaded.ok("import", path, *PLAN_OPTIONS)

    into = "vào Ủy ban nhân dân thị xã Kiến Tường (kế hoạch '3838/KH-UBND')."
    assert f"Đã nhập 30 nhiệm vụ từ {name} {into}" in first.stdout
    assert "Năm kế hoạch: 2024" in first.stdout
    assert "Căn cứ: Kế hoạch số 3838/KH-UBND ngày 28/12/2023." in first.stdout
    assert "Thêm mới 30, cập nhật 0, không đổi 0, rút khỏi kế hoạch 0." in first.stdout
    assert "Đủ 6 rõ: 0/30 nhiệm vụ." in first.stdout
    assert "chưa có trong danh mục" not in first.stdout
    task_audit = count(loaded.url, AuditLog, col(AuditLog.entity) == "task")
    assert task_audit == 30

    again = loaded.ok("import", path, *PLAN_OPTIONS)

    assert "Thêm mới 0, cập nhật 0, không đổi 30, rút khỏi kế hoạch 0." in again.stdout
    assert count(loaded.url, AuditLog, col(AuditLog.entity) == "task") == task_audit
    assert count(loaded.url, Task) == 30


def test_dry_run_shows_the_preview_and_writes_nothing(loaded: Sauro) -> None:
    before = snapshot(loaded.url)

    result = loaded.ok("import", FIXTURES / "kien_tuong_3838.docx", *PLAN_OPTIONS, "--dry-run")

    assert snapshot(loaded.url) == before
    out = result.stdout
    assert "Sẽ nhập 30 nhiệm vụ từ kien_tuong_3838.docx" in out
    assert "chưa ghi gì vào cơ sở dữ liệu" in out
    lines = out.splitlines()
    assert sum(line.startswith(SEED.PL2_REFS) for line in lines) >= 30
    assert "Rõ người: 0/30 nhiệm vụ đạt" in lines
    assert "Rõ thời gian: 17/30 nhiệm vụ đạt" in lines
    assert "PHÁT HIỆN VÀ CÁCH KHẮC PHỤC" in lines
    assert "Thêm mới" not in out


def test_json_prints_every_task_with_six_dimensions_and_verdict(loaded: Sauro) -> None:
    before = snapshot(loaded.url)

    result = loaded.ok(
        "import", FIXTURES / "kien_tuong_3838_pl2.csv", *PLAN_OPTIONS, "--dry-run", "--json"
    )

    assert snapshot(loaded.url) == before
    tasks = json.loads(result.stdout)
    assert isinstance(tasks, list)
    assert [t["ref"] for t in tasks] == list(SEED.PL2_REFS)
    for task in tasks:
        assert {"person", "work", "deadline", "responsibility", "authority", "result"} <= set(task)
        assert {"text", "name", "unit"} <= set(task["person"])
        assert isinstance(task["work"], str) and task["area"]
        assert {"phrase", "kind", "due", "resolved", "reason"} <= set(task["deadline"])
        assert {"lead", "coordinators"} <= set(task["responsibility"])
        assert task["authority"] == {
            "assigner": "Chủ tịch Ủy ban nhân dân thị xã Kiến Tường (Nguyễn Văn Vũ)",
            "basis": "Kế hoạch số 3838/KH-UBND ngày 28/12/2023",
        }
        assert "product" in task["result"]
        assert tuple(task["clear"]) == DIMENSIONS
        assert all({"dimension", "code", "message"} <= set(f) for f in task["findings"])
    first = tasks[0]
    assert first["deadline"]["phrase"] == "Quý II, III/2024"
    assert first["deadline"]["kind"] == "quarter"
    assert first["deadline"]["due"] == "2024-09-30"
    assert first["deadline"]["resolved"] is True
    assert len(first["deadline"]["milestones"]) == 2
    assert first["responsibility"]["lead"] == [
        {"text": "Phòng Nội vụ", "unit": "phong-noi-vu", "collective": False}
    ]
    in_year = next(t for t in tasks if t["ref"] == "1.6")
    assert in_year["deadline"]["resolved"] is False
    assert in_year["deadline"]["reason"]
    assert in_year["clear"]["deadline"] is False


def test_json_after_a_real_import_is_the_same_array(loaded: Sauro) -> None:
    result = loaded.ok("import", FIXTURES / "kien_tuong_3838.docx", *PLAN_OPTIONS, "--json")

    assert len(json.loads(result.stdout)) == 30
    assert count(loaded.url, Task) == 30


def test_reimport_of_a_modified_copy_reports_update_and_withdrawal(
    loaded: Sauro, tmp_path: Path
) -> None:
    loaded.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv", *PLAN_OPTIONS)
    rows = [list(t.cells) for t in SEED.PL2_TASKS]
    rows[3][6] = "Quý III/2024"  # 1.4
    rows = [r for r in rows if not r[2].startswith("7.2.")]
    modified = write_csv(tmp_path / "sua.csv", [list(SEED.PL2_HEADERS), *rows])

    changed = loaded.ok("import", modified, *PLAN_OPTIONS)
    restored = loaded.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv", *PLAN_OPTIONS)

    assert "Thêm mới 0, cập nhật 1, không đổi 28, rút khỏi kế hoạch 1." in changed.stdout
    assert "Thêm mới 0, cập nhật 2, không đổi 28, rút khỏi kế hoạch 0." in restored.stdout
    assert count(loaded.url, Task) == 30


ERRORS = [
    # file, what the message must name
    ("not_a_docx.docx", ["not_a_docx.docx", "không phải tệp Word (.docx) thật"]),
    ("no_task_table.docx", ["no_task_table.docx, bảng 1", "Không tìm thấy bảng nhiệm vụ"]),
    (
        "missing_lead_column.xlsx",
        ["missing_lead_column.xlsx, bảng 1, dòng 2", "thiếu cột 'Cơ quan chủ trì'"],
    ),
    (
        "missing_work_cell.csv",
        [
            "missing_work_cell.csv, bảng 1, dòng 6, cột Nhiệm vụ cụ thể",
            "missing_work_cell.csv, bảng 1, dòng 8, cột Nhiệm vụ cụ thể",
            "thiếu nội dung nhiệm vụ",
        ],
    ),
    ("latin1.csv", ["latin1.csv, dòng 2", "UTF-8"]),
    ("khong_co.docx", ["khong_co.docx", "không tìm thấy tệp"]),
]


@pytest.mark.parametrize(("name", "expected"), ERRORS, ids=[e[0] for e in ERRORS])
def test_a_bad_file_exits_2_naming_where_and_changes_nothing(
    loaded: Sauro, name: str, expected: list[str]
) -> None:
    loaded.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv", *PLAN_OPTIONS)
    before = snapshot(loaded.url)

    result = loaded("import", FIXTURES / name, *PLAN_OPTIONS, "--register-units")

    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Lỗi: ")
    for text in expected:
        assert text in result.stderr
    assert result.stdout == ""
    assert snapshot(loaded.url) == before


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (("--org", "khong-co"), ["'khong-co'", "kien-tuong, xuan-duong", "sauro init"]),
        ((*KIEN_TUONG, "--plan-date", "2023-13-28"), ["'2023-13-28'", "--plan-date"]),
        ((*KIEN_TUONG, "--plan-date", "28/12/2023"), ["'28/12/2023'", "YYYY-MM-DD"]),
    ],
    ids=["unknown-org", "impossible-date", "date-format"],
)
def test_bad_options_exit_2_and_change_nothing(
    loaded: Sauro, options: tuple[str, ...], expected: list[str]
) -> None:
    before = snapshot(loaded.url)

    result = loaded("import", FIXTURES / "kien_tuong_3838.docx", *options)

    assert result.exit_code == 2, result.output
    for text in expected:
        assert text in result.stderr
    assert snapshot(loaded.url) == before


UNKNOWN = "Phòng Quản lý đất đai thị xã"


def _land_plan(folder: Path) -> Path:
    return write_csv(
        folder / "dat_dai.csv",
        [
            ["TT", "Nội dung CCHC", "Nhiệm vụ cụ thể", "Sản phẩm", "Cơ quan chủ trì",
             "Thời gian thực hiện"],
            ["1", "Cải cách thủ tục hành chính",
             "1.1. Rà soát, đơn giản hóa thủ tục cấp giấy chứng nhận quyền sử dụng đất",
             "Báo cáo kết quả rà soát", UNKNOWN, "Quý III/2024"],
        ],
    )  # fmt: skip


def test_an_unknown_lead_is_listed_and_fails_responsibility(loaded: Sauro, tmp_path: Path) -> None:
    result = loaded.ok("import", _land_plan(tmp_path), *PLAN_OPTIONS)

    assert "Đơn vị chưa có trong danh mục" in result.stdout
    assert UNKNOWN in result.stdout
    assert "--register-units" in result.stdout
    (task,) = json.loads(loaded.ok("check", *KIEN_TUONG, "--json").stdout)
    assert task["clear"]["responsibility"] is False
    codes = [f["code"] for f in task["findings"] if f["dimension"] == "responsibility"]
    assert codes == ["responsibility.unknown_lead"]
    assert count(loaded.url, Unit, col(Unit.registered_by_import)) == 0


def test_register_units_adds_the_unit_and_the_lead_resolves(loaded: Sauro, tmp_path: Path) -> None:
    path = _land_plan(tmp_path)
    before = snapshot(loaded.url)

    preview = loaded.ok("import", path, *PLAN_OPTIONS, "--register-units", "--dry-run")

    assert f"Sẽ thêm vào danh mục: {UNKNOWN}" in preview.stdout
    assert snapshot(loaded.url) == before

    result = loaded.ok("import", path, *PLAN_OPTIONS, "--register-units")

    assert f"Đã thêm vào danh mục: {UNKNOWN}" in result.stdout
    assert "chưa có trong danh mục" not in result.stdout
    engine = make_engine(loaded.url)
    with Session(engine) as session:
        unit = session.exec(select(Unit).where(Unit.name == UNKNOWN)).one()
        audited = session.exec(
            select(AuditLog).where(AuditLog.entity == "unit", AuditLog.entity_id == unit.id)
        ).all()
        task = session.exec(select(Task)).one()
    engine.dispose()
    assert unit.registered_by_import is True
    assert [(a.action, a.field, a.new_value) for a in audited] == [("create", "name", UNKNOWN)]
    assert task.lead_unit_id == unit.id
    (checked,) = json.loads(loaded.ok("check", *KIEN_TUONG, "--json").stdout)
    assert checked["clear"]["responsibility"] is True
