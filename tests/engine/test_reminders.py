"""The daily reminder cycle (``engine.reminders.cycle.run_cycle``) end to end: a real SMTP server
(aiosmtpd on 127.0.0.1), real databases (a SQLite file and PostgreSQL), a plan imported
from CSV for the commune of Xuân Dương, and the directory of ``config/directory.yaml``.

The expected mail is written out as ladder tables with fixed dates: each row says on which
day a rule step fires for which task and whom it reaches. The dates were worked out by hand
from the working-day calendar (weekends, Tết Bính Ngọ 14/02–22/02/2026, the swap of 2026:
Saturday 22/08 worked, Monday 31/08 off, then 01–02/09), not by the code under test.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from reminder_support import (
    CHAIRMAN,
    DOMAIN,
    ESCALATION_STEPS,
    ORG,
    STANDING_OFFICE,
    VICE_KT,
    VICE_VP,
    Inbox,
    LadderRow,
    Seen,
    build_commune,
    day,
    days,
    execute,
    expected_digests,
    ledger_rows,
    morning,
    row,
    run_day,
    smtp_settings,
)
from sauro_support import CONFIG, snapshot
from smtp_support import ScriptedHandler, SmtpTestServer

from engine.calendar.status import VN
from engine.calendar.workdays import WorkCalendar, load_calendar
from engine.reminders.cycle import run_cycle
from engine.store.audit import Actor
from engine.store.db import make_engine, session_scope
from engine.tasks.actions import decide_extension, find_task_id, request_extension
from notifications.addresses import Mailbox
from notifications.smtp_settings import SmtpSettings

Servers = Callable[..., SmtpTestServer]
CHILD = Path(__file__).resolve().parent / "reminder_child.py"


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite file, for what does not depend on the database."""
    path = tmp_path / "sauro.db"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{path}"


# -- the plan ---------------------------------------------------------------------------------

VP = "Văn phòng HĐND và UBND xã"
TASK_1 = row(
    "1",
    VP,
    "Ma Thị Huyền",
    "24/02/2026",
    "Rà soát quy trình nội bộ giải quyết thủ tục hành chính tại Văn phòng",
)
# Due on the first day of Tết (a Saturday): the deadline moves to Monday 23/02 (art. 148).
TASK_2 = row(
    "2",
    "Phòng Kinh tế",
    "Lường Thị Thảo",
    "14/02/2026",
    "Xây dựng dự toán kinh phí cải cách hành chính năm 2026 của xã",
)
TASK_3 = row(
    "3",
    "Trung tâm Dịch vụ sự nghiệp công xã",
    "Vi Thị Hoa",
    "27/02/2026",
    "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực",
)
# Nobody named: fails "rõ người", which the lead unit's head fixes.
TASK_4 = row(
    "4",
    "Trung tâm Phục vụ hành chính công xã",
    "",
    "31/03/2026",
    "Niêm yết công khai thủ tục hành chính tại bộ phận một cửa của xã",
)
# No date: fails "rõ thời gian", which the standing office fixes.
TASK_5 = row(
    "5",
    "Phòng Văn hóa - Xã hội",
    "Đàm Văn Khánh",
    "Thường xuyên",
    "Tuyên truyền cải cách hành chính trên hệ thống truyền thanh của xã",
)
# Due in June: nothing in February.
TASK_6 = row(
    "6",
    "Công an xã",
    "Hoàng Minh Đức",
    "30/06/2026",
    "Hướng dẫn người dân sử dụng ứng dụng định danh điện tử VNeID",
)
# Due on the second day of the month: overdue for the rest of it.
TASK_7 = row(
    "7",
    "Phòng Văn hóa - Xã hội",
    "La Thị Mai",
    "03/02/2026",
    "Kiểm tra công tác cải cách hành chính tại các thôn của xã",
)
FEBRUARY_PLAN = [TASK_1, TASK_2, TASK_3, TASK_4, TASK_5, TASK_6, TASK_7]

# Who each task's deadline steps reach: (person, lead unit head).
P1, P2, P3 = ("huyenmt", "thaihv"), ("thaolt", "hungtv"), ("hoavt", "tienlv")
P7 = ("mailt", "hanhntb")
H1, H2, H3, H7 = ("thaihv",), ("hungtv",), ("tienlv",), ("hanhntb",)
SO, CH = STANDING_OFFICE, CHAIRMAN

# Working days from Monday 02/02 to Tuesday 10/03/2026: Tết takes 16–20/02.
WORKING_DAYS = [
    "02/02", "03/02", "04/02", "05/02", "06/02", "09/02", "10/02", "11/02", "12/02", "13/02",
    "23/02", "24/02", "25/02", "26/02", "27/02", "02/03", "03/03", "04/03", "05/03", "06/03",
    "09/03", "10/03",
]  # fmt: skip

# Deadline steps, February 2026 (first cycle Monday 02/02). Overdue steps count working days
# after the (moved) due date: head from day 1, standing office from 3, vice-chairman from 5,
# Chairman from 10, each again every 5 working days.
FEBRUARY_DEADLINES: list[LadderRow] = [
    ("02/02", "7", "before-1", P7),
    ("03/02", "7", "due-day", P7),
    ("04/02", "7", "overdue-lead-head", H7),  # day 1
    ("05/02", "2", "before-7", P2),  # 7 working days before Monday 23/02
    ("06/02", "1", "before-7", P1),
    ("06/02", "7", "overdue-standing-office", SO),  # day 3
    ("10/02", "7", "overdue-vice-chairman", VICE_VP),  # day 5
    ("11/02", "2", "before-3", P2),
    ("11/02", "3", "before-7", P3),  # 7 working days across Tết
    ("11/02", "7", "overdue-lead-head", H7),  # day 6: a week later
    ("12/02", "1", "before-3", P1),
    ("13/02", "2", "before-1", P2),  # the last working day before Tết
    ("13/02", "7", "overdue-standing-office", SO),  # day 8
    ("23/02", "1", "before-1", P1),
    ("23/02", "2", "due-day", P2),  # 14/02 moved to the first working day after Tết
    ("24/02", "1", "due-day", P1),
    ("24/02", "2", "overdue-lead-head", H2),
    ("24/02", "3", "before-3", P3),
    ("24/02", "7", "overdue-vice-chairman", VICE_VP),  # day 10
    ("24/02", "7", "overdue-chairman", CH),  # day 10
    ("25/02", "1", "overdue-lead-head", H1),
    ("25/02", "7", "overdue-lead-head", H7),  # day 11
    ("26/02", "2", "overdue-standing-office", SO),
    ("26/02", "3", "before-1", P3),
    ("27/02", "1", "overdue-standing-office", SO),
    ("27/02", "3", "due-day", P3),
    ("27/02", "7", "overdue-standing-office", SO),  # day 13
    ("02/03", "2", "overdue-vice-chairman", VICE_KT),
    ("02/03", "3", "overdue-lead-head", H3),
    ("03/03", "1", "overdue-vice-chairman", VICE_VP),
    ("03/03", "2", "overdue-lead-head", H2),  # day 6
    ("03/03", "7", "overdue-vice-chairman", VICE_VP),  # day 15
    ("03/03", "7", "overdue-chairman", CH),
    ("04/03", "1", "overdue-lead-head", H1),  # day 6
    ("04/03", "3", "overdue-standing-office", SO),
    ("04/03", "7", "overdue-lead-head", H7),  # day 16
    ("05/03", "2", "overdue-standing-office", SO),  # day 8
    ("06/03", "1", "overdue-standing-office", SO),  # day 8
    ("06/03", "3", "overdue-vice-chairman", VICE_KT),
    ("06/03", "7", "overdue-standing-office", SO),  # day 18
    ("09/03", "2", "overdue-vice-chairman", VICE_KT),  # day 10
    ("09/03", "2", "overdue-chairman", CH),
    ("09/03", "3", "overdue-lead-head", H3),  # day 6
    ("10/03", "1", "overdue-vice-chairman", VICE_VP),  # day 10
    ("10/03", "1", "overdue-chairman", CH),
    ("10/03", "2", "overdue-lead-head", H2),  # day 11
    ("10/03", "7", "overdue-vice-chairman", VICE_VP),  # day 20
    ("10/03", "7", "overdue-chairman", CH),
]

# Unclear tasks, found by the first cycle (02/02): the fixer every working day, the
# Chairman after 5 working days unfixed and every 5 after that.
FEBRUARY_UNCLEAR: list[LadderRow] = [
    *[(when, "4", "unclear-fixer", ("quangdv",)) for when in WORKING_DAYS],
    *[(when, "5", "unclear-fixer", SO) for when in WORKING_DAYS],
    *[
        (when, ref, "unclear-chairman", CH)
        for when in ("09/02", "23/02", "02/03", "09/03")
        for ref in ("4", "5")
    ],
]


def test_a_month_with_tet_sends_exactly_the_ladder(
    db_url: str, tmp_path: Path, mail_servers: Servers
) -> None:
    build_commune(db_url, tmp_path, FEBRUARY_PLAN)
    server = mail_servers()
    inbox = Inbox(server.handler)
    expected = expected_digests(FEBRUARY_DEADLINES + FEBRUARY_UNCLEAR)

    for on in days(day("02/02"), day("10/03")):  # every day, weekends and Tết included
        report = run_day(db_url, on, smtp_settings(server))

        mails = inbox.collect(on)
        wanted = {key: seen for key, seen in expected.items() if key[0] == on}
        assert {(m.day, m.to): m.seen for m in mails} == wanted, on
        assert len(mails) == len(wanted), on  # one digest per address and day
        assert (report.sent, report.deferred, report.failed) == (len(wanted), 0, 0), on
        assert list(report.findings) == [], on

    assert inbox.digests() == expected
    assert {mail.day for mail in inbox.mails} == {day(when) for when in WORKING_DAYS}
    assert all(mail.rcpt == (mail.to,) for mail in inbox.mails)
    assert set(inbox.message_ids().values()) == {1}
    for mail in inbox.mails:  # the most serious step picks the template
        assert ("[Cần chỉ đạo]" in mail.subject) == bool(mail.rules & ESCALATION_STEPS)
        assert mail.config_version == "2026-01-01"
    assert {status for _, status in ledger_rows(db_url)} == {"sent"}


# Deadlines around the swap of 2026: Saturday 22/08 is worked, Monday 31/08 is off (then
# 01/09 and 02/09, Quốc khánh). No unclear task.
AUGUST_PLAN = [
    # Due on the day off of the swap: moves to Thursday 03/09.
    row(
        "1",
        VP,
        "Ma Thị Huyền",
        "31/08/2026",
        "Rà soát quy trình nội bộ giải quyết thủ tục hành chính tại Văn phòng",
    ),
    # Due the Monday after the worked Saturday: before-1 falls on that Saturday.
    row(
        "2",
        "Phòng Kinh tế",
        "Lường Thị Thảo",
        "24/08/2026",
        "Xây dựng dự toán kinh phí cải cách hành chính năm 2027 của xã",
    ),
    # Due on the worked Saturday itself: a working day, nothing moves.
    row(
        "3",
        "Trung tâm Dịch vụ sự nghiệp công xã",
        "Vi Thị Hoa",
        "22/08/2026",
        "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực",
    ),
]
AUGUST_LADDER: list[LadderRow] = [
    ("13/08", "3", "before-7", P3),
    ("14/08", "2", "before-7", P2),
    ("19/08", "3", "before-3", P3),
    ("20/08", "2", "before-3", P2),
    ("21/08", "1", "before-7", P1),  # 22/08, 24–28/08, 03/09: seven working days
    ("21/08", "3", "before-1", P3),
    ("22/08", "2", "before-1", P2),  # the worked Saturday
    ("22/08", "3", "due-day", P3),  # the worked Saturday
    ("24/08", "2", "due-day", P2),
    ("24/08", "3", "overdue-lead-head", H3),
    ("25/08", "2", "overdue-lead-head", H2),
    ("26/08", "1", "before-3", P1),
    ("26/08", "3", "overdue-standing-office", SO),
    ("27/08", "2", "overdue-standing-office", SO),
    ("28/08", "1", "before-1", P1),  # the next working day is Thursday 03/09
    ("28/08", "3", "overdue-vice-chairman", VICE_KT),
    ("03/09", "1", "due-day", P1),
    ("03/09", "2", "overdue-vice-chairman", VICE_KT),
    ("03/09", "3", "overdue-lead-head", H3),
    ("04/09", "1", "overdue-lead-head", H1),
    ("04/09", "2", "overdue-lead-head", H2),
]


def test_the_swapped_days_of_august(sqlite_url: str, tmp_path: Path, mail_servers: Servers) -> None:
    build_commune(sqlite_url, tmp_path, AUGUST_PLAN)
    server = mail_servers()
    inbox = Inbox(server.handler)

    for on in days(day("13/08"), day("04/09")):
        run_day(sqlite_url, on, smtp_settings(server))
        inbox.collect(on)

    assert inbox.digests() == expected_digests(AUGUST_LADDER)


def test_digest_content(sqlite_url: str, tmp_path: Path, mail_servers: Servers) -> None:
    build_commune(sqlite_url, tmp_path, FEBRUARY_PLAN)
    server = mail_servers()
    inbox = Inbox(server.handler)
    for on in (day("23/02"), day("24/02")):
        run_day(sqlite_url, on, smtp_settings(server))
        inbox.collect(on)
    mail = {(m.day, m.to.split("@")[0]): m for m in inbox.mails}

    # The head of Phòng Kinh tế, on the day task 2's Tết deadline moved to.
    due = mail[day("23/02"), "hungtv"]
    assert due.subject == "[Sáu Rõ] Phòng Kinh tế: 1 nhiệm vụ đến hạn hôm nay — 23/02/2026"
    assert due.rules == {"due-day"}
    for line in (
        "Kính gửi: Triệu Văn Hùng — Trưởng phòng",
        "ĐẾN HẠN HÔM NAY (1)",
        "1. Nhiệm vụ 2: Xây dựng dự toán kinh phí cải cách hành chính năm 2026 của xã",
        "   Đơn vị chủ trì: Phòng Kinh tế",
        "   Thời hạn: 14/02/2026 (ngày nghỉ, tính đến hết ngày 23/02/2026)",
        "   Căn cứ nhắc: nhắc đúng ngày đến hạn",
    ):
        assert line in due.text.splitlines()

    # The head of the standing office: task 7 reached as head and as standing office is
    # one item naming both steps; task 5's missing deadline is hers to fix.
    office = mail[day("23/02"), "hanhntb"]
    assert office.subject == (
        "[Sáu Rõ][Cần chỉ đạo] Phòng Văn hóa - Xã hội: 1 nhiệm vụ quá hạn, "
        "1 nhiệm vụ chưa đạt 6 rõ — 23/02/2026"
    )
    assert office.rules == {"overdue-lead-head", "overdue-standing-office", "unclear-fixer"}
    lines = office.text.splitlines()
    for line in (
        "QUÁ HẠN (1)",
        "   Quá hạn: 9 ngày làm việc",
        "   Căn cứ nhắc: quá hạn từ 1 ngày làm việc, nhắc lại hằng tuần; quá hạn từ 3 ngày "
        "làm việc, nhắc lại hằng tuần — báo cơ quan thường trực CCHC",
        "CHƯA ĐẠT 6 RÕ (1)",
        "   Thời hạn: chưa xác định",
        "   Cần làm rõ: Rõ thời gian",
    ):
        assert line in lines

    # The Chairman, on the tenth working day task 7 is late.
    chairman = mail[day("24/02"), "chutich"]
    assert chairman.subject.startswith("[Sáu Rõ][Cần chỉ đạo] ")
    assert "Kính gửi: Hà Văn Phú — Chủ tịch UBND xã" in chairman.text
    assert "   Quá hạn: 10 ngày làm việc" in chairman.text.splitlines()
    assert chairman.html is not None
    assert "Kiểm tra công tác cải cách hành chính tại các thôn của xã" in chairman.html
    assert len(inbox.mails) == len(inbox.digests())  # one mail per address and day


# -- re-runs, outages, refusals, crashes ------------------------------------------------------


def test_a_cycle_run_twice_sends_each_message_once(
    db_url: str, tmp_path: Path, mail_servers: Servers
) -> None:
    build_commune(db_url, tmp_path, FEBRUARY_PLAN)
    server = mail_servers()
    inbox = Inbox(server.handler)
    on = day("06/02")

    first = run_day(db_url, on, smtp_settings(server))
    repeated = run_day(db_url, on, smtp_settings(server))  # the day's lease: skipped
    second = run_day(db_url, on, smtp_settings(server), again=True)  # the ledger: none twice
    sent = inbox.collect(on)

    # 06/02: task 1 before-7; task 2 before-7 caught up; task 7 overdue to the standing office;
    # tasks 4 and 5 unclear (found today).
    assert sorted(m.to.split("@")[0] for m in sent) == [
        "hanhntb", "hungtv", "huyenmt", "khanhdv", "mailt", "quangdv", "thaihv", "thaolt",
    ]  # fmt: skip
    assert first.sent == len(sent)
    assert (repeated.planned, repeated.sent, repeated.organizations) == (0, 0, 0)
    assert repeated.skipped == [
        f"{ORG}: chu trình nhắc việc hôm nay đã chạy xong lúc "
        f"{repeated.skipped[0].split('lúc ')[1][:5]}; bỏ qua."
    ]
    assert "- xuan-duong: chu trình nhắc việc hôm nay đã chạy xong" in repeated.summary()
    assert (second.planned, second.sent, second.already_sent) == (first.planned, 0, len(sent))
    assert list(second.messages) == []
    assert "đã gửi 0" in second.summary()
    assert f"đã gửi từ trước {len(sent)}" in second.summary()

    # Later the same day, and on Saturday: the same steps are planned, nothing goes out.
    evening = datetime(2026, 2, 6, 18, 30, tzinfo=VN)
    late = asyncio.run(
        run_cycle(
            database_url=db_url,
            config_dir=CONFIG,
            org_code=ORG,
            now=evening,
            smtp=smtp_settings(server),
            again=True,
        )
    )
    saturday = run_day(db_url, day("07/02"), smtp_settings(server))
    assert (late.sent, saturday.sent) == (0, 0)
    assert inbox.collect(day("07/02")) == []


def test_smtp_down_for_two_days_then_up(db_url: str, tmp_path: Path, mail_servers: Servers) -> None:
    build_commune(db_url, tmp_path, [TASK_1, TASK_2, TASK_3])
    server = mail_servers(started=False)
    inbox = Inbox(server.handler)

    thursday = run_day(db_url, day("05/02"), smtp_settings(server))  # task 2 before-7
    friday = run_day(db_url, day("06/02"), smtp_settings(server))  # and task 1 before-7

    assert (thursday.sent, thursday.deferred) == (0, 2)
    assert (friday.sent, friday.deferred) == (0, 4)
    assert "để lại cho lượt sau 4" in friday.summary()
    assert "không kết nối được máy chủ thư 127.0.0.1" in friday.summary()
    assert {status for _, status in ledger_rows(db_url)} == {"deferred"}

    server.start()
    saturday = run_day(db_url, day("07/02"), smtp_settings(server))
    assert (saturday.sent, saturday.deferred) == (4, 0)
    inbox.collect(day("07/02"))
    for on in days(day("08/02"), day("11/02")):
        run_day(db_url, on, smtp_settings(server))
        inbox.collect(on)

    # What the outage held back arrives once, on the first run after it; then the ladder
    # goes on as if nothing had happened.
    assert inbox.digests() == expected_digests(
        [
            ("07/02", "2", "before-7", P2),
            ("07/02", "1", "before-7", P1),
            ("11/02", "2", "before-3", P2),
            ("11/02", "3", "before-7", P3),
        ]
    )
    assert {status for _, status in ledger_rows(db_url)} == {"sent"}


def test_a_reminder_held_back_on_its_day_still_arrives_after_the_outage(
    sqlite_url: str, tmp_path: Path, mail_servers: Servers
) -> None:
    """The due-day reminder deferred by an outage is not replaced by the next day's
    overdue escalation: the held message goes out as it was, once."""
    build_commune(sqlite_url, tmp_path, [TASK_1])
    server = mail_servers(started=False)
    inbox = Inbox(server.handler)

    due_day = run_day(sqlite_url, day("24/02"), smtp_settings(server))
    assert (due_day.sent, due_day.deferred) == (0, 2)

    server.start()
    run_day(sqlite_url, day("25/02"), smtp_settings(server))
    inbox.collect(day("25/02"))
    run_day(sqlite_url, day("26/02"), smtp_settings(server))
    inbox.collect(day("26/02"))

    received = sorted((m.day, m.to.split("@")[0], "".join(sorted(m.rules))) for m in inbox.mails)
    assert received == [
        (day("25/02"), "huyenmt", "due-day"),
        (day("25/02"), "thaihv", "due-day"),
        (day("25/02"), "thaihv", "overdue-lead-head"),
    ]
    assert {status for _, status in ledger_rows(sqlite_url)} == {"sent"}


def test_a_temporary_refusal_then_success(
    db_url: str, tmp_path: Path, mail_servers: Servers
) -> None:
    build_commune(db_url, tmp_path, [TASK_1, TASK_2])
    server = mail_servers()
    server.handler.refuse("451 4.3.0 Hệ thống đang bận, thử lại sau", 2)

    report = run_day(db_url, day("06/02"), smtp_settings(server, smtp_concurrency=1))

    # hungtv comes first (digests go out by address): refused twice, taken the third time.
    assert (report.sent, report.deferred, report.failed) == (4, 0, 0)
    assert [note.attempts for note in report.messages] == [3, 1, 1, 1]
    inbox = Inbox(server.handler)
    assert sorted(m.to.split("@")[0] for m in inbox.collect(day("06/02"))) == [
        "hungtv", "huyenmt", "thaihv", "thaolt",
    ]  # fmt: skip
    assert run_day(db_url, day("06/02"), smtp_settings(server)).sent == 0


def test_a_permanent_refusal_is_reported_and_never_retried(
    db_url: str, tmp_path: Path, mail_servers: Servers
) -> None:
    build_commune(db_url, tmp_path, [TASK_1, TASK_2])
    server = mail_servers()
    server.handler.reject("thaihv" + DOMAIN)
    inbox = Inbox(server.handler)

    report = run_day(db_url, day("06/02"), smtp_settings(server))

    assert (report.failed, report.deferred) == (1, 0)
    mails = inbox.collect(day("06/02"))
    notice = next(m for m in mails if m.subject.startswith("[Sáu Rõ] 1 thư nhắc việc"))
    assert sorted(notice.rcpt) == sorted(local + DOMAIN for local in STANDING_OFFICE)
    assert "thaihv" + DOMAIN in notice.text
    assert "550" in notice.text
    assert sorted(m.to.split("@")[0] for m in mails if m is not notice) == [
        "hungtv", "huyenmt", "thaolt",
    ]  # fmt: skip
    failed = [key for key, status in ledger_rows(db_url) if status == "failed"]
    assert failed == ["task:1|before-7|0|lead_head|v1|to:thaihv" + DOMAIN]

    # The same day again, and Saturday (the step is still planned): not retried, no notice.
    for on in (day("06/02"), day("07/02")):
        again = run_day(db_url, on, smtp_settings(server))
        assert (list(again.messages), again.failed) == ([], 0)
    assert inbox.collect(day("07/02")) == []


# The first cycle ever run, on Tuesday 24/02: every address that gets a digest, in the order
# they go out (by address).
FIRST_RUN_24_02 = [
    "chutich", "hanhntb", "hoavt", "hungtv", "huyenmt", "khanhdv", "mailt", "quangdv",
    "thaihv", "tienlv", "trangdtt",
]  # fmt: skip


@dataclass
class KillingHandler(ScriptedHandler):
    """Kills the cycle's process on the ``kill_at``-th DATA command, before answering it:
    that message is in flight. ``keep`` records it first (the server has it, the sender's
    ledger does not), else it is lost with the connection."""

    kill_at: int = 0
    keep: bool = True
    process: subprocess.Popen[bytes] | None = None
    data_commands: int = 0

    async def handle_DATA(  # noqa: N802  (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.data_commands += 1
        if self.data_commands != self.kill_at or self.process is None:
            return await super().handle_DATA(server, session, envelope)
        if self.keep:
            await super().handle_DATA(server, session, envelope)
        self.process.kill()
        self.process.wait()
        return "421 4.3.0 Đóng kết nối"


@pytest.mark.parametrize("keep", [True, False], ids=["server-has-it", "server-lost-it"])
def test_a_cycle_killed_during_delivery_then_run_again(
    db_url: str, tmp_path: Path, mail_servers: Servers, keep: bool
) -> None:
    build_commune(db_url, tmp_path, FEBRUARY_PLAN)
    handler = KillingHandler(kill_at=4, keep=keep)
    server = mail_servers(handler=handler)
    on = day("24/02")
    command = [sys.executable, str(CHILD), db_url, str(CONFIG), morning(on).isoformat()]
    handler.process = subprocess.Popen([*command, str(server.port)], stdout=subprocess.PIPE)
    handler.process.wait(timeout=60)
    assert handler.process.returncode == -signal.SIGKILL

    inbox = Inbox(handler)
    assert [m.to.split("@")[0] for m in inbox.collect(on)] == FIRST_RUN_24_02[: 3 + keep]
    in_flight = "hungtv" + DOMAIN
    assert [s for k, s in ledger_rows(db_url) if k.endswith(in_flight)] == ["sending"]

    # Restarted at once: the claim of the message in flight holds, the rest goes out.
    restarted = run_day(db_url, on, smtp_settings(server))
    assert restarted.sent == len(FIRST_RUN_24_02) - 4
    assert in_flight not in str([m.to for m in restarted.messages])
    # After the lease (10 minutes on the ledger's clock): the message in flight goes out.
    later = datetime.now(UTC) + timedelta(minutes=11)
    after_lease = run_day(db_url, on, smtp_settings(server), clock=lambda: later)
    assert [m.to for m in after_lease.messages] == [(Mailbox(in_flight, "Triệu Văn Hùng"),)]
    assert list(run_day(db_url, on, smtp_settings(server), clock=lambda: later).messages) == []

    inbox.collect(on)
    got = Counter(m.to.split("@")[0] for m in inbox.mails)
    assert sorted(got) == FIRST_RUN_24_02  # nothing lost
    assert {a for a, n in got.items() if n > 1} == ({"hungtv"} if keep else set())
    assert max(got.values()) <= 2
    # The duplicate is the same message: mail clients fold it on its Message-ID.
    assert len(inbox.message_ids()) == len(FIRST_RUN_24_02)
    assert {status for _, status in ledger_rows(db_url)} == {"sent"}


# -- extensions -------------------------------------------------------------------------------

EXTENSION_PLAN = [
    row(
        "1",
        VP,
        "Ma Thị Huyền",
        "25/02/2026",
        "Tổng hợp kết quả tự đánh giá chỉ số cải cách hành chính năm 2025",
    ),
]
EXTENSION_LADDER: list[LadderRow] = [
    ("23/02", "1", "before-3", P1),  # the first cycle catches up the latest reminder
    ("24/02", "1", "before-1", P1),
    ("25/02", "1", "due-day", P1),  # the officer asks for 06/03
    ("26/02", "1", "overdue-lead-head", H1),  # the Chairman approves in the afternoon
    ("27/02", "1", "before-7", P1),  # 06/03 is 5 working days away: the latest step
    # 02/03 (old date, day 3: standing office) and 04/03 (day 5: vice-chairman): nothing
    ("03/03", "1", "before-3", P1),
    ("05/03", "1", "before-1", P1),
    ("06/03", "1", "due-day", P1),
    ("09/03", "1", "overdue-lead-head", H1),
]


def test_an_approved_extension_rearms_the_ladder(
    db_url: str, tmp_path: Path, mail_servers: Servers
) -> None:
    build_commune(db_url, tmp_path, EXTENSION_PLAN)
    server = mail_servers()
    inbox = Inbox(server.handler)
    calendar = WorkCalendar(load_calendar(CONFIG / "calendar.yaml"))
    engine = make_engine(db_url)
    request_id = 0

    for on in days(day("23/02"), day("09/03")):
        run_day(db_url, on, smtp_settings(server))
        inbox.collect(on)
        if on == day("25/02"):
            with session_scope(engine) as session:
                task_id = find_task_id(session, org_code=ORG, ref="1")
                request = request_extension(
                    session=session,
                    task_id=task_id,
                    new_due=day("06/03"),
                    reason="Chờ số liệu tự đánh giá của các đơn vị",
                    actor=Actor(name="Ma Thị Huyền", source="test_reminders"),
                    now=datetime(2026, 2, 25, 10, 0, tzinfo=VN),
                    calendar=calendar,
                )
                request_id = request.id or 0
        if on == day("26/02"):
            with session_scope(engine) as session:
                decide_extension(
                    session=session,
                    request_id=request_id,
                    approve=True,
                    decider="Hà Văn Phú",
                    note="Đồng ý gia hạn",
                    actor=Actor(name="Hà Văn Phú", source="test_reminders"),
                    now=datetime(2026, 2, 26, 16, 0, tzinfo=VN),
                )
    engine.dispose()

    # The request is news to the Vice-Chairman in charge: folded into the next morning's
    # digest (her only item that day); the decision joins the requester's digest of 27/02.
    expected = expected_digests(EXTENSION_LADDER)
    vice = (day("26/02"), "trangdtt" + DOMAIN)
    expected[vice] = Seen(frozenset(), frozenset())
    assert inbox.digests() == expected
    told = {(m.day, m.to): m.text for m in inbox.mails}
    assert "VIỆC MỚI CỦA BẠN (1)" in told[vice]
    assert "1. Đề nghị gia hạn nhiệm vụ 1 chờ quyết định" in told[vice]
    decided = told[day("27/02"), "huyenmt" + DOMAIN]
    assert "Đề nghị gia hạn nhiệm vụ 1 được đồng ý" in decided
    rearmed = [m for m in inbox.mails if m.day >= day("27/02")]
    assert all("   Thời hạn: 06/03/2026" in m.text.splitlines() for m in rearmed)
    keys = [key for key, _ in ledger_rows(db_url)]
    assert sum("|v2|" in key for key in keys) == 2 * 4 + 1
    assert not [k for k in keys if "|v1|" in k and "overdue-" in k and "lead-head" not in k]


# -- addresses and files ----------------------------------------------------------------------


def test_a_person_without_an_address_is_reported_to_the_standing_office(
    db_url: str, tmp_path: Path, mail_servers: Servers
) -> None:
    build_commune(db_url, tmp_path, [TASK_1, TASK_4])
    # Stale directory data: the head of Văn phòng lost his address, the head of the Trung
    # tâm Phục vụ hành chính công left and nobody replaced him yet.
    execute(db_url, "UPDATE person SET email = '' WHERE email = :old", old="thaihv" + DOMAIN)
    execute(db_url, "UPDATE person SET active = false WHERE email = :old", old="quangdv" + DOMAIN)
    server = mail_servers()
    inbox = Inbox(server.handler)

    report = run_day(db_url, day("06/02"), smtp_settings(server))

    assert list(report.findings) == [
        "Thủ trưởng Trung tâm Phục vụ hành chính công xã: chưa xác định được người nhận "
        "trong danh mục; chưa gửi được thư về nhiệm vụ 4",
        "Thủ trưởng Văn phòng HĐND và UBND xã (Hoàng Văn Thái) chưa có địa chỉ thư điện tử; "
        "chưa gửi được thư về nhiệm vụ 1",
    ]
    assert "! Thủ trưởng Văn phòng HĐND và UBND xã (Hoàng Văn Thái)" in report.summary()
    mails = inbox.collect(day("06/02"))
    (notice,) = [m for m in mails if m.subject.startswith("[Sáu Rõ] 2 người nhận")]
    assert notice.subject == "[Sáu Rõ] 2 người nhận chưa có địa chỉ thư hợp lệ"
    assert sorted(notice.rcpt) == sorted(local + DOMAIN for local in STANDING_OFFICE)
    for finding in report.findings:
        assert f"- {finding}" in notice.text
    # The officer still gets her reminder.
    assert [m.to for m in mails if m is not notice] == ["huyenmt" + DOMAIN]

    again = run_day(db_url, day("06/02"), smtp_settings(server), again=True)
    assert (list(again.messages), len(again.findings)) == ([], 2)
    assert inbox.collect(day("06/02")) == []


def _eml(path: Path) -> EmailMessage:
    raw = path.read_bytes().replace(b"\r\n", b"\n")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_without_smtp_messages_are_eml_files(sqlite_url: str, tmp_path: Path) -> None:
    build_commune(sqlite_url, tmp_path, [TASK_1, TASK_2])
    outbox = tmp_path / "outbox"
    settings = SmtpSettings(smtp_host="", outbox_dir=outbox)

    report = run_day(sqlite_url, day("06/02"), settings)

    files = sorted(outbox.glob("*.eml"))
    assert report.sent == len(files) == 4
    assert sorted(m.message_id for m in report.messages) == [f.stem for f in files]
    by_address = {parseaddr(str(m["To"]))[1].split("@")[0]: m for m in map(_eml, files)}
    message = by_address["huyenmt"]
    assert str(message["To"]) == "Ma Thị Huyền <huyenmt@xuanduong.example.vn>"
    assert str(message["Subject"]) == (
        "[Sáu Rõ] Văn phòng HĐND và UBND xã: 1 nhiệm vụ sắp đến hạn — 06/02/2026"
    )
    assert message["X-Sauro-Rules"] == "before-7"
    assert message["X-Sauro-Config-Version"] == "2026-01-01"
    assert [_eml(f)["Message-ID"] for f in files] == [f"<{f.stem}@localhost>" for f in files]
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Kính gửi: Ma Thị Huyền — Công chức Văn phòng - Thống kê" in text
    assert "1. Nhiệm vụ 1: Rà soát quy trình nội bộ giải quyết thủ tục hành chính" in text
    assert "Căn cứ nhắc: nhắc trước hạn 7 ngày làm việc" in text
    assert "before-7" not in text and "2026-01-01" not in text  # codes stay in the headers
    moved = by_address["thaolt"].get_body(("plain",))
    assert moved is not None
    assert "Thời hạn: 14/02/2026 (ngày nghỉ, tính đến hết ngày 23/02/2026)" in moved.get_content()

    assert list(run_day(sqlite_url, day("06/02"), settings).messages) == []
    assert sorted(outbox.glob("*.eml")) == files


def test_a_dry_run_plans_and_writes_nothing(
    sqlite_url: str, tmp_path: Path, mail_servers: Servers
) -> None:
    build_commune(sqlite_url, tmp_path, FEBRUARY_PLAN)
    server = mail_servers()
    before = snapshot(sqlite_url)

    report = run_day(sqlite_url, day("06/02"), smtp_settings(server), dry_run=True)

    assert (report.dry_run, report.delivery) == (True, None)
    assert len(report.messages) == 8  # as test_a_cycle_run_twice_sends_each_message_once
    assert "(chạy thử: không gửi)" in report.summary()
    assert server.handler.received == []
    assert snapshot(sqlite_url) == before  # not even the unclear verdicts
