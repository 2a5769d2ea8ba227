"""A forgotten password through the real pages, a real SMTP server and both databases: the
mailed link works once and for 30 minutes, the answer never tells whether an account
exists, and quick repeated requests are throttled without saying so."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import unescape

import pytest
from fastapi.testclient import TestClient
from reminder_support import mail_server, smtp_settings
from smtp_support import SmtpTestServer
from sqlmodel import Session, select
from web_support import NOW, PASSWORD, Site, csrf_of, followed

from engine.directory.password_reset import ANSWER, INVALID_LINK
from engine.store.db import session_scope
from engine.store.models import AuditLog, PasswordReset, UserAccount, UserSession
from engine.web.app import create_app

NEW_PASSWORD = "mat-khau-dat-lai-2024"
LINH = "linhntm@kientuong.example.vn"  # the person of the account "canbo"
_LINK = re.compile(r"http://127\.0\.0\.1:8000/password/reset\?token=([A-Za-z0-9_\-]+)")


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Mailing:
    """The site's app on a movable clock, mailing through a real SMTP server."""

    site: Site
    server: SmtpTestServer
    clock: Clock

    def client(self) -> TestClient:
        app = create_app(
            self.site.settings, engine=self.site.engine, clock=self.clock,
            smtp=smtp_settings(self.server),
        )  # fmt: skip
        return TestClient(app, base_url="http://testserver", follow_redirects=False)

    def tokens(self) -> list[str]:
        """The tokens of the mails received so far, in order."""
        found = []
        for received in self.server.handler.received:
            body = received.message.get_body(("plain",))
            assert body is not None
            match = _LINK.search(body.get_content())
            assert match, body.get_content()
            found.append(match.group(1))
        return found


@pytest.fixture
def mailing(site: Site) -> Iterator[Mailing]:
    server = mail_server()
    server.start()
    try:
        yield Mailing(site, server, Clock())
    finally:
        server.stop()


def _ask(client: TestClient, who: str) -> str:
    """Ask for a reset of ``who`` through the form; the text of the page its redirect leads
    to (always the same)."""
    form = client.get("/password/forgot")
    answer = client.post("/password/forgot", data={"who": who, "csrf_token": csrf_of(form.text)})
    return followed(client, answer).text


def _reset(client: TestClient, token: str, new: str, again: str | None = None) -> object:
    form = client.get("/password/forgot")  # any form of /password gives the CSRF cookie
    return client.post(
        "/password/reset",
        data={"token": token, "new": new, "again": new if again is None else again,
              "csrf_token": csrf_of(form.text)},
    )  # fmt: skip


def _can_login(client: TestClient, username: str, password: str) -> bool:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
    )
    return response.status_code == 303


def _account(site: Site, username: str) -> UserAccount:
    with Session(site.engine) as session:
        return session.exec(select(UserAccount).where(UserAccount.username == username)).one()


def test_the_login_page_offers_the_forgotten_password_form(mailing: Mailing) -> None:
    client = mailing.client()
    assert 'href="/password/forgot"' in client.get("/login").text
    form = client.get("/password/forgot")
    assert form.status_code == 200 and "Tên đăng nhập hoặc địa chỉ thư" in form.text
    no_cookie = mailing.client().post("/password/forgot", data={"who": "canbo"})
    assert no_cookie.status_code == 403 and mailing.server.handler.received == []


def test_a_mailed_link_sets_the_password_once_and_unlocks_the_account(mailing: Mailing) -> None:
    site = mailing.site
    site.add("canbo")
    other = mailing.client()
    assert _can_login(other, "canbo", PASSWORD)  # a session that the reset will end
    with session_scope(site.engine) as session:  # locked by failed logins
        account = session.exec(select(UserAccount).where(UserAccount.username == "canbo")).one()
        account.failed_logins, account.locked_until = 0, NOW + timedelta(minutes=15)
    client = mailing.client()

    assert ANSWER in unescape(_ask(client, "canbo"))

    [received] = mailing.server.handler.received
    message = received.message
    assert received.rcpt_tos == [LINH] and message["Subject"] == "[Sáu Rõ] Đặt lại mật khẩu"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "có hiệu lực 30 phút, đến 09:30 ngày 10/06/2024 (giờ Việt Nam)" in text
    assert "«canbo»" in text and "Nguyễn Thị Mỹ Linh" in text
    [token] = mailing.tokens()
    with Session(site.engine) as session:
        [row] = session.exec(select(PasswordReset)).all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.used_at is None
    assert row.expires_at == NOW + timedelta(minutes=30)

    form = client.get(f"/password/reset?token={token}")
    assert form.status_code == 200 and 'name="again"' in form.text
    mismatch = _reset(client, token, NEW_PASSWORD, "mot-mat-khau-khac-2024")
    assert mismatch.status_code == 400  # type: ignore[attr-defined]
    assert "không khớp" in unescape(mismatch.text)  # type: ignore[attr-defined]
    done = _reset(client, token, NEW_PASSWORD)  # the token was not spent by the mismatch

    assert done.status_code == 303  # type: ignore[attr-defined]
    assert done.headers["location"] == "/login"  # type: ignore[attr-defined]
    assert "Đã đặt lại mật khẩu" in unescape(client.get("/login").text)
    assert other.get("/tasks").status_code == 303  # the old session ended
    assert _can_login(client, "canbo", NEW_PASSWORD)  # unlocked, with the new password
    assert not _can_login(client, "canbo", PASSWORD)
    with Session(site.engine) as session:
        audit = session.exec(select(AuditLog).where(AuditLog.action == "reset")).all()
        assert session.exec(select(UserSession)).all() != []  # only the new login's
    assert [(a.entity, a.field, a.actor) for a in audit] == [("user_account", "password", "canbo")]
    assert NEW_PASSWORD not in (audit[0].new_value or "")

    for reused in (client.get(f"/password/reset?token={token}"), _reset(client, token, "x" * 12)):
        assert reused.status_code == 400  # type: ignore[attr-defined]
        page = unescape(reused.text)  # type: ignore[attr-defined]
        assert INVALID_LINK in page and 'href="/password/forgot"' in page
    assert _can_login(client, "canbo", NEW_PASSWORD)


def test_a_new_request_by_e_mail_spends_none_but_a_reset_spends_every_earlier_link(
    mailing: Mailing,
) -> None:
    mailing.site.add("canbo")
    client = mailing.client()
    _ask(client, "canbo")
    _ask(client, LINH.upper())  # the person's e-mail, in any case
    first, second = mailing.tokens()
    assert len(mailing.server.handler.received) == 2 and first != second
    assert client.get(f"/password/reset?token={first}").status_code == 200

    assert _reset(client, second, NEW_PASSWORD).status_code == 303  # type: ignore[attr-defined]

    spent = _reset(client, first, "mat-khau-thu-ba-2024")
    assert spent.status_code == 400  # type: ignore[attr-defined]
    assert INVALID_LINK in unescape(spent.text)  # type: ignore[attr-defined]
    assert _can_login(client, "canbo", NEW_PASSWORD)


def test_a_link_expires_after_thirty_minutes(mailing: Mailing) -> None:
    mailing.site.add("canbo")
    client = mailing.client()
    _ask(client, "canbo")
    [token] = mailing.tokens()

    mailing.clock.now = NOW + timedelta(minutes=29, seconds=59)
    assert client.get(f"/password/reset?token={token}").status_code == 200
    mailing.clock.now = NOW + timedelta(minutes=30)
    expired = client.get(f"/password/reset?token={token}")
    refused = _reset(client, token, NEW_PASSWORD)

    assert expired.status_code == 400 and INVALID_LINK in unescape(expired.text)
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert INVALID_LINK in unescape(refused.text)  # type: ignore[attr-defined]
    assert _can_login(client, "canbo", PASSWORD)
    unknown = client.get("/password/reset?token=khong-phai-ma-that")
    assert unknown.status_code == 400 and INVALID_LINK in unescape(unknown.text)


def test_the_answer_is_the_same_whether_the_account_exists_or_not(mailing: Mailing) -> None:
    site = mailing.site
    site.add("canbo")
    site.add("quantri")  # no directory person, so no address
    site.add("truongphong")
    with session_scope(site.engine) as session:  # disabled: gets nothing either
        account = session.exec(
            select(UserAccount).where(UserAccount.username == "truongphong")
        ).one()
        account.active = False
    client = mailing.client()

    known = _ask(client, "canbo")
    others = [_ask(client, who) for who in ("khong-co-ai", "ai@nowhere.example", "quantri",
                                             "truongphong")]  # fmt: skip

    assert all(text == known for text in others)  # byte for byte, with the same status
    assert [r.rcpt_tos for r in mailing.server.handler.received] == [[LINH]]
    with Session(site.engine) as session:  # every request recorded alike (for throttling)
        rows = session.exec(select(PasswordReset)).all()
    assert len(rows) == 5 and [r.user_id is not None for r in rows] == [True] + [False] * 4


def test_twenty_quick_requests_are_throttled_without_saying_so(mailing: Mailing) -> None:
    site = mailing.site
    site.add("canbo")
    site.add("truongphong")
    client = mailing.client()

    answers = {_ask(client, "canbo") for _ in range(20)}
    assert len(answers) == 1 and ANSWER in unescape(answers.pop())
    assert len(mailing.server.handler.received) == 5  # SAURO_RESET_MAX_PER_NAME
    for number in range(15):  # 5 + 15: the address's 20 within the hour
        _ask(client, f"khong-co-ai-{number}")
    _ask(client, "truongphong")  # a known account, but this address is throttled now
    assert len(mailing.server.handler.received) == 5

    mailing.clock.now = NOW + timedelta(minutes=61)
    _ask(client, "truongphong")
    _ask(client, "canbo")
    assert [r.rcpt_tos[0] for r in mailing.server.handler.received[5:]] == [
        "tungvt@kientuong.example.vn", LINH
    ]  # fmt: skip


def test_a_redelivery_of_the_same_request_sends_nothing(mailing: Mailing) -> None:
    """One ledger key per request: delivering the same reset mail again is skipped."""
    import asyncio

    from engine.directory.password_reset import ResetMail, reset_message
    from notifications.delivery import deliver_with_settings
    from notifications.ledger import DatabaseLedger

    mailing.site.add("canbo")
    _ask(mailing.client(), "canbo")
    with Session(mailing.site.engine) as session:
        [row] = session.exec(select(PasswordReset)).all()
    again = reset_message(
        ResetMail(row.id or 0, "t", "canbo", "Nguyễn Thị Mỹ Linh", LINH, row.expires_at),
        link="http://127.0.0.1:8000/password/reset?token=t",
    )
    report = asyncio.run(
        deliver_with_settings(
            [again], smtp_settings(mailing.server), ledger=DatabaseLedger(mailing.site.engine)
        )
    )
    assert report.skipped and len(mailing.server.handler.received) == 1
