"""The .docx and .xlsx readers against the library readers they replaced, and their guards.

The import reads a .docx with lxml and an .xlsx with openpyxl's sheet parser, for speed
(issue 13, item 6). The readers they replaced (python-docx's object model; openpyxl's fully
loaded workbook) are kept here as the reference: on the fixtures, on a table full of edge
cases (content controls, tracked changes, fields, text boxes, breaks and tabs, gridBefore,
gridSpan, vertical merges, nested tables) and on the 2,000-task plan of the import
benchmark, both give the same tables cell for cell. Then what the readers refuse: a file
that is no Word package, a workbook renamed .docx, a part that unzips too large, and XML
entities (XXE, billion laughs), which are never resolved.
"""

from __future__ import annotations

import importlib.util
import io
import sys
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from docx import Document

from engine.errors import ImportFileError
from engine.importing import limits, tables
from engine.importing.limits import Budget
from engine.importing.tables import RawTable, read_tables

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@cache
def bench() -> ModuleType:
    """tests/bench/import_bench.py, whose generator writes the 2,000-task plan."""
    spec = importlib.util.spec_from_file_location(
        "import_bench", REPO / "tests/bench/import_bench.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_bench"] = module
    spec.loader.exec_module(module)
    return module


def as_lists(found: list[RawTable]) -> list[tuple[int, str, list[tuple[int, list[str]]]]]:
    return [(t.index, t.name, [(row.number, row.cells) for row in t.rows]) for t in found]


# -- the reference: the python-docx reader the import used before ------------------------

_RUNS = ".//w:r[not(ancestor::w:del) and not(ancestor::w:moveFrom)]"


def python_docx_tables(path: Path) -> list[RawTable]:
    document = Document(str(path))
    body = document.element.body
    found = body.xpath("./w:tbl | ./w:sdt/w:sdtContent/w:tbl")
    return [
        tables._table(index, f"Bảng {index}", _python_docx_rows(tbl), path, Budget(path))
        for index, tbl in enumerate(found, start=1)
    ]


def _python_docx_rows(tbl: Any) -> Iterator[tuple[int, list[str]]]:
    top: dict[int, str] = {}
    for number, tr in enumerate(tbl.xpath("./w:tr | ./w:sdt/w:sdtContent/w:tr"), start=1):
        cells = [""] * tr.grid_before
        for tc in tr.xpath("./w:tc | ./w:sdt/w:sdtContent/w:tc"):
            column = len(cells)
            text = top.get(column, "") if tc.vMerge == "continue" else _python_docx_text(tc)
            for offset in range(tc.grid_span):
                top[column + offset] = text
                cells.append(text)
        yield number, cells


def _python_docx_text(tc: Any) -> str:
    paragraphs = tc.xpath("./w:p | ./w:sdt/w:sdtContent/w:p")
    return "\n".join("".join(run.text for run in p.xpath(_RUNS)) for p in paragraphs)


# -- files ---------------------------------------------------------------------------------


def docx_with(path: Path, body: str) -> Path:
    """A .docx from python-docx's template whose body is ``body`` (raw WordprocessingML)."""
    buffer = io.BytesIO()
    Document().save(buffer)
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W}">'
        f"<w:body>{body}<w:sectPr/></w:body></w:document>"
    )
    return _replace_part(buffer, path, "word/document.xml", xml.encode())


def _replace_part(source: io.BytesIO | Path, path: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(source) as template, zipfile.ZipFile(path, "w") as out:
        for item in template.infolist():
            out.writestr(item, data if item.filename == name else template.read(item))
    return path


def tc(inner: str, properties: str = "") -> str:
    return f"<w:tc><w:tcPr>{properties}</w:tcPr>{inner}</w:tc>"


def p(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


EDGE_ROWS = (
    # insertions kept, deletions left out; a tab, line and page breaks, cr, hyphen, ptab
    tc(p(r("1")))
    + tc(
        p(
            r("Xây "),
            "<w:ins><w:r><w:t>dựng</w:t></w:r></w:ins>",
            "<w:del><w:r><w:delText>xóa</w:delText></w:r></w:del>",
            '<w:r><w:tab/><w:t>kế</w:t><w:br/><w:t>hoạch</w:t><w:br w:type="page"/>'
            "<w:cr/><w:noBreakHyphen/><w:ptab/></w:r>",
        )
    )
    + tc(p(r("Phòng Nội vụ")))
    + tc(p(r("Tháng 6/2026"))),
    # gridBefore; a hyperlink, moved-away and moved-to text
    '<w:trPr><w:gridBefore w:val="1"/></w:trPr>'
    + tc(
        p(
            "<w:hyperlink><w:r><w:t>Liên kết</w:t></w:r></w:hyperlink>",
            "<w:moveFrom><w:r><w:t>đi</w:t></w:r></w:moveFrom>",
            "<w:moveTo><w:r><w:t>đến</w:t></w:r></w:moveTo>",
        )
    )
    + tc(p(r("Phòng Tư pháp")))
    + tc(p(r("30/9/2026"))),
    # a cell in a content control, paragraphs and runs in one, a field; a merge starts
    "<w:sdt><w:sdtContent>"
    + tc(p(r("3")))
    + "</w:sdtContent></w:sdt>"
    + tc(
        "<w:sdt><w:sdtContent>"
        + p(r("Trong sdt"))
        + "</w:sdtContent></w:sdt>"
        + p(
            "<w:sdt><w:sdtContent><w:r><w:t>run sdt</w:t></w:r></w:sdtContent></w:sdt>",
            "<w:fldSimple><w:r><w:t>F</w:t></w:r></w:fldSimple>",
        )
    )
    + tc(p(r("Văn phòng")), '<w:vMerge w:val="restart"/>')
    + tc(p(r("Quý III/2026"))),
)
EDGE_ROWS_MORE = (
    # a nested table (its text is not the cell's); the merge continues
    tc(p(r("4")))
    + tc(
        p(r("Có bảng lồng")) + "<w:tbl><w:tr>" + tc(p(r("lồng"))) + "</w:tr></w:tbl>" + p(r("sau"))
    )
    + tc(p(r("bỏ")), "<w:vMerge/>")
    + tc(p(r("Trong năm"))),
    # a text box in a run; a continued merge spanning two columns
    tc(p(r("5")))
    + tc(
        p(
            "<w:r><w:t>Hộp</w:t><w:drawing><w:txbxContent>"
            + p(r("trong hộp"))
            + "</w:txbxContent></w:drawing></w:r>",
            "<w:smartTag><w:r><w:t> thẻ</w:t></w:r></w:smartTag>",
        )
    )
    + tc(p(r("x")), '<w:vMerge w:val="continue"/><w:gridSpan w:val="2"/>'),
    # tags and runs of spaces to clean, an empty paragraph, a zero span
    tc(p(r("6")))
    + tc(p(r("&lt;b&gt;Đậm&lt;/b&gt;   nhiều   khoảng")) + p() + p(r("  dòng 3  ")))
    + tc(p(r("A")), '<w:gridSpan w:val="0"/>')
    + tc(p(r("B")))
    + tc(p(r("C"))),
)


def edge_docx(path: Path) -> Path:
    header = "".join(tc(p(r(h))) for h in ("TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"))
    rows = "".join(f"<w:tr>{row}</w:tr>" for row in (header, *EDGE_ROWS))
    in_control = (
        "<w:sdt><w:sdtContent><w:tr>" + EDGE_ROWS_MORE[0] + "</w:tr></w:sdtContent></w:sdt>"
    )
    more = in_control + "".join(f"<w:tr>{row}</w:tr>" for row in EDGE_ROWS_MORE[1:])
    body = (
        p(r("Tiêu đề"))
        + "<w:sdt><w:sdtContent><w:tbl><w:tr>"
        + tc(p(r("Bảng trong sdt")))
        + "</w:tr></w:tbl></w:sdtContent></w:sdt>"
        + f"<w:tbl>{rows}{more}</w:tbl><w:tbl><w:tr/></w:tbl><w:p/>"
    )
    return docx_with(path, body)


@pytest.fixture(scope="module")
def plan_2000(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The benchmark's 2,000-task plan as .docx and .xlsx."""
    folder = tmp_path_factory.mktemp("plan_2000")
    rows = bench().plan_rows(2000)
    docx, xlsx = folder / "ke_hoach.docx", folder / "ke_hoach.xlsx"
    bench().write_docx(docx, rows)
    bench().write_xlsx(xlsx, rows)
    return docx, xlsx


# -- the same tables as python-docx --------------------------------------------------------


@pytest.mark.parametrize("name", ["kien_tuong_3838.docx", "no_task_table.docx"])
def test_docx_fixtures_read_as_python_docx_read_them(name: str) -> None:
    path = FIXTURES / name
    assert as_lists(read_tables(path)) == as_lists(python_docx_tables(path))


def test_docx_edge_cases_read_as_python_docx_read_them(tmp_path: Path) -> None:
    path = edge_docx(tmp_path / "edge.docx")

    found = read_tables(path)

    assert as_lists(found) == as_lists(python_docx_tables(path))
    assert [row.cells for row in found[1].rows[1:]] == [
        ["1", "Xây dựng kế\nhoạch\n-", "Phòng Nội vụ", "Tháng 6/2026"],
        ["", "Liên kếtđến", "Phòng Tư pháp", "30/9/2026"],
        ["3", "Trong sdt\nrun sdtF", "Văn phòng", "Quý III/2026"],
        ["4", "Có bảng lồng\nsau", "Văn phòng", "Trong năm"],
        ["5", "Hộptrong hộp thẻ", "Văn phòng", "Văn phòng"],
        ["6", "Đậm nhiều khoảng\ndòng 3", "B", "C"],
    ]


def test_docx_of_2000_tasks_reads_as_python_docx_read_it(plan_2000: tuple[Path, Path]) -> None:
    docx, _ = plan_2000

    found = read_tables(docx)

    assert as_lists(found) == as_lists(python_docx_tables(docx))
    (table,) = found
    assert len(table.rows) == 2 + 7 + 2000  # header, numbering, sections, tasks
    assert table.rows[2].cells == ["I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC"] * 7


# A plain table (no content control, nested table, text box or deleted text around its
# rows, cells and paragraphs) is read in one walk; these rows hold what such a table may.
PLAIN_ROWS = (
    # a tab stop in a paragraph's properties; a tab, line and page breaks, cr, hyphen,
    # ptab; an insertion, a hyperlink, a field, a smart tag, a run in a content control
    tc(p('<w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>' + r("1")))
    + tc(
        p(
            r("Xây "),
            "<w:ins><w:r><w:t>dựng</w:t></w:r></w:ins>",
            '<w:r><w:tab/><w:t>kế</w:t><w:br/><w:t>hoạch</w:t><w:br w:type="page"/>'
            "<w:cr/><w:noBreakHyphen/><w:ptab/><w:t/></w:r>",
            "<w:hyperlink><w:r><w:t> liên kết</w:t></w:r></w:hyperlink>",
            "<w:fldSimple><w:r><w:t> F</w:t></w:r></w:fldSimple>",
            "<w:smartTag><w:r><w:t> thẻ</w:t></w:r></w:smartTag>",
            "<w:sdt><w:sdtContent><w:r><w:t> sdt</w:t></w:r></w:sdtContent></w:sdt>",
        )
    )
    + tc(p(r("Văn phòng")), '<w:vMerge w:val="restart"/>')
    + tc(p(r("Tháng 6/2026"))),
    # gridBefore; a merge continued; a span; a second tcPr and a second gridSpan ignored
    '<w:trPr><w:gridBefore w:val="1"/><w:gridBefore w:val="3"/></w:trPr>'
    + tc(p(r("Hai")) + p() + p(r("  dòng 3  ")))
    + tc(p(r("bỏ")), '<w:vMerge/><w:vMerge w:val="restart"/>')
    + '<w:tc><w:tcPr><w:gridSpan w:val="1"/></w:tcPr><w:tcPr><w:gridSpan w:val="3"/>'
    + "</w:tcPr>"
    + p(r("Q"))
    + "</w:tc>",
    # a cell with no paragraph, a zero span, a continued merge spanning two columns
    tc("")
    + tc(p(r("A")), '<w:gridSpan w:val="0"/>')
    + tc(p(r("x")), '<w:vMerge/><w:gridSpan w:val="2"/>'),
    # a row with no cell
    "",
)
# Each makes a table not plain; it is read as before, element by element.
NOT_PLAIN = (
    "<w:sdt><w:sdtContent>" + tc(p(r("ô trong sdt"))) + "</w:sdtContent></w:sdt>",
    tc(p(r("a")) + "<w:tbl><w:tr>" + tc(p(r("lồng"))) + "</w:tr></w:tbl>"),
    tc(
        p(
            "<w:r><w:t>Hộp</w:t><w:pict><w:txbxContent>"
            + p(r("trong"))
            + "</w:txbxContent></w:pict></w:r>"
        )
    ),
    tc(p("<w:r><w:t>a</w:t><w:ruby><w:rt>" + r("b") + "</w:rt></w:ruby><w:t>c</w:t></w:r>")),
    tc(p("<w:t>lạc</w:t>" + r("chữ"))),
    tc(p(r("a"))) + '<w:trPr><w:gridBefore w:val="2"/></w:trPr>' + tc(p(r("b"))),
    tc("<w:r><w:t>ngoài đoạn</w:t></w:r>" + p(r("a"))),
    tc(p(r("a")), '<w:gridSpan w:val="101"/>'),
)


def _body_tables(path: Path) -> list[Any]:
    return list(tables._children(tables.docx_body(path), tables._TBL))


def test_a_plain_table_is_read_in_one_walk_as_python_docx_read_it(tmp_path: Path) -> None:
    rows = "".join(f"<w:tr>{row}</w:tr>" for row in PLAIN_ROWS)
    path = docx_with(tmp_path / "plain.docx", f"<w:tbl>{rows}</w:tbl>")

    (tbl,) = _body_tables(path)

    assert tables._PlainWalk(tbl).rows() is not None
    assert as_lists(read_tables(path)) == as_lists(python_docx_tables(path))
    assert [row.cells for row in read_tables(path)[0].rows] == [
        ["1", "Xây dựng kế\nhoạch\n- liên kết F thẻ sdt", "Văn phòng", "Tháng 6/2026"],
        ["", "Hai\ndòng 3", "Văn phòng", "Q"],
        ["", "Hai\ndòng 3", "Hai\ndòng 3", ""],  # the empty row after it dropped
    ]


@pytest.mark.parametrize("row", NOT_PLAIN)
def test_a_table_not_plain_is_read_element_by_element(tmp_path: Path, row: str) -> None:
    path = docx_with(
        tmp_path / "odd.docx", f"<w:tbl><w:tr>{tc(p(r('TT')))}</w:tr><w:tr>{row}</w:tr></w:tbl>"
    )

    (tbl,) = _body_tables(path)

    assert tables._PlainWalk(tbl).rows() is None
    if "101" in row:  # past the bound: refused where it always was
        assert "quá giới hạn" in _refusal(path)
    else:
        assert as_lists(read_tables(path)) == as_lists(python_docx_tables(path))


# -- what the .docx reader refuses ----------------------------------------------------------


def _refusal(path: Path) -> str:
    with pytest.raises(ImportFileError) as caught:
        read_tables(path)
    return caught.value.message


def test_a_workbook_renamed_docx_is_not_a_word_document(tmp_path: Path) -> None:
    path = tmp_path / "bang.docx"
    path.write_bytes((FIXTURES / "kien_tuong_3838_pl2.xlsx").read_bytes())

    said = _refusal(path)

    assert said.startswith("Không đọc được tệp bang.docx: tệp Word (.docx) bị hỏng")


def test_a_part_that_unzips_too_large_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_PART_BYTES", 2000)  # a zip bomb, scaled down
    path = docx_with(tmp_path / "bom.docx", p(r("x" * 5000)))

    said = _refusal(path)

    assert "word/document.xml giải nén ra" in said
    assert "zip bomb" in said


def test_a_broken_grid_span_is_a_broken_file(tmp_path: Path) -> None:
    path = docx_with(
        tmp_path / "span.docx",
        "<w:tbl><w:tr>" + tc(p(r("A")), '<w:gridSpan w:val="hai"/>') + "</w:tr></w:tbl>",
    )

    assert "tệp Word (.docx) bị hỏng" in _refusal(path)


def _docx_with_doctype(path: Path, doctype: str, cell: str) -> Path:
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<w:document xmlns:w="{W}"><w:body>'
        f"<w:tbl><w:tr>{tc(p(r('TT')))}{tc(p(r(cell)))}</w:tr></w:tbl></w:body></w:document>"
    )
    buffer = io.BytesIO()
    Document().save(buffer)
    return _replace_part(buffer, path, "word/document.xml", xml.encode())


def test_docx_external_entities_are_refused_unread(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("MẬT KHẨU", encoding="utf-8")
    doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    path = _docx_with_doctype(tmp_path / "xxe.docx", doctype, "&xxe;")

    said = _refusal(path)

    assert "phần word/document.xml có khai báo DOCTYPE/ENTITY" in said
    assert "MẬT KHẨU" not in said


def test_docx_billion_laughs_are_refused_before_parsing(tmp_path: Path) -> None:
    laughs = "".join(
        f'<!ENTITY l{n} "&l{n - 1};&l{n - 1};&l{n - 1};&l{n - 1};">' for n in range(1, 12)
    )
    doctype = f'<!DOCTYPE w:document [<!ENTITY l0 "ha">{laughs}]>'
    path = _docx_with_doctype(tmp_path / "laughs.docx", doctype, "&l11;")

    said = _refusal(path)

    assert "phần word/document.xml có khai báo DOCTYPE/ENTITY" in said
    with pytest.raises(Exception, match="amplification"):  # python-docx: libxml2's guard
        python_docx_tables(path)


# -- the reference: the fully loaded openpyxl workbook the import used before --------------


def openpyxl_full_tables(path: Path) -> list[RawTable]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, data_only=True)
    return [
        tables._table(index, sheet.title, _full_sheet_rows(sheet), path, Budget(path))
        for index, sheet in enumerate(workbook.worksheets, start=1)
    ]


def _full_sheet_rows(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    merged: dict[tuple[int, int], str] = {}
    for cell_range in sheet.merged_cells.ranges:
        first = sheet.cell(cell_range.min_row, cell_range.min_col)
        text = tables.render_value(first.value, first.number_format)
        for row, column in cell_range.cells:
            merged[(row, column)] = text
    for number, row in enumerate(sheet.iter_rows(min_row=1, min_col=1), start=1):
        cells: list[str] = []
        for column, cell in enumerate(row, start=1):
            filled = merged.get((number, column))
            number_format = getattr(cell, "number_format", "General")
            cells.append(
                filled if filled is not None else tables.render_value(cell.value, number_format)
            )
        yield number, cells


def edge_xlsx(path: Path, *, epoch_1904: bool = False) -> Path:
    """Dates, times, durations, percentages, booleans, a formula, rich text, errors, merged
    ranges (one over an absent cell), a leading empty row, an empty sheet."""
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    workbook = Workbook()
    if epoch_1904:
        workbook.epoch = datetime(1904, 1, 1)  # noqa: DTZ001  (Excel has no time zone)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Kế hoạch"
    sheet.append([None])
    sheet.append(["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian thực hiện", "Tỷ lệ"])
    sheet.append([1, "Họp", "Phòng Nội vụ", datetime(2026, 6, 30), 0.5])  # noqa: DTZ001
    sheet["E3"].number_format = "0%"
    sheet.append([2.0, True, "Phòng Tư pháp", date(2026, 9, 30), 1e20])
    sheet.append([3, "=1+1", None, time(7, 30), -0.25])
    sheet["E5"].number_format = "0.0%"
    rich = CellRichText(["Giàu ", TextBlock(InlineFont(b=True), "chữ")])
    sheet.append([4, rich, "Văn phòng", "Quý III", "#N/A"])
    sheet.append([5, "Dòng 1\nDòng 2 _x000D_", "<b>x</b> &amp;", datetime(2026, 1, 2, 14, 5), 3.5])  # noqa: DTZ001
    sheet["D8"] = timedelta(hours=5)
    sheet["A8"], sheet["B8"] = 6, "Khoảng thời gian"
    sheet["E8"] = 1234.5
    sheet["E8"].number_format = "#,##0.00"
    sheet.merge_cells("C7:C8")
    sheet.merge_cells("F2:G3")  # over cells never written
    sheet["H12"] = None
    workbook.create_sheet("Trống")
    third = workbook.create_sheet("Thứ ba")
    third["C3"] = "chỉ một ô"
    third.merge_cells("A1:B2")
    workbook.save(path)
    return path


@pytest.mark.parametrize("name", ["kien_tuong_3838_pl2.xlsx", "missing_lead_column.xlsx"])
def test_xlsx_fixtures_read_as_a_full_load_read_them(name: str) -> None:
    path = FIXTURES / name
    assert as_lists(read_tables(path)) == as_lists(openpyxl_full_tables(path))


@pytest.mark.parametrize("epoch_1904", [False, True])
def test_xlsx_edge_cases_read_as_a_full_load_read_them(tmp_path: Path, epoch_1904: bool) -> None:
    path = edge_xlsx(tmp_path / "edge.xlsx", epoch_1904=epoch_1904)

    found = read_tables(path)

    assert as_lists(found) == as_lists(openpyxl_full_tables(path))
    assert [row.cells for row in found[0].rows[2:]] == [
        ["1", "Họp", "Phòng Nội vụ", "30/06/2026", "50%"],
        ["2", "TRUE", "Phòng Tư pháp", "30/09/2026", "100000000000000000000"],
        ["3", "", "", "07:30", "-25%"],
        ["4", "Giàu chữ", "Văn phòng", "Quý III", "#N/A"],
        ["5", "Dòng 1\nDòng 2 _x000D_", "x &", "02/01/2026 14:05", "3.5"],
        ["6", "Khoảng thời gian", "x &", "5:00:00", "1234.5"],
    ]


def test_xlsx_of_2000_tasks_reads_as_a_full_load_read_it(plan_2000: tuple[Path, Path]) -> None:
    _, xlsx = plan_2000

    found = read_tables(xlsx)

    assert as_lists(found) == as_lists(openpyxl_full_tables(xlsx))
    assert found[0].rows[3].cells == ["I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC"] * 7


# -- what the .xlsx reader refuses -----------------------------------------------------------


def _xlsx_with_sheet(tmp_path: Path, name: str, sheet_xml: str) -> Path:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.save(buffer)
    return _replace_part(buffer, tmp_path / name, "xl/worksheets/sheet1.xml", sheet_xml.encode())


_SHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def test_xlsx_part_that_unzips_too_large_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_PART_BYTES", 30_000)  # the theme is 10 kB
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>'
        for n in range(1, 1000)
    )
    path = _xlsx_with_sheet(
        tmp_path,
        "bom.xlsx",
        f'<worksheet xmlns="{_SHEET}"><sheetData>{rows}</sheetData></worksheet>',
    )

    said = _refusal(path)

    assert "xl/worksheets/sheet1.xml giải nén ra" in said
    assert "zip bomb" in said


@pytest.mark.parametrize(
    "entities",
    [
        '<!ENTITY xxe SYSTEM "{secret}">',
        '<!ENTITY l0 "ha">'
        + "".join(
            f'<!ENTITY l{n} "&l{n - 1};&l{n - 1};&l{n - 1};&l{n - 1};">' for n in range(1, 12)
        ),
    ],
    ids=["xxe", "billion laughs"],
)
def test_xlsx_entities_are_never_resolved(tmp_path: Path, entities: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("MẬT KHẨU", encoding="utf-8")
    reference = "&xxe;" if "xxe" in entities else "&l11;"
    doctype = "<!DOCTYPE worksheet [" + entities.format(secret=secret.as_uri()) + "]>"
    sheet = (
        f'<?xml version="1.0"?>{doctype}<worksheet xmlns="{_SHEET}"><sheetData><row r="1">'
        f'<c r="A1" t="inlineStr"><is><t>TT {reference}</t></is></c></row></sheetData></worksheet>'
    )
    path = _xlsx_with_sheet(tmp_path, "xxe.xlsx", sheet)

    said = _refusal(path)  # refused before openpyxl parses it

    assert "phần xl/worksheets/sheet1.xml có khai báo DOCTYPE/ENTITY" in said
    assert "MẬT KHẨU" not in said
