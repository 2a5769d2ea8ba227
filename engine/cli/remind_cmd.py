"""``sauro remind`` and ``sauro rules preview``: one reminder cycle, sent or only shown."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

from engine.cli import common
from engine.reminders.cycle import CycleReport, run_cycle
from notifications.zalo_settings import ZaloSettings

OrgOpt = Annotated[
    str | None,
    typer.Option("--org", help="Mã đơn vị hành chính; bỏ trống: mọi đơn vị trong cơ sở dữ liệu."),
]
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at",
        callback=common.at_option,
        help="Chạy như vào thời điểm này, dạng YYYY-MM-DDTHH:MM (giờ Việt Nam nếu không ghi "
        "múi giờ); mặc định: bây giờ.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")]


def remind(
    org: OrgOpt = None,
    at: AtOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Chỉ lập danh sách thư, không gửi, không ghi gì.")
    ] = False,
    as_json: JsonOpt = False,
    again: Annotated[
        bool,
        typer.Option(
            "--again",
            help="Chạy lại cho đơn vị đã chạy xong hôm nay (thư đã gửi không gửi lại); "
            "đơn vị đang do lượt khác chạy vẫn bỏ qua.",
        ),
    ] = False,
) -> None:
    """Chạy một lượt nhắc việc và báo cáo: lập kế hoạch, gửi, để lại, không gửi được.

    Mỗi đơn vị chỉ chạy một lượt mỗi ngày: đơn vị đã chạy xong hôm nay, hoặc đang do lượt
    khác (máy chủ khác, lịch khác) chạy, được bỏ qua và ghi rõ trong kết quả."""
    _run(org, at, dry_run=dry_run, as_json=as_json, again=again)


def preview(org: OrgOpt = None, at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """Xem cấu hình hiện tại sẽ gửi những thư nào (không gửi, không ghi gì)."""
    _run(org, at, dry_run=True, as_json=as_json)


def _run(
    org: str | None, at: str | None, *, dry_run: bool, as_json: bool, again: bool = False
) -> None:
    current = common.settings()
    common.database(current).dispose()  # checks the schema, with a Vietnamese error
    report: CycleReport = asyncio.run(
        run_cycle(
            database_url=current.database_url,
            config_dir=current.config_dir,
            org_code=org,
            now=common.instant(at),
            dry_run=dry_run,
            base_url=current.base_url,
            zalo=None if dry_run else ZaloSettings(),
            again=again,
        )
    )
    if as_json:
        report.write_json(sys.stdout)
    else:
        typer.echo(report.summary())
