"""The roll-up of a province's 20 communes (issue 12, item 3): every commune listed with the
figures of its own report, ranked; the communes' reports received, on time or late; the
missing ones reminded through the ladder (the commune's standing office head, then its
Chairman), the issued ones not; the annex's sheet per commune; ``parent_code`` in
``directory.yaml``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from reminder_support import Mail, ledger_rows, smtp_settings
from rollup_support import (
    COMMUNES,
    DEADLINE,
    NOW,
    OFFICE,
    PERIOD,
    PROVINCE,
    Province,
    build_province,
    directory_text,
    domain,
    organization_codes,
    standard_reports,
)
from smtp_support import SmtpTestServer
from sqlalchemy import Engine
from sqlmodel import Session

from engine.calendar.status import VN, local_date
from engine.calendar.workdays import WorkCalendar
from engine.directory.exchange import export_directory
from engine.directory.schema import parse_directory
from engine.errors import ConfigError
from engine.reminders.cycle import CycleReport, run_cycle
from engine.reports.assembly import write_period_report
from engine.reports.data import report_data
from engine.reports.rollup import (
    Rollup,
    build_rollup,
    missing_child_reports,
    rank_key,
    refresh_children,
)
from engine.reports.rollup_annex import SHEET_SUMMARY, child_sheet_title


@pytest.fixture
def province(db_engine: Engine, db_url: str, tmp_path: Path) -> Province:
    built = build_province(db_engine, db_url, tmp_path)
    standard_reports(built)
    return built


def _rollup(province: Province, now: datetime = NOW) -> Rollup:
    with province.engine.begin() as connection:
        refresh_children(
            connection, parent_code=PROVINCE, rules=province.configs.rules, today=local_date(now)
        )
    with province.engine.connect() as connection:
        return build_rollup(
            connection, parent_code=PROVINCE, period=province.period(), now=now,
            configs=province.configs, reports_dir=province.reports_dir,
        )  # fmt: skip


# -- the directory ------------------------------------------------------------------------------


def test_parent_code_is_loaded_and_exported(province: Province) -> None:
    stored = organization_codes(province.engine)
    assert stored[PROVINCE] == ""
    assert all(stored[code] == PROVINCE for code in COMMUNES)
    with Session(province.engine) as session:
        whole = export_directory(session, now=NOW)
        alone = export_directory(session, org_codes=["xa-01"], now=NOW)
    assert whole.count(f"parent_code: {PROVINCE}") == len(COMMUNES)
    assert "parent_code" not in alone  # its parent is not in that file


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    parent_code: tinh-binh-an\n", "    parent_code: tinh-khac\n",
         'không có tổ chức mã "tinh-khac"'),
        ("default_organization: tinh-binh-an\norganizations:\n  - code: tinh-binh-an\n",
         "default_organization: tinh-binh-an\norganizations:\n  - code: tinh-binh-an\n"
         "    parent_code: tinh-binh-an\n",
         "không thể là cấp trên của chính nó"),
        ("default_organization: tinh-binh-an\norganizations:\n  - code: tinh-binh-an\n",
         "default_organization: tinh-binh-an\norganizations:\n  - code: tinh-binh-an\n"
         "    parent_code: xa-20\n",
         "vòng lặp: tinh-binh-an → xa-20 → tinh-binh-an"),
    ],
    ids=["unknown", "itself", "cycle"],
)  # fmt: skip
def test_a_bad_parent_code_says_where(old: str, new: str, message: str) -> None:
    text = directory_text().replace(old, new, 1)
    with pytest.raises(ConfigError) as raised:
        parse_directory(text, "directory.yaml")
    shown = str(raised.value) + "\n" + "\n".join(str(p) for p in raised.value.problems)
    assert message in shown
    assert "parent_code" in shown


# -- the figures ----------------------------------------------------------------------------


def test_every_commune_is_listed_with_the_figures_of_its_own_report(province: Province) -> None:
    rollup = _rollup(province)
    assert sorted(c.code for c in rollup.children) == list(COMMUNES)
    with province.engine.connect() as connection:
        for child in rollup.children:
            own = report_data(
                connection, configs=province.configs, org_code=child.code,
                period=province.period(), now=NOW,
            )  # fmt: skip
            assert child.data == own, child.code
            assert (child.tasks, child.overdue, child.unclear) == (
                own.totals.total, own.totals.overdue, own.compliance.unclear,
            )  # fmt: skip
    assert sum(c.tasks for c in rollup.children) == 4 * len(COMMUNES)
    assert any(c.unclear for c in rollup.children)


def test_the_ranking_orders_by_on_time_then_completion_then_fewer_overdue(
    province: Province,
) -> None:
    children = _rollup(province).children
    keys = [rank_key(c.data) for c in children]
    assert keys == sorted(keys)
    for position, child in enumerate(children, start=1):
        tied = position > 1 and keys[position - 2] == keys[position - 1]
        assert child.rank == (children[position - 2].rank if tied else position)
    first, last = children[0], children[-1]
    assert first.rank == 1 and first.data.indicators.on_time.percent == 100.0
    assert first.overdue == 0
    assert last.data.indicators.on_time.percent == 0.0 and last.overdue == 2
    # Equal figures share a rank and are listed by name.
    top = [c.code for c in children if c.rank == 1]
    assert top == ["xa-04", "xa-08", "xa-12", "xa-16", "xa-20"]


def test_the_communes_reports_received_late_and_missing(province: Province) -> None:
    rollup = _rollup(province)
    by_code = {c.code: c for c in rollup.children}
    on_time, late = by_code["xa-01"].report, by_code["xa-02"].report
    assert on_time.received and on_time.on_time and on_time.number_text == "12/BC-UBND"
    assert on_time.issued_on == date(2026, 3, 13)
    assert [f.name for f in on_time.files] == [
        "bao-cao-xa-01-2026-Q1.docx", "bieu-so-lieu-xa-01-2026-Q1.xlsx",
    ]  # fmt: skip
    assert late.received and not late.on_time
    assert late.status_label(rollup.today) == "Muộn (2 ngày)"
    draft = by_code["xa-03"].report
    assert not draft.received and draft.files == ()  # a draft's files are not the parent's
    missing = {c.code for c in rollup.missing}
    assert missing == set(COMMUNES) - {"xa-01", "xa-02"}
    assert (rollup.received, rollup.on_time) == (2, 1)
    before = _rollup(province, datetime(2026, 3, 16, 9, 0, tzinfo=VN))
    assert before.missing == ()  # on the deadline day nobody is late yet


# -- the ladder -------------------------------------------------------------------------------


def _cycle(province: Province, on: date, smtp_server: SmtpTestServer, org: str) -> CycleReport:
    return asyncio.run(
        run_cycle(
            database_url=province.url, config_dir=province.config_dir, org_code=org,
            now=datetime(on.year, on.month, on.day, 7, 0, tzinfo=VN),
            smtp=smtp_settings(smtp_server),
            clock=lambda: datetime.now(UTC), backoff=0.01,
        )
    )  # fmt: skip


def _report_keys(url: str, code: str) -> list[str]:
    return [key for key, _ in ledger_rows(url) if key.startswith(f"report:{code}/")]


def test_a_missing_report_reminds_the_office_head_then_the_chairman(
    province: Province, mail_servers: Callable[..., SmtpTestServer]
) -> None:
    server = mail_servers()
    inbox = server.handler
    at = domain("xa-05")
    report = f"report:xa-05/{OFFICE}/{PERIOD}/upward"
    _cycle(province, date(2026, 3, 13), server, "xa-05")  # before the deadline: nothing
    assert _report_keys(province.url, "xa-05") == []

    _cycle(province, DEADLINE, server, "xa-05")
    assert _report_keys(province.url, "xa-05") == [
        f"{report}|report-missing-head|0|lead_head|due:2026-03-16|to:truongphong{at}"
    ]
    mails = [Mail.read(DEADLINE, r) for r in inbox.received]
    reminded = [m for m in mails if {"report-missing-head", "report-missing-chairman"} & m.rules]
    assert [m.to for m in reminded] == [f"truongphong{at}"]
    assert "Báo cáo quý I/2026 của Phòng Văn hóa - Xã hội" in reminded[0].text

    _cycle(province, date(2026, 3, 18), server, "xa-05")  # two working days after
    assert f"{report}|report-missing-chairman|0|chairman|due:2026-03-16|to:chutich{at}" in (
        _report_keys(province.url, "xa-05")
    )
    mails = [Mail.read(date(2026, 3, 18), r) for r in inbox.received]
    assert [m.to for m in mails if "report-missing-chairman" in m.rules] == [f"chutich{at}"]


def test_a_commune_whose_report_is_issued_is_not_reminded(
    province: Province, mail_servers: Callable[..., SmtpTestServer]
) -> None:
    server = mail_servers()
    for on in (DEADLINE, date(2026, 3, 18)):
        _cycle(province, on, server, "xa-01")
        _cycle(province, on, server, "xa-02")  # sent, even though late
    assert _report_keys(province.url, "xa-01") == []
    assert _report_keys(province.url, "xa-02") == []


def test_the_province_itself_owes_no_report_to_anyone(province: Province) -> None:
    calendar = WorkCalendar(province.configs.calendar)
    with province.engine.connect() as connection:
        found = missing_child_reports(
            connection, org_code=None, today=DEADLINE, reporting=province.configs.reporting,
            calendar=calendar,
        )  # fmt: skip
        late = missing_child_reports(
            connection, org_code=None, today=date(2026, 6, 1),
            reporting=province.configs.reporting, calendar=calendar,
        )  # fmt: skip
    assert {s.org for s in found} == set(COMMUNES) - {"xa-01", "xa-02"}
    assert {s.unit for s in found} == {OFFICE}
    assert all(s.key.endswith(f"/{PERIOD}/upward") for s in found)
    assert late == []  # past the chase window, only the roll-up names them


# -- the annex ----------------------------------------------------------------------------------


def test_the_annex_gains_a_summary_and_a_sheet_per_commune(province: Province) -> None:
    files = write_period_report(
        province.engine, configs=province.configs, config_dir=province.config_dir,
        org_code=PROVINCE, period=province.period(), now=NOW,
        out=province.reports_dir / PROVINCE / PERIOD, pdf=False,
    )  # fmt: skip
    book = load_workbook(files.annex)
    rollup = _rollup(province)
    titles = [child_sheet_title(i, c.code) for i, c in enumerate(rollup.children, start=1)]
    assert book.sheetnames[-len(COMMUNES) - 1 :] == [SHEET_SUMMARY, *titles]
    summary = book[SHEET_SUMMARY]
    rows = [r for r in summary.iter_rows(min_row=6, values_only=True) if r[0] is not None]
    assert [(r[0], r[2], r[6], r[7]) for r in rows] == [
        (c.rank, c.tasks, c.overdue, c.unclear) for c in rollup.children
    ]
    assert [r[1] for r in rows] == [c.name for c in rollup.children]
    total = next(r for r in summary.iter_rows(min_row=6, values_only=True) if r[1] == "Cộng")
    assert total[2] == sum(c.tasks for c in rollup.children)
    sheet = book[titles[0]]
    values = {r[0]: r[1] for r in sheet.iter_rows(min_row=6, values_only=True)}
    assert values["Tổng số nhiệm vụ"] == rollup.children[0].tasks
    assert values["Xếp hạng"] == f"1/{len(COMMUNES)}"


def test_a_commune_annex_has_no_rollup_sheets(province: Province) -> None:
    files = write_period_report(
        province.engine, configs=province.configs, config_dir=province.config_dir,
        org_code="xa-01", period=province.period(), now=NOW,
        out=province.reports_dir / "tmp" / PERIOD, pdf=False,
    )  # fmt: skip
    assert SHEET_SUMMARY not in load_workbook(files.annex).sheetnames
