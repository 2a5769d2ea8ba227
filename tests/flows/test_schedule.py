"""The working-day trigger as a pure function: fixed aware datetimes in, fire times out."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from engine.calendar.workdays import WorkCalendar, load_calendar, parse_calendar
from flows.schedule import WorkingDayTrigger, describe_fire, next_fire_times

REPO = Path(__file__).resolve().parents[2]
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(year: int, month: int, day: int, hour: int = 7, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


@pytest.fixture(scope="module")
def trigger() -> WorkingDayTrigger:
    return WorkingDayTrigger(WorkCalendar(load_calendar(REPO / "config" / "calendar.yaml")))


# (previous fire time, now, expected next fire time)
CASES = {
    "Friday 07:00 -> Monday 07:00": (vn(2026, 11, 13), vn(2026, 11, 13), vn(2026, 11, 16)),
    "before Tết -> after Tết (23/2/2026)": (vn(2026, 2, 13), vn(2026, 2, 13), vn(2026, 2, 23)),
    "started during Tết -> 23/2/2026": (None, vn(2026, 2, 17, 9), vn(2026, 2, 23)),
    "make-up Saturday 22/8/2026 fires": (vn(2026, 8, 21), vn(2026, 8, 21), vn(2026, 8, 22)),
    "after the make-up Saturday -> Monday 24/8": (
        vn(2026, 8, 22),
        vn(2026, 8, 22),
        vn(2026, 8, 24),
    ),
    "31/8 (swapped off), 1-2/9 (Quốc khánh) skipped": (
        vn(2026, 8, 28),
        vn(2026, 8, 28),
        vn(2026, 9, 3),
    ),
    "an ordinary Saturday does not fire": (vn(2026, 11, 20), vn(2026, 11, 20), vn(2026, 11, 23)),
    "24/11/2026 (Ngày Văn hóa) skipped": (vn(2026, 11, 23), vn(2026, 11, 23), vn(2026, 11, 25)),
    "across the new year (1/1/2027 off)": (vn(2026, 12, 31), vn(2026, 12, 31), vn(2027, 1, 4)),
    "06:59 -> same day 07:00": (None, vn(2026, 11, 23, 6, 59), vn(2026, 11, 23)),
    "07:00 just fired -> next working day": (vn(2026, 11, 23), vn(2026, 11, 23), vn(2026, 11, 25)),
    "07:00:01 without a previous run -> next working day": (
        None,
        vn(2026, 11, 23) + timedelta(seconds=1),
        vn(2026, 11, 25),
    ),
    "Sunday 23:30 UTC is Monday 06:30 in Vietnam": (
        None,
        datetime(2026, 11, 22, 23, 30, tzinfo=UTC),
        vn(2026, 11, 23),
    ),
    "Monday 01:00 UTC is already past 07:00 in Vietnam": (
        None,
        datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
        vn(2026, 11, 25),
    ),
    # After downtime APScheduler asks again with the last fire time: the first missed fire
    # time comes back (then the next, …); coalescing and the grace period decide the rest.
    "downtime: the first missed fire time": (
        vn(2026, 11, 20),
        vn(2026, 11, 25, 9),
        vn(2026, 11, 23),
    ),
}


@pytest.mark.parametrize(("previous", "now", "expected"), CASES.values(), ids=CASES.keys())
def test_next_fire_time(
    trigger: WorkingDayTrigger, previous: datetime | None, now: datetime, expected: datetime
) -> None:
    fire = trigger.get_next_fire_time(previous, now)
    assert fire == expected
    assert fire is not None
    assert fire.utcoffset() == timedelta(hours=7)  # no DST in Vietnam: always +07:00
    assert (fire.hour, fire.minute, fire.second) == (7, 0, 0)


def test_next_fire_times_over_tet(trigger: WorkingDayTrigger) -> None:
    fires = next_fire_times(trigger, vn(2026, 2, 12, 8), 3)
    assert fires == [vn(2026, 2, 13), vn(2026, 2, 23), vn(2026, 2, 24)]
    assert describe_fire(fires[1]) == "Thứ Hai 23/02/2026 lúc 07:00"


def test_calendar_overrides_decide() -> None:
    """A day the administrator adds as off is skipped; a Sunday added as worked fires."""
    text = """
version: 1
years:
  2026:
    days_off:
      - date: 2026-11-25
        name: "Nghỉ đột xuất"
    working_days:
      - date: 2026-11-29
        name: "Làm bù Chủ nhật"
"""
    trigger = WorkingDayTrigger(WorkCalendar(parse_calendar(text, "calendar.yaml")), hour=8)
    fires = next_fire_times(trigger, vn(2026, 11, 23, 9), 3)
    assert fires == [vn(2026, 11, 26, 8), vn(2026, 11, 27, 8), vn(2026, 11, 29, 8)]


def test_trigger_pickles_without_its_caches(trigger: WorkingDayTrigger) -> None:
    """The job store pickles the trigger: the copy fires the same, overrides included."""
    trigger.get_next_fire_time(None, vn(2026, 8, 21))  # fills the calendar's year caches
    copy = pickle.loads(pickle.dumps(trigger))
    assert isinstance(copy, WorkingDayTrigger)
    start = vn(2026, 8, 20, 12)
    assert next_fire_times(copy, start, 20) == next_fire_times(trigger, start, 20)
    assert (copy.hour, copy.minute) == (7, 0)
