"""The Prefect flow of the reporting calendar, for Prefect deployments (``sauro deploy``).

Thin like ``flows.reminders``: settings and the clock are read here; the working-day guard
and the day's work are ``flows.cycle.working_day_reporting`` (forms to the units before
their deadline, the period report assembled and mailed from the assembly day).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger

from engine.configs.settings import Settings
from flows.cycle import parse_instant, working_day_reporting

FLOW_NAME = "sau-ro-reporting-cycle"


@flow(name=FLOW_NAME, description="Lịch báo cáo CCHC: biểu đơn vị, tổng hợp và gửi báo cáo kỳ.")
async def reporting_cycle(
    org: str | None = None, at: str | None = None, send: bool = False, dry_run: bool = False
) -> dict[str, Any]:
    """One day of the reporting calendar now, or at ``at`` (ISO 8601 with offset), for one
    organization (``org``) or all; ``send`` also mails the period report upward
    (``report_to``); ``dry_run`` writes the files but sends nothing."""
    settings = Settings()
    now = parse_instant(at) if at else datetime.now(UTC)
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
    get_run_logger().info(outcome.summary())
    return outcome.to_json()
