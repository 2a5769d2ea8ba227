"""Server-side login sessions, with a CSRF token bound to each.

Why a ``user_session`` table rather than a signed cookie: a session must end at once when
the user logs out, when an administrator disables the account, or when the password
changes (``sauro user disable|passwd``); a signed cookie stays valid until it expires
unless every server shares a revocation list, which is this table under another name. The
cookie holds 32 random bytes; the table keeps only their SHA-256, so a copy of the
database does not give anyone a session. A login always makes a new token (no session
fixation); expired rows are removed at each login.

The CSRF token is random per session, rendered in every form and required (form field
``csrf_token`` or header ``X-CSRF-Token``) on every unsafe request.

Before login there is no session: the login form's cookie holds a random nonce and the form
the nonce's HMAC under the app's secret (``login_token``). Someone who can plant a cookie
(a sibling subdomain) still cannot make the matching form value without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from engine.store.models import UserAccount, UserSession, require_id

COOKIE = "sauro_session"
LOGIN_CSRF_COOKIE = "sauro_login_csrf"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token for a cookie or a form."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Opened:
    """A new session: the cookie value to set and the session's CSRF token."""

    token: str
    csrf_token: str
    expires_at: datetime


def open_session(
    session: Session, *, account: UserAccount, now: datetime, lifetime: timedelta
) -> Opened:
    """Start a session for ``account`` (and drop every expired one)."""
    session.execute(sa.delete(UserSession).where(col(UserSession.expires_at) <= now))
    token, csrf = new_token(), new_token()
    expires = now + lifetime
    session.add(
        UserSession(
            token_hash=_digest(token),
            user_id=require_id(account),
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
        )
    )
    return Opened(token, csrf, expires)


def find_session(session: Session, *, token: str, now: datetime) -> UserSession | None:
    """The live session of the cookie ``token``, or None (unknown or expired)."""
    if not token:
        return None
    found = session.get(UserSession, _digest(token))
    if found is None or found.expires_at <= now:
        return None
    return found


def token_digest(token: str) -> str:
    """What the database keeps of a cookie token (its SHA-256): to find a session by."""
    return _digest(token)


def close_session(session: Session, *, token: str) -> None:
    """End the session of the cookie ``token`` (logout)."""
    session.execute(sa.delete(UserSession).where(col(UserSession.token_hash) == _digest(token)))


def same_token(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token with what the request sent."""
    return bool(given) and secrets.compare_digest(expected.encode(), (given or "").encode())


def sign(secret: str, purpose: str, value: str) -> str:
    """The HMAC-SHA256 of ``value`` under ``secret``, for one ``purpose`` (a value signed
    for one purpose is not valid for another)."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def login_token(secret: str, nonce: str) -> str:
    """The login form's CSRF token for the nonce of its cookie."""
    return sign(secret, "login-csrf", nonce)


def login_token_valid(secret: str, nonce: str, given: str | None) -> bool:
    """Whether the form's token is the signature of the cookie's nonce."""
    return bool(nonce) and same_token(login_token(secret, nonce), given)
