"""The fan-out for real: ``prefect server start`` (its own PREFECT_HOME, SQLite), the
deployments ``sauro deploy`` registers, one process worker, four communes in a SQLite file
and their mail to an SMTP server on 127.0.0.1.

The daily parent is triggered twice at once; batches of two communes; the first run of the
second batch was created beforehand under its key and marked Crashed, as a worker stopped
under it would leave it. Both parents end Completed, the first batch ran once, the second
twice (the crashed run and its retry), and every digest arrived once.

About 30–40 s: kept on one xdist worker (``xdist_group``). ``SAURO_TEST_PREFECT=off``, or a
server that does not start outside CI, skips it.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Crashed
from prefect_stack import Server, Worker, run_all, runs_of, smtp_server, state_of
from prefect_stack import sauro_env as sauro_env_of

from engine.calendar.status import VN
from engine.store.db import make_engine, upgrade
from flows.batches import batch_key, plan_batches

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "bench"))
from province import build_province, org_code  # noqa: E402

pytestmark = [pytest.mark.xdist_group("prefect")]

NOW = datetime(2026, 6, 15, 7, 0, tzinfo=VN)  # a Monday, a working day
ORGS = 4
CHILD = "sau-ro-daily-batch/lo-don-vi"
PARENT = "sau-ro-daily-cycle/hang-ngay-07-00"
WAIT = 120.0


def test_parent_twice_children_once_crashed_child_again(tmp_path: Path, server: Server) -> None:
    database_url = f"sqlite:///{tmp_path / 'sauro.db'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    build_province(engine, orgs=ORGS, tasks_per_org=40, now=NOW)
    engine.dispose()
    codes = [org_code(n) for n in range(1, ORGS + 1)]
    first, second = plan_batches(codes, 2)

    with smtp_server() as (smtp_port, received):
        sauro_env = sauro_env_of(
            database_url, tmp_path, smtp_port, batch_size="2", batch_poll_seconds="1"
        )
        deployed = server.deploy("sau-ro-test", sauro_env)
        assert "Giới hạn 'smtp-127.0.0.1': tối đa 8 kết nối SMTP" in deployed

        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            key = batch_key(CHILD, NOW.date(), second, 0)
            crashed = asyncio.run(_crashed_first_run(key, list(second.codes)))
            worker = Worker(server, "sau-ro-test", "may-1", sauro_env)
            try:
                at = {"at": NOW.isoformat()}
                parents = asyncio.run(run_all(PARENT, [at, at], WAIT))
                runs = [
                    {"id": run.id, "key": run.idempotency_key, "state": state_of(run)}
                    for run in asyncio.run(runs_of("sau-ro-daily-batch", "lo-don-vi"))
                ]
            finally:
                worker.stop()

    logs = worker.log_path.read_text()
    assert [state_of(run) for run in parents] == ["COMPLETED", "COMPLETED"], logs[-4000:]
    by_key = {run["key"]: run for run in runs}
    assert len(runs) == len(by_key) == 3  # first batch once, second twice
    assert by_key[batch_key(CHILD, NOW.date(), first, 0)]["state"] == "COMPLETED"
    assert by_key[batch_key(CHILD, NOW.date(), second, 0)]["id"] == crashed
    assert by_key[batch_key(CHILD, NOW.date(), second, 0)]["state"] == "CRASHED"
    assert by_key[batch_key(CHILD, NOW.date(), second, 1)]["state"] == "COMPLETED"

    assert received.messages, "no mail arrived"
    assert received.duplicates() == {}
    domains = {to.split("@")[1] for to in received.recipients()}
    assert domains == {f"{code}.example.vn" for code in codes}


async def _crashed_first_run(key: str, codes: list[str]) -> Any:
    """The second batch's first run, created under its key and marked Crashed before any
    worker runs: what a worker stopped under it (SIGINT) leaves."""
    async with get_client() as client:
        deployment = await client.read_deployment_by_name(CHILD)
        run = await client.create_flow_run_from_deployment(
            deployment.id,
            parameters={"org_codes": codes, "at": NOW.isoformat()},
            idempotency_key=key,
        )
        await client.set_flow_run_state(run.id, Crashed(message="worker stopped"), force=True)
        return run.id
