"""Migrations and column types on a real SQLite file and the machine's PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, inspect
from sqlmodel import Session, select

from engine.store.db import current_revision, session_scope
from engine.store.models import Organization, Plan


def test_migrations_create_every_table(db_engine: Engine) -> None:
    tables = set(inspect(db_engine).get_table_names())
    assert {"organization", "unit", "person", "plan", "task", "task_unit", "milestone",
            "audit_log"} <= tables  # fmt: skip
    assert current_revision(db_engine) is not None


def _org(session: Session) -> Organization:
    org = Organization(code="x", name="Ủy ban nhân dân xã X", level="commune")
    session.add(org)
    session.flush()
    return org


def test_aware_datetimes_round_trip_as_utc(db_engine: Engine) -> None:
    hanoi = timezone(timedelta(hours=7))
    at = datetime(2026, 1, 5, 7, 0, tzinfo=hanoi)
    with session_scope(db_engine) as session:
        org = _org(session)
        session.add(Plan(organization_id=org.id or 0, key="1/KH-UBND", imported_at=at))
    with Session(db_engine) as session:
        plan = session.exec(select(Plan)).one()
        assert plan.imported_at == at
        assert plan.imported_at.tzinfo is not None
        assert plan.imported_at.utcoffset() == timedelta(0)
        assert plan.imported_at == datetime(2026, 1, 5, 0, 0, tzinfo=UTC)


def test_naive_datetime_is_refused_and_nothing_written(db_engine: Engine) -> None:
    with pytest.raises(Exception, match="naive"), session_scope(db_engine) as session:
        org = _org(session)
        session.add(Plan(organization_id=org.id or 0, key="k", imported_at=datetime(2026, 1, 5)))  # noqa: DTZ001
        session.flush()
    with Session(db_engine) as session:
        assert session.exec(select(Organization)).all() == []


def test_migrations_match_the_models(db_engine: Engine) -> None:
    """A model change without its migration fails here, on both databases."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    with db_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []
