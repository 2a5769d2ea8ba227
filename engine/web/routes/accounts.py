"""The accounts page (administrator), and every account's own page ("Tài khoản của tôi":
how its person hears of their work) and own-password page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from engine.directory.accounts import PASSWORD_MIN, ROLE_LABELS
from engine.directory.preferences import CHANNEL_LABELS, EMAIL_MODE_LABELS, NoticePreferences
from engine.errors import PermissionDeniedError, SauroError
from engine.store.models import UserRole
from engine.web import accounts, flash
from engine.web.deps import User, checked_user, current_user, web
from engine.web.pages import render
from engine.web.policy import Action, authorize

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]


def _page(
    request: Request,
    user: User,
    *,
    cursor: str | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    state = web(request)
    authorize(user.principal, Action.MANAGE_USERS)
    return render(
        request,
        "accounts.html",
        user,
        status=status,
        error=error,
        listed=accounts.accounts(state, user, cursor=cursor),
        people=accounts.people(state, user),
        roles=[(str(role), ROLE_LABELS[role]) for role in UserRole],
        password_min=PASSWORD_MIN,
    )


def _acted(request: Request, user: User, act: Callable[[], None], done: str) -> Response:
    """Run ``act``; back to the page saying ``done``, or the page with the error (a refusal
    is the 403 page)."""
    try:
        act()
    except PermissionDeniedError:
        raise
    except SauroError as error:
        return _page(request, user, error=str(error), status=400)
    return flash.done(request, "/accounts", done)


@router.get("/accounts")
def accounts_page(request: Request, user: Viewer, cursor: str | None = None) -> Response:
    return _page(request, user, cursor=cursor)


@router.post("/accounts")
def add(
    request: Request,
    user: Actor,
    username: Annotated[str, Form()],
    role: Annotated[str, Form()],
    password: Annotated[str, Form()],
    person: Annotated[str, Form()] = "",
    again: Annotated[str, Form()] = "",
) -> Response:
    state = web(request)
    return _acted(
        request, user,
        lambda: accounts.add(state, user, username=username, role=role, person=person,
                             password=password, again=again),
        f"Đã tạo tài khoản '{username.strip().lower()}'.",
    )  # fmt: skip


@router.post("/accounts/{username}/active")
def set_active(
    request: Request, user: Actor, username: str, active: Annotated[str, Form()]
) -> Response:
    state = web(request)
    on = active == "yes"
    return _acted(
        request, user,
        lambda: accounts.set_active(state, user, username, active=on),
        f"Đã {'mở lại' if on else 'khóa'} tài khoản '{username}'.",
    )  # fmt: skip


@router.post("/accounts/{username}/password")
def reset_password(
    request: Request,
    user: Actor,
    username: str,
    password: Annotated[str, Form()],
    again: Annotated[str, Form()] = "",
) -> Response:
    state = web(request)
    return _acted(
        request, user,
        lambda: accounts.reset_password(state, user, username, password, again),
        f"Đã đặt mật khẩu mới cho '{username}'; các phiên đăng nhập của tài khoản đã kết thúc.",
    )  # fmt: skip


@router.post("/accounts/{username}/role")
def change_role(
    request: Request,
    user: Actor,
    username: str,
    role: Annotated[str, Form()],
    person: Annotated[str, Form()] = "",
) -> Response:
    state = web(request)
    label = next((text for code, text in ROLE_LABELS.items() if code == role), role)
    return _acted(
        request, user,
        lambda: accounts.change_role(state, user, username, role=role, person=person),
        f"Đã đổi vai trò của '{username}' thành {label}; các phiên đăng nhập của tài khoản "
        "đã kết thúc.",
    )  # fmt: skip


def _own_page(
    request: Request,
    user: User,
    *,
    shown: NoticePreferences | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    stored = accounts.preferences(web(request), user)
    return render(
        request,
        "account.html",
        user,
        status=status,
        error=error,
        preferences=shown or stored,
        no_person=accounts.NO_PERSON if stored is None else "",
        channels=CHANNEL_LABELS,
        email_modes=EMAIL_MODE_LABELS,
    )


@router.get("/account")
def own_page(request: Request, user: Viewer) -> Response:
    return _own_page(request, user)


@router.post("/account/preferences")
def save_preferences(
    request: Request,
    user: Actor,
    channel: Annotated[str, Form()] = "",
    email_mode: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    zalo: Annotated[str, Form()] = "",
) -> Response:
    wanted = NoticePreferences(channel, email_mode, phone.strip(), zalo.strip())
    try:
        accounts.save_preferences(web(request), user, wanted)
    except PermissionDeniedError:
        raise
    except SauroError as error:
        return _own_page(request, user, shown=wanted, error=str(error), status=400)
    return flash.done(request, "/account", "Đã lưu cách nhận thông báo.")


@router.get("/password")
def password_form(request: Request, user: Viewer) -> Response:
    return render(request, "password.html", user, error="", password_min=PASSWORD_MIN)


@router.post("/password")
def change_password(
    request: Request,
    user: Actor,
    current: Annotated[str, Form()],
    new: Annotated[str, Form()],
    again: Annotated[str, Form()],
) -> Response:
    try:
        accounts.change_password(web(request), user, current=current, new=new, again=again)
    except SauroError as error:
        return render(request, "password.html", user, status=400, error=str(error),
                      password_min=PASSWORD_MIN)  # fmt: skip
    return flash.done(request, "/login", "Đã đổi mật khẩu: đăng nhập lại bằng mật khẩu mới.")
