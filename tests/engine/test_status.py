"""Official statuses (domain.md §4) at fixed times."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engine.calendar.status import TaskStatus, local_date, task_status

DUE = date(2024, 6, 30)
# 30/06/2024 23:30 in Viet Nam is 16:30 UTC; 01/07/2024 00:00 in Viet Nam is 30/06 17:00 UTC.
LAST_MINUTE = datetime(2024, 6, 30, 16, 59, tzinfo=UTC)
NEXT_DAY = datetime(2024, 6, 30, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "due", "completed", "now", "expected"),
    [
        ("open", DUE, None, LAST_MINUTE, TaskStatus.IN_PROGRESS),
        ("open", DUE, None, NEXT_DAY, TaskStatus.OVERDUE),
        ("open", None, None, NEXT_DAY, TaskStatus.NO_DEADLINE),
        ("done", DUE, date(2024, 6, 30), NEXT_DAY, TaskStatus.DONE_ON_TIME),
        ("done", DUE, date(2024, 7, 1), NEXT_DAY, TaskStatus.DONE_LATE),
        ("done", None, date(2024, 7, 1), NEXT_DAY, TaskStatus.DONE_ON_TIME),
        ("withdrawn", DUE, None, NEXT_DAY, TaskStatus.WITHDRAWN),
    ],
)
def test_status(
    state: str, due: date | None, completed: date | None, now: datetime, expected: TaskStatus
) -> None:
    assert task_status(state=state, due=due, completed_on=completed, now=now) == expected


def test_overdue_starts_at_midnight_in_viet_nam() -> None:
    assert local_date(LAST_MINUTE) == date(2024, 6, 30)
    assert local_date(NEXT_DAY) == date(2024, 7, 1)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2024, 7, 1))  # noqa: DTZ001
