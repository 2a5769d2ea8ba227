"""What an attacker or a curious visitor meets: the API's description behind a login, pages
never cached, HSTS over HTTPS, a login CSRF token a planted cookie cannot match, free texts
bounded, and every failure answered in Vietnamese (404, 405, 422, 500)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from web_support import PASSWORD, Site, csrf_of, login

import engine.web
from engine.store.models import ProgressReport
from engine.web.app import compile_pages, create_app

DOCS = ("/docs", "/redoc", "/openapi.json")


def _app_with(site: Site, **settings: object) -> TestClient:
    changed = site.settings.model_copy(update=settings)
    app = create_app(changed, engine=site.engine, clock=site.app.state.web.clock)
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


def test_the_api_description_needs_a_login(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    for path in DOCS:
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"
    login(client, "canbo")
    for path in DOCS:
        assert client.get(path).status_code == 200, path
    assert "/api/tasks" in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(("setting", "status"), [("public", 200), ("off", 404)])
def test_the_api_description_can_be_public_or_off(site: Site, setting: str, status: int) -> None:
    client = _app_with(site, api_docs=setting)
    for path in DOCS:
        assert client.get(path).status_code == status, path


def test_pages_and_answers_are_never_cached(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")
    for path in ("/tasks", "/api/me", "/account", "/docs", "/login"):
        assert client.get(path).headers["cache-control"] == "no-store", path
    assert "cache-control" not in client.get("/static/style.css").headers


def test_hsts_only_when_cookies_are_secure(site: Site) -> None:
    assert "strict-transport-security" not in site.client().get("/login").headers
    secure = _app_with(site, cookie_secure=True)
    assert secure.get("/login").headers["strict-transport-security"] == "max-age=31536000"


def test_a_route_s_own_header_is_kept_and_a_413_carries_the_headers(site: Site) -> None:
    client = _app_with(site, max_upload_mb=1)
    assert client.get("/static/style.css").headers["x-frame-options"] == "DENY"
    answer = client.post("/login", content=b"x" * (3 * 1024 * 1024))
    assert answer.status_code == 413
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"


def test_every_page_template_is_compiled_before_the_first_request(site: Site) -> None:
    env = site.app.state.web.templates.env
    pages = sorted(p.name for p in (Path(engine.web.__file__).parent / "templates").glob("*.html"))
    assert compile_pages(site.app) == len(pages)
    cached = {template.name for template in env.cache.values()}
    assert set(pages) <= cached


def test_a_planted_login_cookie_does_not_pass_the_csrf_check(site: Site) -> None:
    """The attacker sets the pre-login cookie (from a sibling subdomain) and sends the same
    value in the form: a plain double submit took it; the signed token does not."""
    site.add("canbo")
    client = site.client()
    client.cookies.set("sauro_login_csrf", "gia-tri-cua-ke-tan-cong", path="/login")
    data = {"username": "canbo", "password": PASSWORD, "csrf_token": "gia-tri-cua-ke-tan-cong"}
    refused = client.post("/login", data=data)
    assert refused.status_code == 403 and "CSRF" in refused.text
    # The form's token is the signature of the cookie's nonce, not the nonce.
    fresh = site.client()
    token = csrf_of(fresh.get("/login").text)
    nonce = str(fresh.cookies.get("sauro_login_csrf"))
    assert token != nonce
    other = _app_with(site)  # another secret: the same nonce signs differently
    other.cookies.set("sauro_login_csrf", nonce)
    assert csrf_of(other.get("/login").text) != token
    accepted = fresh.post("/login", data={**data, "csrf_token": token})
    assert accepted.status_code == 303


def test_a_nine_megabyte_progress_note_is_refused(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    csrf = login(client, "canbo")
    task_id = site.task_id("2.1")
    huge = "Da lam. " * (9 * 1024 * 1024 // 8)  # 9 MB, under the 11 MB a request may be

    api = client.post(
        f"/api/tasks/{task_id}/progress",
        json={"percent": 10, "note": huge},
        headers={"X-CSRF-Token": csrf},
    )
    form = client.post(
        f"/tasks/{task_id}/progress", data={"percent": "10", "note": huge, "csrf_token": csrf}
    )
    page = client.post(
        f"/tasks/{task_id}/progress",
        data={"percent": "10", "note": "x" * 4001, "csrf_token": csrf},
    )

    assert api.status_code == 400
    assert api.json()["problems"] == [
        {"where": "ghi chú tiến độ", "file": None, "row": None, "column": None,
         "field": "ghi chú tiến độ", "message": "dài 9.437.183 ký tự, tối đa 4.000 ký tự"}
    ]  # fmt: skip
    assert form.status_code == 400  # the form parser refuses a field past 1 MB first
    assert "Một ô của biểu mẫu dài quá 1024 KB: không được nhận." in form.text
    assert page.status_code == 400
    assert "ghi chú tiến độ: dài 4.001 ký tự, tối đa 4.000 ký tự" in page.text
    assert len(page.content) < 100_000
    with Session(site.engine) as session:
        assert session.exec(select(ProgressReport)).all() == []
    shown = client.get(f"/tasks/{task_id}")
    assert 'maxlength="4000"' in shown.text


def test_an_unknown_page_is_a_vietnamese_page(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    for anonymous in (True, False):
        if not anonymous:
            login(client, "canbo")
        page = client.get("/khong-co-trang-nay")
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "Không có trang nào ở địa chỉ này." in page.text and "Not Found" not in page.text
        api = client.get("/api/khong-co")
        assert api.status_code == 404
        assert api.json() == {"detail": "Không có địa chỉ này trong API."}


def test_a_wrong_method_and_no_login_answer_in_vietnamese(site: Site) -> None:
    client = site.client()
    assert client.get("/api/tasks").json() == {"detail": "Chưa đăng nhập."}
    page = client.put("/login")
    assert page.status_code == 405 and "Method Not Allowed" not in page.text
    assert "Địa chỉ này không nhận yêu cầu kiểu này." in page.text
    assert client.put("/api/tasks").json() == {"detail": "Địa chỉ này không nhận yêu cầu kiểu này."}


def test_a_validation_error_names_the_field_in_vietnamese(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    csrf = login(client, "canbo")
    task_id = site.task_id("2.1")
    response = client.post(
        f"/api/tasks/{task_id}/progress",
        json={"percent": "mười"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Dữ liệu gửi lên không hợp lệ (tỷ lệ hoàn thành: cần một số nguyên)."
    assert body["problems"] == [
        {"field": "percent", "label": "tỷ lệ hoàn thành", "where": "thân yêu cầu",
         "message": "cần một số nguyên"}
    ]  # fmt: skip
    assert "Input should be" not in response.text and "Field required" not in response.text
    page = client.get("/tasks/999999999999")
    assert page.status_code == 422
    assert "mã nhiệm vụ: phải không quá 2147483647" in page.text


def test_an_unexpected_error_is_a_vietnamese_page(site: Site) -> None:
    site.add("canbo")

    def broken() -> None:
        raise RuntimeError("internal detail")

    site.app.add_api_route("/api/hong", broken)
    site.app.add_api_route("/hong", broken)
    client = TestClient(site.app, raise_server_exceptions=False)
    api = client.get("/api/hong")
    page = client.get("/hong")
    assert api.status_code == 500 and page.status_code == 500
    assert api.json()["detail"].startswith("Máy chủ gặp lỗi ngoài dự kiến")
    assert "Máy chủ gặp lỗi ngoài dự kiến" in page.text
    assert "internal detail" not in page.text + api.text
    assert "Internal Server Error" not in page.text + api.text
    assert page.headers["cache-control"] == api.headers["cache-control"] == "no-store"
