"""A save that changes nothing records nothing: no new version, no audit row, no notice
(an edit form sent back as shown, a delegation to the person already named)."""

from __future__ import annotations

from datetime import UTC, datetime

from sauro_support import CONFIG, FIXTURES, PLAN_OPTIONS, Sauro
from sqlalchemy import func
from sqlmodel import Session, col, select

from engine.configs.files import load_configs
from engine.store.audit import Actor
from engine.store.db import make_engine, session_scope
from engine.store.models import AuditLog, Notice, Task, TaskUnit
from engine.tasks.delegation import delegate
from engine.tasks.edits import TaskEdit, edit_task

NOW = datetime(2024, 5, 6, 2, 0, tzinfo=UTC)
ACTOR = Actor(name="thuongtruc", source="test")


def _counts(session: Session) -> tuple[int, int, int]:
    versions = session.exec(select(func.sum(Task.version))).one()
    audits = session.exec(select(func.count()).select_from(AuditLog)).one()
    notices = session.exec(select(func.count()).select_from(Notice)).one()
    return int(versions or 0), int(audits), int(notices)


def _as_shown(session: Session, task: Task) -> TaskEdit:
    """The edit form of ``task`` as the task page fills it in, sent back untouched."""
    coordinators = session.exec(
        select(TaskUnit.unit_id)
        .where(TaskUnit.task_id == task.id, TaskUnit.role == "coordinator")
        .order_by(col(TaskUnit.position))
    )
    return TaskEdit(
        version=task.version,
        person_id=task.person_id,
        work=task.work,
        area=task.area,
        deadline_text=task.deadline_text,
        lead_unit_id=task.lead_unit_id,
        coordinator_ids=tuple(u for u in coordinators if u is not None),
        assigner=task.assigner,
        product=task.product,
    )


def test_an_edit_form_sent_back_unchanged_records_nothing(loaded: Sauro) -> None:
    loaded.ok("import", FIXTURES / "kien_tuong_3838.docx", *PLAN_OPTIONS)
    areas = load_configs(CONFIG).areas
    engine = make_engine(loaded.url)
    try:
        with session_scope(engine) as session:
            before = _counts(session)
            for task in session.exec(select(Task).order_by(col(Task.id))).all():
                edit = _as_shown(session, task)
                edit_task(
                    session=session, task_id=task.id or 0, edit=edit, areas=areas,
                    actor=ACTOR, now=NOW,
                )  # fmt: skip
            session.flush()
            rows = session.exec(select(AuditLog).where(AuditLog.actor == "thuongtruc")).all()
            assert [(r.field, r.old_value, r.new_value) for r in rows] == []
            assert _counts(session) == before
    finally:
        engine.dispose()


def test_delegating_to_the_person_already_named_records_nothing(loaded: Sauro) -> None:
    loaded.ok("import", FIXTURES / "kien_tuong_3838.docx", *PLAN_OPTIONS)
    engine = make_engine(loaded.url)
    try:
        with session_scope(engine) as session:
            task = session.exec(select(Task).where(Task.lead_unit_id.is_not(None))).first()
            assert task is not None
            from engine.store.models import Person

            person = session.exec(select(Person).where(Person.unit_id == task.lead_unit_id)).first()
            assert person is not None
            delegate(session=session, task_ids=[task.id or 0], person_id=person.id or 0,
                     reason="", actor=ACTOR, now=NOW)  # fmt: skip
            session.flush()
            before = _counts(session)

            again = delegate(session=session, task_ids=[task.id or 0], person_id=person.id or 0,
                             reason="vẫn người cũ", actor=ACTOR, now=NOW)  # fmt: skip
            session.flush()

            assert again.changed == () and _counts(session) == before
    finally:
        engine.dispose()
