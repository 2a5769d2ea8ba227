"""Orchestration: the daily reminder cycle, run on working days at 07:00 (Asia/Ho_Chi_Minh).

Everything here is a thin wrapper over ``engine.reminders.cycle.run_cycle`` (and
``engine.reports.cycle`` for the reporting calendar); the logic lives in the engine, and only
``engine.cli`` imports this package. Two ways to schedule the cycle, and neither needs the other:

Embedded (``sauro serve``, ``flows.schedule``)
    One process runs APScheduler 3 in the foreground. Its job store is the table
    ``apscheduler_jobs`` in the engine's own database (the same SQLite file, or PostgreSQL).
    The job's trigger (``WorkingDayTrigger``) fires at 07:00 on the days ``WorkCalendar``
    says are working days: a holiday or a weekend does not fire, a make-up Saturday does.
    The job calls the cycle directly (no Prefect server). After downtime, the stored next
    run time is in the past: on restart the missed cycle runs once (``coalesce``) when it is
    at most 6 hours late (``misfire_grace_time``), otherwise it is skipped and the next
    working day's run is kept. Run one ``sauro serve`` per database: APScheduler 3 does not
    share a job store between schedulers.

Distributed (``sauro deploy``, ``flows.deploy``)
    The Prefect flow ``daily_cycle`` (``flows.reminders``) is registered as a deployment on a
    Prefect server (``PREFECT_API_URL``) with the cron schedule ``0 7 * * 1-6`` in the
    calendar's time zone: Saturdays included, because make-up working Saturdays exist. The
    flow's guard returns a "ngày nghỉ" result on any day the calendar says is not a working
    day. Workers on any machine (``prefect worker start --pool sau-ro``) with this package
    installed and ``SAURO_DATABASE_URL``/``SAURO_CONFIG_DIR`` set run the flow runs.

Both paths end in ``flows.cycle.working_day_cycle``: the working-day guard, then the cycle.
Re-runs are safe: the engine delivers each reminder once whatever runs twice.
"""
