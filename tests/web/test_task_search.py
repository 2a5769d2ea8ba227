"""Finding tasks: words without diacritics or case, filters by plan and person, sorting, and
pages of the list (page and API) read by keyset cursors."""

from __future__ import annotations

import html
import re
from datetime import date, datetime

import pytest
from sqlmodel import Session, col, select
from web_support import Site, login

from engine.calendar.status import VN
from engine.store.db import session_scope
from engine.store.models import Person, Task, Unit, UserAccount


def _client(site: Site) -> object:
    """The standing office, logged in (its account added on first use)."""
    with Session(site.engine) as session:
        known = session.exec(select(UserAccount).where(UserAccount.username == "thuongtruc"))
        if known.first() is None:
            site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")
    return client


def _refs(site: Site, **params: object) -> list[str]:
    client = _client(site)
    response = client.get("/api/tasks", params=params)  # type: ignore[attr-defined]
    assert response.status_code == 200, response.text
    return [row["ref"] for row in response.json()["tasks"]]


def _with_words(site: Site, *words: str) -> set[str]:
    """The tasks whose text, lead unit or person has every word (as written, lower case)."""
    with Session(site.engine) as session:
        rows = session.exec(
            select(Task, Unit).join(Unit, col(Unit.id) == Task.lead_unit_id, isouter=True)
        ).all()
    return {
        task.ref
        for task, unit in rows
        if all(w in f"{task.work} {unit.name if unit else ''}".lower() for w in words)
    }


def test_words_are_found_without_diacritics_or_case(site: Site) -> None:
    expected = _with_words(site, "kế hoạch")
    assert expected  # the plan has such tasks
    assert set(_refs(site, q="ke hoach")) == expected
    assert set(_refs(site, q="KẾ HOẠCH")) == expected
    assert _refs(site, q="khong co chu nay") == []


def test_a_reference_a_plan_and_a_person_are_filters(site: Site) -> None:
    assert "2.1" in _refs(site, q="2.1")
    assert len(_refs(site, plan="3838/KH-UBND")) == 30
    assert _refs(site, plan="99/KH-UBND") == []
    with Session(site.engine) as session:
        linh = session.exec(
            select(Person).where(Person.email == "linhntm@kientuong.example.vn")
        ).one()
    assert _refs(site, person=linh.id) == ["2.1"]


def test_sorting_by_due_date_puts_tasks_without_one_last(site: Site) -> None:
    client = _client(site)
    rows = client.get("/api/tasks", params={"sort": "due"}).json()["tasks"]  # type: ignore[attr-defined]
    dues = [row["due"] for row in rows]
    dated = [d for d in dues if d is not None]
    assert dated == sorted(dated)
    assert dues == dated + [None] * (len(dues) - len(dated))
    refused = client.get("/api/tasks", params={"sort": "ngau-nhien"})  # type: ignore[attr-defined]
    assert refused.status_code == 400
    assert refused.json()["problems"][0]["field"] == "sort"


def _walk(client: object, params: dict[str, object]) -> list[list[str]]:
    """Every page of the API's list, following ``next``: the refs of each page."""
    pages: list[list[str]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/tasks", params=query).json()  # type: ignore[attr-defined]
        pages.append([row["ref"] for row in body["tasks"]])
        cursor = body["next"]
        if cursor is None:
            return pages


def test_the_api_pages_by_cursor_with_a_total(site: Site) -> None:
    client = _client(site)
    first = client.get("/api/tasks", params={"limit": 10})  # type: ignore[attr-defined]
    everything = client.get("/api/tasks", params={"limit": 500}).json()  # type: ignore[attr-defined]
    assert first.headers["X-Total-Count"] == "30"
    assert (first.json()["total"], first.json()["previous"]) == (30, None)
    refs = [row["ref"] for row in everything["tasks"]]
    assert everything["next"] is None  # one page holds them all
    pages = _walk(client, {"limit": 10})
    assert [len(p) for p in pages] == [10, 10, 10]  # first, next, last
    assert [ref for p in pages for ref in p] == refs
    second = client.get("/api/tasks", params={"limit": 10, "cursor": first.json()["next"]}).json()  # type: ignore[attr-defined]
    back = client.get("/api/tasks", params={"limit": 10, "cursor": second["previous"]}).json()  # type: ignore[attr-defined]
    assert [row["ref"] for row in back["tasks"]] == refs[:10] and back["previous"] is None
    too_many = client.get("/api/tasks", params={"limit": 501})  # type: ignore[attr-defined]
    assert too_many.status_code == 422


@pytest.mark.parametrize("sort", ["plan", "due", "status", "ref"])
def test_every_sort_pages_through_the_filtered_list_once(site: Site, sort: str) -> None:
    client = _client(site)
    params = {"sort": sort, "six": "unclear"}
    whole = client.get("/api/tasks", params={**params, "limit": 500}).json()  # type: ignore[attr-defined]
    pages = _walk(client, {**params, "limit": 7})
    assert [ref for p in pages for ref in p] == [row["ref"] for row in whole["tasks"]]
    assert sum(len(p) for p in pages) == whole["total"] == 29
    words = _walk(client, {"q": "ke hoach", "limit": 3, "sort": sort})
    assert sorted(ref for p in words for ref in p) == sorted(_refs(site, q="ke hoach"))


def test_equal_keys_keep_a_stable_order(site: Site) -> None:
    """Tasks with the same due date (and the same place in their plans) are told apart by
    their ids: no task repeats or goes missing across pages."""
    with session_scope(site.engine) as session:
        for task in session.exec(select(Task)).all():
            task.due_date, task.position = date(2024, 9, 30), 1
            session.add(task)
    client = _client(site)
    pages = _walk(client, {"sort": "due", "limit": 4})
    ids = [
        row["id"]
        for row in client.get("/api/tasks", params={"sort": "due", "limit": 500}).json()["tasks"]
    ]  # type: ignore[attr-defined]
    assert ids == sorted(ids)
    refs = [ref for p in pages for ref in p]
    assert len(refs) == len(set(refs)) == 30


@pytest.mark.parametrize(
    "cursor", ["x", "!!!", "WyJzYXUiXQ", "WyJ2ZSIsIjEiLDEsMV0", "WyJzYXUiLDEsIjEiLDFd", "A" * 3000]
)
def test_a_malformed_cursor_is_refused_naming_the_field(site: Site, cursor: str) -> None:
    client = _client(site)
    api = client.get("/api/tasks", params={"cursor": cursor})  # type: ignore[attr-defined]
    assert api.status_code == 400, api.text
    assert api.json()["problems"][0]["field"] == "cursor"
    assert "không hợp lệ" in api.json()["detail"]
    page = client.get("/tasks", params={"cursor": cursor})  # type: ignore[attr-defined]
    assert page.status_code == 400 and "cursor" in page.text


def test_the_page_searches_counts_and_links_its_pages(site: Site) -> None:
    client = _client(site)
    page = client.get("/tasks", params={"q": "ke hoach"}).text  # type: ignore[attr-defined]
    count = len(_with_words(site, "kế hoạch"))
    assert f"{count} nhiệm vụ · đủ 6 rõ:" in page
    assert 'value="ke hoach"' in page
    assert "Trang sau" not in page  # one page
    with session_scope(site.engine) as session:  # 60 more tasks: two pages
        like = session.exec(select(Task)).first()
        assert like is not None
        for n in range(60):
            session.add(_task_like(like, n))
    first = client.get("/tasks", params={"plan": "3838/KH-UBND"}).text  # type: ignore[attr-defined]
    assert "90 nhiệm vụ" in first and "Trang trước" not in first
    link = re.search(r'href="(/tasks\?[^"]+)" rel="next"', first)
    assert link is not None and "plan=3838" in link.group(1)
    second = client.get(html.unescape(link.group(1))).text  # type: ignore[attr-defined]
    assert "90 nhiệm vụ" in second and "Trang trước" in second and "Trang sau" not in second


def _task_like(like: Task, n: int) -> Task:
    stamp = datetime(2024, 6, 1, tzinfo=VN)
    return Task(
        organization_id=like.organization_id, plan_id=like.plan_id, key=f"them-{n}",
        ref=f"9.{n}", position=100 + n, work=f"Việc thêm số {n}", created_at=stamp,
        updated_at=stamp,
    )  # fmt: skip
