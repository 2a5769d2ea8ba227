"""The ``sauro`` command line: one Typer app, one module per group of commands.

Command modules are imported when their command runs, not when ``sauro`` starts:
``COMMANDS`` names each command's module and the line ``sauro --help`` lists it with, so
``sauro --help`` and ``sauro deadline …`` never load the report, database or scheduling
libraries (matplotlib, openpyxl, python-docx, alembic, Prefect) that other commands need.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, cast

import typer
import typer.main
from typer import _click as click  # Typer 0.29 vendors Click: TyperGroup holds these classes
from typer.core import TyperCommand

from engine.cli.wording import VietnameseCommand, VietnameseGroup, install
from engine.errors import SauroError


@dataclass(frozen=True)
class CommandEntry:
    """Where a command lives (``module:attribute``: a function or a Typer group) and the
    line ``sauro --help`` lists it with (the first paragraph of the command's own help)."""

    target: str
    summary: str


# In the order ``sauro --help`` lists them.
COMMANDS: dict[str, CommandEntry] = {
    "init": CommandEntry(
        "engine.cli.db:init",
        "Tạo hoặc nâng cấp cơ sở dữ liệu rồi nạp danh mục đơn vị, cán bộ từ cấu hình.",
    ),
    "import": CommandEntry(
        "engine.cli.plans:import_command",
        "Nhập bảng phân công nhiệm vụ của kế hoạch, hoặc các nhiệm vụ giao trong một văn bản, "
        "vào cơ sở dữ liệu (một giao dịch).",
    ),
    "check": CommandEntry(
        "engine.cli.check:check_command",
        "Kiểm tra 6 rõ: rõ người, rõ việc, rõ thời gian, rõ trách nhiệm, rõ thẩm quyền, "
        "rõ kết quả.",
    ),
    "remind": CommandEntry(
        "engine.cli.remind_cmd:remind",
        "Chạy một lượt nhắc việc và báo cáo: lập kế hoạch, gửi, để lại, không gửi được.",
    ),
    "report": CommandEntry(
        "engine.cli.report_cmd:report",
        "Lập báo cáo kỳ theo thể thức Nghị định 30/2020 (.docx, biểu đồ, PDF) và biểu số liệu "
        "(.xlsx); trình ký, duyệt, ban hành (lấy số) và gửi cấp trên.",
    ),
    "deadline": CommandEntry(
        "engine.cli.deadline:deadline",
        'Đọc ô thời hạn (cột "Thời gian thực hiện"): hạn hoàn thành, các mốc và lý do.',
    ),
    "calendar": CommandEntry(
        "engine.cli.calendar_cmd:calendar",
        "Lịch làm việc của một năm: các ngày nghỉ rơi vào ngày thường và các ngày làm bù.",
    ),
    "serve": CommandEntry(
        "engine.cli.serve_cmd:serve",
        "Ứng dụng web và lịch nhắc việc: 07:00 mỗi ngày làm việc (giờ Việt Nam).",
    ),
    "deploy": CommandEntry(
        "engine.cli.serve_cmd:deploy",
        "Đăng ký chu trình nhắc việc lên máy chủ Prefect: 07:00 Thứ Hai – Thứ Bảy.",
    ),
    "db": CommandEntry("engine.cli.db:db_app", "Cơ sở dữ liệu: tạo mới, nâng cấp lược đồ."),
    "rules": CommandEntry(
        "engine.cli.rules_cmd:rules_app", "Quy tắc và cấu hình: kiểm tra tính hợp lệ."
    ),
    "config": CommandEntry(
        "engine.cli.config_cmd:config_app",
        "Sửa tệp cấu hình và mẫu thư: kiểm tra, xem trước tác động, lưu có lịch sử, khôi "
        "phục phiên bản cũ.",
    ),
    "reporting": CommandEntry(
        "engine.cli.report_cmd:reporting_app",
        "Lịch báo cáo định kỳ: gửi biểu cho đơn vị, tổng hợp và gửi báo cáo kỳ.",
    ),
    "task": CommandEntry(
        "engine.cli.task_cmd:task_app",
        "Xem nhiệm vụ; giao nhiệm vụ, giao người thực hiện, phối hợp, báo cáo tiến độ, ghi "
        "nhận hoàn thành, xác nhận hoặc trả lại kết quả, đề nghị và quyết định gia hạn.",
    ),
    "unit-report": CommandEntry(
        "engine.cli.unit_report_cmd:unit_report_app",
        "Biểu báo cáo của đơn vị: xuất biểu theo kỳ, nhận biểu đơn vị đã điền.",
    ),
    "user": CommandEntry(
        "engine.cli.user_cmd:user_app",
        "Tài khoản đăng nhập ứng dụng web: thêm, liệt kê, đổi mật khẩu, đổi vai trò, khóa, mở lại.",
    ),
    "demo": CommandEntry(
        "engine.cli.demo_cmd:demo",
        "Dựng dữ liệu mẫu của xã Xuân Dương theo ngày hôm nay, kèm tài khoản cho mọi vai trò.",
    ),
    "directory": CommandEntry(
        "engine.cli.directory_cmd:directory_app",
        "Danh mục đơn vị, cán bộ: xuất ra tệp directory.yaml, nạp tệp (xem trước rồi mới ghi).",
    ),
}


def load_command(name: str) -> click.Command:
    """The real click command of ``name``: its module imported, its Typer object built as
    ``app.command`` or ``app.add_typer`` would have built it."""
    module, attribute = COMMANDS[name].target.split(":")
    target = getattr(importlib.import_module(module), attribute)
    parent = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    if isinstance(target, typer.Typer):
        _vietnamese(target)
        parent.add_typer(target, name=name, cls=VietnameseGroup)
        group = cast(VietnameseGroup, typer.main.get_command(parent))  # a sub-Typer: a group
        command: click.Command = group.commands[name]
        return command
    parent.command(name, cls=VietnameseCommand)(target)
    return typer.main.get_command(parent)


def _vietnamese(group: typer.Typer) -> None:
    """Every command of a command module's Typer built as a ``VietnameseCommand`` (Typer
    registers a plain ``TyperCommand``; the modules nest no Typer in another)."""
    for info in group.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = VietnameseCommand


class _Listed(TyperCommand):
    """A command as ``sauro --help`` lists it, before its module is imported."""

    def __init__(self, name: str, summary: str) -> None:
        super().__init__(name, help=summary, short_help=summary)


class SauroGroup(VietnameseGroup):
    """The ``sauro`` group: loads a command's module when it is run, and turns every
    SauroError, and the database lost mid-run, into its Vietnamese message on stderr and
    exit code 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        install()  # before Typer prints any help or error
        super().__init__(*args, **kwargs)
        for name, entry in COMMANDS.items():
            self.commands.setdefault(name, _Listed(name, entry.summary))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and isinstance(command, _Listed):
            command = self.commands[name] = load_command(name)
        return name, command, rest

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except SauroError as error:
            typer.echo(f"Lỗi: {error}", err=True)
            raise typer.Exit(error.exit_code) from None
        except Exception as error:
            from engine.store.db import database_lost

            lost = database_lost(error)
            if lost is None:
                raise
            typer.echo(f"Lỗi: {lost}", err=True)
            raise typer.Exit(lost.exit_code) from None


app = typer.Typer(
    name="sauro",
    cls=SauroGroup,
    pretty_exceptions_enable=False,
    help="Sáu Rõ: kế hoạch vào, 6 rõ ra. Quản lý nhiệm vụ theo nguyên tắc 6 rõ.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _sauro() -> None:
    """Runs before every command: a wrong ``SAURO_*`` variable is refused here, with its
    name, before the command does anything (also makes ``app`` a group although no command
    is registered on it, see ``SauroGroup``)."""
    from engine.configs.settings import check_environment  # pydantic-settings: not for --help

    check_environment()


def main() -> None:
    """Entry point of the ``sauro`` command."""
    app()
