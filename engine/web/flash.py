"""The one-time message after a save ("Đã lưu."): every form that changes something answers
with a redirect (post/redirect/get, so a refresh never sends it again) carrying the message
in a short-lived cookie signed with the app's secret; the next page shows it once and
clears it."""

from __future__ import annotations

import base64
import binascii

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from engine.web.deps import web
from engine.web.sessions import same_token, sign

COOKIE = "sauro_flash"
SAVED = "Đã lưu."
_PURPOSE = "flash"
_MAX_AGE = 120  # seconds: the redirect is followed at once


def done(request: Request, url: str, message: str = SAVED) -> RedirectResponse:
    """The redirect after a successful form, with ``message`` shown once on ``url``."""
    response = RedirectResponse(url, status_code=303)
    encoded = base64.urlsafe_b64encode(message.encode()).decode()
    signature = sign(web(request).secret, _PURPOSE, encoded)
    settings = web(request).settings
    response.set_cookie(
        COOKIE,
        f"{encoded}.{signature}",
        max_age=_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    return response


def take(request: Request) -> str:
    """The message waiting for this page, or "" (none, or not signed by this app)."""
    value = request.cookies.get(COOKIE, "")
    encoded, _, signature = value.partition(".")
    if not encoded or not same_token(sign(web(request).secret, _PURPOSE, encoded), signature):
        return ""
    try:
        return base64.urlsafe_b64decode(encoded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


def clear(request: Request, response: Response) -> None:
    """Drop the message once shown."""
    if COOKIE in request.cookies:
        response.delete_cookie(COOKIE)
