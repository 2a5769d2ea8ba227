"""Benchmark: the daily cycle fanned out on Prefect, a worker killed in the middle.

A real ``prefect server start`` on its own PostgreSQL database (asyncpg), the deployments
``sauro deploy`` registers, two process workers, a province of 100 communes on PostgreSQL
(``province.build_province``, Core bulk inserts) and an SMTP server on 127.0.0.1 in another
process that records every message. The daily parent is triggered twice at 15/06/2026
07:00; once a batch runs on the worker that does not run a parent, that worker and its flow
runs are SIGKILLed (a machine that dies). The automation marks the silent batch Crashed,
a parent starts it again, and the new run resumes where the delivery ledger says the dead
one stopped (mail it had in flight waits out the ledger's 10-minute lease).

Printed: wall time, runs per batch, batches per worker, mails counted at the SMTP server vs
expected (the mails the delivery ledger holds as sent: one per ``message_id``; a commune's
finishing run only counts in ``cycle_run.summary`` what it still had to send),
duplicates, and the SMTP connections the server saw open at once from both workers together
against ``SAURO_SMTP_CONNECTION_LIMIT`` (``--smtp-limit``, the Prefect global concurrency
limit ``smtp-127.0.0.1``; the server answers each message after ``--smtp-delay`` seconds, as
a remote one would).

    .venv/bin/python tests/bench/prefect_bench.py                  # 100 communes, with a kill
    .venv/bin/python tests/bench/prefect_bench.py --orgs 20 --tasks 200 --no-kill
    .venv/bin/python tests/bench/prefect_bench.py --smtp-limit 3 --smtp-delay 0.02
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "flows"))

from prefect_stack import SAURO, Server, SmtpProcess, Worker, sauro_env  # noqa: E402
from province import build_province  # noqa: E402

import engine.store.models as m  # noqa: E402
from engine.calendar.status import VN  # noqa: E402
from engine.store.db import make_engine, upgrade  # noqa: E402

NOW = datetime(2026, 6, 15, 7, 0, tzinfo=VN)
PG = os.environ.get("SAURO_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
POOL = "sau-ro-bench"
PARENT = "sau-ro-daily-cycle/hang-ngay-07-00"
CHILD_FLOW = "sau-ro-daily-batch"
SUBMITTED = re.compile(r"Worker '([^']+)' submitting flow run '([0-9a-f-]+)'")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=1000, help="tasks per commune")
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument("--timeout", type=float, default=40 * 60)
    parser.add_argument("--smtp-limit", type=int, default=8, help="SAURO_SMTP_CONNECTION_LIMIT")
    parser.add_argument("--smtp-delay", type=float, default=0.0, help="seconds per message")
    args = parser.parse_args()
    suffix = os.getpid()
    sauro_db, prefect_db = f"sauro_bench_{suffix}", f"prefect_bench_{suffix}"
    server_url = PG.rsplit("/", 1)[0]
    _create(sauro_db, prefect_db)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            _bench(args, f"{server_url}/{sauro_db}", prefect_db, Path(tmp))
    finally:
        _drop(sauro_db, prefect_db)


def _bench(args: argparse.Namespace, database_url: str, prefect_db: str, tmp: Path) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    start = time.perf_counter()
    build_province(engine, orgs=args.orgs, tasks_per_org=args.tasks, now=NOW)
    print(
        f"built {args.orgs} communes × {args.tasks:,} tasks in {time.perf_counter() - start:.1f} s"
    )

    smtp = SmtpProcess(args.smtp_delay)
    asyncpg_url = PG.replace("+psycopg", "+asyncpg").rsplit("/", 1)[0] + f"/{prefect_db}"
    server = Server(tmp / "prefect", database_url=asyncpg_url)
    workers: list[Worker] = []
    try:
        print(f"prefect server start (PostgreSQL) healthy in {server.wait_healthy():.1f} s")
        env = sauro_env(
            database_url, tmp, smtp.port,
            batch_size=str(args.batch_size), batch_poll_seconds="2",
            batch_retry_seconds="30", heartbeat_seconds="30", crash_after_seconds="45",
            smtp_connection_limit=str(args.smtp_limit),
        )  # fmt: skip
        deployed = subprocess.run(
            [SAURO, "deploy", "--api-url", server.api_url, "--pool", POOL],
            env={**server.env(), **env}, capture_output=True, text=True, check=True,
        )  # fmt: skip
        print(deployed.stdout.strip())
        workers = [Worker(server, POOL, f"may-{n}", env) for n in range(1, args.workers + 1)]
        time.sleep(3)
        os.environ["PREFECT_API_URL"] = server.api_url
        os.environ["PREFECT_HOME"] = str(server.home)
        result = asyncio.run(_run(workers, kill=not args.no_kill, timeout=args.timeout))
    finally:
        for worker in workers:
            worker.stop()
        server.stop()
        received = smtp.stop()
    _report(result, workers, received, engine)
    print(
        f"SMTP          : {received['max_open']} connections open at once at most (limit "
        f"{args.smtp_limit}, both workers together), {received['connections']} opened"
    )
    engine.dispose()


async def _run(workers: list[Worker], *, kill: bool, timeout: float) -> dict[str, Any]:
    """Trigger the parent twice; kill a worker running a batch (not a parent); wait."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    async with get_client() as client:
        deployment = await client.read_deployment_by_name(PARENT)
        start = time.perf_counter()
        at = {"at": NOW.isoformat()}
        parents = [
            (await client.create_flow_run_from_deployment(deployment.id, parameters=at)).id
            for _ in range(2)
        ]
        killed: dict[str, Any] = {}
        while time.perf_counter() - start < timeout:
            await asyncio.sleep(2)
            flows = FlowFilter(name=FlowFilterName(any_=["sau-ro-daily-cycle"]))
            states = {r.id: r for r in await client.read_flow_runs(flow_filter=flows)}
            if all(states[p].state and states[p].state.is_final() for p in parents):
                break
            if kill and not killed:
                killed = await _maybe_kill(client, workers, [states[p] for p in parents])
        wall = time.perf_counter() - start
        children = await client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[CHILD_FLOW])), limit=200
        )
        parents_final = [states[p].state_type.value for p in parents]
    return {"wall": wall, "children": children, "parents": parents_final, "killed": killed}


async def _maybe_kill(client: Any, workers: list[Worker], parents: list[Any]) -> dict[str, Any]:
    """SIGKILL a worker with a batch running ≥ 5 s, not the first parent's, with its flow
    runs (the second parent's too, if it runs there: the first one carries on)."""
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    running = await client.read_flow_runs(
        flow_filter=FlowFilter(name=FlowFilterName(any_=[CHILD_FLOW])),
        flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING]))),
    )  # fmt: skip
    parent_pids = {_pid(parents[0])}  # the second parent may die with the machine: a test too
    for run in running:
        started = run.start_time
        if started is None or (datetime.now(started.tzinfo) - started).total_seconds() < 5:
            continue
        for worker in workers:
            pids = set(_descendants_of(worker))
            if _pid(run) in pids and not parent_pids & pids:
                worker.kill_everything()
                print(
                    f"killed worker {worker.name} and its flow runs (SIGKILL) during '{run.name}'"
                )
                return {"worker": worker.name, "run": run.name, "at": time.perf_counter()}
    return {}


def _pid(run: Any) -> int | None:
    pid = str(run.infrastructure_pid or "").rpartition(":")[2]
    return int(pid) if pid.isdigit() else None


def _descendants_of(worker: Worker) -> list[int]:
    from prefect_stack import descendants

    return descendants(worker.process.pid)


def _report(
    result: dict[str, Any], workers: list[Worker], received: dict[str, Any], engine: Any
) -> None:
    ran_by: dict[str, str] = {}
    for worker in workers:
        for name, run_id in SUBMITTED.findall(worker.log_path.read_text()):
            ran_by[run_id] = name
    runs_per_batch: dict[str, list[str]] = defaultdict(list)
    per_worker: Counter[str] = Counter()
    for run in result["children"]:
        label = (run.idempotency_key or "").split("|")[2]
        state = run.state_type.value if run.state_type else "?"
        runs_per_batch[label].append(state.lower())
        if state == "COMPLETED":
            per_worker[ran_by.get(str(run.id), "?")] += 1
    with engine.connect() as connection:
        summaries = connection.execute(
            select(m.CycleRun.summary, m.CycleRun.finished_at).where(m.CycleRun.day == NOW.date())  # type: ignore[call-overload]
        ).all()  # fmt: skip
        sent = select(func.count(func.distinct(m.Delivery.message_id))).where(
            m.Delivery.status == "sent"  # type: ignore[arg-type]
        )
        expected = connection.execute(sent).scalar_one()
    finished = sum(1 for _, f in summaries if f is not None)
    print(f"parents       : {result['parents']}")
    print(f"wall time     : {result['wall']:.1f} s (trigger to both parents final)")
    if result["killed"]:
        print(f"killed        : {result['killed']['worker']} during '{result['killed']['run']}'")
    runs = sum(len(v) for v in runs_per_batch.values())
    print(f"batches       : {len(runs_per_batch)}, runs {runs}")
    for label, states in sorted(runs_per_batch.items()):
        if states != ["completed"]:
            print(f"  {label}: {', '.join(states)}")
    print(f"per worker    : {dict(sorted(per_worker.items()))} completed batch runs")
    print(f"organizations : {finished}/{len(summaries)} finished today")
    counted, distinct = received["messages"], received["distinct"]
    print(f"mails         : {counted} counted, {distinct} distinct, {expected} expected")
    print(
        f"duplicates    : {len(received['duplicates'])} {list(received['duplicates'].items())[:5]}"
    )


def _create(*names: str) -> None:
    admin = make_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _drop(*names: str) -> None:
    admin = make_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    main()
