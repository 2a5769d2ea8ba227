"""A plan with section rows and merged cells, imported from .docx and from .xlsx: the
benchmark's generated plan (tests/bench/import_bench.py), small. Section rows spanning the
table give each task its group and area; a vertically merged lead cell gives its unit to
every task it spans; both files give the same tasks, stored the same."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from engine.configs.files import Configs, load_configs
from engine.directory.store import sync_directory
from engine.plans.importer import ImportOptions, ImportResult, draft_json, import_plan
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import AuditLog, Task, TaskUnit

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
ACTOR = Actor(name="test", source="test_import_sections")
TASKS = 60
AREAS = (
    "chi-dao-dieu-hanh",
    "the-che",
    "thu-tuc-hanh-chinh",
    "to-chuc-bo-may",
    "cong-vu",
    "tai-chinh-cong",
    "chinh-quyen-so",
)


@cache
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "import_bench", REPO / "tests/bench/import_bench.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_bench"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def configs() -> Configs:
    return load_configs(REPO / "config")


@pytest.fixture
def db(db_engine: Engine, configs: Configs) -> Iterator[Engine]:
    with session_scope(db_engine) as session:
        sync_directory(session=session, directory=configs.directory, actor=ACTOR, now=NOW)
    yield db_engine


@pytest.fixture(scope="module")
def plan_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sections")
    rows = bench().plan_rows(TASKS)
    files = {"docx": folder / "ke_hoach.docx", "xlsx": folder / "ke_hoach.xlsx"}
    bench().write_docx(files["docx"], rows)
    bench().write_xlsx(files["xlsx"], rows)
    return files


def run_import(engine: Engine, configs: Configs, path: Path) -> ImportResult:
    options = ImportOptions(
        path=path, org_code="kien-tuong", plan_number="99/KH-UBND", plan_date=date(2025, 12, 20)
    )
    with session_scope(engine) as session:
        return import_plan(session=session, options=options, configs=configs, actor=ACTOR, now=NOW)


def expected_tasks() -> list[tuple[str, str, str, str]]:
    """(section label, number, lead, deadline) of each generated task, merged cells filled."""
    out, section = [], ""
    for row in bench().plan_rows(TASKS):
        if row.section:
            section = row.section
        else:
            number, _, _, lead, _, deadline, _ = row.cells
            out.append((section, number, lead, deadline))
    return out


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_sections_and_merged_leads_reach_every_task(
    db: Engine, configs: Configs, plan_files: dict[str, Path], kind: str
) -> None:
    result = run_import(db, configs, plan_files[kind])

    assert result.created == TASKS
    read = [(d.row.group, d.row.ref, d.row.lead, d.row.deadline) for d in result.drafts]
    assert read == expected_tasks()
    labels = list(dict.fromkeys(d.row.group for d in result.drafts))
    assert [d.area for d in result.drafts if d.row.ref == "1"] == list(AREAS)
    # numbers restart in each section: the key is section and number
    assert [d.key for d in result.drafts[:2]] == ["1:1", "1:2"]
    assert len(labels) == 7
    assert result.unknown_units == ["Công an thị xã"]


def _stored(engine: Engine) -> list[list[tuple[Any, ...]]]:
    with Session(engine) as session:
        tasks = session.exec(select(Task).order_by(col(Task.id))).all()
        units = session.exec(select(TaskUnit).order_by(col(TaskUnit.id))).all()
        audit = session.exec(select(AuditLog).where(AuditLog.entity == "task")).all()
    ignored = {"id", "raw_cells", "source_row"}  # the .xlsx has a title row above
    return [
        [tuple(v for k, v in t.model_dump().items() if k not in ignored) for t in tasks],
        [(u.task_id, u.role, u.position, u.text, u.unit_id, u.collective) for u in units],
        sorted((a.entity_id, a.action, a.field) for a in audit),
    ]


def test_docx_and_xlsx_of_one_plan_store_the_same_tasks(
    db_engine: Engine, configs: Configs, plan_files: dict[str, Path]
) -> None:
    with session_scope(db_engine) as session:
        sync_directory(session=session, directory=configs.directory, actor=ACTOR, now=NOW)
    from_docx = run_import(db_engine, configs, plan_files["docx"])
    stored_docx = _stored(db_engine)
    again = run_import(db_engine, configs, plan_files["xlsx"])  # the same plan, as a workbook

    assert (again.created, again.updated, again.withdrawn) == (0, 0, 0)
    assert again.unchanged == TASKS
    assert _stored(db_engine) == stored_docx
    as_json = [draft_json(d, c) for d, c in zip(from_docx.drafts, from_docx.checks, strict=True)]
    xlsx_json = [draft_json(d, c) for d, c in zip(again.drafts, again.checks, strict=True)]
    for item in (*as_json, *xlsx_json):
        item.pop("source")
        item.pop("raw")
    assert xlsx_json == as_json
