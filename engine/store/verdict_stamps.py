"""Marking stored 6-rõ verdicts out of date (``task.judged_version`` cleared).

A verdict reads, besides its task, the task's plan (number, date, kind), its person (name,
unit) and the codes of the units it names. An edit of those clears the stamps of the tasks
concerned, and the next refresh (``engine.plans.verdicts``) judges them again. Kept in the
store so that the directory, below the plans, can call it.
"""

from __future__ import annotations

from sqlalchemy import Connection, update

from engine.store.models import Task

_t = Task.__table__.c  # type: ignore[attr-defined]


def invalidate_verdicts(
    connection: Connection,
    *,
    organization_id: int | None = None,
    plan_id: int | None = None,
    person_id: int | None = None,
) -> None:
    """Mark out of date the verdicts of the tasks of an organization, a plan or a person."""
    where = []
    if organization_id is not None:
        where.append(_t.organization_id == organization_id)
    if plan_id is not None:
        where.append(_t.plan_id == plan_id)
    if person_id is not None:
        where.append(_t.person_id == person_id)
    if not where:
        raise ValueError("invalidate_verdicts needs a scope")
    connection.execute(update(Task).where(*where).values(judged_version=None))
