"""Filling a unit report form as a unit would, for the form and reporting tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from engine.reports.unit_forms import COLUMNS, MAIN_SHEET, META_SHEET


def fill(
    path: Path,
    rows: Mapping[str, Mapping[str, Any]],
    *,
    general: tuple[str, str] = ("", ""),
    extra: Mapping[str, Any] | None = None,
    meta: Mapping[str, str] | None = None,
) -> Path:
    """Fill the form as a unit would: ``rows`` by task number and column header; ``extra``
    a row added under the table; ``meta`` overrides of the hidden sheet."""
    book = load_workbook(path)
    sheet = book[MAIN_SHEET]
    header = next(r for r in range(1, 20) if sheet.cell(r, 1).value == COLUMNS[0])
    columns = {sheet.cell(header, c).value: c for c in range(1, len(COLUMNS) + 1)}
    by_ref = {sheet.cell(r, 2).value: r for r in range(header + 1, sheet.max_row + 1)}
    for ref, values in rows.items():
        for name, value in values.items():
            sheet.cell(by_ref[ref], columns[name], value)
    difficulties, proposals = general
    general_row = by_ref["Khó khăn, vướng mắc chung của đơn vị"]
    sheet.cell(general_row, 3, difficulties or None)
    sheet.cell(general_row + 1, 3, proposals or None)
    if extra is not None:
        sheet.insert_rows(general_row - 1)
        for name, value in extra.items():
            sheet.cell(general_row - 1, columns[name], value)
    for key, value in (meta or {}).items():
        hidden = book[META_SHEET]
        row = next(r for r in range(1, hidden.max_row + 1) if hidden.cell(r, 1).value == key)
        hidden.cell(row, 2, value)
    out = path.with_name(f"filled-{len(list(path.parent.glob('filled-*')))}.xlsx")
    book.save(out)
    return out
