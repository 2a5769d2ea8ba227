"""Assigning a task by hand (``engine.tasks.assignment``) on SQLite and PostgreSQL: the task
goes into its document (created once, found again by its number), the assigner and the basis
come from the document, the verdict is previewed before anything is kept, and a wrong value
writes nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_task_actions import BEFORE, World, build_world

from engine.configs.files import load_configs
from engine.errors import TaskActionError
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import DocumentKind, Plan, Task
from engine.tasks.actions import task_view
from engine.tasks.assignment import NewTask, Source, assign_task, preview

CONFIGS = load_configs(Path(__file__).resolve().parents[2] / "config")
OFFICE = Actor(name="thuongtruc (Lê Văn Cường)", source="test_assignment")
NOTICE = Source(
    DocumentKind.CONCLUSION, "12/TB-UBND", date(2024, 11, 20), "Nguyễn Văn An, Chủ tịch UBND xã"
)


@pytest.fixture
def world(db_engine: Engine) -> World:
    return build_world(db_engine)


def _task(world: World, **changes: object) -> NewTask:
    values: dict[str, object] = {
        "work": "Rà soát, cập nhật quy chế làm việc của Ủy ban nhân dân xã",
        "area": "chi-dao-dieu-hanh",
        "person_id": world.officer_id,
        "lead_unit_id": world.unit_id,
        "coordinator_ids": (),
        "deadline_text": "trước ngày 15/12/2024",
        "product": "Quy chế làm việc sửa đổi",
        **changes,
    }
    return NewTask(**values)  # type: ignore[arg-type]


def _assign(engine: Engine, world: World, source: Source, task: NewTask) -> int:
    with session_scope(engine) as session:
        stored = assign_task(
            session=session, organization_id=world.org_id, source=source, task=task,
            areas=CONFIGS.areas, actor=OFFICE, now=BEFORE,
        )  # fmt: skip
        return int(stored.id or 0)


def test_a_task_from_a_conclusion_notice_is_clear_on_all_six(
    db_engine: Engine, world: World
) -> None:
    check = preview(
        engine=db_engine, organization_id=world.org_id, source=NOTICE, task=_task(world),
        areas=CONFIGS.areas, rules=CONFIGS.rules, actor=OFFICE, now=BEFORE,
    )  # fmt: skip
    assert all(check.clear.values()), check.findings
    with Session(db_engine) as session:
        assert session.exec(select(Task)).all() == []  # a preview keeps nothing
    task_id = _assign(db_engine, world, NOTICE, _task(world))
    with Session(db_engine) as session:
        view = task_view(session=session, task_id=task_id, now=BEFORE)
    assert view.basis == "Thông báo kết luận số 12/TB-UBND ngày 20/11/2024"
    assert view.task.assigner == "Nguyễn Văn An, Chủ tịch UBND xã"
    assert view.task.due_date == date(2024, 12, 14)
    assert (view.plan.kind, view.plan.key, view.task.ref) == (
        "thong_bao_ket_luan",
        "12/TB-UBND",
        "1",
    )
    second = _assign(db_engine, world, NOTICE, _task(world, work="Kiểm tra việc thực hiện quy chế"))
    with Session(db_engine) as session:
        assert len(session.exec(select(Plan).where(Plan.key == "12/TB-UBND")).all()) == 1
        assert session.get(Task, second).ref == "2"  # type: ignore[union-attr]


def test_a_preview_names_what_is_still_unclear(db_engine: Engine, world: World) -> None:
    check = preview(
        engine=db_engine, organization_id=world.org_id, source=NOTICE,
        task=_task(world, person_id=None, deadline_text="Thường xuyên"),
        areas=CONFIGS.areas, rules=CONFIGS.rules, actor=OFFICE, now=BEFORE,
    )  # fmt: skip
    assert not check.clear["person"] and not check.clear["deadline"]
    assert check.clear["authority"] and check.clear["result"]


def test_a_direct_instruction_needs_no_number(db_engine: Engine, world: World) -> None:
    meeting = Source(DocumentKind.MEETING, "", date(2024, 11, 22), "Nguyễn Văn An")
    task_id = _assign(db_engine, world, meeting, _task(world))
    with Session(db_engine) as session:
        view = task_view(session=session, task_id=task_id, now=BEFORE)
    assert view.basis == "Chỉ đạo tại cuộc họp ngày 22/11/2024"
    assert view.plan.key == "Chỉ đạo tại cuộc họp ngày 22/11/2024"


def test_a_document_without_number_date_or_signer_is_refused(
    db_engine: Engine, world: World
) -> None:
    bare = Source(DocumentKind.LETTER, "", None, "")
    with pytest.raises(TaskActionError) as refused:
        _assign(db_engine, world, bare, _task(world))
    assert [p.location.field for p in refused.value.problems] == ["number", "issued_on", "signer"]
    with pytest.raises(TaskActionError):
        _assign(db_engine, world, NOTICE, _task(world, person_id=999_999))
    with Session(db_engine) as session:
        assert session.exec(select(Task)).all() == []
        assert [p.key for p in session.exec(select(Plan))] == ["12/KH-UBND"]  # the world's
