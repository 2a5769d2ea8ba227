"""Accounts on the web, on both databases: the administrator adds, disables, re-enables
accounts and sets passwords (typed twice), only in its organization and never locking itself
out; every account changes its own password (the old one then fails) and chooses how its
person hears of their work; all audited."""

from __future__ import annotations

from html import unescape

import pytest
from sqlmodel import Session, select
from web_support import PASSWORD, Site, csrf_of, followed, login

from engine.store.models import AuditLog, Person, UserAccount

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
    answer = followed(client, client.post("/accounts", data={
        "csrf_token": csrf, "username": "tungvt", "role": "unit_head",
        "person": "tungvt@kientuong.example.vn", "password": NEW_PASSWORD, "again": NEW_PASSWORD,
    }))  # fmt: skip

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
        "password": NEW_PASSWORD, "again": NEW_PASSWORD,
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
    reset = followed(client, client.post(
        "/accounts/canbo/password",
        data={"csrf_token": csrf, "password": NEW_PASSWORD, "again": NEW_PASSWORD},
    ))  # fmt: skip
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
        "again": NEW_PASSWORD,
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

    assert "Đã đổi mật khẩu: đăng nhập lại bằng mật khẩu mới." in followed(client, changed).text
    assert client.get("/tasks").status_code == 303  # the session ended
    assert not _can_login(site, "truongphong", PASSWORD)
    assert _can_login(site, "truongphong", NEW_PASSWORD)


def _audit(site: Site, entity: str, action: str) -> list[AuditLog]:
    with Session(site.engine) as session:
        query = select(AuditLog).where(AuditLog.entity == entity, AuditLog.action == action)
        return list(session.exec(query))


def test_a_password_is_typed_twice_or_nothing_changes(site: Site) -> None:
    site.add("quantri")
    site.add("canbo")
    client = site.client()
    csrf = login(client, "quantri")
    page = client.get("/accounts").text
    assert page.count('name="again"') == 2  # the new account's and canbo's new password

    added = client.post("/accounts", data={
        "csrf_token": csrf, "username": "quantri2", "role": "admin",
        "password": NEW_PASSWORD, "again": NEW_PASSWORD + "x",
    })  # fmt: skip
    assert added.status_code == 400
    assert "Hai lần nhập mật khẩu không khớp nhau." in unescape(added.text)
    assert "again: nhập lại đúng mật khẩu mới" in unescape(added.text)
    assert _account(site, "quantri2") is None
    reset = client.post("/accounts/canbo/password", data={
        "csrf_token": csrf, "password": NEW_PASSWORD, "again": "khac-hoan-toan-2024",
    })  # fmt: skip
    assert reset.status_code == 400 and "không khớp" in unescape(reset.text)
    assert _can_login(site, "canbo", PASSWORD) and not _can_login(site, "canbo", NEW_PASSWORD)

    own = site.client()
    own_csrf = login(own, "canbo")
    changed = own.post("/password", data={
        "csrf_token": own_csrf, "current": PASSWORD, "new": NEW_PASSWORD, "again": "khac-2024-abc",
    })  # fmt: skip
    assert changed.status_code == 400 and "không khớp" in unescape(changed.text)
    assert _can_login(site, "canbo", PASSWORD)


def test_the_administrator_changes_a_role_audited_and_the_sessions_end(site: Site) -> None:
    site.add("quantri")
    site.add("truongphong")  # the head of Phòng Tư pháp
    head = site.client()
    login(head, "truongphong")
    client = site.client()
    csrf = login(client, "quantri")
    page = unescape(client.get("/accounts").text)
    assert 'action="/accounts/truongphong/role"' in page and "Đổi vai trò" in page

    answer = followed(client, client.post("/accounts/truongphong/role", data={
        "csrf_token": csrf, "role": "officer", "person": "tungvt@kientuong.example.vn",
    }))  # fmt: skip

    assert answer.status_code == 200, answer.text
    assert "Đã đổi vai trò của 'truongphong' thành Cán bộ" in unescape(answer.text)
    account = _account(site, "truongphong")
    assert account is not None and account.role == "officer"
    rows = _audit(site, "user_account", "role")
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [("role", "unit_head", "officer")]
    assert rows[0].actor == "quantri"
    assert head.get("/tasks").status_code == 303  # its session ended: log in again


@pytest.mark.parametrize(
    ("role", "person", "message"),
    [
        ("unit_head", "linhntm@kientuong.example.vn",
         "Nguyễn Thị Mỹ Linh (Chuyên viên) không phải thủ trưởng hoặc phó thủ trưởng"),
        ("chairman", "tungvt@kientuong.example.vn",
         "Võ Thanh Tùng (Trưởng phòng) không phải Chủ tịch"),
        ("vice_chairman", "", "cần gắn với một cán bộ trong danh mục"),
        ("standing_office", "tungvt@kientuong.example.vn",
         "không thuộc cơ quan thường trực (phong-noi-vu)"),
        ("officer", "chutich@kientuong.example.vn", "không thuộc đơn vị nào trong danh mục"),
    ],
    ids=["unit head not a head", "chairman", "no person", "standing office", "officer"],
)  # fmt: skip
def test_a_role_that_does_not_fit_the_directory_person_is_refused(
    site: Site, role: str, person: str, message: str
) -> None:
    site.add("quantri")
    site.add("canbo")
    client = site.client()
    csrf = login(client, "quantri")

    answer = client.post(
        "/accounts/canbo/role", data={"csrf_token": csrf, "role": role, "person": person}
    )

    assert answer.status_code == 400 and message in unescape(answer.text)
    account = _account(site, "canbo")
    assert account is not None and account.role == "officer"
    assert _audit(site, "user_account", "role") == []


def test_the_administrator_does_not_change_its_own_role(site: Site) -> None:
    site.add("quantri")
    client = site.client()
    csrf = login(client, "quantri")
    answer = client.post("/accounts/quantri/role", data={"csrf_token": csrf, "role": "officer"})
    assert answer.status_code == 400 and "Không tự đổi vai trò" in unescape(answer.text)


def _person(site: Site, email: str) -> Person:
    with Session(site.engine) as session:
        return session.exec(select(Person).where(Person.email == email)).one()


LINH = "linhntm@kientuong.example.vn"


def test_an_officer_chooses_how_to_hear_of_its_work(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    csrf = login(client, "canbo")
    page = unescape(client.get("/account").text)
    assert "Tài khoản của tôi" in page and "Nhận thông báo" in page
    assert "Gộp vào thư tổng hợp hằng ngày" in page and "Theo mặc định của cơ quan" in page

    saved = followed(client, client.post("/account/preferences", data={
        "csrf_token": csrf, "channel": "both", "email_mode": "digest",
        "phone": "+84 987 654 321", "zalo": "",
    }))  # fmt: skip

    assert saved.status_code == 200 and "Đã lưu cách nhận thông báo." in unescape(saved.text)
    person = _person(site, LINH)
    assert (person.channel, person.email_mode, person.phone, person.zalo) == (
        "both", "digest", "0987654321", ""
    )  # fmt: skip
    changes = {r.field: (r.old_value, r.new_value) for r in _audit(site, "person", "update")}
    assert changes["channel"] == ("", "both") and changes["phone"] == ("", "0987654321")
    again = client.get("/account").text
    assert 'value="0987654321"' in again
    assert "Đã lưu cách nhận thông báo." not in again  # shown once


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"channel": "zalo", "phone": "", "zalo": ""}, "ghi số Zalo (hoặc số điện thoại)"),
        ({"channel": "email", "phone": "0123 456"}, "không phải số di động Việt Nam"),
        ({"channel": "email", "zalo": "+1 555 0100"}, "zalo: '+1 555 0100' không phải"),
        ({"channel": "fax"}, "channel: chọn một cách nhận thông báo"),
    ],
    ids=["zalo without a number", "bad phone", "foreign zalo", "unknown channel"],
)
def test_preferences_that_cannot_work_are_refused(
    site: Site, form: dict[str, str], message: str
) -> None:
    site.add("canbo")
    client = site.client()
    csrf = login(client, "canbo")

    refused = client.post("/account/preferences", data={"csrf_token": csrf, **form})

    assert refused.status_code == 400 and message in unescape(refused.text)
    person = _person(site, LINH)
    assert (person.channel, person.phone, person.zalo) == ("", "", "")
    assert _audit(site, "person", "update") == []


def test_an_account_without_a_person_is_told_why_it_has_no_preferences(site: Site) -> None:
    site.add("quantri")
    client = site.client()
    csrf = login(client, "quantri")
    page = unescape(client.get("/account").text)
    assert "không gắn với cán bộ nào trong danh mục" in page
    assert 'action="/account/preferences"' not in page
    refused = client.post("/account/preferences", data={"csrf_token": csrf, "channel": "email"})
    assert refused.status_code == 400
    assert client.get("/api/me/preferences").status_code == 404


def test_preferences_through_the_api(site: Site) -> None:
    site.add("truongphong")
    client = site.client()
    csrf = login(client, "truongphong")
    assert client.get("/api/me/preferences").json() == {
        "person": "Võ Thanh Tùng", "channel": "", "email_mode": "", "phone": "", "zalo": "",
    }  # fmt: skip

    saved = client.put("/api/me/preferences", headers={"X-CSRF-Token": csrf}, json={
        "channel": "zalo", "email_mode": "immediate", "phone": "0912.345.678",
        "zalo": "84 988 777 666",
    })  # fmt: skip
    assert saved.status_code == 200, saved.text
    assert saved.json()["zalo"] == "0988777666" and saved.json()["phone"] == "0912345678"
    refused = client.put("/api/me/preferences", headers={"X-CSRF-Token": csrf}, json={
        "channel": "zalo", "phone": "", "zalo": "",
    })  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["problems"][0]["field"] == "zalo"
    no_csrf = client.put("/api/me/preferences", json={"channel": "email"})
    assert no_csrf.status_code == 403
    assert client.get("/api/me/preferences").json()["channel"] == "zalo"
