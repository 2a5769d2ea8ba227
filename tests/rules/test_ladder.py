"""The escalation ladder evaluated on fixed dates: weekends, Tết 2026 and the swapped days."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from rules.escalation import Ladder, Role, StepKind, parse_ladder
from rules.ladder import Calendar, PlannedMessage, ReportSnapshot, TaskSnapshot, plan

LADDER_PATH = Path(__file__).resolve().parents[2] / "config" / "escalation.yaml"
LADDER = parse_ladder(LADDER_PATH.read_text(encoding="utf-8"), "escalation.yaml")
VERSION = LADDER.config_version


class TestCalendar:
    """Monday to Friday, minus a fixed set of 2026 days off, plus worked Saturdays.

    Days off: 1/1; Tết 14/2–22/2; 30/4, 1/5; National Day 2/9 with 1/9, and 31/8 swapped
    for the worked Saturday 22/8 (domain.md §5).
    """

    __test__ = False  # a helper, not a test class

    OFF = frozenset(
        {date(2026, 1, 1)}
        | {date(2026, 2, 14) + timedelta(days=n) for n in range(9)}
        | {date(2026, 4, 30), date(2026, 5, 1)}
        | {date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)}
    )
    WORKED = frozenset({date(2026, 8, 22)})

    def is_working_day(self, day: date) -> bool:
        if day in self.WORKED:
            return True
        return day.weekday() < 5 and day not in self.OFF

    def next_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, n: int) -> date:
        step = timedelta(days=1 if n >= 0 else -1)
        for _ in range(abs(n)):
            day += step
            while not self.is_working_day(day):
                day += step
        return day

    def working_days_between(self, start: date, end: date) -> int:
        if end < start:
            return -self.working_days_between(end, start)
        days = (start + timedelta(days=n) for n in range(1, (end - start).days + 1))
        return sum(1 for day in days if self.is_working_day(day))

    def effective_due(self, due: date) -> date:
        return self.next_working_day(due)


CALENDAR: Calendar = TestCalendar()


def d(text: str) -> date:
    """ "15/2/2026" -> date(2026, 2, 15)."""
    day, month, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def task(
    due: str | None = "15/2/2026",
    *,
    task_id: int = 1,
    state: str = "open",
    version: int = 1,
    lead_unit: str | None = "van-phong",
    has_person: bool = True,
    unclear: tuple[str, ...] = (),
    since: str | None = None,
) -> TaskSnapshot:
    return TaskSnapshot(
        task_id=task_id,
        org="xuan-duong",
        ref="1.2",
        work="Xây dựng Kế hoạch cải cách hành chính năm 2026",
        state=state,
        due=d(due) if due else None,
        deadline_version=version,
        lead_unit=lead_unit,
        has_person=has_person,
        unclear=unclear,
        unclear_since=d(since) if since else None,
    )


def report(due: str = "10/3/2026", *, submitted: bool = False) -> ReportSnapshot:
    return ReportSnapshot(
        org="xuan-duong", unit="van-phong", period="2026-Q1", due=d(due), submitted=submitted
    )


def run(
    tasks: list[TaskSnapshot],
    today: str,
    reports: list[ReportSnapshot] | None = None,
    ladder: Ladder = LADDER,
) -> list[PlannedMessage]:
    return plan(tasks, reports or [], today=d(today), ladder=ladder, calendar=CALENDAR)


def fired(messages: list[PlannedMessage]) -> list[tuple[str, int, str]]:
    """(step id, occurrence, recipient) of each message, in plan order."""
    return [(m.step_id, m.occurrence, m.recipient) for m in messages]


def steps(messages: list[PlannedMessage]) -> list[tuple[str, int]]:
    """(step id, occurrence) of each step that fired, once per step, in plan order."""
    seen: list[tuple[str, int]] = []
    for m in messages:
        if (m.step_id, m.occurrence) not in seen:
            seen.append((m.step_id, m.occurrence))
    return seen


# --- the test calendar itself ----------------------------------------------------------


def test_the_test_calendar_knows_tet_and_the_swapped_days() -> None:
    assert CALENDAR.effective_due(d("15/2/2026")) == d("23/2/2026")  # Sunday in Tết
    assert CALENDAR.add_working_days(d("23/2/2026"), -1) == d("13/2/2026")
    assert CALENDAR.add_working_days(d("21/8/2026"), 1) == d("22/8/2026")  # worked Saturday
    assert CALENDAR.effective_due(d("31/8/2026")) == d("3/9/2026")
    assert CALENDAR.working_days_between(d("28/8/2026"), d("3/9/2026")) == 1


# --- a task due on Sunday 15/2/2026, in Tết: effective due Monday 23/2/2026 ----------------

TET_TABLE = [
    ("4/2/2026", [], 0),
    ("5/2/2026", [("before-7", 0)], 0),  # 7 working days before 23/2, across Tết
    ("6/2/2026", [("before-7", 0)], 0),  # caught up, same key
    ("10/2/2026", [("before-7", 0)], 0),
    ("11/2/2026", [("before-3", 0)], 0),
    ("12/2/2026", [("before-3", 0)], 0),
    ("13/2/2026", [("before-1", 0)], 0),  # last working day before Tết
    ("15/2/2026", [("before-1", 0)], 0),  # the recorded due date, a Sunday in Tết
    ("20/2/2026", [("before-1", 0)], 0),
    ("23/2/2026", [("due-day", 0)], 0),
    ("24/2/2026", [("overdue-lead-head", 0)], 1),
    ("25/2/2026", [("overdue-lead-head", 0)], 2),
    ("26/2/2026", [("overdue-lead-head", 0), ("overdue-standing-office", 0)], 3),
    (
        "2/3/2026",
        [("overdue-lead-head", 0), ("overdue-standing-office", 0), ("overdue-vice-chairman", 0)],
        5,
    ),
    (
        "3/3/2026",
        [("overdue-lead-head", 1), ("overdue-standing-office", 0), ("overdue-vice-chairman", 0)],
        6,
    ),
    (
        "7/3/2026",  # Saturday: still the 9th working day late
        [("overdue-lead-head", 1), ("overdue-standing-office", 1), ("overdue-vice-chairman", 0)],
        9,
    ),
    (
        "9/3/2026",
        [
            ("overdue-lead-head", 1),
            ("overdue-standing-office", 1),
            ("overdue-vice-chairman", 1),
            ("overdue-chairman", 0),
        ],
        10,
    ),
    (
        "16/3/2026",
        [
            ("overdue-lead-head", 2),
            ("overdue-standing-office", 2),
            ("overdue-vice-chairman", 2),
            ("overdue-chairman", 1),
        ],
        15,
    ),
]


@pytest.mark.parametrize(("today", "expected", "late"), TET_TABLE)
def test_a_task_due_in_tet(today: str, expected: list[tuple[str, int]], late: int) -> None:
    messages = run([task("15/2/2026")], today)
    assert steps(messages) == expected
    assert all(m.effective_due == d("23/2/2026") and m.due == d("15/2/2026") for m in messages)
    assert all(m.days_late == late for m in messages)


def test_reminders_go_to_the_person_and_the_lead_unit_head() -> None:
    assert fired(run([task("15/2/2026")], "5/2/2026")) == [
        ("before-7", 0, "person"),
        ("before-7", 0, "lead_head"),
    ]
    assert fired(run([task("15/2/2026")], "23/2/2026")) == [
        ("due-day", 0, "person"),
        ("due-day", 0, "lead_head"),
    ]


def test_overdue_steps_go_up_the_ladder() -> None:
    messages = run([task("15/2/2026")], "9/3/2026")
    assert [m.role for m in messages] == [
        Role.LEAD_HEAD,
        Role.STANDING_OFFICE,
        Role.VICE_CHAIRMAN,
        Role.CHAIRMAN,
    ]
    assert {m.template for m in messages} == {"escalation"}
    assert {m.kind for m in messages} == {StepKind.OVERDUE}


def test_a_deadline_message_in_full() -> None:
    (message,) = run([task("15/2/2026", version=3)], "25/2/2026")
    assert message == PlannedMessage(
        kind=StepKind.OVERDUE,
        step_id="overdue-lead-head",
        config_version=VERSION,
        template="escalation",
        role=Role.LEAD_HEAD,
        named=None,
        org="xuan-duong",
        task_id=1,
        ref="1.2",
        work="Xây dựng Kế hoạch cải cách hành chính năm 2026",
        report=None,
        period=None,
        lead_unit="van-phong",
        due=d("15/2/2026"),
        effective_due=d("23/2/2026"),
        days_late=2,
        occurrence=0,
        deadline_version=3,
        unclear=(),
        ledger_key="task:1|overdue-lead-head|0|lead_head|v3",
    )


def test_an_unclear_message_in_full() -> None:
    subject = task("15/2/2026", unclear=("person",), since="23/2/2026")
    messages = run([subject], "25/2/2026")
    assert messages[-1] == PlannedMessage(
        kind=StepKind.UNCLEAR,
        step_id="unclear-fixer",
        config_version=VERSION,
        template="digest",
        role=Role.LEAD_HEAD,
        named=None,
        org="xuan-duong",
        task_id=1,
        ref="1.2",
        work="Xây dựng Kế hoạch cải cách hành chính năm 2026",
        report=None,
        period=None,
        lead_unit="van-phong",
        due=d("15/2/2026"),
        effective_due=d("23/2/2026"),
        days_late=2,
        occurrence=2,
        deadline_version=1,
        unclear=("person",),
        ledger_key="task:1|unclear-fixer|2|lead_head|since:2026-02-23",
    )


def test_weekly_repetition_changes_the_key_each_week_only() -> None:
    def key(today: str) -> str:
        (message,) = run([task("15/2/2026")], today)  # only the lead head before day 3
        return message.ledger_key

    assert key("24/2/2026") == "task:1|overdue-lead-head|0|lead_head|v1"
    assert key("25/2/2026") == key("24/2/2026")
    days = ["24/2/2026", "25/2/2026", "26/2/2026", "27/2/2026", "2/3/2026", "3/3/2026"]
    occurrences = [
        next(m.occurrence for m in run([task("15/2/2026")], day) if m.role is Role.LEAD_HEAD)
        for day in days
    ]
    assert occurrences == [0, 0, 0, 0, 0, 1]


# --- weekends and the swapped days of 2026 ----------------------------------------------

SWAP_TABLE = [
    # Due Wednesday 26/8: the worked Saturday 22/8 counts, so "3 days before" is that Saturday.
    ("26/8/2026", "18/8/2026", [("before-7", 0)]),
    ("26/8/2026", "21/8/2026", [("before-7", 0)]),
    ("26/8/2026", "22/8/2026", [("before-3", 0)]),
    ("26/8/2026", "25/8/2026", [("before-1", 0)]),
    # Due Monday 31/8 (swapped day off): effective due Thursday 3/9 after National Day.
    ("31/8/2026", "26/8/2026", [("before-3", 0)]),
    ("31/8/2026", "28/8/2026", [("before-1", 0)]),
    ("31/8/2026", "31/8/2026", [("before-1", 0)]),
    ("31/8/2026", "3/9/2026", [("due-day", 0)]),
    ("31/8/2026", "4/9/2026", [("overdue-lead-head", 0)]),
    # Due Friday 28/8: not a working day late until Thursday 3/9.
    ("28/8/2026", "28/8/2026", [("due-day", 0)]),
    ("28/8/2026", "29/8/2026", []),
    ("28/8/2026", "2/9/2026", []),
    ("28/8/2026", "3/9/2026", [("overdue-lead-head", 0)]),
    # Due Saturday 7/3: effective due Monday 9/3.
    ("7/3/2026", "6/3/2026", [("before-1", 0)]),
    ("7/3/2026", "7/3/2026", [("before-1", 0)]),
    ("7/3/2026", "9/3/2026", [("due-day", 0)]),
    ("7/3/2026", "10/3/2026", [("overdue-lead-head", 0)]),
]


@pytest.mark.parametrize(("due", "today", "expected"), SWAP_TABLE)
def test_weekends_and_swapped_days(due: str, today: str, expected: list[tuple[str, int]]) -> None:
    assert steps(run([task(due)], today)) == expected


# --- catch-up after downtime --------------------------------------------------------------


def test_a_missed_reminder_is_caught_up_once_with_the_same_key() -> None:
    on_time = run([task("15/2/2026")], "5/2/2026")
    late = run([task("15/2/2026")], "9/2/2026")  # the 5/2 run never happened
    assert [m.ledger_key for m in late] == [m.ledger_key for m in on_time]


def test_stale_reminders_are_not_sent_in_a_burst() -> None:
    # Down from 4/2 to 13/2: only the nearest reminder, not 7, 3 and 1 days at once.
    assert steps(run([task("15/2/2026")], "13/2/2026")) == [("before-1", 0)]


def test_a_task_created_close_to_its_due_date_gets_the_latest_reminder_only() -> None:
    # Due Friday 13/3; today Wednesday 11/3 is 2 working days before: "3 days" is caught up.
    assert steps(run([task("13/3/2026")], "11/3/2026")) == [("before-3", 0)]


# --- states, missing recipients, extensions -------------------------------------------------


@pytest.mark.parametrize("state", ["done", "withdrawn"])
def test_done_and_withdrawn_tasks_get_nothing(state: str) -> None:
    gone = task("15/2/2026", state=state, unclear=("person",), since="2/2/2026")
    for today in ("5/2/2026", "23/2/2026", "9/3/2026"):
        assert run([gone], today) == []


def test_a_task_without_due_date_gets_only_unclear_steps() -> None:
    assert run([task(None)], "9/3/2026") == []
    messages = run([task(None, unclear=("deadline",), since="9/3/2026")], "9/3/2026")
    assert fired(messages) == [("unclear-fixer", 0, "standing_office")]
    assert messages[0].effective_due is None and messages[0].days_late == 0


def test_absent_person_and_lead_unit_are_skipped() -> None:
    assert fired(run([task("15/2/2026", has_person=False)], "5/2/2026")) == [
        ("before-7", 0, "lead_head")
    ]
    assert fired(run([task("15/2/2026", lead_unit=None)], "5/2/2026")) == [
        ("before-7", 0, "person")
    ]
    assert run([task("15/2/2026", lead_unit=None)], "24/2/2026") == []  # lead head only


def test_an_approved_extension_re_arms_the_ladder() -> None:
    before = run([task("10/3/2026", version=1)], "11/3/2026")
    assert fired(before) == [("overdue-lead-head", 0, "lead_head")]
    extended = task("20/3/2026", version=2)  # 7 working days after 11/3
    after = run([extended], "11/3/2026")
    assert fired(after) == [("before-7", 0, "person"), ("before-7", 0, "lead_head")]
    assert after[0].ledger_key == "task:1|before-7|0|person|v2"
    # The same step on the old deadline had another key, so it is sent again.
    old_key = run([task("20/3/2026", version=1)], "11/3/2026")[0].ledger_key
    assert old_key != after[0].ledger_key
    assert all(m.deadline_version == 2 for m in after)


# --- tasks failing 6 rõ ---------------------------------------------------------------------

UNCLEAR_TABLE = [
    (("person",), "van-phong", [("lead_head", ("person",))]),
    (("work", "deadline"), "van-phong", [("standing_office", ("work", "deadline"))]),
    (
        ("person", "result"),
        "van-phong",
        [("lead_head", ("person",)), ("standing_office", ("result",))],
    ),
    (
        ("responsibility", "person"),
        None,
        [("standing_office", ("responsibility", "person"))],
    ),
]


@pytest.mark.parametrize(("unclear", "lead_unit", "expected"), UNCLEAR_TABLE)
def test_unclear_findings_go_to_whoever_can_fix_them(
    unclear: tuple[str, ...], lead_unit: str | None, expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    subject = task(None, unclear=unclear, since="2/3/2026", lead_unit=lead_unit)
    messages = run([subject], "2/3/2026")
    assert [(m.recipient, m.unclear) for m in messages] == expected
    assert {m.step_id for m in messages} == {"unclear-fixer"}


def test_unclear_is_daily_and_reaches_the_chairman_after_5_working_days() -> None:
    subject = task("30/6/2026", unclear=("work",), since="2/3/2026")
    assert fired(run([subject], "6/3/2026")) == [("unclear-fixer", 4, "standing_office")]
    messages = run([subject], "9/3/2026")
    assert fired(messages) == [
        ("unclear-fixer", 5, "standing_office"),
        ("unclear-chairman", 0, "chairman"),
    ]
    assert messages[1].unclear == ("work",)
    assert messages[1].ledger_key == "task:1|unclear-chairman|0|chairman|since:2026-03-02"
    assert steps(run([subject], "16/3/2026")) == [("unclear-fixer", 10), ("unclear-chairman", 1)]


def test_unclear_days_count_working_days_across_tet() -> None:
    subject = task(None, unclear=("work",), since="13/2/2026")
    assert steps(run([subject], "20/2/2026")) == [("unclear-fixer", 0)]
    assert steps(run([subject], "23/2/2026")) == [("unclear-fixer", 1)]


def test_a_task_unclear_again_starts_a_new_round() -> None:
    first = run([task(None, unclear=("work",), since="2/3/2026")], "2/3/2026")
    again = run([task(None, unclear=("work",), since="10/3/2026")], "10/3/2026")
    assert first[0].occurrence == again[0].occurrence == 0
    assert first[0].ledger_key != again[0].ledger_key


def test_unclear_without_since_counts_from_today() -> None:
    messages = run([task(None, unclear=("work",))], "9/3/2026")
    assert fired(messages) == [("unclear-fixer", 0, "standing_office")]
    assert messages[0].ledger_key.endswith("|since:2026-03-09")


def test_an_unclear_overdue_task_gets_both_ladders() -> None:
    subject = task("15/2/2026", unclear=("result",), since="23/2/2026")
    assert steps(run([subject], "24/2/2026")) == [("overdue-lead-head", 0), ("unclear-fixer", 1)]


# --- unit reports ----------------------------------------------------------------------------

REPORT_TABLE = [
    ("10/3/2026", "9/3/2026", []),
    ("10/3/2026", "10/3/2026", [("report-missing-head", 0, "lead_head")]),
    ("10/3/2026", "11/3/2026", [("report-missing-head", 0, "lead_head")]),
    (
        "10/3/2026",
        "12/3/2026",
        [("report-missing-head", 0, "lead_head"), ("report-missing-chairman", 0, "chairman")],
    ),
    # Due Saturday 10/10: the deadline is Monday 12/10; the Chairman hears on Wednesday 14/10.
    ("10/10/2026", "10/10/2026", []),
    ("10/10/2026", "12/10/2026", [("report-missing-head", 0, "lead_head")]),
    ("10/10/2026", "13/10/2026", [("report-missing-head", 0, "lead_head")]),
    (
        "10/10/2026",
        "14/10/2026",
        [("report-missing-head", 0, "lead_head"), ("report-missing-chairman", 0, "chairman")],
    ),
]


@pytest.mark.parametrize(("due", "today", "expected"), REPORT_TABLE)
def test_a_missing_report_goes_to_the_unit_head_then_the_chairman(
    due: str, today: str, expected: list[tuple[str, int, str]]
) -> None:
    assert fired(run([], today, [report(due)])) == expected


def test_a_submitted_report_gets_nothing() -> None:
    assert run([], "12/3/2026", [report(submitted=True)]) == []


def test_a_missing_report_message_names_the_report() -> None:
    (head, chairman) = run([], "12/3/2026", [report()])
    assert head.report == "xuan-duong/van-phong/2026-Q1"
    assert head.lead_unit == "van-phong" and head.period == "2026-Q1"
    assert head.task_id is None and head.kind is StepKind.MISSING_REPORT
    assert chairman.days_late == 2
    assert chairman.ledger_key == (
        "report:xuan-duong/van-phong/2026-Q1|report-missing-chairman|0|chairman|due:2026-03-10"
    )


# --- every message, every run ---------------------------------------------------------------


def _mixed() -> tuple[list[TaskSnapshot], list[ReportSnapshot]]:
    tasks = [
        task("15/2/2026", task_id=1),
        task("13/3/2026", task_id=2),
        task("9/3/2026", task_id=3),
        task(None, task_id=4, unclear=("person", "work"), since="2/3/2026"),
        task("20/2/2026", task_id=5, unclear=("result",), since="27/2/2026"),
        task("9/3/2026", task_id=6, state="done"),
    ]
    return tasks, [report(), report("9/3/2026", submitted=True)]


def test_every_message_carries_its_step_and_config_version() -> None:
    tasks, reports = _mixed()
    for today in ("5/2/2026", "23/2/2026", "9/3/2026", "12/3/2026", "16/3/2026"):
        for message in run(tasks, today, reports):
            assert message.config_version == VERSION
            assert LADDER.step(message.step_id).kind is message.kind
            assert message.role is not Role.FIXER
            assert f"|{message.step_id}|{message.occurrence}|" in message.ledger_key


def test_re_running_the_same_day_gives_identical_keys() -> None:
    tasks, reports = _mixed()
    first = run(tasks, "12/3/2026", reports)
    second = run(list(reversed(tasks)), "12/3/2026", reports)
    assert sorted(m.ledger_key for m in first) == sorted(m.ledger_key for m in second)
    assert run(tasks, "12/3/2026", reports) == first
    assert len({m.ledger_key for m in first}) == len(first)  # one key per message


def test_a_bumped_config_version_is_carried_but_does_not_resend() -> None:
    bumped = LADDER.model_copy(update={"config_version": "2026-12-01"})
    tasks, reports = _mixed()
    old = run(tasks, "12/3/2026", reports)
    new = run(tasks, "12/3/2026", reports, ladder=bumped)
    assert {m.config_version for m in new} == {"2026-12-01"}
    assert [m.ledger_key for m in new] == [m.ledger_key for m in old]


# --- ladders other than the default ---------------------------------------------------------

CUSTOM = """\
version: 1
config_version: "custom-1"
steps:
  - id: before-2-person
    kind: before_due
    offset: 2
    recipients: [person]
    template: digest
    description: Nhắc người thực hiện
  - id: before-2-office
    kind: before_due
    offset: 2
    recipients: [standing_office]
    template: digest
    description: Nhắc cơ quan thường trực
  - id: before-5
    kind: before_due
    offset: 5
    recipients: [person]
    template: digest
    enabled: false
    description: Tạm tắt
  - id: overdue-named
    kind: overdue
    offset: 2
    recipients: [{named: "giamsat@xa.example.vn"}]
    template: escalation
    description: Báo người giám sát một lần
  - id: unclear-all
    kind: unclear
    offset: 0
    recipients: [fixer, standing_office]
    template: digest
    description: Báo cả cơ quan thường trực
"""


@pytest.fixture(scope="module")
def custom() -> Ladder:
    return parse_ladder(CUSTOM, "escalation.yaml")


def test_steps_with_the_same_offset_fire_together_and_disabled_ones_never(
    custom: Ladder,
) -> None:
    # Due Monday 9/3: 5 working days before is 2/3 (before-5 is disabled), 2 before is 5/3.
    assert run([task("9/3/2026")], "2/3/2026", ladder=custom) == []
    assert fired(run([task("9/3/2026")], "5/3/2026", ladder=custom)) == [
        ("before-2-person", 0, "person"),
        ("before-2-office", 0, "standing_office"),
    ]
    assert run([task("9/3/2026")], "9/3/2026", ladder=custom) == []  # no due_day step


def test_a_named_recipient_without_repeat_is_planned_with_one_key(custom: Ladder) -> None:
    keys = set()
    for today in ("11/3/2026", "12/3/2026", "20/3/2026"):
        (message,) = run([task("9/3/2026")], today, ladder=custom)
        assert message.role is Role.NAMED and message.named == "giamsat@xa.example.vn"
        assert message.occurrence == 0 and message.config_version == "custom-1"
        keys.add(message.ledger_key)
    assert keys == {"task:1|overdue-named|0|named:giamsat@xa.example.vn|v1"}


def test_fixer_and_standing_office_in_one_step_merge(custom: Ladder) -> None:
    subject = task(None, unclear=("person", "work"), since="9/3/2026")
    messages = run([subject], "9/3/2026", ladder=custom)
    assert [(m.recipient, m.unclear) for m in messages] == [
        ("lead_head", ("person",)),
        ("standing_office", ("work", "person")),
    ]


def test_many_tasks_share_the_per_date_work() -> None:
    tasks = [replace(task("15/2/2026"), task_id=n) for n in range(1, 2001)]
    messages = run(tasks, "9/3/2026")
    assert len(messages) == 4 * 2000
    assert len({m.ledger_key for m in messages}) == len(messages)


# --- awaiting acceptance ---------------------------------------------


def waiting(on: str, *, submission: int = 1, due: str = "15/2/2026") -> TaskSnapshot:
    return replace(task(due), state="awaiting", submitted_on=d(on), submission=submission)


def test_a_task_waiting_for_acceptance_is_not_escalated_but_its_acceptor_is_reminded() -> None:
    snapshot = waiting("9/2/2026")  # Monday; due 15/2 (Sunday: effective 16/2)
    assert run([snapshot], "10/2/2026") == []  # 1 working day: not yet
    first = run([snapshot], "11/2/2026")  # 2 working days
    assert fired(first) == [("awaiting-acceptor", 0, "acceptor")]
    assert first[0].ledger_key == "task:1|awaiting-acceptor|0|acceptor|s1"
    # long past its due date: still only the acceptor, weekly, never the overdue ladder
    late = run([snapshot], "16/3/2026")
    assert {m.step_id for m in late} == {"awaiting-acceptor"}
    assert late[0].occurrence >= 1


def test_each_submission_starts_its_own_round_of_reminders() -> None:
    again = run([waiting("2/3/2026", submission=2)], "4/3/2026")
    assert [m.ledger_key for m in again] == ["task:1|awaiting-acceptor|0|acceptor|s2"]


def test_the_acceptor_role_belongs_to_awaiting_steps_only() -> None:
    text = LADDER_PATH.read_text(encoding="utf-8").replace(
        "recipients: [acceptor]", "recipients: [acceptor, chairman]"
    )
    assert parse_ladder(text, "escalation.yaml").enabled(StepKind.AWAITING)
    broken = text.replace("kind: awaiting", "kind: unclear").replace(
        "    repeat_every: 5\n    recipients: [acceptor, chairman]",
        "    recipients: [acceptor, chairman]",
    )
    with pytest.raises(Exception, match="acceptor"):
        parse_ladder(broken, "escalation.yaml")
