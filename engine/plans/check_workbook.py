"""The 6-rõ check as a spreadsheet an office can print (A4 landscape, Times New Roman)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from engine.plans.check import TaskCheck
from engine.sheet_cells import put_row
from rules.facts import Dimension
from rules.schema import RulesConfig

_FONT = "Times New Roman"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BAD = PatternFill("solid", fgColor="F8D7DA")
_GOOD = PatternFill("solid", fgColor="D4EDDA")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_check_xlsx(path: Path, checks: Sequence[TaskCheck], rules: RulesConfig) -> None:
    """Write two sheets: the task × dimension grid and the findings with their fixes."""
    book = Workbook()
    grid = book.active
    if grid is None:  # a new workbook always has one sheet; keeps mypy honest
        grid = book.create_sheet()
    grid.title = "Tổng hợp 6 rõ"
    _write_grid(grid, checks, rules)
    _write_findings(book.create_sheet("Phát hiện"), checks, rules)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def _header(sheet: Worksheet, titles: Sequence[str], widths: Sequence[int]) -> None:
    cells = put_row(sheet, 1, titles)
    for index, (cell, width) in enumerate(zip(cells, widths, strict=True), start=1):
        cell.font = Font(name=_FONT, bold=True, size=12)
        cell.alignment = _CENTER
        cell.border = _BORDER
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _write_grid(sheet: Worksheet, checks: Sequence[TaskCheck], rules: RulesConfig) -> None:
    titles = ["Kế hoạch", "TT", "Nhiệm vụ", *(rules.labels[d] for d in Dimension), "Đủ 6 rõ"]
    _header(sheet, titles, [16, 7, 60, *([11] * len(Dimension)), 10])
    for row, check in enumerate(checks, start=2):
        marks = ["Đạt" if check.clear[d] else "Chưa" for d in Dimension]
        cells = put_row(
            sheet, row,
            [check.plan, check.ref, check.work, *marks, "Đạt" if check.all_clear else "Chưa"],
        )  # fmt: skip
        for index, cell in enumerate(cells, start=1):
            cell.font = Font(name=_FONT, size=11)
            cell.border = _BORDER
            cell.alignment = _WRAP if index <= 3 else _CENTER
            if index > 3:
                cell.fill = _GOOD if cell.value == "Đạt" else _BAD


def _write_findings(sheet: Worksheet, checks: Sequence[TaskCheck], rules: RulesConfig) -> None:
    titles = ["Kế hoạch", "TT", "Nhiệm vụ", "Tiêu chí", "Mức", "Mã", "Phát hiện", "Cách khắc phục"]
    _header(sheet, titles, [16, 7, 40, 16, 8, 24, 50, 50])
    row = 1
    for check in checks:
        for finding in check.findings:
            level = "Lỗi" if finding.severity == "error" else "Lưu ý"
            row += 1
            cells = put_row(
                sheet, row,
                [check.plan, check.ref, check.work, rules.labels[finding.dimension], level,
                 finding.code, finding.message, finding.fix],
            )  # fmt: skip
            for cell in cells:
                cell.font = Font(name=_FONT, size=11)
                cell.border = _BORDER
                cell.alignment = _WRAP
