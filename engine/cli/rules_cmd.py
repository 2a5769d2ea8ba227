"""``sauro rules …``: validate the administrator-edited config files."""

from __future__ import annotations

import typer

from engine.cli import common
from engine.config import check_configs

rules_app = typer.Typer(help="Quy tắc và cấu hình: kiểm tra tính hợp lệ.", no_args_is_help=True)


@rules_app.command("check")
def rules_check() -> None:
    """Kiểm tra mọi tệp cấu hình; báo từng lỗi kèm tệp, mục, trường và dòng."""
    current = common.settings()
    names = check_configs(current.config_dir)
    typer.echo(f"Cấu hình hợp lệ ({current.config_dir}): " + ", ".join(names))
