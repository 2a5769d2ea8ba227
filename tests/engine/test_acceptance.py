"""``engine.tasks.acceptance`` on a real database (SQLite file and PostgreSQL): a completion
waits for acceptance when the organization requires it, only the acceptor it names accepts
or returns it, a return needs a reason and reopens the task, on time is judged at the
completion date the unit recorded, and every step is audited and told in words."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from test_task_actions import (
    BOSS,
    DUE,
    OFFICER,
    World,
    act,
    audit_rows,
    build_world,
    finish,
    load,
    make_task,
    vn,
)

from engine.calendar.status import TaskStatus
from engine.errors import PermissionDeniedError, TaskActionError
from engine.reports.data import StatusCounts
from engine.store.db import session_scope
from engine.store.models import Organization, Task, TaskState, Unit
from engine.tasks.acceptance import review_result
from engine.tasks.actions import record_progress, request_extension, status_of, task_view
from engine.tasks.history import history_lines


@pytest.fixture
def world(db_engine: Engine) -> World:
    built = build_world(db_engine)
    with session_scope(db_engine) as session:
        org = session.get(Organization, built.org_id)
        assert org is not None
        org.acceptance_required = True
    return built


@pytest.fixture
def task_id(db_engine: Engine, world: World) -> int:
    return make_task(db_engine, world)


def review(
    engine: Engine, task_id: int, *, accept: bool, reason: str = "", who: str = "Nguyễn Văn An"
) -> Task:
    task: Task = act(
        engine,
        review_result,
        task_id=task_id,
        accept=accept,
        reason=reason,
        reviewer=who,
        actor=BOSS,
        now=vn(2025, 1, 6),
    )
    return task


def test_a_completion_waits_for_acceptance(db_engine: Engine, task_id: int) -> None:
    task = finish(db_engine, task_id, date(2024, 12, 30), vn(2024, 12, 30, 17))
    assert task.state == TaskState.AWAITING
    assert status_of(task, now=vn(2025, 1, 6)) is TaskStatus.AWAITING  # past due, not overdue
    assert (task.submitted_on, task.submission) == (date(2024, 12, 30), 1)
    assert {r.action for r in audit_rows(db_engine, "task", task_id)} == {"submit"}
    with pytest.raises(TaskActionError, match="chờ xác nhận kết quả"):
        act(db_engine, record_progress, task_id=task_id, percent=90, note="",
            actor=OFFICER, now=vn(2024, 12, 31))  # fmt: skip
    with pytest.raises(TaskActionError, match="chờ xác nhận kết quả"):
        act(db_engine, request_extension, task_id=task_id, new_due=date(2025, 1, 31),
            reason="Chờ", actor=OFFICER, now=vn(2024, 12, 31))  # fmt: skip


@pytest.mark.parametrize(
    ("completed_on", "status"),
    [(date(2024, 12, 30), TaskStatus.DONE_ON_TIME), (date(2025, 1, 2), TaskStatus.DONE_LATE)],
)
def test_on_time_is_judged_at_the_completion_date_the_unit_recorded(
    db_engine: Engine, task_id: int, completed_on: date, status: TaskStatus
) -> None:
    finish(db_engine, task_id, completed_on, vn(2025, 1, 2, 17))
    accepted = review(db_engine, task_id, accept=True)  # accepted after the due date
    assert accepted.state == TaskState.DONE and date(2025, 1, 6) > DUE
    assert status_of(accepted, now=vn(2025, 1, 6)) is status
    rows = [r for r in audit_rows(db_engine, "task", task_id) if r.action == "accept"]
    assert {(r.field, r.new_value) for r in rows} == {
        ("state", "done"),
        ("accepted_by", "Nguyễn Văn An"),
    }


def test_a_return_needs_a_reason_and_reopens_the_task(db_engine: Engine, task_id: int) -> None:
    finish(db_engine, task_id, date(2024, 12, 30), vn(2024, 12, 30, 17))
    with pytest.raises(TaskActionError, match="cần ghi lý do"):
        review(db_engine, task_id, accept=False, reason="  ")
    assert load(db_engine, Task, task_id).state == TaskState.AWAITING  # nothing written
    task = review(db_engine, task_id, accept=False, reason="Kế hoạch chưa có phụ lục")
    assert (task.state, task.completed_on) == (TaskState.OPEN, None)
    assert (task.returned_on, task.returns, task.return_reason) == (
        date(2025, 1, 6),
        1,
        "Kế hoạch chưa có phụ lục",
    )
    assert status_of(task, now=vn(2025, 1, 6)) is TaskStatus.OVERDUE
    # completed again: a second submission, waiting again
    again = finish(db_engine, task_id, date(2025, 1, 6), vn(2025, 1, 6, 17))
    assert (again.state, again.submission) == (TaskState.AWAITING, 2)
    with Session(db_engine) as session:
        view = task_view(session=session, task_id=task_id, now=vn(2025, 1, 7))
    lines = history_lines(view.history)
    assert any("trả lại kết quả" in line and "lý do trả lại: — → Kế hoạch chưa có phụ lục"
               in line for line in lines)  # fmt: skip
    assert any("báo hoàn thành, chờ xác nhận kết quả" in line for line in lines)
    assert any("trạng thái: đang thực hiện → chờ xác nhận kết quả" in line for line in lines)


def test_only_the_task_authority_reviews(db_engine: Engine, task_id: int) -> None:
    finish(db_engine, task_id, date(2024, 12, 30), vn(2024, 12, 30, 17))
    with pytest.raises(PermissionDeniedError, match="không có thẩm quyền xác nhận kết quả"):
        review(db_engine, task_id, accept=True, who="Lê Văn Cường")  # a unit head
    with pytest.raises(PermissionDeniedError, match="không có trong danh mục"):
        review(db_engine, task_id, accept=True, who="Đỗ Văn Phúc")  # another commune's
    assert review(db_engine, task_id, accept=True, who="Trần Thị Bình").state == "done"


def test_the_standing_office_reviews_when_the_organization_says_so(
    db_engine: Engine, world: World, task_id: int
) -> None:
    with session_scope(db_engine) as session:
        org = session.get(Organization, world.org_id)
        assert org is not None
        org.acceptor, org.standing_office_code = "standing_office", "van-phong"
    finish(db_engine, task_id, date(2024, 12, 30), vn(2024, 12, 30, 17))
    assert review(db_engine, task_id, accept=True, who="Lê Văn Cường").state == "done"


def test_the_standing_office_acceptor_refuses_other_units(
    db_engine: Engine, world: World, task_id: int
) -> None:
    with session_scope(db_engine) as session:
        org = session.get(Organization, world.org_id)
        assert org is not None
        org.acceptor, org.standing_office_code = "standing_office", "phong-vh-xh"
        session.add(Unit(organization_id=world.org_id, code="phong-vh-xh", name="Phòng VH-XH"))
    finish(db_engine, task_id, date(2024, 12, 30), vn(2024, 12, 30, 17))
    with pytest.raises(PermissionDeniedError, match="không thuộc cơ quan thường trực"):
        review(db_engine, task_id, accept=True, who="Phạm Thị Dung")


def test_nothing_to_review_unless_waiting(db_engine: Engine, task_id: int) -> None:
    with pytest.raises(TaskActionError, match="chưa báo hoàn thành"):
        review(db_engine, task_id, accept=True)
    finish(db_engine, task_id, date(2024, 12, 30), vn(2024, 12, 30, 17))
    review(db_engine, task_id, accept=True)
    with pytest.raises(TaskActionError, match="đã được xác nhận hoàn thành"):
        review(db_engine, task_id, accept=False, reason="Xem lại")


def test_without_acceptance_a_completion_is_done_at_once(
    db_engine: Engine, world: World, task_id: int
) -> None:
    with session_scope(db_engine) as session:
        org = session.get(Organization, world.org_id)
        assert org is not None
        org.acceptance_required = False
    assert finish(db_engine, task_id, date(2024, 12, 30)).state == TaskState.DONE


def test_reports_count_waiting_tasks_apart() -> None:
    counts = StatusCounts.tally([TaskStatus.AWAITING, TaskStatus.DONE_ON_TIME])
    assert (counts.awaiting, counts.done, counts.total) == (1, 1, 2)
