"""User text stays text in every workbook the engine writes (issue 14), on both
databases: the cell helper itself, then ``sauro check --xlsx``, the annex of ``sauro
report`` (its "Quá hạn" and "Gia hạn" sheets), the roll-up sheets of a parent's annex and
``sauro unit-report export``, each from tasks whose work reads like a formula."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from rollup_support import COMMUNES, NOW, PERIOD, PROVINCE, build_province, standard_reports
from sauro_support import FIXTURES, PLAN_OPTIONS, Sauro
from sheet_support import HOSTILE, holds_every_hostile, make_works_hostile, text_cells
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from engine.calendar.status import VN
from engine.reports.annex import SHEET_EXTENSIONS, SHEET_OVERDUE
from engine.reports.assembly import write_period_report
from engine.reports.rollup_annex import SHEET_SUMMARY
from engine.sheet_cells import looks_like_formula, put
from engine.store.audit import Actor
from engine.store.db import make_engine, session_scope
from engine.store.models import Task
from engine.tasks.actions import request_extension

KIEN_TUONG = ("--org", "kien-tuong")


@pytest.mark.parametrize(
    ("value", "formula_like"),
    [
        ("=1+1", True), ("\t=1+1", True), ("\r\n =A1", True), ("+1", True), ("-1", True),
        ("@A1", True), ("＝1", True), ("＋1", True), ("#N/A", False), ("Rà soát", False),
        ("", False), ("1 = 1", False),
    ],
)  # fmt: skip
def test_a_string_is_written_as_text_whatever_it_starts_with(
    value: str, formula_like: bool, tmp_path: Path
) -> None:
    assert looks_like_formula(value) is formula_like
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    put(sheet, 1, 1, value)
    put(sheet, 1, 2, 42)
    put(sheet, 1, 3, date(2026, 1, 2))
    path = tmp_path / "o.xlsx"
    book.save(path)

    cells = text_cells(path)
    assert cells.get(sheet.title, []) == ([value] if value else [])


def test_control_characters_xml_cannot_hold_are_left_out(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    put(sheet, 1, 1, "Rà\x01 soát\x0b\tvăn bản\x1f")
    book.save(tmp_path / "o.xlsx")

    assert text_cells(tmp_path / "o.xlsx")[sheet.title] == ["Rà soát\tvăn bản"]


def _hostile_plan(loaded: Sauro) -> Engine:
    loaded.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv", *PLAN_OPTIONS)
    engine = make_engine(loaded.url)
    make_works_hostile(engine, "kien-tuong")
    return engine


def test_the_check_workbook_writes_formula_like_work_as_text(loaded: Sauro, tmp_path: Path) -> None:
    engine = _hostile_plan(loaded)
    engine.dispose()
    path = tmp_path / "kiem-tra.xlsx"

    loaded.ok("check", *KIEN_TUONG, "--xlsx", path)

    sheets = text_cells(path)
    assert holds_every_hostile(sheets["Tổng hợp 6 rõ"])
    assert holds_every_hostile(sheets["Phát hiện"])


def test_the_annex_writes_formula_like_work_as_text(loaded: Sauro, tmp_path: Path) -> None:
    engine = _hostile_plan(loaded)
    with Session(engine) as session:
        open_tasks = session.exec(select(Task).where(Task.due_date > date(2024, 6, 20))).all()
    extended = open_tasks[: len(HOSTILE)]
    with session_scope(engine) as session:
        for task in extended:
            request_extension(
                session=session, task_id=task.id or 0, new_due=date(2025, 6, 30),
                reason="Chờ hướng dẫn.", actor=Actor(name="test", source="test_sheet_cells"),
                now=datetime(2024, 6, 1, 9, 0, tzinfo=VN),
            )  # fmt: skip
    engine.dispose()
    out = tmp_path / "bao-cao"

    loaded.ok(
        "report", *KIEN_TUONG, "--period", "2024-H1", "--date", "2024-06-16", "--out", out,
        "--no-pdf", "--at", "2024-06-16T09:00",
    )  # fmt: skip

    annexes = list(out.rglob("bieu-so-lieu-*.xlsx"))
    assert len(annexes) == 1
    sheets = text_cells(annexes[0])
    assert set(sheets[SHEET_OVERDUE]) & set(HOSTILE)
    assert {task.work for task in extended} <= set(sheets[SHEET_EXTENSIONS])


def test_the_unit_forms_write_formula_like_work_as_text(loaded: Sauro, tmp_path: Path) -> None:
    _hostile_plan(loaded).dispose()
    out = tmp_path / "bieu"

    loaded.ok("unit-report", "export", *KIEN_TUONG, "--period", "2024-H1", "--out", out)

    forms = sorted(out.glob("*.xlsx"))
    assert forms
    works = [v for form in forms for v in text_cells(form)["Báo cáo"]]
    assert holds_every_hostile(works)


def test_the_rollup_sheets_write_formula_like_names_as_text(
    db_engine: Engine, db_url: str, tmp_path: Path
) -> None:
    province = build_province(db_engine, db_url, tmp_path)
    standard_reports(province)
    with db_engine.begin() as connection:
        for code, name in zip(COMMUNES, HOSTILE, strict=False):
            connection.execute(
                text("UPDATE organization SET name = :name WHERE code = :code"),
                {"name": name, "code": code},
            )

    files = write_period_report(
        province.engine, configs=province.configs, config_dir=province.config_dir,
        org_code=PROVINCE, period=province.period(), now=NOW,
        out=province.reports_dir / PROVINCE / PERIOD, pdf=False,
    )  # fmt: skip

    sheets = text_cells(files.annex)
    assert holds_every_hostile(sheets[SHEET_SUMMARY])
