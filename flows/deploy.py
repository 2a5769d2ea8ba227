"""Distributed scheduling (``sauro deploy``): register ``daily_cycle`` (07:00) and
``reporting_cycle`` (07:30) on a Prefect server.

The deployment runs the flow by module path (``flows.reminders.daily_cycle``): nothing is
uploaded, and a worker runs it wherever this package is installed, reading
``SAURO_DATABASE_URL`` and ``SAURO_CONFIG_DIR`` from its own environment (database passwords
stay off the Prefect server). The cron fires Monday to Saturday at 07:00 in the calendar's
time zone; the flow itself skips days that are not working days. Re-deploying updates the
deployment in place. A missing work pool is created as a ``process`` pool.

The temporary server that Prefect starts when ``PREFECT_API_URL`` is unset refuses
schedules, hence a real server's URL is required: ``prefect server start`` or Prefect Cloud.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit
from uuid import UUID

import httpx
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.deployments.runner import RunnerDeployment
from prefect.exceptions import ObjectNotFound, PrefectException
from prefect.schedules import Cron
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.types.entrypoint import EntrypointType
from prefect.workers.process import ProcessWorker

from engine.errors import SauroError
from flows.reminders import FLOW_NAME, daily_cycle
from flows.reporting import FLOW_NAME as REPORTING_FLOW_NAME
from flows.reporting import reporting_cycle

DEPLOYMENT_NAME = "hang-ngay-07-00"
DEFAULT_POOL = "sau-ro"
CRON = "0 7 * * 1-6"
REPORTING_DEPLOYMENT_NAME = "hang-ngay-07-30"
REPORTING_CRON = "30 7 * * 1-6"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


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


def api_address(url: str) -> str:
    """The API URL Prefect needs: a bare server address gets its ``/api`` path."""
    url = url.strip()
    if urlsplit(url).path in ("", "/"):
        return url.rstrip("/") + "/api"
    return url


async def build_deployment(
    *, pool: str, timezone: str = DEFAULT_TIMEZONE, org: str | None = None
) -> RunnerDeployment:
    """The deployment of ``daily_cycle``: cron Monday–Saturday 07:00 in ``timezone``."""
    return await daily_cycle.ato_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(CRON, timezone=timezone)],
        parameters={"org": org} if org else {},
        description=(
            "Chu trình nhắc việc 6 rõ lúc 07:00 từ Thứ Hai đến Thứ Bảy; "
            "ngày không phải ngày làm việc thì bỏ qua (kể cả Thứ Bảy không làm bù)."
        ),
        tags=["sau-ro"],
        work_pool_name=pool,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


async def build_reporting_deployment(
    *, pool: str, timezone: str = DEFAULT_TIMEZONE, org: str | None = None
) -> RunnerDeployment:
    """The deployment of ``reporting_cycle``: Monday–Saturday 07:30 in ``timezone``."""
    return await reporting_cycle.ato_deployment(
        name=REPORTING_DEPLOYMENT_NAME,
        schedules=[Cron(REPORTING_CRON, timezone=timezone)],
        parameters={"org": org} if org else {},
        description=(
            "Lịch báo cáo CCHC lúc 07:30 từ Thứ Hai đến Thứ Bảy: gửi biểu cho đơn vị trước "
            "hạn, tổng hợp và gửi báo cáo kỳ; ngày không phải ngày làm việc thì bỏ qua."
        ),
        tags=["sau-ro"],
        work_pool_name=pool,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


async def deploy(
    api_url: str,
    *,
    pool: str = DEFAULT_POOL,
    timezone: str = DEFAULT_TIMEZONE,
    org: str | None = None,
) -> Deployed:
    """Create or update the deployment (and its work pool if missing) on ``api_url``."""
    api_url = api_address(api_url)
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        try:
            async with get_client() as client:
                await _require_server(client, api_url)
                pool_created = await _ensure_pool(client, pool)
            deployment = await build_deployment(pool=pool, timezone=timezone, org=org)
            deployment_id = await deployment.aapply(work_pool_name=pool)
            reporting = await build_reporting_deployment(pool=pool, timezone=timezone, org=org)
            await reporting.aapply(work_pool_name=pool)
        except (httpx.HTTPError, PrefectException) as error:
            raise SauroError(
                f"Máy chủ Prefect {api_url} từ chối đăng ký lịch chạy: {error}"
            ) from None
    return Deployed(
        deployment_id=deployment_id,
        full_name=f"{FLOW_NAME}/{DEPLOYMENT_NAME}",
        api_url=api_url,
        pool=pool,
        pool_created=pool_created,
        cron=CRON,
        timezone=timezone,
        reporting_name=f"{REPORTING_FLOW_NAME}/{REPORTING_DEPLOYMENT_NAME}",
    )


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
