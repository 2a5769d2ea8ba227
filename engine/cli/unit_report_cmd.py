"""``sauro unit-report``: export each unit's report form for a period (``export``) and
record a returned form (``submit``) in one transaction, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session, col, select

from engine.calendar.deadlines import format_date
from engine.calendar.periods import parse_period
from engine.calendar.workdays import WorkCalendar
from engine.cli import common
from engine.directory.store import find_person, get_organization
from engine.errors import NotFoundError
from engine.reports.data import report_data
from engine.reports.unit_forms import apply_unit_form, read_unit_form, unit_tasks, write_unit_form
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import Organization, Unit

unit_report_app = typer.Typer(
    help="Biểu báo cáo của đơn vị: xuất biểu theo kỳ, nhận biểu đơn vị đã điền.",
    no_args_is_help=True,
)

_NAME_MAX = 128


@unit_report_app.command("export")
def export(
    org: Annotated[str, typer.Option("--org", help="Mã cơ quan, vd. kien-tuong.")],
    period: Annotated[str, typer.Option("--period", help="Mã kỳ báo cáo, vd. 2026-Q1, 2026-H1.")],
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="Mã đơn vị; bỏ trống để xuất biểu cho mọi đơn vị có nhiệm vụ."),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Thư mục lưu biểu (mặc định: thư mục hiện tại).")
    ] = Path("."),
) -> None:
    """Xuất biểu báo cáo (.xlsx) của đơn vị cho một kỳ: nhiệm vụ trong kỳ và các cột để điền."""
    current = common.settings()
    configs = common.configs(current)
    chosen = parse_period(period, configs.reporting, WorkCalendar(configs.calendar))
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            organization = get_organization(session, org)
            units = _units(session, organization, unit)
            data = report_data(
                session.connection(),
                configs=configs,
                org_code=org,
                period=chosen,
                now=common.now(),
            )
    finally:
        engine.dispose()
    written = 0
    for code, name in units:
        if unit is None and not unit_tasks(data, name):
            continue
        path = out / f"bao-cao-{org}-{chosen.code}-{code}.xlsx"
        rows = write_unit_form(
            path, data=data, unit_code=code, unit_name=name, org=org, period=chosen
        )
        written += 1
        typer.echo(f"Đã xuất {path} ({name}: {rows} nhiệm vụ).")
    if written == 0:
        typer.echo(f"Không đơn vị nào của {organization.name} có nhiệm vụ trong {chosen.label}.")
    else:
        typer.echo(f"Hạn đơn vị gửi báo cáo: {format_date(chosen.unit_deadline)}.")


def _units(session: Session, organization: Organization, code: str | None) -> list[tuple[str, str]]:
    query = select(Unit).where(Unit.organization_id == organization.id).order_by(col(Unit.name))
    units = [(u.code, u.name) for u in session.exec(query)]
    if code is None:
        return units
    found = [u for u in units if u[0] == code]
    if not found:
        known = ", ".join(c for c, _ in units) or "chưa có"
        raise NotFoundError(f"{organization.name} không có đơn vị mã '{code}' (đã có: {known}).")
    return found


@unit_report_app.command("submit")
def submit(
    file: Annotated[
        Path, typer.Argument(metavar="TỆP", help="Biểu báo cáo (.xlsx) đơn vị đã điền.")
    ],
    acting_as: Annotated[
        str | None,
        typer.Option("--as", help="Họ tên (hoặc email) của cán bộ nhận biểu, theo danh mục."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            callback=common.at_option,
            help="Thời điểm nộp, dạng YYYY-MM-DDTHH:MM (giờ Việt Nam nếu không ghi múi giờ); "
            "mặc định: bây giờ.",
        ),
    ] = None,
) -> None:
    """Ghi nhận biểu báo cáo đơn vị đã điền: kiểm tra toàn bộ trước, có lỗi thì không ghi gì."""
    now = common.instant(at)
    submission = read_unit_form(file)
    current = common.settings()
    configs = common.configs(current)
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            actor = common.actor(f"cli:unit-report submit {file.name}")
            if acting_as is not None:
                organization = get_organization(session, submission.org_code)
                person = find_person(session, organization_id=organization.id or 0, who=acting_as)
                actor = Actor(name=_fit(f"{actor.name} as {person.name}"), source=actor.source)
            calendar = WorkCalendar(configs.calendar)
            summary = apply_unit_form(
                session,
                submission,
                actor=actor,
                now=now,
                reporting=configs.reporting,
                calendar=calendar,
            )
            unit = _unit_name(session, submission.org_code, submission.unit_code)
    finally:
        engine.dispose()
    period = parse_period(submission.period_code, configs.reporting, calendar)
    typer.echo(
        f"Đã ghi nhận biểu {file.name} ({unit}, {period.label}): "
        f"{summary.completed} nhiệm vụ hoàn thành, "
        f"{summary.progress} báo cáo tiến độ, {summary.unchanged} không thay đổi, "
        f"{summary.blank} dòng để trống; {summary.general} nội dung chung."
    )


def _unit_name(session: Session, org_code: str, unit_code: str) -> str:
    """A unit as people read it: its name (the form was checked to name a real unit)."""
    name = session.exec(
        select(Unit.name)
        .join(Organization, col(Organization.id) == Unit.organization_id)
        .where(Organization.code == org_code, Unit.code == unit_code)
    ).first()
    return name or unit_code


def _fit(text: str) -> str:
    return text if len(text) <= _NAME_MAX else text[: _NAME_MAX - 1] + "…"
