"""The daily cycle on working days only: the one function both schedulers end in.

Free of Prefect on purpose, so that the embedded scheduler (``sauro serve``) neither imports
nor starts it. The guard judges the day in the calendar's time zone: 23:30 UTC on a Sunday
is already Monday morning in Vietnam.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from engine.calendar.workdays import (
    CALENDAR_FILE,
    WorkCalendar,
    format_day,
    load_calendar,
    weekday_name,
)
from engine.errors import Location, Problem, SauroError
from engine.reminders.cycle import CycleReport, run_cycle
from engine.reports.cycle import ReportingDay, run_reporting_day
from notifications.zalo_settings import ZaloSettings

if TYPE_CHECKING:
    from notifications.delivery import SendSlot

DAY_OFF = "ngày nghỉ"


@dataclass(frozen=True)
class DayOff:
    """The cycle did not run: ``day`` is not a working day."""

    day: date
    reason: str
    next_working_day: date

    def summary(self) -> str:
        """One Vietnamese line for logs and the terminal."""
        # A weekend day's reason is its weekday name: saying it twice reads badly.
        why = "" if self.reason == weekday_name(self.day) else f" ({self.reason})"
        return (
            f"{format_day(self.day)} là {DAY_OFF}{why}: không chạy chu trình nhắc việc. "
            f"Ngày làm việc tiếp theo: {format_day(self.next_working_day)}."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "skipped": True,
            "status": DAY_OFF,
            "day": self.day.isoformat(),
            "day_off": self.reason,
            "next_working_day": self.next_working_day.isoformat(),
            "summary": self.summary(),
        }


Outcome: TypeAlias = CycleReport | DayOff
ReportingOutcome: TypeAlias = ReportingDay | DayOff


def day_off(calendar: WorkCalendar, now: datetime) -> DayOff | None:
    """The day off ``now`` falls on in the calendar's time zone, or None on a working day."""
    today = now.astimezone(calendar.timezone).date()
    reason = calendar.non_working_reason(today)
    if reason is None:
        return None
    return DayOff(today, reason, calendar.next_working_day(today))


def local_day(config_dir: Path, now: datetime) -> tuple[date, DayOff | None]:
    """The day ``now`` falls on in the calendar's time zone (the day a cycle's leases are
    taken for), and the day off it is, if it is one."""
    calendar = WorkCalendar(load_calendar(config_dir / CALENDAR_FILE))
    return now.astimezone(calendar.timezone).date(), day_off(calendar, now)


async def working_day_cycle(
    *,
    database_url: str,
    config_dir: Path,
    org_code: str | None,
    now: datetime,
    dry_run: bool = False,
    base_url: str = "",
    zalo: ZaloSettings | None = None,
    org_codes: Sequence[str] | None = None,
    send_slot: SendSlot | None = None,
) -> Outcome:
    """Run the reminder cycle at ``now`` (aware), unless ``now`` falls on a day off; mails
    link to ``base_url``. ``org_codes`` limits it to those organizations (a batch of a
    Prefect fan-out); ``send_slot`` is held by each SMTP connection while it is open (the
    global limit of connections to the SMTP host, ``flows.fanout.smtp_slot``)."""
    off = day_off(WorkCalendar(load_calendar(config_dir / CALENDAR_FILE)), now)
    if off is not None:
        return off
    return await run_cycle(
        database_url=database_url,
        config_dir=config_dir,
        org_code=org_code,
        now=now,
        dry_run=dry_run,
        base_url=base_url,
        zalo=zalo,
        org_codes=org_codes,
        send_slot=send_slot,
    )


async def working_day_reporting(
    *,
    database_url: str,
    config_dir: Path,
    org_code: str | None,
    now: datetime,
    out_dir: Path,
    send_upward: bool = False,
    dry_run: bool = False,
    base_url: str = "",
    org_codes: Sequence[str] | None = None,
    send_slot: SendSlot | None = None,
) -> ReportingOutcome:
    """Run one day of the reporting calendar at ``now``, unless it falls on a day off;
    ``org_codes`` and ``send_slot`` as for ``working_day_cycle``."""
    off = day_off(WorkCalendar(load_calendar(config_dir / CALENDAR_FILE)), now)
    if off is not None:
        return off
    return await run_reporting_day(
        database_url=database_url,
        config_dir=config_dir,
        org_code=org_code,
        now=now,
        out_dir=out_dir,
        send_upward=send_upward,
        dry_run=dry_run,
        base_url=base_url,
        org_codes=org_codes,
        send_slot=send_slot,
    )


def parse_instant(text: str, option: str = "at") -> datetime:
    """An ISO 8601 instant with its offset ("2026-11-23T07:00:00+07:00"); a naive or
    malformed one is refused, since the day it falls on depends on the zone."""
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError:
        instant = None
    if instant is None or instant.utcoffset() is None:
        raise SauroError(
            f"Thời điểm '{text}' không hợp lệ",
            [
                Problem(
                    Location(field=option),
                    "cần ngày giờ ISO 8601 kèm múi giờ, vd. 2026-11-23T07:00:00+07:00",
                )
            ],
        )
    return instant
