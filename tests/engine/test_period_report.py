"""The whole period report on both databases: ``write_period_report`` for Kiến Tường's
6 tháng đầu năm 2024, the PDF LibreOffice makes of it read back against NĐ 30/2020, a
period with no data, and the report's message with its files attached."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from pypdf import PdfReader
from sauro_support import CONFIG, load_kien_tuong
from sqlalchemy import Engine

from engine.calendar.periods import parse_period
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import load_configs
from engine.directory.store import get_organization
from engine.reports import approval
from engine.reports.assembly import ReportFiles, report_message, write_period_report
from engine.reports.charts import read_series
from engine.reports.pdf import soffice
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import DocumentRegister
from notifications.outgoing import email_bytes

CONFIGS = load_configs(CONFIG)
CALENDAR = WorkCalendar(CONFIGS.calendar)
NOW = datetime(2024, 6, 16, 2, 0, tzinfo=UTC)
A4_POINTS = (595.3, 841.9)


def report(db_engine: Engine, out: Path, period: str, *, pdf: bool) -> ReportFiles:
    """The report of ``period`` approved by the Chairman and issued on 16/06/2024 as the
    fifth document of the year (four earlier ones in the register)."""
    load_kien_tuong(db_engine, CONFIGS, actor=Actor("test"), now=NOW)
    chosen = parse_period(period, CONFIGS.reporting, CALENDAR)
    actor = Actor("test")
    with session_scope(db_engine) as session:
        org_id = int(get_organization(session, "kien-tuong").id or 0)
        for number in range(1, 5):
            session.add(DocumentRegister(
                organization_id=org_id, year=2024, number=number, symbol="CV-UBND",
                subject="Công văn", issued_on=date(2024, 5, number), issued_by="văn thư",
                recorded_at=NOW,
            ))  # fmt: skip
        approval.submit(session, organization_id=org_id, period=chosen, actor=actor, now=NOW)
        approval.approve(session, organization_id=org_id, period=chosen,
                         approver="Nguyễn Văn Vũ", actor=actor, now=NOW)  # fmt: skip
        approval.issue(session, organization_id=org_id, period=chosen,
                       issued_on=date(2024, 6, 16), actor=actor, now=NOW)  # fmt: skip
    return write_period_report(
        db_engine, configs=CONFIGS, config_dir=CONFIG, org_code="kien-tuong",
        period=chosen, now=NOW, out=out, pdf=pdf,
    )  # fmt: skip


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_the_pdf_keeps_the_official_format(db_engine: Engine, tmp_path: Path) -> None:
    files = report(db_engine, tmp_path, "2024-H1", pdf=True)

    assert files.pdf is not None and files.pdf.is_file()
    pages = PdfReader(files.pdf).pages
    assert len(pages) >= 3
    for page in pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width, 1), round(height, 1)) == A4_POINTS  # A4 portrait
    first = pages[0].extract_text()
    for line in ("ỦY BAN NHÂN DÂN", "THỊ XÃ KIẾN TƯỜNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 "Độc lập - Tự do - Hạnh phúc", "Số: 05/BC-UBND",
                 "Kiến Tường, ngày 16 tháng 6 năm 2024", "BÁO CÁO"):  # fmt: skip
        assert line in first, line
    assert not first.lstrip().startswith("1")  # no page number on the first page
    assert pages[1].extract_text().lstrip().startswith("2")  # top centre from page 2
    last = pages[-1].extract_text()
    assert "Nơi nhận:" in last and "TM. ỦY BAN NHÂN DÂN" in last and "Nguyễn Văn Vũ" in last
    fonts = {
        str(font["/BaseFont"])
        for page in pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index]
        if "/BaseFont" in font.get_object()
    }
    # Times New Roman, or its metric twin Liberation Serif where Microsoft's font is absent.
    assert any("Times" in f or "LiberationSerif" in f for f in fonts), fonts
    assert f"Tổng số nhiệm vụ trong kỳ: {files.data.totals.total};" in "".join(
        p.extract_text() for p in pages
    ).replace("\n", " ")


def test_a_period_with_no_data_still_reports(db_engine: Engine, tmp_path: Path) -> None:
    files = report(db_engine, tmp_path, "2020-Q1", pdf=False)  # years before the plan

    assert files.data.totals.total == 0 and files.pdf is None
    areas = read_series(files.charts.areas)["bars"]
    assert isinstance(areas, list) and len(areas) == len(CONFIGS.areas.areas)
    assert all(sum(v for k, v in bar.items() if k != "label") == 0 for bar in areas)
    assert read_series(files.charts.units)["bars"] == []
    assert files.document.is_file() and files.annex.is_file()


def test_the_report_message_carries_its_files(db_engine: Engine, tmp_path: Path) -> None:
    files = report(db_engine, tmp_path, "2024-H1", pdf=False)

    (message,) = report_message(files, to=[("Sở Nội vụ", "cchc@snv.example.vn")], purpose="upward")
    assert message.ledger_keys == (
        "period-report:kien-tuong/2024-H1|upward|to:cchc@snv.example.vn",
    )
    wire = email_bytes(message, "Sáu Rõ <sauro@example.vn>", now=NOW)
    parsed = message_from_bytes(wire, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    attached = {part.get_filename(): part.get_content() for part in parsed.iter_attachments()}
    assert attached == {
        files.document.name: files.document.read_bytes(),
        files.annex.name: files.annex.read_bytes(),
    }
    text = parsed.get_body(("plain",))
    assert text is not None and "6 tháng đầu năm 2024" in text.get_content()
