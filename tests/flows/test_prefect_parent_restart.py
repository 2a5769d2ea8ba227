"""A parent whose machine died is run again, for real: ``prefect server start``, the
deployments and automations ``sauro deploy`` registers, four communes in a SQLite file, mail
to an SMTP server on 127.0.0.1 that counts what it receives.

The daily parent is triggered once on worker "may-1"; as soon as it has started a batch run,
that worker and every flow run it started are SIGKILLed (a machine that dies) and worker
"may-2" starts. Nothing reports the death: the heartbeat automation marks the silent parent
Crashed (and the batch runs caught Pending or Running), the restart automation runs the
parent deployment again with the same day and ``restart=1``, and that run finds its batches
by their keys, runs them again where they crashed, and ends Completed. Every commune's
digests arrive once, as many as the leases' summaries say were planned.

The heartbeat cannot be shorter than Prefect's 30 s nor the silence than 45 s, so this test
takes about 75–90 s: kept on the Prefect xdist worker (``xdist_group``).
"""

from __future__ import annotations

import asyncio
import copy
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName
from prefect.client.schemas.objects import FlowRun
from prefect.server.events.actions import RunDeployment
from prefect.server.schemas.core import FlowRun as ServerFlowRun
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.utilities.schema_tools.hydration import HydrationContext, hydrate
from prefect_stack import Server, Worker, sauro_env, smtp_server
from sqlalchemy import select

import engine.store.models as m
from engine.calendar.status import VN
from engine.errors import SauroError
from engine.store.db import make_engine, upgrade
from flows.deploy import restart_parameters
from flows.fanout import check_restart
from flows.reminders import daily_cycle
from flows.reporting import reporting_cycle

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "bench"))
from province import build_province, org_code  # noqa: E402

pytestmark = [pytest.mark.xdist_group("prefect")]

NOW = datetime(2026, 6, 15, 7, 0, tzinfo=VN)  # a Monday, a working day
ORGS = 4
PARENT = "sau-ro-daily-cycle/hang-ngay-07-00"
CHILD_DAILY = "sau-ro-daily-batch/lo-don-vi"
POOL = "sau-ro-test"
WAIT = 240.0


def test_restart_bounded_by_attempts() -> None:
    logged: list[str] = []
    check_restart(0, 3, logged.append)
    check_restart(2, 3, logged.append)
    assert logged == ["Chạy lại lần 2 sau khi lượt chạy cha trước bị Crashed."]
    with pytest.raises(SauroError, match="đã bị Crashed 3 lần"):
        check_restart(3, 3, logged.append)


def test_restart_parameters_as_the_server_renders_them() -> None:
    """The restart automation's templates rendered as the Prefect server renders a
    RunDeployment action's parameters: a scheduled run without ``at`` restarts on the
    instant it was scheduled for; a manual one keeps its own; ``restart`` goes up by one."""
    scheduled = datetime(2026, 6, 15, 0, 0, tzinfo=UTC)  # 07:00 in Hà Nội

    def rendered(flow: Any, parameters: dict[str, Any]) -> dict[str, Any]:
        templates = copy.deepcopy(restart_parameters(flow))
        RunDeployment._upgrade_v1_templates(templates)  # what the server does first
        run = ServerFlowRun(flow_id=uuid4(), parameters=parameters, expected_start_time=scheduled)
        context = HydrationContext(
            raise_on_error=True, render_jinja=True, jinja_context={"flow_run": run}
        )
        result: dict[str, Any] = hydrate(templates, context)
        return result

    assert rendered(daily_cycle, {"child_deployment": CHILD_DAILY}) == {
        "org": None, "at": scheduled.isoformat(), "dry_run": False, "province": None,
        "child_deployment": CHILD_DAILY, "restart": 1,
    }  # fmt: skip
    manual = {"org": "xa-0002", "at": NOW.isoformat(), "send": True, "restart": 1}
    assert rendered(reporting_cycle, manual) == {
        **manual, "dry_run": False, "province": None, "child_deployment": None, "restart": 2,
    }  # fmt: skip


def test_parent_on_a_dead_machine_runs_again(tmp_path: Path, server: Server) -> None:
    database_url = f"sqlite:///{tmp_path / 'sauro.db'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    build_province(engine, orgs=ORGS, tasks_per_org=40, now=NOW)
    codes = [org_code(n) for n in range(1, ORGS + 1)]

    with smtp_server() as (smtp_port, received):
        env = sauro_env(
            database_url, tmp_path, smtp_port,
            batch_size="2", batch_poll_seconds="1",
            heartbeat_seconds="30", crash_after_seconds="45",
        )  # fmt: skip
        deployed = server.deploy(POOL, env)
        assert (
            "Tự động hóa 'sau-ro: chạy lại lượt cha Crashed: "
            "sau-ro-daily-cycle/hang-ngay-07-00'" in deployed
        ), deployed
        first = Worker(server, POOL, "may-1", env)
        second: Worker | None = None
        try:
            with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
                parent = asyncio.run(_start_parent())
                asyncio.run(_wait_for_a_batch(parent))
                first.kill_everything()
                mails_at_kill = len(received.messages)
                second = Worker(server, POOL, "may-2", env)
                parents = asyncio.run(_wait_for_restarted_parent())
        finally:
            first.stop()
            if second is not None:
                second.stop()

    logs = (second.log_path.read_text() if second else "")[-4000:]
    assert [(p.parameters.get("restart", 0), _state(p)) for p in parents] == [
        (0, "CRASHED"),
        (1, "COMPLETED"),
    ], logs
    assert parents[1].parameters["at"] == NOW.isoformat()
    with engine.connect() as connection:
        summaries = connection.execute(select(m.CycleRun.summary, m.CycleRun.finished_at)).all()  # type: ignore[call-overload]
    engine.dispose()
    assert len(summaries) == ORGS and all(finished for _, finished in summaries)
    expected = sum(int(summary.get("messages", 0)) for summary, _ in summaries)
    counted = len(received.messages)
    print(f"mails: {counted} counted ({mails_at_kill} before the kill), {expected} expected")
    assert received.duplicates() == {}
    assert len(received.messages) == expected > 0
    assert {to.split("@")[1] for to in received.recipients()} == {
        f"{code}.example.vn" for code in codes
    }


async def _start_parent() -> Any:
    async with get_client() as client:
        deployment = await client.read_deployment_by_name(PARENT)
        run = await client.create_flow_run_from_deployment(
            deployment.id, parameters={"at": NOW.isoformat()}
        )
        return run.id


async def _wait_for_a_batch(parent: Any) -> None:
    """Until the parent runs and has started a batch run (before that batch sends mail)."""
    async with get_client() as client:
        start = time.monotonic()
        while time.monotonic() - start < WAIT:
            if await _runs(client, "sau-ro-daily-batch"):
                return
            await asyncio.sleep(0.1)
    raise AssertionError("the parent started no batch")


async def _wait_for_restarted_parent() -> list[FlowRun]:
    """Until a parent run started by the restart automation is final: every parent run,
    first started first."""
    async with get_client() as client:
        start = time.monotonic()
        while time.monotonic() - start < WAIT:
            parents = await _runs(client, "sau-ro-daily-cycle")
            if len(parents) > 1 and all(p.state and p.state.is_final() for p in parents):
                return parents
            await asyncio.sleep(1)
    raise AssertionError(f"no restarted parent ended in {WAIT:.0f} s: {parents}")


async def _runs(client: PrefectClient, flow_name: str) -> list[FlowRun]:
    runs = await client.read_flow_runs(
        flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name]))
    )
    return sorted(runs, key=lambda run: run.created or NOW)


def _state(run: FlowRun) -> str:
    return run.state_type.value if run.state_type else ""
