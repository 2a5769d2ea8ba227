"""``sauro check``: which tasks fail 6 rõ, why, and what would fix them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from engine.cli import common
from engine.plans.check import TaskCheck, check_tasks
from engine.plans.check_workbook import write_check_xlsx
from engine.text import clean
from rules.facts import Dimension
from rules.schema import RulesConfig

_WORK_WIDTH = 48


def check_command(
    org: Annotated[
        str | None, typer.Option("--org", help="Mã đơn vị hành chính (mặc định theo cấu hình).")
    ] = None,
    all_orgs: Annotated[
        bool, typer.Option("--all", help="Kiểm tra mọi đơn vị hành chính trong cơ sở dữ liệu.")
    ] = False,
    plan: Annotated[
        str | None,
        typer.Option("--plan", help="Số kế hoạch (hoặc tên tệp khi kế hoạch không có số)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="In kết quả dạng JSON: một đối tượng mỗi nhiệm vụ.")
    ] = False,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Ghi kết quả ra bảng tính Excel để in.")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Trả mã thoát 1 khi có nhiệm vụ chưa đủ 6 rõ.")
    ] = False,
) -> None:
    """Kiểm tra 6 rõ: rõ người, rõ việc, rõ thời gian, rõ trách nhiệm, rõ thẩm quyền, rõ kết quả."""
    current = common.settings()
    configs = common.configs(current)
    org_code = None if all_orgs else common.default_org(configs, org)
    engine = common.database(current)
    try:
        with engine.connect() as connection:
            checks = check_tasks(connection, rules=configs.rules, org_code=org_code, plan_key=plan)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps([c.to_json() for c in checks], ensure_ascii=False, indent=2))
    else:
        print_check_table(checks, configs.rules)
    if xlsx is not None:
        write_check_xlsx(xlsx, checks, configs.rules)
        if not as_json:
            typer.echo(f"Đã ghi bảng tính: {xlsx}")
    if strict and not all(c.all_clear for c in checks):
        raise typer.Exit(1)


def print_check_table(checks: list[TaskCheck], rules: RulesConfig) -> None:
    """The tasks × six dimensions table, the count per dimension, then the findings."""
    if not checks:
        typer.echo("Không có nhiệm vụ nào để kiểm tra. Hãy nhập kế hoạch bằng 'sauro import'.")
        return
    short = [rules.labels[d].removeprefix("Rõ ").removeprefix("rõ ") for d in Dimension]
    typer.echo(f"{'TT':<7} {'Nhiệm vụ':<{_WORK_WIDTH}} " + " ".join(f"{s[:11]:^11}" for s in short))
    plan = None
    for check in checks:
        if check.plan != plan:  # which plan or document the tasks below come from
            plan = check.plan
            typer.echo(f"Kế hoạch, văn bản: {plan}")
        marks = " ".join(f"{'✓' if check.clear[d] else '✗':^11}" for d in Dimension)
        typer.echo(f"{check.ref[:7]:<7} {_cut(check.work):<{_WORK_WIDTH}} {marks}")
    typer.echo("")
    for dimension in Dimension:
        ok = sum(c.clear[dimension] for c in checks)
        typer.echo(f"{rules.labels[dimension]}: {ok}/{len(checks)} nhiệm vụ đạt")
    full = sum(c.all_clear for c in checks)
    typer.echo(f"Đủ 6 rõ: {full}/{len(checks)} nhiệm vụ.")
    _print_findings(checks, rules)


def _print_findings(checks: list[TaskCheck], rules: RulesConfig) -> None:
    failing = [c for c in checks if c.findings]
    if not failing:
        return
    typer.echo("\nPHÁT HIỆN VÀ CÁCH KHẮC PHỤC")
    for check in failing:
        typer.echo(f"\n[{check.ref or '—'}] {_cut(check.work, 90)}")
        for finding in check.findings:
            level = "lỗi" if finding.severity == "error" else "lưu ý"
            typer.echo(f"  - {rules.labels[finding.dimension]} ({level}): {finding.message}")
            typer.echo(f"    → Khắc phục: {finding.fix}")


def _cut(text: str, width: int = _WORK_WIDTH) -> str:
    text = clean(text)
    return text if len(text) <= width else text[: width - 1] + "…"
