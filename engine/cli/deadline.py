"""``sauro deadline``: read deadline cells the way the importer does and show the reading.

A tool for the standing office and for whoever maintains the parser: paste a cell
("Quý II, III/2024", "Trong năm (theo phân kỳ)") and see how it resolves, and why.
"""

import json
from collections.abc import Iterable
from typing import Annotated

import typer

from engine.calendar.deadlines import (
    KIND_LABELS,
    Deadline,
    format_date,
    parse_deadline,
    recurrence_label,
)

_STDIN = "-"

PhrasesArg = Annotated[
    list[str],
    typer.Argument(
        metavar="CỤM_TỪ...",
        help=(
            'Nội dung ô thời hạn cần đọc, vd. "Quý II/2024" (đặt trong dấu ngoặc kép). '
            "Dùng - để đọc từ đầu vào chuẩn, mỗi dòng một ô (bỏ qua dòng trống)."
        ),
        show_default=False,
    ),
]
YearOpt = Annotated[
    int | None,
    typer.Option(
        "--year",
        help='Năm của kế hoạch, dùng khi ô không ghi năm (vd. "Tháng 12", "Hằng năm").',
        show_default=False,
    ),
]
JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="In mỗi ô thành một đối tượng JSON trên một dòng."),
]


def deadline(phrases: PhrasesArg, year: YearOpt = None, as_json: JsonOpt = False) -> None:
    """Đọc ô thời hạn (cột "Thời gian thực hiện"): hạn hoàn thành, các mốc và lý do.

    Quý, tháng, năm tính đến ngày cuối kỳ; "trước ngày X" là ngày liền trước ngày X.

    "Thường xuyên", "khi có hướng dẫn", "theo kế hoạch riêng": chưa rõ thời gian.
    """
    # The docstring above is the command's help text, hence Vietnamese.
    for phrase in _expand(phrases):
        reading = parse_deadline(phrase, year=year)
        if as_json:
            typer.echo(json.dumps(reading.to_json(), ensure_ascii=False))
        else:
            typer.echo(describe(reading))


def _expand(phrases: Iterable[str]) -> list[str]:
    """The phrases given, with "-" replaced by the non-blank lines of standard input."""
    expanded: list[str] = []
    for phrase in phrases:
        if phrase == _STDIN:
            stdin = typer.get_text_stream("stdin")
            expanded.extend(line.strip() for line in stdin if line.strip())
        else:
            expanded.append(phrase)
    return expanded


def describe(reading: Deadline) -> str:
    """One readable Vietnamese line: the cell, its kind, due date, milestones and reason."""
    parts = [f"«{reading.phrase}» → {KIND_LABELS[reading.kind]}"]
    if reading.recurrence:
        parts.append(recurrence_label(reading.recurrence))
    if reading.start and reading.due:
        parts.append(f"từ {format_date(reading.start)}")
    if reading.due:
        parts.append(f"hạn {format_date(reading.due)}")
    if reading.milestones:
        parts.append("các mốc " + ", ".join(format_date(m.due) for m in reading.milestones))
    if reading.condition:
        parts.append(f"điều kiện: {reading.condition}")
    if not reading.resolved:
        parts.append("CHƯA RÕ THỜI GIAN")
    return ", ".join(parts) + f" — {reading.reason}"
