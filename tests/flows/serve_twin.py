"""One ``sauro serve`` scheduler in a process of its own, its clock frozen (ticking) just
before 07:00 of a working day: ``tests/flows/test_two_serves.py`` starts two of these on
one database.

    python serve_twin.py START FIRE BARRIER

The Sáu Rõ settings come from the environment (``SAURO_DATABASE_URL``, ``SAURO_SMTP_*``…).
The process waits for the file ``BARRIER`` to exist (so that two of them start their clocks
together), then starts the embedded scheduler exactly as ``sauro serve`` does
(``engine.cli.serve_cmd._start_scheduler``, with its report lines on stdout), waits for the
run due at FIRE to be reported, prints "fired" or "did not fire", and stops.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from freezegun import freeze_time

from engine.calendar.workdays import WorkCalendar, load_calendar
from engine.cli.serve_cmd import _start_scheduler
from engine.configs.settings import Settings

AFTER_FIRE = 30.0  # seconds a fired run has to finish; past them, it did not fire


def main(start: datetime, fire: datetime, barrier: Path) -> None:
    settings = Settings()
    calendar = WorkCalendar(load_calendar(settings.config_dir / "calendar.yaml"))
    while not barrier.exists():
        time.sleep(0.001)
    with freeze_time(start, tick=True):
        scheduler = _start_scheduler(settings.database_url, calendar, None, False)
        done = threading.Event()

        def seen(event: Any) -> None:
            done.set()

        # Added after the report's listener: it runs after the report is printed.
        scheduler.add_listener(seen, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
        fired = done.wait((fire - start).total_seconds() + AFTER_FIRE)
        scheduler.shutdown(wait=True)
    print("fired" if fired else "did not fire", flush=True)


if __name__ == "__main__":
    main(
        datetime.fromisoformat(sys.argv[1]), datetime.fromisoformat(sys.argv[2]), Path(sys.argv[3])
    )
