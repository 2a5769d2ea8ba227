"""The report's sections written from the data and edited by people: the outline config
and its errors, the drafts of Kiến Tường's 6 tháng đầu năm 2024, revisions with history,
the document rebuilt from the edited text, and the format of NĐ 30/2020 (date line,
"Lưu: VT, …", data range never past the report date) read back from the PDF against the
annex — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from sauro_support import CONFIG, load_kien_tuong
from sqlalchemy import Engine
from sqlmodel import select

from engine.calendar.periods import (
    next_period,
    parse_period,
    previous_period,
    same_period_last_year,
)
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import CONFIG_FILES, load_configs
from engine.errors import ConfigError
from engine.reports.annex import SHEET_AREAS, write_annex
from engine.reports.charts import read_series, write_charts
from engine.reports.data import ReportData, build_report_data
from engine.reports.document import (
    data_range,
    date_warnings,
    document_month,
    render_report,
)
from engine.reports.pdf import soffice, to_pdf
from engine.reports.sections import (
    SECTIONS,
    draft_sections,
    empty_report_data,
    load_outline,
    outline_context,
    save_section,
    section_history,
    section_states,
)
from engine.reports.unit_reports import mark_submitted
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import AuditLog, Organization, Unit
from notifications.render import format_document_date
from rules.report_outline import OUTLINE_VARIABLES, parse_outline

CONFIGS = load_configs(CONFIG)
CALENDAR = WorkCalendar(CONFIGS.calendar)
OUTLINE_PATH = CONFIG / "report" / "outline.yaml"
OUTLINE = load_outline(OUTLINE_PATH)
NOW = datetime(2024, 6, 16, 2, 0, tzinfo=UTC)
PERIOD = parse_period("2024-H1", CONFIGS.reporting, CALENDAR)
PLACEHOLDER = "(Cơ quan thường trực bổ sung nội dung.)"
AREAS = [(area.code, area.name) for area in CONFIGS.areas.areas]
ACTOR = Actor("Trần Thị Thường Trực")


def build(db_engine: Engine) -> ReportData:
    with db_engine.connect() as connection:
        return build_report_data(
            connection, org_code="kien-tuong", period=PERIOD, now=NOW, areas=AREAS
        )


@pytest.fixture
def loaded(db_engine: Engine) -> Engine:
    load_kien_tuong(db_engine, CONFIGS, actor=Actor("test"), now=NOW)
    return db_engine


# --- the outline ---------------------------------------------------------------------------


def test_the_outline_is_registered_and_uses_only_the_data() -> None:
    assert CONFIG_FILES["report/outline.yaml"] is parse_outline
    assert set(OUTLINE.templates) == set(SECTIONS)
    assert set(outline_context(empty_report_data())) == OUTLINE_VARIABLES
    drafts = draft_sections(empty_report_data(), OUTLINE)
    # Every section says something even of an empty period (II lists the configured areas).
    assert all(drafts[key] for key in SECTIONS if key != "II")


GOOD = OUTLINE_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (GOOD.replace("  V: |", "  VI: |"), "dòng", "không có mục 'VI'"),
        (GOOD.replace("{{ co_quan }} đã ban", "{{ co_quan_x }} đã ban"), "dòng 30", "co_quan_x"),
        (GOOD.replace("{% for a in linh_vuc %}", "{% for a in linh_vuc %"), "dòng 51", "Jinja2"),
        (GOOD.replace("version: 1", "version: 7"), "dòng", "version"),
        # An administrator's outline runs in the bounded sandbox, as the mail templates do.
        (
            GOOD.replace("  I: |\n", "  I: |\n    {{ 'x' | center(10 ** 9) }}\n"),
            "dòng 30",
            "quá lớn (tối đa 1.000.000)",
        ),
        (
            GOOD.replace(
                "  I: |\n",
                "  I: |\n    {% for i in range(9999) %}{% for j in range(9999) %}"
                "{% endfor %}{% endfor %}\n",
            ),
            "dòng 30",
            "quá 100.000 bước",
        ),
    ],
    ids=["unknown-section", "unknown-variable", "bad-tag", "version", "huge-string", "loops"],
)
def test_a_bad_outline_names_file_and_line(text: str, line: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_outline(text, "outline.yaml")
    shown = str(caught.value)
    assert "outline.yaml" in shown and line in shown and message in shown, shown


# --- dates and periods ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "line", "month"),
    [
        (date(2024, 6, 16), "ngày 16 tháng 6 năm 2024", "6"),
        (date(2026, 2, 5), "ngày 05 tháng 02 năm 2026", "02"),
        (date(2026, 1, 31), "ngày 31 tháng 01 năm 2026", "01"),
        (date(2025, 12, 9), "ngày 09 tháng 12 năm 2025", "12"),
    ],
)
def test_the_date_line_pads_days_under_10_and_months_1_and_2(
    day: date, line: str, month: str
) -> None:
    assert format_document_date(day) == line
    assert document_month(day) == month


def test_the_periods_compared_and_the_next_one() -> None:
    q1 = parse_period("2026-Q1", CONFIGS.reporting, CALENDAR)
    assert (previous_period(q1).label, previous_period(q1).data_start) == (
        "Quý IV năm 2025",
        date(2025, 9, 15),
    )
    assert same_period_last_year(q1).data_end == date(2025, 3, 14)
    assert (next_period(PERIOD).data_start, next_period(PERIOD).data_end) == (
        date(2024, 6, 15),
        date(2024, 12, 14),
    )


def test_a_report_dated_on_a_day_off_or_before_the_cut_off_is_warned_about() -> None:
    data = empty_report_data()
    sunday = date(2024, 6, 16)
    assert any("ngày nghỉ" in w for w in date_warnings(sunday, data, CALENDAR))
    assert date_warnings(date(2024, 6, 17), data, CALENDAR) == []


# --- drafts, revisions, the document -------------------------------------------------------


def test_the_drafts_come_from_the_data(loaded: Engine) -> None:
    data = build(loaded)
    drafts = draft_sections(data, OUTLINE)

    assert "3838/KH-UBND" in drafts["I"] and "28/12/2023" in drafts["I"]
    assert f"được theo dõi trong kỳ là {data.totals.total} nhiệm vụ" in drafts["I"]
    for row in data.by_area:
        assert f"## 2.{data.by_area.index(row) + 1}. {row.name}" in drafts["II"]
    for earlier in data.comparisons:
        assert f"So với {earlier.label}" in drafts["II"]
    assert [c.label for c in data.comparisons] == ["6 tháng cuối năm 2023", "6 tháng đầu năm 2023"]
    assert f"{data.totals.done}/{data.totals.total}" in drafts["III.1"]
    if data.overdue:
        assert f"Còn {len(data.overdue)} nhiệm vụ chưa hoàn thành quá hạn" in drafts["III.2"]
    assert data.next_label == "6 tháng tới"
    assert "Trong 6 tháng tới" in drafts["IV"]
    assert PLACEHOLDER not in "".join(drafts.values())


def test_the_units_difficulties_and_proposals_are_quoted(loaded: Engine) -> None:
    with session_scope(loaded) as session:
        org = session.exec(select(Organization).where(Organization.code == "kien-tuong")).one()
        unit = session.exec(select(Unit).where(Unit.organization_id == org.id)).first()
        assert unit is not None and unit.id is not None and org.id is not None
        name = unit.name
        mark_submitted(
            session, organization_id=org.id, unit_id=unit.id, period=PERIOD, task_ids=[],
            who="Trưởng phòng", now=NOW,
            notes=(
                [{"ref": "1.2", "text": "Thiếu cán bộ chuyên trách"},
                 {"ref": "", "text": "Phần mềm một cửa chậm."}],
                [{"ref": "", "text": "Đề nghị Sở Nội vụ mở lớp tập huấn"}],
            ),
        )  # fmt: skip
    drafts = draft_sections(build(loaded), OUTLINE)

    assert (
        f"- {name}: Thiếu cán bộ chuyên trách (nhiệm vụ 1.2); Phần mềm một cửa chậm."
        in (drafts["III.3"])
    )
    assert f"- {name}: Đề nghị Sở Nội vụ mở lớp tập huấn." in drafts["V"]


def test_each_save_is_a_revision_and_the_latest_is_in_force(loaded: Engine) -> None:
    later = datetime(2024, 6, 16, 3, 0, tzinfo=UTC)
    with session_scope(loaded) as session:
        first = save_section(
            session, org_code="kien-tuong", period_code=PERIOD.code, section="III.1",
            text="Ưu điểm thứ nhất.", actor=ACTOR, now=NOW,
        )  # fmt: skip
        second = save_section(
            session, org_code="kien-tuong", period_code=PERIOD.code, section="III.1",
            text="  Ưu điểm đã sửa.\r\n\r\n## Tiêu đề nhỏ\r\n", actor=ACTOR, now=later,
        )  # fmt: skip
        same = save_section(
            session, org_code="kien-tuong", period_code=PERIOD.code, section="III.1",
            text="Ưu điểm đã sửa.\n## Tiêu đề nhỏ", actor=ACTOR, now=later,
        )  # fmt: skip
    assert first is not None and second is not None and same is None
    assert (first.revision, second.revision) == (1, 2)
    with session_scope(loaded) as session:
        history = section_history(
            session, org_code="kien-tuong", period_code=PERIOD.code, section="III.1"
        )
        assert [(r.revision, r.saved_by) for r in history] == [(2, ACTOR.name), (1, ACTOR.name)]
        audited = session.exec(select(AuditLog).where(AuditLog.entity == "report_section")).all()
        assert len(audited) == 2
        data = build(loaded)
        states = {
            s.section: s for s in section_states(session, data=data, outline=OUTLINE, now=NOW)
        }
    assert dict(data.sections) == {"III.1": "Ưu điểm đã sửa.\n## Tiêu đề nhỏ"}
    assert states["III.1"].saved and states["III.1"].text == "Ưu điểm đã sửa.\n## Tiêu đề nhỏ"
    assert not states["I"].saved and states["I"].text == states["I"].draft


def _pdf_text(pdf: Path) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    )
    return result.stdout


def _annex_areas(path: Path) -> dict[str, int]:
    sheet = openpyxl.load_workbook(path)[SHEET_AREAS]
    return {
        str(row[1]): int(row[2])
        for row in sheet.iter_rows(min_row=6, values_only=True)
        if row[1] is not None and row[2] is not None
    }


def test_the_document_is_rebuilt_from_the_edited_text(loaded: Engine, tmp_path: Path) -> None:
    with session_scope(loaded) as session:
        save_section(
            session, org_code="kien-tuong", period_code=PERIOD.code, section="V",
            text="Kiến nghị Sở Nội vụ hướng dẫn chấm điểm Chỉ số CCHC.", actor=ACTOR, now=NOW,
        )  # fmt: skip
    data = build(loaded)
    charts = write_charts(data, tmp_path / "charts", stem="kt")
    document = render_report(
        data, template=CONFIG / "report" / "bao_cao_cchc.docx", out=tmp_path / "bc.docx",
        number=5, issued_on=date(2024, 6, 17), signer="Nguyễn Văn Vũ",
        recipients=["Sở Nội vụ"], charts=charts,
    )  # fmt: skip
    annex = write_annex(data, tmp_path / "annex.xlsx")
    assert charts.comparison is not None
    series = read_series(charts.comparison)["bars"]
    assert isinstance(series, list) and series[-1]["label"] == data.period_label
    assert sum(v for k, v in series[-1].items() if k != "label") == data.totals.total
    if shutil.which("pdftotext") is None or soffice() is None:
        pytest.skip("LibreOffice or pdftotext is not installed")
    pdf = to_pdf(document)
    assert pdf is not None
    text = re.sub(r"\s+", " ", _pdf_text(pdf))

    assert PLACEHOLDER not in text
    assert "Kiến Tường, ngày 17 tháng 6 năm 2024" in text
    assert "Kiến nghị Sở Nội vụ hướng dẫn chấm điểm Chỉ số CCHC." in text
    assert "- Lưu: VT, NV." in text
    assert f"(số liệu tính từ ngày 15/12/2023 đến ngày {data.data_end:%d/%m/%Y})" in text
    assert "{{" not in text and "{%" not in text
    annexed = _annex_areas(annex)
    assert f"Tổng số nhiệm vụ trong kỳ: {data.totals.total};" in text
    assert annexed["Tổng cộng"] == data.totals.total
    for row in data.by_area:
        if row.counts.total:
            assert f"{row.name} Lĩnh vực có tổng số {row.counts.total} nhiệm vụ" in text, row.name
        assert annexed[row.name] == row.counts.total
    for task in data.overdue:
        assert f"quá hạn {task.days_late} ngày" in text


def test_a_report_made_before_the_cut_off_states_the_day_it_was_made() -> None:
    data = empty_report_data()
    early = date(1999, 12, 20)
    assert data_range(data, early).endswith("đến ngày 20/12/1999") or data.data_end <= early
    # Built on 10/06/2024 for 6 tháng đầu năm 2024 (cut-off 14/06): "đến ngày 10/06/2024".
    made = datetime(2024, 6, 10, 3, 0, tzinfo=UTC)
    shaped = data.__class__(
        **{**{f: getattr(data, f) for f in data.__slots__}, "data_start": PERIOD.data_start,
           "data_end": PERIOD.data_end, "as_of": made},
    )  # fmt: skip
    assert data_range(shaped, date(2024, 6, 16)) == "từ ngày 15/12/2023 đến ngày 10/06/2024"
