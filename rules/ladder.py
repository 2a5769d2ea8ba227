"""Evaluate the escalation ladder: (tasks, reports, today, ladder, calendar) → planned messages.

Pure: no database, no clock, no network. The caller passes ``today`` (the local date in
Asia/Ho_Chi_Minh, converted from ``now`` at the edge) and a working-day ``Calendar``; the
result is a list of ``PlannedMessage``. Delivery groups them into one digest per recipient
and records each ``ledger_key`` once, so running ``plan`` again the same day (or after a
crash) plans the same keys and sends nothing twice.

When each kind of step fires (offsets count working days; ``E`` is the effective due date,
the recorded due date moved to the next working day when it falls on a day off):

- ``before_due`` (offset N): from the working day N working days before E. A run that
  missed that day still plans the step later, but only while no step of the same kind with
  a smaller offset has become due: the most recent reminder is caught up once (its ledger
  key does not change), stale ones are dropped. Nothing is planned from E on.
- ``due_day``: on E itself.
- ``overdue`` (offset N ≥ 1, repeat R): from the N-th working day after E, then again every
  R working days; ``occurrence`` counts the R-day windows elapsed, so the ledger key is the
  same all week and changes the next week. Every overdue step that has been reached fires:
  the unit head keeps hearing about the task while the Chairman does too.
- ``unclear`` (offset N, repeat R): like overdue, counted from ``unclear_since``. The role
  ``fixer`` sends the "person" dimension to the lead unit head (who assigns officers) and
  every other dimension to the standing office; with no lead unit, all go to the standing
  office. Each message lists, in ``unclear``, the dimensions its recipient is asked to fix.
- ``missing_report`` (offset N, repeat R): like overdue, counted from the report's
  effective deadline; offset 0 fires on the deadline day itself.
- ``awaiting`` (offset N, repeat R): for a task completed and waiting for its result to be
  accepted (state ``awaiting``), counted from the day it was sent for acceptance; the
  ``acceptor`` role is whoever accepts results in the organization. A waiting task gets
  nothing else: it is neither reminded nor escalated on its deadline.

Events told once (a task given to a person, a result returned) are not ladder steps: they
are notices (``engine.notices``), recorded when they happen.

Done and withdrawn tasks get nothing; a task without a due date gets only unclear steps.
A recipient the snapshot proves absent is skipped: ``person`` when the task names nobody,
``lead_head`` when it has no lead unit. Other roles are resolved against the directory at
delivery.

Ledger keys: ``task:<id>|<step>|<occurrence>|<recipient>|v<deadline version>`` for deadline
steps, so an approved extension (new due date, deadline version + 1) re-arms the ladder;
``…|since:<date>`` for unclear steps, so a task that becomes unclear again starts a new
round; ``…|s<submission>`` for awaiting steps, so each submission gets its own round;
``report:<org>/<unit>/<period>|<step>|<occurrence>|<recipient>|due:<date>``.

Cost: each distinct due date (and ``unclear_since``) is worked out once per run, with the
per-recipient parts of its ledger keys; per task that leaves a dict lookup, and per message
one tuple and one string.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple, Protocol

from rules.escalation import Ladder, Recipient, Role, Step, StepKind
from rules.facts import Dimension

_LEAD_HEAD = Recipient(Role.LEAD_HEAD)
_STANDING_OFFICE = Recipient(Role.STANDING_OFFICE)
_PERSON = Dimension.PERSON.value


class Calendar(Protocol):
    """Working days (weekends, holidays, swapped days):
    ``engine.calendar.workdays.WorkCalendar``."""

    def is_working_day(self, day: date) -> bool:
        """Is ``day`` a working day?"""
        ...

    def next_working_day(self, day: date) -> date:
        """``day`` when it is a working day, else the first working day after it."""
        ...

    def add_working_days(self, day: date, n: int) -> date:
        """``n`` working days after ``day`` (counting from the next day); before if n < 0."""
        ...

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end; negative when end < start."""
        ...

    def effective_due(self, due: date) -> date:
        """``due``, or the next working day when ``due`` is a day off."""
        ...


@dataclass(frozen=True, slots=True)
class TaskSnapshot:
    """What the ladder needs to know about one task."""

    task_id: int
    org: str
    ref: str
    work: str
    state: str  # "open", "awaiting", "done" or "withdrawn"
    due: date | None  # the current due date, after approved extensions
    deadline_version: int  # bumped by each approved extension
    lead_unit: str | None
    has_person: bool
    unclear: tuple[str, ...] = ()  # names of the dimensions failing 6 rõ
    unclear_since: date | None = None  # when the task was first found unclear
    submitted_on: date | None = None  # the day the last completion was sent for acceptance
    submission: int = 0  # counts the completions sent: one reminder round per submission


@dataclass(frozen=True, slots=True)
class ReportSnapshot:
    """One unit's periodic report to the standing office."""

    org: str
    unit: str
    period: str
    due: date
    submitted: bool

    @property
    def key(self) -> str:
        """ "xuan-duong/van-phong/2026-Q1": the report in ledger keys and messages."""
        return f"{self.org}/{self.unit}/{self.period}"


class PlannedMessage(NamedTuple):
    """One message the ladder asks to deliver; not yet rendered, resolved or sent.

    Immutable. A named tuple rather than a dataclass because a run over a province plans
    millions of these and a tuple is several times cheaper to build. ``role`` is never
    ``fixer``: that role is resolved here, per dimension.
    """

    kind: StepKind
    step_id: str
    config_version: str
    template: str
    role: Role
    named: str | None  # the person or address of a ``named`` recipient
    org: str
    task_id: int | None
    ref: str  # the task's reference in its plan ("" for reports)
    work: str  # the task's text ("" for reports)
    report: str | None  # ``ReportSnapshot.key`` for missing reports
    period: str | None
    lead_unit: str | None  # the lead unit, or the unit owing the report
    due: date | None  # as recorded
    effective_due: date | None  # moved off days off; what the offsets count from
    days_late: int  # working days past the effective due date, or 0
    occurrence: int  # 0 for one-shot steps; repetition window for repeating ones
    deadline_version: int
    unclear: tuple[str, ...]  # for unclear steps: the dimensions this recipient should fix
    ledger_key: str

    @property
    def recipient(self) -> str:
        """The recipient as written in the ledger key: "lead_head", "named:a@x.vn"."""
        return f"named:{self.named}" if self.role is Role.NAMED else self.role.value


def plan(
    tasks: Iterable[TaskSnapshot],
    reports: Iterable[ReportSnapshot],
    *,
    today: date,
    ladder: Ladder,
    calendar: Calendar,
) -> list[PlannedMessage]:
    """Every message the ladder plans for ``today``: tasks first, then reports, in input order."""
    planner = _Planner(ladder, calendar, today)
    out: list[PlannedMessage] = []
    for task in tasks:
        if task.state == "open":
            planner.task_messages(task, out)
        elif task.state == "awaiting":
            planner.awaiting_messages(task, out)
    for report in reports:
        if not report.submitted:
            planner.report_messages(report, out)
    return out


class _Hit(NamedTuple):
    """A step that fires today, with its repetition window."""

    step: Step
    occurrence: int


class _Send(NamedTuple):
    """One recipient of a step firing today: what every task's message shares."""

    kind: StepKind
    step_id: str
    template: str
    recipient: Recipient
    occurrence: int
    middle: str  # "|<step>|<occurrence>|<recipient>|" inside the ledger key


class _DueInfo(NamedTuple):
    """What follows from one due date today; shared by every task with that date."""

    effective: date
    days_late: int
    sends: tuple[_Send, ...]


def _occurrence(step: Step, elapsed: int) -> int | None:
    """The repetition window reached after ``elapsed`` working days, or None if not yet."""
    if elapsed < step.offset:
        return None
    if step.repeat_every is None:
        return 0
    return (elapsed - step.offset) // step.repeat_every


def _fired(steps: tuple[Step, ...], elapsed: int) -> tuple[_Hit, ...]:
    """The steps reached after ``elapsed`` working days."""
    hits = []
    for step in steps:
        occurrence = _occurrence(step, elapsed)
        if occurrence is not None:
            hits.append(_Hit(step, occurrence))
    return tuple(hits)


def _sends(hits: Iterable[_Hit]) -> tuple[_Send, ...]:
    """Each hit once per recipient, with its part of the ledger key built once."""
    return tuple(
        _Send(
            step.kind,
            step.id,
            step.template,
            recipient,
            occurrence,
            f"|{step.id}|{occurrence}|{recipient.key}|",
        )
        for step, occurrence in hits
        for recipient in step.recipients
    )


def _before_groups(ladder: Ladder) -> tuple[tuple[int, tuple[_Send, ...]], ...]:
    """Enabled before_due steps grouped by offset, nearest to the due date first."""
    groups: dict[int, list[_Hit]] = {}
    for step in ladder.enabled(StepKind.BEFORE_DUE):
        groups.setdefault(step.offset, []).append(_Hit(step, 0))
    return tuple((offset, _sends(groups[offset])) for offset in sorted(groups))


class _Planner:
    """Per-run constants and memos: each distinct date is worked out once per run."""

    def __init__(self, ladder: Ladder, calendar: Calendar, today: date) -> None:
        self.version = ladder.config_version
        self.calendar = calendar
        self.today = today
        self.before = _before_groups(ladder)
        self.due_day = _sends(_Hit(step, 0) for step in ladder.enabled(StepKind.DUE_DAY))
        self.overdue = ladder.enabled(StepKind.OVERDUE)
        self.unclear = ladder.enabled(StepKind.UNCLEAR)
        self.missing = ladder.enabled(StepKind.MISSING_REPORT)
        self.awaiting = ladder.enabled(StepKind.AWAITING)
        self._due: dict[date, _DueInfo] = {}
        self._since: dict[date, tuple[_Hit, ...]] = {}
        self._report_due: dict[date, _DueInfo] = {}

    # --- what fires, per date ------------------------------------------------------

    def due_info(self, due: date) -> _DueInfo:
        """Deadline steps firing today for a task due on ``due`` (memoized)."""
        info = self._due.get(due)
        if info is None:
            info = self._due[due] = self._deadline_sends(self.calendar.effective_due(due))
        return info

    def _deadline_sends(self, effective: date) -> _DueInfo:
        today = self.today
        if today < effective:
            remaining = self.calendar.working_days_between(today, effective)
            # The step of smallest offset whose day has come: the latest reminder, caught
            # up once if its day was missed; larger offsets are stale by now.
            for offset, sends in self.before:
                if offset >= remaining:
                    return _DueInfo(effective, 0, sends)
            return _DueInfo(effective, 0, ())
        if today == effective:
            return _DueInfo(effective, 0, self.due_day)
        late = self.calendar.working_days_between(effective, today)
        return _DueInfo(effective, late, _sends(_fired(self.overdue, late)))

    def unclear_hits(self, since: date) -> tuple[_Hit, ...]:
        """Unclear steps firing today for a task unclear since ``since`` (memoized)."""
        hits = self._since.get(since)
        if hits is None:
            elapsed = self.calendar.working_days_between(since, self.today)
            hits = self._since[since] = _fired(self.unclear, elapsed)
        return hits

    def report_info(self, due: date) -> _DueInfo:
        """Missing-report steps firing today for a report due on ``due`` (memoized)."""
        info = self._report_due.get(due)
        if info is None:
            effective = self.calendar.effective_due(due)
            if self.today < effective:
                info = _DueInfo(effective, 0, ())
            else:
                late = self.calendar.working_days_between(effective, self.today)
                info = _DueInfo(effective, late, _sends(_fired(self.missing, late)))
            self._report_due[due] = info
        return info

    # --- messages ------------------------------------------------------------------

    def task_messages(self, task: TaskSnapshot, out: list[PlannedMessage]) -> None:
        """Append the messages of one open task."""
        info = self.due_info(task.due) if task.due is not None else None
        if info is not None and info.sends:
            self._deadline_messages(task, info, out)
        if task.unclear:
            self._unclear_messages(task, info, out)

    def awaiting_messages(self, task: TaskSnapshot, out: list[PlannedMessage]) -> None:
        """Append the reminders to the acceptor of one task waiting for acceptance."""
        if task.submitted_on is None:
            return
        elapsed = self.calendar.working_days_between(task.submitted_on, self.today)
        for step, occurrence in _fired(self.awaiting, elapsed):
            for recipient in step.recipients:
                if not _reaches(task, recipient):
                    continue
                key = (
                    f"task:{task.task_id}|{step.id}|{occurrence}|{recipient.key}|s{task.submission}"
                )
                out.append(
                    self._task_message(
                        step, recipient, task, None, occurrence=occurrence, unclear=(), key=key
                    )
                )

    def _deadline_messages(
        self, task: TaskSnapshot, info: _DueInfo, out: list[PlannedMessage]
    ) -> None:
        # The hot path of a run over a province: positional fields, key parts prebuilt.
        subject = f"task:{task.task_id}"
        version = f"v{task.deadline_version}"
        for kind, step_id, template, recipient, occurrence, middle in info.sends:
            role = recipient.role  # _reaches, inlined
            if (role is Role.PERSON and not task.has_person) or (
                role is Role.LEAD_HEAD and task.lead_unit is None
            ):
                continue
            out.append(
                PlannedMessage(
                    kind,
                    step_id,
                    self.version,
                    template,
                    role,
                    recipient.named,
                    task.org,
                    task.task_id,
                    task.ref,
                    task.work,
                    None,
                    None,
                    task.lead_unit,
                    task.due,
                    info.effective,
                    info.days_late,
                    occurrence,
                    task.deadline_version,
                    (),
                    subject + middle + version,
                )
            )

    def _unclear_messages(
        self, task: TaskSnapshot, info: _DueInfo | None, out: list[PlannedMessage]
    ) -> None:
        # A snapshot without unclear_since was found unclear by this very run.
        since = task.unclear_since or self.today
        hits = self.unclear_hits(since)
        if not hits:
            return
        for step, occurrence in hits:
            for recipient, dimensions in _unclear_recipients(step, task):
                key = (
                    f"task:{task.task_id}|{step.id}|{occurrence}|{recipient.key}"
                    f"|since:{since.isoformat()}"
                )
                message = self._task_message(
                    step, recipient, task, info, occurrence=occurrence, unclear=dimensions, key=key
                )
                out.append(message)

    def _task_message(
        self,
        step: Step,
        recipient: Recipient,
        task: TaskSnapshot,
        info: _DueInfo | None,
        *,
        occurrence: int,
        unclear: tuple[str, ...],
        key: str,
    ) -> PlannedMessage:
        """A message of ``step`` about ``task`` (every step but the deadline ones: off the hot
        path)."""
        return PlannedMessage(
            kind=step.kind,
            step_id=step.id,
            config_version=self.version,
            template=step.template,
            role=recipient.role,
            named=recipient.named,
            org=task.org,
            task_id=task.task_id,
            ref=task.ref,
            work=task.work,
            report=None,
            period=None,
            lead_unit=task.lead_unit,
            due=task.due,
            effective_due=info.effective if info is not None else None,
            days_late=info.days_late if info is not None else 0,
            occurrence=occurrence,
            deadline_version=task.deadline_version,
            unclear=unclear,
            ledger_key=key,
        )

    def report_messages(self, report: ReportSnapshot, out: list[PlannedMessage]) -> None:
        """Append the messages of one report not yet submitted."""
        info = self.report_info(report.due)
        if not info.sends:
            return
        subject = f"report:{report.key}"
        version = f"due:{report.due.isoformat()}"
        for send in info.sends:
            message = PlannedMessage(
                kind=send.kind,
                step_id=send.step_id,
                config_version=self.version,
                template=send.template,
                role=send.recipient.role,
                named=send.recipient.named,
                org=report.org,
                task_id=None,
                ref="",
                work="",
                report=report.key,
                period=report.period,
                lead_unit=report.unit,
                due=report.due,
                effective_due=info.effective,
                days_late=info.days_late,
                occurrence=send.occurrence,
                deadline_version=0,
                unclear=(),
                ledger_key=subject + send.middle + version,
            )
            out.append(message)


def _reaches(task: TaskSnapshot, recipient: Recipient) -> bool:
    """False for a role the task proves absent: no person named, no lead unit."""
    role = recipient.role
    if role is Role.PERSON:
        return task.has_person
    if role is Role.LEAD_HEAD:
        return task.lead_unit is not None
    return True


def _unclear_recipients(step: Step, task: TaskSnapshot) -> list[tuple[Recipient, tuple[str, ...]]]:
    """Who receives an unclear step, each with the dimensions they are asked to fix.

    ``fixer`` splits the dimensions: "person" to the lead unit head when there is a lead
    unit, the rest to the standing office. A recipient reached twice (``fixer`` and
    ``standing_office`` in one step) gets one message listing both sets.
    """
    resolved: dict[Recipient, list[str]] = {}
    for recipient in step.recipients:
        if recipient.role is Role.FIXER:
            for dimension in task.unclear:
                owner = (
                    _LEAD_HEAD
                    if dimension == _PERSON and task.lead_unit is not None
                    else _STANDING_OFFICE
                )
                _add(resolved, owner, (dimension,))
        elif _reaches(task, recipient):
            _add(resolved, recipient, task.unclear)
    return [(recipient, tuple(dimensions)) for recipient, dimensions in resolved.items()]


def _add(resolved: dict[Recipient, list[str]], recipient: Recipient, dims: Iterable[str]) -> None:
    """Give ``recipient`` the dimensions ``dims``, keeping first-seen order, no repeats."""
    listed = resolved.setdefault(recipient, [])
    for dimension in dims:
        if dimension not in listed:
            listed.append(dimension)
