"""The reporting calendar: CCHC periods, their data cut-offs and deadlines.

``config/reporting.yaml`` (``version: 1``) names the period kinds an organization reports
(the CCHC set of Bộ Nội vụ 581/BNV-CCHC: Quý I, 6 tháng, Quý III, năm; or plain quarters
q1–q4), the cut-off day of NĐ 09/2019/NĐ-CP art. 12 and three deadlines per period:

- ``unit_report``: units send their reports to the standing office;
- ``assemble``: the standing office assembles the organization's report;
- ``report``: the organization sends its report to the upper level.

A period runs from the day after the cut-off of the month before it to the cut-off of its
last month, inclusive (cut-off 14: Quý I 2026 is 15/12/2025–14/03/2026, năm 2026 is
15/12/2025–14/12/2026). A deadline is a day of the period's last month or a number of
working days after the cut-off; a day that is not a working day moves to the next working
day (Civil Code 2015 art. 148, ``WorkCalendar.effective_due``) and the period records the
move (``Period.moves``) so the output can say so.

Everything here is pure: the day is an argument, the calendar is passed in.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, timedelta
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.calendar.workdays import WorkCalendar, format_day, weekday_name
from engine.errors import ConfigError, Problem, SauroError
from rules.config_text import ConfigVersion, LineOf, load_yaml, problem_at, validate_data

REPORTING_FILE = "reporting.yaml"

PeriodKind = Literal["quy-1", "6-thang", "quy-3", "nam", "q1", "q2", "q3", "q4"]
Stage = Literal["unit_report", "assemble", "report"]
# How days overdue are counted: every day after the due date, or working days only.
OverdueCount = Literal["calendar_days", "working_days"]
OVERDUE_UNITS: dict[str, str] = {"calendar_days": "ngày", "working_days": "ngày làm việc"}

STAGES: tuple[Stage, ...] = get_args(Stage)
DEFAULT_KINDS: tuple[PeriodKind, ...] = ("quy-1", "6-thang", "quy-3", "nam")
# The NĐ 09/2019 art. 12 cut-off: the 14th of the month.
DEFAULT_CUTOFF_DAY = 14
# A deadline later than this many working days after the cut-off is a typo, not a rule.
MAX_OFFSET = 60

STAGE_LABELS: dict[Stage, str] = {
    "unit_report": "Hạn các đơn vị gửi báo cáo cho cơ quan thường trực",
    "assemble": "Ngày cơ quan thường trực tổng hợp báo cáo",
    "report": "Hạn gửi báo cáo lên cấp trên",
}

_CIVIL_CODE = "Bộ luật Dân sự 2015, Điều 148"


@dataclass(frozen=True)
class _Shape:
    """The months a period kind covers, its code suffix and its Vietnamese label."""

    suffix: str
    first_month: int
    last_month: int
    name: str
    label: str


_SHAPES: dict[PeriodKind, _Shape] = {
    "quy-1": _Shape("Q1", 1, 3, "Quý I", "Quý I năm {year}"),
    "q1": _Shape("Q1", 1, 3, "Quý I", "Quý I năm {year}"),
    "q2": _Shape("Q2", 4, 6, "Quý II", "Quý II năm {year}"),
    "6-thang": _Shape("H1", 1, 6, "6 tháng", "6 tháng đầu năm {year}"),
    "quy-3": _Shape("Q3", 7, 9, "Quý III", "Quý III năm {year}"),
    "q3": _Shape("Q3", 7, 9, "Quý III", "Quý III năm {year}"),
    "q4": _Shape("Q4", 10, 12, "Quý IV", "Quý IV năm {year}"),
    "nam": _Shape("", 1, 12, "năm", "năm {year}"),
}


# --- the schema of config/reporting.yaml ---


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Deadline(_Strict):
    """One deadline: a day of the period's last month, or working days after the cut-off."""

    day: int | None = Field(default=None, ge=1, le=31)
    working_days_after_cutoff: int | None = Field(default=None, ge=0, le=MAX_OFFSET)

    @model_validator(mode="after")
    def _one_form(self) -> Deadline:
        given = (self.day is not None) + (self.working_days_after_cutoff is not None)
        if given == 2:
            raise ValueError(
                "chỉ ghi một trong hai: day (ngày của tháng cuối kỳ) hoặc "
                "working_days_after_cutoff (số ngày làm việc sau ngày chốt số liệu)"
            )
        if given == 0:
            raise ValueError(
                "thiếu hạn: ghi day (ngày của tháng cuối kỳ) hoặc "
                "working_days_after_cutoff (số ngày làm việc sau ngày chốt số liệu)"
            )
        return self


class Deadlines(_Strict):
    """The three deadlines of every period; defaults from domain §6."""

    unit_report: Deadline = Deadline(day=10)
    assemble: Deadline = Deadline(working_days_after_cutoff=0)
    report: Deadline = Deadline(day=16)


class OverdueCounting(_Strict):
    """How days overdue are counted where they are shown: in the period report, its annex
    and the web app's report figures (``documents``); in reminders and escalations
    (``reminders``)."""

    documents: OverdueCount = "calendar_days"
    reminders: OverdueCount = "working_days"


class ReportingConfig(_Strict):
    """The schema of ``config/reporting.yaml``."""

    version: ConfigVersion
    periods: list[PeriodKind] = Field(default_factory=lambda: list(DEFAULT_KINDS), min_length=1)
    cutoff_day: int = Field(default=DEFAULT_CUTOFF_DAY, ge=1, le=31)
    deadlines: Deadlines = Field(default_factory=Deadlines)
    # Working days before the units' deadline on which their forms are sent.
    forms_before_unit_report: int = Field(default=5, ge=0, le=MAX_OFFSET)
    overdue: OverdueCounting = Field(default_factory=OverdueCounting)


def parse_reporting(text: str, source: str) -> ReportingConfig:
    """Parse and validate ``reporting.yaml`` text; raise one ``ConfigError`` listing every
    fault.

    Beyond the schema: no period kind is listed twice or together with its twin (``q1`` and
    ``quy-1`` are the same period), and the deadlines come in order: units, then the
    standing office, then the upper level.
    """
    data, lines = load_yaml(text, source)
    config = validate_data(ReportingConfig, data, lines, source)
    problems = [*_kind_problems(config, lines, source), *_order_problems(config, lines, source)]
    if problems:
        raise ConfigError(f"Tệp cấu hình {source} không hợp lệ ({len(problems)} lỗi)", problems)
    return config


def _kind_problems(config: ReportingConfig, lines: LineOf, source: str) -> list[Problem]:
    """A kind listed twice, or two kinds that are one period (same code)."""
    problems: list[Problem] = []
    by_suffix: dict[str, int] = {}
    for index, kind in enumerate(config.periods):
        suffix = _SHAPES[kind].suffix
        first = by_suffix.setdefault(suffix, index)
        if first == index:
            continue
        other = config.periods[first]
        if other == kind:
            message = f"kỳ '{kind}' bị lặp, đã có ở periods[{first}]"
        else:
            message = (
                f"'{kind}' và '{other}' (periods[{first}]) là cùng một kỳ "
                f"{_SHAPES[kind].name}: chỉ ghi một trong hai"
            )
        problems.append(problem_at(("periods", index), message, source, lines))
    return problems


def _order_problems(config: ReportingConfig, lines: LineOf, source: str) -> list[Problem]:
    """Deadlines surely out of order (units after the report, …); a pair whose order
    depends on the calendar (a day after the cut-off against an offset) is not judged."""
    problems: list[Problem] = []
    deadlines = config.deadlines
    for position, earlier in enumerate(STAGES):
        for later in STAGES[position + 1 :]:
            first, then = getattr(deadlines, earlier), getattr(deadlines, later)
            if _misordered(first, then, config.cutoff_day):
                message = (
                    f"{_lower_first(STAGE_LABELS[later])} không được sớm hơn "
                    f"{_lower_first(STAGE_LABELS[earlier])} (deadlines.{earlier})"
                )
                problems.append(problem_at(("deadlines", later), message, source, lines))
    return problems


def _misordered(first: Deadline, then: Deadline, cutoff_day: int) -> bool:
    """Whether ``then`` surely falls before ``first``."""
    if first.day is not None and then.day is not None:
        return then.day < first.day
    first_offset, then_offset = first.working_days_after_cutoff, then.working_days_after_cutoff
    if first_offset is not None and then_offset is not None:
        return then_offset < first_offset
    # An offset falls on or after the cut-off; a day before the cut-off is earlier.
    return then.day is not None and then.day < cutoff_day


# --- periods ---


@dataclass(frozen=True)
class Move:
    """A deadline whose written day is not a working day, moved to the next working day."""

    stage: Stage
    written: date
    effective: date
    reason: str

    def __str__(self) -> str:
        if self.reason == weekday_name(self.written):
            why = "ngày nghỉ cuối tuần"
        else:
            why = f"ngày nghỉ ({self.reason})"
        return (
            f"{format_day(self.written)} là {why}: {_lower_first(STAGE_LABELS[self.stage])} "
            f"lùi sang ngày làm việc kế tiếp, {format_day(self.effective)} ({_CIVIL_CODE})"
        )


@dataclass(frozen=True)
class Period:
    """One reporting period of one year, its data range and its effective deadlines.

    ``data_start`` and ``data_end`` (the cut-off) are both inclusive. ``unit_deadline``,
    ``assemble_on`` and ``report_deadline`` are working days: a written day that is not one
    has moved, and ``moves`` says so.
    """

    code: str
    kind: PeriodKind
    year: int
    label: str
    data_start: date
    data_end: date
    unit_deadline: date
    assemble_on: date
    report_deadline: date
    moves: tuple[Move, ...] = ()

    @property
    def title(self) -> str:
        """The label as a list or a heading shows it, capitalized: "Quý III năm 2026",
        "6 tháng đầu năm 2026", "Năm 2026" (``label`` reads inside a sentence)."""
        return self.label[:1].upper() + self.label[1:]

    def contains(self, day: date) -> bool:
        """Whether ``day`` lies in the period's data range."""
        return self.data_start <= day <= self.data_end

    def day_of(self, stage: Stage) -> date:
        """The effective day of one stage."""
        days = {
            "unit_report": self.unit_deadline,
            "assemble": self.assemble_on,
            "report": self.report_deadline,
        }
        return days[stage]


def make_period(
    kind: PeriodKind, year: int, config: ReportingConfig, calendar: WorkCalendar
) -> Period:
    """The period of ``kind`` in ``year`` (whether or not the config enables that kind)."""
    _check_year(year)
    shape = _SHAPES[kind]
    # The period starts the day after the cut-off of the month before it.
    if shape.first_month == 1:
        before_year, before_month = year - 1, 12
    else:
        before_year, before_month = year, shape.first_month - 1
    data_start = _cutoff(before_year, before_month, config.cutoff_day) + timedelta(days=1)
    data_end = _cutoff(year, shape.last_month, config.cutoff_day)
    days: dict[Stage, date] = {}
    moves: list[Move] = []
    for stage in STAGES:
        written, effective = _stage_day(getattr(config.deadlines, stage), data_end, calendar)
        days[stage] = effective
        if written != effective:
            moves.append(
                Move(stage, written, effective, calendar.non_working_reason(written) or "")
            )
    return Period(
        code=f"{year}-{shape.suffix}" if shape.suffix else str(year),
        kind=kind,
        year=year,
        label=shape.label.format(year=year),
        data_start=data_start,
        data_end=data_end,
        unit_deadline=days["unit_report"],
        assemble_on=days["assemble"],
        report_deadline=days["report"],
        moves=tuple(moves),
    )


def _check_year(year: int) -> None:
    if not MINYEAR < year < MAXYEAR:
        raise SauroError(f"năm {year} nằm ngoài phạm vi lịch ({MINYEAR + 1} đến {MAXYEAR - 1})")


def _cutoff(year: int, month: int, cutoff_day: int) -> date:
    """The cut-off day of a month; a day past the month's end is its last day."""
    return date(year, month, min(cutoff_day, monthrange(year, month)[1]))


def _stage_day(deadline: Deadline, cutoff: date, calendar: WorkCalendar) -> tuple[date, date]:
    """The day a deadline is written for and the day it really ends."""
    offset = deadline.working_days_after_cutoff
    if deadline.day is not None:
        written = _cutoff(cutoff.year, cutoff.month, deadline.day)
    elif offset:
        # Counted from the day after the cut-off, working days only: already a working day.
        written = calendar.add_working_days(cutoff, offset)
    else:
        written = cutoff
    return written, calendar.effective_due(written)


def periods_for_year(year: int, config: ReportingConfig, calendar: WorkCalendar) -> list[Period]:
    """The enabled periods of ``year``, earliest cut-off first (Quý II before 6 tháng, which
    closes on the same day)."""
    periods = [make_period(kind, year, config, calendar) for kind in config.periods]
    return sorted(periods, key=_closing_order)


def _closing_order(period: Period) -> tuple[date, int]:
    return period.data_end, -period.data_start.toordinal()


def _periods_around(
    day: date, config: ReportingConfig, calendar: WorkCalendar, before: int = 0
) -> list[Period]:
    """The enabled periods of the years ``day.year - before`` to ``day.year + 1``: a day's
    data belong to periods of its year or, after the December cut-off, of the next."""
    years = range(max(day.year - before, MINYEAR + 1), min(day.year + 1, MAXYEAR - 1) + 1)
    periods = [p for year in years for p in periods_for_year(year, config, calendar)]
    return sorted(periods, key=_closing_order)


def periods_overlapping(
    first: date, last: date, config: ReportingConfig, calendar: WorkCalendar
) -> list[Period]:
    """Every enabled period whose data range meets the days ``first`` to ``last``
    (inclusive), latest cut-off first: the periods a span of tasks can be reported in."""
    if last < first:
        return []
    low = max(first.year, MINYEAR + 1)
    high = min(last.year + 1, MAXYEAR - 1)  # after the December cut-off: next year's periods
    periods = [
        p
        for year in range(low, high + 1)
        for p in periods_for_year(year, config, calendar)
        if p.data_start <= last and p.data_end >= first
    ]
    return sorted(periods, key=_closing_order, reverse=True)


def periods_containing(day: date, config: ReportingConfig, calendar: WorkCalendar) -> list[Period]:
    """Every enabled period whose data range holds ``day``, earliest cut-off first."""
    return [p for p in _periods_around(day, config, calendar) if p.contains(day)]


def period_containing(day: date, config: ReportingConfig, calendar: WorkCalendar) -> Period | None:
    """The first report ``day``'s data go into: the enabled period holding ``day`` that
    closes first (14/03/2026 → Quý I 2026; 15/03/2026 → 6 tháng 2026; 15/12/2026 → Quý I
    2027). None when no enabled period holds it (only Quý I and Quý III enabled, say)."""
    found = periods_containing(day, config, calendar)
    return found[0] if found else None


def current_period(today: date, config: ReportingConfig, calendar: WorkCalendar) -> Period:
    """The period whose data are gathered on ``today``: the one holding it that closes
    first, or, in a gap between enabled periods, the next one to close."""
    upcoming = [p for p in _periods_around(today, config, calendar) if p.data_end >= today]
    holding = [p for p in upcoming if p.contains(today)]
    return (holding or upcoming)[0]


@dataclass(frozen=True)
class Milestone:
    """The next day of one stage and every period due that day (Quý II and 6 tháng share
    theirs)."""

    stage: Stage
    day: date
    periods: tuple[Period, ...]

    def __str__(self) -> str:
        labels = ", ".join(period.label for period in self.periods)
        return f"{STAGE_LABELS[self.stage]}: {format_day(self.day)} ({labels})"


def next_deadlines(today: date, config: ReportingConfig, calendar: WorkCalendar) -> list[Milestone]:
    """For each stage, its next day on or after ``today`` and the periods due then; sorted
    by day. Tells the flow whose units must report next and when to assemble."""
    periods = _periods_around(today, config, calendar, before=1)
    milestones: list[Milestone] = []
    for stage in STAGES:
        day = min((p.day_of(stage) for p in periods if p.day_of(stage) >= today), default=None)
        if day is not None:  # None only at the calendar's last year
            due = tuple(p for p in periods if p.day_of(stage) == day)
            milestones.append(Milestone(stage, day, due))
    return sorted(milestones, key=lambda m: (m.day, STAGES.index(m.stage)))


def overlaps(period: Period, start: date | None, due: date | None) -> bool:
    """Whether a task belongs in the period's report: due within its data range, or running
    over part of it (both ends inclusive).

    A missing ``start`` means since the plan began (pass the plan's date when known); a
    missing ``due`` means open-ended. The status is the caller's: a task still open after its
    due date runs on until closed, so pass ``due=None`` for it.
    """
    if due is not None and period.contains(due):
        return True
    begins = start if start is not None else date.min
    ends = due if due is not None else date.max
    return begins <= period.data_end and ends >= period.data_start


def days_overdue(due: date, today: date, count: OverdueCount, calendar: WorkCalendar) -> int:
    """Days ``today`` lies after ``due`` (1 on the day after it; 0 when not after it),
    counted as ``count`` says: every day, or working days only."""
    if today <= due:
        return 0
    if count == "calendar_days":
        return (today - due).days
    return calendar.working_days_between(due, today)


def overdue_text(days: int, count: OverdueCount) -> str:
    """ "12 ngày", "8 ngày làm việc": a count of days overdue always with its unit."""
    return f"{days} {OVERDUE_UNITS[count]}"


# --- the periods a report compares itself with ---


def _cutoff_day_of(period: Period) -> int:
    """The cut-off day a period was made with: the day before its first day, or 31 when it
    starts on the 1st (the cut-off is the month's last day)."""
    return 31 if period.data_start.day == 1 else period.data_start.day - 1


def _range(year: int, first_month: int, months: int, cutoff_day: int) -> tuple[date, date]:
    """The data range of ``months`` months whose first month is ``first_month`` of ``year``
    (months before January roll back into the year before)."""
    index = year * 12 + first_month - 1
    before = index - 1
    last = index + months - 1
    start = _cutoff(before // 12, before % 12 + 1, cutoff_day) + timedelta(days=1)
    return start, _cutoff(last // 12, last % 12 + 1, cutoff_day)


_PREVIOUS_LABELS: dict[PeriodKind, tuple[int, str]] = {
    # kind: (months back to the previous period's first month, its label)
    "quy-1": (3, "Quý IV năm {year}"),
    "q1": (3, "Quý IV năm {year}"),
    "q2": (3, "Quý I năm {year}"),
    "6-thang": (6, "6 tháng cuối năm {year}"),
    "quy-3": (3, "Quý II năm {year}"),
    "q3": (3, "Quý II năm {year}"),
    "q4": (3, "Quý III năm {year}"),
    "nam": (12, "năm {year}"),
}


def _shifted(period: Period, months_back: int, label: str) -> Period:
    """``period`` moved ``months_back`` months earlier (negative: later), with ``label``;
    its deadlines are those of the data range (the comparison needs only the range)."""
    shape = _SHAPES[period.kind]
    months = shape.last_month - shape.first_month + 1
    index = period.year * 12 + shape.first_month - 1 - months_back
    year, first_month = index // 12, index % 12 + 1
    start, end = _range(year, first_month, months, _cutoff_day_of(period))
    return Period(
        code=f"{end.year}-{first_month:02d}+{months}",
        kind=period.kind,
        year=end.year,
        label=label.format(year=end.year),
        data_start=start,
        data_end=end,
        unit_deadline=end,
        assemble_on=end,
        report_deadline=end,
    )


def previous_period(period: Period) -> Period:
    """The data range of the same length just before ``period`` (Quý I 2026 → Quý IV 2025;
    6 tháng đầu năm 2026 → 6 tháng cuối năm 2025; năm 2026 → năm 2025), for the report's
    comparison with the previous period."""
    months_back, label = _PREVIOUS_LABELS[period.kind]
    return _shifted(period, months_back, label)


def same_period_last_year(period: Period) -> Period:
    """``period`` one year earlier (cùng kỳ năm trước)."""
    return _shifted(period, 12, _SHAPES[period.kind].label)


def next_period(period: Period) -> Period:
    """The data range of the same length just after ``period`` (kỳ tới): what the report's
    "phương hướng, nhiệm vụ kỳ tới" looks ahead to."""
    shape = _SHAPES[period.kind]
    months = shape.last_month - shape.first_month + 1
    follows = {3: "quý tới", 6: "6 tháng tới", 12: "năm tới"}
    return _shifted(period, -months, follows.get(months, "kỳ tới"))


# --- period codes ---

_CODE = re.compile(r"(?P<year>\d{4})(?:-(?P<suffix>[QH]\d))?")


def parse_period(code: str, config: ReportingConfig, calendar: WorkCalendar) -> Period:
    """The period named by ``code``: "2026-Q1", "2026-H1", "2026-Q3", "2026" (and "2026-Q2",
    "2026-Q4" when plain quarters are enabled); case and surrounding spaces do not matter.
    Raises a ``SauroError`` in Vietnamese naming the codes to use."""
    match = _CODE.fullmatch(code.strip().upper())
    year = int(match["year"]) if match else None
    suffix = (match["suffix"] or "") if match else None
    kinds = {_SHAPES[kind].suffix: kind for kind in config.periods}
    if year is None or suffix not in kinds or not MINYEAR < year < MAXYEAR:
        raise SauroError(_bad_code(code, config, year, suffix))
    return make_period(kinds[suffix], year, config, calendar)


def period_codes(year: int | str, config: ReportingConfig) -> list[str]:
    """The codes of the enabled periods of ``year`` in closing order ("YYYY" for a
    pattern)."""
    shapes = sorted(
        (_SHAPES[kind] for kind in config.periods),
        key=lambda shape: (shape.last_month, -shape.first_month),
    )
    return [f"{year}-{shape.suffix}" if shape.suffix else str(year) for shape in shapes]


def _bad_code(code: str, config: ReportingConfig, year: int | None, suffix: str | None) -> str:
    shown_year: int | str = year if year is not None and MINYEAR < year < MAXYEAR else "YYYY"
    codes = period_codes(shown_year, config)
    choices = ", ".join(codes[:-1]) + " hoặc " + codes[-1] if len(codes) > 1 else codes[0]
    message = f"'{code}' không phải kỳ báo cáo: dùng {choices}"
    known = {shape.suffix: shape.name for shape in _SHAPES.values()}
    if suffix in known and year is not None and shown_year == year:
        message += f" (kỳ {known[suffix]} không có trong periods của {REPORTING_FILE})"
    return message


def describe(period: Period) -> list[str]:
    """The period as lines of Vietnamese for output: its data range, its deadlines, and
    each deadline moved off a non-working day."""
    lines = [
        f"{period.label[:1].upper()}{period.label[1:]} ({period.code})",
        f"Số liệu từ ngày {period.data_start:%d/%m/%Y} đến hết ngày {period.data_end:%d/%m/%Y}",
    ]
    lines += [f"{STAGE_LABELS[stage]}: {format_day(period.day_of(stage))}" for stage in STAGES]
    lines += [str(move) for move in period.moves]
    return lines


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
