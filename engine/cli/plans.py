"""``sauro import``: load a plan's task table (Word, Excel, CSV) into the database, or the
tasks an assigning document's text gives (a .txt, or a .docx without a task table)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session, select

from engine.calendar.status import local_date
from engine.cli import common
from engine.cli.check import print_check_table
from engine.directory.store import get_organization
from engine.errors import Location, Problem, SauroError
from engine.notices import events
from engine.plans.drafts import ASSIGNER_SOURCES
from engine.plans.importer import ImportOptions, ImportResult, draft_json, import_plan
from engine.plans.verdicts import refresh_verdicts
from engine.store.db import session_scope
from engine.store.models import DocumentKind, Organization, require_id
from rules.schema import RulesConfig

YEARS = (2000, 2100)  # the plan years --year accepts


def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="TỆP",
            help="Tệp kế hoạch: .docx, .xlsx hoặc .csv (UTF-8); hoặc văn bản giao việc (thông "
            "báo kết luận, công văn, kế hoạch viết thành đoạn): .txt (UTF-8) hoặc .docx không "
            "có bảng nhiệm vụ.",
        ),
    ],
    org: Annotated[
        str | None, typer.Option("--org", help="Mã đơn vị hành chính (mặc định theo cấu hình).")
    ] = None,
    plan_number: Annotated[
        str,
        typer.Option(
            "--plan-number",
            help="Số kế hoạch, văn bản, ví dụ 3838/KH-UBND (văn bản giao việc: mặc định theo "
            "dòng 'Số:' của văn bản).",
        ),
    ] = "",
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="Loại văn bản: ke_hoach, thong_bao_ket_luan, cong_van, chi_dao_truc_tiep "
            "(mặc định theo văn bản, không rõ thì ke_hoach).",
        ),
    ] = "",
    plan_date: Annotated[
        str | None, typer.Option("--plan-date", help="Ngày ban hành, YYYY-MM-DD.")
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", help="Năm kế hoạch, dùng khi ô thời hạn không ghi năm.")
    ] = None,
    register_units: Annotated[
        bool, typer.Option("--register-units", help="Thêm vào danh mục những đơn vị chưa có.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Chỉ đọc và hiển thị, không ghi gì.")
    ] = False,
    table: Annotated[
        int | None, typer.Option("--table", help="Số thứ tự bảng nhiệm vụ trong tệp.")
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="In các nhiệm vụ đã đọc dưới dạng JSON: sáu rõ, thời hạn, kết quả 6 rõ."
        ),
    ] = False,
) -> None:
    """Nhập bảng phân công nhiệm vụ của kế hoạch, hoặc các nhiệm vụ giao trong một văn bản,
    vào cơ sở dữ liệu (một giao dịch)."""
    current = common.settings()
    configs = common.configs(current)
    options = ImportOptions(
        path=file,
        org_code=org or "",
        plan_number=plan_number.strip(),
        plan_date=_date(plan_date),
        year=_year(year),
        register_units=register_units,
        dry_run=dry_run,
        table=table,
        kind=_kind(kind),
    )
    engine = common.database(current)
    actor, now = common.actor(f"cli:import {file.name}"), common.now()
    try:
        with session_scope(engine) as session:
            options = replace(options, org_code=org or _only_organization(session))
            result = import_plan(
                session=session,
                options=options,
                configs=configs,
                actor=actor,
                now=now,
            )
            stored = get_organization(session, result.organization)
            organization = stored.name
            if dry_run:  # import_plan writes nothing then; roll back all the same
                session.rollback()
            else:
                events.plan_imported(
                    session, require_id(stored), result.plan_key, actor=actor, now=now
                )
                # as the web's import does: pages and reminders read the stored verdicts
                session.flush()
                refresh_verdicts(
                    session.connection(), rules=configs.rules, org_code=result.organization,
                    today=local_date(now),
                )  # fmt: skip
    finally:
        engine.dispose()
    if as_json:
        tasks = [draft_json(d, c) for d, c in zip(result.drafts, result.checks, strict=True)]
        typer.echo(json.dumps(tasks, ensure_ascii=False, indent=2))
    else:
        _print_summary(result, file, configs.rules, organization)


def _only_organization(session: Session) -> str:
    """The organization a plan goes into when ``--org`` is not given: the only one the
    database holds; with several, guessing would put a plan into another commune."""
    rows = session.exec(select(Organization.code, Organization.name).order_by(Organization.code))
    organizations = list(rows)
    if len(organizations) == 1:
        return organizations[0][0]
    if not organizations:
        raise SauroError("Chưa có tổ chức nào trong cơ sở dữ liệu. Hãy chạy 'sauro init'.")
    raise SauroError(
        f"Cơ sở dữ liệu có {len(organizations)} tổ chức: hãy ghi --org để chọn tổ chức nhận "
        "kế hoạch",
        [Problem(Location(), f"{name}: --org {code}") for code, name in organizations],
    )


def _year(year: int | None) -> int | None:
    if year is not None and not YEARS[0] <= year <= YEARS[1]:
        raise SauroError(
            f"Năm kế hoạch {year} không hợp lệ",
            [Problem(Location(field="--year"), f"cần một năm từ {YEARS[0]} đến {YEARS[1]}")],
        )
    return year


def _kind(text: str) -> str:
    kinds = [str(k) for k in DocumentKind]
    if text and text not in kinds:
        raise SauroError(
            f"Loại văn bản '{text[:40]}' không hợp lệ",
            [Problem(Location(field="--kind"), "dùng một trong " + ", ".join(kinds))],
        )
    return text


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SauroError(
            f"Ngày ban hành kế hoạch '{text}' không hợp lệ",
            [Problem(Location(field="--plan-date"), "cần một ngày có thật, dạng YYYY-MM-DD")],
        ) from None


def _print_summary(result: ImportResult, file: Path, rules: RulesConfig, organization: str) -> None:
    verb = "Sẽ nhập" if result.dry_run else "Đã nhập"
    typer.echo(
        f"{verb} {len(result.drafts)} nhiệm vụ từ {file.name} vào {organization} "
        f"(kế hoạch '{result.plan_key}')."
    )
    typer.echo(f"Năm kế hoạch: {result.year or 'không rõ'} ({result.year_source}).")
    typer.echo(f"Căn cứ: {result.authority.basis or 'chưa có số và ngày kế hoạch'}.")
    authority = result.authority
    if authority.assigner:
        source = ASSIGNER_SOURCES[authority.assigner_source]
        typer.echo(f"Người giao việc: {authority.assigner} ({source}).")
    if result.dry_run:
        typer.echo("Chạy thử (--dry-run): chưa ghi gì vào cơ sở dữ liệu.\n")
        print_check_table(result.checks, rules)
    else:
        typer.echo(
            f"Thêm mới {result.created}, cập nhật {result.updated}, không đổi {result.unchanged}, "
            f"rút khỏi kế hoạch {result.withdrawn}."
        )
        full = sum(c.all_clear for c in result.checks)
        typer.echo(f"Đủ 6 rõ: {full}/{len(result.checks)} nhiệm vụ.")
    _print_units(result)
    _print_sections(result)
    _print_skipped(result)
    if not result.dry_run:
        typer.echo("Xem kết quả kiểm tra 6 rõ: sauro check")


def _print_sections(result: ImportResult) -> None:
    """Each heading that names no CCHC area, once, however many tasks sit under it."""
    if not result.unmatched_sections:
        return
    typer.echo("Mục không khớp lĩnh vực CCHC nào (thêm cách viết vào areas.yaml):")
    for heading, count in result.unmatched_sections:
        typer.echo(f"  «{heading}»: {count} nhiệm vụ")


def _print_skipped(result: ImportResult) -> None:
    if not result.skipped:
        return
    typer.echo(f"Không đọc là nhiệm vụ ({len(result.skipped)} đoạn):")
    for skipped in result.skipped:
        words = " ".join(skipped.words.split())
        shown = words if len(words) <= 90 else words[:89] + "…"
        typer.echo(f"  dòng {skipped.line}: {skipped.reason} — «{shown}»")


def _print_units(result: ImportResult) -> None:
    if result.registered_units:
        typer.echo("Đã thêm vào danh mục: " + "; ".join(result.registered_units))
    if result.not_registered:
        typer.echo(
            "Không thêm (là chức danh, không phải đơn vị): " + "; ".join(result.not_registered)
        )
    if not result.unknown_units:
        return
    if result.dry_run and result.register_units:
        typer.echo("Sẽ thêm vào danh mục: " + "; ".join(result.unknown_units))
    elif not set(result.unknown_units) <= set(result.not_registered):
        typer.echo(
            "Đơn vị chưa có trong danh mục (thêm vào config/directory.yaml "
            "hoặc chạy lại với --register-units): " + "; ".join(result.unknown_units)
        )
