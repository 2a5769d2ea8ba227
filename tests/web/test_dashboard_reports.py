"""The Chairman's dashboard and the reports page: figures of the current period, what has
been escalated, pending extensions; generating (in the background) and downloading the
period report; the units' report status."""

from __future__ import annotations

import time
from datetime import date, timedelta
from io import BytesIO

from docx import Document
from fastapi.testclient import TestClient
from sqlmodel import select
from web_support import NOW, Site, login

from engine.configs.files import load_configs
from engine.plans.check import check_tasks
from engine.store.db import session_scope
from engine.store.models import Organization, Task, Unit, UnitReport


def test_dashboard_shows_the_period_overdue_escalated_and_pending(site: Site) -> None:
    site.add("chutich")
    site.pending_request("2.1")
    client = site.client()
    login(client, "chutich")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Bảng điều hành — 6 tháng đầu năm 2024" in page.text
    assert "Đề nghị gia hạn chờ quyết định (1)" in page.text
    assert "Nhiệm vụ quá hạn (" in page.text and "Phòng Tư pháp" in page.text
    data = client.get("/api/dashboard").json()
    assert data["period"] == "2024-H1"
    assert data["pending_extensions"][0]["ref"] == "2.1"
    overdue_refs = {t["ref"] for t in data["overdue"]}
    assert "2.2" in overdue_refs  # due 31/03/2024
    # 2.2 is far past the ladder's Vice-Chairman step (5 working days overdue)
    assert any(e["ref"] == "2.2" and "quá hạn" in e["why"] for e in data["escalated"])
    assert {r["name"] for r in data["by_unit"]} >= {"Phòng Tư pháp", "Phòng Nội vụ"}


def test_an_overdue_due_date_reads_as_on_the_task_page(site: Site) -> None:
    task_id = site.task_id("2.1")
    with session_scope(site.engine) as session:
        task = session.get(Task, task_id)
        assert task is not None
        task.due_date = date(2024, 6, 1)  # a Saturday: it ends on Monday 03/06
    site.add("chutich")
    client = site.client()
    login(client, "chutich")

    (row,) = [t for t in client.get("/api/dashboard").json()["overdue"] if t["ref"] == "2.1"]
    page = client.get(f"/tasks/{task_id}").text

    assert row["due"] == "2024-06-03"
    assert "Hạn: 03/06/2024" in page


def test_dashboard_counts_the_tasks_failing_6_ro_as_they_are_now(site: Site) -> None:
    """The stored verdicts (as the site's load left them): the count of every failing task,
    the first ones named."""
    site.add("chutich")
    client = site.client()
    login(client, "chutich")
    with site.engine.connect() as connection:
        checks = check_tasks(connection, rules=load_configs(site.settings.config_dir).rules,
                             org_code="kien-tuong")  # fmt: skip
    failing = {c.ref for c in checks if not all(c.clear.values())}

    data = client.get("/api/dashboard").json()
    page = client.get("/dashboard").text

    unclear = data["compliance"]["unclear_refs"]
    assert unclear and set(unclear) <= failing
    assert f"Chưa đủ 6 rõ: {data['compliance']['unclear']}" in page
    every = client.get("/dashboard", params={"period": "tat-ca"}).text
    assert f"Chưa đủ 6 rõ: {len(failing)}" in every


def finished(client: TestClient, form: dict[str, str], timeout: float = 120) -> str:
    """POST the report form, follow its redirect and reload the page until the run is done;
    the page then."""
    response = client.post("/reports", data=form)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith(f"/reports?period={form['period']}")
    deadline = time.monotonic() + timeout
    while True:
        page = client.get(response.headers["location"])
        assert page.status_code == 200, page.text
        if "Đang lập báo cáo" not in page.text:
            return page.text
        assert '<meta http-equiv="refresh"' in page.text
        assert time.monotonic() < deadline, "the report is still being made"
        time.sleep(0.2)


def test_standing_office_generates_and_downloads_the_period_report(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    page = finished(
        client,
        {"period": "2024-H1", "issued_on": "2024-06-16", "csrf_token": csrf},
    )
    assert "Đã lập xong" in page and '<meta http-equiv="refresh"' not in page
    assert "bao-cao-kien-tuong-2024-H1.docx" in page
    download = client.get("/reports/2024-H1/files/bao-cao-kien-tuong-2024-H1.docx")
    assert download.status_code == 200
    text = "\n".join(p.text for p in Document(BytesIO(download.content)).paragraphs)
    assert "BÁO CÁO" in text and "6 tháng đầu năm 2024" in text
    annex = client.get("/reports/2024-H1/files/bieu-so-lieu-kien-tuong-2024-H1.xlsx")
    assert annex.status_code == 200 and annex.content.startswith(b"PK")
    assert client.get("/reports/2024-H1/files/..%2Fconfig%2Frules.yaml").status_code == 404


def test_a_chairman_reads_reports_but_does_not_generate_them(site: Site) -> None:
    site.add("chutich")
    client = site.client()
    csrf = login(client, "chutich")
    page = client.get("/reports?period=2024-H1")
    assert page.status_code == 200 and "Lập báo cáo" not in page.text
    refused = client.post("/reports", data={"period": "2024-H1", "csrf_token": csrf})
    assert refused.status_code == 403


def test_reports_page_lists_the_units_report_status(site: Site) -> None:
    with session_scope(site.engine) as session:
        org = session.exec(select(Organization).where(Organization.code == "kien-tuong")).one()
        units = {
            u.code: u for u in session.exec(select(Unit).where(Unit.organization_id == org.id))
        }
        requested = NOW - timedelta(days=20)
        for code, submitted in (("phong-tu-phap", NOW - timedelta(days=5)), ("phong-noi-vu", None)):
            session.add(
                UnitReport(
                    organization_id=org.id or 0,
                    unit_id=units[code].id or 0,
                    period_code="2024-H1",
                    due=date(2024, 6, 10),
                    requested_at=requested,
                    submitted_at=submitted,
                )
            )
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")
    page = client.get("/reports?period=2024-H1").text
    assert "Phòng Tư pháp" in page and "Đúng hạn" in page
    assert "Phòng Nội vụ" in page and "Chưa nộp" in page


def test_an_unknown_period_code_says_which_to_use(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")
    page = client.get("/reports?period=2024-Q9")
    assert page.status_code == 400
    assert "không phải kỳ báo cáo" in page.text


def test_the_api_generates_and_lists_reports(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    made = client.post("/api/reports", json={"period": "2024-H1"}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 200, made.text
    files = made.json()["files"]
    assert files[0] == "/reports/2024-H1/files/bao-cao-kien-tuong-2024-H1.docx"
    assert files[-1] == "/reports/2024-H1/files/bieu-so-lieu-kien-tuong-2024-H1.xlsx"
    assert client.get(files[0]).status_code == 200
    assert client.get("/api/reports?period=2024-H1").json()["files"] == files
    bad = client.post("/api/reports", json={"period": "2024-Q9"}, headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 400 and "không phải kỳ báo cáo" in bad.json()["detail"]


def test_the_standing_office_mails_its_draft_to_itself_once(site: Site) -> None:
    from fastapi.testclient import TestClient
    from reminder_support import mail_server, smtp_settings

    from engine.web.app import create_app

    server = mail_server()
    server.start()
    try:
        app = create_app(site.settings, engine=site.engine, clock=lambda: NOW,
                         smtp=smtp_settings(server))  # fmt: skip
        site.add("thuongtruc")
        client = TestClient(app, base_url="http://testserver", follow_redirects=False)
        csrf = login(client, "thuongtruc")
        form = {"csrf_token": csrf, "period": "2024-H1", "send": "on"}

        first = finished(client, form)
        again = finished(client, form)
    finally:
        server.stop()

    assert "Đã gửi" in first
    received = [r.message for r in server.handler.received]
    addresses = {m["To"].addresses[0].addr_spec for m in received}
    # A draft goes to the standing office for review, never upward (report_to).
    assert "tamlm@kientuong.example.vn" in addresses  # Phòng Nội vụ, the standing office
    assert "cchc@sonoivu.longan.example.vn" not in addresses
    assert len(received) == len(addresses)  # once per address, the second run sent nothing
    assert "0 thư" in again or "bỏ qua" in again
    names = {part.get_filename() for m in received for part in m.iter_attachments()}
    assert "bao-cao-kien-tuong-2024-H1.docx" in names
