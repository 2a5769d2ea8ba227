"""Plan import through the browser's forms: upload, preview with the 6-rõ findings, commit
or cancel; and the uploads that are refused (wrong type, renamed, malformed, oversized)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, select
from web_support import FIXTURES, Site, followed, login

from engine.store.models import Plan, Task

PLAN_FORM = {"plan_number": "38/KH-UBND", "plan_date": "2024-01-15"}


def _upload(site: Site, name: str, content: bytes, **form: str) -> tuple[TestClient, Response]:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    response = client.post(
        "/import",
        data={**PLAN_FORM, **form, "csrf_token": csrf},
        files={"file": (name, content, "application/octet-stream")},
    )
    return client, response


def _plans(site: Site) -> list[str]:
    with Session(site.engine) as session:
        return list(session.exec(select(Plan.key)))


def test_upload_preview_then_commit_imports_in_one_go(site: Site) -> None:
    client, response = _upload(
        site, "ke hoach 38.docx", (FIXTURES / "kien_tuong_3838.docx").read_bytes()
    )
    assert response.status_code == 303
    preview_url = response.headers["location"]
    preview = client.get(preview_url)
    assert preview.status_code == 200
    assert "Sẽ nhập <strong>30</strong> nhiệm vụ vào Ủy ban nhân dân thị xã Kiến Tường (" in (
        preview.text
    )
    assert "Cách sửa:" in preview.text and "badge no" in preview.text
    assert "38/KH-UBND" not in _plans(site)  # the preview wrote nothing
    csrf = client.get("/api/me").json()["csrf_token"]
    done = followed(client, client.post(f"{preview_url}/commit", data={"csrf_token": csrf}))
    assert done.status_code == 200, done.text
    assert "Đã nhập 30 nhiệm vụ: thêm mới 30" in done.text
    assert "Đã nhập 30 nhiệm vụ" not in client.get("/tasks?plan=38/KH-UBND").text  # once
    assert "38/KH-UBND" in _plans(site)
    with Session(site.engine) as session:
        plan = session.exec(select(Plan).where(Plan.key == "38/KH-UBND")).one()
        tasks = session.exec(select(Task).where(Task.plan_id == plan.id)).all()
        assert len(tasks) == 30
    again = client.post(f"{preview_url}/commit", data={"csrf_token": csrf})
    assert again.status_code == 400 and "Không còn tệp tải lên này" in again.text
    assert not any((site.settings.uploads_dir / "imports").iterdir())


def test_cancel_drops_the_upload(site: Site) -> None:
    client, response = _upload(site, "kh.csv", (FIXTURES / "kien_tuong_3838_pl2.csv").read_bytes())
    url = response.headers["location"]
    csrf = client.get("/api/me").json()["csrf_token"]
    assert client.post(f"{url}/cancel", data={"csrf_token": csrf}).status_code == 303
    assert client.get(url).status_code == 400
    assert "38/KH-UBND" not in _plans(site)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ke-hoach.pdf", b"%PDF-1.4 ...", "chỉ nhận tệp .docx, .xlsx, .csv"),
        ("ke-hoach.exe", b"MZ\x90\x00", "chỉ nhận tệp .docx, .xlsx, .csv"),
        ("ke-hoach.docx", b"%PDF-1.4 not a word file", "không phải Word (.docx) như tên tệp ghi"),
        ("ke-hoach.xlsx", (FIXTURES / "kien_tuong_3838.docx").read_bytes(), "không phải Excel"),
        ("ke-hoach.csv", b"STT,Nhi\x00m v\x00", "không phải CSV"),
        ("ke-hoach.docx", b"", "không phải Word"),
    ],
    ids=["pdf", "exe", "pdf renamed docx", "docx renamed xlsx", "binary csv", "empty"],
)
def test_wrong_type_uploads_are_refused_and_nothing_kept(
    site: Site, name: str, content: bytes, message: str
) -> None:
    _, response = _upload(site, name, content)
    assert response.status_code == 400
    assert message in response.text or "rỗng" in response.text
    imports = site.settings.uploads_dir / "imports"
    assert not imports.exists() or not any(imports.iterdir())


def test_a_malformed_plan_is_refused_at_preview_with_its_location(site: Site) -> None:
    client, response = _upload(
        site, "not_a_docx.docx", (FIXTURES / "no_task_table.docx").read_bytes()
    )
    preview = client.get(response.headers["location"])
    assert preview.status_code == 400
    assert "no_task_table" in preview.text or "bảng" in preview.text
    assert not any((site.settings.uploads_dir / "imports").iterdir())


def test_oversized_uploads_are_refused(site: Site) -> None:
    site.settings.max_upload_mb = 1
    big = b"STT,Nhiem vu\n" + b"1,x\n" * 300_000  # ≈ 1.2 MB
    _, response = _upload(site, "lon.csv", big)
    assert response.status_code in (400, 413)
    assert "lớn quá 1 MB" in response.text


def test_far_too_large_a_body_is_refused_before_parsing(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    huge = b"x" * (12 * 1024 * 1024)
    response = client.post(
        "/import", data={"csrf_token": csrf}, files={"file": ("a.csv", huge, "text/csv")}
    )
    assert response.status_code == 413
    assert "lớn quá" in response.text


def test_the_api_imports_a_plan_in_two_steps(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    content = (FIXTURES / "kien_tuong_3838_pl2.xlsx").read_bytes()
    preview = client.post(
        "/api/imports",
        data=PLAN_FORM,
        files={"file": ("kh.xlsx", content, "application/octet-stream")},
        headers={"X-CSRF-Token": csrf},
    )
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert len(body["tasks"]) == 30 and body["tasks"][0]["findings"]
    assert "38/KH-UBND" not in _plans(site)
    done = client.post(f"/api/imports/{body['token']}/commit", headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200 and done.json()["created"] == 30
    assert "38/KH-UBND" in _plans(site)
    wrong = client.post(
        "/api/imports",
        files={"file": ("kh.xlsx", b"not a workbook", "application/octet-stream")},
        headers={"X-CSRF-Token": csrf},
    )
    assert wrong.status_code == 400 and "không phải Excel" in wrong.json()["detail"]
