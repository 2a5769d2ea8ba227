"""The roll-up in the parent's annex workbook: after ``write_annex`` wrote the parent's own
tables, ``add_child_sheets`` appends a summary sheet ranking the children (``Rollup``) and
one sheet per child with its figures. Every cell is a value copied from the children's own
``ReportData`` and report state; nothing is counted here, and the summary's total row adds
the children's own figures up.

``extend_annex`` is what ``write_period_report`` calls: nothing happens for an organization
without children in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine

from engine.calendar.periods import Period
from engine.calendar.status import LABELS, local_date
from engine.configs.files import Configs
from engine.reports.annex import style_of, styled
from engine.reports.data import REPORTED, Rate
from engine.reports.rollup import ChildRow, Rollup, build_rollup, has_children, refresh_children
from engine.sheet_cells import put

SHEET_SUMMARY = "Biểu 6 - Tổng hợp cấp dưới"
FONT = "Times New Roman"
HEADER_ROW = 5  # as in the parent's own sheets: three title lines, a blank, the headers
SUMMARY_HEADERS: tuple[str, ...] = (
    "Hạng",
    "Cơ quan",
    "Tổng số nhiệm vụ",
    "Hoàn thành đúng hạn",
    "Tỷ lệ hoàn thành đúng hạn (%)",
    "Tỷ lệ hoàn thành kế hoạch (%)",
    "Quá hạn",
    "Chưa đủ 6 rõ",
    "Đơn vị báo cáo đúng hạn",
    "Báo cáo kỳ",
    "Số, ngày ban hành",
)

Cell = str | int | float | date | None


def extend_annex(
    engine: Engine, *, configs: Configs, org_code: str, period: Period, now: datetime, path: Path
) -> bool:
    """Append the roll-up sheets to the annex at ``path`` when ``org_code`` has children in
    the database (their 6-rõ verdicts refreshed first, as their own reports do). Returns
    whether it did."""
    with engine.connect() as connection:
        if not has_children(connection, org_code):
            return False
    with engine.begin() as connection:
        refresh_children(
            connection, parent_code=org_code, rules=configs.rules, today=local_date(now)
        )
    with engine.connect() as connection:
        rollup = build_rollup(
            connection, parent_code=org_code, period=period, now=now, configs=configs,
        )  # fmt: skip
    add_child_sheets(path, rollup)
    return True


def add_child_sheets(path: Path, rollup: Rollup) -> Path:
    """Append to the workbook at ``path`` the summary of ``rollup`` and a sheet per child,
    in rank order; return ``path``."""
    book = load_workbook(path)
    _summary(book, rollup)
    for index, child in enumerate(rollup.children, start=1):
        _child(book, rollup, child, index)
    book.save(path)
    return path


def child_sheet_title(index: int, code: str) -> str:
    """ "6.3 - xa-tan-lap": unique by its index, within Excel's 31 characters."""
    return f"6.{index} - {code}"[:31]


def _percent(rate: Rate) -> float | None:
    return rate.percent


def _ratio(rate: Rate) -> str:
    return f"{rate.numerator}/{rate.denominator}"


def _issued(child: ChildRow) -> str:
    report = child.report
    parts = [report.number_text, f"{report.issued_on:%d/%m/%Y}" if report.issued_on else ""]
    return ", ".join(p for p in parts if p)


def _summary(book: Workbook, rollup: Rollup) -> None:
    rows: list[list[Cell]] = [
        [
            c.rank, c.name, c.tasks, c.data.totals.done_on_time,
            _percent(c.data.indicators.on_time), _percent(c.data.indicators.completion),
            c.overdue, c.unclear, _ratio(c.data.indicators.unit_reports),
            c.report.status_label(rollup.today), _issued(c),
        ]
        for c in rollup.children
    ]  # fmt: skip
    total = _total(rollup.children)
    sheet = _sheet(
        book,
        SHEET_SUMMARY,
        lines=(
            rollup.parent_name.upper(),
            "BIỂU 6. TỔNG HỢP KẾT QUẢ CỦA CÁC CƠ QUAN CẤP DƯỚI",
            _period_line(rollup),
        ),
        headers=SUMMARY_HEADERS,
        widths=(7, 40, 11, 12, 13, 13, 10, 10, 12, 22, 20),
    )
    if rows:
        _rows(sheet, rows, total=total)
    else:
        _rows(sheet, [[None, "Không có cơ quan cấp dưới nào trong cơ sở dữ liệu."]])


def _total(children: Sequence[ChildRow]) -> list[Cell]:
    """The children's own figures added up (rates: numerators over denominators)."""
    on_time = Rate(
        sum(c.data.indicators.on_time.numerator for c in children),
        sum(c.data.indicators.on_time.denominator for c in children),
    )
    completion = Rate(
        sum(c.data.indicators.completion.numerator for c in children),
        sum(c.data.indicators.completion.denominator for c in children),
    )
    units = Rate(
        sum(c.data.indicators.unit_reports.numerator for c in children),
        sum(c.data.indicators.unit_reports.denominator for c in children),
    )
    received = sum(1 for c in children if c.report.received)
    return [
        None, "Cộng", sum(c.tasks for c in children),
        sum(c.data.totals.done_on_time for c in children), on_time.percent,
        completion.percent, sum(c.overdue for c in children),
        sum(c.unclear for c in children), _ratio(units),
        f"Đã nhận {received}/{len(children)}", None,
    ]  # fmt: skip


def _child(book: Workbook, rollup: Rollup, child: ChildRow, index: int) -> None:
    data, report = child.data, child.report
    rows: list[list[Cell]] = [
        ["Xếp hạng", f"{child.rank}/{len(rollup.children)}"],
        ["Tổng số nhiệm vụ", data.totals.total],
        *(_row(LABELS[status], data.totals.of(status)) for status in REPORTED),
        ["Tỷ lệ hoàn thành đúng hạn (%)", _percent(data.indicators.on_time)],
        ["Tỷ lệ hoàn thành kế hoạch (%)", _percent(data.indicators.completion)],
        ["Nhiệm vụ chưa đủ 6 rõ", data.compliance.unclear],
        ["Đơn vị báo cáo đúng hạn", _ratio(data.indicators.unit_reports)],
        ["Báo cáo kỳ", report.status_label(rollup.today)],
        ["Số, ngày ban hành", _issued(child) or "—"],
        ["Hạn gửi báo cáo", report.deadline],
    ]
    sheet = _sheet(
        book,
        child_sheet_title(index, child.code),
        lines=(child.name.upper(), "SỐ LIỆU CẢI CÁCH HÀNH CHÍNH", _period_line(rollup)),
        headers=("Chỉ tiêu", "Giá trị"),
        widths=(45, 25),
    )
    _rows(sheet, rows)


def _row(label: str, value: Cell) -> list[Cell]:
    return [label, value]


def _period_line(rollup: Rollup) -> str:
    period = rollup.period
    return (
        f"{period.label[:1].upper()}{period.label[1:]} (số liệu từ ngày "
        f"{period.data_start:%d/%m/%Y} đến ngày {period.data_end:%d/%m/%Y})"
    )


def _sheet(
    book: Workbook,
    title: str,
    *,
    lines: Sequence[str],
    headers: Sequence[str],
    widths: Sequence[float],
) -> Worksheet:
    """A sheet laid out like the annex's own: title lines, headers, A4 landscape."""
    sheet: Worksheet = book.create_sheet(title)
    last = get_column_letter(len(headers))
    for row, text in enumerate(lines, start=1):
        cell = put(sheet, row, 1, text)
        sheet.merge_cells(f"A{row}:{last}{row}")
        cell.font = Font(name=FONT, size=13, bold=row < 3, italic=row == 3)
        cell.alignment = Alignment(horizontal="center")
    for column, text in enumerate(headers, start=1):
        styled(sheet, HEADER_ROW, column, text, "sauro-header")
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    return sheet


def _rows(sheet: Worksheet, rows: Sequence[Sequence[Cell]], total: Sequence[Cell] = ()) -> None:
    """Append ``rows`` (then ``total``, bold) under the headers, in the annex's styles."""
    body = [(list(r), False) for r in rows] + ([(list(total), True)] if total else [])
    start = sheet.max_row + 1
    for offset, (values, bold) in enumerate(body):
        for column, value in enumerate(values, start=1):
            styled(sheet, start + offset, column, value, style_of(value, total=bold))
