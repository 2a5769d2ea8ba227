"""Plans and assigning documents as things: the list with the state of their tasks, one
document with its tasks, and withdrawing one imported by mistake (page and API): its tasks
withdrawn and audited, nothing deleted, and a new import of the same plan brings it back."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select
from web_support import FIXTURES, NOW, SETUP, Site, login

from engine.configs.files import load_configs
from engine.plans.importer import ImportOptions, import_plan
from engine.store.db import session_scope
from engine.store.models import AuditLog, Plan, Task, TaskState


def _plan(site: Site) -> Plan:
    with Session(site.engine) as session:
        return session.exec(select(Plan)).one()


def test_the_list_counts_each_documents_tasks(site: Site) -> None:
    site.add("chutich")
    client = site.client()
    login(client, "chutich")
    page = client.get("/plans").text
    assert "Kế hoạch 3838/KH-UBND" in page and "30 nhiệm vụ" in page
    listed = client.get("/api/plans").json()["plans"]
    assert [(d["number"], d["kind"], d["tasks"]) for d in listed] == [
        ("3838/KH-UBND", "ke_hoach", 30)
    ]
    assert 0 <= listed[0]["percent_clear"] <= 100
    detail = client.get(f"/api/plans/{listed[0]['id']}").json()
    assert len(detail["tasks"]) == 30
    assert "Rút văn bản" not in client.get(f"/plans/{listed[0]['id']}").text  # not theirs


def test_the_standing_office_withdraws_a_plan_and_an_import_brings_it_back(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    plan = _plan(site)
    page = client.get(f"/plans/{plan.id}").text
    assert "Rút văn bản và các nhiệm vụ" in page
    refused = client.post(f"/plans/{plan.id}/withdraw", data={"csrf_token": csrf})
    assert refused.status_code == 400 and "phải ghi lý do" in refused.text
    done = client.post(
        f"/plans/{plan.id}/withdraw", data={"csrf_token": csrf, "reason": "Nhập nhầm tệp"}
    )
    assert done.status_code == 303
    with Session(site.engine) as session:
        states = {t.state for t in session.exec(select(Task))}
        withdrawals = session.exec(
            select(AuditLog).where(col(AuditLog.action) == "withdraw", AuditLog.field == "reason")
        ).all()
    assert states == {TaskState.WITHDRAWN}
    assert len(withdrawals) == 31  # 30 tasks and the plan, each with the reason
    assert client.get("/api/tasks").json()["tasks"] == []
    listed = client.get("/api/plans").json()["plans"][0]
    assert (listed["withdrawn"], listed["tasks"]) == (True, 0)
    again = client.post(
        f"/api/plans/{plan.id}/withdrawal", json={"reason": "x"}, headers={"X-CSRF-Token": csrf}
    )
    assert again.status_code == 400 and "đã được rút từ trước" in again.json()["detail"]
    # The same plan imported again is in force again.
    configs = load_configs(site.settings.config_dir)
    with session_scope(site.engine) as session:
        import_plan(
            session=session,
            options=ImportOptions(
                path=FIXTURES / "kien_tuong_3838_pl2.csv",
                org_code="kien-tuong",
                plan_number="3838/KH-UBND",
                plan_date=plan.issued_on,
            ),
            configs=configs,
            actor=SETUP,
            now=NOW + timedelta(hours=1),
        )
    assert client.get("/api/plans").json()["plans"][0]["withdrawn"] is False
    assert len(client.get("/api/tasks").json()["tasks"]) == 30
