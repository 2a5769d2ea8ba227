"""Pages that stay fast: the SQL statements a page runs do not grow with the tasks of the
organization, and stay within a small budget (the task page reads its task, parts,
progress, extensions, history and verdict in a fixed number of queries); the list in the
plans' order, read in one statement across the plans a page reaches, still gives every
task once, forward and back, even when the counts it keeps are behind; a task's history
is read a page at a time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, event
from sqlmodel import Session
from web_support import NOW, SETUP, Site, login

from engine.store.db import session_scope
from engine.store.models import Plan, Task, TaskState
from engine.tasks.actions import record_progress, task_view
from engine.web.recent import Recent
from engine.web.tasks import HISTORY_PAGE

# Statements per request, every per-organization memo recomputed (the tests keep nothing:
# ``Recent(0)``), so the budget counts the reads a page makes when nothing is kept.
BUDGET = {"/tasks": 12, "/api/tasks": 8, "/tasks/{id}": 15, "/dashboard": 16}


@contextmanager
def statements_counted(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs meanwhile."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_pages_read_only_their_organizations_tasks(site: Site) -> None:
    """Every read of the task table goes through an index led by the organization (or by
    the task's id), never through the tasks of every organization: SQLite, which keeps no
    statistics, took ``ix_task_state_due`` for the dashboard's open tasks (70 ms a query
    with 100 communes of 1,000 tasks)."""
    if site.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plans (PostgreSQL plans by its statistics)")
    site.add("thuongtruc")
    task_id = site.task_id("2.2")
    client = site.client()
    login(client, "thuongtruc")
    seen: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        seen.append((statement, parameters))

    event.listen(site.engine, "before_cursor_execute", before)
    try:
        for path in BUDGET:
            assert client.get(path.format(id=task_id)).status_code == 200, path
    finally:
        event.remove(site.engine, "before_cursor_execute", before)
    raw = site.engine.raw_connection()
    try:
        steps = [
            (step[3], statement)
            for statement, parameters in seen
            for step in raw.cursor().execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            if re.search(r"\btask\b", step[3])
        ]
    finally:
        raw.close()
    assert steps
    wide = [
        (step, statement[:120])
        for step, statement in steps
        if "INTEGER PRIMARY KEY" not in step and "INDEX ix_task_org" not in step
    ]
    assert wide == []


def _counts(site: Site, task_id: int) -> dict[str, int]:
    client = site.client()
    login(client, "thuongtruc")
    found: dict[str, int] = {}
    for path in BUDGET:
        url = path.format(id=task_id)
        assert client.get(url).status_code == 200, url  # every lazy import and cache filled
        with statements_counted(site.engine) as seen:
            assert client.get(url).status_code == 200, url
        found[path] = len(seen)
    return found


def _grow(site: Site, task_id: int, plans: int, per_plan: int) -> None:
    """``plans`` more plans of the task's organization with ``per_plan`` tasks each, and
    ``per_plan`` more tasks in the task's own plan: copies of the task, by Core inserts."""
    t, pl = Task.__table__, Plan.__table__  # type: ignore[attr-defined]
    with site.engine.begin() as connection:
        task = dict(connection.execute(sa.select(t).where(t.c.id == task_id)).mappings().one())
        plan = dict(
            connection.execute(sa.select(pl).where(pl.c.id == task.pop("plan_id"))).mappings().one()
        )
        task.pop("id")
        plan_ids = [plan.pop("id")]
        for n in range(plans):
            values = {**plan, "key": f"{n + 1}/KH-TANG", "number": f"{n + 1}/KH-TANG"}
            added = connection.execute(sa.insert(pl).values(values).returning(pl.c.id))
            plan_ids.append(added.scalar_one())
        rows = [
            {**task, "plan_id": plan_id, "key": f"tang-{plan_id}-{n}",
             "ref": f"9.{n + 1}", "position": 1000 + n, "work": f"{task['work']} (bản {n})"}
            for plan_id in plan_ids for n in range(per_plan)
        ]  # fmt: skip
        connection.execute(sa.insert(t), rows)


@pytest.mark.parametrize(("plans", "per_plan"), [(0, 200), (40, 5)])
def test_pages_read_as_many_statements_whatever_the_number_of_tasks(
    site: Site, plans: int, per_plan: int
) -> None:
    site.add("thuongtruc")
    task_id = site.task_id("2.2")
    small = _counts(site, task_id)
    _grow(site, task_id, plans, per_plan)
    big = _counts(site, task_id)
    assert big == small
    assert all(small[path] <= BUDGET[path] for path in BUDGET), small


def _expected(site: Site) -> list[int]:
    """The ids of the listed tasks in the plans' order (plan key, place, id)."""
    t, pl = Task.__table__.c, Plan.__table__.c  # type: ignore[attr-defined]
    query = (
        sa.select(t.id)
        .join(Plan, pl.id == t.plan_id)
        .where(t.state != str(TaskState.WITHDRAWN))
        .order_by(pl["key"], t.position, t.id)
    )
    with site.engine.connect() as connection:
        return list(connection.execute(query).scalars())


def _walk(client: Any, limit: int) -> list[list[int]]:
    """Every page of /api/tasks forward, then the same pages back from the last one."""
    pages, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/tasks", params=params).json()
        pages.append([row["id"] for row in body["tasks"]])
        if body["next"] is None:
            break
        cursor = body["next"]
    back, cursor = [pages[-1]], body["previous"]
    while cursor is not None:
        body = client.get("/api/tasks", params={"limit": limit, "cursor": cursor}).json()
        back.append([row["id"] for row in body["tasks"]])
        cursor = body["previous"]
    assert back[::-1] == pages
    return pages


def test_the_list_pages_across_many_plans_in_their_order(site: Site) -> None:
    site.add("thuongtruc")
    task_id = site.task_id("2.2")
    _grow(site, task_id, plans=12, per_plan=3)
    client = site.client()
    login(client, "thuongtruc")
    for limit in (1, 4, 7, 500):
        assert [i for page in _walk(client, limit) for i in page] == _expected(site)


def test_counts_kept_behind_the_list_still_give_every_task_once(site: Site) -> None:
    """Counts kept a few seconds tell which plans a page reaches: when the tasks changed
    meanwhile, the page reads on through the next plans instead of stopping short."""
    site.add("thuongtruc")
    _grow(site, site.task_id("2.2"), plans=6, per_plan=4)
    site.app.state.web.recent = Recent(600)
    client = site.client()
    login(client, "thuongtruc")
    assert client.get("/api/tasks", params={"limit": 5}).status_code == 200  # counts kept
    t = Task.__table__.c  # type: ignore[attr-defined]
    with site.engine.begin() as connection:  # behind the app's back: most of the first plan
        first = connection.execute(sa.select(sa.func.min(t.plan_id))).scalar_one()
        connection.execute(
            sa.update(Task.__table__)  # type: ignore[attr-defined]
            .where(t.plan_id == first, t.ref != "2.2")
            .values(state=str(TaskState.WITHDRAWN))
        )
    assert [i for page in _walk(client, 5) for i in page] == _expected(site)


def test_a_task_page_shows_its_history_a_page_at_a_time(site: Site) -> None:
    site.add("thuongtruc")
    task_id = site.task_id("2.2")
    with session_scope(site.engine) as session:
        for n in range(HISTORY_PAGE + 30):
            record_progress(
                session=session, task_id=task_id, percent=None, note=f"Lần {n}",
                actor=SETUP, now=NOW + timedelta(minutes=n),
            )  # fmt: skip
    with Session(site.engine) as session:  # the whole history, as ``sauro task show`` reads it
        whole = task_view(session=session, task_id=task_id, now=NOW).history
    assert len(whole) > HISTORY_PAGE
    client = site.client()
    login(client, "thuongtruc")
    first = client.get(f"/api/tasks/{task_id}").json()
    assert len(first["history"]) == HISTORY_PAGE and first["history_previous"] is None
    second = client.get(f"/api/tasks/{task_id}", params={"cursor": first["history_next"]}).json()
    assert second["history_next"] is None
    back = client.get(f"/api/tasks/{task_id}", params={"cursor": second["history_previous"]})
    assert back.json()["history"] == first["history"]
    shown = [
        (h["entity"], h["entity_id"], h["field"]) for h in first["history"] + second["history"]
    ]
    assert shown == [(a.entity, a.entity_id, a.field) for a in whole]
    page = client.get(f"/tasks/{task_id}").text
    assert f'href="/tasks/{task_id}?cursor=' in page and "Trang sau" in page
