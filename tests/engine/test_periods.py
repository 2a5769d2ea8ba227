"""The reporting calendar (engine/calendar/periods.py, config/reporting.yaml): CCHC periods and
their NĐ 09/2019 cut-offs across year boundaries, deadlines as days and as working-day offsets
moved off weekends and holidays, period codes, the periods a day or a task falls in, and
the config's validation."""

from __future__ import annotations

import shutil
import textwrap
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest

from engine.calendar.periods import (
    DEFAULT_KINDS,
    Deadline,
    Deadlines,
    Move,
    Period,
    ReportingConfig,
    current_period,
    describe,
    make_period,
    next_deadlines,
    overlaps,
    parse_period,
    parse_reporting,
    period_codes,
    period_containing,
    periods_containing,
    periods_for_year,
)
from engine.calendar.workdays import WorkCalendar, load_calendar
from engine.configs.files import CONFIG_FILES, check_configs, load_configs
from engine.errors import ConfigError, SauroError

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config"
CALENDAR = WorkCalendar(load_calendar(CONFIG / "calendar.yaml"))
SHIPPED = parse_reporting((CONFIG / "reporting.yaml").read_text("utf-8"), "reporting.yaml")
ALL_KINDS = "[q1, q2, 6-thang, q3, q4, nam]"


def _config(text: str) -> ReportingConfig:
    return parse_reporting(textwrap.dedent(text), "reporting.yaml")


def _with(**deadlines: str) -> ReportingConfig:
    """The default config with some deadlines rewritten ("day: 2", "working_days_after_cutoff:
    3")."""
    lines = ["version: 1", "deadlines:"]
    for stage, written in deadlines.items():
        lines += [f"  {stage}:", f"    {written}"]
    return parse_reporting("\n".join(lines) + "\n", "reporting.yaml")


def _d(text: str) -> date:
    day, month, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def _row(period: Period) -> tuple[str, str, str, str, str, str, str, str]:
    return (
        period.code,
        period.label,
        f"{period.data_start:%d/%m/%Y}",
        f"{period.data_end:%d/%m/%Y}",
        f"{period.unit_deadline:%d/%m/%Y}",
        f"{period.assemble_on:%d/%m/%Y}",
        f"{period.report_deadline:%d/%m/%Y}",
        period.kind,
    )


# --- the shipped file ---


def test_the_shipped_file_holds_the_defaults_of_domain_section_6() -> None:
    assert _config("version: 1\n") == SHIPPED
    assert tuple(SHIPPED.periods) == DEFAULT_KINDS == ("quy-1", "6-thang", "quy-3", "nam")
    assert SHIPPED.cutoff_day == 14
    assert SHIPPED.deadlines == Deadlines(
        unit_report=Deadline(day=10),
        assemble=Deadline(working_days_after_cutoff=0),
        report=Deadline(day=16),
    )


def test_rules_check_validates_the_reporting_file() -> None:
    assert CONFIG_FILES["reporting.yaml"] is parse_reporting
    assert "reporting.yaml" in check_configs(CONFIG)
    assert load_configs(CONFIG).reporting == SHIPPED


def test_rules_check_names_a_bad_reporting_file(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG, folder)
    path = folder / "reporting.yaml"
    text = path.read_text("utf-8")
    assert "periods: [quy-1, 6-thang, quy-3, nam]" in text
    path.write_text(text.replace("quy-3, nam]", "quy-3, quy-3]"), "utf-8")
    line = text.splitlines().index("periods: [quy-1, 6-thang, quy-3, nam]") + 1

    with pytest.raises(ConfigError) as caught:
        check_configs(folder)

    assert [str(p) for p in caught.value.problems] == [
        f"{path}, dòng {line}, periods[3]: kỳ 'quy-3' bị lặp, đã có ở periods[2]"
    ]


# --- periods, cut-offs and deadlines ---


@pytest.mark.parametrize(
    "row",
    [
        # code, label, data from, data to, units by, assembled on, report by, kind
        # 14/03/2026 is a Saturday: the assembly moves to Monday 16/03.
        ("2026-Q1", "Quý I năm 2026", "15/12/2025", "14/03/2026", "10/03/2026", "16/03/2026",
         "16/03/2026", "quy-1"),
        # 14/06/2026 is a Sunday.
        ("2026-H1", "6 tháng đầu năm 2026", "15/12/2025", "14/06/2026", "10/06/2026",
         "15/06/2026", "16/06/2026", "6-thang"),
        ("2026-Q3", "Quý III năm 2026", "15/06/2026", "14/09/2026", "10/09/2026", "14/09/2026",
         "16/09/2026", "quy-3"),
        ("2026", "năm 2026", "15/12/2025", "14/12/2026", "10/12/2026", "14/12/2026",
         "16/12/2026", "nam"),
        # 14/03/2027 is a Sunday.
        ("2027-Q1", "Quý I năm 2027", "15/12/2026", "14/03/2027", "10/03/2027", "15/03/2027",
         "16/03/2027", "quy-1"),
        ("2027-H1", "6 tháng đầu năm 2027", "15/12/2026", "14/06/2027", "10/06/2027",
         "14/06/2027", "16/06/2027", "6-thang"),
        ("2027-Q3", "Quý III năm 2027", "15/06/2027", "14/09/2027", "10/09/2027", "14/09/2027",
         "16/09/2027", "quy-3"),
        ("2027", "năm 2027", "15/12/2026", "14/12/2027", "10/12/2027", "14/12/2027",
         "16/12/2027", "nam"),
    ],
)  # fmt: skip
def test_every_cchc_period_of_2026_and_2027(row: tuple[str, ...]) -> None:
    period = parse_period(row[0], SHIPPED, CALENDAR)

    assert _row(period) == row
    assert period.year == int(row[0][:4])


def test_periods_for_year_in_closing_order() -> None:
    assert [p.code for p in periods_for_year(2026, SHIPPED, CALENDAR)] == [
        "2026-Q1",
        "2026-H1",
        "2026-Q3",
        "2026",
    ]
    every = _config(f"version: 1\nperiods: {ALL_KINDS}\n")
    assert [p.code for p in periods_for_year(2027, every, CALENDAR)] == [
        "2027-Q1",
        "2027-Q2",
        "2027-H1",
        "2027-Q3",
        "2027-Q4",
        "2027",
    ]
    assert period_codes(2027, every) == [p.code for p in periods_for_year(2027, every, CALENDAR)]


@pytest.mark.parametrize(
    "row",
    [
        # 14/12/2025 is a Sunday: the assembly moves to Monday 15/12/2025.
        ("2025-Q4", "Quý IV năm 2025", "15/09/2025", "14/12/2025", "10/12/2025", "15/12/2025",
         "16/12/2025", "q4"),
        ("2026-Q1", "Quý I năm 2026", "15/12/2025", "14/03/2026", "10/03/2026", "16/03/2026",
         "16/03/2026", "q1"),
        ("2026-Q2", "Quý II năm 2026", "15/03/2026", "14/06/2026", "10/06/2026", "15/06/2026",
         "16/06/2026", "q2"),
        ("2026-Q3", "Quý III năm 2026", "15/06/2026", "14/09/2026", "10/09/2026", "14/09/2026",
         "16/09/2026", "q3"),
        ("2026-Q4", "Quý IV năm 2026", "15/09/2026", "14/12/2026", "10/12/2026", "14/12/2026",
         "16/12/2026", "q4"),
    ],
)  # fmt: skip
def test_plain_quarters(row: tuple[str, ...]) -> None:
    plain = _config("version: 1\nperiods: [q1, q2, q3, q4]\n")

    assert _row(parse_period(row[0], plain, CALENDAR)) == row


def test_plain_quarters_tile_the_year_without_gap_or_overlap() -> None:
    plain = _config("version: 1\nperiods: [q1, q2, q3, q4]\n")
    quarters = [p for y in (2025, 2026, 2027) for p in periods_for_year(y, plain, CALENDAR)]

    for before, after in pairwise(quarters):
        assert (after.data_start - before.data_end).days == 1


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        ("2027-Q1", "01/01/2027", "31/03/2027"),
        ("2027-Q2", "01/04/2027", "30/06/2027"),
        ("2027-Q3", "01/07/2027", "30/09/2027"),
        ("2026-Q4", "01/10/2026", "31/12/2026"),
        ("2028-Q1", "01/01/2028", "31/03/2028"),
    ],
)
def test_a_cutoff_past_the_month_end_gives_calendar_quarters(
    code: str, start: str, end: str
) -> None:
    calendar_quarters = _config(
        """\
        version: 1
        periods: [q1, q2, q3, q4]
        cutoff_day: 31
        deadlines:
          unit_report: {working_days_after_cutoff: 1}
          assemble: {working_days_after_cutoff: 2}
          report: {working_days_after_cutoff: 3}
        """
    )

    period = parse_period(code, calendar_quarters, CALENDAR)

    assert (period.data_start, period.data_end) == (_d(start), _d(end))


@pytest.mark.parametrize(
    ("deadline", "code", "expected"),
    [
        # Counting starts the day after the cut-off (Civil Code art. 147); Saturday 14/03/2026.
        ("working_days_after_cutoff: 0", "2026-Q1", "16/03/2026"),
        ("working_days_after_cutoff: 1", "2026-Q1", "16/03/2026"),
        ("working_days_after_cutoff: 2", "2026-Q1", "17/03/2026"),
        ("working_days_after_cutoff: 2", "2026-Q3", "16/09/2026"),
        ("working_days_after_cutoff: 5", "2026-Q3", "21/09/2026"),
        ("working_days_after_cutoff: 2", "2026", "16/12/2026"),
        # Monday 14/12/2026, then the weeks of 14/12 and 21/12, Tết Dương lịch 1/1/2027 skipped.
        ("working_days_after_cutoff: 14", "2026", "04/01/2027"),
        ("day: 16", "2026-Q1", "16/03/2026"),
        ("day: 20", "2026-H1", "22/06/2026"),  # Saturday 20/06/2026
        ("day: 31", "2026-H1", "30/06/2026"),  # June has 30 days
        ("day: 30", "2026-Q3", "30/09/2026"),
    ],
)
def test_report_deadlines_as_days_and_as_working_day_offsets(
    deadline: str, code: str, expected: str
) -> None:
    config = _with(report=deadline)

    assert parse_period(code, config, CALENDAR).report_deadline == _d(expected)


def test_an_offset_counts_over_the_new_year_and_tet() -> None:
    """Calendar quarters, report 25 working days after 31/12/2026: January 2027 has 20
    (1/1 is Tết Dương lịch), then 1–3/2, Tết Nguyên đán 4–10/2 skipped, 11/2 and 12/2."""
    config = _config(
        """\
        version: 1
        periods: [q4]
        cutoff_day: 31
        deadlines:
          unit_report: {day: 21}
          assemble: {working_days_after_cutoff: 3}
          report: {working_days_after_cutoff: 25}
        """
    )

    period = parse_period("2026-Q4", config, CALENDAR)

    assert period.assemble_on == date(2027, 1, 6)
    assert period.report_deadline == date(2027, 2, 12)
    assert period.moves == ()


@pytest.mark.parametrize(
    ("code", "written", "effective", "reason"),
    [
        ("2026-Q1", "14/03/2026", "16/03/2026", "Thứ Bảy"),
        ("2026-H1", "14/06/2026", "15/06/2026", "Chủ nhật"),
        ("2027-Q1", "14/03/2027", "15/03/2027", "Chủ nhật"),
        ("2025", "14/12/2025", "15/12/2025", "Chủ nhật"),
    ],
)
def test_an_assembly_on_a_weekend_cutoff_moves_and_says_so(
    code: str, written: str, effective: str, reason: str
) -> None:
    period = parse_period(code, SHIPPED, CALENDAR)

    assert period.moves == (Move("assemble", _d(written), _d(effective), reason),)
    assert period.assemble_on == _d(effective)


@pytest.mark.parametrize(
    ("deadline", "code", "expected", "reason"),
    [
        # Quốc khánh 2026: 31/8 swapped off, 1/9 and 2/9 holidays.
        ("day: 1", "2026-Q3", "03/09/2026", "Quốc khánh"),
        ("day: 2", "2026-Q3", "03/09/2026", "Quốc khánh"),
        # Quốc khánh 2027: Thursday 2/9 and Friday 3/9, then the weekend.
        ("day: 2", "2027-Q3", "06/09/2027", "Quốc khánh"),
        ("day: 4", "2027-Q3", "06/09/2027", "Thứ Bảy"),
        ("day: 15", "2026-Q1", "16/03/2026", "Chủ nhật"),
    ],
)
def test_a_unit_deadline_on_a_holiday_or_weekend_moves_to_the_next_working_day(
    deadline: str, code: str, expected: str, reason: str
) -> None:
    period = parse_period(code, _with(unit_report=deadline), CALENDAR)

    assert period.unit_deadline == _d(expected)
    moved = next(move for move in period.moves if move.stage == "unit_report")
    assert (moved.effective, moved.reason) == (_d(expected), reason)


def test_describe_says_every_date_and_every_move() -> None:
    period = parse_period("2026-Q3", _with(unit_report="day: 2"), CALENDAR)

    assert describe(period) == [
        "Quý III năm 2026 (2026-Q3)",
        "Số liệu từ ngày 15/06/2026 đến hết ngày 14/09/2026",
        "Hạn các đơn vị gửi báo cáo cho cơ quan thường trực: Thứ Năm 03/09/2026",
        "Ngày cơ quan thường trực tổng hợp báo cáo: Thứ Hai 14/09/2026",
        "Hạn gửi báo cáo lên cấp trên: Thứ Tư 16/09/2026",
        "Thứ Tư 02/09/2026 là ngày nghỉ (Quốc khánh): hạn các đơn vị gửi báo cáo cho cơ quan "
        "thường trực lùi sang ngày làm việc kế tiếp, Thứ Năm 03/09/2026 (Bộ luật Dân sự 2015, "
        "Điều 148)",
    ]
    annual = describe(parse_period("2027-Q1", SHIPPED, CALENDAR))
    assert annual[-1] == (
        "Chủ nhật 14/03/2027 là ngày nghỉ cuối tuần: ngày cơ quan thường trực tổng hợp báo cáo "
        "lùi sang ngày làm việc kế tiếp, Thứ Hai 15/03/2027 (Bộ luật Dân sự 2015, Điều 148)"
    )
    assert describe(parse_period("2026", SHIPPED, CALENDAR))[0] == "Năm 2026 (2026)"


# --- period codes ---


@pytest.mark.parametrize(
    ("code", "expected", "kind"),
    [
        ("2026-Q1", "2026-Q1", "quy-1"),
        ("2026-H1", "2026-H1", "6-thang"),
        ("2026-Q3", "2026-Q3", "quy-3"),
        ("2026", "2026", "nam"),
        (" 2027-q1 ", "2027-Q1", "quy-1"),
        ("2027-h1", "2027-H1", "6-thang"),
    ],
)
def test_valid_period_codes(code: str, expected: str, kind: str) -> None:
    period = parse_period(code, SHIPPED, CALENDAR)

    assert (period.code, period.kind) == (expected, kind)


CCHC_CHOICES = "dùng 2026-Q1, 2026-H1, 2026-Q3 hoặc 2026"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("2026-Q5", f"'2026-Q5' không phải kỳ báo cáo: {CCHC_CHOICES}"),
        ("2026-H2", f"'2026-H2' không phải kỳ báo cáo: {CCHC_CHOICES}"),
        (
            "2026-Q2",
            f"'2026-Q2' không phải kỳ báo cáo: {CCHC_CHOICES} "
            "(kỳ Quý II không có trong periods của reporting.yaml)",
        ),
        ("2026-Q4", f"'2026-Q4' không phải kỳ báo cáo: {CCHC_CHOICES} "
         "(kỳ Quý IV không có trong periods của reporting.yaml)"),
        ("2026-Q1-x", "'2026-Q1-x' không phải kỳ báo cáo: dùng YYYY-Q1, YYYY-H1, YYYY-Q3 "
         "hoặc YYYY"),
        ("26-Q1", "'26-Q1' không phải kỳ báo cáo: dùng YYYY-Q1, YYYY-H1, YYYY-Q3 hoặc YYYY"),
        ("Quý I/2026", "'Quý I/2026' không phải kỳ báo cáo: dùng YYYY-Q1, YYYY-H1, YYYY-Q3 "
         "hoặc YYYY"),
        ("", "'' không phải kỳ báo cáo: dùng YYYY-Q1, YYYY-H1, YYYY-Q3 hoặc YYYY"),
        ("9999-Q1", "'9999-Q1' không phải kỳ báo cáo: dùng YYYY-Q1, YYYY-H1, YYYY-Q3 hoặc YYYY"),
    ],
)  # fmt: skip
def test_invalid_period_codes_name_the_codes_to_use(code: str, message: str) -> None:
    with pytest.raises(SauroError) as caught:
        parse_period(code, SHIPPED, CALENDAR)

    assert str(caught.value) == message


def test_plain_quarter_codes_are_accepted_only_when_enabled() -> None:
    plain = _config("version: 1\nperiods: [q1, q2, q3, q4]\n")

    assert parse_period("2026-Q2", plain, CALENDAR).label == "Quý II năm 2026"
    assert parse_period("2026-Q4", plain, CALENDAR).label == "Quý IV năm 2026"
    with pytest.raises(SauroError) as caught:
        parse_period("2026-H1", plain, CALENDAR)
    assert str(caught.value) == (
        "'2026-H1' không phải kỳ báo cáo: dùng 2026-Q1, 2026-Q2, 2026-Q3 hoặc 2026-Q4 "
        "(kỳ 6 tháng không có trong periods của reporting.yaml)"
    )
    annual_only = _config("version: 1\nperiods: [nam]\n")
    with pytest.raises(SauroError) as single:
        parse_period("2026-Q1", annual_only, CALENDAR)
    assert str(single.value).startswith("'2026-Q1' không phải kỳ báo cáo: dùng 2026 (kỳ Quý I")


def test_make_period_refuses_a_year_outside_the_calendar() -> None:
    with pytest.raises(SauroError, match="ngoài phạm vi lịch"):
        make_period("nam", 9999, SHIPPED, CALENDAR)


# --- the period a day falls in ---


@pytest.mark.parametrize(
    ("day", "code"),
    [
        ("14/12/2025", "2025"),
        ("15/12/2025", "2026-Q1"),
        ("01/01/2026", "2026-Q1"),
        ("14/03/2026", "2026-Q1"),
        ("15/03/2026", "2026-H1"),
        ("14/06/2026", "2026-H1"),
        ("15/06/2026", "2026-Q3"),
        ("14/09/2026", "2026-Q3"),
        ("15/09/2026", "2026"),
        ("14/12/2026", "2026"),
        ("15/12/2026", "2027-Q1"),
        ("31/12/2026", "2027-Q1"),
        ("14/03/2027", "2027-Q1"),
        ("15/03/2027", "2027-H1"),
    ],
)
def test_period_containing_on_boundary_days(day: str, code: str) -> None:
    found = period_containing(_d(day), SHIPPED, CALENDAR)

    assert found is not None
    assert found.code == code
    assert current_period(_d(day), SHIPPED, CALENDAR).code == code


@pytest.mark.parametrize(
    ("day", "codes"),
    [
        ("15/12/2025", ["2026-Q1", "2026-H1", "2026"]),
        ("14/03/2026", ["2026-Q1", "2026-H1", "2026"]),
        ("15/03/2026", ["2026-H1", "2026"]),
        ("15/06/2026", ["2026-Q3", "2026"]),
        ("15/09/2026", ["2026"]),
        ("14/12/2026", ["2026"]),
        ("15/12/2026", ["2027-Q1", "2027-H1", "2027"]),
    ],
)
def test_periods_containing_a_day(day: str, codes: list[str]) -> None:
    assert [p.code for p in periods_containing(_d(day), SHIPPED, CALENDAR)] == codes


@pytest.mark.parametrize(
    ("day", "code"),
    [
        ("14/12/2026", "2026-Q4"),
        ("15/12/2026", "2027-Q1"),
        ("14/06/2026", "2026-Q2"),
        ("15/06/2026", "2026-Q3"),
    ],
)
def test_the_shortest_period_wins_with_every_kind_enabled(day: str, code: str) -> None:
    every = _config(f"version: 1\nperiods: {ALL_KINDS}\n")

    found = period_containing(_d(day), every, CALENDAR)

    assert found is not None
    assert found.code == code


@pytest.mark.parametrize(
    ("day", "holding", "current"),
    [
        ("14/03/2026", "2026-Q1", "2026-Q1"),
        ("15/03/2026", None, "2026-Q3"),
        ("14/06/2026", None, "2026-Q3"),
        ("15/06/2026", "2026-Q3", "2026-Q3"),
        ("14/09/2026", "2026-Q3", "2026-Q3"),
        ("15/09/2026", None, "2027-Q1"),
        ("15/12/2026", "2027-Q1", "2027-Q1"),
    ],
)
def test_between_enabled_periods_the_current_one_is_the_next(
    day: str, holding: str | None, current: str
) -> None:
    gaps = _config("version: 1\nperiods: [quy-1, quy-3]\n")

    found = period_containing(_d(day), gaps, CALENDAR)

    assert (found.code if found else None) == holding
    assert current_period(_d(day), gaps, CALENDAR).code == current


# --- what comes next ---


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (
            "10/03/2026",
            [
                ("unit_report", "10/03/2026", ["2026-Q1"]),
                ("assemble", "16/03/2026", ["2026-Q1"]),
                ("report", "16/03/2026", ["2026-Q1"]),
            ],
        ),
        (
            "11/03/2026",
            [
                ("assemble", "16/03/2026", ["2026-Q1"]),
                ("report", "16/03/2026", ["2026-Q1"]),
                ("unit_report", "10/06/2026", ["2026-H1"]),
            ],
        ),
        (
            "17/03/2026",
            [
                ("unit_report", "10/06/2026", ["2026-H1"]),
                ("assemble", "15/06/2026", ["2026-H1"]),
                ("report", "16/06/2026", ["2026-H1"]),
            ],
        ),
        (
            "15/12/2026",
            [
                ("report", "16/12/2026", ["2026"]),
                ("unit_report", "10/03/2027", ["2027-Q1"]),
                ("assemble", "15/03/2027", ["2027-Q1"]),
            ],
        ),
        (
            "17/12/2026",
            [
                ("unit_report", "10/03/2027", ["2027-Q1"]),
                ("assemble", "15/03/2027", ["2027-Q1"]),
                ("report", "16/03/2027", ["2027-Q1"]),
            ],
        ),
    ],
)
def test_next_deadlines(today: str, expected: list[tuple[str, str, list[str]]]) -> None:
    upcoming = next_deadlines(_d(today), SHIPPED, CALENDAR)

    assert [(m.stage, f"{m.day:%d/%m/%Y}", [p.code for p in m.periods]) for m in upcoming] == (
        expected
    )


def test_next_deadlines_group_periods_due_the_same_day() -> None:
    every = _config(f"version: 1\nperiods: {ALL_KINDS}\n")

    upcoming = next_deadlines(date(2026, 6, 1), every, CALENDAR)

    assert [(m.stage, [p.code for p in m.periods]) for m in upcoming] == [
        ("unit_report", ["2026-Q2", "2026-H1"]),
        ("assemble", ["2026-Q2", "2026-H1"]),
        ("report", ["2026-Q2", "2026-H1"]),
    ]
    assert str(upcoming[0]) == (
        "Hạn các đơn vị gửi báo cáo cho cơ quan thường trực: Thứ Tư 10/06/2026 "
        "(Quý II năm 2026, 6 tháng đầu năm 2026)"
    )


def test_a_report_due_in_the_new_year_is_still_next() -> None:
    """The annual report of 2026, 20 working days after Monday 14/12/2026, is due on
    12/01/2027: on 05/01/2027 it is the next report, ahead of Quý I 2027."""
    late = _with(report="working_days_after_cutoff: 20")

    upcoming = next_deadlines(date(2027, 1, 5), late, CALENDAR)

    report = next(m for m in upcoming if m.stage == "report")
    assert (report.day, [p.code for p in report.periods]) == (date(2027, 1, 12), ["2026"])


# --- tasks in a period ---

Q1_2026 = parse_period("2026-Q1", SHIPPED, CALENDAR)  # 15/12/2025–14/03/2026


@pytest.mark.parametrize(
    ("start", "due", "inside"),
    [
        (None, "14/03/2026", True),  # due on the cut-off
        (None, "15/12/2025", True),  # due on the first day
        ("01/03/2026", "15/03/2026", True),  # open over the cut-off
        ("01/01/2025", "31/12/2026", True),  # spans the whole period
        ("15/03/2026", "30/06/2026", False),  # starts after the cut-off
        ("01/10/2025", "14/12/2025", False),  # due the day before the period
        (None, "30/04/2026", True),  # no start: running since the plan began
        (None, "14/12/2025", False),  # due before: an overdue task still open passes None
        ("01/01/2026", None, True),  # open-ended, started inside
        ("15/03/2026", None, False),  # open-ended, started after
        (None, None, True),
        ("01/04/2026", "01/03/2026", True),  # start after due (bad data): due decides
    ],
)
def test_overlaps(start: str | None, due: str | None, inside: bool) -> None:
    begins = _d(start) if start else None
    ends = _d(due) if due else None

    assert overlaps(Q1_2026, begins, ends) is inside


# --- validation of reporting.yaml ---


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "version: 1\nperiods: [quy-1, quy-2]\n",
            [
                "reporting.yaml, dòng 2, periods[1]: phải là 'quy-1', '6-thang', 'quy-3', "
                "'nam', 'q1', 'q2', 'q3' hoặc 'q4', nhận 'quy-2'"
            ],
        ),
        (
            "version: 1\nperiods:\n  - quy-1\n  - nam\n  - quy-1\n",
            ["reporting.yaml, dòng 5, periods[2]: kỳ 'quy-1' bị lặp, đã có ở periods[0]"],
        ),
        (
            "version: 1\nperiods: [quy-1, q1, quy-3, q3]\n",
            [
                "reporting.yaml, dòng 2, periods[1]: 'q1' và 'quy-1' (periods[0]) là cùng một "
                "kỳ Quý I: chỉ ghi một trong hai",
                "reporting.yaml, dòng 2, periods[3]: 'q3' và 'quy-3' (periods[2]) là cùng một "
                "kỳ Quý III: chỉ ghi một trong hai",
            ],
        ),
        (
            "version: 1\nperiods: []\n",
            ["reporting.yaml, dòng 2, periods: phải có ít nhất 1 mục, nhận []"],
        ),
        (
            "version: 1\ncutoff_day: 32\n",
            ["reporting.yaml, dòng 2, cutoff_day: phải nhỏ hơn hoặc bằng 31, nhận 32"],
        ),
        (
            "version: 1\ndeadlines:\n  unit_report:\n    day: 0\n",
            ["reporting.yaml, dòng 4, deadlines.unit_report.day: phải lớn hơn hoặc bằng 1, nhận 0"],
        ),
        (
            "version: 1\ndeadlines:\n  report:\n    day: 32\n",
            ["reporting.yaml, dòng 4, deadlines.report.day: phải nhỏ hơn hoặc bằng 31, nhận 32"],
        ),
        (
            "version: 1\ndeadlines:\n  report:\n    day: mười sáu\n",
            [
                "reporting.yaml, dòng 4, deadlines.report.day: phải là một số nguyên, "
                "nhận 'mười sáu'"
            ],
        ),
        (
            "version: 1\ndeadlines:\n  report:\n    day: 16\n    working_days_after_cutoff: 2\n",
            [
                "reporting.yaml, dòng 3, deadlines.report: chỉ ghi một trong hai: day (ngày "
                "của tháng cuối kỳ) hoặc working_days_after_cutoff (số ngày làm việc sau ngày "
                "chốt số liệu)"
            ],
        ),
        (
            "version: 1\ndeadlines:\n  assemble: {}\n",
            [
                "reporting.yaml, dòng 3, deadlines.assemble: thiếu hạn: ghi day (ngày của "
                "tháng cuối kỳ) hoặc working_days_after_cutoff (số ngày làm việc sau ngày chốt "
                "số liệu)"
            ],
        ),
        (
            "version: 1\ndeadlines:\n  report:\n    working_days_after_cutoff: -1\n",
            [
                "reporting.yaml, dòng 4, deadlines.report.working_days_after_cutoff: phải lớn "
                "hơn hoặc bằng 0, nhận -1"
            ],
        ),
        (
            "version: 1\ndeadlines:\n  report:\n    working_days_after_cutoff: 61\n",
            [
                "reporting.yaml, dòng 4, deadlines.report.working_days_after_cutoff: phải nhỏ "
                "hơn hoặc bằng 60, nhận 61"
            ],
        ),
        (
            "version: 1\ndeadlines:\n  report:\n    day: 8\n",
            [
                "reporting.yaml, dòng 3, deadlines.report: hạn gửi báo cáo lên cấp trên không "
                "được sớm hơn hạn các đơn vị gửi báo cáo cho cơ quan thường trực "
                "(deadlines.unit_report)",
                "reporting.yaml, dòng 3, deadlines.report: hạn gửi báo cáo lên cấp trên không "
                "được sớm hơn ngày cơ quan thường trực tổng hợp báo cáo (deadlines.assemble)",
            ],
        ),
        (
            "version: 1\ndeadlines:\n  assemble:\n    working_days_after_cutoff: 3\n"
            "  report:\n    working_days_after_cutoff: 1\n",
            [
                "reporting.yaml, dòng 5, deadlines.report: hạn gửi báo cáo lên cấp trên không "
                "được sớm hơn ngày cơ quan thường trực tổng hợp báo cáo (deadlines.assemble)"
            ],
        ),
        (
            "version: 2\n",
            [
                "reporting.yaml, dòng 1, version: phiên bản 2 không được hỗ trợ; tệp này phải "
                "ghi version: 1"
            ],
        ),
        ("periods: [nam]\n", ["reporting.yaml, dòng 1, version: thiếu trường bắt buộc"]),
        (
            "version: 1\ndeadline:\n  report:\n    day: 16\n",
            [
                "reporting.yaml, dòng 2, deadline: khóa không có trong lược đồ (viết sai tên "
                "hoặc không được dùng ở đây)"
            ],
        ),
    ],
)
def test_schema_errors_name_file_line_entry_and_field(text: str, problems: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_reporting(text, "reporting.yaml")

    assert [str(problem) for problem in caught.value.problems] == problems
    assert caught.value.message.startswith("Tệp cấu hình reporting.yaml")


def test_an_order_that_depends_on_the_calendar_is_not_judged() -> None:
    """Units 1 working day after the cut-off and the report on the 16th: which comes first
    depends on the weekdays. A report on the 10th is surely before them."""
    lenient = _config(
        """\
        version: 1
        deadlines:
          unit_report: {working_days_after_cutoff: 1}
          assemble: {working_days_after_cutoff: 1}
          report: {day: 16}
        """
    )
    assert lenient.deadlines.report.day == 16
    with pytest.raises(ConfigError) as caught:
        _config(
            """\
            version: 1
            deadlines:
              unit_report: {working_days_after_cutoff: 1}
              assemble: {working_days_after_cutoff: 1}
              report: {day: 10}
            """
        )
    assert [(p.location.row, p.location.field) for p in caught.value.problems] == [
        (5, "report"),
        (5, "report"),
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = textwrap.dedent(
        """\
        version: 1
        periods: [quy-1, quy-5]
        cutoff_day: 0
        deadlines:
          unit_report: {day: 10, working_days_after_cutoff: 1}
          report: {working_days_after_cutoff: -2}
        """
    )

    with pytest.raises(ConfigError) as caught:
        parse_reporting(text, "reporting.yaml")

    assert [
        (p.location.row, p.location.entry, p.location.field) for p in caught.value.problems
    ] == [
        (2, "periods[1]", None),
        (3, None, "cutoff_day"),
        (5, "deadlines", "unit_report"),
        (6, "deadlines.report", "working_days_after_cutoff"),
    ]
