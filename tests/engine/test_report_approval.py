"""A period report from draft to sent: submitted by the standing office, approved (or
returned) by the Chairman or a Vice-Chairman, issued with the register's next number, sent
upward; a draft never goes upward by any route. Through ``sauro report`` on both databases,
and the engine functions for the register."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document
from reminder_support import smtp_settings
from sauro_support import FIXTURES, PLAN_OPTIONS, Sauro
from smtp_support import SmtpTestServer
from sqlmodel import Session, col, select

from engine.calendar.periods import parse_period
from engine.calendar.status import VN
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import load_configs
from engine.errors import SauroError
from engine.reports import approval
from engine.reports.cycle import ReportingDay, run_reporting_day
from engine.reports.document import UNNUMBERED
from engine.store.audit import Actor
from engine.store.db import make_engine, session_scope
from engine.store.models import (
    AuditLog,
    DocumentRegister,
    Notice,
    Organization,
    PeriodReport,
    ReportState,
)

ORG = ("--org", "kien-tuong", "--period", "2024-H1", "--no-pdf")
OFFICE = "tamlm@kientuong.example.vn"  # Phòng Nội vụ, the standing office
VICE = "Phạm Văn Đức"
CHAIRMAN = "Nguyễn Văn Vũ"


def _report(sauro: Sauro, out: Path, *args: str, at: str = "2024-06-16T09:00") -> str:
    result = sauro("report", *ORG, "--out", str(out), "--at", at, *args)
    assert result.exit_code == 0, result.output
    return result.output


def _document_text(out: Path) -> str:
    word = Document(str(out / "kien-tuong-2024-H1" / "bao-cao-kien-tuong-2024-H1.docx"))
    cells = (cell.text for table in word.tables for row in table.rows for cell in row.cells)
    return "\n".join([*(p.text for p in word.paragraphs), *cells])


@pytest.fixture
def imported(loaded: Sauro) -> Sauro:
    loaded.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv", *PLAN_OPTIONS)
    return loaded


def test_draft_submitted_approved_issued_and_the_number_kept(
    imported: Sauro, tmp_path: Path
) -> None:
    out = tmp_path / "bao-cao"
    _report(imported, out)
    draft = _document_text(out)
    assert f"Số: {UNNUMBERED}/BC-UBND" in draft  # the number is left blank
    assert "TM. ỦY BAN NHÂN DÂN" in draft and CHAIRMAN in draft  # a draft: the Chairman
    assert "Bản nháp" not in draft

    assert "Trình ký." in _report(imported, out, "--step", "submit")
    assert "Đã duyệt." in _report(imported, out, "--step", "approve", "--as", VICE)
    signed = _document_text(out)
    assert "KT. CHỦ TỊCH" in signed and "PHÓ CHỦ TỊCH" in signed and VICE in signed
    issued = _report(imported, out, "--step", "issue", "--date", "2024-06-16")
    assert "Đã ban hành." in issued
    text = _document_text(out)
    assert "Số: 01/BC-UBND" in text
    # Regenerated on another day, with another date asked: the register's number and date.
    _report(imported, out, "--date", "2024-07-01", at="2024-07-01T10:00")
    again = _document_text(out)
    assert "Số: 01/BC-UBND" in again
    assert "Kiến Tường, ngày 16 tháng" in again


def test_each_step_only_from_the_step_before_and_by_whom_it_belongs(
    imported: Sauro, tmp_path: Path
) -> None:
    out = tmp_path / "bao-cao"
    refused = imported("report", *ORG, "--out", str(out), "--step", "issue")
    assert refused.exit_code == 2
    assert "cần ở bước «Đã duyệt»" in refused.output
    _report(imported, out, "--step", "submit")
    officer = imported("report", *ORG, "--out", str(out), "--step", "approve", "--as", OFFICE)
    assert officer.exit_code == 2
    assert "chỉ Chủ tịch hoặc Phó Chủ tịch" in officer.output
    no_reason = imported("report", *ORG, "--out", str(out), "--step", "return", "--as", VICE)
    assert no_reason.exit_code == 2 and "cần ghi lý do" in no_reason.output
    returned = _report(
        imported, out, "--step", "return", "--as", CHAIRMAN, "--reason", "Bổ sung phần III"
    )
    assert "Bản nháp." in returned
    _report(imported, out, "--step", "submit")
    assert "Đã duyệt." in _report(imported, out, "--step", "approve", "--as", CHAIRMAN)
    assert "TM. ỦY BAN NHÂN DÂN" in _document_text(out)


def test_a_draft_never_goes_upward(imported: Sauro, tmp_path: Path) -> None:
    out = tmp_path / "bao-cao"
    for step in ((), ("--step", "submit"), ("--step", "approve", "--as", VICE)):
        if step:
            _report(imported, out, *step)
        sent = imported("report", *ORG, "--out", str(out), "--send", "--at", "2024-06-16T09:00")
        assert sent.exit_code == 2
        assert "chỉ báo cáo đã ban hành" in sent.output


def test_the_register_numbers_in_order_never_twice_per_year(imported: Sauro) -> None:
    engine = make_engine(imported.url)
    configs = load_configs(imported.config_dir)
    calendar = WorkCalendar(configs.calendar)
    actor = Actor("test", "tests")
    now = datetime(2024, 12, 20, 9, tzinfo=VN)
    numbers = []
    for code in ("2024-Q1", "2024-H1", "2024-Q3"):
        period = parse_period(code, configs.reporting, calendar)
        with session_scope(engine) as session:
            org = session.exec(select(Organization).where(Organization.code == "kien-tuong")).one()
            org_id = int(org.id or 0)
            approval.submit(session, organization_id=org_id, period=period, actor=actor, now=now)
            approval.approve(
                session, organization_id=org_id, period=period, approver=VICE, actor=actor,
                now=now,
            )  # fmt: skip
            record = approval.issue(
                session, organization_id=org_id, period=period, issued_on=date(2024, 12, 20),
                actor=actor, now=now,
            )  # fmt: skip
            numbers.append(session.get(DocumentRegister, record.register_id).number)  # type: ignore[union-attr]
    assert numbers == [1, 2, 3]
    period = parse_period("2024-Q3", configs.reporting, calendar)
    with session_scope(engine) as session, pytest.raises(SauroError, match="cần ở bước"):
        approval.issue(
            session, organization_id=org_id, period=period, issued_on=date(2024, 12, 20),
            actor=actor, now=now,
        )  # fmt: skip
    with Session(engine) as session:
        audit = session.exec(select(AuditLog).where(AuditLog.entity == "period_report")).all()
        notices = session.exec(select(Notice).where(col(Notice.kind).like("report_%"))).all()
        states = [r.state for r in session.exec(select(PeriodReport)).all()]
    assert {row.action for row in audit} >= {"submitted", "approved", "issued"}
    assert {n.kind for n in notices} == {"report_submitted", "report_decided", "report_issued"}
    assert states == [ReportState.ISSUED] * 3
    engine.dispose()


def test_the_scheduled_day_sends_upward_only_an_issued_report_then_marks_it_sent(
    imported: Sauro, tmp_path: Path, mail_servers: Callable[..., SmtpTestServer]
) -> None:
    server = mail_servers()
    upward = "cchc@sonoivu.longan.example.vn"  # report_to of Kiến Tường

    def day(now: datetime) -> ReportingDay:
        return asyncio.run(
            run_reporting_day(
                database_url=imported.url, config_dir=imported.config_dir, org_code="kien-tuong",
                now=now, out_dir=tmp_path / "bao-cao", send_upward=True,
                smtp=smtp_settings(server),
            )
        )  # fmt: skip

    def received() -> list[str]:
        return [str(r.message["To"]) for r in server.handler.received]

    draft = day(datetime(2024, 6, 14, 7, 30, tzinfo=VN))  # the assembly day
    assert any("chưa ban hành" in finding for finding in draft.findings)
    assert not any(upward in to for to in received())  # the office's copy only
    out = tmp_path / "cli"
    _report(imported, out, "--step", "submit", at="2024-06-14T09:00")
    _report(imported, out, "--step", "approve", "--as", VICE, at="2024-06-14T10:00")
    _report(imported, out, "--step", "issue", at="2024-06-14T11:00")
    day(datetime(2024, 6, 17, 7, 30, tzinfo=VN))  # still in the window
    assert sum(upward in to for to in received()) == 1
    engine = make_engine(imported.url)
    with Session(engine) as session:
        record = session.exec(select(PeriodReport)).one()
        assert record.state == ReportState.SENT
    engine.dispose()
