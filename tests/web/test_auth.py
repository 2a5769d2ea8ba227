"""Logging in and out through the real forms: cookies, CSRF, throttling, disabled accounts."""

from __future__ import annotations

from datetime import timedelta

from web_support import NOW, PASSWORD, SETUP, Site, csrf_of, login

from engine.directory.accounts import disable_user
from engine.store.db import session_scope


def test_login_sets_an_httponly_lax_session_cookie_and_lands_by_role(site: Site) -> None:
    site.add("chutich")
    client = site.client()
    form = client.get("/login")
    assert form.status_code == 200
    assert 'name="viewport"' in form.text and "Đăng nhập" in form.text
    response = client.post(
        "/login",
        data={"username": "chutich", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "sauro_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/").headers["location"] == "/dashboard"


def test_pages_need_a_login(site: Site) -> None:
    response = site.client().get("/tasks")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/tasks"
    assert site.client().get("/api/tasks").status_code == 401


def test_login_form_without_its_csrf_cookie_is_refused(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    response = client.post("/login", data={"username": "canbo", "password": PASSWORD})
    assert response.status_code == 403
    assert "CSRF" in response.text


def test_wrong_password_says_so_without_telling_which(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    token = csrf_of(client.get("/login").text)
    for username in ("canbo", "khong-co-ai"):
        response = client.post(
            "/login", data={"username": username, "password": "sai-mat-khau-1", "csrf_token": token}
        )
        assert response.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text


def test_five_failures_lock_the_username_for_fifteen_minutes(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        client.post("/login", data={"username": "canbo", "password": "x" * 12, "csrf_token": token})
    response = client.post(
        "/login", data={"username": "canbo", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Tài khoản tạm khóa" in response.text
    later = site.client()
    site.app.state.web.clock = lambda: NOW + timedelta(minutes=16)
    login(later, "canbo")  # the lock has passed


def test_too_many_failures_from_one_address_refuse_it(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    token = csrf_of(client.get("/login").text)
    for n in range(20):
        client.post(
            "/login", data={"username": f"doan-{n}", "password": "x" * 12, "csrf_token": token}
        )
    response = client.post(
        "/login", data={"username": "canbo", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 401
    assert "quá nhiều lần đăng nhập sai từ địa chỉ này" in response.text


def test_logout_ends_the_session_on_the_server(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    token = login(client, "canbo")
    stolen = client.cookies.get("sauro_session")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    replay = site.client()
    replay.cookies.set("sauro_session", stolen or "")
    assert replay.get("/tasks").status_code == 303


def test_disabling_an_account_ends_its_sessions(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    login(client, "canbo")
    with session_scope(site.engine) as session:
        disable_user(session, username="canbo", actor=SETUP, now=NOW)
    assert client.get("/tasks").status_code == 303


def test_forged_or_missing_csrf_is_refused_on_every_unsafe_request(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    login(client, "canbo")
    task = site.task_id("2.1")
    for data in ({}, {"csrf_token": "gia-mao"}):
        response = client.post(f"/tasks/{task}/progress", data={"percent": "10", **data})
        assert response.status_code == 403
        assert "chống giả mạo (CSRF)" in response.text
    api = client.post(f"/api/tasks/{task}/progress", json={"percent": 10})
    assert api.status_code == 403
    forged = client.post(
        f"/api/tasks/{task}/progress", json={"percent": 10}, headers={"X-CSRF-Token": "sai"}
    )
    assert forged.status_code == 403


def test_a_multipart_form_without_csrf_is_refused_and_nothing_stored(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")
    response = client.post(
        "/import", files={"file": ("kh.csv", b"STT,Nhiem vu\n1,x\n", "text/csv")}
    )
    assert response.status_code == 403
    assert not (site.settings.uploads_dir / "imports").exists()


def test_login_never_redirects_off_the_site(site: Site) -> None:
    site.add("canbo")
    for target in ("//evil.example", "https://evil.example", "/\\evil.example"):
        client = site.client()
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login",
            data={"username": "canbo", "password": PASSWORD, "csrf_token": token, "next": target},
        )
        assert response.headers["location"] == "/"
