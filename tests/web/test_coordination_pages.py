"""Coordinating units on the web (phối hợp): their own "Phối hợp" list, their part recorded
with an evidence file on the task page (and through the API), seen by the lead unit on the
task and in its history, and the lead's task left as it was."""

from __future__ import annotations

from sqlmodel import Session, select
from web_support import Site, login

from engine.store.models import CoordinationNote, Task, Unit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _unit_id(site: Site, code: str) -> int:
    with Session(site.engine) as session:
        return int(session.exec(select(Unit).where(Unit.code == code)).one().id or 0)


def test_the_coordinating_officer_adds_its_part_and_the_lead_sees_it(site: Site) -> None:
    site.add("canbo")  # Phòng Tư pháp, a coordinator of task 1.2 (led by Phòng Nội vụ)
    client = site.client()
    csrf = login(client, "canbo")
    tu_phap = _unit_id(site, "phong-tu-phap")
    home = client.get("/tasks").text
    assert f'href="/tasks?coordinator={tu_phap}"' in home and ">Phối hợp<" in home
    listed = client.get(f"/api/tasks?coordinator={tu_phap}").json()["tasks"]
    assert sorted(row["ref"] for row in listed) == ["1.2", "4.1"]
    page = client.get(f"/tasks?coordinator={tu_phap}").text
    assert "Nhiệm vụ đơn vị phối hợp" in page
    task_id = site.task_id("1.2")
    with Session(site.engine) as session:
        before = session.get(Task, task_id)
        assert before is not None
        version, state = before.version, before.state
    response = client.post(
        f"/tasks/{task_id}/coordination",
        data={"note": "Đã thẩm định dự thảo kế hoạch", "evidence": "Báo cáo 12/BC-PTP",
              "csrf_token": csrf},
        files={"file": ("tham-dinh.pdf", PDF, "application/pdf")},
    )  # fmt: skip
    assert response.status_code == 303, response.text
    with Session(site.engine) as session:
        note = session.exec(select(CoordinationNote)).one()
        after = session.get(Task, task_id)
        assert after is not None
        assert (after.version, after.state) == (version, state)  # the lead's task untouched
    assert note.unit_id == tu_phap and "Tệp minh chứng: " in note.evidence
    site.add("truongphong-noivu")  # the lead unit's head
    lead = site.client()
    login(lead, "truongphong-noivu")
    shown = lead.get(f"/tasks/{task_id}").text
    assert "Đã thẩm định dự thảo kế hoạch" in shown and "Phòng Tư pháp" in shown
    name = note.evidence.split("Tệp minh chứng: ")[1]
    assert lead.get(f"/tasks/{task_id}/files/{name}").content == PDF
    history = lead.get(f"/api/tasks/{task_id}").json()["history"]
    assert any(h["entity"] == "coordination_note" for h in history)


def test_the_api_records_a_part_and_refuses_a_unit_that_does_not_coordinate(site: Site) -> None:
    site.add("truongphong")  # head of Phòng Tư pháp
    client = site.client()
    csrf = login(client, "truongphong")
    headers = {"X-CSRF-Token": csrf}
    ok = client.post(
        f"/api/tasks/{site.task_id('4.1')}/coordination",
        json={"note": "Đã cử cán bộ tham gia"},
        headers=headers,
    )
    assert ok.status_code == 200, ok.text
    own = client.post(  # its own task: it leads 2.1, it does not coordinate it
        f"/api/tasks/{site.task_id('2.1')}/coordination",
        json={"note": "Không phải phối hợp"},
        headers=headers,
    )
    assert own.status_code == 403
    with Session(site.engine) as session:
        assert len(session.exec(select(CoordinationNote)).all()) == 1
