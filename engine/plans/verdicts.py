"""The stored 6-rõ verdict of each open task (``task.unclear``, ``task.unclear_since``).

The reminder cycle refreshes it every morning (the "unclear" steps of the ladder count
from the day a task was first found unclear); an edit of the six dimensions on the web,
the dashboard and a period report refresh it too, so that what they show is current.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from engine.plans.check import as_date, check_tasks, raw_rows
from engine.store.models import Task
from rules.facts import Dimension
from rules.schema import RulesConfig


def refresh_verdicts(
    connection: Connection, *, rules: RulesConfig, org_code: str | None, today: date
) -> int:
    """Store each open task's failing dimensions; a task newly failing starts counting
    today, a task fixed stops. Returns the number of tasks whose verdict changed."""
    checks = check_tasks(connection, rules=rules, org_code=org_code)
    stored = _stored_verdicts(connection, [c.task_id for c in checks if c.task_id is not None])
    changes: list[dict[str, Any]] = []
    for check in checks:
        if check.task_id is None:
            continue
        unclear = ",".join(str(d) for d in Dimension if not check.clear[d])
        old_unclear, old_since = stored.get(check.task_id, ("", None))
        if unclear == old_unclear and (old_since is not None) == bool(unclear):
            continue
        since = (old_since or today) if unclear else None
        changes.append({"task_id": check.task_id, "unclear": unclear, "since": since})
    if changes:
        t = Task.__table__.c  # type: ignore[attr-defined]
        statement = (
            update(Task)
            .where(t.id == bindparam("task_id"))
            .values(unclear=bindparam("unclear"), unclear_since=bindparam("since"))
        )
        connection.execute(statement, changes)
    return len(changes)


def _stored_verdicts(
    connection: Connection, ids: Sequence[int]
) -> dict[int, tuple[str, date | None]]:
    t = Task.__table__.c  # type: ignore[attr-defined]
    found: dict[int, tuple[str, date | None]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        query = select(t.id, t.unclear, t.unclear_since).where(t.id.in_(chunk))
        for task_id, unclear, since in raw_rows(connection, query):
            found[task_id] = (unclear, as_date(since))
    return found
