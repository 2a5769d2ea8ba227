"""The Prefect flows of the reporting calendar, for Prefect deployments (``sauro deploy``).

Shaped like ``flows.reminders``: ``reporting_cycle`` is the parent the cron starts, which
fans the organizations out in batches to ``reporting_batch`` runs when deployed with a
``child_deployment`` (``flows.fanout``), and does the day itself when called directly.
Settings and the clock are read here; the working-day guard and the day's work are
``flows.cycle.working_day_reporting`` (forms to the units before their deadline, the period
report assembled and mailed from the assembly day).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger

from engine.configs.settings import Settings
from flows.batches import Batch
from flows.cycle import parse_instant, working_day_reporting
from flows.fanout import check_restart, fan_out, finish, smtp_slot
from notifications.smtp_settings import SmtpSettings

FLOW_NAME = "sau-ro-reporting-cycle"
BATCH_FLOW_NAME = "sau-ro-reporting-batch"
KIND = "reporting"


@flow(name=FLOW_NAME, description="Lịch báo cáo CCHC: biểu đơn vị, tổng hợp và gửi báo cáo kỳ.")
async def reporting_cycle(  # noqa: PLR0917  (Prefect passes parameters by name)
    org: str | None = None,
    at: str | None = None,
    send: bool = False,
    dry_run: bool = False,
    province: str | None = None,
    child_deployment: str | None = None,
    restart: int = 0,
) -> dict[str, Any]:
    """One day of the reporting calendar now, or at ``at`` (ISO 8601 with offset), for one
    organization (``org``), a province and those below it (``province``) or all; ``send``
    also mails the period report upward (``report_to``); ``dry_run`` writes the files but
    sends nothing. With ``child_deployment``, in batches run by that deployment;
    ``restart`` as for ``flows.reminders.daily_cycle``."""
    settings = Settings()
    now = parse_instant(at) if at else datetime.now(UTC)
    logger = get_run_logger()
    check_restart(restart, settings.batch_attempts, logger.info)
    if child_deployment:

        def parameters(batch: Batch) -> dict[str, Any]:
            return {
                "org_codes": list(batch.codes),
                "at": now.isoformat(),
                "send": send,
                "dry_run": dry_run,
            }

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
    outcome = await working_day_reporting(
        database_url=settings.database_url,
        config_dir=settings.config_dir,
        org_code=org,
        now=now,
        out_dir=settings.reports_dir,
        send_upward=send,
        dry_run=dry_run,
        base_url=settings.base_url,
    )
    logger.info(outcome.summary())
    return outcome.to_json()


@flow(name=BATCH_FLOW_NAME, description="Một lô đơn vị của lịch báo cáo CCHC.")
async def reporting_batch(
    org_codes: list[str], at: str, send: bool = False, dry_run: bool = False
) -> dict[str, Any]:
    """The reporting day of ``org_codes`` as of ``at`` (the parent's instant)."""
    settings = Settings()
    outcome = await working_day_reporting(
        database_url=settings.database_url,
        config_dir=settings.config_dir,
        org_code=None,
        org_codes=org_codes,
        now=parse_instant(at),
        out_dir=settings.reports_dir,
        send_upward=send,
        dry_run=dry_run,
        base_url=settings.base_url,
        send_slot=smtp_slot(SmtpSettings()),
    )
    get_run_logger().info(outcome.summary())
    return outcome.to_json()
