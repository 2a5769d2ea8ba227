"""``engine.plans.importer`` on a real database: the seed-002 Phụ lục 2 from .docx, .xlsx and
.csv, directory resolution, milestones, re-imports (update, withdraw, restore), dry runs,
unknown units, and one transaction per import."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sauro_support import CONFIG, FIXTURES, GOOD_FILES, SEED, snapshot, write_csv
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from engine.configs.files import Configs, load_configs
from engine.directory.store import sync_directory
from engine.errors import ImportFileError, NotFoundError
from engine.plans.importer import ImportOptions, ImportResult, import_plan
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import AuditLog, Milestone, Plan, Task, TaskState, TaskUnit, Unit, UnitRole

NOW = datetime(2024, 1, 8, 2, 0, tzinfo=UTC)
ACTOR = Actor(name="test", source="test_plan_import")
PLAN_DATE = date(2023, 12, 28)
COLLECTIVE_REFS = {"1.6", "1.10", "1.11", "3.4", "4.1", "5.1", "6.3"}
LEAD_CODES = {
    "Phòng Nội vụ": "phong-noi-vu",
    "Trung tâm VH TT và TT thị xã": "trung-tam-van-hoa",
    "Phòng Tư pháp": "phong-tu-phap",
    "Văn phòng HĐND và UBND thị xã": "van-phong",
    "Phòng TC-KT": "phong-tai-chinh-ke-hoach",
    "Phòng Tài chính-Kế hoạch": "phong-tai-chinh-ke-hoach",
    "Phòng VH&TT": "phong-van-hoa-thong-tin",
}
SEED_BY_REF = {task.ref: task for task in SEED.PL2_TASKS}


@pytest.fixture(scope="module")
def configs() -> Configs:
    return load_configs(CONFIG)


@pytest.fixture
def db(db_engine: Engine, configs: Configs) -> Iterator[Engine]:
    """A database with the directory of config/directory.yaml loaded."""
    with session_scope(db_engine) as session:
        sync_directory(session=session, directory=configs.directory, actor=ACTOR, now=NOW)
    yield db_engine


def options(path: Path, **changes: object) -> ImportOptions:
    values: dict[str, object] = {
        "path": path,
        "org_code": "kien-tuong",
        "plan_number": SEED.PLAN_NUMBER,
        "plan_date": PLAN_DATE,
    }
    values.update(changes)
    return ImportOptions(**values)  # type: ignore[arg-type]


def run_import(engine: Engine, configs: Configs, path: Path, **changes: object) -> ImportResult:
    with session_scope(engine) as session:
        return import_plan(
            session=session, options=options(path, **changes), configs=configs, actor=ACTOR, now=NOW
        )


def tasks_by_ref(engine: Engine) -> dict[str, Task]:
    with Session(engine) as session:
        return {t.ref: t for t in session.exec(select(Task).order_by(col(Task.position)))}


def task_audit(engine: Engine) -> list[AuditLog]:
    with Session(engine) as session:
        query = select(AuditLog).where(AuditLog.entity == "task").order_by(col(AuditLog.id))
        return list(session.exec(query))


def seed_rows() -> list[list[str]]:
    """Phụ lục 2 as CSV rows: the header, then every task row as the fixture CSV holds it."""
    with (FIXTURES / "kien_tuong_3838_pl2.csv").open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


# -- the three formats ------------------------------------------------------------------


@pytest.mark.parametrize("name", GOOD_FILES)
def test_imports_the_30_tasks_of_phu_luc_2(db: Engine, configs: Configs, name: str) -> None:
    result = run_import(db, configs, FIXTURES / name)

    assert (result.created, result.updated, result.unchanged, result.withdrawn) == (30, 0, 0, 0)
    assert result.year == 2024
    tasks = tasks_by_ref(db)
    assert tuple(tasks) == SEED.PL2_REFS
    assert {t.area for t in tasks.values()} == set(SEED.PL2_AREA_CODES.values())
    assert len({t.area for t in tasks.values()}) == 7
    for ref, task in tasks.items():
        expected = SEED_BY_REF[ref]
        assert task.work == expected.work_text
        assert task.area == SEED.PL2_AREA_CODES[expected.area]
        assert task.lead_text == expected.lead
        assert task.deadline_text == expected.deadline
        assert task.raw_cells == dict(zip(SEED.PL2_HEADERS, expected.cells, strict=True))
        assert task.state == TaskState.OPEN
        assert task.version == 1
    with Session(db) as session:
        plan = session.exec(select(Plan)).one()
    assert (plan.key, plan.number, plan.issued_on, plan.year) == (
        SEED.PLAN_NUMBER,
        SEED.PLAN_NUMBER,
        PLAN_DATE,
        2024,
    )
    assert plan.source_file == name
    assert plan.signer == "Nguyễn Văn Vũ"


@pytest.mark.parametrize("name", GOOD_FILES)
def test_every_single_lead_resolves_to_its_directory_unit(
    db: Engine, configs: Configs, name: str
) -> None:
    run_import(db, configs, FIXTURES / name)

    with Session(db) as session:
        codes = {u.id: u.code for u in session.exec(select(Unit))}
    for ref, task in tasks_by_ref(db).items():
        if ref in COLLECTIVE_REFS:
            assert task.lead_unit_id is None, ref
        else:
            assert codes[task.lead_unit_id] == LEAD_CODES[task.lead_text], ref


def test_collective_leads_are_flagged_and_coordinators_resolved(
    db: Engine, configs: Configs
) -> None:
    run_import(db, configs, FIXTURES / "kien_tuong_3838.docx")

    with Session(db) as session:
        rows = session.exec(
            select(Task.ref, TaskUnit.role, TaskUnit.text, TaskUnit.collective, Unit.code)
            .join(Task, col(Task.id) == TaskUnit.task_id)
            .outerjoin(Unit, col(Unit.id) == TaskUnit.unit_id)
        ).all()
    collective_leads = {
        ref for ref, role, _, collective, _ in rows if role == "lead" and collective
    }
    assert collective_leads == COLLECTIVE_REFS
    coordinators = {(ref, text): code for ref, role, text, _, code in rows if role == "coordinator"}
    assert coordinators[("2.4", "Ban Pháp chế HĐND thị xã")] == "ban-phap-che-hdnd"
    assert coordinators[("4.1", "Phòng Nội vụ")] == "phong-noi-vu"
    assert coordinators[("4.1", "Phòng Tư pháp")] == "phong-tu-phap"


def test_multi_deadline_cells_become_milestones(db: Engine, configs: Configs) -> None:
    run_import(db, configs, FIXTURES / "kien_tuong_3838_pl2.xlsx")

    tasks = tasks_by_ref(db)
    with Session(db) as session:
        milestones = session.exec(
            select(Task.ref, Milestone.due_date)
            .join(Task, col(Task.id) == Milestone.task_id)
            .order_by(col(Milestone.task_id), col(Milestone.position))
        ).all()
    by_ref: dict[str, list[date]] = {}
    for ref, due in milestones:
        by_ref.setdefault(ref, []).append(due)
    assert by_ref["1.1"] == [date(2024, 6, 30), date(2024, 9, 30)]
    assert tasks["1.1"].due_date == date(2024, 9, 30)
    assert tasks["1.1"].deadline_resolved
    assert by_ref["7.1"] == [date(2024, 3, 31), date(2024, 12, 31)]
    assert "1.4" not in by_ref  # one quarter, one due date, no milestones
    assert tasks["1.4"].due_date == date(2024, 12, 31)
    assert not tasks["1.6"].deadline_resolved
    assert tasks["1.6"].due_date is None


def test_year_option_overrides_the_inferred_year(db: Engine, configs: Configs) -> None:
    result = run_import(db, configs, FIXTURES / "kien_tuong_3838_pl2.csv", year=2025)

    assert (result.year, result.year_source) == (2025, "--year")


# -- re-imports ---------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(
    db: Engine, db_url: str, configs: Configs
) -> None:
    path = FIXTURES / "kien_tuong_3838.docx"
    run_import(db, configs, path)
    before = snapshot(db_url)

    result = run_import(db, configs, path)

    assert (result.created, result.updated, result.unchanged, result.withdrawn) == (0, 0, 30, 0)
    after = snapshot(db_url)
    assert after["audit_log"] == before["audit_log"]
    assert after["task"] == before["task"]
    assert after["task_unit"] == before["task_unit"]
    assert after["milestone"] == before["milestone"]


def test_reimporting_another_format_of_the_same_plan_changes_no_task(
    db: Engine, configs: Configs
) -> None:
    run_import(db, configs, FIXTURES / "kien_tuong_3838.docx")
    audited = len(task_audit(db))

    result = run_import(db, configs, FIXTURES / "kien_tuong_3838_pl2.csv")

    assert (result.created, result.updated, result.unchanged) == (0, 0, 30)
    assert len(task_audit(db)) == audited


def test_reimporting_a_modified_copy_updates_withdraws_and_restores(
    db: Engine, configs: Configs, tmp_path: Path
) -> None:
    original = FIXTURES / "kien_tuong_3838_pl2.csv"
    run_import(db, configs, original)
    first = tasks_by_ref(db)
    rows = seed_rows()
    deadline = rows[0].index("Thời gian thực hiện")
    changed = next(r for r in rows if r[2].startswith("1.4."))
    assert changed[deadline] == "Quý IV/2024"
    changed[deadline] = "Quý III/2024"
    modified = write_csv(
        tmp_path / "ke_hoach_sua.csv", [r for r in rows if not r[2].startswith("3.2.")]
    )
    audited = len(task_audit(db))

    result = run_import(db, configs, modified)

    assert (result.created, result.updated, result.unchanged, result.withdrawn) == (0, 1, 28, 1)
    tasks = tasks_by_ref(db)
    assert len(tasks) == 30  # withdrawn, not deleted
    assert tasks["1.4"].due_date == date(2024, 9, 30)
    assert tasks["1.4"].version == 2
    assert tasks["3.2"].state == TaskState.WITHDRAWN
    assert tasks["3.2"].version == 2
    assert tasks["3.3"].version == 1  # moved up one row: not a change of the task
    new_audit = task_audit(db)[audited:]
    fields = {(a.entity_id, a.action, a.field): (a.old_value, a.new_value) for a in new_audit}
    update = first["1.4"].id
    assert fields[(update, "update", "deadline_text")] == ("Quý IV/2024", "Quý III/2024")
    assert fields[(update, "update", "due_date")] == ("2024-12-31", "2024-09-30")
    assert fields[(first["3.2"].id, "withdraw", "state")] == ("open", "withdrawn")
    assert {a.entity_id for a in new_audit} == {first["1.4"].id, first["3.2"].id}
    assert {a.actor for a in new_audit} == {"test"}

    restored = run_import(db, configs, original)

    assert (restored.created, restored.updated, restored.unchanged, restored.withdrawn) == (
        0,
        2,
        28,
        0,
    )
    tasks = tasks_by_ref(db)
    assert tasks["3.2"].state == TaskState.OPEN
    assert tasks["3.2"].version == 3
    assert tasks["1.4"].due_date == date(2024, 12, 31)
    states = [a for a in task_audit(db) if a.entity_id == first["3.2"].id and a.field == "state"]
    assert [(a.old_value, a.new_value) for a in states] == [
        ("open", "withdrawn"),
        ("withdrawn", "open"),
    ]


# -- dry run, unknown units, transactions -------------------------------------------------


def test_dry_run_reads_and_judges_but_writes_nothing(
    db: Engine, db_url: str, configs: Configs
) -> None:
    before = snapshot(db_url)

    result = run_import(db, configs, FIXTURES / "kien_tuong_3838.docx", dry_run=True)

    assert snapshot(db_url) == before
    assert result.dry_run
    assert len(result.drafts) == len(result.checks) == 30
    assert result.authority.basis == "Kế hoạch số 3838/KH-UBND ngày 28/12/2023"
    assert result.created == 0


def _land_plan(tmp_path: Path, coordinators: str = "") -> Path:
    return write_csv(
        tmp_path / "dat_dai.csv",
        [
            ["TT", "Nội dung CCHC", "Nhiệm vụ cụ thể", "Sản phẩm", "Cơ quan chủ trì",
             "Cơ quan phối hợp", "Thời gian thực hiện"],
            ["1", "Cải cách thủ tục hành chính",
             "1.1. Rà soát, đơn giản hóa thủ tục cấp giấy chứng nhận quyền sử dụng đất",
             "Báo cáo kết quả rà soát", "Phòng Quản lý đất đai thị xã", coordinators,
             "Quý III/2024"],
        ],
    )  # fmt: skip


def test_unknown_lead_stays_unresolved_without_register_units(
    db: Engine, configs: Configs, tmp_path: Path
) -> None:
    result = run_import(db, configs, _land_plan(tmp_path), plan_number="12/KH-UBND")

    assert result.unknown_units == ["Phòng Quản lý đất đai thị xã"]
    assert result.registered_units == []
    assert [f.code for f in result.checks[0].findings if f.dimension == "responsibility"] == [
        "responsibility.unknown_lead"
    ]
    task = tasks_by_ref(db)["1.1"]
    assert task.lead_unit_id is None
    with Session(db) as session:
        assert session.exec(select(Unit).where(col(Unit.registered_by_import))).all() == []


def test_register_units_adds_the_unit_and_resolves_the_lead(
    db: Engine, configs: Configs, tmp_path: Path
) -> None:
    result = run_import(
        db, configs, _land_plan(tmp_path), plan_number="12/KH-UBND", register_units=True
    )

    assert result.registered_units == ["Phòng Quản lý đất đai thị xã"]
    assert result.unknown_units == []
    with Session(db) as session:
        unit = session.exec(select(Unit).where(col(Unit.registered_by_import))).one()
        audit = session.exec(
            select(AuditLog).where(AuditLog.entity == "unit", AuditLog.entity_id == unit.id)
        ).one()
    assert unit.name == "Phòng Quản lý đất đai thị xã"
    assert (audit.action, audit.field, audit.new_value) == ("create", "name", unit.name)
    assert tasks_by_ref(db)["1.1"].lead_unit_id == unit.id
    assert not [f for f in result.checks[0].findings if f.dimension == "responsibility"]


def test_a_coordinator_registered_later_is_resolved_on_reimport(
    db: Engine, configs: Configs, tmp_path: Path
) -> None:
    """The task's cells do not change, but its unit mentions do: that is an update."""
    path = write_csv(
        tmp_path / "phoi_hop.csv",
        [
            ["TT", "Nội dung CCHC", "Nhiệm vụ cụ thể", "Sản phẩm", "Cơ quan chủ trì",
             "Cơ quan phối hợp", "Thời gian thực hiện"],
            ["1", "Cải cách thủ tục hành chính",
             "1.1. Rà soát, đơn giản hóa thủ tục cấp giấy chứng nhận quyền sử dụng đất",
             "Báo cáo kết quả rà soát", "Phòng Tư pháp", "Chi nhánh Văn phòng đăng ký đất đai",
             "Quý III/2024"],
        ],
    )  # fmt: skip
    first = run_import(db, configs, path, plan_number="13/KH-UBND")
    assert first.unknown_units == ["Chi nhánh Văn phòng đăng ký đất đai"]

    again = run_import(db, configs, path, plan_number="13/KH-UBND", register_units=True)

    assert (again.updated, again.unchanged) == (1, 0)
    with Session(db) as session:
        unit_id = session.exec(select(Unit.id).where(col(Unit.registered_by_import))).one()
        coordinator = session.exec(
            select(TaskUnit).where(TaskUnit.role == str(UnitRole.COORDINATOR))
        ).one()
    assert coordinator.unit_id == unit_id
    changes = [a for a in task_audit(db) if a.action == "update"]
    assert [a.field for a in changes] == ["units"]
    assert '"unit": null' in (changes[0].old_value or "")
    assert not [f for f in again.checks[0].findings if f.dimension == "responsibility"]


def test_an_import_is_one_transaction(
    db: Engine, db_url: str, configs: Configs, tmp_path: Path
) -> None:
    """import_plan never commits: when the caller's transaction fails, nothing is kept,
    not even the units it registered."""
    before = snapshot(db_url)

    with pytest.raises(RuntimeError, match="after the import"), session_scope(db) as session:
        import_plan(
            session=session,
            options=options(_land_plan(tmp_path), register_units=True),
            configs=configs,
            actor=ACTOR,
            now=NOW,
        )
        raise RuntimeError("a failure after the import")

    assert snapshot(db_url) == before


def test_a_table_with_a_header_and_no_task_is_refused(
    db: Engine, db_url: str, configs: Configs, tmp_path: Path
) -> None:
    """Importing it over a plan would otherwise withdraw every task of the plan."""
    run_import(db, configs, FIXTURES / "kien_tuong_3838_pl2.csv")
    empty = write_csv(tmp_path / "rong.csv", [seed_rows()[0]])
    before = snapshot(db_url)

    with pytest.raises(ImportFileError) as caught:
        run_import(db, configs, empty)

    assert "rong.csv, bảng 1, dòng 1" in str(caught.value)
    assert snapshot(db_url) == before


def test_unknown_organization_is_refused(db: Engine, configs: Configs) -> None:
    with pytest.raises(NotFoundError, match="kien-tuong, xuan-duong"):
        run_import(db, configs, FIXTURES / "kien_tuong_3838.docx", org_code="khong-co")


def test_task_count_is_per_plan(db: Engine, configs: Configs, tmp_path: Path) -> None:
    run_import(db, configs, FIXTURES / "kien_tuong_3838.docx")
    run_import(db, configs, _land_plan(tmp_path), plan_number="12/KH-UBND")

    with Session(db) as session:
        counts = session.exec(
            select(Plan.key, func.count(col(Task.id)))
            .join(Task, col(Task.plan_id) == Plan.id)
            .group_by(col(Plan.key))
            .order_by(col(Plan.key))
        ).all()
    assert counts == [("12/KH-UBND", 1), ("3838/KH-UBND", 30)]


def test_a_sentence_in_the_number_column_is_refused_with_its_place(
    db: Engine, db_url: str, configs: Configs, tmp_path: Path
) -> None:
    """It would not fit the task number (and PostgreSQL would refuse it mid-import)."""
    path = write_csv(
        tmp_path / "lech_cot.csv",
        [
            ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian thực hiện"],
            ["Nhiệm vụ chuyển tiếp từ năm trước sang", "Rà soát quy chế làm việc của UBND",
             "Phòng Nội vụ", "Quý II/2024"],
        ],
    )  # fmt: skip
    before = snapshot(db_url)

    with pytest.raises(ImportFileError) as caught:
        run_import(db, configs, path)

    assert "lech_cot.csv, bảng 1, dòng 2, cột TT" in str(caught.value)
    assert snapshot(db_url) == before


def test_giving_the_number_later_updates_the_plan_first_imported_without_one(
    db: Engine, configs: Configs
) -> None:
    path = FIXTURES / "kien_tuong_3838.docx"
    run_import(db, configs, path, plan_number="", plan_date=None)

    result = run_import(db, configs, path)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 30)
    with Session(db) as session:
        plans = session.exec(select(Plan)).all()
    assert [(p.key, p.number) for p in plans] == [(SEED.PLAN_NUMBER, SEED.PLAN_NUMBER)]


def test_a_heading_that_names_no_area_is_reported_once_per_section(
    db: Engine, configs: Configs, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "muc.csv",
        [
            ["TT", "Nhiệm vụ cụ thể", "Sản phẩm", "Cơ quan chủ trì", "Thời gian thực hiện"],
            ["I", "## **6. Xây dựng và phát triển Chính phủ điện tử, Chính phủ số**", "", "", ""],
            ["1", "Số hóa hồ sơ thủ tục hành chính", "Hồ sơ số", "Phòng Nội vụ", "Quý II/2024"],
            ["", "II. Nhiệm vụ trọng tâm khác", "", "", ""],
            ["1", "Tổ chức hội nghị đối thoại", "Báo cáo", "Phòng Nội vụ", "Quý II/2024"],
            ["2", "Kiểm tra công vụ tại các xã", "Báo cáo", "Phòng Nội vụ", "Quý III/2024"],
        ],
    )

    result = run_import(db, configs, path, plan_number="14/KH-UBND", dry_run=True)

    assert [d.area for d in result.drafts] == ["chinh-quyen-so", None, None]
    assert result.unmatched_sections == [("II. Nhiệm vụ trọng tâm khác", 2)]
