"""Read a plan file (.docx, .xlsx, .csv) into raw tables of cleaned text.

This is the only module of the import that reads plan files. Everything after it
(header detection, row parsing) works on ``RawTable`` values and is tested without files.

What "raw" keeps and what it fixes:
- every cell is text, cleaned with ``clean_lines``: line breaks inside a cell are kept
  (bullets in a product cell matter), runs of spaces are folded;
- merged cells are filled: a vertically merged Word cell (``w:vMerge``) or an Excel merged
  range gives its text to every row and column it covers, so every row of a table has the
  same width and a task row always carries its section's cell;
- HTML left in text copied from a web page or PDF converter (``<ul …><li>``, ``<i>``) is
  removed; list items and line breaks become line breaks;
- trailing empty rows and columns are dropped.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import ImportFileError, Location, Problem
from engine.text import clean_lines

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

CSV_DELIMITERS = (",", ";", "\t")
_BOM = b"\xef\xbb\xbf"
_NOT_A_PACKAGE = (
    "không phải tệp {kind} thật (nội dung không phải gói Office Open XML; có thể tệp chỉ "
    "được đổi đuôi, hoặc bị hỏng khi tải về)"
)
# The runs of a Word paragraph that show: inside hyperlinks, insertions, fields and content
# controls too; deleted and moved-away text is left out.
_RUNS = ".//w:r[not(ancestor::w:del) and not(ancestor::w:moveFrom)]"

# Tags seen in text pasted from web pages and PDF converters. Only these are removed, so a
# placeholder such as "<tên đơn vị>" or a comparison "< 5%" in a cell survives.
_HTML_TAGS = (
    "a|b|br|div|em|font|h[1-6]|i|li|ol|p|s|small|span|strong|sub|sup|table|tbody|td|th|"
    "thead|tr|u|ul"
)
_LINE_TAG = re.compile(r"<\s*(?:br|li|p|div|tr|h[1-6])\b[^<>]*>|<\s*/\s*(?:p|li|div|tr)\s*>", re.I)
_TAG = re.compile(rf"<\s*/?\s*(?:{_HTML_TAGS})\b[^<>]*>", re.I)
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&nbsp;": " "}
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#39|nbsp);", re.I)


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row of a table: its 1-based number (row of the Word table, row of the sheet, line
    of the CSV where the row starts) and its cells as cleaned text."""

    number: int
    cells: list[str]

    def is_empty(self) -> bool:
        """True when every cell is empty."""
        return not any(self.cells)


@dataclass(frozen=True, slots=True)
class RawTable:
    """One table of a file: its 1-based position, a name for messages, its rows.

    ``name`` is the sheet name for Excel and "Bảng N" otherwise; ``source`` is the file name,
    so later steps can say where a problem is without being told again.
    """

    index: int
    name: str
    rows: list[RawRow]
    source: str = ""

    @property
    def width(self) -> int:
        """The number of columns (every row has this many cells)."""
        return len(self.rows[0].cells) if self.rows else 0


def read_tables(path: Path) -> list[RawTable]:
    """Read every table of a .docx, .xlsx or .csv file, in file order.

    Raises ``ImportFileError`` (in Vietnamese, with the file as location) when the file is
    missing, of an unknown kind, corrupt, or a CSV not encoded in UTF-8.
    """
    readers = {".docx": _read_docx, ".xlsx": _read_xlsx, ".xlsm": _read_xlsx, ".csv": _read_csv}
    suffix = path.suffix.lower()
    reader = readers.get(suffix)
    if reader is None:
        raise _file_error(path, _unknown_kind(suffix))
    if not path.is_file():
        raise _file_error(path, "không tìm thấy tệp")
    return reader(path)


def strip_html(text: str) -> str:
    """Remove HTML tags left in copied text; list items and breaks become line breaks."""
    if "<" not in text and "&" not in text:
        return text
    text = _LINE_TAG.sub("\n", text)
    text = _TAG.sub("", text)
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(0).lower()], text)


def cell_text(value: str | None) -> str:
    """A cell's text as stored in a ``RawRow``: tags removed, cleaned, line breaks kept."""
    return clean_lines(strip_html(value or ""))


def render_value(value: Any, number_format: str = "General") -> str:
    """A spreadsheet value as the person typed it: dates dd/mm/yyyy, 1.0 as "1",
    0.95 formatted as a percentage as "95%"."""
    if value is None:
        shown = ""
    elif isinstance(value, bool):
        shown = "TRUE" if value else "FALSE"
    elif isinstance(value, datetime):
        shown = value.strftime("%d/%m/%Y")
        if value.time() != time(0, 0):
            shown += value.strftime(" %H:%M")
    elif isinstance(value, date):
        shown = value.strftime("%d/%m/%Y")
    elif isinstance(value, time):
        shown = value.strftime("%H:%M")
    elif isinstance(value, int | float | Decimal):
        percent = "%" in number_format
        number = Decimal(str(value)) * (100 if percent else 1)
        shown = _number(number) + ("%" if percent else "")
    else:
        shown = str(value)
    return shown


def _number(value: Decimal) -> str:
    """A number without a spurious ".0" or exponent: 20.0 → "20", 2.50 → "2.5"."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


# -- Word --------------------------------------------------------------------------------


# python-docx and openpyxl are imported by the reader of their format: the configs that
# import this module's types load on every command, these libraries only for a file.
def _read_docx(path: Path) -> list[RawTable]:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile) as error:
        raise _file_error(path, _NOT_A_PACKAGE.format(kind="Word (.docx)")) from error
    except (KeyError, ValueError, OSError) as error:
        raise _file_error(path, f"tệp Word (.docx) bị hỏng ({_reason(error)})") from error
    body = document.element.body
    tables = body.xpath("./w:tbl | ./w:sdt/w:sdtContent/w:tbl")
    return [
        _table(index, f"Bảng {index}", _docx_rows(tbl), path)
        for index, tbl in enumerate(tables, start=1)
    ]


def _docx_rows(tbl: Any) -> Iterator[tuple[int, list[str]]]:
    """Rows of a Word table on its layout grid, merged cells filled.

    A cell spanning several grid columns (``gridSpan``) is repeated in each; a cell that
    continues a vertical merge takes the text of the cell where the merge starts.
    """
    top: dict[int, str] = {}  # grid column -> text of the cell a vertical merge continues
    for number, tr in enumerate(tbl.xpath("./w:tr | ./w:sdt/w:sdtContent/w:tr"), start=1):
        cells = [""] * tr.grid_before
        for tc in tr.xpath("./w:tc | ./w:sdt/w:sdtContent/w:tc"):
            column = len(cells)
            text = top.get(column, "") if tc.vMerge == "continue" else _docx_cell_text(tc)
            for offset in range(tc.grid_span):
                top[column + offset] = text
                cells.append(text)
        yield number, cells


def _docx_cell_text(tc: Any) -> str:
    """The cell's own paragraphs joined by line breaks; nested tables are ignored."""
    paragraphs = tc.xpath("./w:p | ./w:sdt/w:sdtContent/w:p")
    return "\n".join("".join(run.text for run in p.xpath(_RUNS)) for p in paragraphs)


# -- Excel -------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> list[RawTable]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # Not read_only: merged ranges are only known to a fully loaded worksheet.
        workbook = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException) as error:
        raise _file_error(path, _NOT_A_PACKAGE.format(kind="Excel (.xlsx)")) from error
    except (KeyError, ValueError, OSError) as error:
        raise _file_error(path, f"tệp Excel (.xlsx) bị hỏng ({_reason(error)})") from error
    try:
        return [
            _table(index, sheet.title, _sheet_rows(sheet), path)
            for index, sheet in enumerate(workbook.worksheets, start=1)
        ]
    finally:
        workbook.close()


def _sheet_rows(sheet: Worksheet) -> Iterator[tuple[int, list[str]]]:
    """Rows of a worksheet from A1, each merged range filled with its top-left value."""
    merged: dict[tuple[int, int], str] = {}
    for cell_range in sheet.merged_cells.ranges:
        first = sheet.cell(cell_range.min_row, cell_range.min_col)
        text = render_value(first.value, first.number_format)
        for row, column in cell_range.cells:
            merged[(row, column)] = text
    for number, row in enumerate(sheet.iter_rows(min_row=1, min_col=1), start=1):
        cells: list[str] = []
        for column, cell in enumerate(row, start=1):
            filled = merged.get((number, column))
            number_format = getattr(cell, "number_format", "General")
            cells.append(filled if filled is not None else render_value(cell.value, number_format))
        yield number, cells


# -- CSV ---------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """A UTF-8 text file (a byte-order mark allowed); ``ImportFileError`` naming the byte and
    line where decoding failed, or when the file is missing."""
    if not path.is_file():
        raise _file_error(path, "không tìm thấy tệp")
    data = path.read_bytes()
    bom = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        raise _encoding_error(path, data[bom:], error, bom) from None


def _read_csv(path: Path) -> list[RawTable]:
    text = read_text(path)
    try:
        delimiter = sniff_delimiter(text)
        return [_table(1, "Bảng 1", _csv_rows(text, delimiter), path)]
    except csv.Error as error:  # a NUL byte, a runaway quoted cell
        raise _file_error(path, f"không phải tệp CSV hợp lệ ({error})") from None


def sniff_delimiter(text: str) -> str:
    """The delimiter among comma, semicolon and tab that splits the rows most consistently.

    Each candidate parses the whole text; the winner has the most rows of its most common
    width (wider breaks ties), and a single-column result counts for nothing.
    """
    best, best_score = CSV_DELIMITERS[0], (0, 0)
    for delimiter in CSV_DELIMITERS:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        widths = Counter(len(row) for row in rows if len(row) > 1)
        if not widths:
            continue
        score = max((count, width) for width, count in widths.items())
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records numbered by the line where each starts (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def _encoding_error(
    path: Path, data: bytes, error: UnicodeDecodeError, bom: int
) -> ImportFileError:
    """Say where decoding failed: the byte, its position in the file and its line."""
    position = error.start + bom + 1  # 1-based, counting a BOM
    line = data.count(b"\n", 0, error.start) + 1
    byte = data[error.start : error.start + 1].hex()
    reason = (
        f"tệp không được lưu bằng mã UTF-8: byte thứ {position} (0x{byte}), ở dòng {line}, "
        "không đọc được. Hãy mở tệp và lưu lại với mã UTF-8 (với bảng tính: kiểu 'CSV UTF-8')"
    )
    where = Location(file=path.name, row=line)
    return ImportFileError(f"Không đọc được tệp {path.name}: {reason}", [Problem(where, reason)])


# -- shared ------------------------------------------------------------------------------


def _table(index: int, name: str, rows: Iterable[tuple[int, list[str]]], path: Path) -> RawTable:
    """Clean every cell, drop trailing empty rows and columns, pad rows to one width."""
    cleaned = [RawRow(number, [cell_text(cell) for cell in cells]) for number, cells in rows]
    while cleaned and cleaned[-1].is_empty():
        cleaned.pop()
    width = max((_used_width(row.cells) for row in cleaned), default=0)
    padded = [RawRow(row.number, (row.cells + [""] * width)[:width]) for row in cleaned]
    return RawTable(index=index, name=name, rows=padded, source=path.name)


def _used_width(cells: list[str]) -> int:
    """The number of cells up to the last non-empty one."""
    for position in range(len(cells), 0, -1):
        if cells[position - 1]:
            return position
    return 0


def _unknown_kind(suffix: str) -> str:
    if suffix in (".doc", ".xls"):
        modern = {".doc": ".docx", ".xls": ".xlsx"}[suffix]
        return f"định dạng {suffix} cũ chưa được hỗ trợ: hãy mở tệp và lưu lại thành {modern}"
    shown = suffix or "(không có đuôi)"
    return f"định dạng {shown} không được hỗ trợ: chỉ nhận .docx, .xlsx hoặc .csv"


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__


def _file_error(path: Path, reason: str) -> ImportFileError:
    return ImportFileError(
        f"Không đọc được tệp {path.name}: {reason}", [Problem(Location(file=path.name), reason)]
    )
