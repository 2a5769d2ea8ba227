"""The directory on the web, on both databases: an administrator moves an officer to another
unit and marks another as left, their open tasks reassigned as chosen (and unchanged where
not chosen); then ``sauro directory export`` and ``import`` of that file change nothing.
Merges ask for a confirmation; the standing office edits people but not units; the API
does the same under the same policy."""

from __future__ import annotations

import sys
from html import unescape
from pathlib import Path

from sqlmodel import Session, col, select
from typer.testing import CliRunner
from web_support import NOW, SETUP, Site, followed, login

from engine.store.db import session_scope
from engine.store.models import Organization, Person, Task, Unit
from engine.tasks.delegation import delegate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from sauro_support import Sauro

LINH = "linhntm@kientuong.example.vn"  # officer of Phòng Tư pháp, named on task 2.1
TUNG = "tungvt@kientuong.example.vn"  # head of Phòng Tư pháp
HAN = "hanpn@kientuong.example.vn"  # officer of Phòng Nội vụ
TAM = "tamlm@kientuong.example.vn"  # officer of Phòng Nội vụ


def _person(site: Site, email: str) -> Person:
    with Session(site.engine) as session:
        return session.exec(select(Person).where(Person.email == email)).one()


def _task(site: Site, ref: str) -> Task:
    with Session(site.engine) as session:
        return session.exec(select(Task).where(Task.ref == ref)).one()


def _unit(site: Site, code: str) -> Unit:
    """The unit ``code`` of Kiến Tường (an empty unit when there is none)."""
    with Session(site.engine) as session:
        found = session.exec(
            select(Unit)
            .join(Organization, col(Organization.id) == Unit.organization_id)
            .where(Organization.code == "kien-tuong", Unit.code == code)
        ).first()
        return found or Unit(code="", name="", organization_id=0)


def _name(site: Site, refs: list[str], email: str) -> None:
    with session_scope(site.engine) as session:
        delegate(session=session, task_ids=[site.task_id(r) for r in refs],
                 person_id=_person(site, email).id or 0, reason="Giao lại", actor=SETUP,
                 now=NOW)  # fmt: skip


def test_move_and_leave_on_the_web_then_export_and_import_change_nothing(
    site: Site, tmp_path: Path
) -> None:
    _name(site, ["2.2"], LINH)  # Linh: 2.1 (named by the site) and 2.2
    _name(site, ["1.1", "1.3"], HAN)  # Hân: two tasks of Phòng Nội vụ
    site.add("quantri")
    client = site.client()
    csrf = login(client, "quantri")
    linh, han = _person(site, LINH), _person(site, HAN)
    tung, tam = _person(site, TUNG), _person(site, TAM)
    noi_vu = _unit(site, "phong-noi-vu")

    page = unescape(client.get(f"/directory/people/{linh.id}").text)
    assert "Chuyển sang đơn vị khác" in page and "Giao cho Võ Thanh Tùng" in page
    moved = followed(client, client.post(f"/directory/people/{linh.id}/move", data={
        "csrf_token": csrf, "unit_id": str(noi_vu.id), "all": "keep",
        f"task_{site.task_id('2.1')}": str(tung.id),
    }))  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert "Đã chuyển Nguyễn Thị Mỹ Linh" in unescape(moved.text)

    left = followed(client, client.post(f"/directory/people/{han.id}/leave", data={
        "csrf_token": csrf, "left_on": "2024-06-07", "all": str(tam.id),
        f"task_{site.task_id('1.3')}": "nobody", "reason": "Chuyển công tác về tỉnh",
    }))  # fmt: skip
    assert left.status_code == 200, left.text

    assert (_person(site, LINH).unit_id, _person(site, LINH).id) == (noi_vu.id, linh.id)
    assert _task(site, "2.1").person_id == tung.id  # chosen
    assert _task(site, "2.2").person_id == linh.id  # not chosen: unchanged
    gone = _person(site, HAN)
    assert not gone.active and gone.left_on is not None and gone.left_on.isoformat() == "2024-06-07"
    assert _task(site, "1.1").person_id == tam.id  # "for all"
    assert _task(site, "1.3").person_id is None  # this one: nobody
    history = client.get(f"/api/tasks/{site.task_id('1.1')}").json()["history"]
    assert any(h["action"] == "delegate" for h in history)

    sauro = Sauro(str(site.engine.url.render_as_string(hide_password=False)),
                  site.settings.config_dir, CliRunner())  # fmt: skip
    exported = tmp_path / "directory.yaml"
    sauro.ok("directory", "export", exported)
    text = exported.read_text(encoding="utf-8")
    assert "left: 2024-06-07" in text
    assert sauro.ok("directory", "import", exported).stdout.strip() == "Không có thay đổi nào."


def test_a_bad_choice_is_refused_with_the_reason_and_nothing_changes(site: Site) -> None:
    site.add("quantri")
    client = site.client()
    csrf = login(client, "quantri")
    linh, han = _person(site, LINH), _person(site, HAN)

    refused = client.post(f"/directory/people/{linh.id}/leave", data={
        "csrf_token": csrf, "left_on": "2024-06-07", "all": str(han.id),
    })  # fmt: skip

    assert refused.status_code == 400
    assert "không thuộc đơn vị chủ trì" in unescape(refused.text)
    assert _person(site, LINH).active and _task(site, "2.1").person_id == linh.id


def test_a_merge_asks_for_confirmation_then_moves_the_tasks(site: Site) -> None:
    site.add("quantri")
    client = site.client()
    csrf = login(client, "quantri")
    source, target = _unit(site, "phong-tu-phap"), _unit(site, "phong-noi-vu")
    form = {"csrf_token": csrf, "target_id": str(target.id)}

    asked = client.post(f"/directory/units/{source.id}/merge", data=form)

    assert asked.status_code == 200 and "Xác nhận sáp nhập" in unescape(asked.text)
    assert _task(site, "2.1").lead_unit_id == source.id
    done = followed(
        client, client.post(f"/directory/units/{source.id}/merge", data={**form, "confirm": "yes"})
    )
    assert done.status_code == 200 and "Đã sáp nhập Phòng Tư pháp" in unescape(done.text)
    assert _task(site, "2.1").lead_unit_id == target.id
    assert not _unit(site, "phong-tu-phap").active
    overview = unescape(client.get("/directory").text)
    assert "Đơn vị đã sáp nhập, thôi hoạt động" in overview


def test_the_standing_office_edits_people_but_not_units(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    noi_vu = _unit(site, "phong-noi-vu")

    page = unescape(client.get("/directory").text)
    assert "Thêm cán bộ" in page and "Thêm đơn vị hoặc cơ quan bên ngoài" not in page
    added = client.post("/directory/people", data={
        "csrf_token": csrf, "unit_id": str(noi_vu.id), "name": "Đỗ Văn Mới",
        "title": "Chuyên viên", "email": "moidv@kientuong.example.vn", "phone": "+84 912 000 111",
    })  # fmt: skip
    assert added.status_code == 303, added.text
    assert _person(site, "moidv@kientuong.example.vn").phone == "0912000111"
    refused = client.post("/directory/units", data={
        "csrf_token": csrf, "name": "Sở Y tế", "kind": "external",
    })  # fmt: skip
    assert refused.status_code == 403
    assert _unit(site, "so-y-te").code == ""


def test_the_api_lists_and_edits_the_directory(site: Site) -> None:
    site.add("quantri")
    client = site.client()
    csrf = login(client, "quantri")
    headers = {"X-CSRF-Token": csrf}

    listing = client.get("/api/directory").json()
    assert {u["code"] for u in listing["units"]} >= {"phong-noi-vu", "so-noi-vu"}
    added = client.post("/api/directory/units", headers=headers,
                        json={"name": "Sở Y tế", "kind": "external"})  # fmt: skip
    assert added.status_code == 200, added.text
    unit_id = added.json()["id"]
    renamed = client.patch(f"/api/directory/units/{unit_id}", headers=headers,
                           json={"name": "Sở Y tế tỉnh Long An", "aliases": ["SYT"]})  # fmt: skip
    assert renamed.status_code == 200, renamed.text
    bad = client.post("/api/directory/people", headers=headers, json={
        "unit_id": _unit(site, "phong-noi-vu").id, "name": "Ai Đó", "title": "Chuyên viên",
        "email": "khong-hop-le",
    })  # fmt: skip
    assert bad.status_code == 400 and bad.json()["problems"][0]["field"] == "email"
    linh = _person(site, LINH)
    moved = client.post(f"/api/directory/people/{linh.id}/move", headers=headers, json={
        "unit_id": _unit(site, "phong-noi-vu").id,
        "all": {"mode": "person", "person_id": _person(site, TUNG).id},
    })  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert moved.json()["given"] == {str(site.task_id("2.1")): _person(site, TUNG).id}
    merged = client.post(f"/api/directory/units/{unit_id}/merge", headers=headers,
                         json={"target_id": unit_id})  # fmt: skip
    assert merged.status_code == 400 and "chính nó" in merged.text
