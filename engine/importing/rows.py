"""Turn the data rows of a task table into parsed task rows (text only, nothing resolved).

Each data row of a ``TableLayout`` is one of:
- empty, a column-numbering row ("(1) (2) (3) …"), a repeated header row or a totals row
  ("Tổng cộng: 07 lĩnh vực, 30 nhiệm vụ./."): skipped;
- a section row: "I. Cải cách thể chế" alone in the row or spanning it, or a number and a
  label with nothing else ("1 | Công tác chỉ đạo, điều hành CCHC"): it sets the group and
  area of the tasks below it;
- a task row: it has work text. The plan's own numbering at the start of the work cell
  ("1.1. Xây dựng …", "1.5 Xây dựng …") becomes the ref and is removed from the work;
  otherwise the ref column is used. Refs may restart per section.

A task's area is its area cell ("Nội dung CCHC", usually a vertically merged column);
an empty area cell carries the area of the task above within the same section (a CSV
export writes a merged cell once); without an area column, the section label is the area.

A row with content but no work text (a lead, a deadline, or half a cell that a PDF copy
pushed onto its own row) is an error: every such row is collected, then one
``ImportFileError`` names each by file, table, row and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from engine.errors import ImportFileError, Location, ProblemList
from engine.importing.areas import AreaResolver, strip_numbering
from engine.importing.columns import (
    FieldName,
    LayoutRow,
    TableLayout,
    header_key,
    is_numbering_row,
)
from engine.text import fold

# Fields that only a task has: a row holding any of them is a task (or a broken one).
DETAIL_FIELDS: tuple[FieldName, ...] = (
    "product",
    "lead",
    "coordinators",
    "deadline",
    "person",
    "budget",
)

# The plan's numbering at the start of a work cell: "1.1.", "1.10", "2.3.Xây", "1.", "2)".
# Parts have at most two digits, so "2.000 hồ sơ" (a thousands separator) is not a ref.
_WORK_REF = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+)\.?(?!\d)\s*|^(\d{1,2})[.)](?!\d)\s*")
# A section number alone in its cell: "I", "II.", "1", "2.", "A".
_SECTION_NUMBER = re.compile(r"^(?:[IVXLC]+|\d{1,2}|[A-Z])[.)]?$")
# A label that announces a section by itself: "I. …", "IV) …", "A. …".
_SECTION_LABEL = re.compile(r"^(?:[IVXLC]+|[A-Z])\s*[.):/-]\s*\S")
_TOTALS = re.compile(r"^(?:tong cong|tong so|cong)(?: |$)|^tong$")
_LETTER = re.compile(r"[^\W\d_]")
_SHOWN_CHARS = 40


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One task row as written, with where it came from.

    ``table``/``row`` locate it in the file; ``group`` is the section label as written
    ("I. Cải cách thể chế", or the area cell when the area is a column); ``area_text`` the
    area as written (area cell, else the section label without its number); ``raw`` maps
    every header of the table to this row's cell.
    """

    table: int
    row: int
    ref: str
    group: str
    area_text: str
    work: str
    product: str
    lead: str
    coordinators: str
    deadline: str
    person: str
    budget: str
    note: str
    raw: dict[str, str] = field(default_factory=dict)


@dataclass
class _Section:
    """What the rows above say about the rows below."""

    label: str = ""  # last section row, as written
    area: str = ""  # its label without the number
    carried: str = ""  # last non-empty area cell within the section


def parse_rows(
    layout: TableLayout, *, source: str, areas: AreaResolver | None = None
) -> list[ParsedRow]:
    """Parse every data row of the task table into ``ParsedRow`` values, in file order.

    ``areas``, when given, also lets a row holding only a known area name in the work
    column ("Cải cách thể chế") count as a section row. Raises one ``ImportFileError``
    listing every row that has content but no work text.
    """
    section = _Section()
    parsed: list[ParsedRow] = []
    problems = ProblemList()
    for row in layout.rows:
        if _skipped(row, layout):
            continue
        label = _section_label(row, layout, areas)
        if label is not None:
            section = _Section(label=label, area=strip_numbering(label))
            continue
        if not _cell(row, layout, "work"):
            problems.add(_where(row, layout, source), _missing_work(row, layout))
            continue
        parsed.append(_task(row, layout, section))
    if problems:
        count = len(problems.problems)
        raise ImportFileError(
            f"Không nhập được tệp {source}: {count} dòng của bảng nhiệm vụ "
            "có nội dung nhưng thiếu nội dung nhiệm vụ",
            problems.problems,
        )
    return parsed


def split_work_ref(work: str) -> tuple[str, str]:
    """("1.1", "Xây dựng …") from "1.1. Xây dựng …"; ("", work) when it has no numbering."""
    found = _WORK_REF.match(work)
    if not found or not found.group(0).strip():
        return "", work
    rest = work[found.end() :].strip()
    if not rest:
        return "", work
    return found.group(1) or found.group(2), rest


def _task(row: LayoutRow, layout: TableLayout, section: _Section) -> ParsedRow:
    ref, work = split_work_ref(_cell(row, layout, "work"))
    area_cell = _cell(row, layout, "area")
    if area_cell:
        section.carried = area_cell
    area = section.carried or section.area
    return ParsedRow(
        table=row.table,
        row=row.number,
        ref=ref or _cell(row, layout, "ref").rstrip(".)"),
        group=section.label or section.carried,
        area_text=area,
        work=work,
        product=_cell(row, layout, "product"),
        lead=_cell(row, layout, "lead"),
        coordinators=_cell(row, layout, "coordinators"),
        deadline=_cell(row, layout, "deadline"),
        person=_cell(row, layout, "person"),
        budget=_cell(row, layout, "budget"),
        note=_cell(row, layout, "note"),
        raw=dict(zip(layout.headers, row.cells, strict=True)),
    )


def _cell(row: LayoutRow, layout: TableLayout, name: FieldName) -> str:
    column = layout.columns.get(name)
    return row.cells[column] if column is not None else ""


def _skipped(row: LayoutRow, layout: TableLayout) -> bool:
    """Empty, numbering, repeated header and totals rows carry no task."""
    if not any(row.cells):
        return True
    return is_numbering_row(row.cells) or _is_header(row, layout) or _is_totals(row, layout)


def _is_header(row: LayoutRow, layout: TableLayout) -> bool:
    """The header row repeated inside the table (copied text, a page break)."""
    keys = _header_keys(layout.headers)
    return all(header_key(row.cells[column]) == keys[column] for column in layout.columns.values())


@lru_cache(maxsize=8)
def _header_keys(headers: tuple[str, ...]) -> tuple[str, ...]:
    """The comparison keys of a table's headers, made once for its thousands of rows."""
    return tuple(header_key(header) for header in headers)


def _is_totals(row: LayoutRow, layout: TableLayout) -> bool:
    first = next(cell for cell in row.cells if cell)
    lead = _cell(row, layout, "lead")
    return bool(_TOTALS.match(fold(first))) and lead in ("", first)


def _section_label(row: LayoutRow, layout: TableLayout, areas: AreaResolver | None) -> str | None:
    """The section label a row announces, or None for a task row."""
    values = [cell for cell in row.cells if cell]
    distinct = list(dict.fromkeys(values))
    number = _cell(row, layout, "ref")
    if len(distinct) == 2 and number in distinct and _SECTION_NUMBER.match(number):
        label = distinct[1] if distinct[0] == number else distinct[0]
        if _is_label(label, values.count(label), row, layout, areas):
            return f"{number} {label}"
    if len(distinct) == 1 and _is_label(distinct[0], len(values), row, layout, areas):
        return distinct[0]
    return None


def _is_label(
    text: str, copies: int, row: LayoutRow, layout: TableLayout, areas: AreaResolver | None
) -> bool:
    """Whether the only text of a row (besides a number) is a section label.

    It is when it spans the row (a merged cell), or sits alone in the number, area or first
    column. Alone in the work column it is a task, unless it reads as a section ("II. …")
    or names a known area.
    """
    if not _LETTER.search(text):
        return False
    if copies > 1:
        return True
    column = row.cells.index(text)
    if column != layout.columns.get("work"):
        return column in (0, layout.columns.get("ref"), layout.columns.get("area"))
    if _SECTION_LABEL.match(text):
        return True
    return areas is not None and areas.resolve(text) is not None


def _where(row: LayoutRow, layout: TableLayout, source: str) -> Location:
    return Location(file=source, table=row.table, row=row.number, column=layout.header_of("work"))


def _missing_work(row: LayoutRow, layout: TableLayout) -> str:
    """ "thiếu nội dung nhiệm vụ (dòng chỉ có: Cơ quan chủ trì 'Phòng Nội vụ', …)"."""
    filled = [
        f"{layout.headers[column]} '{_short(text)}'"
        for column, text in enumerate(row.cells)
        if text
    ]
    return f"thiếu nội dung nhiệm vụ (dòng chỉ có: {', '.join(filled)})"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
