"""A corpus of hostile plan files, generated into a test's folder (nothing kept in the repo).

Each maker writes one file and returns its path. The corpus holds what an attacker or an
unlucky officer sends: zip bombs (one part, many entries, a lying ratio), XML bombs (billion
laughs, quadratic blow-up, external entities) in Word and Excel parts, a sheet whose cells or
merged range reach the far corner of the grid, a grid span of a billion columns, NUL and
control characters, bidi overrides, formulas, 1 MB cells, a 200,000-row CSV, and CSVs saved
in Windows-1258 and UTF-16. ``CORPUS`` names them all with what the import must answer: a
refusal (a located error, nothing written) or an import.
"""

from __future__ import annotations

import csv
import io
import random
import string
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from openpyxl import Workbook

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"]
TASK = ["1", "Rà soát thủ tục hành chính", "Phòng Tư pháp", "30/9/2026"]
MB = 1024 * 1024


def _cell(text: str, properties: str = "") -> str:
    return f"<w:tc><w:tcPr>{properties}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def _row(cells: list[str]) -> str:
    return "<w:tr>" + "".join(_cell(text) for text in cells) + "</w:tr>"


def _document(body: str, prolog: str = "") -> bytes:
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document xmlns:w="{W}"><w:body>'
        f"{body}</w:body></w:document>"
    )
    return xml.encode("utf-8")


def _table(*rows: list[str]) -> str:
    return "<w:tbl>" + "".join(_row(cells) for cells in rows) + "</w:tbl>"


def _numbered(start: int, count: int) -> bytes:
    rows = (_row([str(n), f"{TASK[1]} {n * 7919 % 100_003}", *TASK[2:]]) for n in range(count))
    return "".join(rows).replace("<w:tr>", f"<w:tr><!--{start}-->").encode()


def _noise(size: int) -> str:
    """``size`` letters that do not compress (a cell too long, not a zip bomb)."""
    return "".join(random.Random(size).choices(string.ascii_letters, k=size))


def _package(path: Path, template: bytes, replaced: dict[str, bytes], extra: int = 0) -> Path:
    """``template`` (a package) with some parts replaced, and ``extra`` empty entries."""
    with (
        zipfile.ZipFile(io.BytesIO(template)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in source.infolist():
            data = replaced.get(item.filename, source.read(item))
            out.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in replaced.items():
            if name not in source.namelist():
                out.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
        for number in range(extra):
            out.writestr(f"customXml/extra{number}.xml", b"")
    return path


def _word_template() -> bytes:
    buffer = io.BytesIO()
    Document().save(buffer)
    return buffer.getvalue()


def _excel_template() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def docx(path: Path, body: str, prolog: str = "", extra: int = 0) -> Path:
    """A Word file whose body is ``body`` (after an optional DOCTYPE ``prolog``)."""
    return _package(path, _word_template(), {"word/document.xml": _document(body, prolog)}, extra)


def docx_stream(path: Path, rows: int, *, alike: bool = True) -> Path:
    """A Word file whose table has ``rows`` task rows, written part by part: a zip bomb when
    the rows are ``alike`` (they compress a thousandfold), else rows numbered apart."""
    row = _row(TASK).encode()
    with (
        zipfile.ZipFile(io.BytesIO(_word_template())) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in source.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item.filename, source.read(item))
                continue
            head, tail = _document(f"<w:tbl>{_row(HEADER)}SPLIT</w:tbl>").split(b"SPLIT")
            with out.open("word/document.xml", "w", force_zip64=True) as part:
                part.write(head)
                block = row * 1000
                for number in range(rows // 1000):
                    part.write(block if alike else _numbered(number, 1000))
                part.write(tail)
    return path


def xlsx_sheet(path: Path, sheet_xml: str, shared: str | None = None) -> Path:
    """An Excel file whose first sheet is ``sheet_xml`` (and shared strings, if given)."""
    parts = {"xl/worksheets/sheet1.xml": sheet_xml.encode("utf-8")}
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared.encode("utf-8")
    return _package(path, _excel_template(), parts)


def _sheet(rows: list[list[str]], prolog: str = "", after: str = "") -> str:
    lines = []
    for number, cells in enumerate(rows, start=1):
        inline = "".join(
            f'<c r="{chr(65 + column)}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
            for column, text in enumerate(cells)
        )
        lines.append(f'<row r="{number}">{inline}</row>')
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{SHEET}">'
        f"<sheetData>{''.join(lines)}</sheetData>{after}</worksheet>"
    )


def xlsx_values(path: Path, rows: list[list[object]]) -> Path:
    """An Excel file written by openpyxl with these values (formulas stay formulas)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    text = buffer.getvalue()
    path.write_bytes(_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes Vietnamese: letters with their vowel marks precomposed,
    tone marks as combining characters after them."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
            out += (base + "".join(c for c in parts if c in _TONES)).encode("cp1258")
    return bytes(out)


def _laughs(depth: int = 12) -> tuple[str, str]:
    """A billion-laughs DOCTYPE for root element ``root`` and its top entity's reference."""
    entities = "".join(
        f'<!ENTITY l{n} "&l{n - 1};&l{n - 1};&l{n - 1};&l{n - 1};&l{n - 1};">'
        for n in range(1, depth)
    )
    return f'<!ENTITY l0 "ha">{entities}', f"&l{depth - 1};"


def _doctype(root: str, entities: str) -> str:
    return f"<!DOCTYPE {root} [{entities}]>"


# -- the corpus ---------------------------------------------------------------------------


def docx_billion_laughs(path: Path) -> Path:
    entities, reference = _laughs()
    return docx(path, _table(HEADER, [*TASK[:3], reference]), _doctype("w:document", entities))


def docx_quadratic(path: Path) -> Path:
    entities = f'<!ENTITY big "{"x" * 100_000}">'
    return docx(
        path, _table(HEADER, [*TASK[:3], "&big;" * 5_000]), _doctype("w:document", entities)
    )


def docx_xxe(path: Path) -> Path:
    entities = '<!ENTITY xxe SYSTEM "file:///etc/passwd">'
    return docx(path, _table(HEADER, [*TASK[:3], "&xxe;"]), _doctype("w:document", entities))


def docx_zip_bomb(path: Path) -> Path:
    return docx_stream(path, 400_000)  # 0.3 MB on disk, 150 MB of XML


def docx_many_rows(path: Path) -> Path:
    return docx_stream(path, 12_000, alike=False)


def docx_many_entries(path: Path) -> Path:
    return docx(path, _table(HEADER, TASK), extra=5_000)


def docx_wide_span(path: Path) -> Path:
    wide = _cell("x", '<w:gridSpan w:val="1000000000"/>')
    return docx(path, f"<w:tbl>{_row(HEADER)}<w:tr>{wide}</w:tr></w:tbl>")


def docx_grid_before(path: Path) -> Path:
    return docx(
        path,
        f'<w:tbl>{_row(HEADER)}<w:tr><w:trPr><w:gridBefore w:val="999999999"/></w:trPr>'
        f"{_cell('x')}</w:tr></w:tbl>",
    )


def docx_big_cell(path: Path) -> Path:
    return docx(path, _table(HEADER, [*TASK[:1], _noise(MB), *TASK[2:]]))


def docx_controls(path: Path) -> Path:
    """Bidi overrides and isolates in a task (removed on reading; XML 1.0 has no other
    control character but tab and line breaks)."""
    work = "\u202eRà soát\u202c thủ tục\u2066 hành chính\u2069"
    return docx(path, _table(HEADER, [TASK[0], work, *TASK[2:]]))


def docx_nul_reference(path: Path) -> Path:
    return docx(path, _table(HEADER, [TASK[0], "Rà soát&#0;", *TASK[2:]]))


def xlsx_billion_laughs(path: Path) -> Path:
    entities, reference = _laughs()
    return xlsx_sheet(
        path, _sheet([HEADER, [*TASK[:3], reference]], _doctype("worksheet", entities))
    )


def xlsx_xxe(path: Path) -> Path:
    entities = '<!ENTITY xxe SYSTEM "file:///etc/passwd">'
    return xlsx_sheet(path, _sheet([HEADER, [*TASK[:3], "&xxe;"]], _doctype("worksheet", entities)))


def xlsx_shared_strings_laughs(path: Path) -> Path:
    entities, reference = _laughs()
    shared = (
        f'<?xml version="1.0"?>{_doctype("sst", entities)}<sst xmlns="{SHEET}">'
        f"<si><t>{reference}</t></si></sst>"
    )
    sheet = (
        f'<worksheet xmlns="{SHEET}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        "</sheetData></worksheet>"
    )
    return xlsx_sheet(path, sheet, shared)


def xlsx_nul_reference(path: Path) -> Path:
    return xlsx_sheet(path, _sheet([HEADER, [TASK[0], "Rà soát&#0;", *TASK[2:]]]))


def xlsx_control_characters(path: Path) -> Path:
    return xlsx_sheet(path, _sheet([HEADER, [TASK[0], "Rà soát\x01\x02", *TASK[2:]]]))


def xlsx_escaped_controls(path: Path) -> Path:
    """Controls written as Excel's own escapes (``_x0001_``): valid XML, read by openpyxl."""
    return xlsx_sheet(path, _sheet([HEADER, [TASK[0], "Rà soát_x0001_ _x202E_ok", *TASK[2:]]]))


def xlsx_far_cell(path: Path) -> Path:
    sheet = _sheet([HEADER, TASK]).replace(
        "</sheetData>",
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
    )
    return xlsx_sheet(path, sheet)


def xlsx_huge_merge(path: Path) -> Path:
    merge = '<mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells>'
    return xlsx_sheet(path, _sheet([HEADER, TASK], after=merge))


def xlsx_zip_bomb(path: Path) -> Path:
    row = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>'
    with (
        zipfile.ZipFile(io.BytesIO(_excel_template())) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item.filename, source.read(item))
                continue
            with out.open(item.filename, "w", force_zip64=True) as part:
                part.write(f'<worksheet xmlns="{SHEET}"><sheetData>'.encode())
                padding = b" " * MB
                for _ in range(150):  # 150 MB of blanks between two rows
                    part.write(padding)
                part.write(row.format(n=1).encode())
                part.write(b"</sheetData></worksheet>")
    return path


def xlsx_formulas(path: Path) -> Path:
    return xlsx_values(
        path, [HEADER, ["1", TASK[1], TASK[2], '=HYPERLINK("http://x.example","30/9/2026")']]
    )


def xlsx_big_cell(path: Path) -> Path:
    return xlsx_sheet(path, _sheet([HEADER, [TASK[0], _noise(MB), *TASK[2:]]]))


def csv_nul(path: Path) -> Path:
    """A NUL in the cell of line 302, past the first 8 kB an upload's sniffing reads."""
    tasks = [[str(n), *TASK[1:]] for n in range(1, 301)]
    return write_csv(path, [HEADER, *tasks, ["301", "Rà soát\x00 thủ tục", *TASK[2:]]])


def csv_controls(path: Path) -> Path:
    return write_csv(path, [HEADER, [TASK[0], "\u202eRà soát\x1b thủ tục\u2067", *TASK[2:]]])


def csv_rows(path: Path) -> Path:
    return write_csv(path, [HEADER, *([str(n), *TASK[1:]] for n in range(1, 200_001))])


def csv_big_cell(path: Path) -> Path:
    return write_csv(path, [HEADER, [TASK[0], "x" * MB, *TASK[2:]]])


def csv_wide(path: Path) -> Path:
    return write_csv(path, [HEADER, TASK, ["x"] * 100_000])


def csv_formulas(path: Path) -> Path:
    return write_csv(path, [HEADER, [TASK[0], "=1+1", "@SUM(A1)", "+30/9/2026"]])


def csv_cp1258(path: Path) -> Path:
    return write_csv(path, [HEADER, TASK], encoding="cp1258")


def csv_utf16(path: Path) -> Path:
    return write_csv(path, [HEADER, TASK], encoding="utf-16")


def txt_nul(path: Path) -> Path:
    path.write_bytes("Số: 1/TB-UBND\nGiao Phòng Tư pháp rà soát\x00 thủ tục.\n".encode())
    return path


@dataclass(frozen=True)
class Hostile:
    """One file of the corpus: its name, its maker, and whether the import refuses it
    (``refused``, with words the error must hold) or imports it."""

    name: str
    make: Callable[[Path], Path]
    refused: str = ""


CORPUS = (
    Hostile("laughs.docx", docx_billion_laughs, "DOCTYPE"),
    Hostile("quadratic.docx", docx_quadratic, "DOCTYPE"),
    Hostile("xxe.docx", docx_xxe, "DOCTYPE"),
    Hostile("bomb.docx", docx_zip_bomb, "giải nén"),
    Hostile("rows.docx", docx_many_rows, "dòng"),
    Hostile("entries.docx", docx_many_entries, "tệp con"),
    Hostile("span.docx", docx_wide_span, "cột"),
    Hostile("before.docx", docx_grid_before, "cột"),
    Hostile("cell.docx", docx_big_cell, "ký tự"),
    Hostile("controls.docx", docx_controls),
    Hostile("nul.docx", docx_nul_reference, "bị hỏng"),
    Hostile("laughs.xlsx", xlsx_billion_laughs, "DOCTYPE"),
    Hostile("xxe.xlsx", xlsx_xxe, "DOCTYPE"),
    Hostile("shared.xlsx", xlsx_shared_strings_laughs, "DOCTYPE"),
    Hostile("nul.xlsx", xlsx_nul_reference, "bị hỏng"),
    Hostile("controls.xlsx", xlsx_control_characters, "bị hỏng"),
    Hostile("escaped.xlsx", xlsx_escaped_controls),
    Hostile("far.xlsx", xlsx_far_cell, "dòng"),
    Hostile("merge.xlsx", xlsx_huge_merge, "dòng"),
    Hostile("bomb.xlsx", xlsx_zip_bomb, "giải nén"),
    Hostile("formulas.xlsx", xlsx_formulas),
    Hostile("cell.xlsx", xlsx_big_cell, "ký tự"),
    Hostile("nul.csv", csv_nul, "NUL"),
    Hostile("controls.csv", csv_controls),
    Hostile("rows.csv", csv_rows, "dòng"),
    Hostile("cell.csv", csv_big_cell, "ký tự"),
    Hostile("wide.csv", csv_wide, "cột"),
    Hostile("formulas.csv", csv_formulas),
    Hostile("cp1258.csv", csv_cp1258, "UTF-8"),
    Hostile("utf16.csv", csv_utf16),
    Hostile("nul.txt", txt_nul, "NUL"),
)
