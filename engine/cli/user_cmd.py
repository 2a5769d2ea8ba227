"""``sauro user``: web accounts (add, change password, disable), each change audited."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer

from engine.cli import common
from engine.directory.accounts import (
    ROLE_LABELS,
    add_user,
    disable_user,
    enable_user,
    parse_role,
    set_password,
)
from engine.errors import SauroError
from engine.store.db import session_scope
from engine.store.models import UserAccount

user_app = typer.Typer(
    help="Tài khoản đăng nhập ứng dụng web: thêm, đổi mật khẩu, khóa, mở lại.", no_args_is_help=True
)

UsernameArg = Annotated[str, typer.Argument(metavar="TÊN", help="Tên đăng nhập.")]
StdinOpt = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Đọc mật khẩu từ dòng đầu của đầu vào chuẩn thay vì hỏi."
    ),
]
_ROLES = ", ".join(f"{role.value} ({label})" for role, label in ROLE_LABELS.items())


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first: str = typer.prompt("Mật khẩu", hide_input=True)
    again: str = typer.prompt("Nhập lại mật khẩu", hide_input=True)
    if first != again:
        raise SauroError("Hai lần nhập mật khẩu không khớp nhau.")
    return first


@user_app.command("add")
def add(
    username: UsernameArg,
    role: Annotated[str, typer.Option("--role", help=f"Vai trò: {_ROLES}.")],
    org: Annotated[
        str | None, typer.Option("--org", help="Mã đơn vị hành chính (mặc định theo cấu hình).")
    ] = None,
    person: Annotated[
        str | None,
        typer.Option(
            "--person",
            help="Họ tên hoặc email của cán bộ trong danh mục (bắt buộc với thủ trưởng đơn vị, "
            "cán bộ, Chủ tịch, Phó Chủ tịch).",
        ),
    ] = None,
    password_stdin: StdinOpt = False,
) -> None:
    """Thêm tài khoản đăng nhập."""
    chosen = parse_role(role)
    current = common.settings()
    org_code = common.default_org(common.configs(current), org)
    password = _password(password_stdin)
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            account = add_user(
                session,
                username=username,
                password=password,
                role=chosen,
                org_code=org_code,
                person=person,
                actor=common.actor("cli:user add"),
                now=common.now(),
            )
            name = account.username
    finally:
        engine.dispose()
    typer.echo(f"Đã thêm tài khoản '{name}' ({ROLE_LABELS[chosen]}, {org_code}).")


@user_app.command("passwd")
def passwd(username: UsernameArg, password_stdin: StdinOpt = False) -> None:
    """Đổi mật khẩu (mở khóa tài khoản, đăng xuất mọi phiên đang mở)."""
    current = common.settings()
    password = _password(password_stdin)
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            set_password(
                session,
                username=username,
                password=password,
                actor=common.actor("cli:user passwd"),
                now=common.now(),
            )
    finally:
        engine.dispose()
    typer.echo(f"Đã đổi mật khẩu của '{username}'.")


@user_app.command("disable")
def disable(username: UsernameArg) -> None:
    """Khóa tài khoản: không đăng nhập được nữa, mọi phiên đang mở kết thúc."""
    _set_active(username, disable_user, "disable")
    typer.echo(f"Đã khóa tài khoản '{username}'.")


@user_app.command("enable")
def enable(username: UsernameArg) -> None:
    """Mở lại tài khoản đã khóa (đăng nhập bằng mật khẩu cũ)."""
    _set_active(username, enable_user, "enable")
    typer.echo(f"Đã mở lại tài khoản '{username}'.")


def _set_active(username: str, change: Callable[..., UserAccount], verb: str) -> None:
    current = common.settings()
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            change(
                session, username=username, actor=common.actor(f"cli:user {verb}"), now=common.now()
            )
    finally:
        engine.dispose()
