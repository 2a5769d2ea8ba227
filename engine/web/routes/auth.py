"""Login and logout. The login form is protected by a double-submit CSRF cookie (there is
no session yet) whose nonce the form's token signs with the app's secret; a successful
login always opens a new session."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from engine.directory.accounts import authenticate
from engine.store.db import session_scope
from engine.web.deps import CsrfError, User, checked_user, client_ip, current_user, web
from engine.web.pages import home, render
from engine.web.sessions import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    close_session,
    login_token,
    login_token_valid,
    new_token,
    open_session,
)

router = APIRouter(include_in_schema=False)


@router.get("/")
def index(user: Annotated[User, Depends(current_user)]) -> Response:
    return RedirectResponse(home(user), status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    nonce = request.cookies.get(LOGIN_CSRF_COOKIE) or new_token()
    token = login_token(web(request).secret, nonce)
    response = render(request, "login.html", None, csrf_token=token, next=_local(next))
    _set_login_cookie(request, response, nonce)
    return response


def _set_login_cookie(request: Request, response: Response, nonce: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        nonce,
        httponly=True,
        samesite="strict",
        secure=web(request).settings.cookie_secure,
        path="/login",
    )


def _local(target: str) -> str:
    """Only a path on this site is a place to go after login (no open redirect)."""
    safe = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if safe else ""


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    state = web(request)
    if not login_token_valid(state.secret, request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token):
        raise CsrfError
    now = state.clock()
    with session_scope(state.engine) as session:
        outcome = authenticate(
            session,
            username=username,
            password=password,
            ip=client_ip(request),
            policy=state.login_policy(),
            now=now,
        )
        opened = None
        if outcome.account is not None:
            lifetime = timedelta(hours=state.settings.session_hours)
            opened = open_session(session, account=outcome.account, now=now, lifetime=lifetime)
    if opened is None:
        refused: Response = render(
            request,
            "login.html",
            None,
            status=401,
            csrf_token=csrf_token,
            next=_local(next),
            error=outcome.message,
            username=username,
        )
        return refused
    response = RedirectResponse(_local(next) or "/", status_code=303)
    response.set_cookie(
        COOKIE,
        opened.token,
        max_age=state.settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=state.settings.cookie_secure,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, _user: Annotated[User, Depends(checked_user)]) -> Response:
    state = web(request)
    with session_scope(state.engine) as session:
        close_session(session, token=request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
