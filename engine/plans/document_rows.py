"""An assigning document given as text (a Thông báo kết luận, a Công văn, a plan in prose)
read into task rows, so that it is imported, judged and re-imported like a plan's table.

A ``.txt`` file, or a ``.docx`` with no task table, goes this way
(``engine.importing.document_text`` finds the assignments). Each proposed task becomes a
``ParsedRow`` whose cells hold what the sentence said (lead, coordinators, deadline words,
product); its ``raw`` cells keep the words it was read from and what is still unclear, so
the preview can show them.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import ImportFileError, Location, Problem
from engine.importing.areas import AreaResolver
from engine.importing.columns import ImportConfig, TableLayout, find_task_table
from engine.importing.document_text import DocumentReading, docx_text, read_document_text
from engine.importing.rows import ParsedRow
from engine.importing.tables import RawTable, read_tables, read_text

WORDS = "Đọc từ"  # the raw cell holding the words a task was read from
UNCLEAR = "Còn chưa rõ"  # the raw cell listing what the reading left unclear


def read_document(
    path: Path, columns: ImportConfig, tables: list[RawTable] | None = None
) -> DocumentReading | TableLayout | None:
    """The assignments of the document at ``path``; for a table file, which the table
    importer reads, the task table of a ``.docx`` (so it is not looked for twice), None for
    an ``.xlsx`` or ``.csv``. A ``.docx`` with neither a task table nor an assignment raises
    the table importer's error.

    ``tables`` are the tables of the ``.docx`` when the caller read them already."""
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return read_document_text(read_text(path))
    if suffix != ".docx" or not path.is_file():
        return None  # the table importer reads it, or says the file is missing
    try:
        return find_task_table(read_tables(path) if tables is None else tables, columns)
    except ImportFileError as no_table:
        reading = read_document_text(docx_text(path))
        if not reading.proposals:  # neither a table nor an assignment: say what a table needs
            raise no_table from None
        return reading


def document_rows(
    reading: DocumentReading, source: str, areas: AreaResolver | None = None
) -> list[ParsedRow]:
    """One row per proposed task, in document order; ``ImportFileError`` when the document
    gives no task at all (saying what was set aside and why). With ``areas``, a task's
    section is the nearest heading above it that names a CCHC area ("1. Cải cách thể chế:")."""
    if not reading.proposals:
        problems = [
            Problem(Location(file=source, row=s.line), f"{s.reason}: «{_short(s.words)}»")
            for s in reading.skipped[:20]
        ] or [Problem(Location(file=source), "văn bản không có nội dung")]
        raise ImportFileError(
            f"Không tìm thấy nhiệm vụ được giao nào trong văn bản {source}: không có câu nào "
            'giao việc cho một đơn vị hay một người ("Giao …", "… chủ trì", đơn vị làm tiêu '
            'đề mục, "Cơ quan chủ trì: …")',
            problems,
        )
    return [
        document_row(
            p.line,
            p.ref,
            p.work,
            lead=p.lead,
            coordinators=p.coordinators,
            deadline=p.deadline,
            product=p.product,
            person=p.person,
            raw={WORDS: p.words, UNCLEAR: "; ".join(p.unclear)},
            group=_area_heading(p.sections, areas),
        )
        for p in reading.proposals
    ]


def _area_heading(sections: tuple[str, ...], areas: AreaResolver | None) -> str:
    """The nearest heading that names a CCHC area, as written; "" when none does."""
    if areas is None:
        return ""
    return next((heading for heading in sections if areas.resolve(heading)), "")


def document_row(
    line: int,
    ref: str,
    work: str,
    *,
    lead: str,
    coordinators: str,
    deadline: str,
    product: str,
    person: str,
    raw: dict[str, str],
    group: str = "",
) -> ParsedRow:
    """One task of a document as a row: no table, the section heading it sits under (when
    it names an area), the cells a sentence gives."""
    return ParsedRow(
        table=0,
        row=line,
        ref=ref,
        group=group,
        area_text="",
        work=work,
        product=product,
        lead=lead,
        coordinators=coordinators,
        deadline=deadline,
        person=person,
        budget="",
        note="",
        raw=raw,
    )


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 80 else flat[:79] + "…"
