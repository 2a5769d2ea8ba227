"""Finding tasks: words without diacritics or case, filters by plan and person, sorting, and
pages of the list (page and API)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select
from web_support import Site, login

from engine.store.models import Person, Task, Unit, UserAccount
from engine.web.tasks import TaskRow, page_of


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
    return [row["ref"] for row in response.json()]


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
    rows = client.get("/api/tasks", params={"sort": "due"}).json()  # type: ignore[attr-defined]
    dues = [row["due"] for row in rows]
    dated = [d for d in dues if d is not None]
    assert dated == sorted(dated)
    assert dues == dated + [None] * (len(dues) - len(dated))
    refused = client.get("/api/tasks", params={"sort": "ngau-nhien"})  # type: ignore[attr-defined]
    assert refused.status_code == 400
    assert refused.json()["problems"][0]["field"] == "sort"


def test_the_api_pages_with_a_total(site: Site) -> None:
    client = _client(site)
    first = client.get("/api/tasks", params={"limit": 10})  # type: ignore[attr-defined]
    second = client.get("/api/tasks", params={"limit": 10, "offset": 10})  # type: ignore[attr-defined]
    everything = client.get("/api/tasks", params={"limit": 500})  # type: ignore[attr-defined]
    assert first.headers["X-Total-Count"] == "30"
    refs = [row["ref"] for row in everything.json()]
    assert [row["ref"] for row in first.json()] == refs[:10]
    assert [row["ref"] for row in second.json()] == refs[10:20]
    too_many = client.get("/api/tasks", params={"limit": 501})  # type: ignore[attr-defined]
    assert too_many.status_code == 422


def test_the_page_searches_and_counts(site: Site) -> None:
    client = _client(site)
    page = client.get("/tasks", params={"q": "ke hoach", "page": "7"}).text  # type: ignore[attr-defined]
    count = len(_with_words(site, "kế hoạch"))
    assert f"{count} nhiệm vụ · đủ 6 rõ:" in page
    assert 'value="ke hoach"' in page
    assert "Trang sau" not in page  # one page: page 7 is page 1


def _row(ref: str) -> TaskRow:
    return TaskRow(1, "p", ref, "việc", None, None, "", "", date(2026, 1, 1), "in_progress", None)  # type: ignore[arg-type]


def test_pages_of_the_list() -> None:
    rows = [_row(str(n)) for n in range(1, 24)]
    page = page_of(rows, 2, size=10)
    assert [r.ref for r in page.rows] == [str(n) for n in range(11, 21)]
    assert (page.number, page.pages, page.total) == (2, 3, 23)
    assert page_of(rows, 99, size=10).number == 3
    assert page_of([], 1).pages == 1
