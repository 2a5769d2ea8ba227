"""Naming the officer of a task (``engine.tasks.delegation``) on SQLite and PostgreSQL: one
task or many, only the lead unit's active people, a reason to give a task to someone else,
all or nothing, audited and shown in the history in words."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from test_task_actions import BEFORE, World, audit_rows, build_world, load, make_task

from engine.errors import NotFoundError, TaskActionError
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import Person, PersonRole, Task, TaskState, Unit, require_id
from engine.tasks.delegation import DELEGATE, delegate, unit_people
from engine.tasks.history import history_lines, history_names

HEAD = Actor(name="lecuong (Lê Văn Cường)", source="test_delegation")


@pytest.fixture
def world(db_engine: Engine) -> World:
    return build_world(db_engine)


def _add_person(
    engine: Engine, world: World, name: str, unit_id: int | None, **extra: object
) -> int:
    with session_scope(engine) as session:
        person = Person(
            organization_id=world.org_id,
            unit_id=unit_id,
            name=name,
            title="Công chức",
            role=PersonRole.OFFICER,
            **extra,
        )
        session.add(person)
        session.flush()
        return require_id(person)


def _unnamed(engine: Engine, world: World, ref: str) -> int:
    task_id = make_task(engine, world, ref=ref)
    with session_scope(engine) as session:
        task = session.get(Task, task_id)
        assert task is not None
        task.person_id, task.person_text = None, ""
    return task_id


def _delegate(engine: Engine, task_ids: list[int], person_id: int, reason: str = "") -> None:
    with session_scope(engine) as session:
        delegate(
            session=session,
            task_ids=task_ids,
            person_id=person_id,
            reason=reason,
            actor=HEAD,
            now=BEFORE,
        )


def test_many_tasks_at_once_are_given_and_audited(db_engine: Engine, world: World) -> None:
    ids = [_unnamed(db_engine, world, ref) for ref in ("1.1", "1.2", "1.3")]
    _delegate(db_engine, ids, world.officer_id)
    for task_id in ids:
        task = load(db_engine, Task, task_id)
        assert (task.person_id, task.person_text, task.version) == (
            world.officer_id,
            "Phạm Thị Dung",
            2,
        )
        rows = audit_rows(db_engine, "task", task_id)
        assert {(r.action, r.field, r.new_value) for r in rows} == {
            (DELEGATE, "person_id", str(world.officer_id)),
            (DELEGATE, "person_text", "Phạm Thị Dung"),
        }
        assert {r.actor for r in rows} == {HEAD.name}


def test_the_history_says_it_in_words(db_engine: Engine, world: World) -> None:
    task_id = make_task(db_engine, world)
    other = _add_person(db_engine, world, "Vũ Thị Giang", world.unit_id)
    _delegate(db_engine, [task_id], other, reason="Chị Dung nghỉ sinh")
    with Session(db_engine) as session:
        lines = history_lines(
            audit_rows(db_engine, "task", task_id), history_names(session, world.org_id)
        )
    assert len(lines) == 1
    assert "giao người thực hiện" in lines[0]
    assert "người thực hiện: Phạm Thị Dung → Vũ Thị Giang" in lines[0]
    assert "lý do: — → Chị Dung nghỉ sinh" in lines[0]


def test_giving_a_task_to_someone_else_needs_a_reason(db_engine: Engine, world: World) -> None:
    task_id = make_task(db_engine, world)  # names Phạm Thị Dung
    other = _add_person(db_engine, world, "Vũ Thị Giang", world.unit_id)
    with pytest.raises(TaskActionError) as refused:
        _delegate(db_engine, [task_id], other)
    assert "giao lại phải ghi lý do" in refused.value.problems[0].message
    assert load(db_engine, Task, task_id).person_id == world.officer_id
    _delegate(db_engine, [task_id], other, reason="Điều chỉnh phân công")
    assert load(db_engine, Task, task_id).person_id == other


def test_the_same_person_again_records_nothing(db_engine: Engine, world: World) -> None:
    task_id = make_task(db_engine, world)
    _delegate(db_engine, [task_id], world.officer_id)
    assert load(db_engine, Task, task_id).version == 1
    assert audit_rows(db_engine, "task", task_id) == []


def test_only_the_lead_units_active_people(db_engine: Engine, world: World) -> None:
    task_id = _unnamed(db_engine, world, "2.1")
    with session_scope(db_engine) as session:
        unit = Unit(organization_id=world.org_id, code="cong-an", name="Công an xã")
        session.add(unit)
        session.flush()
        elsewhere_unit = require_id(unit)
    elsewhere = _add_person(db_engine, world, "Đinh Văn Hải", elsewhere_unit)
    left = _add_person(db_engine, world, "Mai Thị Lan", world.unit_id, active=False)
    with pytest.raises(TaskActionError, match="Đinh Văn Hải") as refused:
        _delegate(db_engine, [task_id], elsewhere)
    assert "không thuộc đơn vị chủ trì nhiệm vụ 2.1" in refused.value.problems[0].message
    with pytest.raises(NotFoundError):
        _delegate(db_engine, [task_id], left)
    with Session(db_engine) as session:
        names = [p.name for p in unit_people(session, world.unit_id)]
    assert names == ["Lê Văn Cường", "Phạm Thị Dung"]
    assert load(db_engine, Task, task_id).person_id is None


def test_one_task_at_fault_stops_them_all(db_engine: Engine, world: World) -> None:
    good = _unnamed(db_engine, world, "3.1")
    done = make_task(db_engine, world, ref="3.2", state=TaskState.DONE)
    no_lead = _unnamed(db_engine, world, "3.3")
    with session_scope(db_engine) as session:
        task = session.get(Task, no_lead)
        assert task is not None
        task.lead_unit_id = None
    with pytest.raises(TaskActionError) as refused:
        _delegate(db_engine, [good, done, no_lead], world.officer_id)
    messages = [p.message for p in refused.value.problems]
    assert messages == [
        "nhiệm vụ 3.2 đã hoàn thành, không giao lại được",
        "nhiệm vụ 3.3 chưa rõ đơn vị chủ trì: hãy làm rõ trách nhiệm trước",
    ]
    assert [p.location.entry for p in refused.value.problems] == ["nhiệm vụ 3.2", "nhiệm vụ 3.3"]
    assert load(db_engine, Task, good).person_id is None


def test_a_person_of_another_organization_is_unknown(db_engine: Engine, world: World) -> None:
    task_id = _unnamed(db_engine, world, "4.1")
    with Session(db_engine) as session:
        stranger = session.exec(
            select(Person).where(col(Person.organization_id) != world.org_id)
        ).first()
    assert stranger is not None
    with pytest.raises(NotFoundError):
        _delegate(db_engine, [task_id], require_id(stranger))


def test_nothing_chosen_is_refused(db_engine: Engine, world: World) -> None:
    with pytest.raises(TaskActionError, match="Chưa chọn nhiệm vụ"):
        _delegate(db_engine, [], world.officer_id)
