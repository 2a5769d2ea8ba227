"""Official task status (domain.md §4), derived from state, due date and today's date.

Status is never stored: it changes at midnight without anyone touching the task. A task is
overdue from 00:00 of the day after its due date (Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")


class TaskStatus(StrEnum):
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    # Completed by the unit, the result not yet accepted: not one of the four official
    # statuses, counted beside them until the authority accepts or returns it.
    AWAITING = "awaiting"
    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"
    NO_DEADLINE = "no_deadline"
    WITHDRAWN = "withdrawn"


LABELS: dict[TaskStatus, str] = {
    TaskStatus.DONE_ON_TIME: "Đã hoàn thành đúng hạn",
    TaskStatus.DONE_LATE: "Đã hoàn thành quá hạn",
    TaskStatus.AWAITING: "Chờ xác nhận kết quả",
    TaskStatus.IN_PROGRESS: "Chưa hoàn thành trong hạn",
    TaskStatus.OVERDUE: "Chưa hoàn thành quá hạn",
    TaskStatus.NO_DEADLINE: "Không thời hạn",
    TaskStatus.WITHDRAWN: "Đã rút khỏi kế hoạch",
}


def local_date(now: datetime) -> date:
    """The calendar date in Viet Nam at the aware instant ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(VN).date()


def task_status(
    *, state: str, due: date | None, completed_on: date | None, now: datetime
) -> TaskStatus:
    """The official status of a task at ``now``."""
    if state == "withdrawn":
        return TaskStatus.WITHDRAWN
    if state == "awaiting":
        return TaskStatus.AWAITING
    if state == "done":
        if due is None or completed_on is None or completed_on <= due:
            return TaskStatus.DONE_ON_TIME
        return TaskStatus.DONE_LATE
    if due is None:
        return TaskStatus.NO_DEADLINE
    return TaskStatus.OVERDUE if local_date(now) > due else TaskStatus.IN_PROGRESS
