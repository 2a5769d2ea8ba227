"""The period report's approval on the web: the standing office submits, the Vice-Chairman
approves, the standing office issues it (number 07 after six earlier documents of the year)
and sends it; regenerating keeps 07; a draft cannot be sent upward, and each step is
refused to the roles it does not belong to."""

from __future__ import annotations

from datetime import date

from docx import Document
from fastapi.testclient import TestClient
from reminder_support import mail_server, smtp_settings
from sqlmodel import Session, select
from web_support import NOW, ORG, Site, followed, login

from engine.directory.store import get_organization
from engine.store.db import session_scope
from engine.store.models import DocumentRegister, PeriodReport, ReportState
from engine.web.app import create_app

PAGE = "/reports/2024-H1/approval"


def _step(client: TestClient, csrf: str, step: str, **extra: str) -> tuple[int, str]:
    response = client.post(PAGE, data={"csrf_token": csrf, "step": step, **extra})
    return response.status_code, response.text


def _six_documents_already(site: Site) -> None:
    with session_scope(site.engine) as session:
        org_id = int(get_organization(session, ORG).id or 0)
        for number in range(1, 7):
            session.add(
                DocumentRegister(
                    organization_id=org_id, year=2024, number=number, symbol="CV-UBND",
                    subject="Công văn", issued_on=date(2024, 5, number), issued_by="văn thư",
                    recorded_at=NOW,
                )
            )  # fmt: skip


def _state(site: Site) -> str:
    with Session(site.engine) as session:
        record = session.exec(select(PeriodReport)).first()
        return record.state if record else ReportState.DRAFT


def test_from_draft_to_sent_with_number_07_kept_on_regeneration(site: Site) -> None:
    _six_documents_already(site)
    server = mail_server()
    server.start()
    try:
        app = create_app(site.settings, engine=site.engine, clock=lambda: NOW,
                         smtp=smtp_settings(server))  # fmt: skip
        site.add("thuongtruc")
        site.add("phochutich")
        office = TestClient(app, base_url="http://testserver", follow_redirects=False)
        csrf = login(office, "thuongtruc")
        vice = TestClient(app, base_url="http://testserver", follow_redirects=False)
        csrf_v = login(vice, "phochutich")

        assert _step(office, csrf, "send")[0] == 400  # a draft never goes upward
        edited = office.put(
            "/api/reports/2024-H1/sections",
            json={"sections": {"III.1": "Ưu điểm: các phòng chủ động, đúng hạn."}},
            headers={"X-CSRF-Token": csrf},
        )
        assert edited.status_code == 200, edited.text
        assert _step(office, csrf, "submit")[0] == 303
        code, page = _step(office, csrf, "send")
        assert code == 400 and "chỉ báo cáo đã ban hành" in page
        assert _step(office, csrf, "approve")[0] == 403  # not the standing office's step
        assert _step(vice, csrf_v, "approve")[0] == 303
        approved = vice.get(PAGE).text
        assert "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH — Phạm Văn Đức" in approved
        assert _step(office, csrf, "issue", issued_on="2024-06-10")[0] == 303
        assert "Số văn bản: <strong>07/BC-UBND</strong>" in office.get(PAGE).text
        sent = followed(office, office.post(PAGE, data={"csrf_token": csrf, "step": "send"}))
        assert "Đã gửi" in sent.text
        assert _state(site) == ReportState.SENT
        again = office.post(PAGE, data={"csrf_token": csrf, "step": "send"})
        assert again.status_code == 303  # sending again sends nothing twice
    finally:
        server.stop()
    addresses = [r.message["To"].addresses[0].addr_spec for r in server.handler.received]
    assert addresses.count("cchc@sonoivu.longan.example.vn") == 1
    folder = site.settings.reports_dir / ORG / "2024-H1" / f"{ORG}-2024-H1"
    document = folder / "bao-cao-kien-tuong-2024-H1.docx"
    text = "\n".join(
        cell.text for table in Document(str(document)).tables for row in table.rows
        for cell in row.cells
    )  # fmt: skip
    assert "Số: 07/BC-UBND" in text
    body = "\n".join(p.text for p in Document(str(document)).paragraphs)
    assert "Ưu điểm: các phòng chủ động, đúng hạn." in body  # the edited section III.1
    assert "KT. CHỦ TỊCH" in text + body and "Phạm Văn Đức" in text + body


def test_only_the_leaders_approve_and_only_the_standing_office_prepares(site: Site) -> None:
    for username in ("thuongtruc", "truongphong", "canbo", "chutich"):
        site.add(username)
    office, head, officer, chairman = (site.client() for _ in range(4))
    csrf = login(office, "thuongtruc")
    for client, name in ((head, "truongphong"), (officer, "canbo")):
        token = login(client, name)
        assert _step(client, token, "submit")[0] == 403
    assert _step(office, csrf, "submit")[0] == 303
    for client, name in ((head, "truongphong"), (officer, "canbo")):
        token = login(client, name)
        assert _step(client, token, "approve")[0] == 403
    token = login(chairman, "chutich")
    code, page = _step(chairman, token, "return")
    assert code == 400 and "cần ghi lý do" in page
    assert _step(chairman, token, "return", reason="Bổ sung phần III")[0] == 303
    history = office.get(PAGE).text
    assert "trả lại: Bổ sung phần III" in history
    assert _state(site) == ReportState.DRAFT


def test_the_api_walks_the_same_steps_and_never_sends_a_draft(site: Site) -> None:
    site.add("thuongtruc")
    site.add("chutich")
    office, chairman = site.client(), site.client()
    csrf, csrf_c = login(office, "thuongtruc"), login(chairman, "chutich")
    api = "/api/reports/2024-H1/approval"

    def post(client: TestClient, token: str, **body: str) -> tuple[int, dict[str, object]]:
        response = client.post(api, json=body, headers={"X-CSRF-Token": token})
        return response.status_code, response.json()

    code, refused = post(office, csrf, step="send")
    assert code == 400 and "chỉ báo cáo đã ban hành" in str(refused["detail"])
    assert post(office, csrf, step="submit")[1]["state"] == "submitted"
    assert post(office, csrf, step="approve")[0] == 403
    code, body = post(chairman, csrf_c, step="approve")
    assert code == 200 and body["state"] == "approved"
    assert body["signer"] == "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH — Nguyễn Văn Vũ"
    code, issued = post(office, csrf, step="issue", issued_on="2024-06-10")
    assert (code, issued["state"], issued["number"]) == (200, "issued", "01/BC-UBND")
    assert [step["step"] for step in office.get(api).json()["history"]] == [
        "trình ký", "duyệt", "ban hành",
    ]  # fmt: skip
