"""Pages that stay fast: a GET never writes (the stored 6-rõ verdicts are read, a write
refreshes them at once), the dashboard's SQL figures equal the report's, the lists of
plans, notices, accounts and histories read by keyset cursors."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from itertools import product
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, select
from web_support import NOW, ORG, SETUP, Site, edit_form, login

from engine.calendar.periods import parse_period
from engine.configs.files import load_configs
from engine.notices.events import Event
from engine.notices.record import notify
from engine.reports.data import report_data
from engine.store.db import session_scope
from engine.store.models import (
    ConfigFileRevision,
    Organization,
    Person,
    Task,
    UserAccount,
    UserRole,
)
from engine.web.configs import revisions
from engine.web.dashboard import all_tasks
from engine.web.figures import figures
from engine.web.policy import Action, Principal, TaskScope, allowed, task_visibility
from engine.web.recent import Recent
from notifications.notice_config import NoticeKind

_WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def writes_counted(engine: Engine) -> Iterator[list[str]]:
    """Every INSERT, UPDATE or DELETE the engine runs meanwhile."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(_WRITES):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _stale(site: Site, ref: str) -> None:
    """Task ``ref``'s stored verdict wrongly says "all clear" (as if never judged)."""
    with session_scope(site.engine) as session:
        task = session.exec(select(Task).where(Task.ref == ref)).one()
        task.unclear, task.unclear_since = "", None
        session.add(task)


def test_reading_pages_never_writes(site: Site) -> None:
    for name in ("chutich", "thuongtruc"):
        site.add(name)
    _stale(site, "2.2")
    chairman, office = site.client(), site.client()
    login(chairman, "chutich")
    login(office, "thuongtruc")
    task_id = site.task_id("2.2")
    with writes_counted(site.engine) as writes:
        for client, path in (
            (chairman, "/dashboard"), (chairman, "/dashboard?period=tat-ca"),
            (chairman, "/api/dashboard"), (office, "/tasks"), (office, "/api/tasks"),
            (office, f"/tasks/{task_id}"), (office, f"/api/tasks/{task_id}"),
            (office, "/tasks?sort=status&status=done_late"), (office, "/plans"),
            (office, "/api/plans"), (office, "/notices"), (chairman, "/rollup"),
        ):  # fmt: skip
            assert client.get(path).status_code == 200, path
    assert writes == []
    listed = office.get("/api/tasks", params={"q": "2.2"}).json()["tasks"]
    assert [row["clear"]["person"] for row in listed if row["ref"] == "2.2"] == [True]  # stored


def test_a_web_edit_shows_its_new_verdict_at_once(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    task_id = site.task_id("2.2")
    before = client.get(f"/api/tasks/{task_id}").json()
    assert before["clear"]["person"] is False
    linh = _person(site, "linhntm@kientuong.example.vn")
    form = {**edit_form(site, "2.2"), "person_id": linh, "csrf_token": csrf}
    assert client.post(f"/tasks/{task_id}/edit", data=form).status_code == 303
    with Session(site.engine) as session:
        task = session.get(Task, task_id)
        assert task is not None and "person" not in task.unclear.split(",")
    row = next(
        r for r in client.get("/api/tasks", params={"limit": 500}).json()["tasks"]
        if r["id"] == task_id
    )  # fmt: skip
    assert row["clear"]["person"] is True
    page = client.get("/tasks", params={"six": "person"}).text
    assert f'href="/tasks/{task_id}"' not in page


def _person(site: Site, email: str) -> int:
    with Session(site.engine) as session:
        return int(session.exec(select(Person).where(Person.email == email)).one().id or 0)


@pytest.mark.parametrize("code", ["2024-H1", "2024", "2024-Q1", "tat-ca", "2023"])
def test_the_dashboard_counts_what_the_report_counts(site: Site, code: str) -> None:
    configs = load_configs(site.settings.config_dir)
    from engine.calendar.workdays import WorkCalendar

    calendar = WorkCalendar(configs.calendar)
    period = (
        all_tasks(NOW.date()) if code == "tat-ca"
        else parse_period(code, configs.reporting, calendar)
    )  # fmt: skip
    with site.engine.connect() as connection:
        org_id = connection.execute(
            select(Organization.id).where(Organization.code == ORG)
        ).scalar_one()
        for now in (NOW, NOW + timedelta(days=200)):
            mine = figures(connection, configs=configs, org_id=org_id, period=period, now=now)
            theirs = report_data(connection, configs=configs, org_code=ORG, period=period,
                                 now=now)  # fmt: skip
            assert mine.totals == theirs.totals
            assert mine.by_unit == theirs.by_unit
            assert mine.by_area == theirs.by_area
            assert mine.indicators == theirs.indicators
            assert (mine.compliance.clear, mine.compliance.unclear) == (
                theirs.compliance.clear, theirs.compliance.unclear,
            )  # fmt: skip
            assert set(mine.compliance.unclear_refs) <= set(theirs.compliance.unclear_refs)
            assert {(o.ref, o.days_late) for o in mine.overdue} <= {
                (o.ref, o.days_late) for o in theirs.overdue
            }
            assert len(mine.overdue) == min(len(theirs.overdue), 20)


def test_the_inbox_pages_by_cursor(site: Site) -> None:
    site.add("truongphong-noivu")
    person = _person(site, "hattt@kientuong.example.vn")
    with session_scope(site.engine) as session:
        org_id = session.get(Person, person).organization_id  # type: ignore[union-attr]
        for n in range(25):  # five notices at each instant: ties broken by id
            event_ = Event(
                kind=NoticeKind.COORDINATION, key=f"test:{n}", organization_id=org_id,
                title=f"Thông báo số {n}", body="…", link="/tasks", actor=SETUP.name,
            )  # fmt: skip
            notify(session, event_, [person], now=NOW + timedelta(minutes=n // 5))
    client = site.client()
    login(client, "truongphong-noivu")
    titles: list[str] = []
    cursor = None
    while True:
        body = client.get(
            "/api/notices", params={"limit": 10, **({"cursor": cursor} if cursor else {})}
        ).json()
        assert (body["total"], body["unread"]) == (25, 25)
        titles += [n["title"] for n in body["notices"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert titles == [f"Thông báo số {n}" for n in range(24, -1, -1)]
    refused = client.get("/api/notices", params={"cursor": "khong-phai"})
    assert refused.status_code == 400 and refused.json()["problems"][0]["field"] == "cursor"
    page = client.get("/notices").text
    assert "Trang sau" in page and "Trang trước" not in page


def test_figures_are_kept_a_moment_and_forgotten_by_a_write() -> None:
    now = [0.0]
    recent = Recent(5, clock=lambda: now[0])
    counted = iter(range(100))
    assert recent.get(1, "k", lambda: next(counted)) == 0
    assert recent.get(1, "k", lambda: next(counted)) == 0  # kept
    now[0] = 6.0
    assert recent.get(1, "k", lambda: next(counted)) == 1  # too old
    recent.forget(1)
    assert recent.get(1, "k", lambda: next(counted)) == 2  # a write of org 1
    assert recent.get(2, "k", lambda: next(counted)) == 3
    recent.forget(None)
    assert recent.get(2, "k", lambda: next(counted)) == 4


@pytest.mark.parametrize("role", list(UserRole))
def test_the_visibility_a_list_applies_is_the_policy(role: UserRole) -> None:
    principal = Principal(1, "u", role, organization_id=7, person_id=3, unit_id=5)
    if not allowed(principal, Action.VIEW_TASKS):
        return
    seen = task_visibility(principal)
    for org, lead, person, coordinators in product(
        (7, 8), (None, 5, 6), (None, 3, 4), (frozenset(), frozenset({5}), frozenset({6}))
    ):
        scope = TaskScope(org, lead, person, coordinators)
        assert seen.admits(scope) == allowed(principal, Action.VIEW_TASKS, scope), scope


def test_the_accounts_list_pages_by_username(site: Site) -> None:
    site.add("quantri")
    with session_scope(site.engine) as session:
        org_id = session.exec(select(Organization.id).where(Organization.code == ORG)).one()
        for n in range(60):
            account = UserAccount(
                username=f"tk{n:02d}", password_hash="x", role="officer",
                organization_id=org_id, created_at=NOW, updated_at=NOW,
            )  # fmt: skip
            session.add(account)
    admin = site.client()
    login(admin, "quantri")
    names: list[str] = []
    path = "/accounts"
    for _ in range(5):
        page = admin.get(path)
        assert page.status_code == 200
        names += re.findall(r"<p><strong>([^<]+)</strong>", page.text)
        link = re.search(r'href="(/accounts\?cursor=[^"]+)" rel="next"', page.text)
        if link is None:
            break
        path = html.unescape(link.group(1))
    assert names == sorted(names) and len(names) == len(set(names)) == 61
    assert admin.get("/accounts", params={"cursor": "sai"}).status_code == 400


def test_the_config_history_pages_newest_first(site: Site) -> None:
    with session_scope(site.engine) as session:
        for n in range(1, 121):
            session.add(ConfigFileRevision(
                name="rules.yaml", number=n, text="…", action="save", saved_at=NOW,
                saved_by="quantri",
            ))  # fmt: skip
    numbers: list[int] = []
    cursor = None
    while True:
        shown = revisions(site.engine, "rules.yaml", cursor=cursor)
        numbers += [row.number for row in shown.rows]
        cursor = shown.next
        if cursor is None:
            break
    assert numbers == list(range(120, 0, -1))
