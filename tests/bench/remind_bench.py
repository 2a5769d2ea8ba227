"""Benchmark: the whole ``sauro remind`` over a province of 100 and 1,000 communes.

Each province is built by ``province.build_province`` (1,000 tasks per commune, about 26
digests per commune as of 15/06/2026 07:00), its 6-rõ verdicts stored as an import stores
them, in a SQLite file in a temp dir, or with
``--db postgres`` in a PostgreSQL database created and dropped here. For each size, the
real command runs as a child process (``.venv/bin/sauro remind --at 2026-06-15T07:00+07:00
--json``), measured for wall time and peak RSS (``os.wait4``, by a launcher: see ``waited``):

  dry run   ``--dry-run``: verdicts, planning, digests, rendering; nothing sent or kept
  delivery  to a counting aiosmtpd server in another process (``smtp_sink.py``), on a fresh
            copy of the database (an empty ledger); mails counted there = mails reported

Baselines timed in this process on the same rows (best of ``--runs``):

  raw SQL   the snapshot query through the bare DBAPI cursor (fetchall)
  planning  ``engine.reminders.cycle.plan_day`` over every organization

Targets: the full cycle ≤ 3× the planning alone, read as the delivering run against the
same command planning only (``--dry-run``: the same verdicts, ladder, digests and rendering,
nothing sent or kept), by wall time and by CPU time beside it (the children's user + system
seconds, steadier on a shared machine). The runs against the ``plan_day`` kernel are printed
for scale, with no target: a digest lists every task its reader must act on (about 42 KB a
mail here), and rendering one costs about 1.2 ms (0.6–0.7 ms in Jinja2 with no sandbox), so
rendering alone is several times the ladder's planning of the same mails. Wall time per
commune flat (largest vs smallest size within 20%); peak RSS at the largest size ≤ 1.2× the
smallest and ≤ 400 MB; mails counted = mails reported sent. ``--profile`` instead runs the
delivering cycle of the first size in this process under cProfile and prints the top 25
entries by cumulative time, then the top 25 of Sáu Rõ's own packages.

    make bench
    .venv/bin/python tests/bench/remind_bench.py --orgs 100            # about a minute
    .venv/bin/python tests/bench/remind_bench.py --orgs 100,1000 --db postgres
    .venv/bin/python tests/bench/remind_bench.py --orgs 100 --profile
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from child_usage import waited
from province import NOW, build_province
from smtp_sink import SinkProcess
from sqlalchemy import create_engine, text

import engine
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import load_configs
from engine.plans.check import raw_rows
from engine.plans.verdicts import refresh_verdicts
from engine.reminders.cycle import horizon_for, plan_day, snapshot_query
from engine.store.db import make_engine

REPO = Path(__file__).resolve().parents[2]
CODE = Path(engine.__file__).resolve().parents[1]  # the code the child runs too
SAURO = Path(sys.executable).with_name("sauro")
AT = NOW.isoformat(timespec="minutes")  # 2026-06-15T07:00+07:00
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RSS_LIMIT_MB = 400


@dataclass
class Run:
    """One ``sauro remind`` child: wall time, peak RSS, its JSON report."""

    wall: float
    cpu: float  # user + system seconds of the child: steadier than wall on a busy machine
    rss_mb: float
    report: dict[str, Any]


@dataclass
class Size:
    """Every figure measured on one province."""

    orgs: int
    tasks: int = 0
    build: float = 0.0
    raw: float = 0.0
    rows: int = 0
    planning: float = 0.0
    planning_cpu: float = 0.0
    planned: int = 0
    dry: Run | None = None
    delivery: Run | None = None
    counted: dict[str, int] = field(default_factory=dict)


# -- databases ----------------------------------------------------------------------


class Databases:
    """Where a size's databases live: SQLite files in a temp dir, or PostgreSQL databases
    created here and dropped at the end."""

    def __init__(self, kind: str, tmp: Path, admin: str) -> None:
        self.kind, self.tmp, self.admin = kind, tmp, admin
        self.created: list[str] = []

    def url(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.tmp / name}.db"
        self._admin_sql(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self._pg_url(name)

    def copy(self, source: str, name: str) -> str:
        """A fresh copy of database ``source`` (no open connection to it may remain)."""
        if self.kind == "sqlite":
            src = sqlite3.connect(self.tmp / f"{source}.db")
            dst = sqlite3.connect(self.tmp / f"{name}.db")
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
            return f"sqlite:///{self.tmp / name}.db"
        self._admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        self.created.append(name)
        return self._pg_url(name)

    def drop_all(self) -> None:
        for name in reversed(self.created):
            self._admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()

    def _pg_url(self, name: str) -> str:
        return self.admin.rsplit("/", 1)[0] + f"/{name}"

    def _admin_sql(self, statement: str) -> None:
        admin = create_engine(self.admin, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(statement))
        finally:
            admin.dispose()


# -- the child process ----------------------------------------------------------------


def remind(url: str, tmp: Path, smtp_port: int | None) -> Run:
    """Run ``sauro remind`` as a child process; its wall time, peak RSS and report."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAURO_")}
    env |= {
        "SAURO_DATABASE_URL": url,
        "SAURO_CONFIG_DIR": str(REPO / "config"),
        "SAURO_OUTBOX_DIR": str(tmp / "outbox"),
        "PYTHONPATH": os.pathsep.join([str(CODE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    }
    args = [str(SAURO), "remind", "--at", AT, "--json"]
    if smtp_port is None:
        args.append("--dry-run")
    else:
        env |= {
            "SAURO_SMTP_HOST": "127.0.0.1",
            "SAURO_SMTP_PORT": str(smtp_port),
            "SAURO_SMTP_SECURITY": "none",
            "SAURO_SMTP_SENDER": "Sáu Rõ <sauro@tinh.example.vn>",
        }
    out, err = tmp / "remind.json", tmp / "remind.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        measured = waited(args, env=env, cwd=tmp, stdout=stdout, stderr=stderr)
    if measured["status"] != 0:
        raise SystemExit(f"sauro remind exited {measured['status']}:\n{err.read_text()}")
    report = json.loads(out.read_text())
    # ru_maxrss: KiB on Linux
    return Run(measured["wall"], measured["cpu"], measured["maxrss_kib"] / 1024, report)


# -- in-process baselines -------------------------------------------------------------


def best_of(
    runs: int, fn: Callable[[], Any], clock: Callable[[], float] = time.perf_counter
) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = clock()
        result = fn()
        times.append(clock() - start)
    return min(times), result


def baselines(url: str, size: Size, runs: int) -> None:
    """Raw SQL read and planning alone, in this process, on the same rows."""
    configs = load_configs(REPO / "config")
    calendar = WorkCalendar(configs.calendar)
    today = NOW.date()
    horizon = horizon_for(configs, calendar, today)
    db = make_engine(url)

    def raw() -> int:
        with db.connect() as connection:
            return len(raw_rows(connection, snapshot_query(org_code=None, horizon=horizon)))

    def planning() -> int:
        with db.connect() as connection:
            planned, _ = plan_day(
                connection, configs=configs, calendar=calendar, today=today, org_code=None
            )
        return len(planned)

    try:
        size.raw, size.rows = best_of(runs, raw)
        size.planning, size.planned = best_of(runs, planning)
        size.planning_cpu, _ = best_of(runs, planning, time.process_time)
    finally:
        db.dispose()


# -- one size ---------------------------------------------------------------------------


def measure(orgs: int, args: argparse.Namespace) -> Size:
    size = Size(orgs)
    with tempfile.TemporaryDirectory(prefix="remind-bench-") as name:
        tmp = Path(name)
        databases = Databases(args.db, tmp, args.pg_admin)
        try:
            base = f"sauro_bench_{os.getpid()}_{orgs}"
            url = databases.url(base)
            size.build, size.tasks = build(url, orgs, args.tasks_per_org)
            print(f"[{orgs} communes] built {size.tasks:,} tasks in {size.build:.1f} s", flush=True)
            baselines(url, size, args.runs)
            print(f"[{orgs} communes] planning alone {size.planning:.2f} s", flush=True)
            size.dry = remind(url, tmp, smtp_port=None)
            print(f"[{orgs} communes] dry run {size.dry.wall:.1f} s", flush=True)
            copy = databases.copy(base, f"{base}_deliver")
            with SinkProcess() as sink:
                size.delivery = remind(copy, tmp, smtp_port=sink.port)
                size.counted = sink.stop()
            print(f"[{orgs} communes] delivery {size.delivery.wall:.1f} s", flush=True)
        finally:
            databases.drop_all()
    return size


def build(url: str, orgs: int, tasks_per_org: int) -> tuple[float, int]:
    from engine.store.db import upgrade

    upgrade(url)
    db = make_engine(url)
    try:
        start = time.perf_counter()
        counts = build_province(db, orgs=orgs, tasks_per_org=tasks_per_org, now=NOW)
        # As ``sauro import`` and every edit do: the verdicts are stored with the tasks,
        # so the morning's cycle re-judges only what changed since.
        rules = load_configs(REPO / "config").rules
        with db.begin() as connection:
            refresh_verdicts(connection, rules=rules, org_code=None, today=NOW.date())
        if db.dialect.name == "postgresql":  # statistics, as autovacuum soon gives a live
            with db.connect() as connection:  # database (a fresh one plans blind)
                connection.execution_options(isolation_level="AUTOCOMMIT")
                connection.exec_driver_sql("ANALYZE")
        return time.perf_counter() - start, counts["task"]
    finally:
        db.dispose()


# -- the report ---------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def show_size(size: Size) -> None:
    print(f"\n== {size.orgs:,} communes, {size.tasks:,} tasks")
    print(f"raw SQL read   : {size.raw * 1000:9.0f} ms  ({size.rows:,} rows)")
    cpu = size.planning_cpu * 1000
    print(f"planning alone : {size.planning * 1000:9.0f} ms  (CPU {cpu:.0f} ms, "
          f"{size.planned:,} planned)")  # fmt: skip
    for label, run in (("dry run", size.dry), ("delivery", size.delivery)):
        if run is None:
            continue
        report = run.report
        print(
            f"{label:<15}: {run.wall:9.2f} s  {run.wall / size.orgs * 1000:7.1f} ms/commune  "
            f"(CPU {run.cpu:.1f} s)  "
            f"peak RSS {run.rss_mb:6.0f} MB  {report['planned']:,} planned → "
            f"{report['messages']:,} mails ({report['messages'] / size.orgs:.1f}/commune), "
            f"sent {report['sent']:,}, failed {report['failed']:,}, "
            f"deferred {report['deferred']:,}"
        )
    if size.delivery is not None:
        sent, counted = size.delivery.report["sent"], size.counted.get("messages", -1)
        print(
            f"mails counted  : {counted:,} at the server, {sent:,} reported sent  "
            f"{verdict(counted == sent)}  ({size.counted.get('bytes', 0) / 2**20:.1f} MB, "
            f"{size.counted.get('bytes', 0) / max(counted, 1) / 1024:.1f} KB a mail)"
        )


def show_targets(sizes: list[Size]) -> None:
    print("\n== targets")
    for size in sizes:
        if size.dry is not None and size.delivery is not None:
            ratio = size.delivery.wall / size.dry.wall
            cpu = size.delivery.cpu / size.dry.cpu
            print(f"{size.orgs:>5} communes  full cycle / planning only (--dry-run): "
                  f"{ratio:5.2f}×  (≤ 3×)  {verdict(ratio <= 3)}   CPU time: {cpu:.2f}×  "
                  f"{verdict(cpu <= 3)}")  # fmt: skip
        for label, run in (("dry run", size.dry), ("delivery", size.delivery)):
            if run is None:
                continue
            ratio = run.wall / size.planning
            cpu = run.cpu / size.planning_cpu
            print(f"{size.orgs:>5} communes  {label:<8} / plan_day kernel      : {ratio:6.2f}×  "
                  f"(for scale)   CPU time: {cpu:.2f}×")  # fmt: skip
        worst = max(run.rss_mb for run in (size.dry, size.delivery) if run is not None)
        print(f"{size.orgs:>5} communes  peak RSS                   : {worst:7.0f} MB "
              f"(≤ {RSS_LIMIT_MB} MB)  {verdict(worst <= RSS_LIMIT_MB)}")  # fmt: skip
    if len(sizes) < 2:
        return
    small, large = sizes[0], sizes[-1]
    pair = f"{large.orgs} vs {small.orgs}"
    for label in ("dry", "delivery"):
        a, b = getattr(small, label), getattr(large, label)
        if a is None or b is None:
            continue
        per_org = (b.wall / large.orgs) / (a.wall / small.orgs)
        rss = b.rss_mb / a.rss_mb
        print(f"{label:<8} per-commune wall {pair}: {per_org:6.2f}×  (≤ 1.2×)  "
              f"{verdict(per_org <= 1.2)}")  # fmt: skip
        print(f"{label:<8} peak RSS {pair}        : {rss:6.2f}×  (≤ 1.2×)  "
              f"{verdict(rss <= 1.2)}")  # fmt: skip


def code_version() -> str:
    """The commit of the code measured, and whether it has uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(CODE), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(CODE), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return f"{CODE} (not a git checkout)"
    return commit + (" with uncommitted changes" if dirty else "")


# -- profile ------------------------------------------------------------------------------


def profile(orgs: int, args: argparse.Namespace) -> None:
    """The delivering cycle of ``orgs`` communes in this process, under cProfile."""
    from engine.cli import app

    with tempfile.TemporaryDirectory(prefix="remind-bench-") as name:
        tmp = Path(name)
        databases = Databases(args.db, tmp, args.pg_admin)
        try:
            url = databases.url(f"sauro_bench_{os.getpid()}_{orgs}")
            seconds, tasks = build(url, orgs, args.tasks_per_org)
            print(f"[{orgs} communes] built {tasks:,} tasks in {seconds:.1f} s", flush=True)
            with SinkProcess() as sink, _environment(url, tmp, sink.port):
                profiler = cProfile.Profile()
                output = io.StringIO()
                with contextlib.redirect_stdout(output):
                    profiler.runcall(app, ["remind", "--at", AT, "--json"], standalone_mode=False)
                counted = sink.stop()
            report = json.loads(output.getvalue())
        finally:
            databases.drop_all()
    print(f"sent {report['sent']:,}, counted {counted['messages']:,} at the server")
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(25)
    print("== the same, Sáu Rõ's own packages only")
    stats.print_stats(_OURS, 25)


# A path inside one of our packages (pstats filters entries by a regex on their file).
_OURS = r"/(engine|rules|notifications|flows)/"


@contextlib.contextmanager
def _environment(url: str, tmp: Path, port: int) -> Iterator[None]:
    values = {
        "SAURO_DATABASE_URL": url,
        "SAURO_CONFIG_DIR": str(REPO / "config"),
        "SAURO_OUTBOX_DIR": str(tmp / "outbox"),
        "SAURO_SMTP_HOST": "127.0.0.1",
        "SAURO_SMTP_PORT": str(port),
        "SAURO_SMTP_SECURITY": "none",
        "SAURO_SMTP_SENDER": "Sáu Rõ <sauro@tinh.example.vn>",
    }
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", default="100,1000", help="sizes, comma-separated")
    parser.add_argument("--tasks-per-org", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-admin", default=PG_ADMIN, help="a PostgreSQL database to connect "
                        "to for CREATE/DROP DATABASE (--db postgres)")  # fmt: skip
    parser.add_argument("--runs", type=int, default=3, help="best of, for the baselines")
    parser.add_argument("--profile", action="store_true", help="profile the first size only")
    args = parser.parse_args()
    sizes = [int(n) for n in args.orgs.split(",")]
    print(f"code {code_version()}; database {args.db}; as of {AT}", flush=True)
    if args.profile:
        profile(sizes[0], args)
        return
    start = time.perf_counter()
    measured = [measure(orgs, args) for orgs in sizes]
    for size in measured:
        show_size(size)
    show_targets(measured)
    print(f"\nwhole benchmark: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
