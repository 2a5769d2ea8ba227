"""The SMTP cap across workers, for real: ``prefect server start``, the deployments and the
global concurrency limit ``smtp-127.0.0.1`` that ``sauro deploy`` registers with
``SAURO_SMTP_CONNECTION_LIMIT=2``, two process workers, six communes in batches of one, and
an SMTP server on 127.0.0.1 that answers each message after 50 ms and counts the
connections open at once from every worker together.

Each batch run would open up to ``SAURO_SMTP_CONCURRENCY`` (4) connections, and up to four
batches run at once on the two workers: without the limit the server sees far more than 2.
With it, never more than 2; every mail arrives once, and both workers ran batches.

About 40–60 s: kept on the Prefect xdist worker (``xdist_group``).
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect_stack import Server, Worker, sauro_env, smtp_server

from engine.calendar.status import VN
from engine.store.db import make_engine, upgrade

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "bench"))
from province import build_province  # noqa: E402

pytestmark = [pytest.mark.xdist_group("prefect")]

NOW = datetime(2026, 6, 15, 7, 0, tzinfo=VN)  # a Monday, a working day
ORGS = 6
LIMIT = 2
PARENT = "sau-ro-daily-cycle/hang-ngay-07-00"
POOL = "sau-ro-test"
WAIT = 180.0
SUBMITTED = re.compile(r"Worker '([^']+)' submitting flow run")


def test_two_workers_never_exceed_the_smtp_limit(tmp_path: Path, server: Server) -> None:
    database_url = f"sqlite:///{tmp_path / 'sauro.db'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    build_province(engine, orgs=ORGS, tasks_per_org=60, now=NOW)
    engine.dispose()

    with smtp_server(delay=0.05) as (smtp_port, received):
        env = sauro_env(
            database_url, tmp_path, smtp_port,
            batch_size="1", batch_poll_seconds="1", smtp_connection_limit=str(LIMIT),
        )  # fmt: skip
        deployed = server.deploy(POOL, env)
        assert f"tối đa {LIMIT} kết nối SMTP cùng lúc trên mọi worker" in deployed, deployed
        # Two flow runs at most each: the parent and the batches (up to four at once) do not
        # fit on one worker, so both send, whichever polls first.
        workers = [Worker(server, POOL, f"may-{n}", env, limit=2) for n in (1, 2)]
        try:
            with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
                state = asyncio.run(_run_parent())
        finally:
            for worker in workers:
                worker.stop()

    ran = Counter(
        name for worker in workers for name in SUBMITTED.findall(worker.log_path.read_text())
    )
    print(
        f"SMTP: {received.max_open} connections open at most (limit {LIMIT}), "
        f"{received.connections} opened; {len(received.messages)} mails; runs per worker {ran}"
    )
    assert state == "COMPLETED", workers[0].log_path.read_text()[-3000:]
    assert received.duplicates() == {}
    assert len({to for to, _ in received.messages}) > ORGS
    assert set(ran) == {"may-1", "may-2"}
    assert received.max_open <= LIMIT


async def _run_parent() -> str:
    async with get_client() as client:
        deployment = await client.read_deployment_by_name(PARENT)
        run = await client.create_flow_run_from_deployment(
            deployment.id, parameters={"at": NOW.isoformat()}
        )
        start = time.monotonic()
        while time.monotonic() - start < WAIT:
            (found,) = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
            )
            if found.state and found.state.is_final():
                return found.state.type.value
            await asyncio.sleep(1)
    raise AssertionError(f"the parent did not end in {WAIT:.0f} s")
