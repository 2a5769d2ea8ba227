"""Distributed scheduling (``sauro deploy``): register the daily cycles on a Prefect server.

For one scope (every organization, one organization ``--org``, or a province and every
organization below it ``--province``) four deployments, all in one work pool:

==============================  ===========================================  =============
deployment                      flow                                          schedule
==============================  ===========================================  =============
``hang-ngay-07-00<suffix>``     ``sau-ro-daily-cycle`` (parent)              07:00 Mon–Sat
``lo-don-vi<suffix>``           ``sau-ro-daily-batch`` (a batch)             none
``hang-ngay-07-30<suffix>``     ``sau-ro-reporting-cycle`` (parent)          07:30 Mon–Sat
``lo-don-vi<suffix>``           ``sau-ro-reporting-batch`` (a batch)         none
==============================  ===========================================  =============

The suffix is empty for every organization, ``-<code>`` for ``--org <code>`` and
``-<code>-toan-tinh`` for ``--province <code>``: the deployments of different scopes
coexist, and deploying a scope again updates its own four in place. A parent names its
child deployment in its parameters (``child_deployment``) and fans out to it
(``flows.fanout``); the child deployment's ``concurrency_limit`` (``SAURO_BATCH_CONCURRENCY``)
caps how many batches of the scope run at once, whatever the number of workers.

The deployments run the flows by module path (``flows.reminders.daily_cycle``): nothing is
uploaded, and a worker runs them wherever this package is installed, reading
``SAURO_DATABASE_URL`` and ``SAURO_CONFIG_DIR`` from its own environment (database passwords
stay off the Prefect server). The cron fires Monday to Saturday in the calendar's time zone;
the flow itself skips days that are not working days. A missing work pool is created as a
``process`` pool.

Beside the deployments, ``deploy`` keeps two server-wide objects up to date: the global
concurrency limit ``smtp-<host>`` (``SAURO_SMTP_CONNECTION_LIMIT`` open SMTP connections to
the host of ``SAURO_SMTP_HOST``, all workers together), and the automation
``AUTOMATION_NAME``, which marks Crashed a Sáu Rõ flow run (tag ``sau-ro``) that stopped
sending heartbeats for ``SAURO_CRASH_AFTER_SECONDS`` (or stayed Pending that long: its
worker died while starting it): its machine died, and its parent then starts the batch
again. For each parent deployment, a second automation (``restart_automation``) runs the
parent again when one of its runs ends Crashed, with the crashed run's parameters, its day
(``at``, or the time it was scheduled for) and ``restart`` one more: the parent finds its
batches by their keys and does what is left, and refuses to run past
``SAURO_BATCH_ATTEMPTS`` restarts (``flows.fanout.check_restart``), so a parent that
always crashes is started a bounded number of times.

The temporary server that Prefect starts when ``PREFECT_API_URL`` is unset refuses
schedules, hence a real server's URL is required: ``prefect server start`` or Prefect Cloud.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx
from prefect.automations import Automation
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.objects import ConcurrencyLimitConfig, StateType
from prefect.deployments.runner import RunnerDeployment
from prefect.events.actions import ChangeFlowRunState, RunDeployment
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.exceptions import ObjectNotFound, PrefectException
from prefect.flows import Flow
from prefect.schedules import Cron
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.types.entrypoint import EntrypointType
from prefect.workers.process import ProcessWorker

from engine.errors import SauroError
from flows.fanout import smtp_limit_name
from flows.reminders import BATCH_FLOW_NAME, FLOW_NAME, daily_batch, daily_cycle
from flows.reporting import BATCH_FLOW_NAME as REPORTING_BATCH_FLOW_NAME
from flows.reporting import FLOW_NAME as REPORTING_FLOW_NAME
from flows.reporting import reporting_batch, reporting_cycle

DEPLOYMENT_NAME = "hang-ngay-07-00"
BATCH_DEPLOYMENT_NAME = "lo-don-vi"
DEFAULT_POOL = "sau-ro"
CRON = "0 7 * * 1-6"
REPORTING_DEPLOYMENT_NAME = "hang-ngay-07-30"
REPORTING_CRON = "30 7 * * 1-6"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
TAG = "sau-ro"
AUTOMATION_NAME = "sau-ro: lượt chạy mất tín hiệu là Crashed"
RESTART_AUTOMATION_PREFIX = "sau-ro: chạy lại lượt cha Crashed"
HEARTBEAT_ENV = "PREFECT_FLOWS_HEARTBEAT_FREQUENCY"


@dataclass(frozen=True)
class Scope:
    """Which organizations a set of deployments runs: one (``org``), a province and those
    below it (``province``), or all."""

    org: str | None = None
    province: str | None = None

    def __post_init__(self) -> None:
        if self.org and self.province:
            raise SauroError("Chỉ dùng một trong hai tùy chọn --org và --province.")

    @property
    def suffix(self) -> str:
        """What the scope's deployment names end with."""
        if self.org:
            return f"-{self.org}"
        if self.province:
            return f"-{self.province}-toan-tinh"
        return ""

    def parameters(self) -> dict[str, Any]:
        if self.org:
            return {"org": self.org}
        if self.province:
            return {"province": self.province}
        return {}

    def describe(self) -> str:
        if self.org:
            return f"đơn vị {self.org}"
        if self.province:
            return f"{self.province} và các đơn vị trực thuộc"
        return "mọi đơn vị"


@dataclass(frozen=True)
class Limits:
    """The settings the deployments carry (``engine.configs.settings.Settings``)."""

    batch_concurrency: int = 4
    heartbeat_seconds: int = 30
    crash_after_seconds: int = 90
    smtp_host: str = ""
    smtp_connection_limit: int = 8


@dataclass(frozen=True)
class Deployed:
    """What ``deploy`` registered, and where."""

    deployment_id: UUID
    full_name: str
    api_url: str
    pool: str
    pool_created: bool
    cron: str
    timezone: str
    reporting_name: str = ""
    reporting_cron: str = REPORTING_CRON
    batch_names: tuple[str, ...] = ()
    batch_concurrency: int = 0
    smtp_limit: str = ""
    smtp_connection_limit: int = 0
    automation: str = AUTOMATION_NAME
    restart_automations: tuple[str, ...] = ()


def api_address(url: str) -> str:
    """The API URL Prefect needs: a bare server address gets its ``/api`` path."""
    url = url.strip()
    if urlsplit(url).path in ("", "/"):
        return url.rstrip("/") + "/api"
    return url


def child_name(flow_name: str, scope: Scope) -> str:
    """The full name ("flow/deployment") of the scope's batch deployment of ``flow_name``."""
    return f"{flow_name}/{BATCH_DEPLOYMENT_NAME}{scope.suffix}"


async def build_deployment(
    *,
    pool: str,
    timezone: str = DEFAULT_TIMEZONE,
    org: str | None = None,
    scope: Scope | None = None,
    heartbeat_seconds: int = 30,
) -> RunnerDeployment:
    """The parent deployment of ``daily_cycle``: cron Monday–Saturday 07:00 in ``timezone``,
    fanning out to the scope's ``daily_batch`` deployment."""
    scope = scope or Scope(org=org)
    return await _parent(
        daily_cycle,
        name=DEPLOYMENT_NAME + scope.suffix,
        cron=CRON,
        child=child_name(BATCH_FLOW_NAME, scope),
        scope=scope,
        pool=pool,
        timezone=timezone,
        heartbeat_seconds=heartbeat_seconds,
        description=(
            f"Chu trình nhắc việc 6 rõ lúc 07:00 từ Thứ Hai đến Thứ Bảy ({scope.describe()}), "
            "chia lô đơn vị cho các worker; ngày không phải ngày làm việc thì bỏ qua "
            "(kể cả Thứ Bảy không làm bù)."
        ),
    )


async def build_reporting_deployment(
    *,
    pool: str,
    timezone: str = DEFAULT_TIMEZONE,
    org: str | None = None,
    scope: Scope | None = None,
    heartbeat_seconds: int = 30,
) -> RunnerDeployment:
    """The parent deployment of ``reporting_cycle``: Monday–Saturday 07:30 in ``timezone``."""
    scope = scope or Scope(org=org)
    return await _parent(
        reporting_cycle,
        name=REPORTING_DEPLOYMENT_NAME + scope.suffix,
        cron=REPORTING_CRON,
        child=child_name(REPORTING_BATCH_FLOW_NAME, scope),
        scope=scope,
        pool=pool,
        timezone=timezone,
        heartbeat_seconds=heartbeat_seconds,
        description=(
            f"Lịch báo cáo CCHC lúc 07:30 từ Thứ Hai đến Thứ Bảy ({scope.describe()}): gửi "
            "biểu cho đơn vị trước hạn, tổng hợp và gửi báo cáo kỳ; ngày không phải ngày "
            "làm việc thì bỏ qua."
        ),
    )


async def build_batch_deployments(
    *, pool: str, scope: Scope, limits: Limits
) -> list[RunnerDeployment]:
    """The scope's two batch deployments: no schedule (their parents start them), at most
    ``batch_concurrency`` runs each at once (the others wait their turn), heartbeats every
    ``heartbeat_seconds`` so that a run whose machine died is found."""
    return [
        await flow.ato_deployment(
            name=BATCH_DEPLOYMENT_NAME + scope.suffix,
            description=f"Một lô đơn vị ({scope.describe()}); do lượt chạy cha khởi động.",
            tags=[TAG],
            work_pool_name=pool,
            entrypoint_type=EntrypointType.MODULE_PATH,
            concurrency_limit=ConcurrencyLimitConfig(limit=limits.batch_concurrency),
            job_variables=heartbeat_env(limits.heartbeat_seconds),
        )
        for flow in (daily_batch, reporting_batch)
    ]


async def _parent(
    flow: Flow[Any, Any],
    *,
    name: str,
    cron: str,
    child: str,
    scope: Scope,
    pool: str,
    timezone: str,
    description: str,
    heartbeat_seconds: int,
) -> RunnerDeployment:
    return await flow.ato_deployment(
        name=name,
        schedules=[Cron(cron, timezone=timezone)],
        parameters={**scope.parameters(), "child_deployment": child},
        description=description,
        tags=[TAG],
        work_pool_name=pool,
        entrypoint_type=EntrypointType.MODULE_PATH,
        # A parent is a Sáu Rõ run too: with Prefect's default heartbeat (180 s) the
        # automation would take a live parent for a dead one.
        job_variables=heartbeat_env(heartbeat_seconds),
    )


def heartbeat_env(heartbeat_seconds: int) -> dict[str, Any]:
    """The job variables that make a flow run send a heartbeat every ``heartbeat_seconds``."""
    return {"env": {HEARTBEAT_ENV: str(heartbeat_seconds)}}


async def deploy(
    api_url: str,
    *,
    pool: str = DEFAULT_POOL,
    timezone: str = DEFAULT_TIMEZONE,
    org: str | None = None,
    province: str | None = None,
    limits: Limits | None = None,
) -> Deployed:
    """Create or update the scope's deployments (and the work pool if missing), the SMTP
    host's global concurrency limit and the automation on ``api_url``."""
    api_url = api_address(api_url)
    scope = Scope(org=org, province=province)
    limits = limits or Limits()
    if limits.crash_after_seconds < limits.heartbeat_seconds + 15:
        raise SauroError(
            f"SAURO_CRASH_AFTER_SECONDS ({limits.crash_after_seconds}) phải lớn hơn "
            f"SAURO_HEARTBEAT_SECONDS ({limits.heartbeat_seconds}) ít nhất 15 giây: "
            "nếu không, lượt chạy còn sống cũng bị coi là đã chết."
        )
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        try:
            async with get_client() as client:
                await _require_server(client, api_url)
                pool_created = await _ensure_pool(client, pool)
                smtp_limit = await _ensure_smtp_limit(client, limits)
            for batch in await build_batch_deployments(pool=pool, scope=scope, limits=limits):
                await batch.aapply(work_pool_name=pool)
            beat = limits.heartbeat_seconds
            deployment = await build_deployment(
                pool=pool, timezone=timezone, scope=scope, heartbeat_seconds=beat
            )
            deployment_id = await deployment.aapply(work_pool_name=pool)
            reporting = await build_reporting_deployment(
                pool=pool, timezone=timezone, scope=scope, heartbeat_seconds=beat
            )
            reporting_id = await reporting.aapply(work_pool_name=pool)
            await ensure_crash_automation(limits.crash_after_seconds)
            restarts = (
                await ensure_automation(restart_automation(deployment, deployment_id, daily_cycle)),
                await ensure_automation(
                    restart_automation(reporting, reporting_id, reporting_cycle)
                ),
            )
        except (httpx.HTTPError, PrefectException) as error:
            raise SauroError(
                f"Máy chủ Prefect {api_url} từ chối đăng ký lịch chạy: {error}"
            ) from None
    return Deployed(
        deployment_id=deployment_id,
        full_name=f"{FLOW_NAME}/{DEPLOYMENT_NAME}{scope.suffix}",
        api_url=api_url,
        pool=pool,
        pool_created=pool_created,
        cron=CRON,
        timezone=timezone,
        reporting_name=f"{REPORTING_FLOW_NAME}/{REPORTING_DEPLOYMENT_NAME}{scope.suffix}",
        batch_names=(
            child_name(BATCH_FLOW_NAME, scope),
            child_name(REPORTING_BATCH_FLOW_NAME, scope),
        ),
        batch_concurrency=limits.batch_concurrency,
        smtp_limit=smtp_limit,
        smtp_connection_limit=limits.smtp_connection_limit,
        restart_automations=restarts,
    )


def crash_automation(crash_after_seconds: int) -> Automation:
    """Prefect's recipe for runs whose machine died ("zombie" runs), kept to Sáu Rõ's runs
    (tag ``sau-ro``): a run that sent a heartbeat and then, for ``crash_after_seconds``,
    neither another one nor a final state is marked Crashed. So is a run that went Pending
    (a worker took it) or Running and then said nothing: its worker died while starting it,
    before the first heartbeat, and nothing else would ever end it."""
    return Automation(
        name=AUTOMATION_NAME,
        description="Đánh dấu Crashed lượt chạy Sáu Rõ không còn gửi tín hiệu (máy chạy đã "
        "tắt): lượt chạy cha sẽ chạy lại lô đó.",
        trigger=EventTrigger(
            after={
                "prefect.flow-run.Pending",
                "prefect.flow-run.Running",
                "prefect.flow-run.heartbeat",
            },
            expect={
                "prefect.flow-run.Running",
                "prefect.flow-run.heartbeat",
                "prefect.flow-run.Completed",
                "prefect.flow-run.Failed",
                "prefect.flow-run.Cancelled",
                "prefect.flow-run.Crashed",
            },
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            match_related=ResourceSpecification(
                {"prefect.resource.role": "tag", "prefect.resource.id": f"prefect.tag.{TAG}"}
            ),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=crash_after_seconds),
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"Không nhận được tín hiệu trong {crash_after_seconds} giây.",
            )
        ],
    )


async def ensure_crash_automation(crash_after_seconds: int) -> None:
    """Create the automation, or update the one of that name."""
    await ensure_automation(crash_automation(crash_after_seconds))


def restart_automation(
    deployment: RunnerDeployment, deployment_id: UUID, flow: Flow[Any, Any]
) -> Automation:
    """Run the parent deployment ``deployment_id`` again when one of its runs ends Crashed
    (its worker was stopped, or the automation above found its machine dead), with the
    crashed run's parameters (``restart_parameters``)."""
    return Automation(
        name=f"{RESTART_AUTOMATION_PREFIX}: {flow.name}/{deployment.name}",
        description="Lượt chạy cha bị Crashed (worker chết) thì chạy lại cùng ngày, cùng tham "
        "số; lượt mới tìm lại các lô đã chạy theo khóa và làm tiếp phần còn lại.",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Crashed"},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            match_related=ResourceSpecification(
                {
                    "prefect.resource.role": "deployment",
                    "prefect.resource.id": f"prefect.deployment.{deployment_id}",
                }
            ),
            for_each={"prefect.resource.id"},
            posture=Posture.Reactive,
            threshold=1,
            within=timedelta(0),
        ),
        actions=[
            RunDeployment(
                source="selected",
                deployment_id=deployment_id,
                parameters=restart_parameters(flow),
            )
        ],
    )


def restart_parameters(flow: Flow[Any, Any]) -> dict[str, str]:
    """Every parameter of ``flow`` as a template of the crashed run's value (rendered by the
    Prefect server, a single expression keeping its type): ``at`` becomes the instant the
    crashed run was scheduled for when it had none (its day stays the day, even after
    midnight), and ``restart`` one more than the crashed run's."""
    templates = {}
    for name, parameter in inspect.signature(flow.fn).parameters.items():
        if name == "at":
            value = "flow_run.parameters.get('at') or flow_run.expected_start_time.isoformat()"
        elif name == "restart":
            value = "flow_run.parameters.get('restart', 0) + 1"
        else:
            value = f"flow_run.parameters.get({name!r}, {parameter.default!r})"
        # One expression: the server adds "| tojson", which binds tighter than "or" and "+".
        templates[name] = "{{ (" + value + ") }}"
    return templates


async def ensure_automation(wanted: Automation) -> str:
    """Create ``wanted``, or update the automation of its name; its name."""
    try:
        existing = await Automation.aread(name=wanted.name)
    except ValueError:  # Prefect's way of saying there is none of that name
        await wanted.acreate()
        return wanted.name
    wanted.id = existing.id
    await wanted.aupdate()
    return wanted.name


async def _ensure_smtp_limit(client: PrefectClient, limits: Limits) -> str:
    """Create or resize ``smtp-<host>``; "" without an SMTP host."""
    if not limits.smtp_host:
        return ""
    name = smtp_limit_name(limits.smtp_host)
    await client.upsert_global_concurrency_limit_by_name(name, limits.smtp_connection_limit)
    return name


async def _require_server(client: PrefectClient, api_url: str) -> None:
    problem = await client.api_healthcheck()
    if problem is not None:
        raise SauroError(
            f"Không kết nối được máy chủ Prefect {api_url} ({type(problem).__name__}). "
            "Kiểm tra --api-url hoặc biến PREFECT_API_URL, và máy chủ đang chạy "
            "('prefect server start')."
        )


async def _ensure_pool(client: PrefectClient, pool: str) -> bool:
    """Create ``pool`` as a process work pool when it does not exist; True if created."""
    try:
        await client.read_work_pool(pool)
        return False
    except ObjectNotFound:
        await client.create_work_pool(
            WorkPoolCreate(
                name=pool,
                type=ProcessWorker.type,
                base_job_template=ProcessWorker.get_default_base_job_template(),
            )
        )
        return True
