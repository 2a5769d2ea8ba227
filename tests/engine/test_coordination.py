"""A coordinating unit's part of a task (``engine.tasks.coordination``) on SQLite and
PostgreSQL: only a unit the task names as coordinator, only an open task, a note required;
audited, shown in the task's history and view, and nothing of the lead's changed."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from test_task_actions import BEFORE, World, build_world, load, make_task

from engine.errors import TaskActionError
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import (
    AuditLog,
    CoordinationNote,
    Task,
    TaskState,
    TaskUnit,
    Unit,
    require_id,
)
from engine.tasks.actions import task_view
from engine.tasks.coordination import coordinating_units, record_coordination
from engine.tasks.history import history_lines

POLICE = Actor(name="congan (Đinh Văn Hải)", source="test_coordination")


@pytest.fixture
def world(db_engine: Engine) -> World:
    return build_world(db_engine)


def _police(engine: Engine, world: World, task_id: int) -> int:
    """Công an xã, made a directory unit and the task's resolved coordinator."""
    with session_scope(engine) as session:
        unit = Unit(organization_id=world.org_id, code="cong-an", name="Công an xã")
        session.add(unit)
        session.flush()
        part = session.get(TaskUnit, _coordinator_part(session, task_id))
        assert part is not None
        part.unit_id = require_id(unit)
        return require_id(unit)


def _coordinator_part(session: Session, task_id: int) -> int:
    view = task_view(session=session, task_id=task_id, now=BEFORE)
    return next(require_id(part) for part, _ in view.units if part.role == "coordinator")


def _record(engine: Engine, task_id: int, unit_id: int, note: str, evidence: str = "") -> None:
    with session_scope(engine) as session:
        record_coordination(
            session=session,
            task_id=task_id,
            unit_id=unit_id,
            note=note,
            evidence=evidence,
            actor=POLICE,
            now=BEFORE,
        )


def test_the_part_shows_on_the_task_and_in_its_history(db_engine: Engine, world: World) -> None:
    task_id = make_task(db_engine, world)
    police = _police(db_engine, world, task_id)
    before = load(db_engine, Task, task_id)
    _record(db_engine, task_id, police, "Đã cử cán bộ tham gia đoàn kiểm tra", "QĐ số 7/QĐ-CA")
    with Session(db_engine) as session:
        assert coordinating_units(session, task_id) == {police}
        view = task_view(session=session, task_id=task_id, now=BEFORE)
    assert [(c.unit_id, c.note, c.evidence) for c in view.coordination] == [
        (police, "Đã cử cán bộ tham gia đoàn kiểm tra", "QĐ số 7/QĐ-CA")
    ]
    assert view.to_json()["coordination"][0]["unit"] == "Công an xã"
    lines = history_lines(view.history, view.names)
    assert any("phần việc phối hợp" in line and "Đã cử cán bộ" in line for line in lines)
    after = load(db_engine, Task, task_id)
    assert (after.state, after.version, after.person_id) == (
        before.state,
        before.version,
        before.person_id,
    )


def test_only_a_coordinating_unit(db_engine: Engine, world: World) -> None:
    task_id = make_task(db_engine, world)
    with pytest.raises(TaskActionError, match="không phải đơn vị phối hợp"):
        _record(db_engine, task_id, world.unit_id, "Văn phòng tự ghi")  # the lead itself


def test_a_note_is_required_and_bounded(db_engine: Engine, world: World) -> None:
    task_id = make_task(db_engine, world)
    police = _police(db_engine, world, task_id)
    with pytest.raises(TaskActionError) as empty:
        _record(db_engine, task_id, police, "  ")
    assert empty.value.problems[0].location.field == "note"
    with pytest.raises(TaskActionError) as long:
        _record(db_engine, task_id, police, "x" * 4001)
    assert "tối đa 4.000 ký tự" in long.value.problems[0].message


def test_a_closed_task_takes_no_more_parts(db_engine: Engine, world: World) -> None:
    task_id = make_task(db_engine, world, state=TaskState.DONE)
    police = _police(db_engine, world, task_id)
    with pytest.raises(TaskActionError, match="đã hoàn thành"):
        _record(db_engine, task_id, police, "Muộn")


def test_the_same_part_sent_again_records_nothing(db_engine: Engine, world: World) -> None:
    task_id = make_task(db_engine, world)
    police = _police(db_engine, world, task_id)
    _record(db_engine, task_id, police, "Đã cử cán bộ tham gia", "QĐ số 7/QĐ-CA")
    with Session(db_engine) as session:
        before = session.exec(select(func.count()).select_from(AuditLog)).one()

    _record(db_engine, task_id, police, "Đã cử cán bộ tham gia ", "QĐ số 7/QĐ-CA")  # resent
    _record(db_engine, task_id, police, "Đã họp phối hợp lần 2")  # a new part: recorded

    with Session(db_engine) as session:
        notes = session.exec(select(CoordinationNote.note).order_by(col(CoordinationNote.id)))
        assert list(notes) == ["Đã cử cán bộ tham gia", "Đã họp phối hợp lần 2"]
        after = session.exec(select(func.count()).select_from(AuditLog)).one()
    assert after - before == 1  # one audit row: the new part's note, not the resent one
