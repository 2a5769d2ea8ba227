"""A full simulated reporting period on both databases, mail to a real SMTP server
(aiosmtpd on 127.0.0.1): Kiến Tường's plan imported, 6 tháng đầu năm 2024.

- 03/06 (5 working days before the units' deadline of 10/06): every unit leading tasks
  gets its form by mail, once, whatever re-runs;
- Phòng Nội vụ returns its form filled (07/06), Phòng Tư pháp reports through the task
  actions (06/06); the four others never report;
- 10/06: the reminder cycle reminds the four heads; 12/06: the Chairman hears of the four;
- 14/06 (cut-off, assembly day): the report goes to the standing office with the
  ``.docx``, the PDF and the annex; its numbers, the annex and the charts agree with the
  database; a re-run sends nothing and rebuilds nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path

from docx import Document
from form_support import fill
from openpyxl import load_workbook
from reminder_support import smtp_settings
from sauro_support import CONFIG, FIXTURES, PLAN_OPTIONS, Sauro
from smtp_support import SmtpTestServer
from sqlalchemy import text
from sqlmodel import Session, col, select

from engine.calendar.status import VN
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import load_configs
from engine.reminders.cycle import run_cycle
from engine.reports.annex import SHEET_UNIT_REPORTS
from engine.reports.charts import read_series
from engine.reports.cycle import ReportingDay, active_periods, run_reporting_day
from engine.reports.unit_forms import COL_DATE, COL_EVIDENCE, COL_RESULT, COL_STATUS, DONE
from engine.store.audit import Actor
from engine.store.db import make_engine, session_scope
from engine.store.models import Organization, Person, PersonRole, Unit, UnitReport
from engine.tasks.actions import record_progress

Servers = Callable[..., SmtpTestServer]
ORG = "kien-tuong"
PERIOD = "2024-H1"
ACTOR = Actor(name="test", source="test_reporting_cycle")
REPORTING = ("phong-noi-vu", "phong-tu-phap")  # the units that report
SILENT = ("phong-tai-chinh-ke-hoach", "phong-van-hoa-thong-tin", "trung-tam-van-hoa",
          "van-phong")  # fmt: skip
CONFIGS = load_configs(CONFIG)


def at(day: str, hour: int = 7, minute: int = 30) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), VN).replace(
        hour=hour, minute=minute
    )


def heads(url: str) -> dict[str, str]:
    """Unit code → the head's address."""
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.exec(
            select(Unit.code, Person.email)
            .join(Person, col(Person.unit_id) == col(Unit.id))
            .join(Organization, col(Organization.id) == col(Unit.organization_id))
            .where(col(Person.role) == PersonRole.HEAD, col(Organization.code) == ORG)
        ).all()
    engine.dispose()
    return {code: email for code, email in rows}


def reporting_day(url: str, now: datetime, server: SmtpTestServer, out: Path) -> ReportingDay:
    return asyncio.run(
        run_reporting_day(
            database_url=url, config_dir=CONFIG, org_code=ORG, now=now, out_dir=out,
            smtp=smtp_settings(server),
        )
    )  # fmt: skip


def reminders(url: str, now: datetime, server: SmtpTestServer) -> None:
    asyncio.run(
        run_cycle(
            database_url=url, config_dir=CONFIG, org_code=ORG, now=now,
            smtp=smtp_settings(server), backoff=0.01,
        )
    )  # fmt: skip


def mails(server: SmtpTestServer) -> list[EmailMessage]:
    found = [received.message for received in server.handler.received]
    server.handler.received.clear()
    return found


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {
        str(part.get_filename()): part.get_content()  # type: ignore[attr-defined]
        for part in message.iter_attachments()
    }


def test_the_windows_follow_the_reporting_calendar() -> None:
    calendar = WorkCalendar(CONFIGS.calendar)
    days = ("2024-05-31", "2024-06-03", "2024-06-14", "2024-07-15", "2024-12-06")
    codes = {
        day: [p.code for p in active_periods(date.fromisoformat(day), CONFIGS, calendar)]
        for day in days
    }
    assert codes["2024-05-31"] == []  # 10/06 minus 5 working days is Monday 03/06
    assert codes["2024-06-03"] == ["2024-H1"]
    assert codes["2024-06-14"] == ["2024-H1"]
    assert codes["2024-07-15"] == []
    assert codes["2024-12-06"] == ["2024"]  # the year's forms (units' deadline 10/12)


def test_a_full_reporting_period(  # noqa: PLR0915  (one story, told in order)
    loaded: Sauro, mail_servers: Servers, tmp_path: Path
) -> None:
    loaded.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv",
              *PLAN_OPTIONS)  # fmt: skip
    url = loaded.url
    server = mail_servers()
    out = tmp_path / "bao-cao"
    head = heads(url)

    # 03/06: the forms go out, one per unit head, each with its own form attached.
    day = reporting_day(url, at("2024-06-03"), server, out)
    sent = mails(server)
    units = [*REPORTING, *SILENT]
    assert sorted(m["To"].addresses[0].addr_spec for m in sent) == sorted(head[u] for u in units)
    for message in sent:
        files = attachments(message)
        assert len(files) == 1
        (name,) = files
        assert name.startswith(f"bao-cao-{ORG}-{PERIOD}-") and name.endswith(".xlsx")
        assert "chậm nhất ngày 10/06/2024" in body(message)
    assert len(day.forms) == 6 and not day.reports
    assert all(
        f.startswith("Ủy ban nhân dân thị xã Kiến Tường, 6 tháng đầu năm 2024: ") for f in day.forms
    )
    assert not any(PERIOD in f or ORG in f for f in day.forms)  # words, not codes
    # Re-run the same day and the next: nothing is mailed twice.
    reporting_day(url, at("2024-06-03", 9), server, out)
    reporting_day(url, at("2024-06-04"), server, out)
    assert mails(server) == []

    # 06/06: Phòng Tư pháp reports on each of its tasks through the task actions.
    engine = make_engine(url)
    with session_scope(engine) as session:
        ids = session.exec(
            select(UnitReport.task_ids)
            .join(Unit, col(Unit.id) == col(UnitReport.unit_id))
            .where(col(Unit.code) == "phong-tu-phap")
        ).one()
        for task_id in ids:
            when = at("2024-06-06", 10)
            record_progress(
                session=session, task_id=task_id, percent=60, note="Đang thực hiện",
                actor=ACTOR, now=when,
            )  # fmt: skip
    # 07/06: Phòng Nội vụ returns its form, one task done.
    form = out / ORG / PERIOD / "bieu-don-vi" / f"bao-cao-{ORG}-{PERIOD}-phong-noi-vu.xlsx"
    done_row = {
        COL_STATUS: DONE,
        COL_RESULT: "Đã ban hành kế hoạch",
        COL_EVIDENCE: "Kế hoạch số 12/KH-PNV",
        COL_DATE: "05/06/2024",
    }
    filled = fill(form, {"1.1": done_row})
    submitted = loaded.ok("unit-report", "submit", filled, "--at", "2024-06-07T09:00")
    assert "(Phòng Nội vụ, 6 tháng đầu năm 2024): " in submitted.stdout, submitted.stdout

    # 10/06, the units' deadline: the four silent heads are reminded, the others are not.
    reminders(url, at("2024-06-10", 7, 0), server)
    missing = {m["To"].addresses[0].addr_spec for m in mails(server)
               if "báo cáo chưa gửi" in str(m["Subject"])}  # fmt: skip
    assert missing == {head[u] for u in SILENT}
    # 12/06, two working days late: the Chairman hears of the four.
    reminders(url, at("2024-06-12", 7, 0), server)
    chairman = [m for m in mails(server) if m["To"].addresses[0].addr_spec.startswith("chutich")]
    assert len(chairman) == 1 and "4 báo cáo chưa gửi" in str(chairman[0]["Subject"])

    # 14/06, the cut-off: the report goes to the standing office.
    day = reporting_day(url, at("2024-06-14"), server, out)
    (files,) = day.reports
    office = mails(server)
    assert office and all(
        set(attachments(m)) == {files.document.name, files.annex.name, *(
            [files.pdf.name] if files.pdf else [])} for m in office
    )  # fmt: skip
    assert {m["To"].addresses[0].addr_spec for m in office} == _office_addresses(url)

    # The document, the annex and the charts say what the database says.
    data = files.data
    with engine.connect() as connection:
        submitted = connection.execute(
            text("SELECT count(*) FROM unit_report WHERE submitted_at IS NOT NULL")
        ).scalar_one()
        done = connection.execute(
            text("SELECT count(*) FROM task WHERE state = 'done'")
        ).scalar_one()
    engine.dispose()
    assert submitted == 2 and data.totals.done == done == 1
    word = Document(str(files.document))
    paragraphs = "\n".join(p.text for p in word.paragraphs)
    assert (
        "Số đơn vị phải báo cáo: 6; đã báo cáo đúng hạn: 2; báo cáo muộn: 0; chưa báo cáo: 4; "
        "tỷ lệ đơn vị báo cáo đúng hạn: 33,3%." in paragraphs
    )
    assert "- Phòng Nội vụ (hạn 10/06/2024): đúng hạn." in paragraphs
    assert "- Phòng Văn hóa và Thông tin (hạn 10/06/2024): chưa gửi." in paragraphs
    assert f"Tổng số nhiệm vụ trong kỳ: {data.totals.total};" in paragraphs
    assert len(word.inline_shapes) == 3  # the three charts embedded
    sheet = load_workbook(files.annex)[SHEET_UNIT_REPORTS]
    statuses = [sheet.cell(r, 5).value for r in range(6, 12)]
    assert statuses.count("Đúng hạn") == 2 and statuses.count("Chưa gửi") == 4
    series = read_series(files.charts.units)
    bars = series["bars"]
    assert isinstance(bars, list)
    assert [(b["label"], sum(v for k, v in b.items() if k != "label")) for b in bars] == [
        (row.name, row.counts.total) for row in data.by_unit
    ]
    assert sum(b["done_on_time"] + b["done_late"] for b in bars) == done

    # Re-run on the day: the report is not rebuilt and nothing goes out again.
    again = reporting_day(url, at("2024-06-14", 15), server, out)
    assert again.reports == [] and mails(server) == []


def _office_addresses(url: str) -> set[str]:
    engine = make_engine(url)
    with Session(engine) as session:
        found = session.exec(
            select(Person.email)
            .join(Unit, col(Unit.id) == col(Person.unit_id))
            .join(Organization, col(Organization.id) == col(Unit.organization_id))
            .where(col(Unit.code) == "phong-noi-vu", col(Organization.code) == ORG)
        ).all()
    engine.dispose()
    return set(found)


def test_a_dry_run_writes_files_but_records_and_sends_nothing(
    loaded: Sauro, mail_servers: Servers, tmp_path: Path
) -> None:
    loaded.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv",
              *PLAN_OPTIONS)  # fmt: skip
    server = mail_servers()
    day = asyncio.run(
        run_reporting_day(
            database_url=loaded.url, config_dir=CONFIG, org_code=ORG, now=at("2024-06-03"),
            out_dir=tmp_path, dry_run=True, smtp=smtp_settings(server),
        )
    )  # fmt: skip
    assert len(day.messages) == 6 and day.delivery is None
    assert mails(server) == []
    engine = make_engine(loaded.url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM unit_report")).scalar_one() == 0
        assert connection.execute(text("SELECT count(*) FROM delivery")).scalar_one() == 0
        assert connection.execute(text("SELECT count(*) FROM task")).scalar_one() == 30
    engine.dispose()
