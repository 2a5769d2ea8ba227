"""Generate ``config/report/bao_cao_cchc.docx``: the docxtpl template of the CCHC period
report in the format of NĐ 30/2020/NĐ-CP, Phụ lục I (domain.md §7).

Run ``python config/report/build_template.py`` to regenerate it. An administrator may then
edit the ``.docx`` in Word (the đề cương changes every year); the Jinja2 tags it contains
are listed in ``engine/reports/document.py``.

Layout: A4 portrait, margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman;
body 14 pt justified, first-line indent 1.27 cm, 6 pt after; the two-column header (issuing
body, national motto), "Số: …/BC-UBND", the italic place-and-date line, the title, the
outline I–V of domain.md §6 with a ``{%tr for %}`` table of results per area, page numbers
top centre from page 2 (a different first-page header), "Nơi nhận:" and the signature block.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

OUT = Path(__file__).with_name("bao_cao_cchc.docx")
FONT = "Times New Roman"
BODY_PT = 14
CENTER = WD_ALIGN_PARAGRAPH.CENTER
LEFT = WD_ALIGN_PARAGRAPH.LEFT
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY

AREA_HEADERS = (
    "STT",
    "Lĩnh vực",
    "Tổng số",
    "Hoàn thành đúng hạn",
    "Hoàn thành quá hạn",
    "Chưa hoàn thành trong hạn",
    "Chưa hoàn thành quá hạn",
    "Không thời hạn",
)
AREA_FIELDS = (
    "stt",
    "name",
    "total",
    "done_on_time",
    "done_late",
    "in_progress",
    "overdue",
    "no_deadline",
)
# 16 cm of the 16.5 cm text width; "Lĩnh vực" wide enough for "Xây dựng, phát triển Chính
# quyền điện tử, Chính quyền số" on three lines.
AREA_WIDTHS_CM = (1.2, 4.8, 1.5, 1.7, 1.7, 1.7, 1.7, 1.7)


def _set_fonts(rpr_parent: object) -> None:
    """Times New Roman for every script (python-docx sets ascii/hAnsi only)."""
    rpr = rpr_parent.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _styles(document: object) -> None:
    styles = document.styles  # type: ignore[attr-defined]
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element)
    fmt = normal.paragraph_format
    fmt.alignment = JUSTIFY
    fmt.first_line_indent = Cm(1.27)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.0
    # The document defaults too, so tables, headers and new styles inherit the font.
    styles_el = styles.element
    doc_defaults = styles_el.find(qn("w:docDefaults"))
    if doc_defaults is not None:
        rpr_default = doc_defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None:
            rpr = rpr_default.find(qn("w:rPr"))
            if rpr is not None:
                fonts = rpr.find(qn("w:rFonts"))
                if fonts is None:
                    fonts = OxmlElement("w:rFonts")
                    rpr.insert(0, fonts)
                for key in list(fonts.attrib):
                    del fonts.attrib[key]
                for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                    fonts.set(qn(attr), FONT)
    for name in ("Header", "Footer", "Table Grid"):
        if name in [s.name for s in styles]:
            style = styles[name]
            style.font.name = FONT
            _set_fonts(style.element)


def _para(
    container: object,
    text: str = "",
    *,
    size: float | None = None,
    bold: bool = False,
    italic: bool = False,
    align: object = JUSTIFY,
    indent: bool = True,
    after: float = 6,
    keep_next: bool = False,
) -> object:
    paragraph = container.add_paragraph()  # type: ignore[attr-defined]
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    if not indent:
        fmt.first_line_indent = Cm(0)
    fmt.space_after = Pt(after)
    if keep_next:
        fmt.keep_with_next = True
    if text:
        run = paragraph.add_run(text)
        run.bold = bold or None
        run.italic = italic or None
        if size is not None:
            run.font.size = Pt(size)
    return paragraph


def _rule(container: object, side_indent_cm: float) -> None:
    """A short horizontal rule: an empty paragraph with a bottom border, indented."""
    paragraph = _para(container, align=CENTER, indent=False, after=0)
    fmt = paragraph.paragraph_format  # type: ignore[attr-defined]
    fmt.left_indent = Cm(side_indent_cm)
    fmt.right_indent = Cm(side_indent_cm)
    ppr = paragraph._p.get_or_add_pPr()  # type: ignore[attr-defined]
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)
    run = paragraph.add_run()  # type: ignore[attr-defined]
    run.font.size = Pt(2)


def _no_borders(table: object) -> None:
    tbl_pr = table._tbl.tblPr  # type: ignore[attr-defined]
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def _cell(table: object, row: int, column: int) -> object:
    cell = table.cell(row, column)  # type: ignore[attr-defined]
    # Drop the empty paragraph python-docx leaves in a new cell.
    for paragraph in list(cell.paragraphs):
        paragraph._p.getparent().remove(paragraph._p)
    return cell


def _header_block(document: object) -> None:
    table = document.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _no_borders(table)
    widths = (Cm(6.0), Cm(10.0))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    left = _cell(table, 0, 0)
    _para(left, "ỦY BAN NHÂN DÂN", size=13, bold=True, align=CENTER, indent=False, after=0)
    _para(left, "{{ org_upper }}", size=13, bold=True, align=CENTER, indent=False, after=0)
    _rule(left, 2.0)
    _para(left, "Số: {{ so }}/BC-UBND", size=13, align=CENTER, indent=False, after=0)
    right = _cell(table, 0, 1)
    _para(
        right,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        size=12,
        bold=True,
        align=CENTER,
        indent=False,
        after=0,
    )
    _para(
        right,
        "Độc lập - Tự do - Hạnh phúc",
        size=13,
        bold=True,
        align=CENTER,
        indent=False,
        after=0,
    )
    _rule(right, 2.3)
    _para(
        right,
        "{{ place }}, ngày {{ dd }} tháng {{ mm }} năm {{ yyyy }}",
        size=13,
        italic=True,
        align=CENTER,
        indent=False,
        after=0,
    )


def _title(document: object) -> None:
    _para(document, "", indent=False, after=0)
    _para(document, "BÁO CÁO", bold=True, align=CENTER, indent=False, after=0)
    _para(
        document,
        "Kết quả thực hiện công tác cải cách hành chính {{ period_label }}",
        bold=True,
        align=CENTER,
        indent=False,
        after=0,
    )
    _rule(document, 6.5)
    _para(document, "", indent=False, after=0)


def _heading(document: object, text: str) -> None:
    _para(document, text, bold=True, keep_next=True)


def _lines(document: object, variable: str) -> None:
    """A section's text: one paragraph per line, a "## " line as an italic bold
    sub-heading."""
    _para(document, "{%p for line in " + variable + " %}", indent=False)
    _para(document, "{%p if line.heading %}", indent=False)
    _para(document, "{{ line.text }}", bold=True, italic=True, keep_next=True)
    _para(document, "{%p else %}", indent=False)
    _para(document, "{{ line.text }}")
    _para(document, "{%p endif %}", indent=False)
    _para(document, "{%p endfor %}", indent=False)


def _fixed_layout(table: object, widths_cm: tuple[float, ...]) -> None:
    """Column widths Word and LibreOffice both keep: a fixed layout and the grid's widths
    (cell widths alone are taken as hints and a long name squeezes its column)."""
    tbl = table._tbl  # type: ignore[attr-defined]
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl.tblPr.append(layout)
    for grid_col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths_cm, strict=True):
        grid_col.set(qn("w:w"), str(int(Cm(width).twips)))


def _area_table(document: object) -> None:
    table = document.add_table(rows=4, cols=len(AREA_HEADERS))  # type: ignore[attr-defined]
    table.style = document.styles["Table Grid"]  # type: ignore[attr-defined]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _fixed_layout(table, AREA_WIDTHS_CM)
    for column, width in zip(table.columns, AREA_WIDTHS_CM, strict=True):
        for cell in column.cells:
            cell.width = Cm(width)
    rows = table.rows
    _repeat_header(rows[0])
    for index, title in enumerate(AREA_HEADERS):
        cell = _cell(table, 0, index)
        _para(cell, title, size=11, bold=True, align=CENTER, indent=False, after=0)
    # Row 1 opens the loop, row 2 is repeated per area, row 3 closes the loop; the total row
    # follows. docxtpl removes the rows holding {%tr %} tags.
    _para(_cell(table, 1, 0), "{%tr for a in areas %}", size=11, indent=False, after=0)
    for index, name in enumerate(AREA_FIELDS):
        align = LEFT if name == "name" else CENTER
        _para(
            _cell(table, 2, index),
            "{{ a." + name + " }}",
            size=11,
            align=align,
            indent=False,
            after=0,
        )
    _para(_cell(table, 3, 0), "{%tr endfor %}", size=11, indent=False, after=0)
    total = table.add_row()
    for index, (name, width) in enumerate(zip(AREA_FIELDS, AREA_WIDTHS_CM, strict=True)):
        cell = _cell(table, 4, index)
        cell.width = Cm(width)  # type: ignore[attr-defined]
        if name == "stt":
            _para(cell, "", size=11, indent=False, after=0)
        elif name == "name":
            _para(cell, "Tổng cộng", size=11, bold=True, align=LEFT, indent=False, after=0)
        else:
            _para(
                cell,
                "{{ totals." + name + " }}",
                size=11,
                bold=True,
                align=CENTER,
                indent=False,
                after=0,
            )
    del total


def _repeat_header(row: object) -> None:
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _chart(document: object, variable: str, caption: str) -> None:
    """A chart image (a docxtpl InlineImage) centred on its own line, its caption below."""
    _para(document, "{{ " + variable + " }}", align=CENTER, indent=False, after=0, keep_next=True)
    _para(document, caption, size=12, italic=True, align=CENTER, indent=False)


def _body(document: object) -> None:
    _body_results(document)
    _body_lists(document)
    _body_assessment(document)


def _body_results(document: object) -> None:
    _para(
        document,
        "Thực hiện chế độ báo cáo công tác cải cách hành chính, {{ org_name }} báo cáo kết quả "
        "thực hiện công tác cải cách hành chính {{ period_label }} như sau (số liệu tính "
        "{{ data_range }}):",
    )
    _heading(document, "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH")
    _lines(document, "assess.chi_dao")

    _heading(document, "II. KẾT QUẢ THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH")
    _heading(document, "1. Kết quả chung")
    _para(
        document,
        "Tổng số nhiệm vụ trong kỳ: {{ totals.total }}; đã hoàn thành đúng hạn: "
        "{{ totals.done_on_time }}; đã hoàn thành quá hạn: {{ totals.done_late }}; chưa hoàn "
        "thành trong hạn: {{ totals.in_progress }}; chưa hoàn thành quá hạn: "
        "{{ totals.overdue }}; không thời hạn: {{ totals.no_deadline }}.",
    )
    _para(
        document,
        "Số nhiệm vụ đến hạn trong kỳ: {{ completion.denominator }}; đã hoàn thành: "
        "{{ completion.numerator }}; tỷ lệ hoàn thành kế hoạch: {{ completion.text }}. Số "
        "nhiệm vụ đã hoàn thành: {{ on_time.denominator }}, trong đó đúng hạn: "
        "{{ on_time.numerator }}; tỷ lệ hoàn thành đúng hạn: {{ on_time.text }}.",
    )
    _para(document, "Kết quả theo lĩnh vực:", keep_next=True)
    _area_table(document)
    _para(document, "", indent=False, after=0)
    _chart(document, "chart_areas", "Biểu đồ 1. Kết quả thực hiện nhiệm vụ theo lĩnh vực")
    _chart(document, "chart_units", "Biểu đồ 2. Kết quả thực hiện nhiệm vụ theo đơn vị chủ trì")

    _heading(document, "2. Kết quả thực hiện theo từng lĩnh vực; so sánh với các kỳ trước")
    _lines(document, "assess.ket_qua")
    _para(document, "{%p if comparisons %}", indent=False)
    _chart(document, "chart_comparison", "Biểu đồ 3. So sánh với các kỳ trước")
    _para(document, "{%p endif %}", indent=False)


def _body_lists(document: object) -> None:
    _heading(document, "3. Nhiệm vụ chưa hoàn thành quá hạn")
    _para(document, "{%p if overdue %}", indent=False)
    _para(document, "Có {{ overdue|length }} nhiệm vụ chưa hoàn thành quá hạn:")
    _para(document, "{%p for o in overdue %}", indent=False)
    _para(
        document,
        "- {{ o.ref }}. {{ o.work }} (đơn vị chủ trì: {{ o.unit }}; hạn hoàn thành: {{ o.due }}; "
        "quá hạn {{ o.late }}{{ '; quá hạn từ trước kỳ báo cáo' if o.before else '' }}).",
    )
    _para(document, "{%p endfor %}", indent=False)
    _para(document, "{%p if overdue_before != '0' %}", indent=False)
    _para(
        document,
        "Trong số này có {{ overdue_before }} nhiệm vụ có hạn hoàn thành trước ngày "
        "{{ period_start }} (trước kỳ báo cáo): đến nay chưa hoàn thành nên vẫn được tính là "
        "nhiệm vụ chưa hoàn thành quá hạn của kỳ này. Số ngày quá hạn tính theo "
        "{{ overdue_unit }}, kể từ ngày sau hạn hoàn thành.",
    )
    _para(document, "{%p endif %}", indent=False)
    _para(document, "{%p else %}", indent=False)
    _para(document, "Không có nhiệm vụ chưa hoàn thành quá hạn.")
    _para(document, "{%p endif %}", indent=False)

    _heading(document, "4. Gia hạn thời hạn thực hiện nhiệm vụ")
    _para(document, "{%p if extensions %}", indent=False)
    _para(
        document,
        "Trong kỳ có {{ extensions|length }} đề nghị gia hạn; đã phê duyệt: "
        "{{ extension_counts.approved }}; bị từ chối: {{ extension_counts.refused }}; chờ quyết "
        "định: {{ extension_counts.pending }}; đã hủy: {{ extension_counts.cancelled }}.",
    )
    _para(document, "{%p for e in extensions %}", indent=False)
    _para(
        document,
        "- {{ e.ref }}. {{ e.work }}: đề nghị ngày {{ e.requested_on }} gia hạn từ "
        "{{ e.old_due }} đến {{ e.new_due }}; {{ e.status }}.",
    )
    _para(document, "{%p endfor %}", indent=False)
    _para(document, "{%p else %}", indent=False)
    _para(document, "Trong kỳ không có đề nghị gia hạn.")
    _para(document, "{%p endif %}", indent=False)

    _heading(document, "5. Việc bảo đảm nguyên tắc “6 rõ”")
    _para(
        document,
        "Số nhiệm vụ bảo đảm đủ “6 rõ”: {{ compliance.clear }}; số nhiệm vụ chưa bảo đảm: "
        "{{ compliance.unclear }}; tỷ lệ bảo đảm: {{ compliance.text }}.",
    )
    _para(document, "{%p if compliance.failing %}", indent=False)
    _para(document, "{%p for c in compliance.failing %}", indent=False)
    _para(document, "- Nhiệm vụ {{ c.ref }}: chưa rõ {{ c.missing }}.")
    _para(document, "{%p endfor %}", indent=False)
    _para(document, "{%p else %}", indent=False)
    _para(document, "Nhiệm vụ chưa bảo đảm “6 rõ”: không có.")
    _para(document, "{%p endif %}", indent=False)

    _heading(document, "6. Việc báo cáo của các cơ quan, đơn vị")
    _para(document, "{%p if unit_reports %}", indent=False)
    _para(
        document,
        "Số đơn vị phải báo cáo: {{ unit_report_counts.asked }}; đã báo cáo đúng hạn: "
        "{{ unit_report_counts.on_time }}; báo cáo muộn: {{ unit_report_counts.late }}; chưa "
        "báo cáo: {{ unit_report_counts.missing }}; tỷ lệ đơn vị báo cáo đúng hạn: "
        "{{ unit_report_rate.text }}.",
    )
    _para(document, "{%p for u in unit_reports %}", indent=False)
    _para(document, "- {{ u.unit }} (hạn {{ u.due }}): {{ u.status }}.")
    _para(document, "{%p endfor %}", indent=False)
    _para(document, "{%p else %}", indent=False)
    _para(document, "Trong kỳ chưa đề nghị đơn vị nào gửi báo cáo qua hệ thống.")
    _para(document, "{%p endif %}", indent=False)


def _body_assessment(document: object) -> None:
    _heading(document, "III. ĐÁNH GIÁ CHUNG")
    _heading(document, "1. Ưu điểm")
    _lines(document, "assess.uu_diem")
    _heading(document, "2. Hạn chế")
    _lines(document, "assess.han_che")
    _heading(document, "3. Nguyên nhân")
    _lines(document, "assess.nguyen_nhan")
    _heading(document, "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI")
    _lines(document, "assess.phuong_huong")
    _heading(document, "V. ĐỀ XUẤT, KIẾN NGHỊ")
    _lines(document, "assess.kien_nghi")
    _para(
        document,
        "Trên đây là báo cáo kết quả thực hiện công tác cải cách hành chính {{ period_label }} "
        "của {{ org_name }}./.",
    )


def _signature(document: object) -> None:
    table = document.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    table.autofit = False
    _no_borders(table)
    for column, width in zip(table.columns, (Cm(8.0), Cm(8.0)), strict=True):
        for cell in column.cells:
            cell.width = width
    left = _cell(table, 0, 0)
    _para(left, "", indent=False, after=0)
    _para(left, "Nơi nhận:", size=12, bold=True, italic=True, align=LEFT, indent=False, after=0)
    _para(left, "{%p for r in recipients %}", size=11, align=LEFT, indent=False, after=0)
    _para(left, "- {{ r }};", size=11, align=LEFT, indent=False, after=0)
    _para(left, "{%p endfor %}", size=11, align=LEFT, indent=False, after=0)
    _para(left, "- Lưu: {{ archive }}.", size=11, align=LEFT, indent=False, after=0)
    right = _cell(table, 0, 1)
    _para(right, "", indent=False, after=0)
    _para(right, "{{ signer_lines[0] }}", bold=True, align=CENTER, indent=False, after=0)
    _para(right, "{{ signer_lines[1] }}", bold=True, align=CENTER, indent=False, after=0)
    for _ in range(4):
        _para(right, "", align=CENTER, indent=False, after=0)
    _para(right, "{{ signer }}", bold=True, align=CENTER, indent=False, after=0)


def _page_numbers(section: object) -> None:
    """Page number top centre from page 2: an empty first-page header and a PAGE field."""
    section.different_first_page_header_footer = True  # type: ignore[attr-defined]
    header = section.header  # type: ignore[attr-defined]
    header.is_linked_to_previous = False
    paragraph = header.paragraphs[0]
    paragraph.paragraph_format.alignment = CENTER
    paragraph.paragraph_format.first_line_indent = Cm(0)
    run = paragraph.add_run()
    run.font.size = Pt(13)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    shown = paragraph.add_run("2")
    shown.font.size = Pt(13)
    end_run = paragraph.add_run()
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    end_run._r.append(end)
    first = section.first_page_header  # type: ignore[attr-defined]
    first.is_linked_to_previous = False
    first.paragraphs[0].paragraph_format.first_line_indent = Cm(0)


def build(out: Path = OUT) -> Path:
    document = Document()
    _styles(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Mm(210)
    section.page_height = Mm(297)
    section.top_margin = Mm(20)
    section.bottom_margin = Mm(20)
    section.left_margin = Mm(30)
    section.right_margin = Mm(15)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    _page_numbers(section)
    # python-docx's default document starts empty; drop any stray paragraph.
    body = document.element.body
    for paragraph in list(document.paragraphs):
        body.remove(paragraph._p)
    _header_block(document)
    _title(document)
    _body(document)
    _signature(document)
    document.core_properties.title = "Báo cáo kết quả thực hiện công tác cải cách hành chính"
    document.core_properties.author = "Sáu Rõ"
    document.save(str(out))
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    print(build(target))
