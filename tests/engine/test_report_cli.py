"""``sauro report``: the NĐ 30 document and the annex from a real import, on both databases."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from openpyxl import load_workbook
from sauro_support import FIXTURES, PLAN_OPTIONS, Sauro

from engine.reports.document import UNNUMBERED


def test_report_writes_the_document_and_the_annex(loaded: Sauro, tmp_path: Path) -> None:
    loaded.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv", *PLAN_OPTIONS)
    out = tmp_path / "bao-cao"

    result = loaded.ok(
        "report", "--org", "kien-tuong", "--period", "2024-H1",
        "--date", "2024-06-16", "--out", str(out),
    )  # fmt: skip

    folder = out / "kien-tuong-2024-H1"  # the report's own folder
    document = folder / "bao-cao-kien-tuong-2024-H1.docx"
    annex = folder / "bieu-so-lieu-kien-tuong-2024-H1.xlsx"
    assert str(document) in result.output and str(annex) in result.output
    header = Document(str(document)).tables[0]
    text = "\n".join(cell.text for row in header.rows for cell in row.cells)
    assert f"Số: {UNNUMBERED}/BC-UBND" in text  # a draft: numbered when issued
    assert "Kiến Tường, ngày 16 tháng 6 năm 2024" in text
    word = Document(str(document))
    cells = (cell.text for table in word.tables for row in table.rows for cell in row.cells)
    body = "\n".join([*(p.text for p in word.paragraphs), *cells])
    assert "6 tháng đầu năm 2024" in body
    assert "Nguyễn Văn Vũ" in body  # the Chairman signs
    sheets = load_workbook(annex).sheetnames
    assert sheets[0] == "Biểu 1 - Theo lĩnh vực"


def test_an_unknown_period_is_refused_in_vietnamese(loaded: Sauro) -> None:
    result = loaded("report", "--org", "kien-tuong", "--period", "2024-Q5")

    assert result.exit_code == 2
    assert "không phải kỳ báo cáo" in result.output
