"""``sauro import`` stores the 6-rõ verdicts of the tasks it wrote, as the web's import does
(issue 13, item 6): pages and the morning's reminders read them without judging again."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sauro_support import (
    CONFIG,
    FIXTURES,
    GOOD_FILES,
    PLAN_DATE,
    PLAN_NUMBER,
    PLAN_OPTIONS,
    Sauro,
)
from sqlalchemy import select

from engine.configs.files import load_configs
from engine.plans.check import check_tasks
from engine.plans.importer import ImportOptions, import_plan
from engine.plans.verdicts import refresh_verdicts, rules_fingerprint, unclear_dimensions
from engine.store.audit import Actor
from engine.store.db import make_engine, session_scope
from engine.store.models import Task

ACTOR = Actor(name="test", source="test")
DOCUMENTS = sorted((FIXTURES / "documents").glob("*.txt"))


def test_the_import_command_stores_every_new_task_s_verdict(loaded: Sauro) -> None:
    loaded.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv", *PLAN_OPTIONS)

    engine = make_engine(loaded.url)
    try:
        with engine.connect() as connection:
            t = Task.__table__.c  # type: ignore[attr-defined]
            rows = connection.execute(select(t.version, t.judged_version, t.unclear)).all()
    finally:
        engine.dispose()
    assert len(rows) == 30
    assert all(judged == version for version, judged, _ in rows)
    assert any(unclear for _, _, unclear in rows)  # the plan has tasks not clear in 6 rõ


@pytest.mark.parametrize(
    ("name", "number"),
    [
        *((name, PLAN_NUMBER) for name in GOOD_FILES),
        ("kien_tuong_3838_pl2.csv", ""),  # no plan number or date: no basis
        *((f"documents/{path.name}", "") for path in DOCUMENTS),
    ],
)
def test_an_import_stores_the_verdicts_a_fresh_judgment_gives(
    loaded: Sauro, name: str, number: str
) -> None:
    """``import_plan`` stores its own verdicts on the tasks it creates, stamped, so the
    refresh that follows skips them: judging the stored tasks again gives the same."""
    configs, now = load_configs(CONFIG), datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    options = ImportOptions(
        path=FIXTURES / name, org_code="kien-tuong", plan_number=number,
        plan_date=date.fromisoformat(PLAN_DATE) if number else None,
    )  # fmt: skip
    engine = make_engine(loaded.url)
    try:
        with session_scope(engine) as session:
            import_plan(session=session, options=options, configs=configs, actor=ACTOR, now=now)
        with engine.begin() as connection:
            t = Task.__table__.c  # type: ignore[attr-defined]
            stored = dict(connection.execute(select(t.id, t.unclear)).all())
            since = set(connection.execute(select(t.unclear_since).where(t.unclear != "")).all())
            stamps = set(connection.execute(select(t.judged_version, t.judged_rules)).all())
            fresh = check_tasks(connection, rules=configs.rules, org_code="kien-tuong")
            again = refresh_verdicts(
                connection, rules=configs.rules, org_code="kien-tuong", today=date(2030, 1, 1)
            )
    finally:
        engine.dispose()
    assert stored
    assert {c.task_id: unclear_dimensions(c) for c in fresh} == stored
    assert stamps == {(1, rules_fingerprint(configs.rules))}
    assert since <= {(date(2026, 3, 2),)}
    assert again == 0
