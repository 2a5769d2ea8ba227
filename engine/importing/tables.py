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
import posixpath
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from engine.errors import ImportFileError, Location, Problem
from engine.importing import limits
from engine.importing.limits import Budget
from engine.text import clean_lines

CSV_DELIMITERS = (",", ";", "\t")
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_NOT_A_PACKAGE = (
    "không phải tệp {kind} thật (nội dung không phải gói Office Open XML; có thể tệp chỉ "
    "được đổi đuôi, hoặc bị hỏng khi tải về)"
)
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
    missing, of an unknown kind, corrupt, a CSV not encoded in UTF-8 (or UTF-16 with its
    byte-order mark), or beyond a bound of ``engine.importing.limits``.
    """
    readers = {".docx": _read_docx, ".xlsx": _read_xlsx, ".xlsm": _read_xlsx, ".csv": _read_csv}
    suffix = path.suffix.lower()
    reader = readers.get(suffix)
    if reader is None:
        raise _file_error(path, _unknown_kind(suffix))
    if not path.is_file():
        raise _file_error(path, "không tìm thấy tệp")
    limits.check_file(path)
    return reader(path)


def strip_html(text: str) -> str:
    """Remove HTML tags left in copied text; list items and breaks become line breaks."""
    if "<" not in text and "&" not in text:
        return text
    text = _LINE_TAG.sub("\n", text)
    text = _TAG.sub("", text)
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(0).lower()], text)


def cell_text(value: str | None) -> str:
    """A cell's text as stored in a ``RawRow``: tags, control characters and bidi overrides
    removed, cleaned, line breaks kept."""
    return clean_lines(limits.strip_controls(strip_html(value or "")))


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

# A .docx is read with lxml straight from its main part: python-docx built an object per
# element and ran an XPath per cell (a 2,000-task table: 530 ms, against 50 ms for lxml to
# read the XML). A cell's text stays what python-docx read (``CT_R.text``), tested so.
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BODY, _TBL, _TR, _TC, _P, _R, _T, _BR = (
    _W + tag for tag in ("body", "tbl", "tr", "tc", "p", "r", "t", "br")
)
_SDT, _SDT_CONTENT, _TR_PR, _TC_PR = (_W + tag for tag in ("sdt", "sdtContent", "trPr", "tcPr"))
_GRID_BEFORE, _GRID_SPAN, _V_MERGE = (_W + tag for tag in ("gridBefore", "gridSpan", "vMerge"))
_VAL, _TYPE = _W + "val", _W + "type"
_REMOVED = (_W + "del", _W + "moveFrom")
# The characters a run's other content stands for; a page or column break (w:br with a
# w:type) stands for nothing, a line break for a new line.
_RUN_CHARS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "cr": "\n", _W + "noBreakHyphen": "-"}
_KEPT_RUNS = ".//w:r[not(ancestor::w:del) and not(ancestor::w:moveFrom)]"
_WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"


def _read_docx(path: Path) -> list[RawTable]:
    body = docx_body(path)
    if body is None:
        return []
    budget = Budget(path)
    try:
        return [
            _table(index, f"Bảng {index}", _docx_rows(tbl, path, index), path, budget)
            for index, tbl in enumerate(_children(body, _TBL), start=1)
        ]
    except ValueError as error:  # a gridSpan or gridBefore that is not a number
        raise _file_error(path, f"tệp Word (.docx) bị hỏng ({_reason(error)})") from error


def docx_body(path: Path) -> Any:
    """The ``w:body`` element of a .docx's main document (None when it has none).

    ``ImportFileError`` when the file is not a Word package, its main part is missing,
    not a Word document (a renamed workbook) or broken, or crosses a bound of
    ``engine.importing.limits`` (a zip bomb, too many tags). A part that declares a DOCTYPE
    or entities is refused before it is parsed, and entities are never resolved anyway: no
    file or URL an XML part names is read (XXE), no entity is expanded (billion laughs).
    """
    from lxml import etree  # type: ignore[import-untyped]

    name = "word/document.xml"
    try:
        with zipfile.ZipFile(path) as package:
            limits.check_package(package, path)
            name = _main_part(package, path)
            xml = _read_part(package, name, path, max_tags=limits.MAX_XML_TAGS)
        root = etree.fromstring(xml, _xml_parser())
    except zipfile.BadZipFile as error:
        raise _file_error(path, _NOT_A_PACKAGE.format(kind="Word (.docx)")) from error
    except etree.XMLSyntaxError as error:
        line, column = error.position
        raise _file_error(path, limits.xml_reason(name, line, column)) from None
    except (KeyError, ValueError, OSError) as error:
        raise _file_error(path, f"tệp Word (.docx) bị hỏng ({_reason(error)})") from error
    return root.find(_BODY)


def _xml_parser() -> Any:
    """lxml's parser as python-docx set it up: no entity resolved, no network, blank text
    between elements dropped; no ``huge_tree``, so libxml2's size limits hold."""
    from lxml import etree

    return etree.XMLParser(
        remove_blank_text=True, resolve_entities=False, no_network=True, huge_tree=False
    )


def _main_part(package: zipfile.ZipFile, path: Path) -> str:
    """The zip member of the main document: the package's one officeDocument relationship,
    whose content type must be a Word document's (as python-docx requires)."""
    from lxml import etree

    parser = _xml_parser()
    types = etree.fromstring(_read_part(package, "[Content_Types].xml", path), parser)
    rels = etree.fromstring(_read_part(package, "_rels/.rels", path), parser)
    targets = [
        rel.get("Target", "")
        for rel in rels.iterchildren(f"{{{_PACKAGE_RELS}}}Relationship")
        if rel.get("Type") == _OFFICE_DOCUMENT and rel.get("TargetMode") != "External"
    ]
    if len(targets) != 1:
        raise KeyError(f"{len(targets)} quan hệ officeDocument trong _rels/.rels")
    name = posixpath.normpath(posixpath.join("/", targets[0]))
    content_type = _content_type(types, name)
    if content_type != _WORD_MAIN:
        raise ValueError(f"phần chính không phải văn bản Word mà là '{content_type}'")
    return name.lstrip("/")


def _content_type(types: Any, name: str) -> str | None:
    """A part's content type: its Override, else the Default of its extension."""
    for override in types.iterchildren(f"{{{_CONTENT_TYPES}}}Override"):
        if override.get("PartName", "").lower() == name.lower():
            return str(override.get("ContentType"))
    extension = posixpath.splitext(name)[1].lstrip(".").lower()
    for default in types.iterchildren(f"{{{_CONTENT_TYPES}}}Default"):
        if default.get("Extension", "").lower() == extension:
            return str(default.get("ContentType"))
    return None


def _read_part(
    package: zipfile.ZipFile, name: str, path: Path, *, max_tags: int | None = None
) -> bytes:
    """A member's bytes (its size checked with the package's, ``limits.check_package``),
    refused when it declares a DOCTYPE or entities, or holds more than ``max_tags`` tags."""
    data = package.read(package.getinfo(name))
    limits.check_xml(data, name, path, max_tags=max_tags)
    return data


def _children(parent: Any, tag: str) -> Iterator[Any]:
    """The children of ``parent`` with ``tag``, also those inside a content control
    (``./tag | ./w:sdt/w:sdtContent/tag``), in document order. Without a content control
    (nearly always), lxml's own iterator, with no Python step per child."""
    if parent.find(_SDT) is None:
        return parent.iterchildren(tag)  # type: ignore[no-any-return]
    return _children_in_controls(parent, tag)


def _children_in_controls(parent: Any, tag: str) -> Iterator[Any]:
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag == _SDT:
            for content in child.iterchildren(_SDT_CONTENT):
                yield from content.iterchildren(tag)


def _docx_rows(tbl: Any, path: Path, table: int) -> Iterator[tuple[int, list[str]]]:
    """Rows of a Word table on its layout grid, merged cells filled.

    A cell spanning several grid columns (``gridSpan``) is repeated in each; a cell that
    continues a vertical merge takes the text of the cell where the merge starts. A row
    reaching past ``limits.MAX_COLUMNS`` is refused before its cells are made. A plain
    table, as nearly all are, is read in one pass over its elements (``_PlainWalk``).
    """
    if _has_removed(tbl):
        return _nested_rows(tbl, path, table, _kept_runs)
    rows = _PlainWalk(tbl).rows()
    if rows is None:
        return _nested_rows(tbl, path, table, _all_runs)
    return iter(rows)


class _NotPlainError(Exception):
    """The table is not plain, or crosses a bound: ``_nested_rows`` reads it."""


# The elements a plain table's walk meets; a run's breaks and tabs are ``_RUN_CHARS``.
_PLAIN_TAGS = (_TR, _TR_PR, _GRID_BEFORE, _TC, _TC_PR, _GRID_SPAN, _V_MERGE, _P, _R, _T, _BR)
# What a run's ancestors may not hold between it and its paragraph.
_RUN_BOUNDS = frozenset({_R, _P, _TC, _TR, _TBL})


class _PlainWalk:
    """``_nested_rows`` of a plain table, from one walk over its rows, cells, paragraphs,
    runs, their text, breaks and tabs, and the layout properties, in document order.

    Plain: every row a child of the table, every cell of the row met last, every paragraph
    of the cell met last, every run within that paragraph and not within another run,
    every w:t a child of the run met last, and no row property after the row's first cell.
    Then each element met belongs to the row, cell, paragraph or run met last. A content
    control, nested table or text box around a row, cell or paragraph, a run in a run, or
    a bound crossed (``limits``) stops the walk: ``_nested_rows`` then reads the table, and
    refuses it where it always did.
    """

    def __init__(self, tbl: Any) -> None:
        self.tbl = tbl
        self.found: list[tuple[int, list[str]]] = []
        self.top: dict[int, str] = {}  # grid column -> text of a vertical merge's first cell
        self.count = 0  # cells made
        self.tr: Any = None
        self.row_properties: Any = None
        self.skipped: int | None = None
        self.cells: list[str] | None = None  # the row's cells, from its first cell on
        self.tc: Any = None
        self.cell_properties: Any = None
        self.span: int | None = None
        self.continues: bool | None = None
        self.parts: list[str] = []  # the text of the cell being read

    def rows(self) -> list[tuple[int, list[str]]] | None:
        """The table's rows, or None when it is not plain."""
        try:
            self._walk()
        except (_NotPlainError, ValueError):  # ValueError: a gridSpan or gridBefore not a number
            return None
        return self.found

    def _walk(self) -> None:
        tc = p = r = None
        parts = self.parts
        for element in self.tbl.iter(*_PLAIN_TAGS, *_RUN_CHARS):
            tag = element.tag
            if tag == _T:
                if element.getparent() is not r:
                    raise _NotPlainError
                parts.append(element.text or "")
            elif tag == _R:
                if element.getparent() is not p and not _in_paragraph(element, p):
                    raise _NotPlainError
                r = element
            elif tag == _P:
                if element.getparent() is not tc:
                    raise _NotPlainError
                if p is not None:
                    parts.append("\n")
                p, r = element, None
            elif tag == _TC:
                self._cell(element)
                tc, p, r, parts = element, None, None, self.parts
            elif tag == _TR:
                self._row(element)
                tc = p = r = None
            elif tag != _BR and tag not in _RUN_CHARS:
                self._property(element, tag)
            elif r is not None and element.getparent() is r:
                parts.append(_run_char(element, tag))
        self._row(None)

    def _cell(self, tc: Any) -> None:
        self._close_cell()
        if tc.getparent() is not self.tr:
            raise _NotPlainError
        if self.cells is None:
            self.cells = self._blanks()
        self.tc, self.cell_properties, self.span, self.continues = tc, None, None, None
        self.parts = []

    def _close_cell(self) -> None:
        if self.tc is None or self.cells is None:
            return
        cells, span = self.cells, 1 if self.span is None else self.span
        column = len(cells)
        if column + span > limits.MAX_COLUMNS:
            raise _NotPlainError
        text = self.top.get(column, "") if self.continues else "".join(self.parts)
        for offset in range(span):
            self.top[column + offset] = text
            cells.append(text)
        self.tc = None

    def _row(self, tr: Any) -> None:
        self._close_cell()
        if self.tr is not None:
            cells = self._blanks() if self.cells is None else self.cells
            self.count += len(cells)
            if self.count > limits.MAX_CELLS:
                raise _NotPlainError
            self.found.append((len(self.found) + 1, cells))
        too_many = len(self.found) >= limits.MAX_ROWS
        if tr is not None and (tr.getparent() is not self.tbl or too_many):
            raise _NotPlainError
        self.tr, self.row_properties, self.skipped, self.cells = tr, None, None, None

    def _blanks(self) -> list[str]:
        """A row's first cells: the blanks of its ``gridBefore``."""
        skipped = self.skipped or 0
        if skipped > limits.MAX_COLUMNS:
            raise _NotPlainError
        return [""] * skipped

    def _property(self, element: Any, tag: str) -> None:
        """The first ``w:trPr`` of a row (before its cells) and its first ``w:gridBefore``;
        the first ``w:tcPr`` of a cell and its first ``w:gridSpan`` and ``w:vMerge``."""
        parent = element.getparent()
        if tag == _V_MERGE:
            if parent is self.cell_properties and self.continues is None:
                self.continues = element.get(_VAL, "continue") == "continue"
        elif tag == _GRID_SPAN:
            if parent is self.cell_properties and self.span is None:
                self.span = int(element.get(_VAL, ""))
        elif tag == _TC_PR:
            if parent is self.tc and self.cell_properties is None:
                self.cell_properties = element
        elif tag == _TR_PR:
            if parent is self.tr and self.row_properties is None:
                if self.cells is not None:
                    raise _NotPlainError
                self.row_properties = element
        elif parent is self.row_properties and parent is not None and self.skipped is None:
            self.skipped = int(element.get(_VAL, ""))  # the row's gridBefore


def _run_char(element: Any, tag: str) -> str:
    """What a run's break, tab, cr or hyphen stands for (a page break: nothing)."""
    if tag != _BR:
        return _RUN_CHARS[tag]
    return "\n" if element.get(_TYPE, "textWrapping") == "textWrapping" else ""


def _in_paragraph(run: Any, paragraph: Any) -> bool:
    """Whether ``run`` lies within ``paragraph`` (in a hyperlink, field, insertion…), not
    within another run."""
    for ancestor in run.iterancestors():
        if ancestor is paragraph:
            return True
        if ancestor.tag in _RUN_BOUNDS:
            return False
    return False


def _nested_rows(
    tbl: Any, path: Path, table: int, runs: Callable[[Any], Iterable[Any]]
) -> Iterator[tuple[int, list[str]]]:
    """``_docx_rows`` of any table, element by element: rows and cells in content controls,
    nested tables and text boxes, and deleted text (``runs``: the runs of a paragraph that
    count) as python-docx read them."""
    top: dict[int, str] = {}  # grid column -> text of the cell a vertical merge continues
    for number, tr in enumerate(_children(tbl, _TR), start=1):
        properties = tr.find(_TR_PR)
        before = properties.find(_GRID_BEFORE) if properties is not None else None
        skipped = 0 if before is None else int(before.get(_VAL, ""))
        limits.check_place(path, table, number, skipped)
        cells = [""] * skipped
        for tc in _children(tr, _TC):
            column = len(cells)
            span, continues = _layout(tc)
            limits.check_place(path, table, number, column + span)
            text = top.get(column, "") if continues else _cell_text(tc, runs)
            for offset in range(span):
                top[column + offset] = text
                cells.append(text)
        yield number, cells


def _layout(tc: Any) -> tuple[int, bool]:
    """A cell's grid span (``w:gridSpan``, 1 by default) and whether it continues a vertical
    merge (``<w:vMerge/>`` means "continue"), from the first ``w:tcPr`` (the schema puts it
    first), each property's first occurrence, in one pass over its children."""
    properties = tc[0] if len(tc) and tc[0].tag == _TC_PR else tc.find(_TC_PR)
    span = merge = None
    for child in () if properties is None else properties:
        tag = child.tag
        if tag == _GRID_SPAN and span is None:
            span = child
        elif tag == _V_MERGE and merge is None:
            merge = child
    columns = 1 if span is None else int(span.get(_VAL, ""))
    return columns, merge is not None and merge.get(_VAL, "continue") == "continue"


def _has_removed(element: Any) -> bool:
    """Whether deleted or moved-away text lies in or around ``element`` (rare: then each
    paragraph's runs are filtered by their ancestors)."""
    inside = next(element.iter(*_REMOVED), None) is not None
    return inside or any(a.tag in _REMOVED for a in element.iterancestors())


def _all_runs(paragraph: Any) -> Iterator[Any]:
    return paragraph.iter(_R)  # type: ignore[no-any-return]


def _kept_runs(paragraph: Any) -> list[Any]:
    """The runs that show: not inside deleted or moved-away text."""
    return paragraph.xpath(_KEPT_RUNS, namespaces={"w": _W[1:-1]})  # type: ignore[no-any-return]


def docx_cell_text(tc: Any, runs: Any = _kept_runs) -> str:
    """The cell's own paragraphs joined by line breaks; nested tables are ignored; control
    characters and bidi overrides removed."""
    return limits.strip_controls(_cell_text(tc, runs))


def docx_paragraph_text(paragraph: Any, runs: Any = _kept_runs) -> str:
    """The text of a paragraph's runs (inside hyperlinks, insertions, fields and content
    controls too), deleted and moved-away text left out, control characters and bidi
    overrides removed."""
    return limits.strip_controls(_paragraph_text(paragraph, runs))


def _cell_text(tc: Any, runs: Any) -> str:
    """``docx_cell_text`` before the controls are removed (a table's cells are cleaned by
    ``_table``, once per distinct text)."""
    return "\n".join([_paragraph_text(p, runs) for p in _children(tc, _P)])


def _paragraph_text(paragraph: Any, runs: Any) -> str:
    return "".join([_run_text(run) for run in runs(paragraph)])


def _run_text(run: Any) -> str:
    """A run's text, tabs and line breaks (python-docx's ``CT_R.text``)."""
    text = ""
    for child in run:
        tag = child.tag
        if tag == _T:
            text += child.text or ""
        elif tag == _BR:
            if child.get(_TYPE, "textWrapping") == "textWrapping":
                text += "\n"
        elif tag in _RUN_CHARS:
            text += _RUN_CHARS[tag]
    return text


# -- Excel -------------------------------------------------------------------------------


# A workbook is loaded read-only (its workbook part, shared strings and styles) and each
# sheet's XML parsed once by openpyxl's own sheet parser, the one a full load runs: the same
# values, and its merged ranges, without a cell object per cell (a 2,000-task sheet: 240 ms
# fully loaded, 100 ms this way). The parser and the style tables it reads are openpyxl's
# internals, pinned with openpyxl (pyproject.toml) and tested against a full load.
def _read_xlsx(path: Path) -> list[RawTable]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    part = None  # openpyxl's loading reads several parts, without saying which failed
    try:
        _check_workbook_parts(path)
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException) as error:
        raise _file_error(path, _NOT_A_PACKAGE.format(kind="Excel (.xlsx)")) from error
    except (KeyError, ValueError, OSError, SyntaxError) as error:
        raise _xlsx_error(path, part, error) from error
    budget = Budget(path)
    try:
        tables = []
        for index, sheet in enumerate(workbook.worksheets, start=1):
            part = sheet._worksheet_path  # type: ignore[attr-defined]
            rows = _sheet_rows(workbook, sheet, path, index)
            tables.append(_table(index, sheet.title, rows, path, budget))
        return tables
    except (KeyError, ValueError, IndexError, TypeError, SyntaxError, OSError) as error:
        raise _xlsx_error(path, part, error) from error
    finally:
        workbook.close()


def _check_workbook_parts(path: Path) -> None:
    """Refuse a workbook beyond the bounds of its package, or with an XML part declaring a
    DOCTYPE or entities (each part is unzipped and scanned once more: a few milliseconds
    against the parse; pictures and other media are never read)."""
    with zipfile.ZipFile(path) as package:
        limits.check_package(package, path)
        for info in package.infolist():
            if info.filename.endswith((".xml", ".rels")):
                limits.check_xml(package.read(info), info.filename, path)


def _xlsx_error(path: Path, part: str | None, error: Exception) -> ImportFileError:
    """A workbook openpyxl or expat could not read: a part that is not well-formed XML
    (``SyntaxError``: expat's ``ParseError``, lxml's ``XMLSyntaxError``), an entity that
    defusedxml refused, or a broken structure."""
    from defusedxml import DefusedXmlException

    if isinstance(error, DefusedXmlException):
        return _file_error(path, limits.declaration_reason(part or "XML"))
    if isinstance(error, SyntaxError):
        line, column = getattr(error, "position", None) or (None, None)
        return _file_error(path, limits.xml_reason(part, line, column))
    return _file_error(path, f"tệp Excel (.xlsx) bị hỏng ({_reason(error)})")


def _sheet_rows(
    workbook: Any, sheet: Any, path: Path, table: int
) -> Iterator[tuple[int, list[str]]]:
    """Rows of a worksheet from A1, each merged range filled with its top-left value.

    Only cells with a value are kept (a styled empty cell reads as ""), each checked
    against the bounds as it is parsed, so a cell or a merged range in the far corner of
    the sheet is refused before the grid is made.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    cells: dict[tuple[int, int], tuple[Any, int]] = {}  # (row, column) -> (value, style)
    with workbook._archive.open(sheet._worksheet_path) as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        rows, columns, count = limits.MAX_ROWS, limits.MAX_COLUMNS, limits.MAX_CELLS
        for _, row in parser.parse():
            for cell in row:
                if cell["value"] is None:
                    continue
                place = (cell["row"], cell["column"])
                if place[0] > rows or place[1] > columns or len(cells) >= count:
                    limits.check_place(path, table, *place)  # refuses, naming the row
                    limits.check_count(path, table, place[0], len(cells) + 1)
                cells[place] = (cell["value"], cell["style_id"])
    shown = _CellText(workbook)
    merges = _merges(parser, path, table)
    height = max((row for row, _ in cells), default=0)
    width = max((column for _, column in cells), default=0)
    filled = []  # the merged ranges with a value, which reach as far as they say
    for first_column, first_row, last_column, last_row in merges:
        if (first_row, first_column) in cells:
            limits.check_place(path, table, last_row, last_column)
            height, width = max(height, last_row), max(width, last_column)
            filled.append((first_column, first_row, last_column, last_row))
    grid = [[""] * width for _ in range(height)]
    for (row, column), (value, style_id) in cells.items():
        grid[row - 1][column - 1] = shown(value, style_id)
    for first_column, first_row, last_column, last_row in merges:
        top_left = cells.get((first_row, first_column))
        text = "" if top_left is None else shown(*top_left)
        _fill(grid, text, (first_column, first_row, min(last_column, width), last_row))
    yield from enumerate(grid, start=1)


def _fill(grid: list[list[str]], text: str, bounds: tuple[int, int, int, int]) -> None:
    """Give ``text`` to every cell of a merged range within the grid (an empty range,
    which never widened the grid, only blanks what it covers)."""
    first_column, first_row, last_column, last_row = bounds
    columns = max(last_column - first_column + 1, 0)
    for row in range(first_row, min(last_row, len(grid)) + 1):
        grid[row - 1][first_column - 1 : last_column] = [text] * columns


def _merges(parser: Any, path: Path, table: int) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges (first column, first row, last column, last row)."""
    from openpyxl.utils.cell import range_boundaries

    ranges = parser.merged_cells.mergeCell if parser.merged_cells else ()
    if len(ranges) > limits.MAX_CELLS:
        where = Location(file=path.name, table=table)
        raise limits.refusal(path, f"trang tính có hơn {limits.MAX_CELLS:,} vùng gộp ô", where)
    return [_bounds(range_boundaries(merge.ref)) for merge in ranges]


def _bounds(bounds: tuple[int | None, ...]) -> tuple[int, int, int, int]:
    """A merged range's first column, first row, last column, last row."""
    first_column, first_row, last_column, last_row = bounds
    if first_column is None or first_row is None or last_column is None or last_row is None:
        raise ValueError("vùng gộp ô trải hết cả hàng hoặc cả cột")
    return first_column, first_row, last_column, last_row


class _CellText:
    """A cell's value as shown (``render_value``) under its style's number format."""

    def __init__(self, workbook: Any) -> None:
        self.styles = workbook._cell_styles
        self.custom_formats = workbook._number_formats
        self.formats: dict[int, str] = {}

    def __call__(self, value: Any, style_id: int) -> str:
        if type(value) is str:
            return value  # what render_value gives a string, the common case
        if not isinstance(value, int | float | Decimal) or isinstance(value, bool):
            return render_value(value)  # only a number's text depends on its format
        return render_value(value, self.number_format(style_id))

    def number_format(self, style_id: int) -> str:
        """What openpyxl's ``Cell.number_format`` says for a cell of this style."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

        found = self.formats.get(style_id)
        if found is None:
            number_format_id = self.styles[style_id].numFmtId
            if number_format_id < BUILTIN_FORMATS_MAX_SIZE:
                found = BUILTIN_FORMATS.get(number_format_id, "General")
            else:
                found = self.custom_formats[number_format_id - BUILTIN_FORMATS_MAX_SIZE]
            self.formats[style_id] = found
        return found


# -- CSV ---------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """A UTF-8 text file (a byte-order mark allowed), or UTF-16 with its byte-order mark (what
    Excel saves as "Unicode Text"), control characters and bidi overrides removed.

    ``ImportFileError`` naming the byte and line where decoding failed, or the line of a NUL
    character; or when the file is missing or larger than ``limits.MAX_FILE_BYTES``.
    """
    if not path.is_file():
        raise _file_error(path, "không tìm thấy tệp")
    limits.check_file(path)
    data = path.read_bytes()
    if data.startswith(_UTF16_BOMS):
        text = _utf16(path, data)
    else:
        bom = len(_BOM) if data.startswith(_BOM) else 0
        try:
            text = data[bom:].decode("utf-8")
        except UnicodeDecodeError as error:
            raise _encoding_error(path, data[bom:], error, bom) from None
    limits.check_text(text, path)
    return limits.strip_controls(text)


def _utf16(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError as error:
        reason = f"tệp UTF-16 bị hỏng ở byte thứ {error.start + 1}: hãy lưu lại với mã UTF-8"
        raise _file_error(path, reason) from None


def _read_csv(path: Path) -> list[RawTable]:
    text = read_text(path)
    delimiter = sniff_delimiter(text)
    return [_table(1, "Bảng 1", _csv_rows(text, delimiter, path), path, Budget(path))]


def sniff_delimiter(text: str) -> str:
    """The delimiter among comma, semicolon and tab that splits the rows most consistently.

    Each candidate parses the text (up to one row past ``limits.MAX_ROWS``: a longer table is
    refused anyway); the winner has the most rows of its most common width (wider breaks
    ties), and a single-column result, or one the csv module cannot parse, counts for
    nothing.
    """
    best, best_score = CSV_DELIMITERS[0], (0, 0)
    for delimiter in CSV_DELIMITERS:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            widths = Counter(len(row) for row in islice(rows, limits.MAX_ROWS + 1) if len(row) > 1)
        except csv.Error:
            continue
        if not widths:
            continue
        score = max((count, width) for width, count in widths.items())
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(text: str, delimiter: str, path: Path) -> Iterator[tuple[int, list[str]]]:
    """CSV records numbered by the line where each starts (a quoted cell may span lines).

    The csv module refuses a cell longer than its field limit (128 K characters, beyond
    ``limits.MAX_CELL_CHARS``) or a runaway quoted cell: a located error either way.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            where = Location(file=path.name, table=1, row=start)
            too_long = "field larger than field limit" in str(error)
            reason = (
                f"ô dài quá giới hạn {limits.MAX_CELL_CHARS:,} ký tự của một ô"
                if too_long
                else "không phải tệp CSV hợp lệ (ô mở ngoặc kép mà không đóng)"
            )
            raise limits.refusal(path, reason, where) from None
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


def _table(
    index: int,
    name: str,
    rows: Iterable[tuple[int, list[str]]],
    path: Path,
    budget: Budget,
) -> RawTable:
    """Clean every cell, drop trailing empty rows and columns, pad rows to one width; each
    row counted against the file's ``budget``, each cell checked (``limits.check_cell``)."""
    cleaned_texts: dict[str, str] = {}  # merged cells repeat their text: clean it once

    def cleaned(text: str, number: int, column: int) -> str:
        found = cleaned_texts.get(text)
        if found is None:
            where = Location(file=path.name, table=index, row=number, column=column)
            limits.check_cell(text, where, path)
            found = cleaned_texts[text] = cell_text(text)
        return found

    cleaned_rows = []
    for number, cells in rows:
        budget.row(index, number, len(cells))
        texts = [
            found if (found := cleaned_texts.get(cell)) is not None else cleaned(cell, number, n)
            for n, cell in enumerate(cells, start=1)
        ]
        cleaned_rows.append(RawRow(number, texts))
    while cleaned_rows and cleaned_rows[-1].is_empty():
        cleaned_rows.pop()
    width = max((_used_width(row.cells) for row in cleaned_rows), default=0)
    padded = [
        row if len(row.cells) == width else RawRow(row.number, (row.cells + [""] * width)[:width])
        for row in cleaned_rows
    ]
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
