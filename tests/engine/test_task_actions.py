"""``engine.tasks.actions`` on a real database (SQLite file and PostgreSQL): progress,
completion with result and evidence, extension requests before the deadline, decisions by
the task's authority only, the deadline version, the task view, and an audit row for every
change (who, when, field, old → new). Each test builds its own organization, people, plan and
tasks; times are fixed and aware."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sauro_support import CONFIG, FIXTURES, SEED, snapshot
from sqlalchemy import Connection, Engine, inspect, text
from sqlmodel import Session, col, select

from engine.calendar.status import VN, TaskStatus
from engine.calendar.workdays import WorkCalendar, load_calendar
from engine.configs.files import load_configs
from engine.directory.store import find_person, sync_directory
from engine.errors import (
    DirectoryError,
    NotFoundError,
    PermissionDeniedError,
    SauroError,
    TaskActionError,
)
from engine.plans.importer import ImportOptions, import_plan
from engine.store.audit import Actor
from engine.store.db import alembic_config, current_revision, make_engine, session_scope, upgrade
from engine.store.models import (
    AuditLog,
    ExtensionRequest,
    ExtensionStatus,
    Milestone,
    Organization,
    Person,
    PersonRole,
    Plan,
    ProgressReport,
    Task,
    TaskState,
    TaskUnit,
    Unit,
    require_id,
)
from engine.tasks.actions import (
    complete,
    decide_extension,
    find_task_id,
    pending_request_id,
    record_progress,
    request_extension,
    status_of,
    task_view,
)
from engine.text import fold

CREATED = datetime(2024, 1, 8, 2, 0, tzinfo=UTC)
DUE = date(2024, 12, 31)  # a Tuesday, a working day
OFFICER = Actor(name="cli:test as Phạm Thị Dung", source="test_task_actions")
BOSS = Actor(name="cli:test as Nguyễn Văn An", source="test_task_actions")


def vn(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """An instant written in Viet Nam time."""
    return datetime(year, month, day, hour, minute, tzinfo=VN)


BEFORE = vn(2024, 12, 20)  # before DUE


# -- factories -------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """One commune with its people and a plan, and a second commune beside it."""

    org_id: int
    plan_id: int
    unit_id: int
    officer_id: int


def build_world(engine: Engine) -> World:
    with session_scope(engine) as session:
        # Completion semantics without the acceptance step (tests/engine/test_acceptance.py).
        org = Organization(
            code="xa-a", name="Ủy ban nhân dân xã A", level="commune", acceptance_required=False
        )
        other = Organization(code="xa-b", name="Ủy ban nhân dân xã B", level="commune")
        session.add_all([org, other])
        session.flush()
        org_id, other_id = require_id(org), require_id(other)
        unit = Unit(organization_id=org_id, code="van-phong", name="Văn phòng HĐND và UBND xã")
        session.add(unit)
        session.flush()
        unit_id = require_id(unit)
        officer = _person(org_id, "Phạm Thị Dung", "Công chức", PersonRole.OFFICER, unit_id)
        session.add_all(
            [
                _person(org_id, "Nguyễn Văn An", "Chủ tịch UBND xã", PersonRole.CHAIRMAN),
                _person(org_id, "Trần Thị Bình", "Phó Chủ tịch UBND xã", PersonRole.VICE_CHAIRMAN),
                _person(org_id, "Lê Văn Cường", "Chánh Văn phòng", PersonRole.HEAD, unit_id),
                officer,
                _person(
                    org_id, "Hoàng Văn Em", "Nguyên Chủ tịch", PersonRole.CHAIRMAN, active=False
                ),
                _person(other_id, "Đỗ Văn Phúc", "Chủ tịch UBND xã B", PersonRole.CHAIRMAN),
            ]
        )
        plan = Plan(
            organization_id=org_id,
            key="12/KH-UBND",
            number="12/KH-UBND",
            issued_on=date(2024, 1, 5),
            imported_at=CREATED,
        )
        session.add(plan)
        session.flush()
        return World(org_id, require_id(plan), unit_id, require_id(officer))


def _person(
    org_id: int,
    name: str,
    title: str,
    role: PersonRole,
    unit_id: int | None = None,
    *,
    active: bool = True,
) -> Person:
    email = f"{fold(name.rsplit(maxsplit=1)[-1])}@xa-a.example.vn"
    return Person(
        organization_id=org_id,
        unit_id=unit_id,
        name=name,
        title=title,
        email=email,
        role=str(role),
        active=active,
    )


def make_task(
    engine: Engine,
    world: World,
    *,
    ref: str = "1.1",
    due: date | None = DUE,
    state: TaskState = TaskState.OPEN,
) -> int:
    with session_scope(engine) as session:
        task = Task(
            organization_id=world.org_id,
            plan_id=world.plan_id,
            key=ref,
            ref=ref,
            work="Xây dựng Kế hoạch kiểm tra công tác cải cách hành chính năm 2025",
            area="chi-dao-dieu-hanh",
            person_text="Phạm Thị Dung",
            person_id=world.officer_id,
            lead_text="Văn phòng HĐND và UBND xã",
            lead_unit_id=world.unit_id,
            coordinators_text="Công an xã",
            deadline_text="Quý IV/2024" if due else "Thường xuyên",
            deadline_kind="quarter" if due else "continuous",
            due_date=due,
            deadline_resolved=due is not None,
            assigner="Chủ tịch Ủy ban nhân dân xã A (Nguyễn Văn An)",
            product="Kế hoạch của UBND xã",
            state=str(state),
            completed_on=date(2024, 11, 30) if state == TaskState.DONE else None,
            created_at=CREATED,
            updated_at=CREATED,
        )
        session.add(task)
        session.flush()
        task_id = require_id(task)
        session.add_all(
            [
                TaskUnit(task_id=task_id, role="lead", text=task.lead_text, unit_id=world.unit_id),
                TaskUnit(task_id=task_id, role="coordinator", text="Công an xã"),
                Milestone(task_id=task_id, position=0, due_date=date(2024, 6, 30), text="Quý II"),
            ]
        )
        return task_id


@pytest.fixture
def world(db_engine: Engine) -> World:
    return build_world(db_engine)


@pytest.fixture
def task_id(db_engine: Engine, world: World) -> int:
    return make_task(db_engine, world)


# -- running actions and reading what they wrote -----------------------------------------------


def act(engine: Engine, action: Callable[..., Any], **kwargs: Any) -> Any:
    """One action in its own transaction, as the command line runs it."""
    with session_scope(engine) as session:
        return action(session=session, **kwargs)


def ask(engine: Engine, task_id: int, new_due: date, now: datetime = BEFORE) -> int:
    request = act(
        engine,
        request_extension,
        task_id=task_id,
        new_due=new_due,
        reason="Chờ văn bản hướng dẫn của tỉnh",
        actor=OFFICER,
        now=now,
    )
    return require_id(request)


def decide(
    engine: Engine,
    request_id: int,
    *,
    approve: bool = True,
    decider: str = "Nguyễn Văn An",
    now: datetime = BEFORE,
) -> ExtensionRequest:
    result: ExtensionRequest = act(
        engine,
        decide_extension,
        request_id=request_id,
        approve=approve,
        decider=decider,
        note="Đồng ý" if approve else "Không đủ căn cứ",
        actor=BOSS,
        now=now,
    )
    return result


def finish(engine: Engine, task_id: int, on: date, now: datetime | None = None) -> Task:
    task: Task = act(
        engine,
        complete,
        task_id=task_id,
        result="Đã ban hành Kế hoạch kiểm tra CCHC năm 2025",
        evidence="Kế hoạch số 25/KH-UBND ngày " + on.strftime("%d/%m/%Y"),
        completed_on=on,
        actor=OFFICER,
        now=now or vn(on.year, on.month, on.day, 17),
    )
    return task


def load(engine: Engine, model: type[Any], record_id: int) -> Any:
    with Session(engine) as session:
        return session.get(model, record_id)


def audit_rows(engine: Engine, entity: str, entity_id: int) -> list[AuditLog]:
    with Session(engine) as session:
        query = (
            select(AuditLog)
            .where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
            .order_by(col(AuditLog.id))
        )
        return list(session.exec(query))


def changes(rows: list[AuditLog]) -> dict[str, tuple[str | None, str | None]]:
    return {row.field: (row.old_value, row.new_value) for row in rows}


# -- progress ----------------------------------------------------------------------------------


def test_progress_is_recorded_and_audited(db_engine: Engine, task_id: int) -> None:
    first = act(
        db_engine,
        record_progress,
        task_id=task_id,
        percent=40,
        note="",
        actor=OFFICER,
        now=vn(2024, 10, 1),
    )
    second = act(
        db_engine,
        record_progress,
        task_id=task_id,
        percent=70,
        note="  Đã trình dự thảo\n xin ý kiến ",
        actor=OFFICER,
        now=vn(2024, 11, 1),
    )

    stored = load(db_engine, ProgressReport, require_id(second))
    assert (stored.task_id, stored.percent, stored.note) == (
        task_id,
        70,
        "Đã trình dự thảo\nxin ý kiến",
    )
    assert stored.at == vn(2024, 11, 1)
    assert stored.actor == OFFICER.name
    assert changes(audit_rows(db_engine, "progress_report", require_id(first))) == {
        "percent": (None, "40")
    }
    rows = audit_rows(db_engine, "progress_report", require_id(second))
    assert changes(rows) == {
        "percent": ("40", "70"),
        "note": (None, "Đã trình dự thảo\nxin ý kiến"),
    }
    assert {(r.action, r.actor, r.source, r.at) for r in rows} == {
        ("create", OFFICER.name, OFFICER.source, vn(2024, 11, 1))
    }
    task = load(db_engine, Task, task_id)
    assert (task.state, task.version) == (TaskState.OPEN, 1)


@pytest.mark.parametrize(
    ("percent", "note", "message"),
    [
        (101, "", "từ 0 đến 100"),
        (-5, "Đã làm", "từ 0 đến 100"),
        (None, "   ", "cần tỷ lệ hoàn thành"),
    ],
)
def test_progress_without_a_valid_percent_or_note_is_refused(
    *, db_url: str, db_engine: Engine, task_id: int, percent: int | None, note: str, message: str
) -> None:
    before = snapshot(db_url)

    with pytest.raises(TaskActionError, match=message):
        act(
            db_engine,
            record_progress,
            task_id=task_id,
            percent=percent,
            note=note,
            actor=OFFICER,
            now=BEFORE,
        )

    assert snapshot(db_url) == before


def test_progress_on_an_overdue_task_is_still_recorded(db_engine: Engine, task_id: int) -> None:
    report = act(
        db_engine,
        record_progress,
        task_id=task_id,
        percent=90,
        note="",
        actor=OFFICER,
        now=vn(2025, 1, 10),
    )

    assert load(db_engine, ProgressReport, require_id(report)).percent == 90


# -- completion --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "evidence", "missing"),
    [
        ("", "", "thiếu kết quả thực tế và minh chứng"),
        ("Đã ban hành", "  ", "thiếu minh chứng"),
        ("", "Kế hoạch số 25/KH-UBND", "thiếu kết quả thực tế"),
    ],
)
def test_completion_requires_result_and_evidence(
    *, db_url: str, db_engine: Engine, task_id: int, result: str, evidence: str, missing: str
) -> None:
    before = snapshot(db_url)

    with pytest.raises(TaskActionError, match=missing) as refused:
        act(
            db_engine,
            complete,
            task_id=task_id,
            result=result,
            evidence=evidence,
            completed_on=date(2024, 12, 20),
            actor=OFFICER,
            now=BEFORE,
        )

    assert "rõ kết quả" in str(refused.value)
    assert snapshot(db_url) == before


@pytest.mark.parametrize(
    ("completed_on", "status"),
    [
        (date(2024, 12, 20), TaskStatus.DONE_ON_TIME),
        (DUE, TaskStatus.DONE_ON_TIME),
        (date(2025, 1, 1), TaskStatus.DONE_LATE),
    ],
)
def test_completion_is_on_time_or_late_against_the_due_date(
    db_engine: Engine, task_id: int, completed_on: date, status: TaskStatus
) -> None:
    now = vn(2025, 1, 2)

    task = finish(db_engine, task_id, completed_on, now)

    assert status_of(task, now=now) == status
    stored = load(db_engine, Task, task_id)
    assert (stored.state, stored.completed_on, stored.version) == ("done", completed_on, 2)
    assert stored.updated_at == now
    rows = audit_rows(db_engine, "task", task_id)
    assert changes(rows) == {
        "state": ("open", "done"),
        "completed_on": (None, completed_on.isoformat()),
        "result": ("", "Đã ban hành Kế hoạch kiểm tra CCHC năm 2025"),
        "evidence": ("", f"Kế hoạch số 25/KH-UBND ngày {completed_on:%d/%m/%Y}"),
    }
    assert {(r.action, r.actor, r.at) for r in rows} == {("complete", OFFICER.name, now)}


@pytest.mark.parametrize(
    ("completed_on", "status"),
    [
        (date(2025, 1, 20), TaskStatus.DONE_ON_TIME),  # after the plan's date, before the new
        (date(2025, 1, 31), TaskStatus.DONE_ON_TIME),
        (date(2025, 2, 3), TaskStatus.DONE_LATE),
    ],
)
def test_completion_after_an_approved_extension_counts_against_the_new_date(
    db_engine: Engine, task_id: int, completed_on: date, status: TaskStatus
) -> None:
    decide(db_engine, ask(db_engine, task_id, date(2025, 1, 31)))

    task = finish(db_engine, task_id, completed_on)

    assert status_of(task, now=vn(2025, 3, 1)) == status


def test_completion_in_the_future_is_refused(db_engine: Engine, task_id: int) -> None:
    with pytest.raises(TaskActionError, match="sau ngày hôm nay"):
        finish(db_engine, task_id, date(2024, 12, 21), now=vn(2024, 12, 20, 23, 59))


def test_completion_cancels_a_pending_extension_request(db_engine: Engine, task_id: int) -> None:
    request_id = ask(db_engine, task_id, date(2025, 1, 31))

    finish(db_engine, task_id, date(2024, 12, 27))

    request = load(db_engine, ExtensionRequest, request_id)
    assert (request.status, request.decided_by) == (ExtensionStatus.CANCELLED, OFFICER.name)
    cancel = [
        r for r in audit_rows(db_engine, "extension_request", request_id) if r.action == "cancel"
    ]
    assert changes(cancel)["status"] == ("pending", "cancelled")
    assert load(db_engine, Task, task_id).due_date == DUE


# -- extension requests ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        BEFORE,
        vn(2024, 12, 31, 23, 59),  # the last minute of the due day, Viet Nam time
        datetime(2024, 12, 31, 16, 59, tzinfo=UTC),  # the same instant written in UTC
    ],
)
def test_an_extension_asked_before_the_deadline_is_pending(
    db_engine: Engine, task_id: int, now: datetime
) -> None:
    request_id = ask(db_engine, task_id, date(2025, 1, 31), now)

    request = load(db_engine, ExtensionRequest, request_id)
    assert (request.task_id, request.old_due, request.new_due) == (task_id, DUE, date(2025, 1, 31))
    assert (request.status, request.requested_by, request.requested_at) == (
        ExtensionStatus.PENDING,
        OFFICER.name,
        now,
    )
    assert request.reason == "Chờ văn bản hướng dẫn của tỉnh"
    rows = audit_rows(db_engine, "extension_request", request_id)
    assert changes(rows) == {
        "status": (None, "pending"),
        "due_date": ("2024-12-31", "2025-01-31"),
        "reason": (None, "Chờ văn bản hướng dẫn của tỉnh"),
    }
    assert {(r.action, r.actor, r.at) for r in rows} == {("create", OFFICER.name, now)}
    task = load(db_engine, Task, task_id)
    assert (task.due_date, task.deadline_version, task.version) == (DUE, 1, 1)


@pytest.mark.parametrize(
    "now",
    [
        vn(2025, 1, 1, 0, 0),  # 00:00 of the day after the due date: overdue
        datetime(2024, 12, 31, 17, 0, tzinfo=UTC),  # the same instant in UTC
        vn(2025, 2, 10),
    ],
)
def test_an_extension_asked_after_the_deadline_is_refused(
    db_url: str, db_engine: Engine, task_id: int, now: datetime
) -> None:
    before = snapshot(db_url)

    with pytest.raises(TaskActionError, match="đã quá hạn"):
        ask(db_engine, task_id, date(2025, 3, 31), now)

    assert snapshot(db_url) == before


def test_a_due_date_on_a_day_off_ends_on_the_next_working_day(
    db_engine: Engine, world: World
) -> None:
    """1/9/2024 is a Sunday, 2/9 and 3/9 are holidays: the deadline ends on Wednesday 4/9."""
    sunday = make_task(db_engine, world, ref="2.1", due=date(2024, 9, 1))
    calendar = WorkCalendar(load_calendar(CONFIG / "calendar.yaml"))
    wednesday = vn(2024, 9, 4, 16)

    with pytest.raises(TaskActionError, match="đã quá hạn"):
        ask(db_engine, sunday, date(2024, 9, 30), wednesday)
    request = act(
        db_engine,
        request_extension,
        task_id=sunday,
        new_due=date(2024, 9, 30),
        reason="Chờ số liệu",
        actor=OFFICER,
        now=wednesday,
        calendar=calendar,
    )
    with pytest.raises(TaskActionError, match="hết ngày 04/09/2024"):
        act(
            db_engine,
            request_extension,
            task_id=make_task(db_engine, world, ref="2.2", due=date(2024, 9, 1)),
            new_due=date(2024, 9, 30),
            reason="x",
            actor=OFFICER,
            now=vn(2024, 9, 5),
            calendar=calendar,
        )

    assert request.status == ExtensionStatus.PENDING
    task = load(db_engine, Task, sunday)
    assert status_of(task, now=wednesday, calendar=calendar) == TaskStatus.IN_PROGRESS
    assert status_of(task, now=wednesday) == TaskStatus.OVERDUE


@pytest.mark.parametrize("new_due", [DUE, date(2024, 12, 30)])
def test_the_new_date_must_be_after_the_current_due_date(
    db_engine: Engine, task_id: int, new_due: date
) -> None:
    with pytest.raises(TaskActionError, match="phải sau hạn hiện tại 31/12/2024"):
        ask(db_engine, task_id, new_due)


def test_only_one_request_is_pending_at_a_time(db_engine: Engine, task_id: int) -> None:
    first = ask(db_engine, task_id, date(2025, 1, 31))

    with pytest.raises(TaskActionError, match=f"số {first} .*đang chờ quyết định"):
        ask(db_engine, task_id, date(2025, 2, 28), vn(2024, 12, 21))
    decide(db_engine, first, approve=False)
    second = ask(db_engine, task_id, date(2025, 2, 28), vn(2024, 12, 22))

    assert pending_request_id_of(db_engine, task_id) == second


def pending_request_id_of(engine: Engine, task_id: int) -> int:
    with Session(engine) as session:
        return pending_request_id(session, task_id=task_id)


def test_an_extension_needs_a_reason_and_a_due_date(db_engine: Engine, world: World) -> None:
    dated = make_task(db_engine, world, ref="3.1")
    undated = make_task(db_engine, world, ref="3.2", due=None)

    with pytest.raises(TaskActionError, match="cần ghi lý do"):
        act(
            db_engine,
            request_extension,
            task_id=dated,
            new_due=date(2025, 1, 31),
            reason=" \n ",
            actor=OFFICER,
            now=BEFORE,
        )
    with pytest.raises(TaskActionError, match=r"chưa có hạn hoàn thành .*«Thường xuyên»"):
        ask(db_engine, undated, date(2025, 1, 31))


# -- decisions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decider", "name"),
    [
        ("Nguyễn Văn An", "Nguyễn Văn An"),  # the Chairman
        ("nguyen van an", "Nguyễn Văn An"),  # typed without diacritics
        ("Trần Thị Bình", "Trần Thị Bình"),  # a Vice-Chairman
        ("BINH@xa-a.example.vn", "Trần Thị Bình"),  # by email
    ],
)
def test_the_authority_approves_and_the_deadline_version_moves(
    db_engine: Engine, task_id: int, decider: str, name: str
) -> None:
    request_id = ask(db_engine, task_id, date(2025, 1, 31))
    at = vn(2024, 12, 23, 8)

    decided = decide(db_engine, request_id, decider=decider, now=at)

    assert (decided.status, decided.decided_by, decided.decided_at) == ("approved", name, at)
    assert decided.decision_note == "Đồng ý"
    task = load(db_engine, Task, task_id)
    assert (task.due_date, task.original_due) == (date(2025, 1, 31), DUE)
    assert (task.deadline_version, task.version, task.updated_at) == (2, 2, at)
    task_rows = audit_rows(db_engine, "task", task_id)
    assert changes(task_rows) == {
        "due_date": ("2024-12-31", "2025-01-31"),
        "original_due": (None, "2024-12-31"),
        "deadline_version": ("1", "2"),
    }
    assert {(r.action, r.actor, r.at) for r in task_rows} == {("extend", BOSS.name, at)}
    decision = [
        r for r in audit_rows(db_engine, "extension_request", request_id) if r.action == "approve"
    ]
    assert changes(decision) == {
        "status": ("pending", "approved"),
        "decided_by": ("", name),
        "decision_note": ("", "Đồng ý"),
    }


def test_a_second_extension_keeps_the_plan_date_as_the_original(
    db_engine: Engine, task_id: int
) -> None:
    decide(db_engine, ask(db_engine, task_id, date(2025, 1, 31)))
    decide(db_engine, ask(db_engine, task_id, date(2025, 3, 31), vn(2025, 1, 20)))

    task = load(db_engine, Task, task_id)
    assert (task.due_date, task.original_due, task.deadline_version) == (date(2025, 3, 31), DUE, 3)


@pytest.mark.parametrize(
    ("decider", "message"),
    [
        ("Lê Văn Cường", r"Lê Văn Cường \(Chánh Văn phòng\) không có thẩm quyền"),  # unit head
        ("Phạm Thị Dung", "không có thẩm quyền"),  # the officer herself
        ("Hoàng Văn Em", "không có trong danh mục"),  # a former Chairman, inactive
        ("Đỗ Văn Phúc", "không có trong danh mục"),  # the Chairman of another commune
        ("Người Lạ", "không có trong danh mục"),
    ],
)
def test_anyone_but_the_authority_is_refused(
    db_url: str, db_engine: Engine, task_id: int, decider: str, message: str
) -> None:
    request_id = ask(db_engine, task_id, date(2025, 1, 31))
    before = snapshot(db_url)

    for approve in (True, False):
        with pytest.raises(PermissionDeniedError, match=message) as refused:
            decide(db_engine, request_id, approve=approve, decider=decider)
        assert "Nguyễn Văn An (Chủ tịch UBND xã); Trần Thị Bình" in str(refused.value)

    assert snapshot(db_url) == before
    assert refused.value.exit_code == 2


def test_a_refusal_keeps_the_date(db_engine: Engine, task_id: int) -> None:
    request_id = ask(db_engine, task_id, date(2025, 1, 31))

    decided = decide(db_engine, request_id, approve=False, decider="Trần Thị Bình")

    assert (decided.status, decided.decided_by) == ("refused", "Trần Thị Bình")
    task = load(db_engine, Task, task_id)
    assert (task.due_date, task.original_due, task.deadline_version, task.version) == (
        DUE,
        None,
        1,
        1,
    )
    assert audit_rows(db_engine, "task", task_id) == []
    rows = [
        r for r in audit_rows(db_engine, "extension_request", request_id) if r.action == "refuse"
    ]
    assert changes(rows)["status"] == ("pending", "refused")
    assert changes(rows)["decision_note"] == ("", "Không đủ căn cứ")


def test_a_decided_request_is_not_decided_again(db_engine: Engine, task_id: int) -> None:
    request_id = ask(db_engine, task_id, date(2025, 1, 31))
    decide(db_engine, request_id, approve=False)

    with pytest.raises(TaskActionError, match=r"đã bị từ chối ngày 20/12/2024 \(Nguyễn Văn An\)"):
        decide(db_engine, request_id, approve=True)
    with pytest.raises(NotFoundError, match="Không có đề nghị gia hạn số 999"):
        decide(db_engine, 999)


def test_a_request_outrun_by_a_new_plan_date_is_refused_not_approved(
    db_engine: Engine, task_id: int
) -> None:
    request_id = ask(db_engine, task_id, date(2025, 1, 31))
    with session_scope(db_engine) as session:  # a re-import moved the plan's date meanwhile
        task = session.get(Task, task_id)
        assert task is not None
        task.due_date = date(2025, 1, 15)

    with pytest.raises(TaskActionError, match="đã đổi từ 31/12/2024 thành 15/01/2025"):
        decide(db_engine, request_id)
    decided = decide(db_engine, request_id, approve=False)

    assert decided.status == ExtensionStatus.REFUSED
    assert load(db_engine, Task, task_id).due_date == date(2025, 1, 15)


def test_a_decision_may_come_after_the_old_deadline(db_engine: Engine, task_id: int) -> None:
    request_id = ask(db_engine, task_id, date(2025, 1, 31))

    decide(db_engine, request_id, now=vn(2025, 1, 3))

    assert load(db_engine, Task, task_id).due_date == date(2025, 1, 31)


# -- closed tasks ------------------------------------------------------------------------------

ACTIONS: dict[str, Callable[[Engine, int], Any]] = {
    "progress": lambda engine, task_id: act(
        engine, record_progress, task_id=task_id, percent=10, note="", actor=OFFICER, now=BEFORE
    ),
    "complete": lambda engine, task_id: finish(engine, task_id, date(2024, 12, 20)),
    "extend": lambda engine, task_id: ask(engine, task_id, date(2025, 1, 31)),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize(
    ("state", "message"),
    [
        (TaskState.DONE, "đã hoàn thành ngày 30/11/2024"),
        (TaskState.WITHDRAWN, "đã rút khỏi kế hoạch"),
    ],
)
def test_closed_tasks_refuse_every_action(
    *, db_url: str, db_engine: Engine, world: World, action: str, state: TaskState, message: str
) -> None:
    closed = make_task(db_engine, world, ref="9.9", state=state)
    before = snapshot(db_url)

    with pytest.raises(TaskActionError, match=f"Nhiệm vụ 9.9 {message}: không thể"):
        ACTIONS[action](db_engine, closed)

    assert snapshot(db_url) == before


def test_a_pending_request_of_a_withdrawn_task_is_not_decided(
    db_engine: Engine, task_id: int
) -> None:
    request_id = ask(db_engine, task_id, date(2025, 1, 31))
    with session_scope(db_engine) as session:
        task = session.get(Task, task_id)
        assert task is not None
        task.state = str(TaskState.WITHDRAWN)

    with pytest.raises(TaskActionError, match="đã rút khỏi kế hoạch: không thể quyết định"):
        decide(db_engine, request_id)


def test_an_unknown_task_is_named(db_engine: Engine, world: World) -> None:
    with pytest.raises(NotFoundError, match="Không có nhiệm vụ mã 4242"):
        ask(db_engine, 4242, date(2025, 1, 31))


# -- finding tasks and people ------------------------------------------------------------------


def test_tasks_are_found_by_number_key_and_plan(db_engine: Engine, world: World) -> None:
    first = make_task(db_engine, world, ref="1.1")
    with session_scope(db_engine) as session:
        session.add(Plan(organization_id=world.org_id, key="kh-2025", imported_at=CREATED))
        org_code = "xa-a"

        with pytest.raises(SauroError, match=r"có 2 kế hoạch .*--plan"):
            find_task_id(session, org_code=org_code, ref="1.1")
        assert find_task_id(session, org_code=org_code, ref="1.1", plan_key="12/KH-UBND") == first
        with pytest.raises(NotFoundError, match=r"Không có nhiệm vụ số '7.7'"):
            find_task_id(session, org_code=org_code, ref="7.7", plan_key="12/KH-UBND")
        with pytest.raises(NotFoundError, match="Không có kế hoạch '99/KH'"):
            find_task_id(session, org_code=org_code, ref="1.1", plan_key="99/KH")
        with pytest.raises(NotFoundError, match="'xa-z'"):
            find_task_id(session, org_code="xa-z", ref="1.1")
        session.rollback()
    with Session(db_engine) as session:
        assert find_task_id(session, org_code="xa-a", ref=" 1.1 ") == first


def test_repeated_numbers_are_told_apart_by_key(db_engine: Engine, world: World) -> None:
    with session_scope(db_engine) as session:
        for key in ("1:1.1", "2:1.1"):
            session.add(
                Task(
                    organization_id=world.org_id,
                    plan_id=world.plan_id,
                    key=key,
                    ref="1.1",
                    work="Việc",
                    created_at=CREATED,
                    updated_at=CREATED,
                )
            )
    with Session(db_engine) as session:
        with pytest.raises(SauroError, match=r"2 nhiệm vụ cùng số '1.1' \(khóa: 1:1.1, 2:1.1\)"):
            find_task_id(session, org_code="xa-a", ref="1.1")
        found = find_task_id(session, org_code="xa-a", ref="2:1.1")
        assert load(db_engine, Task, found).key == "2:1.1"


def test_people_with_the_same_name_need_an_email(db_engine: Engine, world: World) -> None:
    with session_scope(db_engine) as session:
        session.add(_person(world.org_id, "Nguyễn Văn An", "Công chức", PersonRole.OFFICER))
    with Session(db_engine) as session, pytest.raises(DirectoryError, match=r"Có 2 cán bộ .*email"):
        find_person(session, organization_id=world.org_id, who="Nguyễn Văn An")


# -- the task as shown -------------------------------------------------------------------------


def test_the_view_holds_six_dimensions_status_history(db_engine: Engine, task_id: int) -> None:
    act(
        db_engine,
        record_progress,
        task_id=task_id,
        percent=50,
        note="Dự thảo",
        actor=OFFICER,
        now=vn(2024, 11, 1),
    )
    decide(db_engine, ask(db_engine, task_id, date(2025, 1, 31)), now=vn(2024, 12, 21))
    calendar = WorkCalendar(load_calendar(CONFIG / "calendar.yaml"))
    now = vn(2025, 1, 31, 15)  # 31/1/2025 falls in the Tết holiday: the deadline runs on

    with Session(db_engine) as session:
        view = task_view(session=session, task_id=task_id, now=now, calendar=calendar)
        data = view.to_json()

    assert view.status == TaskStatus.IN_PROGRESS
    assert data["status_label"] == "Chưa hoàn thành trong hạn"
    assert data["at"] == "2025-01-31T15:00:00+07:00"
    assert data["person"]["name"] == "Phạm Thị Dung"
    assert data["work"]["area"] == "chi-dao-dieu-hanh"
    assert data["deadline"] | {"milestones": None} == {
        "text": "Quý IV/2024",
        "kind": "quarter",
        "resolved": True,
        "reason": "",
        "start": None,
        "due": "2025-01-31",
        "original_due": "2024-12-31",
        "effective_due": "2025-02-03",
        "recurrence": None,
        "deadline_version": 2,
        "milestones": None,
    }
    assert data["deadline"]["milestones"] == [{"due": "2024-06-30", "text": "Quý II"}]
    assert data["responsibility"]["lead"] == {
        "code": "van-phong",
        "name": "Văn phòng HĐND và UBND xã",
    }
    assert [u["role"] for u in data["responsibility"]["units"]] == ["lead", "coordinator"]
    assert data["authority"]["basis"] == "Kế hoạch số 12/KH-UBND ngày 05/01/2024"
    assert data["result"]["product"] == "Kế hoạch của UBND xã"
    assert [(p["percent"], p["note"]) for p in data["progress"]] == [(50, "Dự thảo")]
    assert [(e["status"], e["new_due"], e["decided_by"]) for e in data["extensions"]] == [
        ("approved", "2025-01-31", "Nguyễn Văn An")
    ]
    assert [(h["entity"], h["action"]) for h in data["history"]] == [
        ("progress_report", "create"),
        ("progress_report", "create"),
        ("extension_request", "create"),
        ("extension_request", "create"),
        ("extension_request", "create"),
        ("task", "extend"),
        ("task", "extend"),
        ("task", "extend"),
        ("extension_request", "approve"),
        ("extension_request", "approve"),
        ("extension_request", "approve"),
    ]


def test_the_view_without_a_calendar_and_for_closed_tasks(db_engine: Engine, world: World) -> None:
    withdrawn = make_task(db_engine, world, ref="8.1", state=TaskState.WITHDRAWN)
    undated = make_task(db_engine, world, ref="8.2", due=None)

    with Session(db_engine) as session:
        gone = task_view(session=session, task_id=withdrawn, now=BEFORE)
        open_ended = task_view(session=session, task_id=undated, now=BEFORE)

    assert gone.status == TaskStatus.WITHDRAWN
    assert gone.effective_due == DUE
    assert open_ended.status == TaskStatus.NO_DEADLINE
    assert open_ended.to_json()["deadline"]["due"] is None


# -- re-importing a plan -----------------------------------------------------------------------

IMPORT_ACTOR = Actor(name="test", source="test_task_actions")


def import_seed(engine: Engine, path: Any) -> None:
    configs = load_configs(CONFIG)
    options = ImportOptions(
        path=path, org_code="kien-tuong", plan_number=SEED.PLAN_NUMBER, plan_date=SEED.PLAN_DATE
    )
    with session_scope(engine) as session:
        import_plan(
            session=session, options=options, configs=configs, actor=IMPORT_ACTOR, now=CREATED
        )


def test_a_reimport_keeps_an_approved_extension_and_re_arms_changed_dates(
    db_engine: Engine, tmp_path: Any
) -> None:
    with session_scope(db_engine) as session:
        sync_directory(
            session=session,
            directory=load_configs(CONFIG).directory,
            actor=IMPORT_ACTOR,
            now=CREATED,
        )
    original = FIXTURES / "kien_tuong_3838_pl2.csv"
    import_seed(db_engine, original)
    with Session(db_engine) as session:
        extended = find_task_id(session, org_code="kien-tuong", ref="1.4")
        moved = find_task_id(session, org_code="kien-tuong", ref="1.5")
    request_id = ask(db_engine, extended, date(2025, 1, 31))
    decide(db_engine, request_id, decider="Nguyễn Văn Vũ")
    changed = tmp_path / original.name
    text = original.read_text(encoding="utf-8-sig")
    assert text.count("Quý I/2024") > 1
    changed.write_text(text.replace("Quý IV/2024", "Quý III/2024"), encoding="utf-8")

    import_seed(db_engine, changed)

    kept = load(db_engine, Task, extended)
    assert (kept.due_date, kept.original_due, kept.deadline_version) == (
        date(2025, 1, 31),
        date(2024, 9, 30),
        2,
    )
    assert load(db_engine, Task, moved).deadline_version == 1
    with Session(db_engine) as session:
        other = session.get(Task, find_task_id(session, org_code="kien-tuong", ref="2.4"))
    assert other is not None
    assert (other.due_date, other.deadline_version) == (date(2024, 9, 30), 2)
    update = changes(
        [r for r in audit_rows(db_engine, "task", require_id(other)) if r.action == "update"]
    )
    assert update["due_date"] == ("2024-12-31", "2024-09-30")
    assert update["deadline_version"] == ("1", "2")
    extended_update = changes(
        [r for r in audit_rows(db_engine, "task", extended) if r.action == "update"]
    )
    assert extended_update["original_due"] == ("2024-12-31", "2024-09-30")
    assert "due_date" not in extended_update


# -- migration 0002 on a database with tasks ---------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no schema): a new SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    server: str = request.getfixturevalue("postgres_url")  # skips when PostgreSQL is off
    name = f"sauro_mig_{os.getpid()}"
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migration_0002_keeps_existing_tasks_and_reverts(blank_url: str) -> None:
    upgrade(blank_url, "0001")
    engine = make_engine(blank_url)
    try:
        with engine.begin() as connection:
            _insert_0001_task(connection)
        upgrade(blank_url, "0002")
        with engine.connect() as connection:
            row = connection.execute(text("SELECT original_due, deadline_version FROM task")).one()
            tables = set(inspect(connection).get_table_names())
        assert tuple(row) == (None, 1)
        assert {"progress_report", "extension_request"} <= tables

        command.downgrade(alembic_config(blank_url), "0001")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("task")}
            tables = set(inspect(connection).get_table_names())
        assert "deadline_version" not in columns
        assert "extension_request" not in tables
        upgrade(blank_url)
        assert current_revision(engine) is not None
    finally:
        engine.dispose()


def _insert_0001_task(connection: Connection) -> None:
    """One organization, plan and task written as schema 0001 stored them."""
    connection.execute(
        text(
            "INSERT INTO organization (id, code, name, level, place, parent_name, "
            "standing_office_code) VALUES (1, 'xa-a', 'UBND xã A', 'commune', '', '', '')"
        )
    )
    connection.execute(
        text(
            "INSERT INTO plan (id, organization_id, key, number, issuer, signer, period, title, "
            "source_file, imported_at) VALUES (1, 1, 'k', '', '', '', '', '', '', :at)"
        ),
        {"at": CREATED.replace(tzinfo=None)},
    )
    naive = CREATED.replace(tzinfo=None)
    columns = {
        "id": 1, "organization_id": 1, "plan_id": 1, "key": "1.1", "ref": "1.1", "position": 1,
        "work": "Việc", "group_label": "", "person_text": "", "lead_text": "",
        "coordinators_text": "", "deadline_text": "Quý IV/2024", "deadline_kind": "quarter",
        "due_date": DUE, "deadline_resolved": True, "deadline_reason": "", "assigner": "",
        "product": "", "result": "", "evidence": "", "budget": "", "note": "", "state": "open",
        "raw_cells": "{}", "source_row": "", "version": 1, "created_at": naive,
        "updated_at": naive,
    }  # fmt: skip
    names = ", ".join(columns)
    values = ", ".join(f":{name}" for name in columns)
    connection.execute(text(f"INSERT INTO task ({names}) VALUES ({values})"), columns)
