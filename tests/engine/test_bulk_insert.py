"""``insert_many`` stores what ``connection.execute(insert(table), rows)`` stores, on a real
SQLite file and the machine's PostgreSQL: dates, aware datetimes (as UTC), JSON, booleans,
and the Python-side defaults of the columns left out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from engine.store.bulk import insert_many
from engine.store.db import session_scope
from engine.store.models import Organization, Plan, Task, require_id

HANOI = timezone(timedelta(hours=7))
TASKS = Task.__table__  # type: ignore[attr-defined]


def _rows(org_id: int, plan_id: int, prefix: str) -> list[dict[str, Any]]:
    at = datetime(2026, 1, 5, 9, 30, tzinfo=HANOI)
    return [
        {
            "organization_id": org_id,
            "plan_id": plan_id,
            "key": f"{prefix}{n}",
            "work": f"Nhiệm vụ {n}: rà soát thủ tục hành chính",
            "due_date": due,
            "deadline_resolved": resolved,
            "raw_cells": {"Nhiệm vụ cụ thể": f"Nhiệm vụ {n}", "TT": str(n)},
            "created_at": at,
            "updated_at": at + timedelta(minutes=n),
        }
        for n, (due, resolved) in enumerate(
            [(date(2026, 6, 30), True), (None, False), (date(2026, 6, 30), True)]
        )
    ]


def _stored(engine: Engine, prefix: str) -> list[tuple[Any, ...]]:
    columns = [c for c in TASKS.c if c.key not in ("id", "key")]
    with engine.connect() as connection:
        found = connection.execute(
            sa.select(*columns).where(TASKS.c.key.startswith(prefix)).order_by(TASKS.c.key)
        )
        return [tuple(row) for row in found]


def test_insert_many_stores_what_an_insert_stores(db_engine: Engine) -> None:
    with session_scope(db_engine) as session:
        org = Organization(code="x", name="Ủy ban nhân dân xã X", level="commune")
        session.add(org)
        session.flush()
        plan = Plan(organization_id=require_id(org), key="1/KH-UBND", imported_at=datetime.now(UTC))
        session.add(plan)
        session.flush()
        org_id, plan_id = require_id(org), require_id(plan)
        connection = session.connection()
        connection.execute(sa.insert(TASKS), _rows(org_id, plan_id, "a"))
        insert_many(connection, TASKS, _rows(org_id, plan_id, "b"))
        insert_many(connection, TASKS, [])

    by_insert, by_insert_many = _stored(db_engine, "a"), _stored(db_engine, "b")

    assert by_insert_many == by_insert
    assert len(by_insert_many) == 3
    names = [c.key for c in TASKS.c if c.key not in ("id", "key")]
    task = dict(zip(names, by_insert_many[0], strict=True))
    assert task["created_at"] == datetime(2026, 1, 5, 2, 30, tzinfo=UTC)
    assert task["raw_cells"] == {"Nhiệm vụ cụ thể": "Nhiệm vụ 0", "TT": "0"}
    assert (task["state"], task["result"], task["version"]) == ("open", "", 1)  # defaults


def test_insert_many_refuses_a_naive_datetime_as_an_insert_does(db_engine: Engine) -> None:
    rows = _rows(1, 1, "c")
    rows[1]["created_at"] = datetime(2026, 1, 5, 9, 30)  # noqa: DTZ001

    with pytest.raises(ValueError, match="naive"), db_engine.connect() as connection:
        insert_many(connection, TASKS, rows)
