"""Every free text of a task action is bounded by ``engine.tasks.limits``: a text past its
limit is refused whole with the field and the limit, and nothing is written (web, API and
CLI all go through these actions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_task_actions import BEFORE, BOSS, OFFICER, World, act, ask, build_world, make_task

from engine.errors import TaskActionError
from engine.store.models import AuditLog, ExtensionRequest, ProgressReport, Task
from engine.tasks import limits
from engine.tasks.actions import complete, decide_extension, record_progress, request_extension


@pytest.fixture
def world(db_engine: Engine) -> World:
    return build_world(db_engine)


def _progress(task_id: int, text: str) -> tuple[Callable[..., Any], dict[str, Any]]:
    return record_progress, {"task_id": task_id, "percent": 50, "note": text, "actor": OFFICER}


def _completion(task_id: int, text: str) -> tuple[Callable[..., Any], dict[str, Any]]:
    kwargs = {"task_id": task_id, "result": text, "evidence": "Kế hoạch số 25/KH-UBND",
              "completed_on": date(2024, 12, 19), "actor": OFFICER}  # fmt: skip
    return complete, kwargs


def _evidence(task_id: int, text: str) -> tuple[Callable[..., Any], dict[str, Any]]:
    kwargs = {"task_id": task_id, "result": "Đã ban hành", "evidence": text,
              "completed_on": date(2024, 12, 19), "actor": OFFICER}  # fmt: skip
    return complete, kwargs


def _extension(task_id: int, text: str) -> tuple[Callable[..., Any], dict[str, Any]]:
    kwargs = {"task_id": task_id, "new_due": date(2025, 3, 31), "reason": text, "actor": OFFICER}
    return request_extension, kwargs


CASES = [
    (_progress, limits.PROGRESS_NOTE),
    (_completion, limits.RESULT),
    (_evidence, limits.EVIDENCE),
    (_extension, limits.EXTENSION_REASON),
]


@pytest.mark.parametrize(("build", "limit"), CASES, ids=lambda c: getattr(c, "label", ""))
def test_a_text_past_its_limit_is_refused_naming_the_field(
    db_engine: Engine,
    world: World,
    build: Callable[[int, str], tuple[Callable[..., Any], dict[str, Any]]],
    limit: limits.TextLimit,
) -> None:
    task_id = make_task(db_engine, world)
    action, kwargs = build(task_id, "x" * (limit.chars + 1))
    with pytest.raises(TaskActionError) as refused:
        act(db_engine, action, now=BEFORE, **kwargs)
    (problem,) = refused.value.problems
    assert problem.location.field == limit.label
    assert problem.message.endswith(f"tối đa {limit.chars:,} ký tự".replace(",", "."))
    with Session(db_engine) as session:
        assert session.exec(select(ProgressReport)).all() == []
        assert session.exec(select(ExtensionRequest)).all() == []
        task = session.get(Task, task_id)
        assert task is not None and task.state == "open" and task.version == 1
        assert session.exec(select(AuditLog).where(AuditLog.entity_id == task_id)).all() == []
    action, kwargs = build(task_id, "x" * limit.chars)  # at the limit: taken
    act(db_engine, action, now=BEFORE, **kwargs)


def test_a_decision_note_past_its_limit_is_refused(db_engine: Engine, world: World) -> None:
    task_id = make_task(db_engine, world)
    request_id = ask(db_engine, task_id, date(2025, 3, 31))
    too_long = "x" * (limits.DECISION_NOTE.chars + 1)
    with pytest.raises(TaskActionError, match="Ý kiến dài quá giới hạn"):
        act(db_engine, decide_extension, request_id=request_id, approve=True,
            decider="Nguyễn Văn An", note=too_long, actor=BOSS, now=BEFORE)  # fmt: skip
    with Session(db_engine) as session:
        request = session.get(ExtensionRequest, request_id)
        assert request is not None and request.status == "pending"
