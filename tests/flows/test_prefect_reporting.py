"""The reporting calendar fanned out on Prefect, for real: ``prefect server start``, the
deployments ``sauro deploy`` registers, one process worker, four communes in a SQLite file
in batches of two, mail to an SMTP server on 127.0.0.1 that records it.

The reporting parent is triggered twice at once for each of two days of the 2026-H1
period: 03/06/2026, the first day the units are asked for their forms (a form per unit
leading tasks, mailed to its head), and 15/06/2026, the assembly day (the period report,
mailed to the standing office for review). All four parents end Completed, each (day,
batch) ran once, every commune has its forms and its report on disk, and every mail
arrived once: as many form mails to a commune as its forms on disk.

About 40–60 s: kept on the Prefect xdist worker (``xdist_group``).
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect_stack import Server, Worker, run_all, runs_of, sauro_env, smtp_server, state_of
from sqlalchemy import select

import engine.store.models as m
from engine.calendar.status import VN
from engine.reports.output import report_folder
from engine.store.db import make_engine, upgrade

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "bench"))
from province import build_province, org_code  # noqa: E402

pytestmark = [pytest.mark.xdist_group("prefect")]

FORMS_DAY = datetime(2026, 6, 3, 7, 30, tzinfo=VN)  # 5 working days before 10/06
ASSEMBLY_DAY = datetime(2026, 6, 15, 7, 30, tzinfo=VN)  # the report of 2026-H1 is assembled
ORGS = 4
PERIOD = "2026-H1"
PARENT = "sau-ro-reporting-cycle/hang-ngay-07-30"
POOL = "sau-ro-test"
WAIT = 180.0


def test_reporting_days_twice_each_forms_and_reports_once(tmp_path: Path, server: Server) -> None:
    database_url = f"sqlite:///{tmp_path / 'sauro.db'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    build_province(engine, orgs=ORGS, tasks_per_org=60, now=ASSEMBLY_DAY)
    codes = [org_code(n) for n in range(1, ORGS + 1)]

    with smtp_server() as (smtp_port, received):
        env = sauro_env(database_url, tmp_path, smtp_port, batch_size="2", batch_poll_seconds="1")
        server.deploy(POOL, env)
        worker = Worker(server, POOL, "may-1", env)
        try:
            with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
                days = [FORMS_DAY, FORMS_DAY, ASSEMBLY_DAY, ASSEMBLY_DAY]
                parents = asyncio.run(run_all(PARENT, [{"at": d.isoformat()} for d in days], WAIT))
                batches = asyncio.run(runs_of("sau-ro-reporting-batch"))
        finally:
            worker.stop()

    logs = worker.log_path.read_text()
    assert [state_of(run) for run in parents] == ["COMPLETED"] * 4, logs[-4000:]
    keys = Counter((run.idempotency_key or "").rsplit("|", 1)[0] for run in batches)
    assert len(batches) == len(keys) == 4  # two days × two batches, each run once
    assert {state_of(run) for run in batches} == {"COMPLETED"}

    with engine.connect() as connection:
        leases = connection.execute(
            select(m.CycleRun.day, m.CycleRun.finished_at).where(m.CycleRun.kind == "reporting")  # type: ignore[call-overload]
        ).all()
    engine.dispose()
    assert len(leases) == 2 * ORGS and all(finished for _, finished in leases)

    assert received.duplicates() == {}
    forms = Counter(_org(to) for to, subject in received.messages if "Đề nghị" in subject)
    reports = Counter(_org(to) for to, subject in received.messages if "Báo cáo CCHC" in subject)
    print(
        f"reporting: {len(parents)} parents, {len(batches)} batch runs; mails: "
        f"{sum(forms.values())} forms, {sum(reports.values())} reports, "
        f"{len(received.messages)} in all, {len(set(received.messages))} distinct"
    )
    assert sum(forms.values()) + sum(reports.values()) == len(received.messages)
    out = tmp_path / "bao-cao"
    for code in codes:
        on_disk = list((out / code / PERIOD / "bieu-don-vi").glob("*.xlsx"))
        assert forms[code] == len(on_disk) > 0, code
        folder = report_folder(out / code / PERIOD, code, PERIOD)  # swapped in whole
        assert (folder / f"bao-cao-{code}-{PERIOD}.docx").is_file(), code
        assert reports[code] > 0, code


def _org(to: str) -> str:
    return to.split("@")[1].removesuffix(".example.vn")
