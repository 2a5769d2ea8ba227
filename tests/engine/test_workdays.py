"""The working-day calendar (engine/calendar/workdays.py, config/calendar.yaml): holidays, swapped
days, Civil Code counting, deadlines, and the config's validation."""

from __future__ import annotations

import textwrap
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from engine.calendar.workdays import (
    CalendarConfig,
    DaySource,
    WorkCalendar,
    format_day,
    load_calendar,
    parse_calendar,
    weekday_name,
    weekly_due_weekday,
)
from engine.errors import ConfigError, Location

REPO = Path(__file__).resolve().parents[2]
CALENDAR_PATH = REPO / "config" / "calendar.yaml"
CALENDAR = WorkCalendar(load_calendar(CALENDAR_PATH))

TET = "Tết Nguyên đán"


def _calendar(text: str) -> WorkCalendar:
    return WorkCalendar(parse_calendar(textwrap.dedent(text), "calendar.yaml"))


# --- which days are worked, and why not ---


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        # a plain week
        (date(2026, 3, 9), None),
        (date(2026, 3, 13), None),
        (date(2026, 3, 14), "Thứ Bảy"),
        (date(2026, 3, 15), "Chủ nhật"),
        # Tết Bính Ngọ: off from Saturday 14/2 to Sunday 22/2/2026
        (date(2026, 2, 13), None),
        (date(2026, 2, 14), "Thứ Bảy"),
        (date(2026, 2, 15), "Chủ nhật"),
        (date(2026, 2, 16), TET),
        (date(2026, 2, 17), TET),
        (date(2026, 2, 18), TET),
        (date(2026, 2, 19), TET),
        (date(2026, 2, 20), TET),
        (date(2026, 2, 21), "Thứ Bảy"),
        (date(2026, 2, 22), "Chủ nhật"),
        (date(2026, 2, 23), None),
        # Tết Ất Tỵ: off from Saturday 25/1 to Sunday 2/2/2025; a Tết day on a Saturday
        (date(2025, 1, 24), None),
        (date(2025, 1, 27), TET),
        (date(2025, 1, 31), TET),
        (date(2025, 2, 1), TET),
        (date(2025, 2, 3), None),
        # Tết Giáp Thìn: Thursday 8/2 to Wednesday 14/2/2024
        (date(2024, 2, 8), TET),
        (date(2024, 2, 14), TET),
        (date(2024, 2, 15), None),
        # 30/4 and 1/5, with the swaps of 2024 and 2025
        (date(2024, 4, 29), "Ngày nghỉ hoán đổi (làm bù Thứ Bảy 04/05/2024)"),
        (date(2024, 4, 30), "Ngày Giải phóng miền Nam"),
        (date(2024, 5, 1), "Ngày Quốc tế Lao động"),
        (date(2024, 5, 4), None),
        (date(2025, 4, 26), None),
        (date(2025, 4, 30), "Ngày Giải phóng miền Nam"),
        (date(2025, 5, 1), "Ngày Quốc tế Lao động"),
        (date(2025, 5, 2), "Ngày nghỉ hoán đổi (làm bù Thứ Bảy 26/04/2025)"),
        (date(2025, 5, 5), None),
        (date(2026, 4, 30), "Ngày Giải phóng miền Nam"),
        (date(2026, 5, 1), "Ngày Quốc tế Lao động"),
        # Quốc khánh 2/9 and its adjacent day; the 2026 swap 31/8 off, 22/8 worked
        (date(2024, 9, 2), "Quốc khánh"),
        (date(2024, 9, 3), "Quốc khánh"),
        (date(2025, 9, 1), "Quốc khánh"),
        (date(2025, 9, 2), "Quốc khánh"),
        (date(2026, 8, 22), None),
        (date(2026, 8, 31), "Ngày nghỉ hoán đổi (làm bù Thứ Bảy 22/08/2026)"),
        (date(2026, 9, 1), "Quốc khánh"),
        (date(2026, 9, 2), "Quốc khánh"),
        (date(2026, 9, 3), None),
        # Giỗ Tổ Hùng Vương, 10/3 lunar, from holidays.VN; nghỉ bù when on a Sunday
        (date(2024, 4, 18), "Giỗ Tổ Hùng Vương"),
        (date(2025, 4, 7), "Giỗ Tổ Hùng Vương"),
        (date(2026, 4, 26), "Giỗ Tổ Hùng Vương"),
        (date(2026, 4, 27), "Giỗ Tổ Hùng Vương (nghỉ bù)"),
        (date(2027, 4, 16), "Giỗ Tổ Hùng Vương"),
        # Tết Dương lịch; Ngày Văn hóa Việt Nam from 2026
        (date(2026, 1, 1), "Tết Dương lịch"),
        (date(2026, 11, 24), "Ngày Văn hóa Việt Nam"),
        (date(2025, 11, 24), None),
    ],
)
def test_working_days_and_reasons(day: date, reason: str | None) -> None:
    assert CALENDAR.non_working_reason(day) == reason
    assert CALENDAR.is_working_day(day) is (reason is None)


@pytest.mark.parametrize(
    ("first", "last"),
    [(date(2026, 2, 14), date(2026, 2, 22)), (date(2025, 1, 25), date(2025, 2, 2))],
)
def test_the_whole_tet_break_as_announced_is_off(first: date, last: date) -> None:
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    assert not any(CALENDAR.is_working_day(day) for day in days)
    assert CALENDAR.is_working_day(first - timedelta(days=1))
    assert CALENDAR.is_working_day(last + timedelta(days=1))


# --- counting (Civil Code art. 147: from the day after) ---


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 3, 10), 0, date(2026, 3, 10)),
        (date(2026, 3, 15), 0, date(2026, 3, 15)),
        (date(2026, 3, 10), 1, date(2026, 3, 11)),
        (date(2026, 3, 13), 1, date(2026, 3, 16)),
        (date(2026, 3, 14), 1, date(2026, 3, 16)),
        # across Tết 2026
        (date(2026, 2, 13), 1, date(2026, 2, 23)),
        (date(2026, 2, 12), 2, date(2026, 2, 23)),
        (date(2026, 2, 18), 1, date(2026, 2, 23)),
        (date(2026, 2, 23), -1, date(2026, 2, 13)),
        (date(2026, 2, 22), -2, date(2026, 2, 12)),
        # across the year boundary (1/1 is a holiday)
        (date(2025, 12, 31), 1, date(2026, 1, 2)),
        (date(2025, 12, 30), 3, date(2026, 1, 5)),
        (date(2026, 1, 2), -2, date(2025, 12, 30)),
        (date(2026, 1, 1), 249, date(2026, 12, 31)),
        (date(2026, 12, 31), -249, date(2025, 12, 31)),
        # swapped days: the make-up Saturday counts, the swapped weekday does not
        (date(2025, 4, 25), 1, date(2025, 4, 26)),
        (date(2025, 4, 29), 1, date(2025, 5, 5)),
        (date(2025, 5, 5), -1, date(2025, 4, 29)),
        (date(2026, 8, 21), 1, date(2026, 8, 22)),
        (date(2026, 8, 28), 1, date(2026, 9, 3)),
        # "7 working days before" 2/9/2026 lands before the make-up Saturday
        (date(2026, 9, 2), -7, date(2026, 8, 21)),
        (date(2026, 9, 3), -3, date(2026, 8, 26)),
    ],
)
def test_add_working_days(day: date, n: int, expected: date) -> None:
    assert CALENDAR.add_working_days(day, n) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 3, 10), date(2026, 3, 10), 0),
        (date(2026, 3, 10), date(2026, 3, 11), 1),
        (date(2026, 3, 11), date(2026, 3, 10), -1),
        (date(2026, 3, 13), date(2026, 3, 15), 0),
        (date(2026, 2, 13), date(2026, 2, 23), 1),
        (date(2026, 2, 23), date(2026, 2, 13), -1),
        (date(2025, 4, 25), date(2025, 5, 5), 4),  # 26/4 (make-up), 28/4, 29/4, 5/5
        (date(2025, 5, 5), date(2025, 4, 25), -4),
        (date(2023, 12, 31), date(2024, 12, 31), 251),
        (date(2024, 12, 31), date(2025, 12, 31), 250),
        (date(2025, 12, 31), date(2026, 12, 31), 249),
        (date(2026, 12, 31), date(2025, 12, 31), -249),
        (date(2023, 12, 31), date(2026, 12, 31), 750),
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert CALENDAR.working_days_between(start, end) == expected


def test_adding_and_counting_agree_with_a_day_by_day_walk() -> None:
    calendar = WorkCalendar(load_calendar(CALENDAR_PATH))  # fresh: years load on demand
    start = date(2024, 12, 20)
    working = [
        start + timedelta(days=offset)
        for offset in range(1, 800)
        if calendar.is_working_day(start + timedelta(days=offset))
    ]
    for n in (1, 5, 60, 250, 400):
        assert calendar.add_working_days(start, n) == working[n - 1]
        assert calendar.working_days_between(start, working[n - 1]) == n
        assert calendar.add_working_days(working[n - 1], -n) == start  # a Friday, worked
    last = working[-1]
    for n in (1, 7, 300):
        assert calendar.add_working_days(last, -n) == working[-1 - n]


def test_long_spans_load_the_years_they_need() -> None:
    calendar = WorkCalendar(load_calendar(CALENDAR_PATH))
    far = calendar.add_working_days(date(2026, 6, 1), 2_000)
    assert far.year in (2033, 2034)
    assert calendar.working_days_between(date(2026, 6, 1), far) == 2_000
    assert calendar.add_working_days(far, -2_000) == date(2026, 6, 1)
    early = calendar.add_working_days(date(2026, 6, 1), -1_000)
    assert calendar.working_days_between(early, date(2026, 6, 1)) == 1_000


def test_threads_sharing_one_calendar_see_the_same_answers() -> None:
    shared = WorkCalendar(load_calendar(CALENDAR_PATH))
    answers: dict[int, date] = {}

    def work(year: int) -> None:
        answers[year] = shared.add_working_days(date(year, 6, 1), 300)

    threads = [threading.Thread(target=work, args=(year,)) for year in range(2020, 2032)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {year: CALENDAR.add_working_days(date(year, 6, 1), 300) for year in answers}


# --- deadlines (Civil Code art. 148) ---


@pytest.mark.parametrize(
    ("due", "effective"),
    [
        (date(2026, 3, 10), date(2026, 3, 10)),
        (date(2026, 3, 14), date(2026, 3, 16)),
        (date(2026, 2, 14), date(2026, 2, 23)),
        (date(2026, 2, 18), date(2026, 2, 23)),
        (date(2025, 5, 3), date(2025, 5, 5)),
        (date(2025, 4, 26), date(2025, 4, 26)),
        (date(2026, 8, 29), date(2026, 9, 3)),
        (date(2025, 12, 31), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 2)),
    ],
)
def test_effective_due_and_deadline_instant(due: date, effective: date) -> None:
    assert CALENDAR.effective_due(due) == effective
    assert CALENDAR.next_working_day(due) == effective
    instant = CALENDAR.deadline_instant(due)
    assert instant.tzinfo is not None
    assert instant.utcoffset() == timedelta(hours=7)
    assert str(instant.tzinfo) == "Asia/Ho_Chi_Minh"
    # 24:00 of the effective day in Hà Nội is 17:00 UTC that same day.
    assert instant.astimezone(UTC) == datetime(
        effective.year, effective.month, effective.day, 17, 0, tzinfo=UTC
    )
    assert instant.replace(tzinfo=None) == datetime.combine(
        effective + timedelta(days=1), datetime.min.time()
    )


# --- the year's listing ---


def test_year_listing_2026() -> None:
    assert CALENDAR.year_listing(2026) == [
        (date(2026, 1, 1), "Tết Dương lịch", False),
        (date(2026, 2, 16), TET, False),
        (date(2026, 2, 17), TET, False),
        (date(2026, 2, 18), TET, False),
        (date(2026, 2, 19), TET, False),
        (date(2026, 2, 20), TET, False),
        (date(2026, 4, 27), "Giỗ Tổ Hùng Vương (nghỉ bù)", False),
        (date(2026, 4, 30), "Ngày Giải phóng miền Nam", False),
        (date(2026, 5, 1), "Ngày Quốc tế Lao động", False),
        (date(2026, 8, 22), "Hoán đổi với ngày nghỉ Thứ Hai 31/08/2026", True),
        (date(2026, 8, 31), "Ngày nghỉ hoán đổi (làm bù Thứ Bảy 22/08/2026)", False),
        (date(2026, 9, 1), "Quốc khánh", False),
        (date(2026, 9, 2), "Quốc khánh", False),
        (date(2026, 11, 24), "Ngày Văn hóa Việt Nam", False),
    ]


def test_year_listing_2025_shows_the_swap_and_skips_weekend_holidays() -> None:
    listing = CALENDAR.year_listing(2025)
    assert (date(2025, 4, 26), "Hoán đổi với ngày nghỉ Thứ Sáu 02/05/2025", True) in listing
    assert (date(2025, 5, 2), "Ngày nghỉ hoán đổi (làm bù Thứ Bảy 26/04/2025)", False) in listing
    assert all(day.weekday() < 5 for day, _, working in listing if not working)
    assert date(2025, 2, 1) not in [day for day, _, _ in listing]
    assert len([day for day, _, working in listing if not working]) == 12


def test_weekday_names_and_day_format() -> None:
    names = [weekday_name(date(2026, 2, 16) + timedelta(days=offset)) for offset in range(7)]
    assert names == ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
    assert format_day(date(2026, 2, 16)) == "Thứ Hai 16/02/2026"


# --- the overrides of calendar.yaml ---


def test_overrides_add_days_off_make_up_days_and_cancel_a_package_holiday() -> None:
    calendar = _calendar(
        """
        version: 1
        years:
          2027:
            days_off:
              - {date: 2027-02-11, name: "Nghỉ thêm sau Tết"}
              - {date: 2027-04-30, name: "Kỷ niệm 52 năm Ngày Giải phóng miền Nam"}
            working_days:
              - {date: 2027-02-20, name: "Làm bù cho ngày 11/02/2027"}
              - {date: 2027-11-24, name: "Chưa áp dụng Ngày Văn hóa Việt Nam"}
        """
    )
    assert calendar.non_working_reason(date(2027, 2, 11)) == "Nghỉ thêm sau Tết"
    assert calendar.non_working_reason(date(2027, 4, 30)) == (
        "Kỷ niệm 52 năm Ngày Giải phóng miền Nam"
    )
    assert calendar.is_working_day(date(2027, 2, 20))
    assert calendar.is_working_day(date(2027, 11, 24))
    assert calendar.non_working_reason(date(2027, 2, 10)) == TET  # the package still counts
    assert calendar.add_working_days(date(2027, 2, 19), 1) == date(2027, 2, 20)
    listing = calendar.year_listing(2027)
    assert (date(2027, 2, 11), "Nghỉ thêm sau Tết", False) in listing
    assert (date(2027, 2, 20), "Làm bù cho ngày 11/02/2027", True) in listing
    assert (date(2027, 11, 24), "Chưa áp dụng Ngày Văn hóa Việt Nam", True) in listing


def test_without_the_package_only_weekends_and_listed_days_are_off() -> None:
    calendar = _calendar(
        """
        version: 1
        use_holidays_package: false
        years:
          2026:
            days_off: [{date: 2026-09-02, name: "Quốc khánh"}]
        """
    )
    assert calendar.is_working_day(date(2026, 2, 17))
    assert not calendar.is_working_day(date(2026, 8, 22))
    assert calendar.non_working_reason(date(2026, 9, 2)) == "Quốc khánh"
    assert calendar.year_listing(2026) == [(date(2026, 9, 2), "Quốc khánh", False)]


def test_a_six_day_week() -> None:
    calendar = _calendar(
        """
        version: 1
        weekend: [sunday]
        """
    )
    assert calendar.is_working_day(date(2026, 3, 14))
    assert calendar.non_working_reason(date(2026, 3, 15)) == "Chủ nhật"
    assert calendar.add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 14)


def test_the_documented_way_to_cancel_24_november_works() -> None:
    text = CALENDAR_PATH.read_text(encoding="utf-8")
    block = (
        "    working_days: []\n"
        "    # working_days:\n"
        "    #   - date: 2026-11-24\n"
        '    #     name: "Ngày Văn hóa Việt Nam: chưa áp dụng nghỉ"\n'
    )
    assert text.endswith(block)
    enabled = text.removesuffix(block) + "\n".join(
        line.replace("# ", "", 1) for line in block.splitlines()[1:]
    )
    calendar = WorkCalendar(parse_calendar(enabled, "calendar.yaml"))
    assert calendar.is_working_day(date(2026, 11, 24))
    assert CALENDAR.non_working_reason(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"


@pytest.mark.parametrize(
    ("day", "source"),
    [
        (date(2026, 1, 1), DaySource.LAW),
        (date(2026, 2, 16), DaySource.LAW),
        (date(2026, 4, 27), DaySource.LAW),  # nghỉ bù of Giỗ Tổ, which fell on a Sunday
        (date(2026, 8, 31), DaySource.GOVERNMENT),  # a swapped day off
        (date(2026, 8, 22), DaySource.GOVERNMENT),  # its make-up Saturday
        (date(2026, 11, 24), DaySource.GOVERNMENT),  # Ngày Văn hóa Việt Nam, not in the Code
        (date(2026, 3, 2), None),
        (date(2026, 3, 7), None),
    ],
)
def test_each_listed_day_says_where_it_comes_from(day: date, source: DaySource | None) -> None:
    assert CALENDAR.day_source(day) is source


def test_days_of_calendar_yaml_come_from_the_config() -> None:
    text = """version: 1
years:
  2026:
    days_off: [{date: 2026-03-02, name: "Nghỉ thêm"}]
    working_days: [{date: 2026-11-24, name: "Chưa áp dụng"}]
"""
    calendar = WorkCalendar(parse_calendar(text, "calendar.yaml"))
    assert calendar.day_source(date(2026, 3, 2)) is DaySource.CONFIG
    assert calendar.day_source(date(2026, 11, 24)) is DaySource.CONFIG
    assert calendar.is_working_day(date(2026, 11, 24))


def test_the_shipped_file_only_documents_what_the_package_lacks() -> None:
    config = load_calendar(CALENDAR_PATH)
    assert config.timezone == "Asia/Ho_Chi_Minh"
    assert config.weekend == ["saturday", "sunday"]
    assert config.use_holidays_package is True
    assert weekly_due_weekday(config) == 5  # Friday
    assert sorted(config.years) == [2024, 2025, 2026]


def test_defaults_when_the_file_says_only_its_version() -> None:
    config = parse_calendar("version: 1\n", "calendar.yaml")
    assert config == CalendarConfig(version=1)
    assert config.weekend == ["saturday", "sunday"]
    assert config.years == {}


# --- validation: every problem, with file, line, entry and field ---


def _line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("text", "needle", "entry", "field", "message"),
    [
        (
            """
            version: 1
            years:
              2026:
                days_off:
                  - {date: 2026-02-30, name: "Ngày không có"}
            """,
            "2026-02-30",
            "years[2026].days_off[0]",
            "date",
            "'2026-02-30' không phải là một ngày có thật",
        ),
        (
            """
            version: 1
            years:
              2026:
                days_off:
                  - date: "30/01/2026"
                    name: "Viết sai dạng ngày"
            """,
            "30/01/2026",
            "years[2026].days_off[0]",
            "date",
            "phải là một ngày (YYYY-MM-DD)",
        ),
        (
            """
            version: 1
            years:
              2026:
                working_days:
                  - {date: 2026-08-22, name: "Làm bù"}
                  - {date: 2025-04-26, name: "Làm bù, ghi nhầm năm"}
            """,
            "2025-04-26",
            "years[2026].working_days[1]",
            "date",
            "ngày 26/04/2025 không thuộc năm 2026",
        ),
        (
            """
            version: 1
            years:
              2026:
                days_off:
                  - {date: 2026-08-31, name: "Nghỉ hoán đổi"}
                working_days:
                  - {date: 2026-08-31, name: "Làm bù"}
            """,
            "Làm bù",
            "years[2026].working_days[0]",
            "date",
            "ngày 31/08/2026 vừa là ngày nghỉ (days_off[0]) vừa là ngày làm việc",
        ),
        (
            """
            version: 1
            years:
              2026:
                days_off:
                  - {date: 2026-08-31, name: "Nghỉ hoán đổi"}
                  - {date: 2026-08-31, name: "Nghỉ hoán đổi lần hai"}
            """,
            "lần hai",
            "years[2026].days_off[1]",
            "date",
            "ngày 31/08/2026 đã có ở days_off[0]",
        ),
        (
            """
            version: 1
            weekend: [saturday, chu nhat]
            """,
            "weekend",
            "weekend[1]",
            None,
            "hoặc 'sunday', nhận 'chu nhat'",
        ),
        (
            """
            version: 1
            weekend: [saturday, sunday, saturday]
            """,
            "weekend",
            None,
            "weekend",
            "ngày cuối tuần bị lặp: saturday",
        ),
        (
            """
            version: 1
            weekend: [monday, tuesday, wednesday, thursday, friday, saturday, sunday]
            """,
            "weekend",
            None,
            "weekend",
            "không còn ngày làm việc nào",
        ),
        (
            """
            version: 1
            timezone: Asia/Ha_Noi
            """,
            "timezone",
            None,
            "timezone",
            "múi giờ 'Asia/Ha_Noi' không tồn tại",
        ),
        (
            """
            version: 1
            years:
              2026:
                day_off: []
            """,
            "day_off",
            "years[2026]",
            "day_off",
            "khóa không có trong lược đồ",
        ),
        (
            """
            version: 1
            years:
              2026:
                days_off:
                  - {date: 2026-08-31}
            """,
            "2026-08-31",
            "years[2026].days_off[0]",
            "name",
            "thiếu trường bắt buộc",
        ),
    ],
)
def test_schema_errors_say_where(
    text: str, needle: str, entry: str | None, field: str | None, message: str
) -> None:
    text = textwrap.dedent(text)
    with pytest.raises(ConfigError) as raised:
        parse_calendar(text, "config/calendar.yaml")
    [problem] = raised.value.problems
    assert problem.location == Location(
        file="config/calendar.yaml", row=_line_of(text, needle), entry=entry, field=field
    )
    assert message in problem.message
    assert "config/calendar.yaml" in str(raised.value)


def test_every_problem_is_reported_at_once() -> None:
    text = textwrap.dedent(
        """
        version: 1
        years:
          2025:
            days_off:
              - {date: 2026-05-02, name: "Ghi nhầm năm"}
            working_days:
              - {date: 2025-04-26, name: "Làm bù"}
          2026:
            days_off:
              - {date: 2026-08-31, name: "Nghỉ"}
            working_days:
              - {date: 2026-08-31, name: "Làm"}
        """
    )
    with pytest.raises(ConfigError) as raised:
        parse_calendar(text, "calendar.yaml")
    assert [(p.location.entry, p.location.row) for p in raised.value.problems] == [
        ("years[2025].days_off[0]", _line_of(text, "Ghi nhầm năm")),
        ("years[2026].working_days[0]", _line_of(text, '"Làm"')),
    ]
    assert "(2 lỗi)" in raised.value.message


def test_schema_errors_are_collected_together() -> None:
    text = "version: 2\nweekend: [funday]\nuse_holidays_package: maybe\n"
    with pytest.raises(ConfigError) as raised:
        parse_calendar(text, "calendar.yaml")
    rows = sorted(p.location.row or 0 for p in raised.value.problems)
    assert rows == [1, 2, 3]


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_calendar(tmp_path / "calendar.yaml")
    assert "không tìm thấy tệp" in str(raised.value)
