"""``sauro report``: the period report (NĐ 30 ``.docx``) and its annex (``.xlsx``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session, col, select

from engine.cli import common
from engine.directory_store import get_organization
from engine.models import Organization, Person, PersonRole
from engine.periods import parse_period
from engine.report_annex import write_annex
from engine.report_data import build_report_data
from engine.report_document import render_report
from engine.status import local_date
from engine.workdays import WorkCalendar

TEMPLATE = Path("report") / "bao_cao_cchc.docx"


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
    number: Annotated[int, typer.Option("--number", help="Số văn bản, ví dụ 5 → 05/BC-UBND.")] = 1,
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
) -> None:
    """Lập báo cáo kỳ theo thể thức Nghị định 30/2020 (.docx) và biểu số liệu (.xlsx)."""
    current = common.settings()
    configs = common.configs(current)
    org_code = common.default_org(configs, org)
    calendar = WorkCalendar(configs.calendar)
    chosen = parse_period(period, configs.reporting, calendar)
    now = common.now()
    engine = common.database(current)
    try:
        with Session(engine) as session:
            organization = get_organization(session, org_code)
            signer = _chairman(session, organization)
            data = build_report_data(
                session.connection(),
                org_code=org_code,
                period=chosen,
                now=now,
                areas=[(area.code, area.name) for area in configs.areas.areas],
            )
    finally:
        engine.dispose()
    out.mkdir(parents=True, exist_ok=True)
    document = render_report(
        data,
        template=current.config_dir / TEMPLATE,
        out=out / f"bao-cao-{org_code}-{chosen.code}.docx",
        number=number,
        issued_on=_day(issued_on) or local_date(now),
        signer=signer,
        recipients=recipients or _default_recipients(organization),
    )
    annex = write_annex(data, out / f"bieu-so-lieu-{org_code}-{chosen.code}.xlsx")
    typer.echo(f"Báo cáo {chosen.label}: {document}")
    typer.echo(f"Biểu số liệu: {annex}")


def _chairman(session: Session, organization: Organization) -> str:
    """The Chairman who signs ("TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH")."""
    query = select(Person.name).where(
        Person.organization_id == organization.id,
        Person.role == PersonRole.CHAIRMAN,
        col(Person.active),
    )
    return session.exec(query).first() or ""


def _default_recipients(organization: Organization) -> list[str]:
    upper = [organization.parent_name] if organization.parent_name else []
    return [*upper, "Sở Nội vụ", "Chủ tịch, các Phó Chủ tịch UBND", "Các cơ quan, đơn vị"]


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"'{text}' không phải ngày dạng YYYY-MM-DD") from None
