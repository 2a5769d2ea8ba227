"""The inbox: a bell on every page, the list of one's notices, opening and marking read;
the API; and notices that reach the right people only."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlmodel import Session, select
from web_support import NOW, SETUP, Site, login

from engine.notices.record import Event, notify
from engine.store.db import session_scope
from engine.store.models import Notice, Person
from notifications.notice_config import NoticeKind

VICE = "ducpv@kientuong.example.vn"  # Phó Chủ tịch in charge of Phòng Tư pháp


def _bell(html: str) -> str:
    return html.split('id="so-thong-bao">', 1)[1].split("<", 1)[0]


def _person(site: Site, email: str) -> int:
    with Session(site.engine) as session:
        return int(session.exec(select(Person).where(Person.email == email)).one().id or 0)


def _request_extension(site: Site) -> int:
    site.add("truongphong")
    head = site.client()
    csrf = login(head, "truongphong")
    task_id = site.task_id("2.1")
    response = head.post(
        f"/tasks/{task_id}/extension",
        data={"new_due": "2025-01-31", "reason": "Chờ hướng dẫn của tỉnh", "csrf_token": csrf},
    )
    assert response.status_code == 303
    return task_id


def test_an_extension_request_rings_the_vice_chairman_in_charge_and_the_decision_the_unit(
    site: Site,
) -> None:
    task_id = _request_extension(site)
    site.add("phochutich")
    site.add("chutich")
    vice = site.client()
    csrf = login(vice, "phochutich")
    page = vice.get("/tasks").text
    assert _bell(page) == "1"
    inbox = vice.get("/notices").text
    assert "Đề nghị gia hạn nhiệm vụ 2.1 chờ quyết định" in inbox
    assert "Chờ hướng dẫn của tỉnh" in inbox and "31/01/2025" in inbox
    # The Chairman is not in charge of Phòng Tư pháp: nothing for him.
    chairman = site.client()
    login(chairman, "chutich")
    assert _bell(chairman.get("/tasks").text) == "0"
    notice_id = vice.get("/api/notices").json()["notices"][0]["id"]
    assert f'action="/notices/{notice_id}/open"' in vice.get("/notices").text
    assert vice.get(f"/notices/{notice_id}").status_code == 404  # no GET opens (and marks) it
    assert vice.post(f"/notices/{notice_id}/open").status_code == 403  # no CSRF token
    assert _bell(vice.get("/tasks").text) == "1"
    opened = vice.post(f"/notices/{notice_id}/open", data={"csrf_token": csrf})
    assert (opened.status_code, opened.headers["location"]) == (303, f"/tasks/{task_id}")
    assert _bell(vice.get("/tasks").text) == "0"
    request_id = vice.get(f"/api/tasks/{task_id}").json()["extensions"][0]["id"]
    decided = vice.post(
        f"/extensions/{request_id}/decision",
        data={"task_id": task_id, "approve": "yes", "note": "Đồng ý", "csrf_token": csrf},
    )
    assert decided.status_code == 303
    head = site.client()
    login(head, "truongphong")
    # The decision, and (from the setup) task 2.1 given to its officer by someone else.
    assert _bell(head.get("/tasks").text) == "2"
    told = head.get("/api/notices").json()["notices"][0]
    assert told["title"] == "Đề nghị gia hạn nhiệm vụ 2.1 được đồng ý"
    assert told["link"] == f"/tasks/{task_id}" and told["read"] is False
    assert told["body"] == "Phạm Văn Đức đồng ý gia hạn đến 31/01/2025. Ý kiến: Đồng ý."
    # The task's officer hears it too.
    site.add("canbo")
    officer = site.client()
    login(officer, "canbo")
    titles = [n["title"] for n in officer.get("/api/notices").json()["notices"]]
    assert titles == [
        "Đề nghị gia hạn nhiệm vụ 2.1 được đồng ý",
        "Nhiệm vụ 2.1 giao cho Nguyễn Thị Mỹ Linh thực hiện",
    ]


def test_one_reads_and_marks_only_ones_own_notices(site: Site) -> None:
    _request_extension(site)
    site.add("phochutich")
    site.add("canbo")
    vice = site.client()
    csrf = login(vice, "phochutich")
    mine = vice.get("/api/notices").json()["notices"][0]["id"]
    officer = site.client()
    csrf_o = login(officer, "canbo")
    opened = officer.post(f"/notices/{mine}/open", data={"csrf_token": csrf_o})
    assert opened.status_code == 404  # not hers: not found
    marked = officer.post(
        "/api/notices/read", json={"ids": [mine]}, headers={"X-CSRF-Token": csrf_o}
    )
    assert marked.json() == {"marked": 0, "unread": 1}  # her own: the task given to her
    assert vice.get("/api/notices").json()["unread"] == 1  # still unread for its owner
    refused = vice.post("/api/notices/read", json={"all": True})  # no CSRF token
    assert refused.status_code == 403
    done = vice.post("/api/notices/read", json={"all": True}, headers={"X-CSRF-Token": csrf})
    assert done.json() == {"marked": 1, "unread": 0}
    form = vice.post("/notices/read", data={"csrf_token": csrf})
    assert form.status_code == 303


def test_the_inbox_is_newest_first_and_paginated(site: Site) -> None:
    site.add("truongphong-noivu")
    person = _person(site, "hattt@kientuong.example.vn")
    with session_scope(site.engine) as session:
        org_id = session.get(Person, person).organization_id  # type: ignore[union-attr]
        for n in range(25):
            event = Event(
                kind=NoticeKind.COORDINATION, key=f"test:{n}", organization_id=org_id,
                title=f"Thông báo số {n}", body="…", link="/tasks", actor=SETUP.name,
            )  # fmt: skip
            notify(session, event, [person], now=NOW + timedelta(minutes=n))
        again = Event(
            kind=NoticeKind.COORDINATION, key="test:3", organization_id=org_id,
            title="Lặp lại", body="", link="/tasks", actor=SETUP.name,
        )  # fmt: skip
        assert notify(session, again, [person, person], now=NOW) == []  # one per event
    officer = site.client()
    login(officer, "truongphong-noivu")
    first = officer.get("/api/notices?limit=10").json()
    assert (first["total"], first["previous"], first["unread"]) == (25, None, 25)
    assert first["notices"][0]["title"] == "Thông báo số 24"
    second = officer.get("/api/notices", params={"limit": 10, "cursor": first["next"]}).json()
    last = officer.get("/api/notices", params={"limit": 10, "cursor": second["next"]}).json()
    assert [n["title"] for n in last["notices"]] == [f"Thông báo số {n}" for n in range(4, -1, -1)]
    assert last["next"] is None
    page = officer.get("/notices").text
    link = re.search(r'href="(/notices\?cursor=[^"]+)" rel="next"', page)
    assert link is not None
    older = officer.get(html.unescape(link.group(1))).text
    assert "Trang trước" in older and "Thông báo số 4" in older
    assert _bell(page) == "25"


def test_an_account_without_a_person_has_an_empty_inbox(site: Site) -> None:
    site.add("quantri")
    admin = site.client()
    login(admin, "quantri")
    page = admin.get("/notices")
    assert page.status_code == 200
    assert "chưa gắn với một cán bộ" in page.text
    assert admin.get("/api/notices").json()["total"] == 0


def test_notices_are_never_written_for_a_refused_action(site: Site) -> None:
    site.add("truongphong")
    head = site.client()
    csrf = login(head, "truongphong")
    before = _notices(site)
    refused = head.post(
        f"/tasks/{site.task_id('2.1')}/extension",
        data={"new_due": "2024-01-31", "reason": "Lùi hạn về trước", "csrf_token": csrf},
    )
    assert refused.status_code == 400
    assert _notices(site) == before


def _notices(site: Site) -> int:
    with Session(site.engine) as session:
        return len(session.exec(select(Notice)).all())
