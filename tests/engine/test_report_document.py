"""The period report as ``.docx`` (NĐ 30/2020 format, from config/report/bao_cao_cchc.docx)
and its annex ``.xlsx``: the format elements, and every number equal to ``ReportData`` —
on hand-built data and on the real-database data of ``test_report_data`` (SQLite and
PostgreSQL)."""

from __future__ import annotations

import re
import shutil
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from sauro_support import CONFIG
from sqlalchemy import Engine
from test_report_data import areas, build, configs, db  # noqa: F401  (fixtures)

from engine.calendar.status import VN
from engine.errors import ConfigError
from engine.reports.annex import (
    SHEET_AREAS,
    SHEET_EXTENSIONS,
    SHEET_OVERDUE,
    SHEET_UNIT_REPORTS,
    SHEET_UNITS,
    write_annex,
)
from engine.reports.data import (
    REPORTED,
    AreaRow,
    Compliance,
    Extension,
    Indicators,
    OverdueTask,
    Rate,
    ReportData,
    StatusCounts,
    UnitRow,
)
from engine.reports.document import number_text, percent_text, render_report

TEMPLATE = CONFIG / "report" / "bao_cao_cchc.docx"
FONT = "Times New Roman"
ISSUED = date(2026, 3, 16)
RECIPIENTS = ("UBND tỉnh Tây Ninh", "Sở Nội vụ tỉnh")

FIELDS = ("total", "done_on_time", "done_late", "in_progress", "overdue", "no_deadline")


def sample() -> ReportData:
    """12 tasks: 5 done on time, 1 late, 3 in progress, 2 overdue, 1 without deadline."""
    the_che = StatusCounts(3, 1, 2, 1, 0)
    tthc = StatusCounts(2, 0, 1, 1, 1)
    return ReportData(
        org_code="xuan-duong",
        org_name="Ủy ban nhân dân xã Xuân Dương",
        org_place="Xuân Dương",
        org_level="commune",
        period_code="2026-Q1",
        period_label="Quý I năm 2026",
        data_start=date(2025, 12, 15),
        data_end=date(2026, 3, 14),
        as_of=datetime(2026, 3, 14, 23, 59, tzinfo=VN),
        tasks=(),
        due_in_period=(),
        totals=StatusCounts(5, 1, 3, 2, 1),
        by_area=(
            AreaRow("chi-dao-dieu-hanh", "Công tác chỉ đạo, điều hành CCHC", StatusCounts()),
            AreaRow("the-che", "Cải cách thể chế", the_che),
            AreaRow("thu-tuc-hanh-chinh", "Cải cách thủ tục hành chính", tthc),
        ),
        by_unit=(
            UnitRow("Phòng Nội vụ", the_che),
            UnitRow("Văn phòng HĐND và UBND", tthc),
        ),
        overdue=(
            OverdueTask(
                "1.1",
                "Rà soát văn bản <quy phạm> & thủ tục",
                "Phòng Tư pháp",
                date(2026, 2, 27),
                15,
            ),
            OverdueTask("2.3", "Số hóa hồ sơ", None, date(2026, 3, 10), 4),
        ),
        extensions=(
            Extension(
                "3.1",
                "Cập nhật quy trình ISO",
                date(2026, 1, 5),
                date(2026, 1, 31),
                date(2026, 2, 28),
                "approved",
                "Nguyễn Văn Vũ",
            ),
            Extension(
                "3.2",
                "Khảo sát sự hài lòng",
                date(2026, 2, 2),
                date(2026, 2, 15),
                date(2026, 3, 31),
                "pending",
                "",
            ),
        ),
        compliance=Compliance(10, 2, (("1.1", "person,deadline"), ("2.3", "result"))),
        indicators=Indicators(completion=Rate(4, 10), on_time=Rate(5, 6)),
    )


def empty() -> ReportData:
    base = sample()
    return ReportData(
        **{
            **{name: getattr(base, name) for name in base.__slots__},  # type: ignore[attr-defined]
            "totals": StatusCounts(),
            "by_area": tuple(AreaRow(a.code, a.name, StatusCounts()) for a in base.by_area),
            "by_unit": (),
            "overdue": (),
            "extensions": (),
            "compliance": Compliance(0, 0, ()),
            "indicators": Indicators(Rate(0, 0), Rate(0, 0)),
        }
    )


def render(data: ReportData, tmp_path: Path, **kwargs: object) -> Document:
    out = render_report(
        data,
        template=kwargs.pop("template", TEMPLATE),  # type: ignore[arg-type]
        out=tmp_path / "bao_cao.docx",
        number=int(kwargs.pop("number", 5)),  # type: ignore[call-overload]
        issued_on=ISSUED,
        signer="Trần Văn Bình",
        recipients=RECIPIENTS,
        **kwargs,  # type: ignore[arg-type]
    )
    return docx.Document(str(out))


def all_paragraphs(document: Document) -> list[docx.text.paragraph.Paragraph]:
    found = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                found.extend(cell.paragraphs)
    return found


def full_text(document: Document) -> str:
    return "\n".join(p.text for p in all_paragraphs(document))


def find(document: Document, text: str) -> docx.text.paragraph.Paragraph:
    for paragraph in all_paragraphs(document):
        if paragraph.text.strip() == text:
            return paragraph
    raise AssertionError(f"no paragraph {text!r}")


def size(paragraph: docx.text.paragraph.Paragraph, document: Document) -> float:
    sizes = {run.font.size for run in paragraph.runs if run.text.strip()}
    assert len(sizes) == 1, sizes
    value = sizes.pop() or document.styles["Normal"].font.size
    return float(value.pt)


def area_table(document: Document) -> list[list[str]]:
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "STT")
    return [[cell.text.strip() for cell in row.cells] for row in table.rows]


# -- NĐ 30/2020 format ------------------------------------------------------------------------


def test_page_setup_and_fonts(tmp_path: Path) -> None:
    document = render(sample(), tmp_path)
    section = document.sections[0]
    assert section.page_width is not None and round(section.page_width.mm) == 210
    assert section.page_height is not None and round(section.page_height.mm) == 297
    assert section.page_height > section.page_width
    margins = section.top_margin, section.bottom_margin, section.left_margin, section.right_margin
    top, bottom, left, right = (round(m.mm, 1) for m in margins if m is not None)
    assert 20 <= top <= 25 and 20 <= bottom <= 25 and 30 <= left <= 35 and 15 <= right <= 20
    normal = document.styles["Normal"]
    assert normal.font.name == FONT
    assert normal.font.size is not None and 13 <= normal.font.size.pt <= 14
    fmt = normal.paragraph_format
    assert fmt.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert fmt.first_line_indent is not None and abs(fmt.first_line_indent - Cm(1.27)) < Cm(0.05)
    assert fmt.space_after is not None and fmt.space_after >= Pt(6)
    fonts = normal.element.rPr.rFonts
    assert {fonts.get(f"{{{fonts.nsmap['w']}}}{a}") for a in ("eastAsia", "cs")} == {FONT}
    for paragraph in all_paragraphs(document):
        for run in paragraph.runs:
            assert run.font.name in (None, FONT)


def test_header_number_and_date(tmp_path: Path) -> None:
    document = render(sample(), tmp_path)
    for text in ("ỦY BAN NHÂN DÂN", "XÃ XUÂN DƯƠNG"):
        paragraph = find(document, text)
        assert all(run.bold for run in paragraph.runs if run.text.strip())
    motto = find(document, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert all(run.bold for run in motto.runs) and 12 <= size(motto, document) <= 13
    slogan = find(document, "Độc lập - Tự do - Hạnh phúc")
    assert all(run.bold for run in slogan.runs) and 13 <= size(slogan, document) <= 14
    assert size(find(document, "Số: 05/BC-UBND"), document) == 13
    dated = find(document, "Xuân Dương, ngày 16 tháng 3 năm 2026")  # NĐ 30: "02", "3"
    assert all(run.italic for run in dated.runs if run.text.strip())
    title = find(document, "BÁO CÁO")
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER and title.runs[0].bold
    find(document, "Kết quả thực hiện công tác cải cách hành chính Quý I năm 2026")
    # Both header lines carry a rule: a bottom-bordered paragraph in each cell.
    header = document.tables[0]
    for cell in header.rows[0].cells:
        assert "w:bottom" in cell._tc.xml
    assert "Số: 12/BC-UBND" in full_text(render(sample(), tmp_path, number=12))


def test_outline_recipients_and_signature(tmp_path: Path) -> None:
    document = render(sample(), tmp_path, assessments={"uu_diem": "Dòng một.\n\nDòng hai."})
    text = full_text(document)
    headings = [
        "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH",
        "II. KẾT QUẢ THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH",
        "III. ĐÁNH GIÁ CHUNG",
        "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI",
        "V. ĐỀ XUẤT, KIẾN NGHỊ",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    find(document, "Dòng một.")
    find(document, "Dòng hai.")
    received = find(document, "Nơi nhận:")
    assert size(received, document) == 12
    assert all(run.bold and run.italic for run in received.runs)
    for line in ("- UBND tỉnh Tây Ninh;", "- Sở Nội vụ tỉnh;", "- Lưu: VT."):
        assert size(find(document, line), document) == 11
    for line in ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Trần Văn Bình"):
        assert all(run.bold for run in find(document, line).runs)
    assert "{{" not in text and "{%" not in text


def test_page_number_from_page_two(tmp_path: Path) -> None:
    document = render(sample(), tmp_path)
    section = document.sections[0]
    assert section.different_first_page_header_footer
    header = section.header
    assert not header.is_linked_to_previous
    assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", header._element.xml)
    assert header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "PAGE" not in section.first_page_header._element.xml


def test_invalid_assessment_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown assessment"):
        render(sample(), tmp_path, assessments={"khac": "x"})


# -- numbers equal to ReportData ----------------------------------------------------------------


def check_numbers(data: ReportData, document: Document) -> None:
    text = full_text(document)
    t = data.totals
    assert (
        f"Tổng số nhiệm vụ trong kỳ: {t.total}; đã hoàn thành đúng hạn: {t.done_on_time}; "
        f"đã hoàn thành quá hạn: {t.done_late}; chưa hoàn thành trong hạn: {t.in_progress}; "
        f"chưa hoàn thành quá hạn: {t.overdue}; không thời hạn: {t.no_deadline}."
    ) in text
    completion, on_time = data.indicators.completion, data.indicators.on_time
    assert (
        f"Số nhiệm vụ đến hạn trong kỳ: {completion.denominator}; đã hoàn thành: "
        f"{completion.numerator}; tỷ lệ hoàn thành kế hoạch: {percent_text(completion.percent)}"
    ) in text
    assert f"tỷ lệ hoàn thành đúng hạn: {percent_text(on_time.percent)}" in text
    rows = area_table(document)
    assert rows[1:-1] == [
        [str(i), a.name, *(str(getattr(a.counts, f)) for f in FIELDS)]
        for i, a in enumerate(data.by_area, start=1)
    ]
    assert rows[-1] == ["", "Tổng cộng", *(str(getattr(t, f)) for f in FIELDS)]
    for index, row in enumerate(data.by_area, start=1):
        assert f"2.{index}. {row.name}" in text
    for task in data.overdue:
        assert (
            f"- {task.ref}. {task.work} (đơn vị chủ trì: {task.unit or 'chưa rõ'}; hạn hoàn "
            f"thành: {task.due:%d/%m/%Y}; quá hạn {task.days_late} ngày"
            + ("; quá hạn từ trước kỳ báo cáo)." if task.since_before else ").")
        ) in text
    for ext in data.extensions:
        assert (
            f"- {ext.ref}. {ext.work}: đề nghị ngày {ext.requested_on:%d/%m/%Y} gia hạn từ "
            f"{ext.old_due:%d/%m/%Y} đến {ext.new_due:%d/%m/%Y}; {ext.status_label.lower()}"
        ) in text
    c = data.compliance
    assert (
        f"Số nhiệm vụ bảo đảm đủ “6 rõ”: {c.clear}; số nhiệm vụ chưa bảo đảm: {c.unclear}" in text
    )
    for ref, _ in c.unclear_refs:
        assert f"- Nhiệm vụ {ref}: chưa rõ " in text


def check_annex(data: ReportData, path: Path) -> None:
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        SHEET_AREAS, SHEET_UNITS, SHEET_OVERDUE, SHEET_EXTENSIONS, SHEET_UNIT_REPORTS,
    ]  # fmt: skip
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
        assert sheet.print_title_rows == "$5:$5"
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.font.name == FONT
                if isinstance(cell.value, datetime):  # a date cell reads back as datetime
                    assert cell.number_format == "DD/MM/YYYY"
    for name in (SHEET_AREAS, SHEET_UNITS):  # the total row in bold
        last = book[name].max_row
        assert book[name].cell(last, 2).value == "Tổng cộng"
        assert all(c.font.b for c in book[name][last] if c.value is not None)
    statuses = [data.totals.total, *(data.totals.of(s) for s in REPORTED)]

    def body(name: str) -> list[tuple[object, ...]]:
        return list(book[name].iter_rows(min_row=6, values_only=True))

    areas_rows = body(SHEET_AREAS)
    assert areas_rows[:-1] == [
        (i, a.name, a.counts.total, *(a.counts.of(s) for s in REPORTED))
        for i, a in enumerate(data.by_area, start=1)
    ]
    assert areas_rows[-1] == (None, "Tổng cộng", *statuses)
    for column in range(2, len(statuses) + 2):
        assert sum(int(row[column] or 0) for row in areas_rows[:-1]) == areas_rows[-1][column]
    units = body(SHEET_UNITS)
    assert units[:-1] == [
        (i, u.name, u.counts.total, *(u.counts.of(s) for s in REPORTED))
        for i, u in enumerate(data.by_unit, start=1)
    ]
    assert units[-1] == (None, "Tổng cộng", *statuses)
    overdue = body(SHEET_OVERDUE)
    if data.overdue:
        assert [(r[1], r[3], r[4].date(), r[5]) for r in overdue] == [  # type: ignore[union-attr]
            (o.ref, o.unit or "chưa rõ", o.due, o.days_late) for o in data.overdue
        ]
    else:
        assert overdue == [(None, "Không có nhiệm vụ chưa hoàn thành quá hạn.", *[None] * 5)]
    extensions = body(SHEET_EXTENSIONS)
    if data.extensions:
        assert [(r[1], r[5].date(), r[6]) for r in extensions] == [  # type: ignore[union-attr]
            (e.ref, e.new_due, e.status_label) for e in data.extensions
        ]
    else:
        assert extensions[0][1] == "Trong kỳ không có đề nghị gia hạn."


def test_numbers_equal_report_data(tmp_path: Path) -> None:
    data = sample()
    document = render(data, tmp_path)
    check_numbers(data, document)
    text = full_text(document)
    assert "tỷ lệ hoàn thành kế hoạch: 40,0%" in text
    assert "tỷ lệ hoàn thành đúng hạn: 83,3%" in text
    # Autoescape: markup in a task's text reaches Word as text, the file stays valid XML.
    assert "Rà soát văn bản <quy phạm> & thủ tục" in text
    assert "chưa rõ người, thời gian." in text
    assert "Có 2 nhiệm vụ chưa hoàn thành quá hạn:" in text
    assert "đã phê duyệt: 1; bị từ chối: 0; chờ quyết định: 1; đã hủy: 0." in text
    write_annex(data, tmp_path / "bieu.xlsx")
    check_annex(data, tmp_path / "bieu.xlsx")


def test_empty_period(tmp_path: Path) -> None:
    data = empty()
    document = render(data, tmp_path)
    check_numbers(data, document)
    text = full_text(document)
    assert "Không có nhiệm vụ chưa hoàn thành quá hạn." in text
    assert "Trong kỳ không có đề nghị gia hạn." in text
    assert "Nhiệm vụ chưa bảo đảm “6 rõ”: không có." in text
    assert "tỷ lệ hoàn thành kế hoạch: không xác định" in text
    write_annex(data, tmp_path / "bieu.xlsx")
    check_annex(data, tmp_path / "bieu.xlsx")


def test_formatting_helpers() -> None:
    assert number_text(1234567) == "1.234.567"
    assert percent_text(40.0) == "40,0%"
    assert percent_text(100.0) == "100,0%"
    assert percent_text(None).startswith("không xác định")


@pytest.mark.parametrize("code", ["2024-Q2", "2024"])
def test_real_database(
    db: Engine,  # noqa: F811
    areas: list[tuple[str, str]],  # noqa: F811
    code: str,
    tmp_path: Path,
) -> None:
    data = build(db, code, areas)
    assert data.totals.total > 0
    check_numbers(data, render(data, tmp_path))
    write_annex(data, tmp_path / "bieu.xlsx")
    check_annex(data, tmp_path / "bieu.xlsx")


# -- template errors ---------------------------------------------------------------------------


def broken_template(tmp_path: Path, old: str, new: str) -> Path:
    target = tmp_path / "mau_loi.docx"
    shutil.copy(TEMPLATE.with_name("outline.yaml"), tmp_path / "outline.yaml")
    with zipfile.ZipFile(TEMPLATE) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/document.xml":
                xml = content.decode("utf-8")
                assert old in xml
                content = xml.replace(old, new, 1).encode("utf-8")
            out.writestr(item, content)
    return target


def test_broken_tag_names_file_and_paragraph(tmp_path: Path) -> None:
    template = broken_template(tmp_path, "{{ signer }}", "{{ signer }")
    with pytest.raises(ConfigError) as caught:
        render(sample(), tmp_path, template=template)
    message = str(caught.value)
    assert "mau_loi.docx" in message
    assert re.search(r"đoạn thứ \d+", message)


def test_unknown_variable_names_file(tmp_path: Path) -> None:
    template = broken_template(tmp_path, "{{ signer }}", "{{ nguoi_ky }}")
    with pytest.raises(ConfigError, match=r"mau_loi\.docx"):
        render(sample(), tmp_path, template=template)


def test_a_template_that_would_exhaust_the_machine_is_refused(tmp_path: Path) -> None:
    """The document's template runs in the bounded sandbox (issue 14)."""
    template = broken_template(tmp_path, "{{ signer }}", "{{ signer|center(10**9) }}")
    started = time.monotonic()
    with pytest.raises(ConfigError, match=r"mau_loi\.docx") as caught:
        render(sample(), tmp_path, template=template)
    assert time.monotonic() - started < 10
    assert "quá lớn" in str(caught.value)


def test_missing_or_invalid_template(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"khong_co\.docx"):
        render(sample(), tmp_path, template=tmp_path / "khong_co.docx")
    shutil.copy(TEMPLATE.with_name("outline.yaml"), tmp_path / "outline.yaml")
    bad = tmp_path / "hong.docx"
    bad.write_text("không phải Word", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"hong\.docx"):
        render(sample(), tmp_path, template=bad)


def test_shipped_template_is_up_to_date(tmp_path: Path) -> None:
    """The committed template is what build_template.py generates (same text and tags)."""
    import runpy

    module = runpy.run_path(str(CONFIG / "report" / "build_template.py"))
    fresh = module["build"](tmp_path / "moi.docx")
    shutil.copy(TEMPLATE, tmp_path / "cu.docx")

    def body(path: Path) -> list[str]:
        return [p.text for p in all_paragraphs(docx.Document(str(path)))]

    assert body(fresh) == body(tmp_path / "cu.docx")
