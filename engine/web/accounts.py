"""Accounts on the web: the administrator lists, adds, disables and re-enables the
accounts of the organization and sets a new password; every account changes its own
password. All through ``engine.directory.accounts`` (Argon2 hashes, audited, sessions ended when a
password changes or an account is disabled)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from engine.directory.accounts import (
    ROLE_LABELS,
    add_user,
    change_own_password,
    disable_user,
    enable_user,
    get_user,
    set_password,
)
from engine.errors import PermissionDeniedError, SauroError
from engine.store.db import session_scope
from engine.store.models import Person, Unit, UserAccount, UserRole
from engine.web.deps import User, Web
from engine.web.policy import Action, authorize


@dataclass(frozen=True)
class AccountRow:
    """One account as the list shows it."""

    username: str
    role: str
    person: str
    active: bool
    locked: bool


@dataclass(frozen=True)
class PersonChoice:
    """A directory person an account can be linked to."""

    key: str  # what ``add_user`` finds the person by: the e-mail, else the name
    label: str


def accounts(state: Web, user: User) -> list[AccountRow]:
    """The accounts of the administrator's organization, by username."""
    authorize(user.principal, Action.MANAGE_USERS)
    now = state.clock()
    with Session(state.engine) as session:
        rows = session.exec(
            select(UserAccount, Person)
            .outerjoin(Person, col(Person.id) == col(UserAccount.person_id))
            .where(col(UserAccount.organization_id) == user.principal.organization_id)
            .order_by(col(UserAccount.username))
        ).all()
    return [
        AccountRow(
            account.username,
            ROLE_LABELS[UserRole(account.role)],
            person.name if person else "",
            account.active,
            account.locked_until is not None and account.locked_until > now,
        )
        for account, person in rows
    ]


def people(state: Web, user: User) -> list[PersonChoice]:
    """The organization's directory people, leaders first, then by unit."""
    authorize(user.principal, Action.MANAGE_USERS)
    with Session(state.engine) as session:
        rows = session.exec(
            select(Person, Unit)
            .outerjoin(Unit, col(Unit.id) == col(Person.unit_id))
            .where(
                col(Person.organization_id) == user.principal.organization_id, col(Person.active)
            )
            .order_by(col(Unit.name).nullsfirst(), col(Person.name))
        ).all()
    return [
        PersonChoice(
            person.email or person.name,
            f"{person.name} — {person.title or person.role}" + (f", {unit.name}" if unit else ""),
        )
        for person, unit in rows
    ]


def add(state: Web, user: User, *, username: str, role: str, person: str, password: str) -> None:
    """Create an account of the administrator's organization."""
    authorize(user.principal, Action.MANAGE_USERS)
    try:
        chosen = UserRole(role)
    except ValueError:
        raise SauroError(f"Vai trò '{role}' không có.") from None
    with session_scope(state.engine) as session:
        add_user(
            session, username=username, password=password, role=chosen,
            org_code=user.org_code, person=person or None,
            actor=user.actor(f"web accounts add {username}"), now=state.clock(),
        )  # fmt: skip


def _own_org(session: Session, user: User, username: str) -> UserAccount:
    account = get_user(session, username)
    if account.organization_id != user.principal.organization_id:
        raise PermissionDeniedError(f"Tài khoản '{username}' thuộc cơ quan khác.")
    return account


def set_active(state: Web, user: User, username: str, *, active: bool) -> None:
    """Disable or re-enable an account of the organization (never one's own)."""
    authorize(user.principal, Action.MANAGE_USERS)
    if username.strip().lower() == user.username:
        raise SauroError("Không tự khóa tài khoản đang dùng.")
    with session_scope(state.engine) as session:
        _own_org(session, user, username)
        change = enable_user if active else disable_user
        change(session, username=username, actor=user.actor("web accounts"), now=state.clock())


def reset_password(state: Web, user: User, username: str, password: str) -> None:
    """Give an account of the organization a new password (its sessions end)."""
    authorize(user.principal, Action.MANAGE_USERS)
    with session_scope(state.engine) as session:
        _own_org(session, user, username)
        set_password(
            session, username=username, password=password,
            actor=user.actor("web accounts password"), now=state.clock(),
        )  # fmt: skip


def change_password(state: Web, user: User, *, current: str, new: str, again: str) -> None:
    """The signed-in account changes its own password."""
    if new != again:
        raise SauroError("Hai lần nhập mật khẩu mới không giống nhau.")
    with session_scope(state.engine) as session:
        change_own_password(
            session, user_id=user.principal.user_id, current=current, new=new,
            actor=user.actor("web password"), now=state.clock(),
        )  # fmt: skip
