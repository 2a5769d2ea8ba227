"""The Prefect flow of the daily reminder cycle, for Prefect deployments (``sauro deploy``).

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
from flows.cycle import parse_instant, working_day_cycle
from notifications.zalo_settings import ZaloSettings

FLOW_NAME = "sau-ro-daily-cycle"


@flow(name=FLOW_NAME, description="Chu trình nhắc việc hằng ngày (6 rõ), chỉ chạy ngày làm việc.")
async def daily_cycle(
    org: str | None = None, at: str | None = None, dry_run: bool = False
) -> dict[str, Any]:
    """Run the reminder cycle now, or at ``at`` (ISO 8601 with offset), for one organization
    (``org``) or all; ``dry_run`` plans without sending. Returns the cycle report as JSON,
    or a "ngày nghỉ" result when the day is not a working day."""
    settings = Settings()
    now = parse_instant(at) if at else datetime.now(UTC)
    outcome = await working_day_cycle(
        database_url=settings.database_url,
        config_dir=settings.config_dir,
        org_code=org,
        now=now,
        dry_run=dry_run,
        base_url=settings.base_url,
        zalo=ZaloSettings(),
    )
    get_run_logger().info(outcome.summary())
    return outcome.to_json()
