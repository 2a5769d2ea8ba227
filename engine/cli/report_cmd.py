"""``sauro report``: the period report (NĐ 30 ``.docx``, charts, PDF) and its annex
(``.xlsx``), optionally mailed; ``sauro reporting run``: one day of the reporting calendar."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlmodel import Session

from engine.calendar.periods import Period, parse_period
from engine.calendar.status import local_date
from engine.calendar.workdays import WorkCalendar
from engine.cli import common
from engine.configs.files import Configs
from engine.directory.store import get_organization
from engine.errors import SauroError
from engine.reports import approval
from engine.reports.assembly import ReportFiles, write_period_report
from engine.reports.cycle import run_reporting_day
from engine.reports.sending import send_upward
from engine.store.db import session_scope
from engine.store.models import require_id
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
        Path,
        typer.Option(
            "--out",
            help="Thư mục ghi báo cáo; mỗi báo cáo một thư mục <đơn vị>-<kỳ>, thay cả bộ tệp "
            "khi lập lại (mặc định: ./bao-cao).",
        ),
    ] = Path("bao-cao"),
    issued_on: Annotated[
        str | None,
        typer.Option(
            "--date",
            callback=common.day_option,
            help="Ngày ghi trên văn bản, YYYY-MM-DD (mặc định: hôm nay, giờ Việt Nam); với "
            "--step issue là ngày ban hành.",
        ),
    ] = None,
    step: Annotated[
        str | None,
        typer.Option(
            "--step",
            help="Bước duyệt: submit (trình ký), approve (duyệt, cùng --as Chủ tịch hoặc Phó "
            "Chủ tịch), return (trả lại, cùng --as và --reason), issue (ban hành: lấy số tiếp "
            "theo trong sổ văn bản đi của năm).",
        ),
    ] = None,
    who: Annotated[
        str | None,
        typer.Option("--as", help="Người duyệt hoặc trả lại: họ tên hoặc email trong danh mục."),
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="Lý do trả lại báo cáo.")] = "",
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            callback=common.at_option,
            help="Làm như vào thời điểm này, YYYY-MM-DDTHH:MM (giờ Việt Nam nếu không ghi múi "
            "giờ); mặc định: bây giờ.",
        ),
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
            help="Gửi báo cáo đã ban hành cho cơ quan thường trực và cấp trên (report_to); mỗi "
            "địa chỉ nhận một lần. Bản nháp không gửi cấp trên.",
        ),
    ] = False,
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Chuyển sang PDF khi có LibreOffice.")
    ] = True,
) -> None:
    """Lập báo cáo kỳ theo thể thức Nghị định 30/2020 (.docx, biểu đồ, PDF) và biểu số liệu
    (.xlsx); trình ký, duyệt, ban hành (lấy số) và gửi cấp trên."""
    current = common.settings()
    configs = common.configs(current)
    org_code = common.default_org(configs, org)
    chosen = parse_period(period, configs.reporting, WorkCalendar(configs.calendar))
    now = common.instant(at)
    engine = common.database(current)
    try:
        if step:
            _step(engine, org_code, chosen, step, who=who, reason=reason, day=_day(issued_on),
                  now=now)  # fmt: skip
        files = write_period_report(
            engine, configs=configs, config_dir=current.config_dir,
            org_code=org_code, period=chosen, now=now, out=out,
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
            _send(engine, files, configs, org_code, chosen, now)
    finally:
        engine.dispose()


def _step(
    engine: Engine,
    org_code: str,
    period: Period,
    step: str,
    *,
    who: str | None,
    reason: str,
    day: date | None,
    now: datetime,
) -> None:
    """One step of the report's approval, as ``--step`` names it."""
    actor = common.actor(f"cli:report --step {step}")
    with session_scope(engine) as session:
        org_id = require_id(get_organization(session, org_code))
        if step == "submit":
            approval.submit(session, organization_id=org_id, period=period, actor=actor, now=now)
        elif step in {"approve", "return"}:
            if not who:
                raise SauroError(f"--step {step} cần --as: họ tên hoặc email của người duyệt.")
            if step == "approve":
                approval.approve(
                    session,
                    organization_id=org_id,
                    period=period,
                    approver=who,
                    actor=actor,
                    now=now,
                )
            else:
                approval.return_to_draft(
                    session,
                    organization_id=org_id,
                    period=period,
                    approver=who,
                    reason=reason,
                    actor=actor,
                    now=now,
                )
        elif step == "issue":
            approval.issue(
                session,
                organization_id=org_id,
                period=period,
                issued_on=day or local_date(now),
                actor=actor,
                now=now,
            )
        else:
            raise SauroError(f"Bước '{step}' không có: dùng submit, approve, return hoặc issue.")
        state = approval.state_of(session, org_id, period.code)
    typer.echo(f"Báo cáo {period.label}: {approval.STATE_LABELS[state]}.")


def _send(
    engine: Engine, files: ReportFiles, configs: Configs, org_code: str, period: Period,
    now: datetime,
) -> None:  # fmt: skip
    with Session(engine) as session:
        organization = get_organization(session, org_code)
    config = next((o for o in configs.directory.organizations if o.code == org_code), None)
    delivery = asyncio.run(
        send_upward(
            engine, files, organization=organization, config=config, period=period,
            smtp=SmtpSettings(), actor=common.actor("cli:report --send"), now=now,
        )
    )  # fmt: skip
    typer.echo(delivery.summary())


def _day(text: str | None) -> date | None:
    return common.day(text, "--date") if text else None


@reporting_app.command("run")
def run(
    org: Annotated[
        str | None, typer.Option("--org", help="Chỉ một cơ quan (mặc định: mọi cơ quan).")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            callback=common.at_option,
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
