"""``sauro import``: load a plan's task table (Word, Excel, CSV) into the database."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from engine.cli import common
from engine.db import session_scope
from engine.plan_import import ImportOptions, ImportResult, TaskDraft, import_plan


def import_command(
    file: Annotated[Path, typer.Argument(help="Tệp kế hoạch: .docx, .xlsx hoặc .csv (UTF-8).")],
    org: Annotated[
        str | None, typer.Option("--org", help="Mã đơn vị hành chính (mặc định theo cấu hình).")
    ] = None,
    plan_number: Annotated[
        str, typer.Option("--plan-number", help="Số kế hoạch, ví dụ 3838/KH-UBND.")
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
        bool, typer.Option("--json", help="In các nhiệm vụ đã đọc dưới dạng JSON.")
    ] = False,
) -> None:
    """Nhập bảng phân công nhiệm vụ của kế hoạch vào cơ sở dữ liệu (một giao dịch)."""
    current = common.settings()
    configs = common.configs(current)
    options = ImportOptions(
        path=file,
        org_code=common.default_org(configs, org),
        plan_number=plan_number.strip(),
        plan_date=_date(plan_date),
        year=year,
        register_units=register_units,
        dry_run=dry_run,
        table=table,
    )
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            result = import_plan(
                session=session,
                options=options,
                configs=configs,
                actor=common.actor(f"cli:import {file.name}"),
                now=common.now(),
            )
            if dry_run:
                session.rollback()
    finally:
        engine.dispose()
    if as_json:
        typer.echo(
            json.dumps([_draft_json(d) for d in result.drafts], ensure_ascii=False, indent=2)
        )
    else:
        _print_summary(result, file)


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' không phải ngày dạng YYYY-MM-DD", param_hint="--plan-date"
        ) from None


def _draft_json(draft: TaskDraft) -> dict[str, Any]:
    row = draft.row
    return {
        "ref": row.ref,
        "key": draft.key,
        "source": {"table": row.table, "row": row.row},
        "group": row.group,
        "work": row.work,
        "area": draft.area,
        "person": {
            "text": row.person,
            "name": draft.person[0] if draft.person else None,
            "unit": draft.person[1] if draft.person else None,
        },
        "deadline": draft.deadline.to_json(),
        "responsibility": {
            "lead_text": row.lead,
            "lead": [_mention(m) for m in draft.lead],
            "coordinators_text": row.coordinators,
            "coordinators": [_mention(m) for m in draft.coordinators],
        },
        "result": {"product": row.product},
        "budget": row.budget,
        "note": row.note,
        "raw": row.raw,
    }


def _mention(mention: Any) -> dict[str, Any]:
    return {"text": mention.text, "unit": mention.unit_code, "collective": mention.collective}


def _print_summary(result: ImportResult, file: Path) -> None:
    verb = "Sẽ nhập" if result.dry_run else "Đã nhập"
    typer.echo(
        f"{verb} {len(result.drafts)} nhiệm vụ từ {file.name} (kế hoạch '{result.plan_key}')."
    )
    typer.echo(f"Năm kế hoạch: {result.year or 'không rõ'} ({result.year_source}).")
    if not result.dry_run:
        typer.echo(
            f"Thêm mới {result.created}, cập nhật {result.updated}, không đổi {result.unchanged}, "
            f"rút khỏi kế hoạch {result.withdrawn}."
        )
    if result.registered_units:
        typer.echo("Đã thêm vào danh mục: " + "; ".join(result.registered_units))
    elif result.unknown_units:
        typer.echo(
            "Đơn vị chưa có trong danh mục (thêm vào config/directory.yaml "
            "hoặc chạy lại với --register-units): " + "; ".join(result.unknown_units)
        )
    typer.echo("Xem kết quả kiểm tra 6 rõ: sauro check")
