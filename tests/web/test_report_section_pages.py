"""The report sections page and API: each section's draft from the data in a textarea,
saving a revision (audited, with its history), "Viết lại từ số liệu", and the same through
/api/reports/{period}/sections — on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from web_support import ROLE_ACCOUNT, Site, followed, login

from engine.store.models import AuditLog, ReportSection, UserRole

PAGE = "/reports/2024-H1/sections"
PLACEHOLDER = "(Cơ quan thường trực bổ sung nội dung.)"


def _office(site: Site) -> tuple[TestClient, str]:
    username = ROLE_ACCOUNT[UserRole.STANDING_OFFICE]
    site.add(username)
    client = site.client()
    return client, login(client, username)


def test_the_page_shows_every_section_drafted_from_the_data(site: Site) -> None:
    client, _ = _office(site)
    page = client.get(PAGE)

    assert page.status_code == 200, page.text
    for section in ("I", "II", "III.1", "III.2", "III.3", "IV", "V"):
        assert f'name="text-{section}"' in page.text
    assert "3838/KH-UBND" in page.text  # section I quotes the plan issued in the period
    assert "Viết lại từ số liệu" in page.text and PLACEHOLDER not in page.text


def test_saving_keeps_every_revision_and_the_draft_can_come_back(site: Site) -> None:
    client, csrf = _office(site)
    for text in ("Kiến nghị thứ nhất.", "Kiến nghị đã sửa."):
        saved = followed(client, client.post(PAGE, data={"csrf_token": csrf, "text-V": text}))
        assert saved.status_code == 200 and "Đã lưu" in saved.text, saved.text
    again = client.post(PAGE, data={"csrf_token": csrf, "text-V": "Kiến nghị đã sửa."})
    assert "không thay đổi" in followed(client, again).text

    with Session(site.engine) as session:
        rows = session.exec(select(ReportSection).order_by(ReportSection.revision)).all()
        assert [(r.section, r.revision, r.text) for r in rows] == [
            ("V", 1, "Kiến nghị thứ nhất."),
            ("V", 2, "Kiến nghị đã sửa."),
        ]
        assert (
            len(session.exec(select(AuditLog).where(AuditLog.entity == "report_section")).all())
            == 2
        )
    page = client.get(PAGE).text
    assert "Kiến nghị đã sửa.</textarea>" in page and "Bản 1:" in page and "Bản 2:" in page
    restored = client.get(PAGE, params={"draft": "V"}).text
    assert "Kiến nghị đã sửa.</textarea>" not in restored


def test_the_api_reads_and_saves_sections(site: Site) -> None:
    client, csrf = _office(site)
    read = client.get(f"/api{PAGE}")
    assert read.status_code == 200
    sections = {s["section"]: s for s in read.json()["sections"]}
    assert not sections["I"]["saved"] and sections["I"]["text"] == sections["I"]["draft"]

    put = client.put(
        f"/api{PAGE}",
        json={"sections": {"III.2": "Hạn chế đã sửa."}},
        headers={"X-CSRF-Token": csrf},
    )
    assert put.status_code == 200, put.text
    assert put.json() == {"saved": [{"section": "III.2", "revision": 1}]}
    bad = client.put(f"/api{PAGE}", json={"sections": {"VI": "x"}}, headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 400
