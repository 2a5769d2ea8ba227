"""Two ``sauro serve`` on one database (issue 13, item 2), on SQLite and PostgreSQL, with
four communes and their mail to an SMTP server on 127.0.0.1 that records every message.

Each organization's cycle first takes its lease for (organization, day, kind): whichever
process comes second to an organization skips it and says so ("- xa-0001: chu trình
nhắc việc hôm nay đang do lượt chạy khác thực hiện …" or "… đã chạy xong …").

1. Two ``sauro serve --once --at 2026-06-15T07:00:00+07:00`` started together: every
   organization run by exactly one of them, skipped by the other, every digest once.
2. Two embedded schedulers (``serve_twin.py``: ``sauro serve``'s own scheduler, its clock
   frozen and ticking) started together on one job store and firing at 07:00: every digest
   once, every organization run once. Both share the job table, as two ``sauro serve`` on
   one database do: the second fires only if it reads the job before the first moves it to
   the next working day; if it fires, it skips every organization the first holds.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from prefect_stack import SAURO, Received, smtp_server
from sqlalchemy import func, select

import engine.store.models as m
from engine.calendar.status import VN
from engine.store.db import make_engine

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "bench"))
from province import build_province, org_code  # noqa: E402

NOW = datetime(2026, 6, 15, 7, 0, tzinfo=VN)  # a Monday, a working day
ORGS = 4
CODES = [org_code(n) for n in range(1, ORGS + 1)]
SKIP = re.compile(
    r"- (xa-\d{4}): chu trình nhắc việc hôm nay (đang do lượt chạy khác|đã chạy xong)"
)


def _env(db_url: str, tmp_path: Path, smtp_port: int) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "SAURO_DATABASE_URL": db_url,
        "SAURO_CONFIG_DIR": str(REPO / "config"),
        "SAURO_OUTBOX_DIR": str(tmp_path / "outbox"),
        "SAURO_SMTP_HOST": "127.0.0.1",
        "SAURO_SMTP_PORT": str(smtp_port),
        "SAURO_SMTP_SECURITY": "none",
        "SAURO_SMTP_SENDER": "Sáu Rõ <sauro@example.vn>",
    }


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _province(db_url: str) -> None:
    engine = make_engine(db_url)
    build_province(engine, orgs=ORGS, tasks_per_org=40, now=NOW)
    engine.dispose()


def _runs(db_url: str) -> list[tuple[str, bool, int]]:
    """(org code, finished, takeovers) of the day's reminder leases."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(m.Organization.code, m.CycleRun.finished_at, m.CycleRun.takeovers)  # type: ignore[call-overload]
                .join(m.Organization, m.Organization.id == m.CycleRun.organization_id)
                .where(m.CycleRun.day == NOW.date(), m.CycleRun.kind == "reminders")
                .order_by(m.Organization.code)
            ).all()
            total = connection.execute(select(func.count()).select_from(m.CycleRun)).scalar_one()
    finally:
        engine.dispose()
    assert total == len(rows)
    return [(code, finished is not None, takeovers) for code, finished, takeovers in rows]


def _assert_each_mail_once(received: Received) -> None:
    assert received.messages, "no mail arrived"
    assert received.duplicates() == {}
    assert {to.split("@")[1] for to in received.recipients()} == {f"{c}.example.vn" for c in CODES}


def test_two_serve_once_at_the_same_minute(db_url: str, tmp_path: Path) -> None:
    _province(db_url)
    with smtp_server() as (port, received):
        env = _env(db_url, tmp_path, port)
        command = [SAURO, "serve", "--once", "--at", NOW.isoformat()]
        processes = [_start(command, env) for _ in range(2)]
        outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    skipped = [code for output in outputs for code, _ in SKIP.findall(output)]
    # Every organization skipped by exactly one of the two: the other ran it.
    assert sorted(skipped) == CODES, outputs
    _assert_each_mail_once(received)
    assert _runs(db_url) == [(code, True, 0) for code in CODES]


def test_two_schedulers_fire_at_the_same_minute(db_url: str, tmp_path: Path) -> None:
    _province(db_url)
    barrier = tmp_path / "go"
    start = NOW - timedelta(seconds=4)
    with smtp_server() as (port, received):
        env = _env(db_url, tmp_path, port)
        command = [
            sys.executable,
            str(Path(__file__).with_name("serve_twin.py")),
            start.isoformat(),
            NOW.isoformat(),
            str(barrier),
        ]
        processes = [_start(command, env) for _ in range(2)]
        time.sleep(4)  # both have imported everything and wait for the barrier
        barrier.touch()
        outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    fired = [output for output in outputs if output.rstrip().endswith("\nfired")]
    assert fired, outputs
    for output in fired:  # the scheduler's report line of the 07:00 run
        assert "[Thứ Hai 15/06/2026 lúc 07:00] Ngày 15/06/2026:" in output, output
    skipped = [code for output in outputs for code, _ in SKIP.findall(output)]
    # Each organization run once: skipped once by the second scheduler if it fired too.
    assert sorted(skipped) == (CODES if len(fired) == 2 else []), outputs
    _assert_each_mail_once(received)
    assert _runs(db_url) == [(code, True, 0) for code in CODES]
