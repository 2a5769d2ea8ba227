"""``sauro user``: web accounts (add, list, change password or role, disable), each change
audited."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer

from engine.cli import common
from engine.directory import accounts
from engine.directory.accounts import (
    ROLE_LABELS,
    AccountLine,
    add_user,
    check_confirmation,
    disable_user,
    enable_user,
    list_users,
    parse_role,
    set_password,
)
from engine.store.db import session_scope
from engine.store.models import UserAccount

user_app = typer.Typer(
    help="Tài khoản đăng nhập ứng dụng web: thêm, liệt kê, đổi mật khẩu, đổi vai trò, khóa, "
    "mở lại.",
    no_args_is_help=True,
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
    check_confirmation(first, again)
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


@user_app.command("role")
def role(
    username: UsernameArg,
    new_role: Annotated[str, typer.Argument(metavar="VAI_TRÒ", help=f"Vai trò mới: {_ROLES}.")],
    person: Annotated[
        str | None,
        typer.Option(
            "--person",
            help="Họ tên hoặc email của cán bộ trong danh mục gắn với tài khoản (mặc định: giữ "
            "cán bộ đang gắn).",
        ),
    ] = None,
    no_person: Annotated[
        bool, typer.Option("--no-person", help="Bỏ gắn cán bộ (quản trị, cơ quan thường trực).")
    ] = False,
) -> None:
    """Đổi vai trò của tài khoản (kiểm tra với danh mục cán bộ, ghi nhật ký, đăng xuất mọi
    phiên đang mở)."""
    chosen = parse_role(new_role)
    current = common.settings()
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            account = accounts.change_role(
                session,
                username=username,
                role=chosen,
                person="" if no_person else person,
                actor=common.actor("cli:user role"),
                now=common.now(),
            )
            name = account.username
    finally:
        engine.dispose()
    typer.echo(f"Đã đổi vai trò của '{name}' thành {ROLE_LABELS[chosen]}.")


_HEADERS = (
    "Tên đăng nhập",
    "Vai trò",
    "Cơ quan",
    "Cán bộ",
    "Đơn vị",
    "Trạng thái",
    "Đăng nhập gần nhất",
)


@user_app.command("list")
def list_command(
    org: Annotated[
        str | None, typer.Option("--org", help="Chỉ các tài khoản của đơn vị hành chính này.")
    ] = None,
) -> None:
    """Liệt kê tài khoản: vai trò, cơ quan, cán bộ và đơn vị, trạng thái, lần đăng nhập gần
    nhất (giờ Việt Nam)."""
    current = common.settings()
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            lines = list_users(session, org_code=org, now=common.now())
    finally:
        engine.dispose()
    if not lines:
        typer.echo("Chưa có tài khoản nào.")
        return
    typer.echo(_table(lines))


def _table(lines: list[AccountLine]) -> str:
    rows = [_HEADERS] + [
        (a.username, a.role, a.organization, a.person or "—", a.unit or "—", a.state,
         a.last_login or "chưa đăng nhập")
        for a in lines
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS))]
    text = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows]  # fmt: skip
    return "\n".join(text)
