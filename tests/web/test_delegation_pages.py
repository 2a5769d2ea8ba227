"""Giving tasks to officers on the web (rõ người): a unit head ticks its unit's tasks in the
list and gives them to one of its people; the task page's form; the API; what a unit head
may not do (another unit's task, a person of another unit, someone else without a reason);
and the plan's rõ người made clear through unit heads' accounts alone."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from web_support import NOW, ORG, Site, _password_hash, login

from engine.directory.store import get_organization
from engine.store.db import session_scope
from engine.store.models import Person, PersonRole, Task, Unit, UserAccount, UserRole

OFFICER = "linhntm@kientuong.example.vn"  # Phòng Tư pháp, the named person of task 2.1
HEAD = "tungvt@kientuong.example.vn"  # head of Phòng Tư pháp


def _person(site: Site, email: str) -> Person:
    with Session(site.engine) as session:
        return session.exec(select(Person).where(Person.email == email)).one()


def _unit_tasks(site: Site, unit_code: str) -> list[Task]:
    with Session(site.engine) as session:
        unit = session.exec(select(Unit).where(Unit.code == unit_code)).one()
        return list(
            session.exec(
                select(Task).where(Task.lead_unit_id == unit.id).order_by(col(Task.position))
            )
        )


def _head(site: Site) -> tuple[TestClient, str]:
    site.add("truongphong")
    client = site.client()
    return client, login(client, "truongphong")


def test_a_unit_head_gives_all_its_units_tasks_at_once(site: Site) -> None:
    client, csrf = _head(site)
    page = client.get("/tasks").text
    ours = _unit_tasks(site, "phong-tu-phap")
    assert len(ours) >= 2
    for task in ours:
        assert f'name="task_ids" value="{task.id}"' in page
    assert page.count('name="task_ids"') == len(ours)  # only its unit's tasks can be ticked
    officer = _person(site, OFFICER)
    response = client.post(
        "/tasks/delegate",
        data={
            "csrf_token": csrf,
            "task_ids": [str(t.id) for t in ours],
            "person_id": str(officer.id),
            "back": "status=in_progress&next=//evil.example",
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/tasks?status=in_progress"
    assert {t.person_id for t in _unit_tasks(site, "phong-tu-phap")} == {officer.id}
    task_page = client.get(f"/tasks/{ours[1].id}").text
    assert "giao người thực hiện" in task_page and "truongphong" in task_page


def test_the_lists_choices_are_the_unit_heads_own_people(site: Site) -> None:
    client, _ = _head(site)
    page = client.get("/tasks").text
    form = page[page.index('id="giao-viec"') : page.index("</form>", page.index('id="giao-viec"'))]
    with Session(site.engine) as session:
        unit = session.exec(select(Unit).where(Unit.code == "phong-tu-phap")).one()
        people = session.exec(select(Person).where(col(Person.active))).all()
    for person in people:
        assert (f'value="{person.id}"' in form) == (person.unit_id == unit.id), person.name


def test_a_unit_head_cannot_give_another_units_task(site: Site) -> None:
    client, csrf = _head(site)
    theirs = _unit_tasks(site, "phong-noi-vu")[0]
    mine = _unit_tasks(site, "phong-tu-phap")[1]
    response = client.post(
        "/tasks/delegate",
        data={
            "csrf_token": csrf,
            "task_ids": [str(mine.id), str(theirs.id)],
            "person_id": str(_person(site, OFFICER).id),
        },
    )
    assert response.status_code == 403
    assert "không có quyền" in response.text  # it does not even see that task
    assert _unit_tasks(site, "phong-tu-phap")[1].person_id == mine.person_id  # none given


def test_a_person_of_another_unit_is_refused_on_the_task_page(site: Site) -> None:
    client, csrf = _head(site)
    task = _unit_tasks(site, "phong-tu-phap")[1]
    outsider = _person(site, "tamlm@kientuong.example.vn")  # Phòng Nội vụ
    response = client.post(
        f"/tasks/{task.id}/delegate", data={"csrf_token": csrf, "person_id": str(outsider.id)}
    )
    assert response.status_code == 400
    assert "Lê Minh Tâm không thuộc đơn vị chủ trì" in response.text
    assert _unit_tasks(site, "phong-tu-phap")[1].person_id == task.person_id


def test_giving_a_named_task_to_someone_else_needs_a_reason(site: Site) -> None:
    client, csrf = _head(site)
    task_id = site.task_id("2.1")  # names the officer
    head = _person(site, HEAD)
    page = client.get(f"/tasks/{task_id}").text
    assert 'action="/tasks/' in page and "Giao người thực hiện" in page
    refused = client.post(
        f"/tasks/{task_id}/delegate", data={"csrf_token": csrf, "person_id": str(head.id)}
    )
    assert refused.status_code == 400 and "giao lại phải ghi lý do" in refused.text
    done = client.post(
        f"/tasks/{task_id}/delegate",
        data={"csrf_token": csrf, "person_id": str(head.id), "reason": "Cán bộ đi học"},
    )
    assert done.status_code == 303
    history = client.get(f"/api/tasks/{task_id}").json()["history"]
    assert {"person_id", "reason"} <= {h["field"] for h in history if h["action"] == "delegate"}


def test_the_api_gives_many_tasks_and_says_which_changed(site: Site) -> None:
    client, csrf = _head(site)
    ours = _unit_tasks(site, "phong-tu-phap")
    officer = _person(site, OFFICER)
    response = client.post(
        "/api/tasks/delegation",
        json={"task_ids": [t.id for t in ours], "person_id": officer.id},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["unchanged"] == [site.task_id("2.1")]
    assert sorted(body["changed"]) == sorted(t.id for t in ours if t.ref != "2.1")
    one = client.post(
        f"/api/tasks/{ours[1].id}/delegation",
        json={"person_id": _person(site, HEAD).id},
        headers={"X-CSRF-Token": csrf},
    )
    assert one.status_code == 400
    assert "giao lại phải ghi lý do" in one.json()["problems"][0]["message"]


def test_an_officer_may_not_give_tasks(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    csrf = login(client, "canbo")
    assert 'id="giao-viec"' not in client.get("/tasks").text
    response = client.post(
        "/api/tasks/delegation",
        json={"task_ids": [site.task_id("2.2")], "person_id": _person(site, OFFICER).id},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 403
    assert _unit_tasks(site, "phong-tu-phap")[1].person_id is None


def _head_account(site: Site, unit: Unit, head: Person) -> str:
    username = f"th-{unit.code}"[:60]
    with session_scope(site.engine) as session:
        org = get_organization(session, ORG)
        session.add(
            UserAccount(
                username=username,
                password_hash=_password_hash(),
                role=str(UserRole.UNIT_HEAD),
                organization_id=org.id or 0,
                person_id=head.id,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    return username


def test_unit_heads_alone_make_the_plans_person_dimension_clear(site: Site) -> None:
    """Every task of the plan with a lead unit gets its officer from that unit's head; the
    tasks whose lead is still unclear (a collective phrase) are the standing office's."""
    with Session(site.engine) as session:
        tasks = session.exec(select(Task)).all()
        units = {u.id: u for u in session.exec(select(Unit))}
        people = session.exec(select(Person).where(col(Person.active))).all()
    before = _clear_person(site)
    led = {t.lead_unit_id for t in tasks if t.lead_unit_id is not None}
    for unit_id in led:
        staff = [p for p in people if p.unit_id == unit_id]
        head = next(p for p in staff if p.role == PersonRole.HEAD)
        officer = next((p for p in staff if p.role == PersonRole.OFFICER), head)
        client = site.client()
        csrf = login(client, _head_account(site, units[unit_id], head))
        page = client.get("/tasks").text
        ticked = [str(t.id) for t in tasks if t.lead_unit_id == unit_id]
        assert all(f'name="task_ids" value="{i}"' in page for i in ticked)
        response = client.post(
            "/tasks/delegate",
            data={
                "csrf_token": csrf,
                "task_ids": ticked,
                "person_id": str(officer.id),
                "reason": "Phân công lại",
            },
        )
        assert response.status_code == 303, response.text
    after = _clear_person(site)
    with_lead = sum(1 for t in tasks if t.lead_unit_id is not None)
    assert before < with_lead
    assert after == with_lead


def _clear_person(site: Site) -> int:
    """How many tasks the standing office's list shows as clear on rõ người."""
    if not _has(site, "thuongtruc"):
        site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")
    rows = client.get("/api/tasks").json()["tasks"]
    items = rows["tasks"] if isinstance(rows, dict) else rows
    return sum(1 for row in items if row["clear"]["person"])


def _has(site: Site, username: str) -> bool:
    with Session(site.engine) as session:
        query = select(UserAccount).where(UserAccount.username == username)
        return session.exec(query).first() is not None
