"""The Prefect flows of the daily reminder cycle, for Prefect deployments (``sauro deploy``).

``daily_cycle`` is the parent the cron starts. Deployed, it has a ``child_deployment``: it
lists the organizations of its scope still due today, cuts them in batches and starts one
``daily_batch`` run per batch through that deployment, on whatever workers poll the pool
(``flows.fanout``). Called directly (no ``child_deployment``), it runs the cycle itself,
every organization in its own process.

Thin on purpose: settings and the clock are read here, at the edge; the working-day guard and
the cycle are ``flows.cycle.working_day_cycle``. The deployment's cron fires Monday to
Saturday (make-up working Saturdays exist), so the guard is what skips a holiday or an
ordinary Saturday: such a run ends "Completed" with a "ngày nghỉ" result, not "Failed".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger

from engine.configs.settings import Settings
from flows.batches import Batch
from flows.cycle import parse_instant, working_day_cycle
from flows.fanout import check_restart, fan_out, finish, smtp_slot
from notifications.smtp_settings import SmtpSettings
from notifications.zalo_settings import ZaloSettings

FLOW_NAME = "sau-ro-daily-cycle"
BATCH_FLOW_NAME = "sau-ro-daily-batch"
KIND = "reminders"


@flow(name=FLOW_NAME, description="Chu trình nhắc việc hằng ngày (6 rõ), chỉ chạy ngày làm việc.")
async def daily_cycle(  # noqa: PLR0917  (Prefect passes parameters by name)
    org: str | None = None,
    at: str | None = None,
    dry_run: bool = False,
    province: str | None = None,
    child_deployment: str | None = None,
    restart: int = 0,
) -> dict[str, Any]:
    """Run the reminder cycle now, or at ``at`` (ISO 8601 with offset), for one organization
    (``org``), a province and the organizations below it (``province``) or all; ``dry_run``
    plans without sending. With ``child_deployment`` ("flow/deployment"), in batches run by
    that deployment's flow runs. ``restart`` counts the runs before this one that crashed
    (the restart automation sets it; ``flows.fanout.check_restart``). Returns the cycle
    report (or the batches) as JSON, or a "ngày nghỉ" result when the day is not a working
    day."""
    settings = Settings()
    now = parse_instant(at) if at else datetime.now(UTC)
    logger = get_run_logger()
    check_restart(restart, settings.batch_attempts, logger.info)
    if child_deployment:

        def parameters(batch: Batch) -> dict[str, Any]:
            return {"org_codes": list(batch.codes), "at": now.isoformat(), "dry_run": dry_run}

        fanned = await fan_out(
            kind=KIND,
            settings=settings,
            now=now,
            child_deployment=child_deployment,
            parameters=parameters,
            log=logger.info,
            org=org,
            province=province,
        )
        return finish(fanned, logger.info)
    outcome = await working_day_cycle(
        database_url=settings.database_url,
        config_dir=settings.config_dir,
        org_code=org,
        now=now,
        dry_run=dry_run,
        base_url=settings.base_url,
        zalo=ZaloSettings(),
    )
    logger.info(outcome.summary())
    return outcome.to_json()


@flow(name=BATCH_FLOW_NAME, description="Một lô đơn vị của chu trình nhắc việc hằng ngày.")
async def daily_batch(org_codes: list[str], at: str, dry_run: bool = False) -> dict[str, Any]:
    """The reminder cycle of ``org_codes`` as of ``at`` (the parent's instant: its day is
    the batch's day, even past midnight). An organization another run holds or finished
    today is skipped; one a dead run left is resumed."""
    settings = Settings()
    outcome = await working_day_cycle(
        database_url=settings.database_url,
        config_dir=settings.config_dir,
        org_code=None,
        org_codes=org_codes,
        now=parse_instant(at),
        dry_run=dry_run,
        base_url=settings.base_url,
        zalo=ZaloSettings(),
        send_slot=smtp_slot(SmtpSettings()),
    )
    get_run_logger().info(outcome.summary())
    return outcome.to_json()
