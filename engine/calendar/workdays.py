"""Working days of Vietnamese state bodies, and the Civil Code rules for deadlines.

A day is a working day unless it is a weekend day (``weekend`` in ``config/calendar.yaml``,
default Saturday and Sunday) or a public holiday, with the government's yearly swaps on top:

1. ``holidays.VN`` (when ``use_holidays_package`` is true) gives the Labour Code holidays
   (art. 112: 1/1, Tết Nguyên đán, Giỗ Tổ Hùng Vương 10/3 âm lịch, 30/4, 1/5, 2/9 and its
   adjacent day), their nghỉ bù days, and the swaps it knows (a weekday off, a Saturday
   worked: ``weekend_workdays``).
2. ``years`` in ``calendar.yaml`` overrides it per year: ``days_off`` are extra days off
   (a new announcement the package does not know yet), ``working_days`` are days worked
   whatever the rest says (a make-up Saturday, or a package holiday that does not apply).

Each listed day says where it comes from (``DaySource``): the Labour Code (a holiday of art.
112 or its nghỉ bù), a government decision (a swapped day, a make-up Saturday, a day off the
Code does not hold yet such as 24/11 "Ngày Văn hóa Việt Nam"), or ``calendar.yaml``.

Deadlines follow the Civil Code 2015: counting starts the day after the trigger (art. 147),
a deadline ends at 24:00 of its last day, and a last day that is not a working day moves to
the next working day (art. 148).

``WorkCalendar`` is pure (no clock) and fast: each year is computed once into a set of
non-working days and a sorted array of working-day ordinals, so adding and counting working
days is a binary search, never a day-by-day walk.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, date, datetime, time, timedelta
from enum import StrEnum
from itertools import chain
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from engine.errors import ConfigError, Location, Problem, ProblemList
from engine.text import clean
from rules.config_text import load_yaml, problem_at, validate_data

CALENDAR_FILE = "calendar.yaml"

WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY_INDEX: dict[str, int] = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}

_DEFAULT_WEEKEND: tuple[Weekday, ...] = ("saturday", "sunday")


class DaySource(StrEnum):
    """Where a day off (or a day worked against the usual rule) comes from."""

    LAW = "law"  # Bộ luật Lao động 2019, art. 112: the holidays and their nghỉ bù
    GOVERNMENT = "government"  # a swap, a make-up day, a day off decided beyond the Code
    CONFIG = "config"  # calendar.yaml


SOURCE_LABELS: dict[DaySource, str] = {
    DaySource.LAW: "theo Bộ luật Lao động 2019, Điều 112",
    DaySource.GOVERNMENT: "theo quyết định của Chính phủ",
    DaySource.CONFIG: "theo calendar.yaml",
}

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Year keys of ``years``: inside the range ``date`` can hold with a year either side.
YearKey = Annotated[int, Field(ge=MINYEAR + 1, le=MAXYEAR - 1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DayEntry(_Strict):
    """One dated override: the day and why (shown to users, in Vietnamese)."""

    day: date = Field(alias="date")
    name: Name


class YearOverrides(_Strict):
    """The overrides of one year: extra days off and days worked."""

    days_off: list[DayEntry] = Field(default_factory=list)
    working_days: list[DayEntry] = Field(default_factory=list)


class CalendarConfig(_Strict):
    """The schema of ``config/calendar.yaml``."""

    version: Literal[1]
    timezone: str = "Asia/Ho_Chi_Minh"
    weekend: list[Weekday] = Field(default_factory=lambda: list(_DEFAULT_WEEKEND))
    use_holidays_package: bool = True
    # The day a weekly deadline ("hằng tuần") falls on when the plan names none.
    weekly_due: Weekday = "friday"
    years: dict[YearKey, YearOverrides] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"múi giờ '{value}' không tồn tại (viết theo tên IANA, vd. Asia/Ho_Chi_Minh)"
            ) from None
        return value

    @field_validator("weekend")
    @classmethod
    def _sensible_weekend(cls, value: list[str]) -> list[str]:
        repeated = sorted({day for day in value if value.count(day) > 1})
        if repeated:
            raise ValueError(f"ngày cuối tuần bị lặp: {', '.join(repeated)}")
        if len(value) == len(_WEEKDAY_INDEX):
            raise ValueError("cả bảy ngày đều là ngày nghỉ: không còn ngày làm việc nào")
        return value


def parse_calendar(text: str, source: str) -> CalendarConfig:
    """Parse and validate ``calendar.yaml`` text; raise one ``ConfigError`` listing every fault.

    Beyond the schema: every date lies in the year it is filed under, no date is listed twice
    in one list, and no date is both a day off and a working day.
    """
    data, lines = load_yaml(text, source)
    config = validate_data(CalendarConfig, data, lines, source)
    problems = ProblemList()
    for year, overrides in config.years.items():
        _check_year(year, overrides, lines, source, problems)
    if problems:
        raise ConfigError(
            f"Tệp cấu hình {source} không hợp lệ ({len(problems.problems)} lỗi)",
            problems.problems,
        )
    return config


def load_calendar(path: Path) -> CalendarConfig:
    """Read and parse a ``calendar.yaml`` file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        where = Location(file=str(path))
        raise ConfigError(
            f"Thiếu tệp cấu hình {path}", [Problem(where, "không tìm thấy tệp")]
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        where = Location(file=str(path))
        raise ConfigError(
            f"Không đọc được tệp cấu hình {path}", [Problem(where, f"không đọc được: {error}")]
        ) from None
    return parse_calendar(text, str(path))


def weekend_days(config: CalendarConfig) -> frozenset[int]:
    """The weekly days off of a config, as ``date.weekday()`` numbers (Monday is 0)."""
    return frozenset(_WEEKDAY_INDEX[name] for name in config.weekend)


def weekly_due_weekday(config: CalendarConfig) -> int:
    """The ISO weekday (1 = Monday) a weekly deadline falls on."""
    return _WEEKDAY_INDEX[config.weekly_due] + 1


def weekday_name(day: date) -> str:
    """The Vietnamese name of the day of the week: "Thứ Hai" … "Chủ nhật"."""
    return WEEKDAY_NAMES[day.weekday()]


def format_day(day: date) -> str:
    """A day as Vietnamese documents write it, with its weekday: "Thứ Hai 16/02/2026"."""
    return f"{weekday_name(day)} {day:%d/%m/%Y}"


class WorkCalendar:
    """Working days and deadlines for one calendar config.

    Years are computed on first use and kept; the years held always form one unbroken
    range, so the sorted array of working-day ordinals has no holes. Safe to share between
    threads: readers see an immutable snapshot, replaced whole when a year is added.
    """

    def __init__(self, config: CalendarConfig) -> None:
        self.config = config
        self.timezone = ZoneInfo(config.timezone)
        self._weekend = weekend_days(config)
        self._years: dict[int, _Year] = {}
        self._span = _Span()
        self._lock = threading.Lock()

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day."""
        return day not in self._covering(day.year).off

    def non_working_reason(self, day: date) -> str | None:
        """Why ``day`` is not a working day ("Chủ nhật", "Tết Nguyên đán", …); None if it is."""
        return self._covering(day.year).off.get(day)

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        if self.is_working_day(day):
            return day
        return self.add_working_days(day, 1)

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (before it when ``n`` is negative).

        Counting starts the day after ``day`` (Civil Code art. 147): ``add_working_days(
        Friday, 1)`` is the next Monday. ``n == 0`` returns ``day`` unchanged.
        """
        if n == 0:
            return day
        ordinal = day.toordinal()
        span = self._covering(day.year)
        while True:
            if n > 0:
                index = bisect_right(span.ordinals, ordinal) + n - 1
                missing = index - len(span.ordinals) + 1
            else:
                index = bisect_left(span.ordinals, ordinal) + n
                missing = -index
            if missing <= 0:
                return date.fromordinal(span.ordinals[index])
            span = self._grow(span, missing if n > 0 else -missing)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days ``d`` satisfy ``start < d <= end``; negative when
        ``end < start`` (then minus the count of ``end < d <= start``)."""
        span = self._covering(min(start.year, end.year), max(start.year, end.year))
        low = bisect_right(span.ordinals, start.toordinal())
        return bisect_right(span.ordinals, end.toordinal()) - low

    def effective_due(self, due: date) -> date:
        """The day a deadline really ends: ``due``, or the next working day when ``due`` is a
        weekend day or holiday (Civil Code art. 148)."""
        return self.next_working_day(due)

    def deadline_instant(self, due: date) -> datetime:
        """The instant a deadline ends: 24:00 of its effective day in the calendar's time
        zone, written as 00:00 of the day after (aware)."""
        end = self.effective_due(due) + timedelta(days=1)
        return datetime.combine(end, time(0), tzinfo=self.timezone)

    def day_source(self, day: date) -> DaySource | None:
        """Where a day of ``year_listing`` comes from; None for other days."""
        self._covering(day.year)
        return self._years[day.year].sources.get(day)

    def year_listing(self, year: int) -> list[tuple[date, str, bool]]:
        """The year's exceptions, by date: ``(day, name, False)`` for each weekday off
        (holidays, swapped days, extra days off), ``(day, name, True)`` for each day worked
        against the usual rule (make-up weekend days, cancelled holidays)."""
        self._covering(year)
        held = self._years[year]
        off = [(day, name, False) for day, name in held.off.items() if not self._is_weekend(day)]
        worked = [(day, name, True) for day, name in held.worked.items()]
        return sorted(off + worked)

    # --- years: computed once, held as one unbroken range ---

    def _covering(self, first: int, last: int | None = None) -> _Span:
        """A snapshot holding the years ``first`` to ``last`` (default ``first``)."""
        span = self._span
        last = first if last is None else last
        if span.first <= first and last <= span.last:
            return span
        return self._extend_to(first, last)

    def _grow(self, span: _Span, missing: int) -> _Span:
        """A wider snapshot: enough years after (``missing`` > 0) or before it for at least
        ``missing`` more working days, judging a year at 200 working days at least."""
        years = abs(missing) // 200 + 1
        if missing > 0:
            return self._extend_to(span.last + 1, span.last + years)
        return self._extend_to(span.first - years, span.first - 1)

    def _extend_to(self, first: int, last: int) -> _Span:
        if first < MINYEAR or last > MAXYEAR:
            raise ValueError(f"ngoài phạm vi lịch (năm {MINYEAR} đến {MAXYEAR})")
        with self._lock:
            span = self._span
            if span.first <= span.last:
                first, last = min(first, span.first), max(last, span.last)
            for year in range(first, last + 1):
                if year not in self._years:
                    self._years[year] = self._compute_year(year)
            held = [self._years[year] for year in range(first, last + 1)]
            off = dict(chain.from_iterable(year.off.items() for year in held))
            ordinals = tuple(chain.from_iterable(year.ordinals for year in held))
            self._span = _Span(first, last, off, ordinals)
            return self._span

    def _compute_year(self, year: int) -> _Year:
        overrides = self.config.years.get(year, YearOverrides())
        extra_off = {entry.day: entry.name for entry in overrides.days_off}
        forced = {entry.day: entry.name for entry in overrides.working_days}
        package = _package_year(year) if self.config.use_holidays_package else _Package()
        off: dict[date, str] = {}
        worked: dict[date, str] = dict(forced)
        sources = dict.fromkeys(forced, DaySource.CONFIG)
        for day in _days_of(year):
            if day in forced:
                continue
            if day in extra_off:
                off[day], sources[day] = extra_off[day], DaySource.CONFIG
            elif day in package.worked and self._is_weekend(day):
                worked[day], sources[day] = package.worked[day], DaySource.GOVERNMENT
            elif day in package.off:
                off[day] = package.off[day]
                decided = day in package.decided
                sources[day] = DaySource.GOVERNMENT if decided else DaySource.LAW
            elif self._is_weekend(day):
                off[day] = weekday_name(day)
        ordinals = tuple(day.toordinal() for day in _days_of(year) if day not in off)
        return _Year(off=off, worked=worked, ordinals=ordinals, sources=sources)

    def _is_weekend(self, day: date) -> bool:
        return day.weekday() in self._weekend


@dataclass(frozen=True)
class _Year:
    """One year: every non-working day with its reason, the days worked against the usual
    rule with their names, and the working days as sorted ordinals."""

    off: dict[date, str]
    worked: dict[date, str]
    ordinals: tuple[int, ...]
    sources: dict[date, DaySource]


@dataclass(frozen=True)
class _Span:
    """The years ``first`` to ``last`` merged; empty when ``first > last``."""

    first: int = 1
    last: int = 0
    off: dict[date, str] = field(default_factory=dict)
    ordinals: tuple[int, ...] = ()


def _days_of(year: int) -> Iterator[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        if day == date.max:
            return
        day += timedelta(days=1)


# --- the holidays package: its days, under the names Vietnamese offices use ---

_TET = "Tết Nguyên đán"
_MAKE_UP = "Ngày làm việc bù"
_PACKAGE_NAMES = {
    "Tết Dương lịch": "Tết Dương lịch",
    "29 Tết": _TET,
    "Giao thừa Tết Nguyên Đán": _TET,
    "Tết Nguyên Đán": _TET,
    "Mùng hai Tết Nguyên Đán": _TET,
    "Mùng ba Tết Nguyên Đán": _TET,
    "Mùng bốn Tết Nguyên Đán": _TET,
    "Mùng năm Tết Nguyên Đán": _TET,
    "Mùng sáu Tết Nguyên Đán": _TET,
    "Ngày Giỗ Tổ Hùng Vương": "Giỗ Tổ Hùng Vương",
    "Ngày Chiến thắng": "Ngày Giải phóng miền Nam",
    "Ngày Quốc tế Lao động": "Ngày Quốc tế Lao động",
    "Quốc khánh": "Quốc khánh",
    "Ngày Văn hóa Việt Nam": "Ngày Văn hóa Việt Nam",
}
# "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)": the package's suffixes, kept after our name.
_SUFFIX = re.compile(r"^(?P<base>.*?)(?P<suffix> \((?:nghỉ bù|dự kiến|nghỉ bù, dự kiến)\))?$")
# Days off the package holds that are no holiday of the Labour Code (art. 112): decided by
# the government (Ngày Văn hóa Việt Nam, from 2026).
_DECIDED_HOLIDAYS = frozenset({"Ngày Văn hóa Việt Nam"})
# The package's swapped day off, naming the Saturday worked in exchange.
_SWAPPED = re.compile(r"^Ngày nghỉ \(thay cho ngày (\d{2})/(\d{2})/(\d{4})\)$")


@dataclass(frozen=True)
class _Package:
    """The package's days of one year: off and worked with their names, and the days off
    that a government decision gives rather than the Labour Code."""

    off: dict[date, str] = field(default_factory=dict)
    worked: dict[date, str] = field(default_factory=dict)
    decided: frozenset[date] = frozenset()


def _package_year(year: int) -> _Package:
    """The package's days off in ``year`` and its make-up working days, both with names.

    A swap may cross the new year (31/12/2018 off, 5/1/2019 worked), so the years either
    side are computed too.
    """
    years = [y for y in (year - 1, year, year + 1) if MINYEAR <= y < MAXYEAR]
    table: Any = holidays.country_holidays("VN", years=years, language="vi")
    names: dict[date, str] = {day: clean(str(name)) for day, name in table.items()}
    swaps = {partner: day for day, name in names.items() if (partner := _swap_partner(name))}
    off = {day: _local_name(name) for day, name in names.items() if day.year == year}
    worked = {
        day: f"Hoán đổi với ngày nghỉ {format_day(swaps[day])}" if day in swaps else _MAKE_UP
        for day in table.weekend_workdays
        if day.year == year
    }
    decided = frozenset(day for day in off if _decided(names[day]))
    return _Package(off, worked, decided)


def _decided(name: str) -> bool:
    """A package day off that no Labour Code holiday explains: a swap or a decided day."""
    return all(
        _swap_partner(part) or _base_name(part) in _DECIDED_HOLIDAYS for part in name.split("; ")
    )


def _base_name(part: str) -> str:
    """A package name without its "(nghỉ bù)" or "(dự kiến)" suffix."""
    match = _SUFFIX.match(part)
    return match["base"] if match else part


def _swap_partner(name: str) -> date | None:
    """The Saturday worked in exchange for a swapped day off, read from its package name."""
    match = _SWAPPED.match(name)
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    return date(year, month, day)


def _local_name(name: str) -> str:
    """A package holiday name as offices write it: every Tết day "Tết Nguyên đán", 30/4
    "Ngày Giải phóng miền Nam"; several holidays on one day joined by "; "."""
    names: list[str] = []
    for part in name.split("; "):
        partner = _swap_partner(part)
        if partner:
            names.append(f"Ngày nghỉ hoán đổi (làm bù {format_day(partner)})")
            continue
        match = _SUFFIX.match(part)
        base, suffix = (match["base"], match["suffix"] or "") if match else (part, "")
        local = _PACKAGE_NAMES.get(base, base) + suffix
        if local not in names:
            names.append(local)
    return "; ".join(names)


# --- validation beyond the schema ---


def _check_year(
    year: int,
    overrides: YearOverrides,
    lines: dict[tuple[str, ...], int],
    source: str,
    problems: ProblemList,
) -> None:
    """Dates in the right year, each listed once, never both off and worked."""
    listed: dict[date, str] = {}
    for kind in ("days_off", "working_days"):
        entries: list[DayEntry] = getattr(overrides, kind)
        for index, entry in enumerate(entries):
            loc: tuple[str | int, ...] = ("years", year, kind, index, "date")
            here = f"{kind}[{index}]"
            if entry.day.year != year:
                message = f"ngày {entry.day:%d/%m/%Y} không thuộc năm {year}"
                problems.problems.append(problem_at(loc, message, source, lines))
            if entry.day not in listed:
                listed[entry.day] = here
                continue
            if listed[entry.day].startswith(kind):
                message = f"ngày {entry.day:%d/%m/%Y} đã có ở {listed[entry.day]}"
            else:
                message = (
                    f"ngày {entry.day:%d/%m/%Y} vừa là ngày nghỉ ({listed[entry.day]}) "
                    "vừa là ngày làm việc"
                )
            problems.problems.append(problem_at(loc, message, source, lines))
