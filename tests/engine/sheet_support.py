"""Text that a spreadsheet would take for a formula, put into stored tasks, and the check
that a written workbook holds it as plain text: no ``<f>`` element anywhere, each value
read back exactly, each formula-like one with the quote prefix."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine, text

from engine.sheet_cells import looks_like_formula

# What a user may type as a task's work: every one a formula or an error in a careless
# writer; a leading tab or CR (stripped by the import, not by a hand edit) included.
HOSTILE = (
    '=HYPERLINK("http://evil.example/?x=1","Bấm vào đây")',
    "\t=1+1",
    "\r=2*3",
    "  +SUM(1,2)",
    "-2+3",
    "@SUM(1)",
    "＝1+1",
    "#N/A",
)


def make_works_hostile(engine: Engine, org_code: str) -> None:
    """Every task of ``org_code`` gets one of ``HOSTILE`` as its work, in turn."""
    with engine.begin() as connection:
        ids = connection.execute(
            text(
                "SELECT task.id FROM task JOIN organization o ON o.id = task.organization_id "
                "WHERE o.code = :code ORDER BY task.id"
            ),
            {"code": org_code},
        ).scalars()
        for index, task_id in enumerate(list(ids)):
            connection.execute(
                text("UPDATE task SET work = :work WHERE id = :id"),
                {"work": HOSTILE[index % len(HOSTILE)], "id": task_id},
            )


def text_cells(workbook: Path | bytes) -> dict[str, list[str]]:
    """Every string cell of every sheet (title: values), after checking that the file has
    no formula and that every formula-like string carries the quote prefix."""
    raw = workbook.read_bytes() if isinstance(workbook, Path) else workbook
    with zipfile.ZipFile(BytesIO(raw)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    book = load_workbook(BytesIO(raw))
    found: dict[str, list[str]] = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    if looks_like_formula(cell.value):
                        assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                    found.setdefault(sheet.title, []).append(cell.value)
    return found


def holds_every_hostile(values: list[str]) -> bool:
    """Does a sheet hold every ``HOSTILE`` text, exactly as written?"""
    return set(HOSTILE) <= set(values)
