"""``sauro check`` on imported plans: the table, the JSON shape, the spreadsheet, --plan,
--strict; and the 6-rõ verdict of an import preview equal to the stored one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sauro_support import (
    FIXTURES,
    GOOD_FILES,
    KIEN_TUONG,
    PLAN_NUMBER,
    PLAN_OPTIONS,
    SEED,
    Sauro,
    write_csv,
)

DIMENSIONS = ("person", "work", "deadline", "responsibility", "authority", "result")
LABELS = ("Rõ người", "Rõ việc", "Rõ thời gian", "Rõ trách nhiệm", "Rõ thẩm quyền", "Rõ kết quả")
COLLECTIVE_REFS = {"1.6", "1.10", "1.11", "3.4", "4.1", "5.1", "6.3"}
# Continuous ("Trong năm (theo phân kỳ)", "Trong năm.") and conditional ("Sau khi tính
# công bố") deadline cells do not resolve to a date.
UNRESOLVED_REFS = {
    t.ref for t in SEED.PL2_TASKS if t.deadline.startswith(("Trong năm", "Sau khi tính công bố"))
}
CLEAR_PLAN = "99/KH-UBND"


def check_json(sauro: Sauro, *args: str) -> list[dict[str, Any]]:
    result = sauro("check", "--json", *args)
    assert result.exit_code == 0, result.output
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def failing(tasks: list[dict[str, Any]], dimension: str) -> set[str]:
    return {t["ref"] for t in tasks if not t["clear"][dimension]}


def clear_plan(folder: Path) -> Path:
    """One task clear on all six: a directory officer of its single lead unit, a work text
    in a known area, a quarter, a product (plus the plan number and date on import)."""
    return write_csv(
        folder / "ro_rang.csv",
        [
            ["TT", "Nội dung CCHC", "Nhiệm vụ cụ thể", "Sản phẩm", "Cơ quan chủ trì",
             "Cơ quan phối hợp", "Người thực hiện", "Thời gian thực hiện"],
            ["1", "Công tác chỉ đạo, điều hành CCHC",
             "1.1. Xây dựng Kế hoạch kiểm tra cải cách hành chính năm 2025",
             "Kế hoạch kiểm tra CCHC năm 2025", "Phòng Nội vụ", "Phòng Tư pháp",
             "Lê Minh Tâm", "Quý IV/2024"],
        ],
    )  # fmt: skip


@pytest.fixture
def kien_tuong(loaded: Sauro) -> Sauro:
    """Plan 3838/KH-UBND of Kiến Tường imported from the Word file."""
    loaded.ok("import", FIXTURES / "kien_tuong_3838.docx", *PLAN_OPTIONS)
    return loaded


def test_table_shows_six_dimensions_then_findings(kien_tuong: Sauro) -> None:
    result = kien_tuong.ok("check", *KIEN_TUONG)

    lines = result.stdout.splitlines()
    header = lines[0]
    for short in ("người", "việc", "thời gian", "trách nhiệm", "thẩm quyền", "kết quả"):
        assert short in header
    assert lines[1] == f"Kế hoạch, văn bản: {PLAN_NUMBER}"  # where the tasks come from
    assert sum(line.startswith(SEED.PL2_REFS) for line in lines[2:32]) == 30
    for label in LABELS:
        assert any(line.startswith(f"{label}: ") for line in lines), label
    assert "Rõ người: 0/30 nhiệm vụ đạt" in lines
    assert "Rõ trách nhiệm: 23/30 nhiệm vụ đạt" in lines
    assert "Đủ 6 rõ: 0/30 nhiệm vụ." in lines
    findings = lines.index("PHÁT HIỆN VÀ CÁCH KHẮC PHỤC")
    assert findings > 31
    assert any("→ Khắc phục:" in line for line in lines[findings:])
    assert "[1.6] Xây dựng kế hoạch và triển khai điều tra" in result.stdout


@pytest.mark.parametrize("name", GOOD_FILES)
def test_json_is_one_object_per_task_with_the_verdicts_of_the_plan(
    loaded: Sauro, name: str
) -> None:
    loaded.ok("import", FIXTURES / name, *PLAN_OPTIONS)

    tasks = check_json(loaded, *KIEN_TUONG)

    assert [t["ref"] for t in tasks] == list(SEED.PL2_REFS)
    for task in tasks:
        assert {"ref", "work", "clear", "findings"} <= set(task)
        assert tuple(task["clear"]) == DIMENSIONS
        assert all(isinstance(ok, bool) for ok in task["clear"].values())
        for finding in task["findings"]:
            assert {"dimension", "code", "message"} <= set(finding)
            assert finding["dimension"] in DIMENSIONS
            assert finding["code"].startswith(finding["dimension"] + ".")
        failed = {f["dimension"] for f in task["findings"] if f["severity"] == "error"}
        assert failed == {d for d in DIMENSIONS if not task["clear"][d]}
    assert failing(tasks, "person") == set(SEED.PL2_REFS)  # the plan names no officer
    assert failing(tasks, "responsibility") == COLLECTIVE_REFS
    assert failing(tasks, "deadline") == UNRESOLVED_REFS
    assert "1.10" in UNRESOLVED_REFS and len(UNRESOLVED_REFS) == 13
    assert (
        failing(tasks, "work") == failing(tasks, "authority") == failing(tasks, "result") == set()
    )
    by_ref = {t["ref"]: t for t in tasks}
    codes = {f["code"] for f in by_ref["1.6"]["findings"]}
    assert {"person.missing", "deadline.unresolved", "responsibility.collective"} <= codes
    quoted = [f["message"] for f in by_ref["1.10"]["findings"] if f["dimension"] == "deadline"]
    assert "Sau khi tính công bố" in quoted[0]


def test_the_import_preview_gives_the_verdict_check_gives_after_the_import(
    loaded: Sauro,
) -> None:
    path = FIXTURES / "kien_tuong_3838_pl2.xlsx"
    preview = json.loads(loaded.ok("import", path, *PLAN_OPTIONS, "--dry-run", "--json").stdout)
    loaded.ok("import", path, *PLAN_OPTIONS)

    stored = check_json(loaded, *KIEN_TUONG)

    assert [(t["ref"], t["clear"], t["findings"]) for t in preview] == [
        (t["ref"], t["clear"], t["findings"]) for t in stored
    ]


def test_plan_filter_and_strict(kien_tuong: Sauro, tmp_path: Path) -> None:
    kien_tuong.ok(
        "import", clear_plan(tmp_path), *KIEN_TUONG,
        "--plan-number", CLEAR_PLAN, "--plan-date", "2024-01-15",
    )  # fmt: skip

    assert len(check_json(kien_tuong, *KIEN_TUONG)) == 31
    assert len(check_json(kien_tuong, *KIEN_TUONG, "--plan", PLAN_NUMBER)) == 30
    (clear,) = check_json(kien_tuong, *KIEN_TUONG, "--plan", CLEAR_PLAN)
    assert clear["findings"] == []
    assert all(clear["clear"].values())

    assert kien_tuong("check", *KIEN_TUONG, "--strict").exit_code == 1
    assert kien_tuong("check", *KIEN_TUONG, "--plan", PLAN_NUMBER, "--strict").exit_code == 1
    result = kien_tuong("check", *KIEN_TUONG, "--plan", CLEAR_PLAN, "--strict")
    assert result.exit_code == 0, result.output
    assert "Đủ 6 rõ: 1/1 nhiệm vụ." in result.stdout


def test_xlsx_writes_the_grid_and_the_findings(kien_tuong: Sauro, tmp_path: Path) -> None:
    path = tmp_path / "bao-cao" / "sau_ro.xlsx"

    result = kien_tuong.ok("check", *KIEN_TUONG, "--xlsx", path)

    assert f"Đã ghi bảng tính: {path}" in result.stdout
    book = load_workbook(path)
    assert book.sheetnames == ["Tổng hợp 6 rõ", "Phát hiện"]
    grid, findings = book["Tổng hợp 6 rõ"], book["Phát hiện"]
    header = [c.value for c in grid[1]]
    assert header == ["Kế hoạch", "TT", "Nhiệm vụ", *LABELS, "Đủ 6 rõ"]
    rows = list(grid.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == list(SEED.PL2_REFS)
    assert {r[0] for r in rows} == {PLAN_NUMBER}
    assert {r[3] for r in rows} == {"Chưa"}  # rõ người, for every task
    assert {r[9] for r in rows} == {"Chưa"}
    expected = sum(len(t["findings"]) for t in check_json(kien_tuong, *KIEN_TUONG))
    assert findings.max_row - 1 == expected
    assert [c.value for c in findings[1]][:4] == ["Kế hoạch", "TT", "Nhiệm vụ", "Tiêu chí"]
    assert grid.page_setup.orientation == "landscape"


def test_json_and_xlsx_together(kien_tuong: Sauro, tmp_path: Path) -> None:
    path = tmp_path / "sau_ro.xlsx"
    result = kien_tuong.ok("check", *KIEN_TUONG, "--json", "--xlsx", path)

    assert len(json.loads(result.stdout)) == 30
    assert path.is_file()


def test_no_plan_number_or_date_fails_authority(loaded: Sauro) -> None:
    loaded.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv", *KIEN_TUONG)

    tasks = check_json(loaded, *KIEN_TUONG, "--plan", "kien_tuong_3838_pl2")

    assert len(tasks) == 30
    for task in tasks:
        assert task["clear"]["authority"] is False
        codes = [f["code"] for f in task["findings"] if f["dimension"] == "authority"]
        assert codes == ["authority.no_basis"]


def test_a_number_without_a_date_is_no_basis_either(loaded: Sauro) -> None:
    path = FIXTURES / "kien_tuong_3838_pl2.csv"
    loaded.ok("import", path, *KIEN_TUONG, "--plan-number", PLAN_NUMBER)

    tasks = check_json(loaded, *KIEN_TUONG)

    assert {t["ref"] for t in tasks if not t["clear"]["authority"]} == set(SEED.PL2_REFS)


def test_unknown_organization_or_plan_is_an_error_not_an_empty_check(kien_tuong: Sauro) -> None:
    result = kien_tuong("check", "--org", "khong-co")
    assert result.exit_code == 2
    assert "khong-co" in result.stderr
    assert "kien-tuong, xuan-duong" in result.stderr

    result = kien_tuong("check", *KIEN_TUONG, "--plan", "1/KH-UBND")
    assert result.exit_code == 2
    assert "'1/KH-UBND'" in result.stderr
    assert PLAN_NUMBER in result.stderr


def test_an_organization_without_plans_says_so(loaded: Sauro) -> None:
    result = loaded.ok("check", *KIEN_TUONG)

    assert "Không có nhiệm vụ nào để kiểm tra" in result.stdout
    assert loaded.ok("check", *KIEN_TUONG, "--json").stdout.strip() == "[]"
    assert loaded("check", *KIEN_TUONG, "--strict").exit_code == 0


def test_all_organizations(kien_tuong: Sauro) -> None:
    tasks = check_json(kien_tuong, "--all")

    assert {t["organization"] for t in tasks} == {"kien-tuong"}
    assert len(tasks) == 30


def test_one_task_is_judged_as_its_whole_plan_judges_it(kien_tuong: Sauro) -> None:
    """A task page checks only its task (``check_task``, the reads built once): the same
    verdict as the plan-wide check."""
    from engine.configs.files import load_configs
    from engine.plans.check import check_task, check_tasks
    from engine.store.db import make_engine

    rules = load_configs(kien_tuong.config_dir).rules
    engine = make_engine(kien_tuong.url)
    with engine.connect() as connection:
        every = check_tasks(connection, rules=rules, org_code="kien-tuong")
        for check in every[:: max(1, len(every) // 6)]:
            (alone,) = check_tasks(
                connection, rules=rules, org_code="kien-tuong", task_id=check.task_id
            )
            assert alone == check
        for check in every:
            assert check_task(connection, rules=rules, task_id=check.task_id or 0) == check
        assert check_task(connection, rules=rules, task_id=10**6) is None
    engine.dispose()
