"""Web accounts: create, change password or role, disable, list, and check a login with
throttling.

Passwords are hashed with Argon2id (``argon2-cffi``'s defaults, RFC 9106 low-memory
profile); a hash made with older parameters is upgraded at the next successful login.
Every change to an account is audited under ``user_account`` (the password hash never
appears in the log: the change is recorded as "password").

A role must fit the account's directory person (``check_role_fit``, used when an account
is added and when its role changes, on the web and the CLI alike): a unit head is linked to
a unit's head or deputy, an officer to a person of a unit, the Chairman and Vice-Chairmen
to themselves, the standing office to a person of the standing office unit (or nobody).

Throttling (``LoginPolicy``): a username's consecutive failures lock it for a while; failures
from one client address within the same window refuse further attempts from it, whatever
the username, so guessing across accounts is slowed as well.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from engine.calendar.status import VN
from engine.directory.store import find_person, get_organization
from engine.errors import DirectoryError, Location, NotFoundError, Problem, SauroError
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import (
    LoginFailure,
    Organization,
    Person,
    PersonRole,
    Unit,
    UserAccount,
    UserRole,
    UserSession,
    require_id,
)

PASSWORD_MIN = 10
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
# Argon2id with the library's RFC 9106 defaults. The test suite swaps in cheap parameters
# (tests/conftest.py); nothing else changes them.
HASHER = PasswordHasher()

ROLE_LABELS: dict[UserRole, str] = {
    UserRole.ADMIN: "Quản trị",
    UserRole.STANDING_OFFICE: "Cơ quan thường trực",
    UserRole.UNIT_HEAD: "Thủ trưởng đơn vị",
    UserRole.OFFICER: "Cán bộ",
    UserRole.CHAIRMAN: "Chủ tịch",
    UserRole.VICE_CHAIRMAN: "Phó Chủ tịch",
}

# The roles whose account must be linked to a directory person.
_NEEDS_PERSON = frozenset(
    {UserRole.UNIT_HEAD, UserRole.OFFICER, UserRole.CHAIRMAN, UserRole.VICE_CHAIRMAN}
)
_UNIT_LEADERS = frozenset({PersonRole.HEAD, PersonRole.DEPUTY})


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password``, after checking it is long enough."""
    if len(password) < PASSWORD_MIN:
        raise SauroError(
            f"Mật khẩu phải có ít nhất {PASSWORD_MIN} ký tự (mật khẩu đã nhập có {len(password)})."
        )
    return HASHER.hash(password)


def check_confirmation(password: str, again: str) -> None:
    """Refuse a new password whose second typing differs (nothing is changed)."""
    if password != again:
        raise SauroError(
            "Hai lần nhập mật khẩu không khớp nhau.",
            [Problem(Location(field="again"), "nhập lại đúng mật khẩu mới ở ô Nhập lại mật khẩu")],
        )


def parse_role(text: str) -> UserRole:
    """A role from its code, or a Vietnamese error listing the codes."""
    try:
        return UserRole(text.strip())
    except ValueError:
        listed = "; ".join(f"{role.value} ({label})" for role, label in ROLE_LABELS.items())
        raise SauroError(
            f"Vai trò '{text}' không có", [Problem(Location(field="--role"), f"dùng: {listed}")]
        ) from None


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: UserRole,
    org_code: str,
    person: str | None,
    actor: Actor,
    now: datetime,
) -> UserAccount:
    """Create an active account of ``org_code`` in ``role``, linked to the directory person
    named by ``person`` (full name or email; required for unit heads, officers, the Chairman
    and Vice-Chairmen)."""
    name = _check_username(username)
    if session.exec(select(UserAccount).where(UserAccount.username == name)).first():
        raise SauroError(f"Tên đăng nhập '{name}' đã có.")
    org = get_organization(session, org_code)
    org_id = require_id(org)
    linked = _linked_person(session, org_id, role, person)
    account = UserAccount(
        username=name,
        password_hash=hash_password(password),
        role=str(role),
        organization_id=org_id,
        person_id=linked.id if linked else None,
        created_at=now,
        updated_at=now,
    )
    session.add(account)
    session.flush()
    changes = [audit.Change("username", None, name), audit.Change("role", None, str(role))]
    if linked is not None:
        changes.append(audit.Change("person", None, linked.name))
    _audit(session, account, action="create", changes=changes, actor=actor, now=now)
    return account


def _check_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise SauroError(
            f"Tên đăng nhập '{username}' không hợp lệ",
            [
                Problem(
                    Location(field="username"),
                    "2–64 ký tự: chữ thường không dấu, chữ số, '.', '_' hoặc '-'",
                )
            ],
        )
    return name


def _linked_person(session: Session, org_id: int, role: UserRole, who: str | None) -> Person | None:
    person = find_person(session, organization_id=org_id, who=who) if who else None
    check_role_fit(session, organization=_organization(session, org_id), role=role, person=person)
    return person


def check_role_fit(
    session: Session, *, organization: Organization, role: UserRole, person: Person | None
) -> None:
    """Refuse (Vietnamese ``DirectoryError``) an account of ``role`` linked to ``person``
    (None: to nobody) when the directory says otherwise: a unit head must be a unit's head
    or deputy, an officer a person of a unit, the Chairman the organization's Chairman, a
    Vice-Chairman one of its Vice-Chairmen, the standing office a person of the standing
    office unit (or nobody); an administrator may be anyone or nobody."""
    label = ROLE_LABELS[role]
    if person is None:
        if role in _NEEDS_PERSON:
            raise DirectoryError(
                f"Tài khoản vai trò {label} cần gắn với một cán bộ trong danh mục: chọn cán bộ "
                "(ở dòng lệnh: --person với họ tên hoặc email)."
            )
        return
    if person.organization_id != organization.id:
        raise DirectoryError(f"{person.name} không thuộc {organization.name}.")
    unit = session.get(Unit, person.unit_id) if person.unit_id is not None else None
    problem = _misfit(organization, role, person, unit)
    if problem:
        raise DirectoryError(
            f"{person.name} ({person.title or person.role}) {problem}: không gắn được với tài "
            f"khoản vai trò {label}."
        )


def _misfit(organization: Organization, role: UserRole, person: Person, unit: Unit | None) -> str:
    """Why ``person`` cannot hold an account of ``role`` ("" when it can)."""
    if not person.active:
        return "không còn hoạt động trong danh mục"
    standing = organization.standing_office_code
    # role -> (whether the person fits, why not)
    rules: dict[UserRole, tuple[bool, str]] = {
        UserRole.CHAIRMAN: (
            person.role == PersonRole.CHAIRMAN,
            "không phải Chủ tịch trong danh mục",
        ),
        UserRole.VICE_CHAIRMAN: (
            person.role == PersonRole.VICE_CHAIRMAN,
            "không phải Phó Chủ tịch trong danh mục",
        ),
        UserRole.UNIT_HEAD: (
            unit is not None and person.role in _UNIT_LEADERS,
            "không phải thủ trưởng hoặc phó thủ trưởng của một đơn vị trong danh mục",
        ),
        UserRole.OFFICER: (unit is not None, "không thuộc đơn vị nào trong danh mục"),
        UserRole.STANDING_OFFICE: (
            unit is not None and unit.code == standing,
            f"không thuộc cơ quan thường trực ({standing or 'chưa khai báo'}) trong danh mục",
        ),
    }
    fits, why = rules.get(role, (True, ""))
    return "" if fits else why


def change_role(
    session: Session,
    *,
    username: str,
    role: UserRole,
    person: str | None,
    actor: Actor,
    now: datetime,
) -> UserAccount:
    """Give ``username`` the role ``role``, linked to the directory person ``person`` (full
    name or e-mail; "" links nobody; None keeps the current link), after checking that they
    fit (``check_role_fit``). Audited with the old and new role (and person); the account's
    sessions end, so its next login has the new rights."""
    account = get_user(session, username)
    org_id = account.organization_id
    old_person = session.get(Person, account.person_id) if account.person_id else None
    if person is None:
        linked = old_person
        organization = _organization(session, org_id)
        check_role_fit(session, organization=organization, role=role, person=linked)
    else:
        linked = _linked_person(session, org_id, role, person or None)
    changes = audit.apply_changes(
        account, {"role": str(role), "person_id": linked.id if linked else None}
    )
    if not changes:
        raise SauroError(
            f"Tài khoản '{account.username}' đã có vai trò {ROLE_LABELS[role]} với cán bộ này: "
            "không có gì thay đổi."
        )
    changes = [
        audit.Change("person", _name(old_person), _name(linked)) if c.field == "person_id" else c
        for c in changes
    ]
    account.updated_at = now
    end_sessions(session, user_id=require_id(account))
    _audit(session, account, action="role", changes=changes, actor=actor, now=now)
    return account


@dataclass(frozen=True)
class AccountLine:
    """One account as ``sauro user list`` shows it."""

    username: str
    role: str  # in Vietnamese
    organization: str  # its code
    person: str
    unit: str
    state: str  # "đang dùng", "đã khóa" (disabled) or "tạm khóa đến …" (failed logins)
    last_login: str  # local time, "" when never


def list_users(session: Session, *, org_code: str | None, now: datetime) -> list[AccountLine]:
    """Every account (of ``org_code`` only, when given), by organization then username."""
    query = (
        select(UserAccount, Organization, Person, Unit)
        .join(Organization, col(Organization.id) == col(UserAccount.organization_id))
        .outerjoin(Person, col(Person.id) == col(UserAccount.person_id))
        .outerjoin(Unit, col(Unit.id) == col(Person.unit_id))
        .order_by(col(Organization.code), col(UserAccount.username))
    )
    if org_code:
        query = query.where(col(Organization.id) == require_id(get_organization(session, org_code)))
    return [
        AccountLine(
            account.username,
            ROLE_LABELS.get(UserRole(account.role), account.role),
            org.code,
            person.name if person else "",
            unit.name if unit else "",
            _state(account, now),
            _local(account.last_login_at),
        )
        for account, org, person, unit in session.exec(query).all()
    ]


def _state(account: UserAccount, now: datetime) -> str:
    if not account.active:
        return "đã khóa"
    if account.locked_until is not None and account.locked_until > now:
        return f"tạm khóa đến {_local(account.locked_until)}"
    return "đang dùng"


def _local(moment: datetime | None) -> str:
    return f"{moment.astimezone(VN):%H:%M %d/%m/%Y}" if moment is not None else ""


def _organization(session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFoundError(f"Không có cơ quan số {org_id}.")
    return org


def _name(person: Person | None) -> str | None:
    return person.name if person is not None else None


def end_sessions(session: Session, *, user_id: int) -> None:
    """End every session of an account (disabled, or its password changed)."""
    session.execute(sa.delete(UserSession).where(col(UserSession.user_id) == user_id))


def get_user(session: Session, username: str) -> UserAccount:
    """The account ``username``, or a Vietnamese error."""
    account = session.exec(
        select(UserAccount).where(UserAccount.username == username.strip().lower())
    ).first()
    if account is None:
        raise NotFoundError(f"Không có tài khoản '{username}'.")
    return account


def set_password(
    session: Session,
    *,
    username: str,
    password: str,
    actor: Actor,
    now: datetime,
    action: str = "update",
) -> UserAccount:
    """Replace the password of ``username``; unlocks the account and ends its sessions
    (audited as ``action``: "update", or "reset" after a forgotten password)."""
    account = get_user(session, username)
    account.password_hash = hash_password(password)
    account.failed_logins = 0
    account.locked_until = None
    account.updated_at = now
    end_sessions(session, user_id=require_id(account))
    changes = [audit.Change("password", None, "***")]
    _audit(session, account, action=action, changes=changes, actor=actor, now=now)
    return account


def disable_user(session: Session, *, username: str, actor: Actor, now: datetime) -> UserAccount:
    """Disable ``username``: it can no longer log in, and its open sessions end."""
    account = get_user(session, username)
    changes = audit.apply_changes(account, {"active": False})
    account.updated_at = now
    end_sessions(session, user_id=require_id(account))
    _audit(session, account, action="disable", changes=changes, actor=actor, now=now)
    return account


def enable_user(session: Session, *, username: str, actor: Actor, now: datetime) -> UserAccount:
    """Let a disabled ``username`` log in again (with its password, unlocked)."""
    account = get_user(session, username)
    changes = audit.apply_changes(account, {"active": True, "failed_logins": 0})
    account.locked_until = None
    account.updated_at = now
    _audit(session, account, action="enable", changes=changes, actor=actor, now=now)
    return account


def change_own_password(
    session: Session, *, user_id: int, current: str, new: str, actor: Actor, now: datetime
) -> UserAccount:
    """The account's own password change: ``current`` must be its password, ``new`` long
    enough and different. Ends the account's sessions (log in again with the new one)."""
    account = session.get(UserAccount, user_id)
    if account is None or not account.active:
        raise NotFoundError("Tài khoản không còn hoạt động.")
    if not _verified(account.password_hash, current):
        raise SauroError(
            "Mật khẩu hiện tại không đúng.",
            [Problem(Location(field="current"), "nhập lại mật khẩu đang dùng")],
        )
    if new == current:
        raise SauroError(
            "Mật khẩu mới trùng mật khẩu cũ.",
            [Problem(Location(field="new"), "chọn một mật khẩu khác")],
        )
    return set_password(session, username=account.username, password=new, actor=actor, now=now)


def _audit(
    session: Session,
    account: UserAccount,
    *,
    action: str,
    changes: list[audit.Change],
    actor: Actor,
    now: datetime,
) -> None:
    audit.record_of(
        session,
        account,
        organization_id=account.organization_id,
        action=action,
        changes=changes,
        actor=actor,
        now=now,
    )


# -- logging in --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginPolicy:
    """How many failures lock a username (and refuse an address), and for how long."""

    max_failures: int = 5
    max_failures_per_ip: int = 20
    lock_minutes: int = 15

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.lock_minutes)


@dataclass(frozen=True)
class LoginOutcome:
    """The account when the login succeeded; else ``message`` says why, in Vietnamese."""

    account: UserAccount | None
    message: str = ""


BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    ip: str,
    policy: LoginPolicy,
    now: datetime,
) -> LoginOutcome:
    """Check a login, counting failures (the caller commits either way)."""
    name = username.strip().lower()[:64]
    if _ip_failures(session, ip, now - policy.window) >= policy.max_failures_per_ip:
        return LoginOutcome(
            None,
            f"Có quá nhiều lần đăng nhập sai từ địa chỉ này: hãy thử lại sau "
            f"{policy.lock_minutes} phút.",
        )
    account = session.exec(select(UserAccount).where(UserAccount.username == name)).first()
    if account is not None and account.locked_until is not None and account.locked_until > now:
        until = account.locked_until.astimezone(VN)
        return LoginOutcome(
            None,
            f"Tài khoản tạm khóa do đăng nhập sai nhiều lần, đến {until:%H:%M} ngày "
            f"{until:%d/%m/%Y}.",
        )
    verified = account is not None and _verified(account.password_hash, password)
    if account is None or not verified or not account.active:
        _failed(session, account, name=name, ip=ip, policy=policy, now=now)
        return LoginOutcome(None, BAD_LOGIN)
    if HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = HASHER.hash(password)
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    return LoginOutcome(account)


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the username is unknown, so both failures take the same time;
    computed on the first failed login, not when the module is imported."""
    return hasher.hash("sauro-dummy-password")


def _verified(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _failed(
    session: Session,
    account: UserAccount | None,
    *,
    name: str,
    ip: str,
    policy: LoginPolicy,
    now: datetime,
) -> None:
    if account is None:
        _verified(_dummy_hash(HASHER), name)  # the same cost as a wrong password
    else:
        account.failed_logins += 1
        if account.failed_logins >= policy.max_failures:
            account.failed_logins = 0
            account.locked_until = now + policy.window
    session.add(LoginFailure(ip=ip[:64], username=name, at=now))


def _ip_failures(session: Session, ip: str, since: datetime) -> int:
    query = (
        select(sa.func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.ip == ip[:64], col(LoginFailure.at) >= since)
    )
    return int(session.exec(query).one())
