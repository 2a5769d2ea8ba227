"""Accounts on the web: the administrator lists, adds, disables and re-enables the
accounts of the organization, changes their role and sets a new password; every account
changes its own password and, when linked to a directory person, how that person hears of
their work. All through ``engine.directory`` (Argon2 hashes, audited, sessions ended when a
password or a role changes or an account is disabled)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from engine.directory import accounts as directory_accounts
from engine.directory.accounts import (
    ROLE_LABELS,
    add_user,
    change_own_password,
    check_confirmation,
    disable_user,
    enable_user,
    get_user,
    set_password,
)
from engine.directory.preferences import NoticePreferences, preferences_of, set_preferences
from engine.errors import NotFoundError, PermissionDeniedError, SauroError
from engine.store.db import session_scope
from engine.store.models import Person, Unit, UserAccount, UserRole
from engine.web.deps import User, Web
from engine.web.paging import Key, Page, decode_cursor, keyset, page
from engine.web.policy import Action, authorize
from engine.web.tasks import PAGE_SIZE


@dataclass(frozen=True)
class AccountRow:
    """One account as the list shows it."""

    username: str
    role: str
    person: str
    active: bool
    locked: bool
    role_code: str = ""
    person_key: str = ""  # the ``PersonChoice.key`` of its person ("" for none)


@dataclass(frozen=True)
class PersonChoice:
    """A directory person an account can be linked to."""

    key: str  # what ``add_user`` finds the person by: the e-mail, else the name
    label: str


_KEYS = [Key(col(UserAccount.username), str), Key(col(UserAccount.id), int)]


def accounts(
    state: Web, user: User, *, cursor: str | None = None, limit: int = PAGE_SIZE
) -> Page[AccountRow]:
    """The page of the administrator's organization's accounts, by username, that
    ``cursor`` names (the first without one): keyset pagination (``engine.web.paging``)."""
    authorize(user.principal, Action.MANAGE_USERS)
    now = state.clock()
    start = decode_cursor(cursor, _KEYS)
    query = (
        select(UserAccount, Person)
        .outerjoin(Person, col(Person.id) == col(UserAccount.person_id))
        .where(col(UserAccount.organization_id) == user.principal.organization_id)
    )
    with Session(state.engine) as session:
        found = list(session.exec(keyset(query, _KEYS, start, limit)))  # type: ignore[call-overload]
    shown = page(found, lambda row: (row[0].username, row[0].id), start, limit)
    rows = [
        AccountRow(
            account.username,
            ROLE_LABELS[UserRole(account.role)],
            person.name if person else "",
            account.active,
            account.locked_until is not None and account.locked_until > now,
            account.role,
            _key(person) if person else "",
        )
        for account, person in shown.rows
    ]
    return Page(rows, shown.next, shown.previous)


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
            _key(person),
            f"{person.name} — {person.title or person.role}" + (f", {unit.name}" if unit else ""),
        )
        for person, unit in rows
    ]


def _key(person: Person) -> str:
    return person.email or person.name


def _role(role: str) -> UserRole:
    try:
        return UserRole(role)
    except ValueError:
        raise SauroError(f"Vai trò '{role}' không có.") from None


def add(
    state: Web, user: User, *, username: str, role: str, person: str, password: str, again: str
) -> None:
    """Create an account of the administrator's organization (the password typed twice)."""
    authorize(user.principal, Action.MANAGE_USERS)
    chosen = _role(role)
    check_confirmation(password, again)
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


def reset_password(state: Web, user: User, username: str, password: str, again: str) -> None:
    """Give an account of the organization a new password, typed twice (its sessions end)."""
    authorize(user.principal, Action.MANAGE_USERS)
    check_confirmation(password, again)
    with session_scope(state.engine) as session:
        _own_org(session, user, username)
        set_password(
            session, username=username, password=password,
            actor=user.actor("web accounts password"), now=state.clock(),
        )  # fmt: skip


def change_password(state: Web, user: User, *, current: str, new: str, again: str) -> None:
    """The signed-in account changes its own password."""
    check_confirmation(new, again)
    with session_scope(state.engine) as session:
        change_own_password(
            session, user_id=user.principal.user_id, current=current, new=new,
            actor=user.actor("web password"), now=state.clock(),
        )  # fmt: skip


def change_role(state: Web, user: User, username: str, *, role: str, person: str) -> None:
    """Give an account of the organization another role, linked to ``person`` ("" for
    nobody); refused when they do not fit the directory, and never for one's own account."""
    authorize(user.principal, Action.CHANGE_ROLE)
    chosen = _role(role)
    if username.strip().lower() == user.username:
        raise SauroError("Không tự đổi vai trò của tài khoản đang dùng.")
    with session_scope(state.engine) as session:
        _own_org(session, user, username)
        directory_accounts.change_role(
            session, username=username, role=chosen, person=person,
            actor=user.actor(f"web accounts role {username}"), now=state.clock(),
        )  # fmt: skip


NO_PERSON = (
    "Tài khoản này không gắn với cán bộ nào trong danh mục nên không nhận thông báo về "
    "nhiệm vụ; quản trị viên gắn tài khoản với cán bộ ở trang Tài khoản."
)


def preferences(state: Web, user: User) -> NoticePreferences | None:
    """How the account's person hears of their work; None for an account without a person."""
    authorize(user.principal, Action.OWN_PREFERENCES)
    person_id = user.principal.person_id
    if person_id is None:
        return None
    with Session(state.engine) as session:
        return preferences_of(session, person_id=person_id)


def save_preferences(state: Web, user: User, wanted: NoticePreferences) -> NoticePreferences:
    """Store the account's person's choices (checked; numbers normalized); audited."""
    authorize(user.principal, Action.OWN_PREFERENCES)
    person_id = user.principal.person_id
    if person_id is None:
        raise NotFoundError(NO_PERSON)
    with session_scope(state.engine) as session:
        return set_preferences(
            session, person_id=person_id, preferences=wanted,
            actor=user.actor("web account preferences"), now=state.clock(),
        )  # fmt: skip
