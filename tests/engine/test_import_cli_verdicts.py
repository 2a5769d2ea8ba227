"""``sauro import`` stores the 6-rõ verdicts of the tasks it wrote, as the web's import does
(issue 13, item 6): pages and the morning's reminders read them without judging again."""

from __future__ import annotations

from sauro_support import FIXTURES, PLAN_OPTIONS, Sauro
from sqlalchemy import select

from engine.store.db import make_engine
from engine.store.models import Task


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
