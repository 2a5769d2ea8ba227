"""Deadline cells as they come in real plans (domain brief §3; phrases copied from seeds 000-004).

Table-driven: each row is a cell, the plan year it is read with, and what it must resolve to.
"""

from __future__ import annotations

from datetime import date

import pytest

from engine.calendar.deadlines import (
    Deadline,
    DeadlineKind,
    first_due,
    format_date,
    half_year_end,
    month_end,
    next_due,
    parse_deadline,
    quarter_end,
    recurrence_label,
)

K = DeadlineKind
D = date

# --- cells that resolve to one due date ------------------------------------------------------
# (cell, plan year, kind, due, start)
SINGLE: list[tuple[str, int | None, DeadlineKind, date, date | None]] = [
    # exact dates
    ("31/10/2025", None, K.DATE, D(2025, 10, 31), None),
    ("31-10-2025", None, K.DATE, D(2025, 10, 31), None),
    ("31.10.2025", None, K.DATE, D(2025, 10, 31), None),
    ("31 / 10 / 2025", None, K.DATE, D(2025, 10, 31), None),
    ("2025-10-31", None, K.DATE, D(2025, 10, 31), None),
    ("ngày 31 tháng 10 năm 2025", None, K.DATE, D(2025, 10, 31), None),
    ("Ngày 31 tháng 10, năm 2025", None, K.DATE, D(2025, 10, 31), None),
    ("ngày 15/01", 2026, K.DATE, D(2026, 1, 15), None),
    ("15/01", 2026, K.DATE, D(2026, 1, 15), None),
    ("ngày 15 tháng 01", 2026, K.DATE, D(2026, 1, 15), None),
    ("5/12/24", None, K.DATE, D(2024, 12, 5), None),
    ("ngày 29/02/2024", None, K.DATE, D(2024, 2, 29), None),
    ("Hoàn thành ngày 30/6/2026", None, K.DATE, D(2026, 6, 30), None),
    # before a date: "trước ngày X" ends the day before X; "chậm nhất ngày X" ends on X
    ("Trước ngày 5/12/2024", None, K.BEFORE_DATE, D(2024, 12, 4), None),
    ("trước ngày 01/01/2025", None, K.BEFORE_DATE, D(2024, 12, 31), None),
    ("trước 15/01/2026", None, K.BEFORE_DATE, D(2026, 1, 14), None),
    ("Trước 30/6", 2026, K.BEFORE_DATE, D(2026, 6, 29), None),
    ("chậm nhất ngày 15/01/2026", None, K.BEFORE_DATE, D(2026, 1, 15), None),
    ("Chậm nhất ngày **15/01/2026**", None, K.BEFORE_DATE, D(2026, 1, 15), None),
    ("chậm nhất là ngày 15/01/2026", None, K.BEFORE_DATE, D(2026, 1, 15), None),
    ("chậm nhất trước ngày 15/01/2026", None, K.BEFORE_DATE, D(2026, 1, 14), None),
    ("Hạn chót 15/01/2026", None, K.BEFORE_DATE, D(2026, 1, 15), None),
    ("Hạn chót: ngày 15/01/2026", None, K.BEFORE_DATE, D(2026, 1, 15), None),
    ("không quá ngày 15/01/2026", None, K.BEFORE_DATE, D(2026, 1, 15), None),
    ("Không muộn hơn ngày 15/01/2026", None, K.BEFORE_DATE, D(2026, 1, 15), None),
    ("Hoàn thành xong trước ngày 31/12/2021", None, K.BEFORE_DATE, D(2021, 12, 30), None),
    ("Đến hết ngày 31/12/2025", None, K.BEFORE_DATE, D(2025, 12, 31), None),
    ("Trước quý III/2024", None, K.BEFORE_DATE, D(2024, 6, 30), None),
    ("Trước tháng 6/2024", None, K.BEFORE_DATE, D(2024, 5, 31), None),
    ("chậm nhất trong tháng 6/2024", None, K.BEFORE_DATE, D(2024, 6, 30), None),
    ("Đến hết năm 2021", None, K.BEFORE_DATE, D(2021, 12, 31), None),
    ("Đến năm 2030", None, K.BEFORE_DATE, D(2030, 12, 31), None),
    # months
    ("Tháng 01/2024", None, K.MONTH, D(2024, 1, 31), D(2024, 1, 1)),
    ("tháng 1/2024", None, K.MONTH, D(2024, 1, 31), D(2024, 1, 1)),
    ("Tháng 01 năm 2024", None, K.MONTH, D(2024, 1, 31), D(2024, 1, 1)),
    ("Tháng 02 - 2024", None, K.MONTH, D(2024, 2, 29), D(2024, 2, 1)),
    ("trong tháng 11/2025", None, K.MONTH, D(2025, 11, 30), D(2025, 11, 1)),
    ("Trong tháng 11/2025.", None, K.MONTH, D(2025, 11, 30), D(2025, 11, 1)),
    ("Cuối tháng 2/2025", None, K.MONTH, D(2025, 2, 28), D(2025, 2, 1)),
    ("Tháng 12", 2024, K.MONTH, D(2024, 12, 31), D(2024, 12, 1)),
    ("tháng 4", 2025, K.MONTH, D(2025, 4, 30), D(2025, 4, 1)),
    ("06/2024", None, K.MONTH, D(2024, 6, 30), D(2024, 6, 1)),
    ("Tháng 3 - 9/2024", None, K.MONTH, D(2024, 9, 30), D(2024, 3, 1)),
    ("Tháng 3 đến tháng 9/2024", None, K.MONTH, D(2024, 9, 30), D(2024, 3, 1)),
    # quarters: "Quí", roman or arabic, "/", "-" or "năm" before the year, stray spaces
    ("Quý II/2024", None, K.QUARTER, D(2024, 6, 30), D(2024, 4, 1)),
    ("Quí II/2024", None, K.QUARTER, D(2024, 6, 30), D(2024, 4, 1)),
    ("QUÝ II/2024", None, K.QUARTER, D(2024, 6, 30), D(2024, 4, 1)),
    ("quý 2/2024", None, K.QUARTER, D(2024, 6, 30), D(2024, 4, 1)),
    ("Quý II năm 2024", None, K.QUARTER, D(2024, 6, 30), D(2024, 4, 1)),
    ("Quý II - 2024", None, K.QUARTER, D(2024, 6, 30), D(2024, 4, 1)),
    ("Quý II-2024", None, K.QUARTER, D(2024, 6, 30), D(2024, 4, 1)),
    ("Quý IV /2024", None, K.QUARTER, D(2024, 12, 31), D(2024, 10, 1)),
    ("Quý  I / 2024", None, K.QUARTER, D(2024, 3, 31), D(2024, 1, 1)),
    ("Quý I/2024.", None, K.QUARTER, D(2024, 3, 31), D(2024, 1, 1)),
    ("quý 3/24", None, K.QUARTER, D(2024, 9, 30), D(2024, 7, 1)),
    ("Trong quý III/2024", None, K.QUARTER, D(2024, 9, 30), D(2024, 7, 1)),
    ("Quý IV", 2025, K.QUARTER, D(2025, 12, 31), D(2025, 10, 1)),
    ("Quý II - III/2024", None, K.QUARTER, D(2024, 9, 30), D(2024, 4, 1)),
    # half-years
    ("6 tháng đầu năm 2024", None, K.HALF_YEAR, D(2024, 6, 30), D(2024, 1, 1)),
    ("6 tháng cuối năm 2024", None, K.HALF_YEAR, D(2024, 12, 31), D(2024, 7, 1)),
    ("6 tháng cuối năm", 2025, K.HALF_YEAR, D(2025, 12, 31), D(2025, 7, 1)),
    ("Sáu tháng đầu năm 2025", None, K.HALF_YEAR, D(2025, 6, 30), D(2025, 1, 1)),
    # years
    ("2025", None, K.YEAR, D(2025, 12, 31), D(2025, 1, 1)),
    ("Năm 2024", None, K.YEAR, D(2024, 12, 31), D(2024, 1, 1)),
    ("năm 2024", None, K.YEAR, D(2024, 12, 31), D(2024, 1, 1)),
    ("Trong năm 2024", None, K.YEAR, D(2024, 12, 31), D(2024, 1, 1)),
    ("Cuối năm 2024", None, K.YEAR, D(2024, 12, 31), D(2024, 1, 1)),
    ("Năm 2024 (khi có hướng dẫn của Tỉnh).", 2024, K.YEAR, D(2024, 12, 31), D(2024, 1, 1)),
    # year ranges (seeds 000, 001, 004 write them every way)
    ("2026 - 2030", None, K.YEAR_RANGE, D(2030, 12, 31), D(2026, 1, 1)),
    ("2026-2030", None, K.YEAR_RANGE, D(2030, 12, 31), D(2026, 1, 1)),
    ("2021 – 2025", None, K.YEAR_RANGE, D(2025, 12, 31), D(2021, 1, 1)),
    ("giai đoạn 2021- 2025", None, K.YEAR_RANGE, D(2025, 12, 31), D(2021, 1, 1)),
    ("Giai đoạn 2026 - 2030", None, K.YEAR_RANGE, D(2030, 12, 31), D(2026, 1, 1)),
    ("Giai đoạn 2026 - 2027", None, K.YEAR_RANGE, D(2027, 12, 31), D(2026, 1, 1)),
    ("Giai đoạn 2028 - 2030:", None, K.YEAR_RANGE, D(2030, 12, 31), D(2028, 1, 1)),
    ("Trong giai đoạn 2026 - 2030", None, K.YEAR_RANGE, D(2030, 12, 31), D(2026, 1, 1)),
    ("Từ năm 2026 đến năm 2030", None, K.YEAR_RANGE, D(2030, 12, 31), D(2026, 1, 1)),
    ("Năm 2026 - năm 2030", None, K.YEAR_RANGE, D(2030, 12, 31), D(2026, 1, 1)),
    ("đến năm 2024 - 2025", None, K.YEAR_RANGE, D(2025, 12, 31), D(2024, 1, 1)),
    # spans between two dates or periods: the end is the deadline
    ("Từ ngày 01/3/2024 đến ngày 30/6/2024", None, K.DATE, D(2024, 6, 30), D(2024, 3, 1)),
    ("Từ tháng 3 đến tháng 6/2024", None, K.MONTH, D(2024, 6, 30), D(2024, 3, 1)),
    ("Tháng 10/2025 đến tháng 12/2025", None, K.MONTH, D(2025, 12, 31), D(2025, 10, 1)),
    ("Từ nay đến hết năm 2024", None, K.YEAR, D(2024, 12, 31), None),
    # issue 15: quarters abbreviated or in words, a target's horizon, a term of office
    ("Q2/2025", None, K.QUARTER, D(2025, 6, 30), D(2025, 4, 1)),
    ("Q4/2026", None, K.QUARTER, D(2026, 12, 31), D(2026, 10, 1)),
    ("Quý 2 năm 2025", None, K.QUARTER, D(2025, 6, 30), D(2025, 4, 1)),
    ("Mục tiêu đến hết năm 2030", None, K.BEFORE_DATE, D(2030, 12, 31), None),
    ("nhiệm kỳ 2020-2025", None, K.YEAR_RANGE, D(2025, 12, 31), D(2020, 1, 1)),
    ("Nhiệm kỳ 2025 - 2030", None, K.YEAR_RANGE, D(2030, 12, 31), D(2025, 1, 1)),
]


@pytest.mark.parametrize(("cell", "year", "kind", "due", "start"), SINGLE)
def test_single_deadlines_resolve(
    cell: str, year: int | None, kind: DeadlineKind, due: date, start: date | None
) -> None:
    reading = parse_deadline(cell, year=year)
    assert (reading.kind, reading.due, reading.start) == (kind, due, start), reading.reason
    assert reading.resolved
    assert reading.milestones == ()
    assert format_date(due) in reading.reason


# --- cells with several deadlines ----------------------------------------------------------
# (cell, plan year, kind, milestone dues in date order)
SEVERAL: list[tuple[str, int | None, DeadlineKind, list[date]]] = [
    ("Quý II, III/2024", None, K.QUARTER, [D(2024, 6, 30), D(2024, 9, 30)]),
    ("Quý I, IV/2024", None, K.QUARTER, [D(2024, 3, 31), D(2024, 12, 31)]),
    ("Quý I, II/2024", None, K.QUARTER, [D(2024, 3, 31), D(2024, 6, 30)]),
    ("Quý III và IV/2024", None, K.QUARTER, [D(2024, 9, 30), D(2024, 12, 31)]),
    ("Quý 2 và quý 3 năm 2024", 2023, K.QUARTER, [D(2024, 6, 30), D(2024, 9, 30)]),
    ("Quý IV/2023, Quý I/2024", None, K.QUARTER, [D(2023, 12, 31), D(2024, 3, 31)]),
    ("Quý I/2024, Quý IV/2024", None, K.QUARTER, [D(2024, 3, 31), D(2024, 12, 31)]),
    ("Quý I/2024. Quý IV/2024", None, K.QUARTER, [D(2024, 3, 31), D(2024, 12, 31)]),
    ("- Quý IV/2023. - Quý IV /2024", None, K.QUARTER, [D(2023, 12, 31), D(2024, 12, 31)]),
    ("Quý IV/2024, Quý I/2023", None, K.QUARTER, [D(2023, 3, 31), D(2024, 12, 31)]),
    ("Tháng 3, 9/2024", None, K.MONTH, [D(2024, 3, 31), D(2024, 9, 30)]),
    ("Tháng 3, tháng 9/2024", 2023, K.MONTH, [D(2024, 3, 31), D(2024, 9, 30)]),
    ("Tháng 02/2023\nTháng 8/2023", None, K.MONTH, [D(2023, 2, 28), D(2023, 8, 31)]),
    ("Tháng 6/2024 - Tháng 12/2024", None, K.MONTH, [D(2024, 6, 30), D(2024, 12, 31)]),
    ("Năm 2024, Năm 2025", None, K.YEAR, [D(2024, 12, 31), D(2025, 12, 31)]),
    (
        "6 tháng đầu năm và 6 tháng cuối năm 2024",
        None,
        K.HALF_YEAR,
        [D(2024, 6, 30), D(2024, 12, 31)],
    ),
    (
        "- Quý I/2023 - Trước ngày 5/12/2024",
        None,
        K.MULTIPLE,
        [D(2023, 3, 31), D(2024, 12, 4)],
    ),
    ("Quý I/2024; 31/10/2024", None, K.MULTIPLE, [D(2024, 3, 31), D(2024, 10, 31)]),
    ("Tháng 01/2024\n- Trước ngày 30/6/2024", None, K.MULTIPLE, [D(2024, 1, 31), D(2024, 6, 29)]),
    ("31/10/2025, 15/12/2025", None, K.DATE, [D(2025, 10, 31), D(2025, 12, 15)]),
]


@pytest.mark.parametrize(("cell", "year", "kind", "dues"), SEVERAL)
def test_several_deadlines_become_milestones(
    cell: str, year: int | None, kind: DeadlineKind, dues: list[date]
) -> None:
    reading = parse_deadline(cell, year=year)
    assert reading.kind == kind, reading.reason
    assert [m.due for m in reading.milestones] == dues
    assert reading.due == dues[-1]
    assert reading.resolved
    assert f"hạn cuối {format_date(dues[-1])}" in reading.reason


def test_milestone_texts_are_the_fragments_of_the_cell() -> None:
    reading = parse_deadline("- Quý I/2023 - Trước ngày 5/12/2024")
    assert [m.text for m in reading.milestones] == ["Quý I/2023", "Trước ngày 5/12/2024"]
    assert [m.kind for m in reading.milestones] == [K.QUARTER, K.BEFORE_DATE]


def test_milestones_of_a_list_are_named_one_by_one() -> None:
    reading = parse_deadline("Quý II, III/2024")
    assert [m.text for m in reading.milestones] == ["Quý II/2024", "Quý III/2024"]
    assert reading.start == D(2024, 4, 1)


def test_a_year_written_later_in_the_cell_is_used_and_said() -> None:
    reading = parse_deadline("Tháng 3, tháng 9/2024", year=2023)
    assert reading.milestones[0].due == D(2024, 3, 31)
    assert not reading.year_assumed
    assert "năm 2024 lấy theo phần sau của ô" in reading.reason


# --- recurring ------------------------------------------------------------------------------
# (cell, plan year, recurrence, first due in the plan year)
RECURRING: list[tuple[str, int | None, str, date | None]] = [
    ("Hằng năm", 2024, "yearly", D(2024, 12, 31)),
    ("Hàng năm", 2024, "yearly", D(2024, 12, 31)),
    ("hằng năm.", 2024, "yearly", D(2024, 12, 31)),
    ("Định kỳ hằng năm", 2024, "yearly", D(2024, 12, 31)),
    ("Định kỳ hàng năm", 2024, "yearly", D(2024, 12, 31)),
    ("Mỗi năm", 2024, "yearly", D(2024, 12, 31)),
    ("hằng quý", 2024, "quarterly", D(2024, 3, 31)),
    ("Hàng quý", 2024, "quarterly", D(2024, 3, 31)),
    ("Định kỳ hằng quý", 2024, "quarterly", D(2024, 3, 31)),
    ("Hằng tháng", 2024, "monthly", D(2024, 1, 31)),
    ("Ngày 20 hằng tháng", 2024, "monthly:20", D(2024, 1, 20)),
    ("Trước ngày 20 hằng tháng", 2024, "monthly:19", D(2024, 1, 19)),
    ("Tháng 12 hằng năm", 2024, "yearly:12", D(2024, 12, 31)),
    ("Quý I hằng năm", 2024, "yearly:03", D(2024, 3, 31)),
    ("Ngày 15/12 hằng năm", 2024, "yearly:12-15", D(2024, 12, 15)),
    ("Trước ngày 15/12 hằng năm", 2024, "yearly:12-14", D(2024, 12, 14)),
    ("Hằng năm, trước ngày 15/12", 2024, "yearly:12-14", D(2024, 12, 14)),
    ("6 tháng, hằng năm", 2024, "half_yearly", D(2024, 6, 30)),
    ("Định kỳ 6 tháng", 2024, "half_yearly", D(2024, 6, 30)),
    ("6 tháng một lần", 2024, "half_yearly", D(2024, 6, 30)),
    ("Hằng năm", None, "yearly", None),
    ("Tháng 12 hằng năm", None, "yearly:12", None),
    # issue 15: several months a year, weekly, meetings by quarter, a list of cycles
    ("Tháng 3, 6, 9, 12 hằng năm", 2025, "quarterly", D(2025, 3, 31)),
    ("Tháng 6, 12 hằng năm", 2025, "half_yearly", D(2025, 6, 30)),
    ("Tháng 3 và tháng 9 hằng năm", 2024, "yearly:03,09", D(2024, 3, 31)),
    ("hàng tuần", 2026, "weekly:5", D(2026, 1, 2)),
    ("Hằng tuần", 2026, "weekly:5", D(2026, 1, 2)),
    ("Hằng tuần vào thứ Hai", 2026, "weekly:1", D(2026, 1, 5)),
    ("Thứ 6 hằng tuần", 2026, "weekly:5", D(2026, 1, 2)),
    ("họp theo quý vào ngày cuối tháng của quý", 2024, "quarterly", D(2024, 3, 31)),
    ("Theo quý", 2024, "quarterly", D(2024, 3, 31)),
    ("Định kỳ hằng quý, 6 tháng, năm", 2024, "quarterly", D(2024, 3, 31)),
    ("định kỳ 6 tháng, hằng năm", 2024, "half_yearly", D(2024, 6, 30)),
]


@pytest.mark.parametrize(("cell", "year", "recurrence", "due"), RECURRING)
def test_recurring_deadlines_resolve_to_a_recurrence(
    cell: str, year: int | None, recurrence: str, due: date | None
) -> None:
    reading = parse_deadline(cell, year=year)
    assert (reading.kind, reading.recurrence, reading.due) == (K.RECURRING, recurrence, due)
    assert reading.resolved
    assert "Định kỳ" in reading.reason


def test_the_weekday_of_a_weekly_deadline_is_configurable() -> None:
    reading = parse_deadline("Hằng tuần", year=2026, weekly_due=3)
    assert (reading.recurrence, reading.due) == ("weekly:3", D(2026, 1, 7))
    assert "thứ Tư hằng tuần" in reading.reason
    # A weekday written in the cell wins over the configured one.
    assert parse_deadline("Thứ Hai hằng tuần", year=2026, weekly_due=3).recurrence == "weekly:1"


@pytest.mark.parametrize("cell", ["Định kỳ", "Ngày 15/6 và 15/12 hằng năm"])
def test_recurring_without_a_computable_due_does_not_resolve(cell: str) -> None:
    reading = parse_deadline(cell, year=2024)
    assert reading.kind == K.RECURRING
    assert not reading.resolved
    assert reading.recurrence is None
    assert f"«{cell}»" in reading.reason


# --- cells that do not resolve ----------------------------------------------------------------
# (cell, kind)
UNRESOLVED: list[tuple[str, DeadlineKind]] = [
    ("Thường xuyên", K.CONTINUOUS),
    ("thường xuyên, liên tục", K.CONTINUOUS),
    ("Trong năm (theo phân kỳ)", K.CONTINUOUS),
    ("Trong năm.", K.CONTINUOUS),
    ("Trong năm", K.CONTINUOUS),
    ("Liên tục", K.CONTINUOUS),
    ("Hằng ngày", K.CONTINUOUS),
    ("Cả năm", K.CONTINUOUS),
    ("Khi có hướng dẫn của Tỉnh", K.CONDITIONAL),
    ("Sau khi tính công bố", K.CONDITIONAL),
    ("Khi có kế hoạch", K.CONDITIONAL),
    ("Nếu được bố trí kinh phí", K.CONDITIONAL),
    ("(Khi có hướng dẫn)", K.CONDITIONAL),
    ("Theo kế hoạch riêng", K.REFERENCE),
    ("Theo thời gian báo cáo tổng kết ngành", K.REFERENCE),
    ("Theo thời gian báo cáo tổng kê ngành Tư pháp", K.REFERENCE),
    ("Theo quy định", K.REFERENCE),
    ("Theo lộ trình của tỉnh", K.REFERENCE),
    ("Căn cứ hướng dẫn của Sở Nội vụ", K.REFERENCE),
    ("Sớm", K.UNKNOWN),
    ("Đầu năm", K.UNKNOWN),
    ("Quý V/2024", K.UNKNOWN),
    ("x", K.UNKNOWN),
]


@pytest.mark.parametrize(("cell", "kind"), UNRESOLVED)
def test_unresolved_cells_are_quoted(cell: str, kind: DeadlineKind) -> None:
    reading = parse_deadline(cell, year=2024)
    assert reading.kind == kind, reading.reason
    assert not reading.resolved
    assert reading.due is None
    assert reading.phrase == cell
    assert f"«{cell.rstrip('.')}»" in reading.reason


def test_continuous_reason_asks_for_a_date_or_a_recurrence() -> None:
    reading = parse_deadline("Thường xuyên")
    assert "cần ghi ngày cụ thể" in reading.reason
    assert "chu kỳ" in reading.reason


def test_a_cell_with_one_unresolved_part_does_not_resolve() -> None:
    reading = parse_deadline("Quý I/2024; Thường xuyên")
    assert reading.kind == K.MULTIPLE
    assert not reading.resolved
    assert reading.due == D(2024, 3, 31)
    assert "«Thường xuyên»" in reading.reason


# (cell, kind, words the reason must contain)
INVALID: list[tuple[str, DeadlineKind, str]] = [
    ("31/02/2024", K.UNKNOWN, "ngày 31/02/2024 không tồn tại"),
    ("30/02/2025", K.UNKNOWN, "ngày 30/02/2025 không tồn tại"),
    ("ngày 29/02/2025", K.UNKNOWN, "không tồn tại"),
    ("32/01/2024", K.UNKNOWN, "không tồn tại"),
    ("Tháng 13/2024", K.UNKNOWN, "tháng 13 không hợp lệ"),
    ("Tháng 00/2024", K.UNKNOWN, "tháng 0 không hợp lệ"),
    ("2030 - 2026", K.UNKNOWN, "năm bắt đầu 2030 sau năm kết thúc 2026"),
]


@pytest.mark.parametrize(("cell", "kind", "words"), INVALID)
def test_impossible_dates_are_unknown_with_a_clear_reason(
    cell: str, kind: DeadlineKind, words: str
) -> None:
    reading = parse_deadline(cell, year=2024)
    assert reading.kind == kind
    assert not reading.resolved
    assert words in reading.reason
    assert f"«{cell}»" in reading.reason


# (cell, kind): the kind is understood but the year is missing and the plan year unknown
NO_YEAR: list[tuple[str, DeadlineKind]] = [
    ("Tháng 12", K.MONTH),
    ("Quý II, III", K.QUARTER),
    ("ngày 15/01", K.DATE),
    ("6 tháng đầu năm", K.HALF_YEAR),
]


@pytest.mark.parametrize(("cell", "kind"), NO_YEAR)
def test_a_missing_year_without_a_plan_year_is_said(cell: str, kind: DeadlineKind) -> None:
    reading = parse_deadline(cell)
    assert (reading.kind, reading.resolved, reading.due) == (kind, False, None)
    assert "không ghi năm" in reading.reason


# --- the plan year --------------------------------------------------------------------------
# (cell, plan year, year_assumed)
YEAR_ASSUMED: list[tuple[str, int | None, bool]] = [
    ("Tháng 12", 2024, True),
    ("ngày 15/01", 2026, True),
    ("Quý IV", 2025, True),
    ("6 tháng cuối năm", 2025, True),
    ("Hằng năm", 2024, True),
    ("Tháng 12/2024", 2024, False),
    ("Quý II/2024", 2030, False),
    ("2025", 2024, False),
    ("Hằng năm", None, False),
]


@pytest.mark.parametrize(("cell", "year", "assumed"), YEAR_ASSUMED)
def test_year_assumed_only_when_the_plan_year_filled_a_gap(
    cell: str, year: int | None, assumed: bool
) -> None:
    reading = parse_deadline(cell, year=year)
    assert reading.year_assumed is assumed
    if assumed and reading.kind is not K.RECURRING:
        assert f"lấy năm kế hoạch {year}" in reading.reason


# --- conditions and notes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "due", "condition"),
    [
        ("Năm 2024 (khi có hướng dẫn của Tỉnh).", D(2024, 12, 31), "khi có hướng dẫn của Tỉnh"),
        ("Năm 2024, khi có hướng dẫn của Tỉnh", D(2024, 12, 31), "khi có hướng dẫn của Tỉnh"),
        (
            "Quý II/2024 (sau khi có kế hoạch của tỉnh)",
            D(2024, 6, 30),
            "sau khi có kế hoạch của tỉnh",
        ),
        ("Quý II/2024 nếu được bố trí kinh phí", D(2024, 6, 30), "nếu được bố trí kinh phí"),
    ],
)
def test_a_condition_beside_a_date_is_kept_and_said(cell: str, due: date, condition: str) -> None:
    reading = parse_deadline(cell)
    assert (reading.due, reading.resolved, reading.condition) == (due, True, condition)
    assert f"kèm điều kiện «{condition}»" in reading.reason


def test_a_note_beside_a_date_is_shown_but_is_no_condition() -> None:
    reading = parse_deadline("Quý IV/2024 (trước ngày 15/12)")
    assert (reading.due, reading.condition) == (D(2024, 12, 31), None)
    assert "ghi chú «trước ngày 15/12»" in reading.reason


# --- seed 002, Phụ lục 2 (plan year 2024): every deadline cell as written ------------------------
# (cell, kind, due, resolved, number of milestones)
SEED_002: list[tuple[str, DeadlineKind, date | None, bool, int]] = [
    ("Quý II, III/2024", K.QUARTER, D(2024, 9, 30), True, 2),
    ("Quý I/2023", K.QUARTER, D(2023, 3, 31), True, 0),
    ("Quý IV/2023, Quý I/2024", K.QUARTER, D(2024, 3, 31), True, 2),
    ("Quý IV/2024", K.QUARTER, D(2024, 12, 31), True, 0),
    ("Quý I/2024", K.QUARTER, D(2024, 3, 31), True, 0),
    ("Trong năm (theo phân kỳ)", K.CONTINUOUS, None, False, 0),
    ("Quý I, IV/2024", K.QUARTER, D(2024, 12, 31), True, 2),
    ("Sau khi tính công bố", K.CONDITIONAL, None, False, 0),
    ("- Quý I/2023 - Trước ngày 5/12/2024", K.MULTIPLE, D(2024, 12, 4), True, 2),
    ("Quý III/2024", K.QUARTER, D(2024, 9, 30), True, 0),
    ("Năm 2024 (khi có hướng dẫn của Tỉnh).", K.YEAR, D(2024, 12, 31), True, 0),
    ("- Quý IV/2023. - Quý IV /2024", K.QUARTER, D(2024, 12, 31), True, 2),
    ("Tháng 01/2024", K.MONTH, D(2024, 1, 31), True, 0),
    ("Quý I, II/2024", K.QUARTER, D(2024, 6, 30), True, 2),
    ("Trong năm.", K.CONTINUOUS, None, False, 0),
    ("Quý I/2024, Quý IV/2024", K.QUARTER, D(2024, 12, 31), True, 2),
    ("Theo Kế hoạch được phê duyệt.", K.REFERENCE, None, False, 0),
]


@pytest.mark.parametrize(("cell", "kind", "due", "resolved", "milestones"), SEED_002)
def test_seed_002_appendix_2(
    cell: str, kind: DeadlineKind, due: date | None, resolved: bool, milestones: int
) -> None:
    reading = parse_deadline(cell, year=2024)
    assert (reading.kind, reading.due, reading.resolved) == (kind, due, resolved), reading.reason
    assert len(reading.milestones) == milestones
    assert reading.phrase == cell


# --- deadlines in the task text when the cell is empty ---------------------------------------
# (task text from the seeds or in their style, plan year, kind, due)
TASK_TEXT: list[tuple[str, int | None, DeadlineKind, date]] = [
    (
        "- Căn cứ Kế hoạch này và điều kiện cụ thể xây dựng Kế hoạch Cải cách hành chính giai "
        "đoạn 2026-2030 của đơn vị, gửi về UBND xã (*qua phòng Văn hóa - Xã hội*) chậm nhất "
        "ngày **15/01/2026**. Chịu trách nhiệm trước UBND xã, Chủ tịch UBND xã về chất lượng",
        2026,
        K.BEFORE_DATE,
        D(2026, 1, 15),
    ),
    (
        "- Cụ thể hóa chỉ tiêu, nhiệm vụ Kế hoạch CCHC này, xây dựng Kế hoạch \nCCHC giai đoạn "
        "2021 - 2025 (Hoàn thành xong trước ngày 31/12/2021) và Kế \nhoạch CCHC hàng năm đơn vị",
        2021,
        K.BEFORE_DATE,
        D(2021, 12, 30),
    ),
    ("Xây dựng báo cáo, hoàn thành trong tháng 11/2025", 2025, K.MONTH, D(2025, 11, 30)),
    ("Nộp báo cáo trước ngày 30/6/2026", 2026, K.BEFORE_DATE, D(2026, 6, 29)),
    ("Gửi kế hoạch trước ngày 30/6", 2026, K.BEFORE_DATE, D(2026, 6, 29)),
    (
        "- Tham mưu Ủy ban nhân dân xã tổng kết việc thực hiện Kế hoạch vào năm 2030.",
        2026,
        K.YEAR,
        D(2030, 12, 31),
    ),
    (
        "- Đến năm 2030 tham mưu cho UBND xã tiến hành tổng kết Chương trình thực hiện cải "
        "cách hành chính giai đoạn 2026-2030 trên địa bàn xã.",
        2026,
        K.BEFORE_DATE,
        D(2030, 12, 31),
    ),
    ("Rà soát thủ tục hành chính, hoàn thành trong quý III/2024", 2024, K.QUARTER, D(2024, 9, 30)),
    (
        "- Hàng năm, tổ chức bồi dưỡng, tập huấn nâng cao năng lực cho cán bộ, công chức",
        2026,
        K.RECURRING,
        D(2026, 12, 31),
    ),
    (
        "- Định kỳ hàng năm tổ chức thực hiện hội nghị đối thoại với người dân",
        2024,
        K.RECURRING,
        D(2024, 12, 31),
    ),
    (
        "Nộp dự thảo trước ngày 30/6/2026 và báo cáo chậm nhất ngày 15/12/2026",
        2026,
        K.BEFORE_DATE,
        D(2026, 12, 15),
    ),
    # issue 15: a range of years, recurrences anywhere after "định kỳ", a yearly date
    (
        "Phấn đấu đến năm 2024 - 2025 đạt 100% hồ sơ thủ tục hành chính được số hóa",
        2024,
        K.YEAR_RANGE,
        D(2025, 12, 31),
    ),
    ("Định kỳ 6 tháng báo cáo kết quả thực hiện về UBND xã", 2026, K.RECURRING, D(2026, 6, 30)),
    (
        "Tổng hợp, báo cáo định kỳ hằng quý, 6 tháng, năm về kết quả cải cách hành chính",
        2026,
        K.RECURRING,
        D(2026, 3, 31),
    ),
    (
        "Tổ chức hội nghị đối thoại với người dân trước ngày 15/12 hằng năm",
        2026,
        K.RECURRING,
        D(2026, 12, 14),
    ),
    (
        "Triển khai Kế hoạch chuyển đổi số, hoàn thành đến năm 2027, tầm nhìn đến năm 2030",
        2026,
        K.BEFORE_DATE,
        D(2027, 12, 31),
    ),
]


@pytest.mark.parametrize(
    ("task", "recurrence"),
    [
        ("Định kỳ 6 tháng báo cáo kết quả thực hiện về UBND xã", "half_yearly"),
        ("Báo cáo định kỳ hằng quý, 6 tháng, năm về kết quả CCHC", "quarterly"),
        ("Tổ chức hội nghị đối thoại trước ngày 15/12 hằng năm", "yearly:12-14"),
    ],
)
def test_a_recurrence_in_the_task_text_is_kept(task: str, recurrence: str) -> None:
    assert parse_deadline("", year=2026, task_text=task).recurrence == recurrence


@pytest.mark.parametrize(("task", "year", "kind", "due"), TASK_TEXT)
def test_an_empty_cell_takes_the_deadline_written_in_the_task(
    task: str, year: int | None, kind: DeadlineKind, due: date
) -> None:
    reading = parse_deadline("", year=year, task_text=task)
    assert (reading.kind, reading.due, reading.resolved) == (kind, due, True), reading.reason
    assert reading.reason.startswith("Ô thời hạn trống; lấy từ nội dung nhiệm vụ «")
    assert reading.phrase == ""


@pytest.mark.parametrize(
    "task",
    [
        "",
        "Thường xuyên rà soát, cập nhật, công khai kịp thời, đầy đủ các thủ tục hành chính.",
        "Kịp thời khắc phục triệt để những tồn tại, hạn chế trong năm 2025 của xã.",
        "Cắt giảm 50% thời gian giải quyết thủ tục hành chính so với năm 2024",
        "Triển khai Nghị định số 137/2024/NĐ-CP ngày 23/10/2024 của Chính phủ",
        "Lập dự toán kinh phí trong dự toán ngân sách nhà nước hằng năm",
        "Chịu trách nhiệm trước Chủ tịch UBND xã",
        # issue 15: another document's horizon is not this task's deadline
        "Triển khai thực hiện Đề án 06 theo Quyết định số 06/QĐ-TTg ngày 06/01/2022 của Thủ "
        "tướng Chính phủ giai đoạn 2022 - 2025, tầm nhìn đến năm 2030",
        "Thực hiện Chương trình chuyển đổi số quốc gia đến năm 2025, định hướng đến năm 2030",
        "Triển khai Chương trình tổng thể cải cách hành chính nhà nước đến năm 2030 trên địa bàn",
        "Đánh giá định kỳ kết quả thực hiện nhiệm vụ cải cách hành chính",
        "Thực hiện theo chế độ báo cáo định kỳ quy định tại Kế hoạch CCHC",
    ],
)
def test_an_empty_cell_without_a_deadline_in_the_task_has_none(task: str) -> None:
    reading = parse_deadline("", year=2025, task_text=task)
    assert (reading.kind, reading.resolved, reading.reason) == (K.NONE, False, "Chưa ghi thời hạn")


def test_the_task_text_is_not_read_when_the_cell_has_a_deadline() -> None:
    reading = parse_deadline("Quý II/2024", task_text="chậm nhất ngày 15/01/2026")
    assert reading.due == D(2024, 6, 30)


@pytest.mark.parametrize("cell", ["", "   ", "-", " . ", "\n"])
def test_an_empty_cell_has_no_deadline(cell: str) -> None:
    reading = parse_deadline(cell, year=2024)
    assert (reading.kind, reading.resolved, reading.due) == (K.NONE, False, None)
    assert reading.reason == "Chưa ghi thời hạn"


# --- never raises -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "Quý",
        "Tháng",
        "ngày",
        "/",
        "1/",
        "31/12/99999",
        "(",
        "()",
        "- - -",
        "Quý II/2024 (",
        "Năm 0000",
        "Năm 9999",
        "ngày 0/0",
        "Tháng 3 hằng năm hằng quý",
        "Trước ngày 31/02/2024",
        "Từ tháng 9 đến tháng 3/2024",
        "𝟐𝟎𝟐𝟒 ✓",
        "Quý II/2024; " * 50,
    ],
)
def test_odd_cells_never_raise(cell: str) -> None:
    reading = parse_deadline(cell, year=2024)
    assert isinstance(reading, Deadline)
    assert reading.reason
    assert reading.to_json()["kind"] in {kind.value for kind in DeadlineKind}


# --- reasons ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("Quý II/2024", "Quý II/2024 → hết ngày 30/06/2024"),
        ("Quí 2/2024", "Quý II/2024 → hết ngày 30/06/2024"),
        ("Trước ngày 5/12/2024", "Trước ngày 05/12/2024 → hết ngày 04/12/2024 (ngày liền trước)"),
        ("chậm nhất ngày 15/01/2026", "Chậm nhất ngày 15/01/2026 → hết ngày 15/01/2026"),
        ("Tháng 01/2024", "Tháng 01/2024 → hết ngày 31/01/2024"),
        ("2026 - 2030", "Giai đoạn 2026 - 2030 → từ 01/01/2026 đến hết ngày 31/12/2030"),
        ("6 tháng đầu năm 2024", "6 tháng đầu năm 2024 → hết ngày 30/06/2024"),
        (
            "Tháng 12",
            "Tháng 12/2024 → hết ngày 31/12/2024 (ô không ghi năm: lấy năm kế hoạch 2024)",
        ),
    ],
)
def test_the_reason_shows_the_reading(cell: str, reason: str) -> None:
    assert parse_deadline(cell, year=2024).reason == reason


def test_phrase_is_the_cleaned_cell() -> None:
    reading = parse_deadline("  Quý   II/2024 \n", year=2024)
    assert reading.phrase == "Quý II/2024"


# --- to_json ------------------------------------------------------------------------------------


def test_to_json_has_every_key_in_plain_types() -> None:
    data = parse_deadline("Quý II, III/2024").to_json()
    assert data == {
        "phrase": "Quý II, III/2024",
        "kind": "quarter",
        "due": "2024-09-30",
        "start": "2024-04-01",
        "milestones": [
            {"due": "2024-06-30", "text": "Quý II/2024"},
            {"due": "2024-09-30", "text": "Quý III/2024"},
        ],
        "recurrence": None,
        "resolved": True,
        "reason": (
            "Quý II/2024 → hết ngày 30/06/2024; Quý III/2024 → hết ngày 30/09/2024; "
            "hạn cuối 30/09/2024"
        ),
        "condition": None,
        "year_assumed": False,
    }


def test_to_json_of_an_unresolved_cell() -> None:
    data = parse_deadline("Khi có hướng dẫn của Tỉnh").to_json()
    assert (data["kind"], data["due"], data["start"], data["resolved"]) == (
        "conditional",
        None,
        None,
        False,
    )


# --- next_due and calendar helpers -----------------------------------------------------------
# (recurrence, after, next due)
NEXT: list[tuple[str, date, date]] = [
    ("yearly", D(2024, 5, 3), D(2024, 12, 31)),
    ("yearly", D(2024, 12, 31), D(2024, 12, 31)),
    ("yearly:06", D(2024, 5, 3), D(2024, 6, 30)),
    ("yearly:06", D(2024, 7, 1), D(2025, 6, 30)),
    ("yearly:12-15", D(2024, 12, 16), D(2025, 12, 15)),
    ("yearly:02-29", D(2025, 1, 1), D(2025, 2, 28)),
    ("yearly:02-29", D(2028, 1, 1), D(2028, 2, 29)),
    ("half_yearly", D(2024, 6, 30), D(2024, 6, 30)),
    ("half_yearly", D(2024, 7, 1), D(2024, 12, 31)),
    ("quarterly", D(2024, 5, 3), D(2024, 6, 30)),
    ("quarterly", D(2024, 10, 1), D(2024, 12, 31)),
    ("monthly", D(2024, 2, 10), D(2024, 2, 29)),
    ("monthly:20", D(2024, 2, 10), D(2024, 2, 20)),
    ("monthly:20", D(2024, 12, 21), D(2025, 1, 20)),
    ("monthly:31", D(2024, 4, 1), D(2024, 4, 30)),
    ("yearly:03,09", D(2024, 4, 1), D(2024, 9, 30)),
    ("yearly:03,09", D(2024, 10, 1), D(2025, 3, 31)),
    ("weekly:5", D(2026, 1, 3), D(2026, 1, 9)),
    ("weekly:5", D(2026, 1, 9), D(2026, 1, 9)),
    ("weekly:1", D(2026, 1, 6), D(2026, 1, 12)),
]


@pytest.mark.parametrize(("recurrence", "after", "expected"), NEXT)
def test_next_due_of_a_recurrence(recurrence: str, after: date, expected: date) -> None:
    reading = Deadline("", K.RECURRING, recurrence=recurrence, resolved=True)
    assert next_due(reading, after) == expected


def test_next_due_of_fixed_deadlines() -> None:
    several = parse_deadline("Quý II, III/2024")
    assert next_due(several, D(2024, 1, 1)) == D(2024, 6, 30)
    assert next_due(several, D(2024, 7, 1)) == D(2024, 9, 30)
    assert next_due(several, D(2024, 10, 1)) is None
    assert next_due(parse_deadline("31/10/2025"), D(2025, 10, 31)) == D(2025, 10, 31)
    assert next_due(parse_deadline("Thường xuyên"), D(2025, 1, 1)) is None


def test_next_due_of_a_parsed_recurrence() -> None:
    assert next_due(parse_deadline("Tháng 12 hằng năm"), D(2025, 3, 1)) == D(2025, 12, 31)
    assert next_due(parse_deadline("hằng quý", year=2024), D(2024, 5, 3)) == D(2024, 6, 30)


def test_calendar_helpers() -> None:
    assert month_end(2024, 2) == D(2024, 2, 29)
    assert month_end(2025, 2) == D(2025, 2, 28)
    assert quarter_end(2024, 1) == D(2024, 3, 31)
    assert quarter_end(2024, 3) == D(2024, 9, 30)
    assert half_year_end(2024, 1) == D(2024, 6, 30)
    assert half_year_end(2024, 2) == D(2024, 12, 31)
    assert first_due("quarterly", 2025) == D(2025, 3, 31)
    assert first_due("weekly:5", 2025) == D(2025, 1, 3)
    assert first_due("fortnightly", 2025) is None
    assert format_date(D(2024, 6, 5)) == "05/06/2024"


@pytest.mark.parametrize(
    ("recurrence", "label"),
    [
        ("yearly", "hằng năm (hết ngày 31/12)"),
        ("yearly:12", "tháng 12 hằng năm"),
        ("yearly:12-15", "ngày 15/12 hằng năm"),
        ("monthly:20", "ngày 20 hằng tháng"),
        ("quarterly", "hằng quý (hết ngày cuối quý)"),
        ("half_yearly", "6 tháng một lần (hết ngày 30/06 và 31/12)"),
        ("yearly:03,09", "tháng 3, 9 hằng năm"),
        ("weekly:5", "thứ Sáu hằng tuần"),
    ],
)
def test_recurrence_labels(recurrence: str, label: str) -> None:
    assert recurrence_label(recurrence) == label
