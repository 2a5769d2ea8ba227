"""The task list and the dashboard as SQL: which tasks an account sees, the list's
filters, its sort keys, and the period scope of a report, each a predicate or an
expression over the ``task`` table (joined to its plan), so that a page reads one page of
rows and counts the rest with an aggregate instead of loading every task.

Every expression here mirrors a Python rule kept elsewhere, and the tests hold them equal:
the status of a task (``engine.calendar.status.task_status`` on the effective due date),
the scope of a period's report (``engine.reports.data``), the words of a search
(``engine.text.fold``) and what an account sees (``engine.web.policy.TaskVisibility``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from engine.calendar.periods import Period
from engine.calendar.status import TaskStatus, local_date
from engine.calendar.workdays import WorkCalendar
from engine.store.models import Person, Plan, Task, TaskState, TaskUnit, Unit, UnitRole
from engine.text import fold
from engine.web.paging import Key
from engine.web.policy import TaskVisibility

T = Task.__table__.c  # type: ignore[attr-defined]
PL = Plan.__table__.c  # type: ignore[attr-defined]
U = Unit.__table__.c  # type: ignore[attr-defined]
P = Person.__table__.c  # type: ignore[attr-defined]
TU = TaskUnit.__table__.c  # type: ignore[attr-defined]

_OPEN_STATES = (str(TaskState.DONE), str(TaskState.AWAITING), str(TaskState.WITHDRAWN))
LAST_DAY = date(9999, 12, 31)
# The order of the "status" sort: the most urgent first.
STATUS_RANK: dict[TaskStatus, int] = {
    TaskStatus.OVERDUE: 0,
    TaskStatus.IN_PROGRESS: 1,
    TaskStatus.NO_DEADLINE: 2,
    TaskStatus.AWAITING: 3,
    TaskStatus.DONE_LATE: 4,
    TaskStatus.DONE_ON_TIME: 5,
    TaskStatus.WITHDRAWN: 6,
}


def is_open() -> Any:
    """Neither done, awaiting acceptance nor withdrawn: ``task_status``'s last branch."""
    return T.state.notin_(_OPEN_STATES)


def overdue_cutoff(calendar: WorkCalendar, today: date) -> date:
    """The first due date not yet overdue on ``today``: a task is overdue once the
    effective day of its deadline (the next working day) is before today, and that day
    never goes down as the due date goes up, so "overdue" is ``due_date < cutoff``."""
    day = today
    while not calendar.is_working_day(day - timedelta(days=1)):
        day -= timedelta(days=1)
    return day


@dataclass(frozen=True)
class StatusRule:
    """What the SQL needs to tell a task's status as of ``today``: the overdue cutoff, and
    for telling done on time from done late the non-working due days of the tasks done
    after their date, with the day their deadline really ended."""

    cutoff: date
    shifted: dict[date, date]

    def effective_due(self) -> Any:
        """The task's due date moved off a weekend day or holiday, as SQL."""
        if not self.shifted:
            return T.due_date
        return sa.case(
            *((T.due_date == day, sa.literal(end, sa.Date)) for day, end in self.shifted.items()),
            else_=T.due_date,
        )

    def predicate(self, status: TaskStatus) -> Any:
        """The tasks of ``status``."""
        done = T.state == str(TaskState.DONE)
        on_time = sa.or_(
            T.due_date.is_(None), T.completed_on.is_(None), T.completed_on <= self.effective_due()
        )
        rules: dict[TaskStatus, Any] = {
            TaskStatus.WITHDRAWN: T.state == str(TaskState.WITHDRAWN),
            TaskStatus.AWAITING: T.state == str(TaskState.AWAITING),
            TaskStatus.DONE_ON_TIME: sa.and_(done, on_time),
            TaskStatus.DONE_LATE: sa.and_(done, sa.not_(on_time)),
            TaskStatus.NO_DEADLINE: sa.and_(is_open(), T.due_date.is_(None)),
            TaskStatus.OVERDUE: sa.and_(is_open(), T.due_date < self.cutoff),
            TaskStatus.IN_PROGRESS: sa.and_(is_open(), T.due_date >= self.cutoff),
        }
        return rules[status]

    def rank(self) -> Any:
        """The position of the task's status in ``STATUS_RANK``, as SQL."""
        return sa.case(
            *((self.predicate(status), rank) for status, rank in STATUS_RANK.items()), else_=7
        )


def status_rule(
    connection: sa.Connection, org_id: int, calendar: WorkCalendar, today: date
) -> StatusRule:
    """The ``StatusRule`` of an organization's tasks on ``today`` (one small aggregate: the
    span of due dates of its tasks done after their date)."""
    query = sa.select(sa.func.min(T.due_date), sa.func.max(T.due_date)).where(
        T.organization_id == org_id,
        T.state == str(TaskState.DONE),
        T.completed_on > T.due_date,
    )
    first, last = connection.execute(query).one()
    shifted: dict[date, date] = {}
    if first is not None and last is not None:
        day, end = _day(first), _day(last)
        while day <= end:
            moved = calendar.effective_due(day)
            if moved != day:
                shifted[day] = moved
            day += timedelta(days=1)
    return StatusRule(overdue_cutoff(calendar, today), shifted)


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def coordinates(unit_id: int) -> Any:
    """The tasks the unit ``unit_id`` coordinates."""
    return sa.exists().where(
        TU.task_id == T.id, TU.role == str(UnitRole.COORDINATOR), TU.unit_id == unit_id
    )


def visible(seen: TaskVisibility) -> Any:
    """The tasks an account sees, as ``engine.web.policy`` says (its organization's)."""
    scope = T.organization_id == seen.organization_id
    if seen.everything:
        return scope
    parts = []
    if seen.lead_unit_id is not None:
        parts.append(T.lead_unit_id == seen.lead_unit_id)
    if seen.person_id is not None:
        parts.append(T.person_id == seen.person_id)
    if seen.coordinator_unit_id is not None:
        parts.append(coordinates(seen.coordinator_unit_id))
    return sa.and_(scope, sa.or_(*parts) if parts else sa.false())


def unclear_on(dimension: str) -> Any:
    """The tasks whose stored verdict fails ``dimension``."""
    return (sa.literal(",") + T.unclear + sa.literal(",")).like(f"%,{dimension},%")


def due_within(today: date, days: int) -> Any:
    """Open tasks due from today to ``days`` days ahead."""
    return sa.and_(is_open(), T.due_date >= today, T.due_date <= today + timedelta(days=days))


# -- words without diacritics ---------------------------------------------------------------

_SQLITE_FOLD = "sauro_fold"
_LETTERS = [chr(c) for r in (range(0xC0, 0x250), range(0x1E00, 0x1F00)) for c in r]
_ONE_CHAR = {c: fold(c) for c in _LETTERS if len(fold(c)) == 1 and fold(c) != c}
_DROPPED = "".join(chr(c) for c in range(0x300, 0x370))  # combining marks
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FROM = _UPPER + "".join(_ONE_CHAR) + _DROPPED
_TO = _UPPER.lower() + "".join(_ONE_CHAR.values())


def folded(connection: sa.Connection, text: Any) -> Any:
    """``text`` folded as ``engine.text.fold`` folds it (lower case, no diacritics, "đ" as
    "d", "&" as "va"): SQLite calls ``fold`` itself, PostgreSQL translates the letters."""
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        raw.create_function(_SQLITE_FOLD, 1, fold, deterministic=True)  # type: ignore[union-attr]
        return getattr(sa.func, _SQLITE_FOLD)(text)
    bare = sa.func.translate(text, sa.literal(_FROM), sa.literal(_TO))
    return sa.func.replace(bare, "&", " va ")


def words_match(connection: sa.Connection, q: str | None) -> Any:
    """Every word of ``q`` in the task's reference, text, plan, lead unit or person."""
    words = fold(q).split() if q else []
    if not words:
        return sa.true()
    parts = [T.ref, T.work, PL["key"], sa.func.coalesce(U.name, ""), sa.func.coalesce(P.name, "")]
    haystack: Any = parts[0]
    for part in parts[1:]:
        haystack = haystack + sa.literal(" ") + part
    text = folded(connection, haystack)
    return sa.and_(*(text.contains(word, autoescape=True) for word in words))


# -- the scope of a period's report ------------------------------------------------------------


@dataclass(frozen=True)
class PeriodScope:
    """The tasks a period's report counts, and their status in it, as of ``as_of``: the
    SQL of ``engine.reports.data._in_scope`` (due in the period, running in it, or done in
    it; a task completed after the as-of day is open as of it)."""

    period: Period
    as_of: datetime

    @property
    def today(self) -> date:
        return local_date(self.as_of)

    def done(self) -> Any:
        closed = T.state.in_((str(TaskState.DONE), str(TaskState.AWAITING)))
        return sa.and_(closed, T.completed_on.is_not(None), T.completed_on <= self.today)

    def due_in(self) -> Any:
        start, end = self.period.data_start, self.period.data_end
        return sa.and_(T.due_date.is_not(None), T.due_date >= start, T.due_date <= end)

    def predicate(self) -> Any:
        start, end, today = self.period.data_start, self.period.data_end, self.today
        begins = sa.func.coalesce(T.start_date, PL.issued_on)
        running = sa.and_(
            sa.not_(self.done()),
            sa.or_(
                sa.and_(T.due_date >= today, T.due_date >= start, T.due_date <= end),
                sa.and_(
                    sa.or_(begins.is_(None), begins <= end),
                    sa.or_(T.due_date.is_(None), T.due_date < today, T.due_date >= start),
                ),
            ),
        )
        done_within = sa.and_(self.done(), T.completed_on >= start, T.completed_on <= end)
        return sa.or_(self.due_in(), running, done_within)

    def status(self) -> Any:
        """The task's status in the report (its due date as written, not moved off a
        holiday), as the ``TaskStatus`` value."""
        done = self.done()
        return sa.case(
            (sa.and_(done, T.state == str(TaskState.AWAITING)), str(TaskStatus.AWAITING)),
            (
                sa.and_(
                    done,
                    sa.or_(T.due_date.is_(None), T.completed_on <= T.due_date),
                ),
                str(TaskStatus.DONE_ON_TIME),
            ),
            (done, str(TaskStatus.DONE_LATE)),
            (T.due_date.is_(None), str(TaskStatus.NO_DEADLINE)),
            (T.due_date < self.today, str(TaskStatus.OVERDUE)),
            else_=str(TaskStatus.IN_PROGRESS),
        )


# -- the list's sort keys ----------------------------------------------------------------------


def plan_keys() -> list[Key]:
    """The plans' own order: by plan, then the task's place in it; the id breaks ties."""
    return [Key(PL["key"], str), Key(T.position, int), Key(T.id, int)]


def due_key() -> Key:
    """The due date, tasks without one last."""
    return Key(sa.func.coalesce(T.due_date, sa.literal(LAST_DAY, sa.Date)).label("due_key"), date)
