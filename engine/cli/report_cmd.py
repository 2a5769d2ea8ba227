"""``sauro report``: the period report (NĐ 30 ``.docx``, charts, PDF) and its annex
(``.xlsx``), optionally mailed; ``sauro reporting run``: one day of the reporting calendar."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlmodel import Session

from engine.calendar.periods import parse_period
from engine.calendar.workdays import WorkCalendar
from engine.cli import common
from engine.configs.files import Configs
from engine.directory.store import get_organization
from engine.reports.assembly import ReportFiles, write_period_report
from engine.reports.cycle import report_messages, report_recipients, run_reporting_day
from notifications.delivery import deliver_with_settings
from notifications.ledger import DatabaseLedger
from notifications.smtp_settings import SmtpSettings

reporting_app = typer.Typer(
    help="Lịch báo cáo định kỳ: gửi biểu cho đơn vị, tổng hợp và gửi báo cáo kỳ.",
    no_args_is_help=True,
)


def report(
    org: Annotated[
        str | None, typer.Option("--org", help="Mã đơn vị hành chính (mặc định theo cấu hình).")
    ] = None,
    period: Annotated[
        str, typer.Option("--period", help="Kỳ báo cáo: 2026-Q1, 2026-H1, 2026-Q3 hoặc 2026.")
    ] = "",
    out: Annotated[
        Path, typer.Option("--out", help="Thư mục ghi báo cáo (mặc định: ./bao-cao).")
    ] = Path("bao-cao"),
    number: Annotated[
        int | None,
        typer.Option(
            "--number",
            min=1,
            help="Số văn bản, ví dụ 5 → 05/BC-UBND; bỏ trống để văn thư ghi số khi đăng ký.",
        ),
    ] = None,
    issued_on: Annotated[
        str | None,
        typer.Option("--date", help="Ngày ký, YYYY-MM-DD (mặc định: hôm nay, giờ Việt Nam)."),
    ] = None,
    recipients: Annotated[
        list[str] | None,
        typer.Option(
            "--recipient", help="Nơi nhận (lặp lại cho từng nơi); mặc định theo cấp trên."
        ),
    ] = None,
    send: Annotated[
        bool,
        typer.Option(
            "--send",
            help="Gửi báo cáo qua thư điện tử cho cơ quan thường trực và nơi nhận cấu hình "
            "(report_to trong directory.yaml); mỗi địa chỉ nhận một lần.",
        ),
    ] = False,
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Chuyển sang PDF khi có LibreOffice.")
    ] = True,
) -> None:
    """Lập báo cáo kỳ theo thể thức Nghị định 30/2020 (.docx, biểu đồ, PDF) và biểu số liệu
    (.xlsx)."""
    current = common.settings()
    configs = common.configs(current)
    org_code = common.default_org(configs, org)
    chosen = parse_period(period, configs.reporting, WorkCalendar(configs.calendar))
    now = common.now()
    engine = common.database(current)
    try:
        files = write_period_report(
            engine, configs=configs, config_dir=current.config_dir,
            org_code=org_code, period=chosen, now=now, out=out, number=number,
            issued_on=_day(issued_on), recipients=recipients, pdf=pdf,
        )  # fmt: skip
        typer.echo(f"Báo cáo {chosen.label}: {files.document}")
        typer.echo(f"Biểu số liệu: {files.annex}")
        typer.echo(f"Biểu đồ: {files.charts.areas}, {files.charts.units}")
        if files.pdf:
            typer.echo(f"PDF: {files.pdf}")
        elif pdf:
            typer.echo("PDF: máy chưa cài LibreOffice (soffice), bỏ qua.")
        if send:
            _send(engine, files, configs, org_code)
    finally:
        engine.dispose()


def _send(engine: Engine, files: ReportFiles, configs: Configs, org_code: str) -> None:
    with Session(engine) as session:
        organization = get_organization(session, org_code)
    config = next((o for o in configs.directory.organizations if o.code == org_code), None)
    recipients = report_recipients(engine, organization, config, upward=True)
    messages = report_messages(files, recipients)
    if not messages:
        typer.echo(
            "Chưa gửi: không có địa chỉ nhận báo cáo (người của cơ quan thường trực, "
            "report_to trong directory.yaml)."
        )
        return
    delivery = asyncio.run(
        deliver_with_settings(messages, SmtpSettings(), ledger=DatabaseLedger(engine))
    )
    typer.echo(delivery.summary())


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"'{text}' không phải ngày dạng YYYY-MM-DD") from None


@reporting_app.command("run")
def run(
    org: Annotated[
        str | None, typer.Option("--org", help="Chỉ một cơ quan (mặc định: mọi cơ quan).")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Chạy như thể đang ở thời điểm này, YYYY-MM-DDTHH:MM (giờ Việt Nam nếu không "
            "ghi múi giờ); mặc định: bây giờ.",
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Thư mục ghi biểu và báo cáo (mặc định: ./bao-cao).")
    ] = Path("bao-cao"),
    send: Annotated[
        bool, typer.Option("--send", help="Gửi cả báo cáo kỳ lên nơi nhận (report_to).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Lập biểu, báo cáo và danh sách thư; không gửi.")
    ] = False,
) -> None:
    """Một ngày của lịch báo cáo: gửi biểu cho đơn vị trong những ngày trước hạn, tổng hợp và
    gửi báo cáo kỳ từ ngày tổng hợp (mỗi thư chỉ gửi một lần)."""
    current = common.settings()
    common.configs(current)
    common.database(current).dispose()
    day = asyncio.run(
        run_reporting_day(
            database_url=current.database_url, config_dir=current.config_dir, org_code=org,
            now=common.instant(at), out_dir=out, send_upward=send, dry_run=dry_run,
            base_url=current.base_url,
        )
    )  # fmt: skip
    typer.echo(day.summary())
