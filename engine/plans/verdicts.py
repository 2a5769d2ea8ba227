"""The stored 6-rõ verdict of each current task (``task.unclear``, ``task.unclear_since``).

Pages read it; nothing refreshes it on a read. It is refreshed where it can change: after
every write of a task (the web's and the CLI's actions, imports, edits) and by the reminder
cycle every morning (the "unclear" steps of the ladder count from the day a task was first
found unclear). A refresh re-judges only the tasks whose verdict is out of date: each
verdict records what it was judged on (``task.judged_version``, the task's version, and
``task.judged_rules``, the fingerprint of ``rules.yaml``), so a task edited since (its
version bumped), a new task, or every task after an edit of the rules, is judged again; an
edit of what a verdict reads outside the task (its plan's number and date, its person's
name and unit, a unit's code) clears the stamps of the tasks concerned
(``engine.store.verdict_stamps``). No verdict depends on the date: a day passing changes none.
An import stores the verdicts of the tasks it creates with their stamps (it judged them
already, on the same facts: ``engine.plans.check``), so the refresh after it skips them.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select, update

from engine.plans.check import TaskCheck, as_date, check_tasks, raw_rows
from engine.store.models import Organization, Task, TaskState
from rules.facts import Dimension
from rules.schema import RulesConfig

_CHUNK = 5000
_DIMENSIONS = tuple((dimension, dimension.value) for dimension in Dimension)  # in order
_Stored = tuple[int, str, date | None]  # a task's version and verdict as read
_t = Task.__table__.c  # type: ignore[attr-defined]
_o = Organization.__table__.c  # type: ignore[attr-defined]


def rules_fingerprint(rules: RulesConfig) -> str:
    """A short fingerprint of the rules a verdict was judged by."""
    return _fingerprint(rules.model_dump_json())


@lru_cache(maxsize=8)
def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def unclear_dimensions(check: TaskCheck) -> str:
    """A verdict as ``task.unclear`` stores it: the failing dimensions, comma-separated."""
    clear = check.clear
    return ",".join([value for dimension, value in _DIMENSIONS if not clear[dimension]])


def refresh_verdicts(
    connection: Connection, *, rules: RulesConfig, org_code: str | None, today: date
) -> int:
    """Judge again the tasks of an organization (or all) whose verdict is out of date and
    store their failing dimensions: a task newly failing starts counting today, a task
    fixed stops. Returns the number of tasks whose verdict changed."""
    stamp = rules_fingerprint(rules)
    stale = _stale(connection, org_code, stamp)
    changed = 0
    for start in range(0, len(stale), _CHUNK):
        chunk = dict(stale[start : start + _CHUNK])
        changed += _judge(connection, chunk, rules=rules, stamp=stamp, today=today)
    return changed


def _stale(connection: Connection, org_code: str | None, stamp: str) -> list[tuple[int, _Stored]]:
    """Each current task whose verdict is out of date: its id, and the version and verdict
    read."""
    query = select(_t.id, _t.version, _t.unclear, _t.unclear_since).where(
        _t.state != TaskState.WITHDRAWN,
        or_(
            _t.judged_version.is_(None),
            _t.judged_version != _t.version,
            _t.judged_rules != stamp,
        ),
    )
    if org_code is not None:
        query = query.where(
            _t.organization_id == select(_o.id).where(_o.code == org_code).scalar_subquery()
        )
    return [
        (task_id, (version, unclear, as_date(since)))
        for task_id, version, unclear, since in raw_rows(connection, query)
    ]


def _judge(
    connection: Connection,
    stored: dict[int, _Stored],
    *,
    rules: RulesConfig,
    stamp: str,
    today: date,
) -> int:
    """Judge the tasks of ``stored`` (id → the version and verdict read) and store each
    verdict with its stamp; a task edited meanwhile keeps its stale stamp for the next
    refresh."""
    checks = check_tasks(connection, rules=rules, task_ids=list(stored))
    changed = 0
    rows: list[dict[str, Any]] = []
    for check in checks:
        if check.task_id is None:
            continue
        unclear = unclear_dimensions(check)
        version, old_unclear, old_since = stored[check.task_id]
        if unclear == old_unclear and (old_since is not None) == bool(unclear):
            since = old_since
        else:
            since = (old_since or today) if unclear else None
            changed += 1
        rows.append(
            {
                "task_id": check.task_id,
                "read_version": version,
                "unclear": unclear,
                "since": since,
                "stamp": stamp,
            }
        )
    if rows:
        statement = (
            update(Task)
            .where(_t.id == bindparam("task_id"), _t.version == bindparam("read_version"))
            .values(
                unclear=bindparam("unclear"),
                unclear_since=bindparam("since"),
                judged_version=bindparam("read_version"),
                judged_rules=bindparam("stamp"),
            )
        )
        connection.execute(statement, rows)
    return changed
