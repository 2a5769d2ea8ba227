"""Task tables shaped unlike the seed: two-row headers, title rows above the header, a
numbering row, Excel dates, ';'-separated CSV, sections per roman numeral with numbering
restarting, and post-2025 commune units. Every task row must be found and judged."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from engine.calendar.deadlines import parse_deadline
from engine.configs.files import Configs, load_configs
from engine.directory.unit_cells import split_units
from engine.importing.areas import AreaResolver
from engine.importing.columns import find_task_table
from engine.importing.rows import ParsedRow, parse_rows
from engine.importing.tables import read_tables

CONFIG = Path(__file__).resolve().parents[2] / "config"

TWO_ROW_HEADER = [
    ["STT", "Nội dung nhiệm vụ", "Đơn vị thực hiện", "Đơn vị thực hiện", "Thời gian hoàn thành",
     "Sản phẩm"],
    ["STT", "Nội dung nhiệm vụ", "Chủ trì", "Phối hợp", "Thời gian hoàn thành", "Sản phẩm"],
    ["I", "CẢI CÁCH THỂ CHẾ", "", "", "", ""],
    ["1", "Rà soát, hệ thống hóa văn bản quy phạm pháp luật do HĐND, UBND xã ban hành",
     "Văn phòng HĐND và UBND", "Các cơ quan, đơn vị thuộc UBND xã", "Quý IV/2026",
     "Báo cáo kết quả rà soát"],
    ["2", "Kiểm tra, xử lý văn bản trái pháp luật", "Văn phòng HĐND và UBND",
     "Phòng Kinh tế; Phòng Văn hóa - Xã hội", "Thường xuyên", "Báo cáo"],
    ["II", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH", "", "", "", ""],
    ["1", "Công khai 100% thủ tục hành chính trên Cổng dịch vụ công",
     "Trung tâm Phục vụ hành chính công", "Công an xã", "Tháng 3/2026",
     "Danh mục TTHC được công khai"],
    ["2", "Số hóa hồ sơ, kết quả giải quyết TTHC",
     "Trung tâm Phục vụ hành chính công, Phòng Kinh tế", "", "Hằng quý", "Báo cáo số hóa"],
    ["III", "XÂY DỰNG, PHÁT TRIỂN CHÍNH QUYỀN SỐ", "", "", "", ""],
    ["1", "Triển khai nền tảng số dùng chung của tỉnh", "Phòng Văn hóa - Xã hội",
     "Các ban, ngành, đoàn thể", "Trước ngày 30/6/2026", "Kế hoạch; Báo cáo"],
]  # fmt: skip


@pytest.fixture(scope="module")
def configs() -> Configs:
    return load_configs(CONFIG)


def _two_row_header_docx(path: Path) -> Path:
    document = Document()
    document.add_paragraph("DANH MỤC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2026")
    table = document.add_table(rows=len(TWO_ROW_HEADER), cols=6)
    for i, row in enumerate(TWO_ROW_HEADER):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    for j in (0, 1, 4, 5):  # vertically merged header cells
        table.cell(0, j).merge(table.cell(1, j)).text = TWO_ROW_HEADER[0][j]
    table.cell(0, 2).merge(table.cell(0, 3)).text = "Đơn vị thực hiện"
    for i in (2, 5, 8):  # section rows spanning the table
        table.cell(i, 1).merge(table.cell(i, 5)).text = TWO_ROW_HEADER[i][1]
    document.save(path)
    return path


def _titled_xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ỦY BAN NHÂN DÂN XÃ XUÂN DƯƠNG"])
    sheet.append([])
    sheet.append(["BẢNG PHÂN CÔNG NHIỆM VỤ NĂM 2026"])
    sheet.append(["TT", "Tên nhiệm vụ", "Cơ quan thực hiện", "Phối hợp", "Thời hạn",
                  "Kết quả/sản phẩm", "Ghi chú"])  # fmt: skip
    sheet.append(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"])
    sheet.append([1, "Ban hành Kế hoạch cải cách hành chính năm 2027 của UBND xã", "Phòng VHXH",
                  "Văn phòng HĐND&UBND", date(2026, 12, 15), "Kế hoạch", ""])  # fmt: skip
    sheet.append([2, "Tổ chức hội nghị đối thoại với người dân về thủ tục hành chính",
                  "Văn phòng HĐND và UBND xã", "", "Quí III/2026", "Thông báo kết luận",
                  ""])  # fmt: skip
    sheet.append([3, "Đo lường sự hài lòng của người dân", "UBND các xã, phường", "",
                  "6 tháng đầu năm 2026", "Báo cáo", ""])  # fmt: skip
    book.save(path)
    return path


def _semicolon_csv(path: Path) -> Path:
    path.write_text(
        "STT;Nội dung;Đơn vị chủ trì;Đơn vị phối hợp;Thời gian thực hiện;Sản phẩm dự kiến\n"
        "1;Rà soát quy trình nội bộ giải quyết thủ tục hành chính;Trung tâm PVHCC;"
        "Các phòng chuyên môn;Tháng 01 năm 2026;Quyết định phê duyệt\n"
        "2;Đào tạo kỹ năng số cho cán bộ, công chức;Phòng Văn hóa - Xã hội;;2026;Báo cáo\n",
        encoding="utf-8",
    )
    return path


def _rows(path: Path, configs: Configs) -> list[ParsedRow]:
    layout = find_task_table(read_tables(path), configs.columns)
    return parse_rows(layout, source=path.name, areas=AreaResolver(configs.areas))


def _leads(row: ParsedRow, configs: Configs) -> list[str | None]:
    resolver = configs.directory.organization("xuan-duong").unit_resolver()
    mentions = split_units(
        row.lead, resolver=resolver, collective_patterns=configs.rules.collective_regexes
    )
    return [m.unit_code if not m.collective else "collective" for m in mentions]


def test_two_row_header_and_roman_sections(tmp_path: Path, configs: Configs) -> None:
    rows = _rows(_two_row_header_docx(tmp_path / "plan.docx"), configs)
    areas = AreaResolver(configs.areas)
    assert [(r.ref, areas.resolve(r.area_text or r.group)) for r in rows] == [
        ("1", "the-che"),
        ("2", "the-che"),
        ("1", "thu-tuc-hanh-chinh"),
        ("2", "thu-tuc-hanh-chinh"),
        ("1", "chinh-quyen-so"),
    ]
    assert [_leads(r, configs) for r in rows] == [
        ["van-phong"],
        ["van-phong"],
        ["trung-tam-phuc-vu-hcc"],
        ["trung-tam-phuc-vu-hcc", "phong-kinh-te"],
        ["phong-van-hoa-xa-hoi"],
    ]
    assert rows[1].coordinators == "Phòng Kinh tế; Phòng Văn hóa - Xã hội"
    assert parse_deadline(rows[4].deadline, year=2026).due == date(2026, 6, 29)


def test_title_rows_numbering_row_and_excel_dates(tmp_path: Path, configs: Configs) -> None:
    rows = _rows(_titled_xlsx(tmp_path / "plan.xlsx"), configs)
    assert [r.ref for r in rows] == ["1", "2", "3"]
    assert rows[0].deadline == "15/12/2026"
    assert [parse_deadline(r.deadline, year=2026).due for r in rows] == [
        date(2026, 12, 15),
        date(2026, 9, 30),
        date(2026, 6, 30),
    ]
    assert [_leads(r, configs) for r in rows] == [
        ["phong-van-hoa-xa-hoi"],
        ["van-phong"],
        ["collective"],
    ]
    assert rows[0].product == "Kế hoạch"


def test_semicolon_csv_with_abbreviated_units(tmp_path: Path, configs: Configs) -> None:
    rows = _rows(_semicolon_csv(tmp_path / "plan.csv"), configs)
    assert [r.ref for r in rows] == ["1", "2"]
    assert [_leads(r, configs) for r in rows] == [
        ["trung-tam-phuc-vu-hcc"],
        ["phong-van-hoa-xa-hoi"],
    ]
    assert parse_deadline(rows[0].deadline, year=2026).due == date(2026, 1, 31)
    assert parse_deadline(rows[1].deadline, year=None).due == date(2026, 12, 31)
