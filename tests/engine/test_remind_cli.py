"""``sauro remind`` and ``sauro rules preview`` run in-process on a real database (SQLite
file and PostgreSQL), delivering to a real SMTP server (aiosmtpd on 127.0.0.1) or to
``.eml`` files, with the SMTP settings read from ``SAURO_SMTP_*`` as in production."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from email.utils import parseaddr
from pathlib import Path

from freezegun import freeze_time
from reminder_support import (
    DOMAIN,
    HEADER,
    ORG,
    PLAN_DATE,
    PLAN_NUMBER,
    THREE_TASKS,
    Inbox,
    day,
)
from sauro_support import Sauro, snapshot, write_csv
from smtp_support import SmtpTestServer
from typer.testing import Result

from engine.cli import app
from notifications.digest import Section

Servers = Callable[..., SmtpTestServer]

AT = "2026-02-06T07:00"
RECIPIENTS = ["hanhntb", "hungtv", "huyenmt", "khanhdv", "mailt", "thaihv", "thaolt"]
PLANNED = 5  # 2 + 2 reminders, and 1 unclear to the standing office (3 people)


def _loaded(sauro: Sauro, folder: Path) -> Sauro:
    """``sauro init``, then the plan imported from CSV with its number and date, early on
    the morning of the cycles below: the import stores the verdicts, so task 3 is unclear
    from that day (an import later than the cycle's instant would be from its future)."""
    sauro.ok("init")
    path = write_csv(folder / "ke_hoach.csv", [HEADER, *[list(r) for r in THREE_TASKS]])
    options = ("--org", ORG, "--plan-number", PLAN_NUMBER, "--plan-date", PLAN_DATE.isoformat())
    with freeze_time("2026-02-06 06:00:00+07:00"):
        sauro.ok("import", path, *options)
    return sauro


def _run(sauro: Sauro, env: dict[str, str], *args: str) -> Result:
    """``sauro …`` with extra environment variables (the SMTP settings)."""
    full = {"SAURO_DATABASE_URL": sauro.url, "SAURO_CONFIG_DIR": str(sauro.config_dir), **env}
    return sauro.runner.invoke(app, list(args), env=full, catch_exceptions=False)


def _smtp_env(server: SmtpTestServer) -> dict[str, str]:
    return {
        "SAURO_SMTP_HOST": "127.0.0.1",
        "SAURO_SMTP_PORT": str(server.port),
        "SAURO_SMTP_SECURITY": "none",
        "SAURO_SMTP_SENDER": "Văn phòng UBND <vanphong@ubnd.example.vn>",
        "SAURO_SMTP_TIMEOUT": "5",
    }


def test_remind_twice_at_the_same_instant_sends_each_digest_once(
    sauro: Sauro, tmp_path: Path, mail_servers: Servers
) -> None:
    _loaded(sauro, tmp_path)
    server = mail_servers()
    env = _smtp_env(server)

    first = _run(sauro, env, "remind", "--org", ORG, "--at", AT)
    repeated = _run(sauro, env, "remind", "--org", ORG, "--at", AT)
    second = _run(sauro, env, "remind", "--org", ORG, "--at", AT, "--again", "--json")

    assert first.exit_code == 0, first.output
    assert first.stdout == (
        f"Ngày 06/02/2026: {PLANNED} lượt nhắc theo quy tắc, gom thành 7 thư; đã gửi 7, "
        "để lại cho lượt sau 0, không gửi được 0, đã gửi từ trước 0.\n"
    )
    assert repeated.exit_code == 0, repeated.output
    assert repeated.stdout.startswith(
        "Ngày 06/02/2026: 0 lượt nhắc theo quy tắc, gom thành 0 thư; đã gửi 0, "
    )
    assert f"- {ORG}: chu trình nhắc việc hôm nay đã chạy xong lúc " in repeated.stdout
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)
    assert {k: report[k] for k in ("today", "planned", "messages", "sent", "already_sent")} == {
        "today": "2026-02-06",
        "planned": PLANNED,
        "messages": 0,
        "sent": 0,
        "already_sent": 7,
    }
    mails = Inbox(server.handler).collect(day("06/02"))
    assert sorted(m.to.split("@")[0] for m in mails) == RECIPIENTS


def test_rules_preview_lists_the_mail_and_writes_nothing(
    sauro: Sauro, tmp_path: Path, mail_servers: Servers
) -> None:
    _loaded(sauro, tmp_path)
    server = mail_servers()
    outbox = tmp_path / "thu-di"
    env = {**_smtp_env(server), "SAURO_OUTBOX_DIR": str(outbox)}
    before = snapshot(sauro.url)

    preview = _run(sauro, env, "rules", "preview", "--org", ORG, "--at", AT)
    as_json = _run(sauro, env, "rules", "preview", "--at", "2026-02-06T00:30:00+00:00", "--json")
    dry_run = _run(sauro, env, "remind", "--at", AT, "--dry-run")

    assert preview.exit_code == 0, preview.output
    lines = preview.stdout.splitlines()
    assert lines[0] == (
        f"Ngày 06/02/2026: {PLANNED} lượt nhắc theo quy tắc, gom thành 7 thư (chạy thử: không gửi)."
    )
    assert "- [Sáu Rõ] Văn phòng HĐND và UBND xã: 1 nhiệm vụ sắp đến hạn — 06/02/2026" in lines
    assert "- [Sáu Rõ] Phòng Văn hóa - Xã hội: 1 nhiệm vụ chưa đạt 6 rõ — 06/02/2026" in lines
    # 00:30 UTC is 07:30 in Viet Nam: the same day, the same mail.
    report = json.loads(as_json.stdout)
    assert (report["dry_run"], report["today"], report["sent"]) == (True, "2026-02-06", 0)
    addresses = sorted(parseaddr(m["to"][0])[1] for m in report["outbox"])
    assert addresses == [local + DOMAIN for local in RECIPIENTS]
    assert all(m["ledger_keys"] for m in report["outbox"])
    assert dry_run.stdout == preview.stdout

    assert snapshot(sauro.url) == before  # not a verdict, not a ledger row
    assert server.handler.received == []
    assert not outbox.exists()


def test_without_smtp_remind_writes_eml_files(sauro: Sauro, tmp_path: Path) -> None:
    _loaded(sauro, tmp_path)
    outbox = tmp_path / "thu-di"
    env = {"SAURO_SMTP_HOST": "", "SAURO_OUTBOX_DIR": str(outbox)}

    result = _run(sauro, env, "remind", "--org", ORG, "--at", AT, "--json")
    again = _run(sauro, env, "remind", "--org", ORG, "--at", AT, "--json")

    assert json.loads(result.stdout)["sent"] == 7
    assert json.loads(again.stdout)["sent"] == 0
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 7
    texts = [f.read_bytes() for f in files]
    assert all(
        b"X-Sauro-Rules: " in t and b"X-Sauro-Config-Version: 2026-01-01" in t for t in texts
    )


def test_a_malformed_instant_is_refused_in_vietnamese(sauro: Sauro, tmp_path: Path) -> None:
    _loaded(sauro, tmp_path)
    before = snapshot(sauro.url)

    result = _run(sauro, {"SAURO_SMTP_HOST": ""}, "remind", "--at", "06/02/2026")

    assert result.exit_code == 2
    assert "Lỗi: Thời điểm '06/02/2026' không hợp lệ" in result.stderr
    assert "--at: cần dạng YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM" in result.stderr
    assert snapshot(sauro.url) == before


# -- a task given to someone is told once, in the next digest ----------------------------------

GIVEN_AT = "2026-02-05T15:00"  # Thursday afternoon, after that day's cycle


def _given_digests(sauro: Sauro, tmp_path: Path, server: SmtpTestServer, *extra: str) -> Inbox:
    """Task 3 (Phòng Văn hóa - Xã hội) given to La Thị Mai, then two cycles on Friday."""
    _loaded(sauro, tmp_path)
    given = sauro.ok(
        "task", "delegate", "3", "--to", "La Thị Mai", "--reason", "Anh Khánh đi học",
        "--org", ORG, "--at", GIVEN_AT, *extra,
    )  # fmt: skip
    assert given.stdout == "Đã giao cho La Thị Mai: 3.\n"
    env = _smtp_env(server)
    for _ in range(2):
        assert _run(sauro, env, "remind", "--org", ORG, "--at", AT).exit_code == 0
    inbox = Inbox(server.handler)
    inbox.collect(day("06/02"))
    return inbox


def _news_of(inbox: Inbox, on: date, local: str) -> str:
    """The "Việc mới của bạn" part of one person's digest of the day ("" when none)."""
    mails = [m for m in inbox.mails if (m.day, m.to) == (on, local + DOMAIN)]
    assert len(mails) <= 1
    text = mails[0].text if mails else ""
    return text.split("VIỆC MỚI CỦA BẠN", 1)[1].split("\n\n\n", 1)[0] if "VIỆC MỚI" in text else ""


def test_the_new_person_and_the_unit_head_hear_of_the_task_once(
    sauro: Sauro, tmp_path: Path, mail_servers: Servers
) -> None:
    server = mail_servers()
    inbox = _given_digests(sauro, tmp_path, server)
    inbox.digests()  # one mail a day each, the second cycle sends nothing again
    friday = day("06/02")
    assert "Nhiệm vụ 3 giao cho La Thị Mai thực hiện" in _news_of(inbox, friday, "mailt")
    # Given by the standing office: the unit head hears of it as well.
    assert "Nhiệm vụ 3 giao cho La Thị Mai thực hiện" in _news_of(inbox, friday, "hanhntb")
    # The one it was taken from hears it is no longer his.
    assert "Nhiệm vụ 3 đã giao lại cho La Thị Mai" in _news_of(inbox, friday, "khanhdv")
    mail = next(m for m in inbox.mails if m.to == "mailt" + DOMAIN)
    assert "Việc mới của bạn" in mail.html


def test_a_unit_head_who_gives_the_task_is_not_told_of_it(
    sauro: Sauro, tmp_path: Path, mail_servers: Servers
) -> None:
    server = mail_servers()
    inbox = _given_digests(sauro, tmp_path, server, "--as", "Nông Thị Bích Hạnh")
    friday = day("06/02")
    assert "Nhiệm vụ 3 giao cho La Thị Mai" in _news_of(inbox, friday, "mailt")
    assert "Nhiệm vụ 3 giao cho" not in _news_of(inbox, friday, "hanhntb")


# -- a completed task waits for acceptance: its acceptor is reminded, a return is told ---------

DONE_AT = "2026-02-02T15:00"  # Monday afternoon


def test_the_acceptor_is_reminded_and_a_returned_result_is_told(
    sauro: Sauro, tmp_path: Path, mail_servers: Servers
) -> None:
    server = mail_servers()
    _loaded(sauro, tmp_path)
    sauro.ok(
        "task", "delegate", "3", "--to", "La Thị Mai", "--reason", "Anh Khánh đi học",
        "--org", ORG, "--at", "2026-01-30T09:00",
    )  # fmt: skip
    done = sauro.ok(
        "task", "done", "3", "--result", "Đã ban hành kế hoạch", "--evidence",
        "Kế hoạch số 9/KH-UBND ngày 02/02/2026", "--as", "La Thị Mai", "--org", ORG,
        "--at", DONE_AT,
    )  # fmt: skip
    assert "chờ người có thẩm quyền xác nhận kết quả" in done.stdout
    env = _smtp_env(server)
    assert _run(sauro, env, "remind", "--org", ORG, "--at", "2026-02-04T07:00").exit_code == 0
    inbox = Inbox(server.handler)
    inbox.collect(day("04/02"))
    digests = inbox.digests()
    # the Vice-Chairman in charge of Phòng Văn hóa - Xã hội accepts its results
    trang = digests[(day("04/02"), "trangdtt" + DOMAIN)]
    assert (Section.AWAITING, "3") in trang.items
    assert all(ref != "3" or section is Section.AWAITING for section, ref in trang.items)
    returned = sauro.ok(
        "task", "return", "3", "--reason", "Thiếu phụ lục phân công", "--as",
        "Đinh Thị Thu Trang", "--org", ORG, "--at", "2026-02-04T10:00",
    )  # fmt: skip
    assert "trở lại đang thực hiện" in returned.stdout
    assert _run(sauro, env, "remind", "--org", ORG, "--at", "2026-02-05T07:00").exit_code == 0
    inbox.collect(day("05/02"))
    inbox.digests()  # one mail a day each
    for local in ("mailt", "hanhntb"):
        news = _news_of(inbox, day("05/02"), local)
        assert "Kết quả nhiệm vụ 3 bị trả lại" in news
        assert "Lý do: Thiếu phụ lục phân công" in news
    shown = sauro.ok("task", "show", "3", "--org", ORG, "--at", "2026-02-05T08:00").stdout
    assert "trả lại kết quả" in shown and "Thiếu phụ lục phân công" in shown
