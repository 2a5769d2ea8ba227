"""``sauro directory``: the directory of units and people as a file, once the database is
its source of truth (after ``sauro init``): export it, import a file with a preview."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.cli import common
from engine.directory.exchange import (
    apply_import,
    describe,
    export_directory,
    plan_import,
    today_of,
)
from engine.directory.schema import parse_directory
from engine.errors import SauroError
from engine.store.db import session_scope

directory_app = typer.Typer(
    help="Danh mục đơn vị, cán bộ: xuất ra tệp directory.yaml, nạp tệp (xem trước rồi mới ghi).",
    no_args_is_help=True,
)


@directory_app.command("export")
def export(
    file: Annotated[
        Path | None,
        typer.Argument(metavar="TỆP", help="Tệp ghi ra (mặc định: in ra màn hình)."),
    ] = None,
    org: Annotated[
        list[str] | None,
        typer.Option("--org", help="Chỉ xuất tổ chức này (ghi nhiều lần cho nhiều tổ chức)."),
    ] = None,
) -> None:
    """Xuất danh mục trong cơ sở dữ liệu thành tệp directory.yaml."""
    current = common.settings()
    configs = common.configs(current)
    report_to = {o.code: o.report_to for o in configs.directory.organizations}
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            text = export_directory(
                session,
                org_codes=tuple(org or ()),
                default_organization=configs.directory.default_organization,
                report_to=report_to,
                now=common.now(),
            )
    finally:
        engine.dispose()
    if file is None:
        typer.echo(text, nl=False)
        return
    file.write_text(text, encoding="utf-8")
    typer.echo(f"Đã xuất danh mục ra {file}.")


@directory_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(metavar="TỆP", help="Tệp directory.yaml cần nạp.")],
    apply: Annotated[
        bool, typer.Option("--apply", help="Ghi các thay đổi (mặc định chỉ xem trước).")
    ] = False,
    retire_with_tasks: Annotated[
        bool,
        typer.Option(
            "--retire-with-tasks",
            help="Vẫn cho thôi hoạt động người không có trong tệp (hoặc ghi left) dù còn "
            "nhiệm vụ đang làm.",
        ),
    ] = False,
) -> None:
    """Nạp tệp directory.yaml vào cơ sở dữ liệu: xem trước thay đổi; --apply để ghi."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise SauroError(f"Không đọc được tệp {file} ({error.strerror}).") from None
    directory = parse_directory(text, str(file))
    current = common.settings()
    engine = common.database(current)
    now = common.now()
    try:
        with session_scope(engine) as session:
            plan = plan_import(
                session, directory, retire_with_tasks=retire_with_tasks, today=today_of(now)
            )
            for line in describe(plan):
                typer.echo(line)
            if apply and not plan.empty:
                apply_import(plan, actor=common.actor(f"cli:directory import {file.name}"), now=now)
    finally:
        engine.dispose()
    if plan.empty:
        typer.echo("Không có thay đổi nào.")
    elif apply:
        typer.echo(f"Đã nạp {len(plan.changes)} thay đổi vào danh mục.")
    else:
        typer.echo(f"{len(plan.changes)} thay đổi (xem trước, chưa ghi): thêm --apply để ghi.")
