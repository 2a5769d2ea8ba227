"""APScheduler for real: a BackgroundScheduler, the SQLAlchemy job store in a migrated SQLite
file, the working-day trigger, and a clock (freezegun, ticking) moved across a weekend and
across downtime. The job is a plain function that records its calls."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from freezegun import freeze_time
from sqlalchemy import text

from engine.calendar.workdays import WorkCalendar, load_calendar
from engine.store.db import make_engine
from flows.schedule import JOB_ID, JOBS_TABLE, build_scheduler

REPO = Path(__file__).resolve().parents[2]
VN = ZoneInfo("Asia/Ho_Chi_Minh")
WAIT = 30  # seconds: generous, a fire normally comes within about five seconds
# Each scenario starts the scheduler five seconds (of real time: the frozen clock ticks)
# before 07:00: starting it takes a moment on a loaded machine, and a scheduler that comes up
# after the fire time would rightly plan the next working day instead.

calls: list[str] = []


def record(label: str) -> None:
    """The test job: referenced by import path, as the persistent job store requires."""
    calls.append(label)


def vn(month: int, day: int, hour: int = 7, minute: int = 0, second: float = 0) -> datetime:
    whole = int(second)
    micro = round((second - whole) * 1_000_000)
    return datetime(2026, month, day, hour, minute, whole, micro, tzinfo=VN)


@dataclass
class Events:
    """Scheduled run times of executed and missed runs, with a way to wait for the next."""

    executed: list[datetime] = field(default_factory=list)
    missed: list[datetime] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def __call__(self, event: Any) -> None:
        target = self.executed if event.code == EVENT_JOB_EXECUTED else self.missed
        target.append(event.scheduled_run_time)
        self.arrived.set()

    def wait(self) -> None:
        assert self.arrived.wait(WAIT), "the scheduler did not fire"
        self.arrived.clear()


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """The engine's own migrated SQLite file: the job store lives beside the engine's tables."""
    path = tmp_path / "sauro.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar(load_calendar(REPO / "config" / "calendar.yaml"))


@pytest.fixture(autouse=True)
def _no_calls() -> Iterator[None]:
    calls.clear()
    yield
    calls.clear()


def start(database_url: str, calendar: WorkCalendar, label: str) -> tuple[Any, Events]:
    scheduler = build_scheduler(
        database_url, calendar, job=record, job_kwargs={"label": label}, background=True
    )
    events = Events()
    scheduler.add_listener(events, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    scheduler.start()
    return scheduler, events


def stored_next_run(database_url: str, after: datetime) -> datetime:
    """The job's next run time as stored, once it is later than ``after`` (the run just made,
    or the restart). The scheduler stores it just after handing the run to its executor, so
    right after a run it may still be the old one: wait for a change. Not compared with the
    clock: outside ``freeze_time`` the real date may already be past every date here, and
    the wait would last its whole length."""
    stored = _read_next_run(database_url)
    for _ in range(WAIT * 20):  # the clock is fake: count sleeps instead
        if stored > after:
            break
        time.sleep(0.05)
        stored = _read_next_run(database_url)
    return stored


def _read_next_run(database_url: str) -> datetime:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            stamp = connection.execute(
                text(f"SELECT next_run_time FROM {JOBS_TABLE} WHERE id = :id"), {"id": JOB_ID}
            ).scalar_one()
    finally:
        engine.dispose()
    return datetime.fromtimestamp(stamp, VN)


def test_fires_friday_then_monday(database_url: str, calendar: WorkCalendar) -> None:
    """Friday 20/11/2026 07:00 fires; the weekend does not; Monday 23/11 07:00 fires."""
    with freeze_time(vn(11, 20, 6, 59, 55), tick=True) as clock:
        scheduler, events = start(database_url, calendar, "serve")
        try:
            events.wait()
            assert events.executed == [vn(11, 20)]
            assert stored_next_run(database_url, after=vn(11, 20)) == vn(11, 23)

            clock.move_to(vn(11, 21, 12))  # Saturday noon: nothing is due
            scheduler.wakeup()
            clock.move_to(vn(11, 23, 6, 59, 55))  # Monday, just before 07:00
            scheduler.wakeup()
            events.wait()
        finally:
            scheduler.shutdown(wait=True)
    assert events.executed == [vn(11, 20), vn(11, 23)]
    assert events.missed == []
    assert calls == ["serve", "serve"]
    # Tuesday 24/11/2026 is a day off (Ngày Văn hóa Việt Nam): next is Wednesday.
    assert stored_next_run(database_url, after=vn(11, 23)) == vn(11, 25)


@pytest.mark.parametrize(
    ("restart_at", "runs", "missed"),
    [
        # Down from Friday to Wednesday 09:00: Monday's run is 50 h late, Wednesday's 2 h.
        # Coalesced into one run, judged by the latest: within the 6 h grace, it runs once.
        (vn(11, 25, 9), ["after"], []),
        # Restarted at 13:30: 6 h 30 min late, past the grace period: skipped, not run.
        (vn(11, 25, 13, 30), [], [vn(11, 25)]),
    ],
    ids=["within grace: runs once", "past grace: skipped"],
)
def test_restart_after_downtime(
    database_url: str,
    calendar: WorkCalendar,
    restart_at: datetime,
    runs: list[str],
    missed: list[datetime],
) -> None:
    with freeze_time(vn(11, 20, 6, 59, 55), tick=True) as clock:
        scheduler, events = start(database_url, calendar, "before")
        try:
            events.wait()
        finally:
            scheduler.shutdown(wait=True)
        assert calls == ["before"]
        assert stored_next_run(database_url, after=vn(11, 20)) == vn(11, 23)

        clock.move_to(restart_at)
        scheduler, events = start(database_url, calendar, "after")
        try:
            events.wait()
            # Give a wrong second run (one per missed fire time) the time to happen.
            clock.tick(timedelta(seconds=1))
            scheduler.wakeup()
            assert not events.arrived.wait(1.5)
        finally:
            scheduler.shutdown(wait=True)
    assert calls == ["before", *runs]
    assert events.executed == ([vn(11, 25)] if runs else [])
    assert events.missed == missed
    assert stored_next_run(database_url, after=restart_at) == vn(11, 26)
