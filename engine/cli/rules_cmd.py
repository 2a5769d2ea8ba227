"""``sauro rules …``: validate the administrator-edited config files, and preview what
today's cycle would send (``sauro rules preview``, from ``remind_cmd``)."""

from __future__ import annotations

import typer

from engine.cli import common, remind_cmd
from engine.configs.files import check_configs

rules_app = typer.Typer(help="Quy tắc và cấu hình: kiểm tra tính hợp lệ.", no_args_is_help=True)


@rules_app.command("check")
def rules_check() -> None:
    """Kiểm tra mọi tệp cấu hình; báo từng lỗi kèm tệp, mục, trường và dòng."""
    current = common.settings()
    names = check_configs(current.config_dir)
    typer.echo(f"Cấu hình hợp lệ ({current.config_dir}): " + ", ".join(names))


rules_app.command("preview")(remind_cmd.preview)
