"""Reading .docx, .xlsx and .csv plan files into raw tables."""

from __future__ import annotations

import importlib
import sys
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from docx import Document
from openpyxl import Workbook

from engine.errors import ImportFileError, Location
from engine.importing.tables import (
    RawTable,
    read_tables,
    render_value,
    sniff_delimiter,
    strip_html,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _fixture_module(name: str) -> ModuleType:
    """The fixture scripts live in tests/fixtures, which is not a package."""
    if str(FIXTURES) not in sys.path:
        sys.path.insert(0, str(FIXTURES))
    return importlib.import_module(name)


SEED = _fixture_module("seed_002_pl2")


def _texts(table: RawTable) -> list[list[str]]:
    return [row.cells for row in table.rows]


# -- Word --------------------------------------------------------------------------------


def test_docx_reads_every_body_table_in_order() -> None:
    tables = read_tables(FIXTURES / "kien_tuong_3838.docx")

    assert [(t.index, t.name, t.width) for t in tables] == [
        (1, "Bảng 1", 2),
        (2, "Bảng 2", 5),
        (3, "Bảng 3", 8),
        (4, "Bảng 4", 8),
    ]
    assert {t.source for t in tables} == {"kien_tuong_3838.docx"}
    # Phụ lục 1: header, 6 section rows, 19 targets; Phụ lục 2 split after area 3.
    assert [len(t.rows) for t in tables] == [2, 26, 20, 12]
    assert [row.number for row in tables[2].rows] == list(range(1, 21))


def test_docx_fills_a_row_spanning_cell_in_every_column() -> None:
    pl1 = read_tables(FIXTURES / "kien_tuong_3838.docx")[1]

    assert pl1.rows[0].cells == list(SEED.PL1_HEADERS)
    assert pl1.rows[1].cells == ["I. Cải cách thể chế"] * 5
    assert pl1.rows[2].cells == list(SEED.PL1_ROWS[0].cells)


def test_docx_fills_vertically_merged_cells_in_every_row_they_span() -> None:
    tables = read_tables(FIXTURES / "kien_tuong_3838.docx")
    rows = [row.cells for table in tables[2:] for row in table.rows[1:]]

    assert rows == [list(task.cells) for task in SEED.PL2_TASKS]
    assert {row[1] for row in rows[:11]} == {"Công tác chỉ đạo, điều hành CCHC"}
    assert tables[3].rows[0].cells == list(SEED.PL2_HEADERS)  # the repeated header


def test_docx_keeps_paragraphs_of_a_cell_as_lines_and_runs_joined() -> None:
    tables = read_tables(FIXTURES / "kien_tuong_3838.docx")

    assert tables[2].rows[1].cells[3].splitlines() == [
        "- Kế hoạch kiểm tra CCHC",
        "- Quyết định thành lập Đoàn Kiểm tra",
        "- Thông báo hoặc biên bản kiểm tra",
        "- Báo cáo kết quả kiểm tra",
    ]
    assert tables[0].rows[0].cells[0] == "ỦY BAN NHÂN DÂN\nTHỊ XÃ KIẾN TƯỜNG"
    italic_row = next(r for r in tables[1].rows if r.cells[0] == "3")
    assert italic_row.cells[1].endswith("bằng phương thức điện tử (trừ hồ sơ mật).")


def test_docx_merged_block_nested_table_and_spaces(tmp_path: Path) -> None:
    document = Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).text = "A"
    table.cell(0, 1).merge(table.cell(1, 2)).text = "Khối gộp"  # 2 rows x 2 columns
    table.cell(1, 0).text = "  B   đầu\u00a0dòng  "
    table.cell(2, 0).text = "C"
    table.cell(2, 1).add_table(rows=1, cols=1).cell(0, 0).text = "bảng lồng"
    table.cell(2, 2).text = ""
    path = tmp_path / "merged.docx"
    document.save(str(path))

    tables = read_tables(path)

    assert len(tables) == 1  # the nested table is not a table of the document
    assert _texts(tables[0]) == [
        ["A", "Khối gộp", "Khối gộp"],
        ["B đầu dòng", "Khối gộp", "Khối gộp"],
        ["C", "", ""],
    ]


def test_docx_trailing_empty_rows_and_columns_are_dropped(tmp_path: Path) -> None:
    document = Document()
    table = document.add_table(rows=4, cols=4)
    table.cell(0, 0).text = "TT"
    table.cell(0, 1).text = "Nhiệm vụ"
    table.cell(1, 0).text = "1"
    path = tmp_path / "trailing.docx"
    document.save(str(path))

    assert _texts(read_tables(path)[0]) == [["TT", "Nhiệm vụ"], ["1", ""]]


# -- Excel -------------------------------------------------------------------------------


def test_xlsx_reads_each_sheet_with_merged_ranges_filled() -> None:
    info, pl2 = read_tables(FIXTURES / "kien_tuong_3838_pl2.xlsx")

    assert (info.index, info.name, pl2.index, pl2.name) == (1, "Thông tin", 2, "Phụ lục 2")
    assert info.rows[1].cells == ["Ngày ban hành", "28/12/2023"]  # a real date cell
    assert pl2.rows[0].cells == ["PHỤ LỤC 2"] * 8  # a title merged across the sheet
    assert pl2.rows[3].number == 4
    assert pl2.rows[3].cells == list(SEED.PL2_HEADERS)
    assert pl2.rows[4].cells == [f"({n})" for n in range(1, 9)]
    tasks = [row.cells for row in pl2.rows[5:35]]
    assert tasks == [list(task.cells) for task in SEED.PL2_TASKS]
    assert pl2.rows[-1].cells == [SEED.PL2_TOTAL] * 8


def test_xlsx_values_are_rendered_as_typed(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["B1"] = "Ngày"
    sheet["C1"] = datetime(2024, 3, 31)  # noqa: DTZ001  (Excel cells have no time zone)
    sheet["B2"] = 1.0
    sheet["C2"] = 0.95
    sheet["C2"].number_format = "0%"
    sheet["B3"] = "Dòng 1\nDòng 2"
    sheet["F9"] = None  # touched, still empty: trailing rows and columns go
    path = tmp_path / "values.xlsx"
    workbook.save(path)

    (table,) = read_tables(path)

    assert _texts(table) == [
        ["", "Ngày", "31/03/2024"],
        ["", "1", "95%"],
        ["", "Dòng 1\nDòng 2", ""],
    ]


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (None, "General", ""),
        (1.0, "General", "1"),
        (20, "General", "20"),
        (2.5, "General", "2.5"),
        (0.1, "General", "0.1"),
        (1e20, "General", "100000000000000000000"),
        (Decimal("3.10"), "General", "3.1"),
        (0.95, "0%", "95%"),
        (0.125, "0.0%", "12.5%"),
        (date(2024, 1, 5), "General", "05/01/2024"),
        # Excel date-times are naive: a cell has no time zone.
        (datetime(2023, 12, 28), "dd/mm/yyyy", "28/12/2023"),  # noqa: DTZ001
        (datetime(2023, 12, 28, 14, 30), "General", "28/12/2023 14:30"),  # noqa: DTZ001
        (time(7, 0), "General", "07:00"),
        (True, "General", "TRUE"),
        ("Quý I/2024", "General", "Quý I/2024"),
    ],
)
def test_render_value(value: Any, number_format: str, shown: str) -> None:
    assert render_value(value, number_format) == shown


# -- CSV ---------------------------------------------------------------------------------


def test_csv_with_bom_numbers_rows_by_their_first_line() -> None:
    (table,) = read_tables(FIXTURES / "kien_tuong_3838_pl2.csv")

    assert (table.index, table.name, table.width, len(table.rows)) == (1, "Bảng 1", 8, 31)
    assert table.rows[0].cells == list(SEED.PL2_HEADERS)  # no BOM left in "TT"
    assert [row.cells for row in table.rows[1:]] == [list(t.cells) for t in SEED.PL2_TASKS]
    # Task 1.1's product holds four lines, so task 1.2 starts on line 6.
    assert [row.number for row in table.rows[:3]] == [1, 2, 6]


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8"), (";", "utf-8-sig"), ("\t", "utf-8"), (";", "utf-8")],
)
def test_csv_delimiter_is_sniffed(tmp_path: Path, delimiter: str, encoding: str) -> None:
    lines = [
        ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
        ["1", "Rà soát, đánh giá, đơn giản hóa TTHC", "Văn phòng; Phòng Nội vụ", "Quý III/2024"],
        ["2", "Tự kiểm tra, kiểm tra VBQPPL", "Phòng Tư pháp", "Trong năm"],
    ]
    text = "\r\n".join(
        delimiter.join(f'"{cell}"' if delimiter in cell or "," in cell else cell for cell in row)
        for row in lines
    )
    path = tmp_path / "plan.csv"
    path.write_bytes(text.encode(encoding))

    assert _texts(read_tables(path)[0]) == lines


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a\tb\n1\t2\n", "\t"),
        ('"x, y";z\n"1, 2";3\n', ";"),
        ("một cột\nhai\n", ","),
    ],
)
def test_sniff_delimiter(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_csv_trailing_empty_rows_and_columns_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "trailing.csv"
    path.write_text("TT,Nhiệm vụ,,\n1,Họp,,\n,,,\n\n", encoding="utf-8")

    assert _texts(read_tables(path)[0]) == [["TT", "Nhiệm vụ"], ["1", "Họp"]]


def test_csv_html_left_by_a_converter_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "html.csv"
    cell = '<ul style=""list-style-type: none""> - Kế hoạch kiểm tra CCHC</ul>'
    path.write_text(f'TT,Sản phẩm,Ghi chú\n1,"{cell}",(<i>trừ hồ sơ mật</i>) &amp; x\n')

    assert read_tables(path)[0].rows[1].cells == [
        "1",
        "- Kế hoạch kiểm tra CCHC",
        "(trừ hồ sơ mật) & x",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Phòng VH&TT", "Phòng VH&TT"),
        ("<ul><li>Kế hoạch</li><li>Báo cáo</li></ul>", "\nKế hoạch\n\nBáo cáo\n"),
        ("Dòng 1<br/>Dòng 2", "Dòng 1\nDòng 2"),
        ("<p>Đoạn</p>", "\nĐoạn\n"),
        ('<span style="x">đậm</span> <b>B</b>', "đậm B"),
        ("tỷ lệ < 5% và <tên đơn vị>", "tỷ lệ < 5% và <tên đơn vị>"),
        ("A &lt; B &nbsp;C", "A < B  C"),
    ],
)
def test_strip_html(text: str, expected: str) -> None:
    assert strip_html(text) == expected


# -- errors ------------------------------------------------------------------------------


def _error(path: Path) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read_tables(path)
    return caught.value


def test_not_utf8_csv_names_the_file_the_line_and_the_byte() -> None:
    error = _error(FIXTURES / "latin1.csv")

    assert error.message.startswith("Không đọc được tệp latin1.csv: ")
    assert "mã UTF-8" in error.message
    assert "byte thứ 53 (0xe2), ở dòng 2" in error.message
    assert error.problems[0].location == Location(file="latin1.csv", row=2)


def test_not_utf8_after_a_bom_counts_the_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfTT,A\n1,\xe9\n")

    error = _error(path)

    assert "byte thứ 11 (0xe9), ở dòng 2" in error.message


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("not_a_docx.docx", None, "không phải tệp Word (.docx) thật"),
        ("plan.xlsx", b"TT,Nhiem vu\n", "không phải tệp Excel (.xlsx) thật"),
        ("plan.pdf", b"%PDF-1.4", "định dạng .pdf không được hỗ trợ"),
        ("plan.xls", b"\xd0\xcf\x11\xe0", "định dạng .xls cũ chưa được hỗ trợ"),
        ("plan", b"x", "định dạng (không có đuôi) không được hỗ trợ"),
        ("long.csv", b'TT,A\n1,"' + b"a" * 140_000, "ô dài quá giới hạn 32,767 ký tự"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes | None, said: str) -> None:
    path = FIXTURES / name if content is None else tmp_path / name
    if content is not None:
        path.write_bytes(content)

    error = _error(path)

    assert error.message.startswith(f"Không đọc được tệp {name}: ")
    assert said in error.message
    assert error.problems[0].location.file == name


def test_missing_file(tmp_path: Path) -> None:
    error = _error(tmp_path / "khong_co.docx")

    assert error.message == "Không đọc được tệp khong_co.docx: không tìm thấy tệp"
    assert str(error.problems[0]) == "khong_co.docx: không tìm thấy tệp"
