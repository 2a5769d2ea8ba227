"""Giving a task by hand on the web (Chủ tịch, Phó Chủ tịch, cơ quan thường trực): the form
with its document, the 6-rõ verdict shown before saving, the task stored in its document,
the form kept when a value is wrong; the same through ``POST /api/tasks``."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select
from web_support import Site, login

from engine.store.models import Organization, Plan, Task, Unit


def _unit(site: Site, code: str) -> int:
    with Session(site.engine) as session:
        query = (
            select(Unit)
            .join(Organization, col(Organization.id) == Unit.organization_id)
            .where(Organization.code == "kien-tuong", Unit.code == code)
        )
        return int(session.exec(query).one().id or 0)


def _form(site: Site, csrf: str, **changes: str) -> dict[str, Any]:
    return {
        "csrf_token": csrf,
        "kind": "thong_bao_ket_luan",
        "number": "45/TB-UBND",
        "issued_on": "2024-06-05",
        "signer": "Nguyễn Văn Vũ, Chủ tịch UBND thị xã",
        "ref": "3",
        "work": "Rà soát, cập nhật quy chế làm việc của Ủy ban nhân dân thị xã",
        "area": "chi-dao-dieu-hanh",
        "lead_unit_id": str(_unit(site, "van-phong")),
        "coordinator_ids": [str(_unit(site, "phong-noi-vu"))],
        "deadline_text": "trước ngày 30/06/2024",
        "product": "Quy chế làm việc sửa đổi",
        "action": "preview",
        **changes,
    }


def test_the_chairman_checks_then_gives_a_task(site: Site) -> None:
    site.add("chutich")
    client = site.client()
    csrf = login(client, "chutich")
    assert "Giao nhiệm vụ" in client.get("/tasks/new").text
    preview = client.post("/tasks/new", data=_form(site, csrf))
    assert preview.status_code == 200
    assert "Kiểm tra 6 rõ trước khi giao" in preview.text
    assert "Rõ người" in preview.text and 'class="badge no"' in preview.text  # no officer yet
    assert 'value="45/TB-UBND"' in preview.text  # the form is kept
    with Session(site.engine) as session:
        assert session.exec(select(Plan).where(Plan.key == "45/TB-UBND")).first() is None
    saved = client.post("/tasks/new", data=_form(site, csrf, action="save"))
    assert saved.status_code == 303
    task_id = int(saved.headers["location"].rsplit("/", 1)[1])
    data = client.get(f"/api/tasks/{task_id}").json()
    assert data["authority"]["basis"] == "Thông báo kết luận số 45/TB-UBND ngày 05/06/2024"
    assert data["authority"]["assigner"] == "Nguyễn Văn Vũ, Chủ tịch UBND thị xã"
    assert data["deadline"]["due"] == "2024-06-29"
    assert data["responsibility"]["lead"]["code"] == "van-phong"
    assert data["clear"] == {
        "person": False, "work": True, "deadline": True,
        "responsibility": True, "authority": True, "result": True,
    }  # fmt: skip


def test_a_wrong_value_keeps_the_form_and_writes_nothing(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    response = client.post(
        "/tasks/new", data=_form(site, csrf, signer="", issued_on="31/02/2024", action="save")
    )
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.text
    assert "Rà soát, cập nhật quy chế làm việc" in response.text
    with Session(site.engine) as session:
        assert len(session.exec(select(Task)).all()) == 30


def test_the_api_previews_and_assigns(site: Site) -> None:
    site.add("phochutich")
    client = site.client()
    csrf = login(client, "phochutich")
    body: dict[str, Any] = {
        "source": {
            "kind": "chi_dao_truc_tiep",
            "issued_on": "2024-06-07",
            "signer": "Phạm Văn Đức, Phó Chủ tịch UBND thị xã",
        },
        "task": {
            "work": "Kiểm tra tiến độ số hóa hồ sơ thủ tục hành chính tại bộ phận một cửa",
            "area": "chi-dao-dieu-hanh",
            "lead_unit_id": _unit(site, "van-phong"),
            "deadline_text": "trước ngày 20/06/2024",
            "product": "Báo cáo kết quả kiểm tra",
        },
        "preview": True,
    }
    headers = {"X-CSRF-Token": csrf}
    verdict = client.post("/api/tasks", json=body, headers=headers).json()
    assert verdict["clear"]["authority"] and not verdict["clear"]["person"]
    saved = client.post("/api/tasks", json={**body, "preview": False}, headers=headers)
    assert saved.status_code == 200, saved.text
    data = client.get(f"/api/tasks/{saved.json()['id']}").json()
    assert data["authority"]["basis"] == "Chỉ đạo tại cuộc họp ngày 07/06/2024"
