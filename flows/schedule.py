"""Embedded scheduling (``sauro serve``): APScheduler 3 in one process, the daily cycle at
07:00 in the calendar's time zone on working days only.

``WorkingDayTrigger`` wraps a ``CronTrigger`` firing every day at 07:00 and moves any fire
time that falls on a day off to 07:00 of the next working day, as ``WorkCalendar`` says
(weekends, holidays, swapped days off; make-up Saturdays fire). ``get_next_fire_time`` is
pure: the clock is its ``now`` argument.

``build_scheduler`` keeps its one job in the table ``apscheduler_jobs`` of the engine's own
database. After downtime the stored next run time is in the past; the scheduler then runs
the job once (``coalesce``) if the latest missed fire time is at most ``GRACE_HOURS`` late,
and otherwise skips it. The job is re-registered on every start (``replace_existing``) so
that an edited ``calendar.yaml`` takes effect, keeping a missed run time for that catch-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any

from apscheduler.executors.pool import (  # type: ignore[import-untyped]
    ThreadPoolExecutor,
)
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # type: ignore[import-untyped]
from apscheduler.schedulers.background import (  # type: ignore[import-untyped]
    BackgroundScheduler,
)
from apscheduler.schedulers.base import BaseScheduler  # type: ignore[import-untyped]
from apscheduler.schedulers.blocking import BlockingScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.base import BaseTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]
from sqlalchemy import inspect, select
from sqlalchemy.exc import DBAPIError

from engine.calendar.workdays import CalendarConfig, WorkCalendar, format_day
from engine.configs.settings import Settings
from engine.store.db import make_engine

if TYPE_CHECKING:
    from flows.cycle import Outcome, ReportingOutcome

JOB_ID = "sau-ro-daily-cycle"
JOB_REF = "flows.schedule:run_daily_cycle"
JOB_NAME = "Chu trình nhắc việc hằng ngày"
REPORTING_JOB_ID = "sau-ro-reporting-cycle"
REPORTING_JOB_REF = "flows.schedule:run_reporting_cycle"
REPORTING_JOB_NAME = "Lịch báo cáo định kỳ"
REPORTING_MINUTE = 30  # after the reminder cycle, on the same working days
JOBS_TABLE = "apscheduler_jobs"
GRACE_HOURS = 6
FIRE_HOUR = 7
FIRE_MINUTE = 0


class WorkingDayTrigger(BaseTrigger):  # type: ignore[misc]
    """Fires at ``hour:minute`` in the calendar's time zone on working days only."""

    __slots__ = ("_calendar", "_cron", "hour", "minute")

    def __init__(
        self, calendar: WorkCalendar, *, hour: int = FIRE_HOUR, minute: int = FIRE_MINUTE
    ) -> None:
        self._setup(calendar, hour, minute)

    def _setup(self, calendar: WorkCalendar, hour: int, minute: int) -> None:
        self._calendar = calendar
        self.hour = hour
        self.minute = minute
        self._cron = CronTrigger(hour=hour, minute=minute, timezone=calendar.timezone)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The cron's next fire time (APScheduler's rules: after ``previous_fire_time`` if
        given, else at or after ``now``), moved to the next working day when it falls on a
        day off. Aware, in the calendar's time zone."""
        fire: datetime | None = self._cron.get_next_fire_time(previous_fire_time, now)
        while fire is not None and not self._calendar.is_working_day(fire.date()):
            # The cron works in the calendar's zone, so fire.date() is the local day.
            day = self._calendar.next_working_day(fire.date())
            midnight = datetime.combine(day, time(0), tzinfo=self._calendar.timezone)
            fire = self._cron.get_next_fire_time(None, midnight)
        return fire

    # The job store pickles the trigger: keep the calendar's config, not its caches and lock.
    def __getstate__(self) -> dict[str, Any]:
        return {
            "version": 1,
            "calendar": self._calendar.config.model_dump(by_alias=True),
            "hour": self.hour,
            "minute": self.minute,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        config = CalendarConfig.model_validate(state["calendar"])
        self._setup(WorkCalendar(config), state["hour"], state["minute"])

    def __str__(self) -> str:
        return f"working days at {self.hour:02d}:{self.minute:02d} {self._calendar.timezone}"

    def __repr__(self) -> str:
        return (
            f"<WorkingDayTrigger (hour={self.hour}, minute={self.minute}, "
            f"timezone='{self._calendar.timezone}')>"
        )


def next_fire_times(trigger: WorkingDayTrigger, now: datetime, count: int) -> list[datetime]:
    """The next ``count`` fire times at or after ``now``."""
    fires: list[datetime] = []
    fire = trigger.get_next_fire_time(None, now)
    while fire is not None and len(fires) < count:
        fires.append(fire)
        fire = trigger.get_next_fire_time(fire, fire)
    return fires


def describe_fire(fire: datetime) -> str:
    """A fire time as the terminal shows it: "Thứ Hai 23/11/2026 lúc 07:00"."""
    return f"{format_day(fire.date())} lúc {fire:%H:%M}"


def build_scheduler(
    database_url: str,
    calendar: WorkCalendar,
    *,
    job: str | Callable[..., object] = JOB_REF,
    job_kwargs: Mapping[str, object] | None = None,
    background: bool = False,
    hour: int = FIRE_HOUR,
    minute: int = FIRE_MINUTE,
    reporting_job: str | Callable[..., object] | None = None,
    reporting_kwargs: Mapping[str, object] | None = None,
) -> BaseScheduler:
    """A scheduler (blocking, or background for tests and embedding) holding the daily job
    in ``apscheduler_jobs`` of ``database_url`` and, with ``reporting_job``, the reporting
    calendar's job half an hour later; not started."""
    store = SQLAlchemyJobStore(engine=make_engine(database_url), tablename=JOBS_TABLE)
    _create_jobs_table(store)
    scheduler_class = BackgroundScheduler if background else BlockingScheduler
    scheduler = scheduler_class(
        jobstores={"default": store},
        # One worker: the cycle never overlaps itself (max_instances=1 as well).
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        timezone=calendar.timezone,
    )
    _add_job(scheduler, store, calendar, job, job_id=JOB_ID, name=JOB_NAME, hour=hour,
             minute=minute, kwargs=job_kwargs)  # fmt: skip
    if reporting_job is not None:
        _add_job(scheduler, store, calendar, reporting_job, job_id=REPORTING_JOB_ID,
                 name=REPORTING_JOB_NAME, hour=hour, minute=minute + REPORTING_MINUTE,
                 kwargs=reporting_kwargs)  # fmt: skip
    return scheduler


def _create_jobs_table(store: SQLAlchemyJobStore) -> None:
    """Create ``apscheduler_jobs`` unless it exists. Two ``sauro serve`` starting together
    on a new database both find it missing and both create it: the loser's error only
    says that the winner was first (the job store's own ``create_all`` then finds it)."""
    try:
        store.jobs_t.create(store.engine, checkfirst=True)
    except DBAPIError:
        if not inspect(store.engine).has_table(store.jobs_t.name, schema=store.jobs_t.schema):
            raise


def _add_job(
    scheduler: BaseScheduler,
    store: SQLAlchemyJobStore,
    calendar: WorkCalendar,
    job: str | Callable[..., object],
    *,
    job_id: str,
    name: str,
    hour: int,
    minute: int,
    kwargs: Mapping[str, object] | None,
) -> None:
    # replace_existing would also replace the stored next run time with a future one, and
    # a run missed during downtime would never be caught up: hand the missed time back.
    missed = _missed_run_time(store, job_id, datetime.now(UTC))
    scheduler.add_job(
        job,
        trigger=WorkingDayTrigger(calendar, hour=hour + minute // 60, minute=minute % 60),
        id=job_id,
        name=name,
        kwargs=dict(kwargs or {}),
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=GRACE_HOURS * 3600,
        max_instances=1,
        **({"next_run_time": missed} if missed else {}),
    )


def _missed_run_time(store: SQLAlchemyJobStore, job_id: str, now: datetime) -> datetime | None:
    """The job's stored next run time when it is already past, else None. Read from the
    column alone, so that a stored job that no longer unpickles cannot stop the start."""
    jobs = store.jobs_t
    if not inspect(store.engine).has_table(jobs.name, schema=jobs.schema):
        return None
    with store.engine.connect() as connection:
        stamp = connection.execute(
            select(jobs.c.next_run_time).where(jobs.c.id == job_id)
        ).scalar_one_or_none()
    if stamp is None:
        return None
    stored = datetime.fromtimestamp(float(stamp), UTC)
    return stored if stored < now else None


def run_daily_cycle(org: str | None = None, dry_run: bool = False) -> Outcome:
    """The embedded scheduler's job: settings and the clock read here, the cycle run to
    completion in this worker thread. The outcome goes to the scheduler's listeners."""
    # Imported here: the trigger and the scheduler do not need the sending stack.
    from flows.cycle import working_day_cycle
    from notifications.zalo_settings import ZaloSettings

    settings = Settings()
    return asyncio.run(
        working_day_cycle(
            database_url=settings.database_url,
            config_dir=settings.config_dir,
            org_code=org,
            now=datetime.now(UTC),
            dry_run=dry_run,
            base_url=settings.base_url,
            zalo=ZaloSettings(),
        )
    )


def run_reporting_cycle(
    org: str | None = None, send: bool = False, dry_run: bool = False
) -> ReportingOutcome:
    """The embedded scheduler's reporting job (see ``flows.cycle.working_day_reporting``)."""
    from flows.cycle import working_day_reporting

    settings = Settings()
    return asyncio.run(
        working_day_reporting(
            database_url=settings.database_url,
            config_dir=settings.config_dir,
            org_code=org,
            now=datetime.now(UTC),
            out_dir=settings.reports_dir,
            send_upward=send,
            dry_run=dry_run,
            base_url=settings.base_url,
        )
    )
