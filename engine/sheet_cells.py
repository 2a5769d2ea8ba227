"""Cell values of the spreadsheets the engine writes: user text always stays text.

openpyxl stores a string that starts with "=" as a live formula (``<f>``) and one equal to
an error code ("#N/A") as an error; a task's work or product typed as "=HYPERLINK(…)"
would then run in the office's Excel. Every workbook writer (the check workbook, the annex
and its roll-up sheets, the unit forms) writes its cells through ``write_cell``, ``put`` or
``put_row``:

- a string is written as a string cell (``data_type`` "s", an inline string in the XML),
  never as a formula or an error, whatever it starts with;
- a string that Excel or LibreOffice would read back as a formula once someone edits the
  cell (it starts, after any leading white space, tab or CR, with "=", "+", "-", "@" or a
  full-width "＝", "＋", "－", "＠") also gets the cell's ``quotePrefix`` style: both show
  it as plain text and keep it text when the cell is edited. The value itself is kept
  exactly as written (no apostrophe is added to it), but for the control characters XML
  cannot hold (openpyxl would refuse the whole workbook), which are left out.

It sits with ``engine.text`` at the bottom of the layers: both ``engine.plans`` (the check
workbook) and ``engine.reports`` (annex, roll-up, unit forms) use it, and it needs nothing
of the engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.worksheet.worksheet import Worksheet

# What starts a formula in Excel or LibreOffice when a cell is typed or edited.
FORMULA_STARTS = frozenset("=+-@＝＋－＠")


def looks_like_formula(text: str) -> bool:
    """Would a spreadsheet take ``text`` for a formula (leading white space ignored)?"""
    return text.lstrip()[:1] in FORMULA_STARTS


def write_cell(cell: Cell | MergedCell, value: Any) -> Cell | MergedCell:
    """Set ``cell`` to ``value``; a string is written as text (see the module). Set the
    cell's named style, if any, before: a named style replaces the quote prefix."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never "f" (formula) nor "e" (error code)
        if looks_like_formula(value):
            cell.quotePrefix = True
    return cell


def put(sheet: Worksheet, row: int, column: int, value: Any) -> Cell | MergedCell:
    """``write_cell`` on the cell of ``sheet`` at ``row``, ``column`` (1-based)."""
    return write_cell(sheet.cell(row=row, column=column), value)


def put_row(sheet: Worksheet, row: int, values: Iterable[Any]) -> list[Cell | MergedCell]:
    """``put`` each of ``values`` in ``row`` from column 1; the cells written."""
    return [put(sheet, row, column, value) for column, value in enumerate(values, start=1)]
