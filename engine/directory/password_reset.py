"""A forgotten password ("Quên mật khẩu"): a one-use link mailed to the account's person.

``request_reset`` records every request, for a known account or not, so that throttling by
name and by client address treats both alike and says nothing of who exists; only a known,
active account whose directory person has an e-mail address gets a ``ResetMail``. The
token is ``secrets.token_urlsafe(32)``; only its SHA-256 is stored. ``reset_message`` is the
mail (pure). ``reset_password`` spends a token once, before it expires: the account gets the
new password (unlocked, its sessions ended, audited as "reset") and every other outstanding
token of the account is spent too.

The clock is an argument (``now``) throughout; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.calendar.status import VN
from engine.directory.accounts import check_confirmation, set_password
from engine.errors import SauroError
from engine.store.audit import Actor
from engine.store.models import PasswordReset, Person, UserAccount
from notifications.addresses import Mailbox
from notifications.outgoing import OutgoingMessage

VALID_MINUTES = 30
INVALID_LINK = (
    "Liên kết đặt lại mật khẩu không còn hiệu lực (đã dùng, đã hết hạn hoặc không đúng). "
    "Hãy yêu cầu một liên kết mới."
)
ANSWER = (
    "Nếu tài khoản tồn tại và có địa chỉ thư, một thư hướng dẫn đặt lại mật khẩu đã được gửi "
    f"đến địa chỉ thư của cán bộ gắn với tài khoản. Liên kết trong thư có hiệu lực "
    f"{VALID_MINUTES} phút và chỉ dùng được một lần."
)


class ResetLinkError(SauroError):
    """The reset link is unknown, used or expired (one message for all three)."""

    def __init__(self) -> None:
        super().__init__(INVALID_LINK)


@dataclass(frozen=True)
class ResetPolicy:
    """How many requests one name and one client address may make within ``window``."""

    max_per_name: int = 5
    max_per_ip: int = 20
    window_minutes: int = 60

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.window_minutes)


@dataclass(frozen=True)
class ResetMail:
    """What the mail of one request needs (the token exists only here and in the mail)."""

    request_id: int
    token: str
    username: str
    person: str
    email: str
    expires_at: datetime


def token_hash(token: str) -> str:
    """The SHA-256 (hex) of a token: what is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def request_reset(
    session: Session, *, who: str, ip: str, policy: ResetPolicy, now: datetime
) -> ResetMail | None:
    """Record a request for the account named ``who`` (its username, or its person's
    e-mail) from ``ip``. None when throttled (nothing recorded), when no active account
    matches, or when its person has no e-mail: the caller answers the same either way."""
    name = who.strip().lower()[:64]
    if not name or _throttled(session, name=name, ip=ip[:64], policy=policy, now=now):
        return None
    found = _account(session, name)
    token = secrets.token_urlsafe(32)
    row = PasswordReset(
        token_hash=token_hash(token),
        user_id=found[0].id if found else None,
        username=name,
        ip=ip[:64],
        created_at=now,
        expires_at=now + timedelta(minutes=VALID_MINUTES),
    )
    session.add(row)
    session.flush()
    if found is None or not found[1].email:
        return None
    account, person = found
    request_id = row.id or 0
    return ResetMail(request_id, token, account.username, person.name, person.email, row.expires_at)


def _throttled(session: Session, *, name: str, ip: str, policy: ResetPolicy, now: datetime) -> bool:
    since = now - policy.window
    recent = select(sa.func.count()).select_from(PasswordReset)
    recent = recent.where(col(PasswordReset.created_at) >= since)
    by_name = session.exec(recent.where(PasswordReset.username == name)).one()
    by_ip = session.exec(recent.where(PasswordReset.ip == ip)).one()
    return int(by_name) >= policy.max_per_name or int(by_ip) >= policy.max_per_ip


def _account(session: Session, name: str) -> tuple[UserAccount, Person] | None:
    """The active account named ``name`` (else the only active one whose person has that
    e-mail), with its person; None without a person."""
    query = (
        select(UserAccount, Person)
        .join(Person, col(Person.id) == col(UserAccount.person_id))
        .where(col(UserAccount.active))
    )
    by_name = session.exec(query.where(UserAccount.username == name)).first()
    if by_name is not None:
        return by_name[0], by_name[1]
    by_email = session.exec(query.where(sa.func.lower(Person.email) == name).limit(2)).all()
    return (by_email[0][0], by_email[0][1]) if len(by_email) == 1 else None


def reset_message(mail: ResetMail, *, link: str) -> OutgoingMessage:
    """The reset mail to the account's person, carrying ``link`` (the absolute address of
    ``/password/reset?token=…``). One ledger key per request: a retry never sends twice."""
    until = mail.expires_at.astimezone(VN)
    text = "\n".join(
        [
            f"Kính gửi {mail.person},",
            "",
            f"Hệ thống Sáu Rõ nhận được yêu cầu đặt lại mật khẩu của tài khoản "
            f"«{mail.username}». Để đặt mật khẩu mới, mở liên kết sau:",
            "",
            link,
            "",
            f"Liên kết chỉ dùng được một lần và có hiệu lực {VALID_MINUTES} phút, đến "
            f"{until:%H:%M} ngày {until:%d/%m/%Y} (giờ Việt Nam).",
            "",
            "Nếu không phải bạn yêu cầu, hãy bỏ qua thư này: mật khẩu hiện tại không thay đổi.",
            "",
            "Sáu Rõ",
        ]
    )
    return OutgoingMessage(
        to=(Mailbox(mail.email, mail.person),),
        subject="[Sáu Rõ] Đặt lại mật khẩu",
        text=text + "\n",
        ledger_keys=(f"password-reset:{mail.request_id}",),
    )


def valid_reset(session: Session, *, token: str, now: datetime) -> PasswordReset:
    """The unspent, unexpired request of ``token`` for an active account, else
    ``ResetLinkError``."""
    row = session.exec(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))
    ).first()
    if row is None or row.user_id is None or row.used_at is not None or row.expires_at <= now:
        raise ResetLinkError
    account = session.get(UserAccount, row.user_id)
    if account is None or not account.active:
        raise ResetLinkError
    return row


def reset_password(
    session: Session, *, token: str, password: str, again: str, now: datetime
) -> UserAccount:
    """Set the password of the account of ``token`` (typed twice): the token is spent, the
    account's other outstanding tokens too; the account is unlocked, its sessions end, and
    the change is audited as "reset". A refused password leaves the token usable."""
    row = valid_reset(session, token=token, now=now)
    check_confirmation(password, again)
    account = session.get(UserAccount, row.user_id)
    if account is None:
        raise ResetLinkError
    actor = Actor(name=account.username, source="web:password reset")
    set_password(
        session, username=account.username, password=password, actor=actor, now=now,
        action="reset",
    )  # fmt: skip
    spend = sa.update(PasswordReset).where(
        col(PasswordReset.id) == row.id, col(PasswordReset.used_at).is_(None)
    )
    if session.execute(spend.values(used_at=now)).rowcount != 1:  # type: ignore[attr-defined]
        raise ResetLinkError  # spent meanwhile by another request: the caller rolls back
    others = sa.update(PasswordReset).where(
        col(PasswordReset.user_id) == account.id, col(PasswordReset.used_at).is_(None)
    )
    session.execute(others.values(used_at=now))
    return account
