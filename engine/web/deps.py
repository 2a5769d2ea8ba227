"""What every route needs: the app's state, the signed-in user, the CSRF check, the actor.

``Web`` is built once by ``create_app`` (settings, engine, templates, clock, configs) and
kept on ``app.state.web``; routes reach it through ``web(request)``. Each route opens its own
unit of work (``engine.store.db.session_scope``) so that a commit happens before the response.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from threading import Lock
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi import Path as UrlPath
from fastapi.templating import Jinja2Templates
from pydantic import Field as PydanticField
from sqlalchemy import Engine

from engine.calendar.workdays import WorkCalendar
from engine.configs.files import CONFIG_FILES, Configs, load_configs
from engine.configs.settings import Settings
from engine.directory.accounts import LoginPolicy
from engine.store.audit import Actor
from engine.store.models import Organization, Person, UserAccount, UserRole, UserSession
from engine.web.policy import Principal
from engine.web.recent import RECENT_SECONDS, Recent
from engine.web.sessions import COOKIE, new_token, same_token, token_digest
from notifications.smtp_settings import SmtpSettings
from notifications.zalo_settings import ZaloSettings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequiredError(Exception):
    """No live session: pages redirect to the login form, the API answers 401."""


class CsrfError(Exception):
    """An unsafe request without the session's CSRF token: refused with 403."""


@dataclass
class ConfigCache:
    """The parsed configs, parsed again when a config file changes on disk (the config
    editor saves them while the app runs)."""

    config_dir: Path
    _stamp: tuple[float, ...] = ()
    _configs: Configs | None = None
    _lock: Lock = field(default_factory=Lock)

    def get(self) -> Configs:
        """The current configs (raises ``ConfigError`` when a file on disk is invalid)."""
        stamp = tuple(_mtime(self.config_dir / name) for name in CONFIG_FILES)
        with self._lock:
            if self._configs is None or stamp != self._stamp:
                self._configs = load_configs(self.config_dir)
                self._stamp = stamp
            return self._configs


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


# Row ids are 32-bit integers on both databases: a larger id in a URL or a body is refused
# (422) before it reaches the database, where it would be an overflow, not "not found".
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, UrlPath(ge=1, le=MAX_ROW_ID)]
BodyId = Annotated[int, PydanticField(ge=1, le=MAX_ROW_ID)]


@dataclass
class Web:
    """The app's state: built once, passed to every route."""

    settings: Settings
    engine: Engine
    templates: Jinja2Templates
    clock: Callable[[], datetime]
    configs: ConfigCache
    smtp: SmtpSettings = field(default_factory=SmtpSettings)  # mail of the reports page
    zalo: ZaloSettings = field(default_factory=ZaloSettings)  # notices by Zalo ZNS
    secret: str = field(default_factory=new_token)  # signs the login CSRF token and flashes
    recent: Recent = field(default_factory=lambda: Recent(RECENT_SECONDS))
    _calendar: tuple[object, WorkCalendar] | None = None

    def calendar(self) -> WorkCalendar:
        """The work calendar of the current configs: made once per change of the configs
        (it computes the holidays of each year it meets, a few milliseconds)."""
        config = self.configs.get().calendar
        made = self._calendar
        if made is None or made[0] is not config:
            made = self._calendar = (config, WorkCalendar(config))
        return made[1]

    def login_policy(self) -> LoginPolicy:
        s = self.settings
        return LoginPolicy(s.login_max_failures, s.login_max_failures_per_ip, s.login_lock_minutes)


def web(request: Request) -> Web:
    """The app's state."""
    state: Web = request.app.state.web
    return state


@dataclass(frozen=True)
class User:
    """The signed-in account: the policy's principal plus what pages show."""

    principal: Principal
    org_code: str
    org_name: str
    person_name: str
    person_email: str
    csrf_token: str

    @property
    def role(self) -> UserRole:
        return self.principal.role

    @property
    def username(self) -> str:
        return self.principal.username

    @property
    def shown_name(self) -> str:
        return self.person_name or self.username

    def actor(self, source: str) -> Actor:
        """The audit actor: the account (and the directory person behind it)."""
        name = f"{self.username} ({self.person_name})" if self.person_name else self.username
        return Actor(name=name[:128], source=f"web:{source}"[:255])

    @property
    def decider(self) -> str:
        """How ``engine.tasks.actions`` finds this user's directory person."""
        return self.person_email or self.person_name


def current_user(request: Request) -> User:
    """The user of the request's session cookie, or ``LoginRequiredError``: one query
    (session, account, organization and person), as every request asks it."""
    state = web(request)
    token = request.cookies.get(COOKIE, "")
    if not token:
        raise LoginRequiredError
    s, a = UserSession.__table__.c, UserAccount.__table__.c  # type: ignore[attr-defined]
    o, p = Organization.__table__.c, Person.__table__.c  # type: ignore[attr-defined]
    query = (
        sa.select(s.user_id, s.csrf_token, s.expires_at, a.username, a.role,
                  a.organization_id, a.person_id, a.active, p.unit_id, o.code, o.name,
                  p.name, p.email)
        .select_from(UserSession)
        .join(UserAccount, a.id == s.user_id)
        .outerjoin(Organization, o.id == a.organization_id)
        .outerjoin(Person, p.id == a.person_id)
        .where(s.token_hash == token_digest(token))
    )  # fmt: skip
    with state.engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None or row.expires_at <= state.clock() or not row.active:
        raise LoginRequiredError
    (user_id, csrf_token, _, username, role, org_id, person_id, _, unit_id, org_code,
     org_name, person_name, person_email) = row  # fmt: skip
    return User(
        principal=Principal(
            user_id=user_id,
            username=username,
            role=UserRole(role),
            organization_id=org_id,
            person_id=person_id,
            unit_id=unit_id if person_id else None,
        ),
        org_code=org_code or "",
        org_name=org_name or "",
        person_name=person_name or "",
        person_email=person_email or "",
        csrf_token=csrf_token,
    )


async def checked_user(request: Request, user: Annotated[User, Depends(current_user)]) -> User:
    """``current_user``, and for an unsafe request its CSRF token (form field or header)
    must match the session's, else ``CsrfError``."""
    if request.method in _UNSAFE:
        given = request.headers.get(CSRF_HEADER)
        if given is None and _is_form(request):
            value = (await request.form()).get(CSRF_FIELD)  # parsed once, cached by Starlette
            given = value if isinstance(value, str) else None
        if not same_token(user.csrf_token, given):
            raise CsrfError
    return user


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def client_ip(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy, run uvicorn with
    ``--proxy-headers`` so this is the real client)."""
    return request.client.host if request.client else "unknown"
