"""Accounts on the web, on both databases: the administrator adds, disables, re-enables
accounts and sets passwords, only in its organization and never locking itself out;
every account changes its own password (the old one then fails); all audited."""

from __future__ import annotations

from html import unescape

from sqlmodel import Session, select
from web_support import PASSWORD, Site, csrf_of, login

from engine.store.models import AuditLog, UserAccount

NEW_PASSWORD = "mat-khau-moi-2024-xyz"


def _account(site: Site, username: str) -> UserAccount | None:
    with Session(site.engine) as session:
        return session.exec(select(UserAccount).where(UserAccount.username == username)).first()


def _can_login(site: Site, username: str, password: str) -> bool:
    client = site.client()
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
    )
    return response.status_code == 303


def test_the_administrator_adds_a_unit_head_who_can_log_in(site: Site) -> None:
    site.add("quantri")
    client = site.client()
    csrf = login(client, "quantri")

    page = client.get("/accounts").text
    assert "Võ Thanh Tùng" in page  # the directory's people to link to
    answer = client.post("/accounts", data={
        "csrf_token": csrf, "username": "tungvt", "role": "unit_head",
        "person": "tungvt@kientuong.example.vn", "password": NEW_PASSWORD,
    })  # fmt: skip

    assert answer.status_code == 200 and "Đã tạo tài khoản 'tungvt'" in unescape(answer.text)
    created = _account(site, "tungvt")
    assert created is not None and created.role == "unit_head" and created.person_id
    assert _can_login(site, "tungvt", NEW_PASSWORD)


def test_a_unit_head_without_a_person_is_refused_with_the_reason(site: Site) -> None:
    site.add("quantri")
    client = site.client()
    csrf = login(client, "quantri")

    answer = client.post("/accounts", data={
        "csrf_token": csrf, "username": "khongten", "role": "unit_head", "person": "",
        "password": NEW_PASSWORD,
    })  # fmt: skip

    assert answer.status_code == 400 and "cần gắn với một cán bộ trong danh mục" in unescape(
        answer.text
    )
    assert _account(site, "khongten") is None


def test_disable_enable_and_reset_a_password(site: Site) -> None:
    site.add("quantri")
    site.add("canbo")
    client = site.client()
    csrf = login(client, "quantri")

    client.post("/accounts/canbo/active", data={"csrf_token": csrf, "active": "no"})
    assert not _can_login(site, "canbo", PASSWORD)
    client.post("/accounts/canbo/active", data={"csrf_token": csrf, "active": "yes"})
    assert _can_login(site, "canbo", PASSWORD)
    reset = client.post(
        "/accounts/canbo/password", data={"csrf_token": csrf, "password": NEW_PASSWORD}
    )
    assert "Đã đặt mật khẩu mới cho 'canbo'" in unescape(reset.text)
    assert not _can_login(site, "canbo", PASSWORD) and _can_login(site, "canbo", NEW_PASSWORD)
    self_lock = client.post("/accounts/quantri/active", data={"csrf_token": csrf, "active": "no"})
    assert self_lock.status_code == 400 and "Không tự khóa" in unescape(self_lock.text)
    with Session(site.engine) as session:
        actions = {row.action for row in session.exec(select(AuditLog).where(
            AuditLog.entity == "user_account"))}  # fmt: skip
    assert {"disable", "enable", "update"} <= actions


def test_only_the_administrator_manages_accounts(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")

    assert client.get("/accounts").status_code == 403
    refused = client.post("/accounts", data={
        "csrf_token": csrf, "username": "moi", "role": "admin", "password": NEW_PASSWORD,
    })  # fmt: skip
    assert refused.status_code == 403 and _account(site, "moi") is None


def test_every_account_changes_its_own_password(site: Site) -> None:
    site.add("truongphong")
    client = site.client()
    csrf = login(client, "truongphong")

    wrong = client.post("/password", data={
        "csrf_token": csrf, "current": "sai-mat-khau-cu", "new": NEW_PASSWORD,
        "again": NEW_PASSWORD,
    })  # fmt: skip
    assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng" in unescape(wrong.text)
    changed = client.post("/password", data={
        "csrf_token": csrf, "current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD,
    })  # fmt: skip

    assert changed.status_code == 303 and changed.headers["location"] == "/login?changed=1"
    assert client.get("/tasks").status_code == 303  # the session ended
    assert not _can_login(site, "truongphong", PASSWORD)
    assert _can_login(site, "truongphong", NEW_PASSWORD)
