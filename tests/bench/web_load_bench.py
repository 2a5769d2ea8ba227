"""Benchmark: the web app under load, with a reminder cycle running against the same database.

Two datasets, each built with Core bulk inserts (units, people, plans, tasks, accounts):

  one   one organization with 20,000 tasks (and its 20 accounts)
  many  100 organizations × 1,000 tasks (20 accounts, each of another organization)

For each, the real server runs in a subprocess (``sauro serve --no-scheduler`` on a free
loopback port), ``sauro remind --again`` runs in a loop in another process against the
same database, and a third process logs in 20 clients through the login form (CSRF cookie
and field) and for ``--seconds`` sends, each as soon as its last answer came,
GET /tasks, /api/tasks, /tasks/{id} and /dashboard in turn. Printed per path: p50, p99,
requests and errors against the targets (p50 ≤ 150 ms, p99 ≤ 600 ms, no error) and the
SQL statements one request runs (the app in process, the organization's figures kept as
under load); the server's CPU seconds per request over the load (less noisy than wall
times on a shared machine), its peak RSS, and the ratio of one /api/tasks page (unloaded,
median of 30) to the raw SQL select of the same page through the bare DBAPI cursor.

The server runs as the README tells an operator to: ``sauro serve --no-scheduler`` (the
reminder cycle runs beside it) with every default: one process, its worker threads, the
database pool of ``engine.store.db.make_engine`` (SQLite in WAL mode with a busy timeout;
PostgreSQL connections checked before use). A pool of 20 instead of SQLAlchemy's 5 (+10)
measured the same here, so the bench sets nothing an operator would not.

    .venv/bin/python tests/bench/web_load_bench.py --db both
    .venv/bin/python tests/bench/web_load_bench.py --db sqlite --dataset one --seconds 10

PostgreSQL: a fresh database ``sauro_bench_web`` on ``--pg-admin-url``'s server, dropped
after the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy import Engine, event, insert

import engine.store.models as m
from engine.directory.accounts import hash_password
from engine.plans.check import raw_rows
from engine.store.db import make_engine, upgrade
from engine.web import task_query as tq

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "mat-khau-bench-2026"
CLIENTS = 20
PATHS = ("/tasks", "/api/tasks", "/tasks/{id}", "/dashboard")
P50_MS, P99_MS = 150.0, 600.0
DATASETS = {"one": (1, 20_000), "many": (100, 1_000)}
UNITS, PEOPLE, PLANS = 10, 20, 4
UNCLEAR = ["person", "deadline", "person,responsibility", "work"]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LOGGED_IN = "logged-in"


# -- the database -----------------------------------------------------------------------------


def build(engine: Engine, orgs: int, per_org: int, seed: int = 7) -> None:
    """Organizations with units, people, plans, tasks and accounts, by Core bulk inserts."""
    rnd = random.Random(seed)
    today = datetime.now(UTC).date()
    stamp = datetime.now(UTC)
    secret = hash_password(PASSWORD)  # Argon2 once, the same hash for every account
    with engine.begin() as conn:
        conn.execute(insert(m.Organization), [
            {"id": o, "code": f"xa-{o:03d}", "name": f"UBND xã {o}", "level": "commune",
             "standing_office_code": "u1"} for o in range(1, orgs + 1)])  # fmt: skip
        conn.execute(insert(m.Unit), [
            {"id": _unit(o, u), "organization_id": o, "code": f"u{u}",
             "name": f"Phòng số {u}", "kind": "internal", "abbreviations": [], "aliases": []}
            for o in range(1, orgs + 1) for u in range(1, UNITS + 1)])  # fmt: skip
        conn.execute(insert(m.Person), [
            {"id": _person(o, p), "organization_id": o, "unit_id": _unit(o, p % UNITS + 1),
             "name": f"Cán bộ {o}-{p}", "title": "Chuyên viên",
             "email": f"canbo{o}-{p}@bench.example.vn"}
            for o in range(1, orgs + 1) for p in range(1, PEOPLE + 1)])  # fmt: skip
        conn.execute(insert(m.Plan), [
            {"id": _plan(o, k), "organization_id": o, "key": f"{k}/KH-UBND",
             "number": f"{k}/KH-UBND", "issued_on": today - timedelta(days=300 - 30 * k),
             "year": today.year, "imported_at": stamp}
            for o in range(1, orgs + 1) for k in range(1, PLANS + 1)])  # fmt: skip
        rows: list[dict[str, Any]] = []
        task_id = 0
        for o in range(1, orgs + 1):
            for n in range(per_org):
                task_id += 1
                rows.append(_task(rnd, task_id, o, n, today=today, stamp=stamp))
                if len(rows) == 10_000:
                    conn.execute(insert(m.Task), rows)
                    rows = []
        if rows:
            conn.execute(insert(m.Task), rows)
        conn.execute(insert(m.UserAccount), [
            {"username": f"bench{c}", "password_hash": secret, "role": "standing_office",
             "organization_id": 1 if orgs == 1 else c + 1, "created_at": stamp,
             "updated_at": stamp} for c in range(CLIENTS)])  # fmt: skip


def _unit(org: int, n: int) -> int:
    return (org - 1) * UNITS + n


def _person(org: int, n: int) -> int:
    return (org - 1) * PEOPLE + n


def _plan(org: int, n: int) -> int:
    return (org - 1) * PLANS + n


def _task(
    rnd: random.Random, task_id: int, org: int, n: int, *, today: date, stamp: datetime
) -> dict[str, Any]:
    due = today + timedelta(days=rnd.randrange(-200, 200)) if rnd.random() > 0.05 else None
    past = due is not None and due < today
    done = past and rnd.random() < 0.7
    unclear = rnd.choice(UNCLEAR) if rnd.random() < 0.1 else ""
    unit = rnd.randrange(1, UNITS + 1)
    return {
        "id": task_id, "organization_id": org, "plan_id": _plan(org, n % PLANS + 1),
        "key": str(n), "ref": f"{n // 50 + 1}.{n % 50 + 1}", "position": n,
        "work": f"Nhiệm vụ số {n}: triển khai kế hoạch cải cách hành chính",
        "area": "the-che", "person_id": _person(org, rnd.randrange(1, PEOPLE + 1)),
        "lead_text": f"Phòng số {unit}", "lead_unit_id": _unit(org, unit),
        "deadline_text": f"{due:%d/%m/%Y}" if due else "",
        "deadline_kind": "date" if due else "none",
        "due_date": due, "deadline_resolved": due is not None, "unclear": unclear,
        "unclear_since": today - timedelta(days=20) if unclear else None,
        "product": "Báo cáo", "state": "done" if done else "open",
        "completed_on": due + timedelta(days=rnd.randrange(-5, 5)) if done and due else None,
        "raw_cells": {}, "created_at": stamp, "updated_at": stamp,
    }  # fmt: skip


# -- the processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(url: str, folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SAURO_DATABASE_URL": url,
        "SAURO_CONFIG_DIR": str(REPO / "config"),
        "SAURO_UPLOADS_DIR": str(folder / "uploads"),
        "SAURO_REPORTS_DIR": str(folder / "reports"),
        "SAURO_OUTBOX_DIR": str(folder / "outbox"),
        "SAURO_SMTP_HOST": "",
    }


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [str(BIN / "sauro"), "serve", "--no-scheduler", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"the server did not start: see {log}")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def remind_loop(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``sauro remind --again`` again and again until killed."""
    script = f"while true; do '{BIN / 'sauro'}' remind --again; done"
    return subprocess.Popen(["bash", "-c", script], env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


# -- the clients (run in their own process: ``--clients``) ------------------------------------


async def _login(client: httpx.AsyncClient, username: str) -> None:
    form = await client.get("/login")
    token = _CSRF.search(form.text)
    if token is None:
        raise SystemExit("no CSRF token in the login form")
    answer = await client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token[1]}
    )
    if answer.status_code != 303:
        raise SystemExit(f"login of {username} refused: {answer.status_code}")


async def _client(
    client: httpx.AsyncClient, task_ids: list[int], until: float, seed: int
) -> dict[str, list[Any]]:
    rnd = random.Random(seed)
    found: dict[str, list[Any]] = {path: [] for path in PATHS}
    turn = rnd.randrange(len(PATHS))
    while time.monotonic() < until:
        path = PATHS[turn % len(PATHS)]
        turn += 1
        url = path.format(id=rnd.choice(task_ids))
        start = time.perf_counter()
        try:
            answer = await client.get(url)
            ok = answer.status_code == 200
        except httpx.HTTPError:
            ok = False
        found[path].append(((time.perf_counter() - start) * 1000, ok))
    return found


async def _clients(base: str, ids: dict[str, list[int]], seconds: float) -> dict[str, Any]:
    """Every account logged in first, then all of them for ``seconds``."""
    limits = httpx.Limits(max_connections=1)
    clients = [httpx.AsyncClient(base_url=base, timeout=30, limits=limits) for _ in ids]
    try:
        for client, user in zip(clients, ids, strict=True):
            await _login(client, user)
        print(LOGGED_IN, file=sys.stderr, flush=True)
        until = time.monotonic() + seconds
        pairs = enumerate(zip(clients, ids, strict=True))
        runs = await asyncio.gather(*(_client(c, ids[u], until, n) for n, (c, u) in pairs))
    finally:
        for client in clients:
            await client.aclose()
    merged: dict[str, list[Any]] = {path: [] for path in PATHS}
    for run in runs:
        for path, samples in run.items():
            merged[path] += samples
    return merged


def run_clients(
    base: str, ids: dict[str, list[int]], seconds: float, server: int
) -> tuple[dict[str, Any], float]:
    """The load, from a separate process (its output is JSON on stdout), and the CPU
    seconds the server ``pid`` spent while the logged-in clients ran (the logins, an
    Argon2 hash each, left out)."""
    payload = json.dumps({"base": base, "ids": ids, "seconds": seconds}) + "\n"
    clients = subprocess.Popen([sys.executable, __file__, "--clients"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert clients.stdin is not None and clients.stderr is not None
    clients.stdin.write(payload.encode())
    clients.stdin.flush()
    said = []  # what the clients print before they are all logged in (warnings)
    while (line := clients.stderr.readline().decode()).strip() != LOGGED_IN:
        if not line:
            raise SystemExit(f"the clients did not log in: {''.join(said)}")
        said.append(line)
    start = cpu_seconds(server)
    out, err = clients.communicate()
    spent = cpu_seconds(server) - start
    if clients.returncode != 0:
        raise SystemExit(f"the clients failed: {err.decode()}")
    result: dict[str, Any] = json.loads(out)
    return result, spent


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def clients_main() -> None:
    given = json.loads(sys.stdin.readline())
    found = asyncio.run(_clients(given["base"], given["ids"], given["seconds"]))
    print(json.dumps(found))


# -- one run --------------------------------------------------------------------------------------


def visible_ids(engine: Engine, orgs: int) -> dict[str, list[int]]:
    """Per account: 200 task ids of its organization to open."""
    found: dict[str, list[int]] = {}
    with engine.connect() as conn:
        for c in range(CLIENTS):
            org = 1 if orgs == 1 else c + 1
            query = sa.select(tq.T.id).where(tq.T.organization_id == org).limit(200)
            found[f"bench{c}"] = list(conn.execute(query).scalars())
    return found


def page_ratio(engine: Engine, base: str, org: int) -> tuple[float, float]:
    """One /api/tasks page (no load, median of 30) and the raw SQL the app runs for it
    through the bare DBAPI cursor (median of 30), in ms: the organization's plans by key,
    then the first plan's tasks along its index (``engine.web.tasks._by_plan``)."""
    t, pl, u, p = tq.T, tq.PL, tq.U, tq.P
    plans = sa.select(pl["key"], pl.id).where(pl.organization_id == org).order_by(pl["key"])
    with engine.connect() as conn:
        first = conn.execute(plans).first()
    assert first is not None
    query = (
        sa.select(t.id, pl["key"], t.ref, t.work, t.area, t.lead_unit_id, u.name, p.name,
                  t.due_date, t.state, t.completed_on, t.unclear, t.person_id, pl["key"],
                  t.position, t.id)
        .select_from(m.Task).join(m.Plan, pl.id == t.plan_id)
        .outerjoin(m.Unit, u.id == t.lead_unit_id).outerjoin(m.Person, p.id == t.person_id)
        .where(t.organization_id == org, t.state != "withdrawn", t.plan_id == first[1])
        .order_by(t.position, t.id).limit(51)
    )  # fmt: skip
    sql: list[float] = []
    with engine.connect() as conn:
        for _ in range(30):
            start = time.perf_counter()
            raw_rows(conn, plans)
            raw_rows(conn, query)
            sql.append((time.perf_counter() - start) * 1000)
    api: list[float] = []

    async def measure() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            await _login(client, "bench0")
            for _ in range(30):
                start = time.perf_counter()
                (await client.get("/api/tasks")).raise_for_status()
                api.append((time.perf_counter() - start) * 1000)

    asyncio.run(measure())
    return statistics.median(api), statistics.median(sql)


def statements_per_path(url: str, folder: Path, task_id: int) -> dict[str, int]:
    """The SQL statements one request of each path runs, warm (the organization's figures
    kept, as under load): the app in this process over the server's database and folders,
    logged in as ``bench0``."""
    from fastapi.testclient import TestClient

    from engine.configs.settings import Settings
    from engine.web.app import create_app
    from notifications.smtp_settings import SmtpSettings

    settings = Settings(database_url=url, config_dir=REPO / "config",
                        uploads_dir=folder / "uploads", reports_dir=folder / "reports")  # fmt: skip
    app = create_app(settings, smtp=SmtpSettings(smtp_host="", outbox_dir=folder / "outbox"))
    engine: Engine = app.state.web.engine
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    found: dict[str, int] = {}
    try:
        client = TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)
        token = _CSRF.search(client.get("/login").text)
        assert token is not None
        login = {"username": "bench0", "password": PASSWORD, "csrf_token": token[1]}
        assert client.post("/login", data=login).status_code == 303
        for path in PATHS:
            client.get(path.format(id=task_id)).raise_for_status()
            seen.clear()
            client.get(path.format(id=task_id)).raise_for_status()
            found[path] = len(seen)
    finally:
        app.state.mailer.close()
        engine.dispose()
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def one_run(kind: str, dataset: str, url: str, seconds: float, folder: Path) -> None:
    orgs, per_org = DATASETS[dataset]
    upgrade(url)
    engine = make_engine(url)
    start = time.perf_counter()
    build(engine, orgs, per_org)
    if kind == "postgres":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    print(f"\n== {kind}, {dataset}: {orgs} × {per_org:,} tasks, built in "
          f"{time.perf_counter() - start:.1f} s ==")  # fmt: skip
    env = environment(url, folder)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, folder / f"server-{kind}-{dataset}.log")
    reminder = None
    try:
        api_ms, sql_ms = page_ratio(engine, base, 1)
        ids = visible_ids(engine, orgs)
        statements = statements_per_path(url, folder, ids["bench0"][0])
        reminder = remind_loop(env, folder / f"remind-{kind}-{dataset}.log")
        found, cpu = run_clients(base, ids, seconds, server.pid)
        rss = peak_rss_mb(server.pid)
    finally:
        if reminder is not None:
            os.killpg(reminder.pid, 15)
            reminder.wait()
        server.terminate()
        server.wait(timeout=30)
        engine.dispose()
    report(found, statements, seconds=seconds, cpu=cpu, rss=rss, api=api_ms, sql=sql_ms)


def report(
    found: dict[str, Any], statements: dict[str, int], *, seconds: float, cpu: float,
    rss: float, api: float, sql: float,
) -> None:  # fmt: skip
    print(f"{'path':<14}{'p50 ms':>9}{'p99 ms':>9}{'count':>8}{'errors':>8}{'SQL':>6}   target")
    for path in PATHS:
        samples = found[path]
        times = [ms for ms, _ in samples]
        errors = sum(1 for _, ok in samples if not ok)
        p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
        verdict = "PASS" if p50 <= P50_MS and p99 <= P99_MS and errors == 0 else "MISS"
        print(f"{path:<14}{p50:>9.1f}{p99:>9.1f}{len(samples):>8}{errors:>8}"
              f"{statements[path]:>6}   {verdict}")  # fmt: skip
    total = sum(len(s) for s in found.values())
    print(f"throughput    : {total / seconds:.0f} requests/s over {seconds:.0f} s, "
          f"{CLIENTS} clients, reminder cycle running")  # fmt: skip
    print(f"server CPU    : {cpu:.1f} s, {1000 * cpu / max(total, 1):.2f} ms per request")
    print(f"server peak RSS: {rss:.0f} MB")
    print(f"/api/tasks page: {api:.1f} ms unloaded; raw SQL of the page {sql:.2f} ms; "
          f"ratio {api / sql:.1f}×")  # fmt: skip


def postgres_url(admin: str, name: str) -> tuple[str, Engine]:
    """A fresh database ``name`` on the admin URL's server."""
    root = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with root.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return admin.rsplit("/", 1)[0] + f"/{name}", root


def main() -> None:
    if "--clients" in sys.argv:
        clients_main()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--dataset", choices=["one", "many", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    datasets = ["one", "many"] if args.dataset == "both" else [args.dataset]
    for kind in kinds:
        for dataset in datasets:
            with tempfile.TemporaryDirectory(prefix="sauro-web-bench-") as tmp:
                folder = Path(tmp)
                if kind == "sqlite":
                    one_run(kind, dataset, f"sqlite:///{folder}/bench.db", args.seconds, folder)
                    continue
                name = "sauro_bench_web"
                url, root = postgres_url(args.pg_admin_url, name)
                try:
                    one_run(kind, dataset, url, args.seconds, folder)
                finally:
                    with root.connect() as conn:
                        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    root.dispose()


if __name__ == "__main__":
    main()
