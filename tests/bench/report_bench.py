"""Benchmark: the period report of every organization of a province (100 × 1,000 tasks).

The database is the one of ``check_bench`` (its ``build``: Core bulk inserts, 2026 plans,
due dates 31/01, 30/06, 14/12 or none), with the done tasks given a completion day so the
report has both kinds of finished task. The annual report "2026" is built as of the
builder's clock, 23/11/2026, when the January and June tasks not done are overdue. Timed in
the same run, on the same rows:

  baseline     the report's task rows of every organization through the bare DBAPI cursor
  figures      ``engine.reports.data.build_report_data`` for every organization
  sequential   ``engine.reports.assembly.write_period_report`` without PDF, one after another
  parallel     the same with N worker processes, each with its own engine
  PDF          LibreOffice conversions of a sample of the documents (one each)

Baseline and figures are the best of ``--repeat`` runs; the full reports and the PDFs run
once (they take minutes). Output goes to a temporary folder, deleted at the end.

    .venv/bin/python tests/bench/report_bench.py
    .venv/bin/python tests/bench/report_bench.py --orgs 10 \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/sauro_bench_report
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from check_bench import REPO, best_of, build
from sqlalchemy import Engine, create_engine, text, update
from sqlalchemy.engine import make_url
from sqlmodel import col

import engine.store.models as m
from engine.calendar.periods import Period, parse_period
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import Configs, load_configs
from engine.reports.assembly import report_stem, write_period_report
from engine.reports.data import build_report_data
from engine.reports.pdf import soffice, to_pdf
from engine.store.db import make_engine, upgrade

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # the clock of check_bench.build
COMPLETED_ON = date(2026, 6, 20)  # late for the January tasks, on time for the others
CONFIG_DIR = REPO / "config"

# The columns and rows build_report_data reads for one organization.
RAW_TASKS = """
SELECT t.id, t.ref, t.work, t.area, u.name, t.start_date, t.due_date, t.original_due,
       t.state, t.completed_on, t.unclear, pl.issued_on
FROM task t JOIN plan pl ON pl.id = t.plan_id LEFT JOIN unit u ON u.id = t.lead_unit_id
WHERE t.organization_id = {org} AND t.state != 'withdrawn'
ORDER BY pl.key, t.position, t.id
"""


@dataclass(frozen=True)
class Context:
    """What every report run needs: the engine, the configs and the period."""

    engine: Engine
    configs: Configs
    period: Period

    @classmethod
    def open(cls, url: str, period_code: str) -> Context:
        configs = load_configs(CONFIG_DIR)
        period = parse_period(period_code, configs.reporting, WorkCalendar(configs.calendar))
        return cls(make_engine(url), configs, period)

    @property
    def areas(self) -> list[tuple[str, str]]:
        return [(area.code, area.name) for area in self.configs.areas.areas]


def org_codes(count: int) -> list[str]:
    """The organization codes ``check_bench.build`` gives."""
    return [f"xa-{o:03d}" for o in range(1, count + 1)]


def complete_done_tasks(engine: Engine) -> None:
    """Give the builder's done tasks (which have no completion day) one."""
    with engine.begin() as conn:
        conn.execute(
            update(m.Task)
            .where(col(m.Task.state) == m.TaskState.DONE)
            .values(completed_on=COMPLETED_ON)
        )


def raw_read(engine: Engine, orgs: int) -> int:
    """The baseline: every organization's report rows through the bare DBAPI cursor."""
    connection = engine.raw_connection()
    marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    query = RAW_TASKS.format(org=marker)
    try:
        cursor = connection.cursor()
        count = 0
        for org_id in range(1, orgs + 1):
            cursor.execute(query, (org_id,))
            count += len(cursor.fetchall())
        return count
    finally:
        connection.close()


def figures(context: Context, codes: Sequence[str]) -> int:
    """The report figures of every organization; the number of tasks reported."""
    total = 0
    with context.engine.connect() as connection:
        for code in codes:
            data = build_report_data(
                connection, org_code=code, period=context.period, now=NOW, areas=context.areas
            )
            total += data.totals.total
    return total


def one_report(context: Context, code: str, out: Path) -> float:
    """Write one organization's report without PDF into ``out/code``; its time in s."""
    start = time.perf_counter()
    write_period_report(
        context.engine,
        configs=context.configs,
        config_dir=CONFIG_DIR,
        org_code=code,
        period=context.period,
        now=NOW,
        out=out / code,
        pdf=False,
    )
    return time.perf_counter() - start


_WORKER: dict[str, Context] = {}


def _start_worker(url: str, period_code: str) -> None:
    _WORKER["context"] = Context.open(url, period_code)


def _report_in_worker(code: str, out: Path) -> float:
    return one_report(_WORKER["context"], code, out)


def parallel(
    url: str, period_code: str, codes: Sequence[str], out: Path, workers: int
) -> tuple[float, list[float]]:
    """All reports over ``workers`` processes: the wall time and each report's time."""
    start = time.perf_counter()
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_start_worker, initargs=(url, period_code)
    ) as pool:
        times = list(pool.map(_report_in_worker, codes, [out] * len(codes)))
    return time.perf_counter() - start, times


def spread(times: Sequence[float]) -> str:
    """Median and p95 of per-report times, in ms."""
    p95 = sorted(times)[max(0, math.ceil(0.95 * len(times)) - 1)]
    return f"median {statistics.median(times) * 1000:6.0f} ms, p95 {p95 * 1000:6.0f} ms"


@contextmanager
def database(url: str | None, folder: str) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file in ``folder`` without ``url``; for a
    PostgreSQL ``url``, its database created (dropped first if left over) and dropped
    after."""
    if url is None or not url.startswith("postgresql"):
        target = url or f"sqlite:///{folder}/bench.db"
        upgrade(target)
        yield target
        return
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    try:
        with admin.connect() as conn:
            conn.execute(drop)
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a SQLite file in a temp dir)")
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--tasks-per-org", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of baseline and figures")
    parser.add_argument("--pdf-sample", type=int, default=5, help="documents to convert")
    parser.add_argument("--period", default="2026")
    args = parser.parse_args()
    codes = org_codes(args.orgs)
    with tempfile.TemporaryDirectory() as tmp, database(args.url, tmp) as url:
        context = Context.open(url, args.period)
        start = time.perf_counter()
        count = build(context.engine, args.orgs, args.tasks_per_org)
        complete_done_tasks(context.engine)
        print(f"built {count:,} tasks in {time.perf_counter() - start:.1f} s ({url.split(':')[0]})")
        print(f"period {context.period.code} ({context.period.label}), as of {NOW:%d/%m/%Y}")
        raw, rows = best_of(args.repeat, raw_read, context.engine, args.orgs)
        print(f"baseline raw SQL  : {raw * 1000:8.0f} ms  ({rows:,} rows, {args.orgs} queries)")
        fig, reported = best_of(args.repeat, figures, context, codes)
        print(f"figures only      : {fig * 1000:8.0f} ms  ({reported:,} tasks reported)")
        print(f"  ratio vs raw    : {fig / raw:8.2f}×  (best of {args.repeat} runs)")

        out = Path(tmp) / "sequential"
        start = time.perf_counter()
        times = [one_report(context, code, out) for code in codes]
        sequential = time.perf_counter() - start
        print(f"reports, no PDF   : {sequential:8.1f} s   sequential, {args.orgs} reports")
        print(f"  per report      : {spread(times)}")
        context.engine.dispose()  # no pooled connection crosses the fork

        wall, worker_times = parallel(url, args.period, codes, Path(tmp) / "parallel", args.workers)
        print(f"reports, no PDF   : {wall:8.1f} s   {args.workers} workers")
        print(f"  per report      : {spread(worker_times)}")
        print(f"  speed-up        : {sequential / wall:8.2f}×  vs sequential")
        _pdf_sample(out, codes[: args.pdf_sample], args.period)


def _pdf_sample(out: Path, codes: Sequence[str], period_code: str) -> None:
    if soffice() is None:
        print("PDF               : LibreOffice not installed, skipped")
        return
    times = []
    for code in codes:
        stem = report_stem(code, period_code)
        document = out / code / stem / f"bao-cao-{stem}.docx"
        start = time.perf_counter()
        to_pdf(document)
        times.append(time.perf_counter() - start)
    shown = ", ".join(f"{t:.1f}" for t in times)
    median = statistics.median(times)
    print(f"PDF (LibreOffice) : {median:8.1f} s   median of {len(times)} ({shown} s)")


if __name__ == "__main__":
    main()
