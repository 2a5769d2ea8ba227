"""``sauro calendar``: the year's days off that fall on weekdays and its make-up working days,
each with where it comes from (the Labour Code, a government decision, or calendar.yaml).

A tool for the administrator who keeps ``config/calendar.yaml``: after each government
announcement, check that the engine counts the same working days as the office does.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from engine.calendar.workdays import (
    CALENDAR_FILE,
    SOURCE_LABELS,
    DaySource,
    WorkCalendar,
    format_day,
    load_calendar,
    weekday_name,
    weekend_days,
)
from engine.cli import common

YearOpt = Annotated[
    int | None,
    typer.Option(
        "--year",
        min=2,
        max=9998,
        help="Năm cần xem (mặc định: năm hiện tại theo giờ Việt Nam).",
        show_default=False,
    ),
]
JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="In mỗi ngày thành một đối tượng JSON trên một dòng."),
]


def calendar(year: YearOpt = None, as_json: JsonOpt = False) -> None:
    """Lịch làm việc của một năm: các ngày nghỉ rơi vào ngày thường và các ngày làm bù.

    Mỗi ngày ghi rõ nguồn: Bộ luật Lao động 2019, Điều 112 (ngày lễ, nghỉ bù; lấy từ gói
    holidays), quyết định của Chính phủ (hoán đổi, làm bù, ngày nghỉ mới như 24/11 Ngày Văn
    hóa Việt Nam) hoặc tệp cấu hình calendar.yaml.
    """
    # The docstring above is the command's help text, hence Vietnamese.
    config_dir = common.settings().config_dir
    work_calendar = WorkCalendar(load_calendar(config_dir / CALENDAR_FILE))
    if year is None:
        year = common.now().astimezone(work_calendar.timezone).year
    listing = work_calendar.year_listing(year)
    sources = {day: work_calendar.day_source(day) or DaySource.CONFIG for day, _, _ in listing}
    if as_json:
        for day, name, working in listing:
            row = _as_json(day, name, working) | {"source": str(sources[day])}
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    typer.echo(summary(work_calendar, year, listing))
    weekend = weekend_days(work_calendar.config)
    for day, name, working in listing:
        line = describe(day, name, working, weekend=day.weekday() in weekend)
        typer.echo(f"{line} ({SOURCE_LABELS[sources[day]]})")


def summary(work_calendar: WorkCalendar, year: int, listing: list[tuple[date, str, bool]]) -> str:
    """The first line: how many working days the year has, and how many exceptions."""
    total = work_calendar.working_days_between(date(year - 1, 12, 31), date(year, 12, 31))
    days_off = sum(1 for _, _, working in listing if not working)
    worked = len(listing) - days_off
    return (
        f"Năm {year}: {total} ngày làm việc; {days_off} ngày nghỉ rơi vào ngày thường; "
        f"{worked} ngày làm bù."
    )


def describe(day: date, name: str, working: bool, *, weekend: bool) -> str:
    """One line: "Thứ Hai 16/02/2026 — nghỉ: Tết Nguyên đán", "Thứ Bảy … — làm bù: …";
    a weekday worked instead of a holiday says "làm việc"."""
    if not working:
        kind = "nghỉ"
    elif weekend:
        kind = "làm bù"
    else:
        kind = "làm việc"
    return f"{format_day(day)} — {kind}: {name}"


def _as_json(day: date, name: str, working: bool) -> dict[str, object]:
    return {"date": day.isoformat(), "weekday": weekday_name(day), "working": working, "name": name}
