"""A forgotten password: ``/password/forgot`` asks for the mail, ``/password/reset`` sets
the new password from its link. No session yet: both forms carry a double-submit CSRF
cookie, as the login form does. The answer to a request is the same, with the same status,
whether the account exists or not; its mail goes out after the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import Response

from engine.directory.accounts import PASSWORD_MIN
from engine.directory.password_reset import ANSWER, INVALID_LINK, ResetLinkError
from engine.errors import SauroError
from engine.web import flash, password_reset
from engine.web.deps import CsrfError, client_ip, web
from engine.web.pages import render
from engine.web.sessions import new_token, same_token

router = APIRouter(include_in_schema=False)
CSRF_COOKIE = "sauro_reset_csrf"
_COOKIE_PATH = "/password"


def _page(
    request: Request, template: str, *, token: str, status: int = 200, **context: object
) -> Response:
    response = render(request, template, None, status=status, csrf_token=token, **context)
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=web(request).settings.cookie_secure,
        path=_COOKIE_PATH,
    )
    return response


def _csrf(request: Request, given: str) -> str:
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not same_token(expected, given):
        raise CsrfError
    return expected


@router.get("/password/forgot")
def forgot_form(request: Request) -> Response:
    token = request.cookies.get(CSRF_COOKIE) or new_token()
    return _page(request, "password_forgot.html", token=token, error="")


@router.post("/password/forgot")
def forgot(
    request: Request,
    background: BackgroundTasks,
    who: Annotated[str, Form(max_length=255)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    _csrf(request, csrf_token)
    state = web(request)
    message = password_reset.ask(state, who=who, ip=client_ip(request))
    if message is not None:
        background.add_task(password_reset.send, state, message)
    return flash.done(request, "/password/forgot", ANSWER)


@router.get("/password/reset")
def reset_form(request: Request, token: str = "") -> Response:
    csrf = request.cookies.get(CSRF_COOKIE) or new_token()
    if not password_reset.usable(web(request), token):
        return _invalid(request, csrf)
    return _form(request, csrf, token)


def _form(request: Request, csrf: str, token: str, error: str = "", status: int = 200) -> Response:
    return _page(
        request, "password_reset.html", token=csrf, status=status, valid=True,
        reset_token=token, error=error, password_min=PASSWORD_MIN,
    )  # fmt: skip


def _invalid(request: Request, csrf: str) -> Response:
    return _page(
        request, "password_reset.html", token=csrf, status=400, valid=False, reset_token="",
        error=INVALID_LINK, password_min=PASSWORD_MIN,
    )  # fmt: skip


@router.post("/password/reset")
def reset(
    request: Request,
    token: Annotated[str, Form(max_length=128)] = "",
    new: Annotated[str, Form()] = "",
    again: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    csrf = _csrf(request, csrf_token)
    try:
        password_reset.reset(web(request), token=token, new=new, again=again)
    except ResetLinkError:
        return _invalid(request, csrf)
    except SauroError as error:
        return _form(request, csrf, token, str(error), 400)
    return flash.done(request, "/login", "Đã đặt lại mật khẩu: đăng nhập bằng mật khẩu mới.")
