"""The annex tables (biểu số liệu) of the CCHC period report as an ``.xlsx`` workbook
(domain.md §6): tasks per area and status with totals, per lead unit, the overdue list,
the extensions and the units' own reports. Every cell is a value copied from
``ReportData``; nothing is counted here.

Each sheet prints on A4 landscape, fitted to the page width, in Times New Roman, with its
column-header row repeated on every page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from engine.calendar.periods import OVERDUE_UNITS
from engine.calendar.status import LABELS
from engine.reports.data import REPORTED, ReportData, StatusCounts
from engine.sheet_cells import put, write_cell

SHEET_AREAS = "Biểu 1 - Theo lĩnh vực"
SHEET_UNITS = "Biểu 2 - Theo đơn vị"
SHEET_OVERDUE = "Biểu 3 - Quá hạn"
SHEET_EXTENSIONS = "Biểu 4 - Gia hạn"
SHEET_UNIT_REPORTS = "Biểu 5 - Báo cáo đơn vị"

FONT = "Times New Roman"
HEADER_ROW = 5  # rows 1-3: organization, title, period; row 5: the column headers
TOTAL_LABEL = "Tổng cộng"
COUNT_HEADERS: tuple[str, ...] = ("Tổng số", *(LABELS[status] for status in REPORTED))
DATE_FORMAT = "DD/MM/YYYY"

_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")

Cell = str | int | date | None

_HEADER = "sauro-header"
_STYLES: dict[str, tuple[bool, Alignment, str]] = {
    # name: (bold, alignment, number format)
    "sauro-text": (False, _WRAP, "General"),
    "sauro-number": (False, _CENTER, "General"),
    "sauro-date": (False, _CENTER, DATE_FORMAT),
    "sauro-total-text": (True, _WRAP, "General"),
    "sauro-total-number": (True, _CENTER, "General"),
    "sauro-total-date": (True, _CENTER, DATE_FORMAT),
}


def _named_styles(book: Workbook) -> None:
    """Register the annex's cell styles in ``book`` (once per workbook)."""
    header = NamedStyle(
        name=_HEADER, font=Font(name=FONT, size=12, bold=True), alignment=_CENTER, border=_BOX
    )
    book.add_named_style(header)
    for name, (bold, alignment, number_format) in _STYLES.items():
        book.add_named_style(
            NamedStyle(
                name=name, font=Font(name=FONT, size=12, bold=bold), alignment=alignment,
                border=_BOX, number_format=number_format,
            )
        )  # fmt: skip


def style_of(value: object, *, total: bool) -> str:
    """The annex's named style for ``value``: text, date or number, bold in a total row."""
    kind = "text" if isinstance(value, str) else "date" if isinstance(value, date) else "number"
    return f"sauro-{'total-' if total else ''}{kind}"


def styled(sheet: Worksheet, row: int, column: int, value: Cell | float, style: str) -> None:
    """Write ``value`` (user text as text) in the cell with the registered ``style``; the
    style first, as a named style would drop the text's quote prefix."""
    cell = sheet.cell(row=row, column=column)
    cell.style = style
    write_cell(cell, value)


def _counts(counts: StatusCounts) -> list[Cell]:
    return [counts.total, *(counts.of(status) for status in REPORTED)]


def _sheet(
    book: Workbook,
    title: str,
    *,
    heading: str,
    data: ReportData,
    headers: Sequence[str],
    widths: Sequence[float],
    rows: Sequence[Sequence[Cell]],
    total: Sequence[Cell] | None = None,
    empty: str = "",
) -> Worksheet:
    sheet: Worksheet = book.create_sheet(title)
    last = get_column_letter(len(headers))
    lines = (
        data.org_name.upper(),
        heading,
        f"{data.period_label} (số liệu từ ngày {data.data_start:%d/%m/%Y} "
        f"đến ngày {data.data_end:%d/%m/%Y})",
    )
    for index, text in enumerate(lines, start=1):
        line = put(sheet, index, 1, text)
        sheet.merge_cells(f"A{index}:{last}{index}")
        line.font = Font(name=FONT, size=13, bold=index < 3, italic=index == 3)
        line.alignment = Alignment(horizontal="center")
    for column, text in enumerate(headers, start=1):
        styled(sheet, HEADER_ROW, column, text, _HEADER)
    body = [list(row) for row in rows]
    if not body and empty:
        body = [[None, empty, *([None] * (len(headers) - 2))]]
    if total is not None:
        body.append(list(total))
    for offset, values in enumerate(body, start=1):
        is_total = total is not None and offset == len(body)
        for column, value in enumerate(values, start=1):
            # Named styles: one registered style per look, not a style object per cell.
            styled(sheet, HEADER_ROW + offset, column, value, style_of(value, total=is_total))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.6
    footer = sheet.oddFooter
    if footer is not None:
        footer.center.text = "Trang &P/&N"
        footer.center.font = FONT
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    return sheet


def write_annex(data: ReportData, path: Path) -> Path:
    """Write the five annex tables of ``data`` to ``path`` and return it."""
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    _named_styles(book)
    count_widths = [12.0] * len(COUNT_HEADERS)
    _sheet(
        book,
        SHEET_AREAS,
        heading="BIỂU 1. KẾT QUẢ THỰC HIỆN NHIỆM VỤ THEO LĨNH VỰC",
        data=data,
        headers=("STT", "Lĩnh vực", *COUNT_HEADERS),
        widths=(6, 45, *count_widths),
        rows=[[i, row.name, *_counts(row.counts)] for i, row in enumerate(data.by_area, start=1)],
        total=[None, TOTAL_LABEL, *_counts(data.totals)],
    )
    _sheet(
        book,
        SHEET_UNITS,
        heading="BIỂU 2. KẾT QUẢ THỰC HIỆN NHIỆM VỤ THEO ĐƠN VỊ CHỦ TRÌ",
        data=data,
        headers=("STT", "Đơn vị chủ trì", *COUNT_HEADERS),
        widths=(6, 45, *count_widths),
        rows=[[i, row.name, *_counts(row.counts)] for i, row in enumerate(data.by_unit, start=1)],
        total=[None, TOTAL_LABEL, *_counts(data.totals)],
    )
    _sheet(
        book,
        SHEET_OVERDUE,
        heading="BIỂU 3. DANH SÁCH NHIỆM VỤ CHƯA HOÀN THÀNH QUÁ HẠN",
        data=data,
        headers=(
            "STT",
            "Số hiệu",
            "Nội dung nhiệm vụ",
            "Đơn vị chủ trì",
            "Hạn hoàn thành",
            f"Số {OVERDUE_UNITS[data.overdue_count]} quá hạn",
            "Ghi chú",
        ),
        widths=(6, 10, 55, 28, 15, 12, 18),
        rows=[
            [
                i,
                task.ref,
                task.work,
                task.unit or "chưa rõ",
                task.due,
                task.days_late,
                "Quá hạn từ trước kỳ" if task.since_before else "",
            ]
            for i, task in enumerate(data.overdue, start=1)
        ],
        empty="Không có nhiệm vụ chưa hoàn thành quá hạn.",
    )
    _sheet(
        book,
        SHEET_EXTENSIONS,
        heading="BIỂU 4. DANH SÁCH ĐỀ NGHỊ GIA HẠN",
        data=data,
        headers=(
            "STT",
            "Số hiệu",
            "Nội dung nhiệm vụ",
            "Ngày đề nghị",
            "Hạn cũ",
            "Hạn đề nghị",
            "Tình trạng",
            "Người quyết định",
        ),
        widths=(6, 10, 50, 14, 14, 14, 22, 22),
        rows=[
            [
                i,
                ext.ref,
                ext.work,
                ext.requested_on,
                ext.old_due,
                ext.new_due,
                ext.status_label,
                ext.decided_by,
            ]
            for i, ext in enumerate(data.extensions, start=1)
        ],
        empty="Trong kỳ không có đề nghị gia hạn.",
    )
    _sheet(
        book,
        SHEET_UNIT_REPORTS,
        heading="BIỂU 5. TÌNH HÌNH BÁO CÁO CỦA CÁC ĐƠN VỊ",
        data=data,
        headers=("STT", "Đơn vị", "Hạn gửi", "Ngày gửi", "Tình trạng"),
        widths=(6, 45, 14, 14, 20),
        rows=[
            [i, r.unit, r.due, r.submitted_on, r.status_label]
            for i, r in enumerate(data.unit_reports, start=1)
        ],
        empty="Trong kỳ chưa đề nghị đơn vị nào gửi báo cáo qua hệ thống.",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
