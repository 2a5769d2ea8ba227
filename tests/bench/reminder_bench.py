"""Benchmark: planning one day's reminders over a province of 1,000,000 tasks.

The database is built with Core bulk inserts: 1,000 communes × 1,000 tasks of 2026, due
dates spread over the year, most past tasks done, one in ten failing 6 rõ. As of
15/06/2026 07:00 the cycle reads the tasks the ladder can fire on (due within the reminder
horizon, overdue, or unclear) and plans the messages. Timed in the same run, on the same
rows:

  raw SQL   the same indexed SELECT through the bare DBAPI cursor (fetchall)
  planning  ``engine.reminders.cycle.plan_day``: the same read, snapshots, ``rules.ladder.plan``

    make bench
    .venv/bin/python tests/bench/reminder_bench.py --tasks 200000   # smaller
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

import engine.store.models as m
from engine.calendar.status import VN
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import load_configs
from engine.plans.check import raw_rows
from engine.reminders.cycle import horizon_for, plan_day, snapshot_query
from engine.store.db import make_engine, upgrade

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 6, 15, 7, 0, tzinfo=VN)
UNCLEAR = ["person", "deadline", "person,responsibility", "work"]


def build(engine: Engine, tasks: int, per_org: int = 1000, seed: int = 11) -> None:
    """Organizations, units and tasks with Core bulk inserts."""
    rnd = random.Random(seed)
    orgs = max(1, tasks // per_org)
    stamp = datetime(2026, 1, 5, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(m.Organization), [
            {"id": o, "code": f"xa-{o:04d}", "name": f"UBND xã {o}", "level": "commune",
             "place": "", "parent_name": "", "standing_office_code": "vhxh"}
            for o in range(1, orgs + 1)])  # fmt: skip
        conn.execute(insert(m.Unit), [
            {"id": o, "organization_id": o, "code": "vhxh", "name": "Phòng Văn hóa - Xã hội",
             "kind": "internal", "abbreviations": [], "aliases": [],
             "registered_by_import": False} for o in range(1, orgs + 1)])  # fmt: skip
        conn.execute(insert(m.Plan), [
            {"id": o, "organization_id": o, "key": f"{o}/KH-UBND", "number": f"{o}/KH-UBND",
             "issued_on": date(2025, 12, 20), "issuer": "", "signer": "", "year": 2026,
             "period": "2026", "title": "", "source_file": "", "imported_at": stamp}
            for o in range(1, orgs + 1)])  # fmt: skip
        rows: list[dict[str, Any]] = []
        for task_id in range(1, tasks + 1):
            rows.append(_task(rnd, task_id, (task_id - 1) // per_org + 1, stamp))
            if len(rows) == 20_000:
                conn.execute(insert(m.Task), rows)
                rows = []
        if rows:
            conn.execute(insert(m.Task), rows)


def _task(rnd: random.Random, task_id: int, org: int, stamp: datetime) -> dict[str, Any]:
    due = date(2026, 1, 1) + timedelta(days=rnd.randrange(365))
    past = due < NOW.date()
    unclear = rnd.choice(UNCLEAR) if rnd.random() < 0.1 else ""
    return {
        "id": task_id, "organization_id": org, "plan_id": org, "key": str(task_id),
        "ref": f"{task_id % 97}.{task_id % 13}", "position": task_id,
        "work": f"Nhiệm vụ số {task_id}", "area": "the-che", "group_label": "",
        "person_text": "", "person_id": None, "lead_text": "Phòng Văn hóa - Xã hội",
        "lead_unit_id": org, "coordinators_text": "", "deadline_text": f"{due:%d/%m/%Y}",
        "deadline_kind": "date", "due_date": due, "original_due": None, "deadline_version": 1,
        "start_date": None, "recurrence": None, "deadline_resolved": True,
        "deadline_reason": "", "unclear": unclear,
        "unclear_since": date(2026, 6, 1) if unclear else None, "assigner": "",
        "product": "Báo cáo", "result": "", "evidence": "", "budget": "", "note": "",
        "state": "done" if past and rnd.random() < 0.9 else "open", "completed_on": None,
        "raw_cells": {}, "source_row": "", "version": 1, "created_at": stamp,
        "updated_at": stamp,
    }  # fmt: skip


def best_of(runs: int, fn: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a SQLite file in a temp dir)")
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    configs = load_configs(REPO / "config")
    calendar = WorkCalendar(configs.calendar)
    today = NOW.date()
    horizon = horizon_for(configs, calendar, today)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        start = time.perf_counter()
        build(engine, args.tasks)
        print(f"built {args.tasks:,} tasks in {time.perf_counter() - start:.1f} s")

        def raw() -> int:
            with engine.connect() as connection:
                query = snapshot_query(org_code=None, horizon=horizon)
                return len(raw_rows(connection, query))  # DBAPI cursor, plain fetchall

        def planning() -> tuple[int, int]:
            with engine.connect() as connection:
                planned, _ = plan_day(
                    connection, configs=configs, calendar=calendar, today=today, org_code=None
                )
            return len({p.task_id for p in planned}), len(planned)

        raw_s, rows = best_of(args.runs, raw)
        plan_s, (tasks, messages) = best_of(args.runs, planning)
        engine.dispose()
    print(f"raw SQL read : {raw_s * 1000:8.0f} ms  ({rows:,} tasks due by {horizon:%d/%m/%Y}, "
          "overdue or unclear)")  # fmt: skip
    print(f"planning     : {plan_s * 1000:8.0f} ms  ({messages:,} messages for {tasks:,} tasks)")
    print(f"ratio        : {plan_s / raw_s:8.2f}×  (target ≤ 3×; best of {args.runs} runs)")


if __name__ == "__main__":
    main()
