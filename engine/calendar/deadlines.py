"""Vietnamese deadline cells ("Thời gian thực hiện") read into dates. Pure: no clock, no I/O.

A cell is read the way a person in a People's Committee reads it (domain brief §3): a period
resolves to its last day, a range to its end, a cell with several deadlines to milestones.
Continuous, conditional and by-reference deadlines do not resolve. Every reading carries a
Vietnamese ``reason`` that shows how the cell was understood, so nothing is silently guessed.

Matching works on a *key*: the cell lower-cased and stripped of diacritics character by
character, so it stays aligned with the text and any span found in the key can be cut out of
the text ("Quí"/"Quý" and "hằng"/"hàng" fold alike).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from engine.text import clean, clean_lines, fold_aligned

__all__ = [
    "KIND_LABELS",
    "Deadline",
    "DeadlineKind",
    "Milestone",
    "first_due",
    "format_date",
    "half_year_end",
    "month_end",
    "next_due",
    "parse_deadline",
    "quarter_end",
    "recurrence_label",
]


class DeadlineKind(StrEnum):
    """How a deadline cell is phrased."""

    DATE = "date"
    BEFORE_DATE = "before_date"
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"
    YEAR_RANGE = "year_range"
    RECURRING = "recurring"
    CONTINUOUS = "continuous"
    CONDITIONAL = "conditional"
    REFERENCE = "reference"
    MULTIPLE = "multiple"
    NONE = "none"
    UNKNOWN = "unknown"


KIND_LABELS: dict[DeadlineKind, str] = {
    DeadlineKind.DATE: "ngày cụ thể",
    DeadlineKind.BEFORE_DATE: "hạn chót theo ngày",
    DeadlineKind.MONTH: "tháng",
    DeadlineKind.QUARTER: "quý",
    DeadlineKind.HALF_YEAR: "6 tháng",
    DeadlineKind.YEAR: "năm",
    DeadlineKind.YEAR_RANGE: "giai đoạn",
    DeadlineKind.RECURRING: "định kỳ",
    DeadlineKind.CONTINUOUS: "thường xuyên",
    DeadlineKind.CONDITIONAL: "có điều kiện",
    DeadlineKind.REFERENCE: "theo văn bản khác",
    DeadlineKind.MULTIPLE: "nhiều mốc",
    DeadlineKind.NONE: "chưa ghi",
    DeadlineKind.UNKNOWN: "không xác định",
}


@dataclass(frozen=True)
class Milestone:
    """One of several due dates in one cell; ``text`` is the fragment it comes from."""

    due: date
    text: str
    kind: DeadlineKind


@dataclass(frozen=True)
class Deadline:
    """A deadline cell as read: what it says, when it is due, and why we think so."""

    phrase: str
    kind: DeadlineKind
    due: date | None = None
    start: date | None = None
    milestones: tuple[Milestone, ...] = ()
    recurrence: str | None = None
    resolved: bool = False
    reason: str = ""
    condition: str | None = None
    year_assumed: bool = False

    def task_values(self) -> dict[str, Any]:
        """The columns of a stored ``task`` this reading fills (the cell itself is
        ``deadline_text``): what an import and an edit of the deadline both write."""
        return {
            "deadline_kind": str(self.kind),
            "due_date": self.due,
            "start_date": self.start,
            "recurrence": self.recurrence,
            "deadline_resolved": self.resolved,
            "deadline_reason": self.reason,
        }

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; dates as YYYY-MM-DD."""
        return {
            "phrase": self.phrase,
            "kind": self.kind.value,
            "due": _iso(self.due),
            "start": _iso(self.start),
            "milestones": [{"due": m.due.isoformat(), "text": m.text} for m in self.milestones],
            "recurrence": self.recurrence,
            "resolved": self.resolved,
            "reason": self.reason,
            "condition": self.condition,
            "year_assumed": self.year_assumed,
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# --- calendar helpers ---------------------------------------------------------------------

_ROMAN = ("", "I", "II", "III", "IV")
RECURRENCE_MAX = 32  # the stored column's length
FRIDAY = 5  # ISO weekday: a weekly deadline is due on Friday unless configured otherwise
_WEEKDAY_WORDS = ("", "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def format_date(day: date) -> str:
    """A date as Vietnamese documents write it: dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def quarter_end(year: int, quarter: int) -> date:
    """The last day of a quarter (1-4)."""
    return month_end(year, quarter * 3)


def half_year_end(year: int, half: int) -> date:
    """The last day of the first (1) or second (2) half of a year."""
    return month_end(year, half * 6)


def _clamped(year: int, month: int, day: int) -> date:
    """The day in that month, or the month's last day when it is shorter (29/02 → 28/02)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


# --- recurrences ----------------------------------------------------------------------------
# Machine forms: "yearly" (31/12), "yearly:MM" (end of month MM), "yearly:MM-DD",
# "yearly:MM,MM" (end of each month listed), "half_yearly" (30/06 and 31/12), "quarterly"
# (end of each quarter), "monthly" (end of each month), "monthly:DD" (day DD of each month,
# or the month's last day when shorter), "weekly:D" (ISO weekday D of each week, 5 = Friday).


def next_due(deadline: Deadline, after: date) -> date | None:
    """The first due date on or after ``after``: the next occurrence of a recurrence, or the
    next milestone or due date of a fixed deadline; None when nothing is left."""
    fixed = [m.due for m in deadline.milestones] or ([deadline.due] if deadline.due else [])
    candidates = [day for day in fixed if day >= after]
    if deadline.recurrence:
        occurrence = _next_occurrence(deadline.recurrence, after)
        if occurrence is not None:
            candidates.append(occurrence)
    return min(candidates, default=None)


def first_due(recurrence: str, year: int) -> date | None:
    """The first occurrence of a recurrence within a year (None for an unknown form)."""
    return _next_occurrence(recurrence, date(year, 1, 1))


def _next_occurrence(recurrence: str, after: date) -> date | None:
    cycle, _, anchor = recurrence.partition(":")
    if cycle == "yearly":
        return min(_next_yearly(month, after) for month in anchor.split(","))
    if cycle == "weekly":
        return _next_weekly(anchor, after)
    if cycle == "monthly":
        return _next_monthly(anchor, after)
    if cycle == "quarterly":
        return quarter_end(after.year, (after.month - 1) // 3 + 1)
    if cycle == "half_yearly":
        return half_year_end(after.year, 1 if after.month <= 6 else 2)
    return None


def _next_yearly(anchor: str, after: date) -> date:
    def in_year(year: int) -> date:
        if not anchor:
            return date(year, 12, 31)
        month, _, day = anchor.partition("-")
        return _clamped(year, int(month), int(day)) if day else month_end(year, int(month))

    this_year = in_year(after.year)
    return this_year if this_year >= after else in_year(after.year + 1)


def _next_weekly(anchor: str, after: date) -> date | None:
    if not anchor.isdigit() or not 1 <= int(anchor) <= 7:
        return None
    return after + timedelta(days=(int(anchor) - after.isoweekday()) % 7)


def _next_monthly(anchor: str, after: date) -> date:
    if not anchor:
        return month_end(after.year, after.month)
    this_month = _clamped(after.year, after.month, int(anchor))
    if this_month >= after:
        return this_month
    year, month = (after.year + 1, 1) if after.month == 12 else (after.year, after.month + 1)
    return _clamped(year, month, int(anchor))


def recurrence_label(recurrence: str) -> str:
    """A recurrence in Vietnamese words, e.g. "yearly:12" → "tháng 12 hằng năm"."""
    cycle, _, anchor = recurrence.partition(":")
    if cycle == "yearly" and "," in anchor:
        return f"tháng {', '.join(str(int(m)) for m in anchor.split(','))} hằng năm"
    if cycle == "weekly" and anchor.isdigit() and 1 <= int(anchor) <= 7:
        return f"{_WEEKDAY_WORDS[int(anchor)]} hằng tuần"
    if cycle == "yearly" and anchor:
        month, _, day = anchor.partition("-")
        return f"ngày {day}/{month} hằng năm" if day else f"tháng {month} hằng năm"
    if cycle == "monthly" and anchor:
        return f"ngày {anchor} hằng tháng"
    labels = {
        "yearly": "hằng năm (hết ngày 31/12)",
        "half_yearly": "6 tháng một lần (hết ngày 30/06 và 31/12)",
        "quarterly": "hằng quý (hết ngày cuối quý)",
        "monthly": "hằng tháng (hết ngày cuối tháng)",
    }
    return labels.get(cycle, recurrence)


# --- text and key ---------------------------------------------------------------------------

_MARKUP = re.compile(r"[*_`]+")
_SLASH = re.compile(r"[ \t]*/[ \t]*")
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-"})
_EDGES = re.compile(r"[\s\-+•.,;:]*(.*?)[\s\-+•.,;:]*", re.S)


def _normalise(text: str) -> str:
    """The cell as we read it: NFC lines, no markup, plain dashes, no spaces around '/'."""
    return _SLASH.sub("/", clean_lines(_MARKUP.sub("", text or "")).translate(_DASHES))


def _key(text: str) -> str:
    """Lower case without diacritics, one character for one, so spans match the text."""
    return fold_aligned(text)


@dataclass(frozen=True)
class _Seg:
    """A piece of the cell and its key, always the same length."""

    text: str
    key: str

    def cut(self, start: int, end: int) -> _Seg:
        return _Seg(self.text[start:end], self.key[start:end])

    def stripped(self) -> _Seg:
        match = _EDGES.fullmatch(self.key)
        return self.cut(match.start(1), match.end(1)) if match else self

    def split(self, pattern: re.Pattern[str]) -> list[_Seg]:
        pieces, start = [], 0
        for match in pattern.finditer(self.key):
            pieces.append(self.cut(start, match.start()))
            start = match.end()
        pieces.append(self.cut(start, len(self.key)))
        return [piece.stripped() for piece in pieces if piece.stripped().key]


def _seg(text: str) -> _Seg:
    return _Seg(text, _key(text))


# --- reading context and internal results ---------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    """The year a piece means when it omits one, whether that is the plan's year, and the
    day of the week a weekly deadline falls on when the cell names none (1 = Monday)."""

    year: int | None
    from_plan: bool = True
    weekday: int = FRIDAY


@dataclass(frozen=True)
class _Item:
    start: date
    end: date
    label: str


@dataclass(frozen=True)
class _Reading:
    kind: DeadlineKind
    items: tuple[_Item, ...]
    assumed: bool


class _ReadError(Exception):
    """A piece that is understood but cannot resolve (no year, a date that does not exist)."""

    def __init__(self, kind: DeadlineKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _take_year(raw: str | None, ctx: _Ctx, kind: DeadlineKind) -> tuple[int, bool]:
    """The year written in the cell (two digits mean 20xx), else the context year."""
    if raw:
        year = int(raw) + 2000 if len(raw) == 2 else int(raw)
        if not 1900 <= year <= 2199:
            raise _ReadError(DeadlineKind.UNKNOWN, f"năm {raw} không hợp lệ")
        return year, False
    if ctx.year is None:
        raise _ReadError(
            kind, "không ghi năm và chưa biết năm của kế hoạch; cần ghi rõ năm (vd. …/2025)"
        )
    return ctx.year, True


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _ReadError(
            DeadlineKind.UNKNOWN, f"ngày {day:02d}/{month:02d}/{year} không tồn tại"
        ) from None


def _check_range(number: int, low: int, high: int, what: str) -> int:
    if not low <= number <= high:
        raise _ReadError(DeadlineKind.UNKNOWN, f"{what} {number} không hợp lệ")
    return number


# --- periods: dates, months, quarters, half-years, years -------------------------------------

_TAIL = r"(?:\s*[/-]\s*|\s*,?\s*nam\s*|\s+)(?P<y>\d{4}|\d{2})(?!\d)"
_LIST_SEP = r"\s*(?:,|&|\bva\b|-|\bden\b)\s*"
_MNUM = r"\d{1,2}(?!\d)"
_QNUM = r"(?:iv|iii|ii|i|[1-4])(?![a-z\d])"
_DATE_WORDS = re.compile(
    r"(?:ngay\s*)?(?P<d>\d{1,2})\s*thang\s*(?P<m>\d{1,2})(?:\s*,?\s*nam\s*(?P<y>\d{4}))?"
)
_DATE_NUM = re.compile(
    r"(?P<ngay>ngay\s*)?(?P<d>\d{1,2})\s*(?P<s>[/.-])\s*(?P<m>\d{1,2})"
    r"(?:\s*(?P=s)\s*(?P<y>\d{4}|\d{2}))?"
)
# ISO dates come from CSV exports: 2024-06-30.
_DATE_ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
_MONTHS = re.compile(rf"thang\s*(?P<n>{_MNUM}(?:{_LIST_SEP}(?:thang\s*)?{_MNUM})*)(?:{_TAIL})?")
_MONTH_BARE = re.compile(r"(?P<n>\d{1,2})/(?P<y>\d{4})")
_QUARTERS = re.compile(
    rf"(?:qu[yi]\s*|q(?=[1-4]))(?P<n>{_QNUM}(?:{_LIST_SEP}(?:qu[yi]\s*)?{_QNUM})*)(?:{_TAIL})?"
)
_HALF = re.compile(rf"(?:(?:6|sau)\s*thang|nua)\s*(?P<h>dau|cuoi)(?:\s*nam)?(?:{_TAIL})?")
_YEAR = re.compile(r"(?:nam\s*)?(?P<y>\d{4})")
_GROUP_SEP = re.compile(r"\s*(,|&|\bva\b|-|\bden\b)\s*")
_UNIT_WORD = re.compile(r"(?:thang|qu[yi])\s*")
_PERIOD_PREFIX = re.compile(
    r"(?:(?:hoan thanh|thuc hien|trien khai|xong)\s+)?"
    r"(?:(?:trong suot|trong|vao|cuoi|het|ca)\s+)?"
)


def _read_date(key: str, ctx: _Ctx) -> _Reading | None:
    match = _DATE_WORDS.fullmatch(key) or _DATE_NUM.fullmatch(key) or _DATE_ISO.fullmatch(key)
    if match is None:
        return None
    groups = match.groupdict()
    # "15/01" is a day and month; "3-9" or "10.12" alone is too ambiguous to be one.
    if groups["y"] is None and groups.get("s") not in (None, "/") and not groups.get("ngay"):
        return None
    year, assumed = _take_year(groups["y"], ctx, DeadlineKind.DATE)
    day = _make_date(year, int(groups["m"]), int(groups["d"]))
    return _Reading(DeadlineKind.DATE, (_Item(day, day, f"Ngày {format_date(day)}"),), assumed)


def _groups(numbers: str) -> list[tuple[str, str]]:
    """Lists and ranges of numbers: "3, 9" → [(3, 3), (9, 9)]; "II - III" → [(II, III)]."""
    tokens = _GROUP_SEP.split(_UNIT_WORD.sub("", numbers))
    groups = [(tokens[0], tokens[0])]
    for separator, number in zip(tokens[1::2], tokens[2::2], strict=True):
        if separator in ("-", "den"):
            groups[-1] = (groups[-1][0], number)
        else:
            groups.append((number, number))
    return groups


def _month_item(first: int, last: int, year: int) -> _Item:
    _check_range(first, 1, 12, "tháng")
    _check_range(last, first, 12, "tháng")
    label = f"Tháng {first:02d}/{year}"
    if last != first:
        label = f"Tháng {first:02d} đến tháng {last:02d}/{year}"
    return _Item(date(year, first, 1), month_end(year, last), label)


def _read_months(key: str, ctx: _Ctx) -> _Reading | None:
    match = _MONTHS.fullmatch(key) or _MONTH_BARE.fullmatch(key)
    if match is None:
        return None
    year, assumed = _take_year(match["y"], ctx, DeadlineKind.MONTH)
    items = tuple(_month_item(int(a), int(b), year) for a, b in _groups(match["n"]))
    return _Reading(DeadlineKind.MONTH, items, assumed)


def _quarter_number(token: str) -> int:
    return _ROMAN.index(token.upper()) if token.isalpha() else int(token)


def _quarter_item(first: int, last: int, year: int) -> _Item:
    _check_range(last, first, 4, "quý")
    label = f"Quý {_ROMAN[first]}/{year}"
    if last != first:
        label = f"Quý {_ROMAN[first]} đến quý {_ROMAN[last]}/{year}"
    return _Item(date(year, first * 3 - 2, 1), quarter_end(year, last), label)


def _read_quarters(key: str, ctx: _Ctx) -> _Reading | None:
    match = _QUARTERS.fullmatch(key)
    if match is None:
        return None
    year, assumed = _take_year(match["y"], ctx, DeadlineKind.QUARTER)
    pairs = [(_quarter_number(a), _quarter_number(b)) for a, b in _groups(match["n"])]
    items = tuple(_quarter_item(a, b, year) for a, b in pairs)
    return _Reading(DeadlineKind.QUARTER, items, assumed)


def _read_half(key: str, ctx: _Ctx) -> _Reading | None:
    match = _HALF.fullmatch(key)
    if match is None:
        return None
    year, assumed = _take_year(match["y"], ctx, DeadlineKind.HALF_YEAR)
    half, words = (1, "đầu") if match["h"] == "dau" else (2, "cuối")
    start = date(year, half * 6 - 5, 1)
    item = _Item(start, half_year_end(year, half), f"6 tháng {words} năm {year}")
    return _Reading(DeadlineKind.HALF_YEAR, (item,), assumed)


def _read_year(key: str, ctx: _Ctx) -> _Reading | None:
    match = _YEAR.fullmatch(key)
    if match is None:
        return None
    year, _ = _take_year(match["y"], ctx, DeadlineKind.YEAR)
    item = _Item(date(year, 1, 1), date(year, 12, 31), f"Năm {year}")
    return _Reading(DeadlineKind.YEAR, (item,), False)


_PERIOD_READERS: tuple[Callable[[str, _Ctx], _Reading | None], ...] = (
    _read_date,
    _read_months,
    _read_quarters,
    _read_half,
    _read_year,
)


def _read_period(key: str, ctx: _Ctx) -> _Reading | None:
    """A date or period, with an optional lead-in ("trong tháng 11/2025", "hết quý II")."""
    key = _PERIOD_PREFIX.sub("", key, count=1)
    for reader in _PERIOD_READERS:
        reading = reader(key, ctx)
        if reading is not None:
            return reading
    return None


def _read_single(key: str, ctx: _Ctx) -> _Item | None:
    reading = _read_period(key, ctx)
    return reading.items[0] if reading is not None and len(reading.items) == 1 else None


# --- building results -----------------------------------------------------------------------


def _year_note(assumed: bool, ctx: _Ctx) -> str:
    if not assumed:
        return ""
    if ctx.from_plan:
        return f" (ô không ghi năm: lấy năm kế hoạch {ctx.year})"
    return f" (năm {ctx.year} lấy theo phần sau của ô)"


def _from_reading(text: str, reading: _Reading, ctx: _Ctx) -> Deadline:
    items = reading.items
    due = max(item.end for item in items)
    steps = "; ".join(f"{item.label} → hết ngày {format_date(item.end)}" for item in items)
    several = len(items) > 1
    return Deadline(
        phrase=text,
        kind=reading.kind,
        due=due,
        start=None if reading.kind is DeadlineKind.DATE else min(i.start for i in items),
        milestones=tuple(Milestone(i.end, i.label, reading.kind) for i in items) if several else (),
        resolved=True,
        reason=steps
        + _year_note(reading.assumed, ctx)
        + (f"; hạn cuối {format_date(due)}" if several else ""),
        year_assumed=reading.assumed and ctx.from_plan,
    )


def _unresolved(text: str, kind: DeadlineKind, why: str) -> Deadline:
    return Deadline(phrase=text, kind=kind, reason=f"«{text}» {why}")


# --- readers: one per way of writing a deadline ----------------------------------------------

_CONDITIONAL = re.compile(
    r"(?:ngay\s+)?(?:sau khi|khi|neu|truong hop|tuy theo|tuy thuoc|cho|sau(?!\s*thang))\b"
)
# "theo" names another document ("theo kế hoạch"), except in a cycle ("theo quý").
_THEO = r"theo(?!\s+(?:nam|quy|thang|tuan)\b(?!\s+dinh))"
_REFERENCE = re.compile(rf"(?:{_THEO}|can cu|phu thuoc|dong thoi|cung thoi gian)\b")
_CONTINUOUS = re.compile(
    r"(?:thuong xuyen|lien tuc|trong nam|ca nam|quanh nam|suot nam|hang ngay|moi ngay"
    r"|xuyen suot|tiep tuc|kip thoi)\b"
)


def _as_conditional(seg: _Seg, ctx: _Ctx) -> Deadline | None:
    if not _CONDITIONAL.match(seg.key):
        return None
    why = "phụ thuộc một điều kiện chưa biết thời điểm: cần ghi ngày cụ thể (vd. 31/10/2025)"
    return _unresolved(seg.text, DeadlineKind.CONDITIONAL, why + " hoặc cập nhật khi có điều kiện")


def _as_reference(seg: _Seg, ctx: _Ctx) -> Deadline | None:
    if not _REFERENCE.match(seg.key):
        return None
    why = "dẫn chiếu kế hoạch, quy định hoặc văn bản khác, không tự xác định được ngày"
    return _unresolved(seg.text, DeadlineKind.REFERENCE, why + ": cần ghi ngày cụ thể")


def _as_continuous(seg: _Seg, ctx: _Ctx) -> Deadline | None:
    if not _CONTINUOUS.match(seg.key) or re.search(r"\d", seg.key):
        return None
    why = "là việc thường xuyên, không có ngày hoàn thành: cần ghi ngày cụ thể (vd. 31/10/2025)"
    return _unresolved(seg.text, DeadlineKind.CONTINUOUS, why + " hoặc chu kỳ (vd. hằng quý)")


# "hằng năm", "mỗi quý", and "theo quý" (but not "theo quy định").
_CYCLE = re.compile(
    r"\b(?:hang|moi|theo(?=\s+(?:nam|quy|thang|tuan)\b(?!\s+dinh)))\s*(nam|quy|thang|tuan)\b"
)
_HALF_CYCLE = re.compile(
    r"(?:dinh ky|hang|moi)\s*(?:6|sau)\s*thang|(?:6|sau)\s*thang\s*(?:mot lan|/\s*lan)"
)
_HALF_ANCHOR = re.compile(r"(?:6|sau)\s*thang")
_DINH_KY = re.compile(r"\bdinh ky\b")
_DAY_OF_MONTH = re.compile(r"(?P<truoc>truoc\s*)?(?:ngay\s*)?(?P<d>\d{1,2})")
# What a cycle's words say besides it when they only name more cycles ("hằng quý, 6
# tháng, năm"): each of them is due at the end of its period, so the finest one covers all.
_CYCLE_NAME = r"(?:(?:hang|moi)\s+)?(?:(?:6|sau)\s*thang|nam|quy|thang)"
_MORE_CYCLES = re.compile(rf"(?:(?:,|;|va)?\s*{_CYCLE_NAME}\s*)+")
_FINEST = ("monthly", "quarterly", "half_yearly", "yearly")
# A verb before the cycle ("họp theo quý", "Báo cáo tháng 12 hằng năm") says nothing of when.
_ANCHOR_VERB = re.compile(r"^(?:hop|giao ban|bao cao|kiem tra|to chuc)\b\s*")
_QUARTER_END = re.compile(
    r"(?:vao\s+)?(?:(?:ngay\s+)?cuoi\s+(?:thang\s+)?(?:cua\s+)?(?:moi\s+)?quy)?"
)
_WEEKDAY = re.compile(
    r"(?:vao\s+)?(?:ngay\s+)?(?:thu\s*(?P<d>hai|ba|tu|nam|sau|bay|[2-7])|(?P<cn>chu nhat))"
)
_WEEKDAY_NUMBERS = {"hai": 1, "ba": 2, "tu": 3, "nam": 4, "sau": 5, "bay": 6}
# Any year will do to place a day and month within a cycle; a leap year keeps 29/02.
_ANY_YEAR = _Ctx(2000, from_plan=False)


def _as_recurring(seg: _Seg, ctx: _Ctx) -> Deadline | None:
    found = _HALF_CYCLE.search(seg.key) or _CYCLE.search(seg.key)
    if found is None:
        if _DINH_KY.search(seg.key):
            return _unresolved(
                seg.text, DeadlineKind.RECURRING, "ghi định kỳ nhưng không rõ chu kỳ"
            )
        return None
    anchor = _DINH_KY.sub("", seg.key[: found.start()] + " " + seg.key[found.end() :])
    anchor = _ANCHOR_VERB.sub("", " ".join(anchor.strip(" ,.;:-").split()))
    recurrence = _recurrence(found, anchor, ctx.weekday)
    if recurrence is None:
        why = (
            "là việc định kỳ nhưng không xác định được một ngày đến hạn trong mỗi kỳ:"
            " cần ghi một mốc cho mỗi kỳ (vd. tháng 12 hằng năm, hằng quý)"
        )
        return _unresolved(seg.text, DeadlineKind.RECURRING, why)
    return _recurring(seg.text, recurrence, ctx)


def _recurrence(cycle: re.Match[str], anchor: str, weekday: int) -> str | None:
    """The machine form for a cycle ("hằng năm", "định kỳ 6 tháng") and what is beside it."""
    word = "6 thang" if cycle.re is _HALF_CYCLE else cycle.group(1)
    if anchor and word != "tuan" and _MORE_CYCLES.fullmatch(anchor):
        return _finest([word, *re.findall(_CYCLE_NAME, anchor)])
    if word == "6 thang":
        return None if anchor else "half_yearly"
    if word == "quy":
        return "quarterly" if _QUARTER_END.fullmatch(anchor) else None
    if word == "thang":
        return _monthly(anchor)
    if word == "nam":
        return _yearly(anchor)
    return _weekly(anchor, weekday)


def _finest(words: list[str]) -> str:
    """The one recurrence due at the end of every period named ("quý, 6 tháng, năm")."""
    forms = {_cycle_form(word) for word in words}
    return next(form for form in _FINEST if form in forms)


def _cycle_form(word: str) -> str:
    """ "hang quy" → "quarterly", "6 thang" → "half_yearly"."""
    if _HALF_ANCHOR.search(word):
        return "half_yearly"
    return {"thang": "monthly", "quy": "quarterly"}.get(word.rsplit(maxsplit=1)[-1], "yearly")


def _weekly(anchor: str, weekday: int) -> str | None:
    """ "hằng tuần" (on the configured weekday) or "thứ Hai hằng tuần"."""
    if not anchor:
        return f"weekly:{weekday}"
    match = _WEEKDAY.fullmatch(anchor)
    if match is None:
        return None
    if match["cn"]:
        return "weekly:7"
    day = match["d"]
    return f"weekly:{int(day) - 1 if day.isdigit() else _WEEKDAY_NUMBERS[day]}"


def _monthly(anchor: str) -> str | None:
    if not anchor:
        return "monthly"
    match = _DAY_OF_MONTH.fullmatch(anchor)
    if match is None:
        return None
    day = int(match["d"]) - (1 if match["truoc"] else 0)
    return f"monthly:{_check_range(day, 1, 31, 'ngày'):02d}"


def _yearly(anchor: str) -> str | None:
    if not anchor:
        return "yearly"
    if _HALF_ANCHOR.fullmatch(anchor):
        return "half_yearly"
    before = _before_due(anchor, _ANY_YEAR)
    if before is not None:
        return f"yearly:{before[0]:%m-%d}"
    reading = _read_period(anchor, _ANY_YEAR)
    if reading is None or reading.kind is DeadlineKind.YEAR:
        return None
    if len(reading.items) > 1:
        return _months(reading)
    end = reading.items[0].end
    return f"yearly:{end:%m-%d}" if reading.kind is DeadlineKind.DATE else f"yearly:{end:%m}"


def _months(reading: _Reading) -> str | None:
    """Several months or quarters a year ("Tháng 3, 6, 9, 12 hằng năm"): due at the end of
    each; named by the usual cycle when they are one ("quarterly", "half_yearly")."""
    if reading.kind not in (DeadlineKind.MONTH, DeadlineKind.QUARTER):
        return None
    months = sorted({item.end.month for item in reading.items})
    usual = {(3, 6, 9, 12): "quarterly", (6, 12): "half_yearly", tuple(range(1, 13)): "monthly"}
    form = usual.get(tuple(months)) or "yearly:" + ",".join(f"{m:02d}" for m in months)
    return form if len(form) <= RECURRENCE_MAX else None


def _recurring(text: str, recurrence: str, ctx: _Ctx) -> Deadline:
    label = recurrence_label(recurrence)
    if ctx.year is None:
        reason = f"Định kỳ {label}; chưa biết năm kế hoạch nên chưa tính ngày đến hạn đầu tiên"
        return Deadline(
            text, DeadlineKind.RECURRING, recurrence=recurrence, resolved=True, reason=reason
        )
    due = first_due(recurrence, ctx.year)
    if due is None:
        return _unresolved(text, DeadlineKind.RECURRING, "có chu kỳ không tính được")
    reason = f"Định kỳ {label}; lần đầu trong năm {ctx.year}: hết ngày {format_date(due)}"
    return Deadline(
        text,
        DeadlineKind.RECURRING,
        due=due,
        recurrence=recurrence,
        resolved=True,
        reason=reason,
        year_assumed=ctx.from_plan,
    )


_YEAR_RANGE = re.compile(
    r"(?:(?:(?:trong\s+)?giai doan|nhiem ky|tu|den)\s*)?"
    r"(?:nam\s*)?(?P<a>\d{4})\s*(?:-|den)\s*(?:nam\s*)?(?P<b>\d{4})"
)
_SPAN = re.compile(r"(?:tu|giai doan)\s+(?P<a>.+?)(?:\s+-\s+|\s+den\s+(?:het\s+)?)(?P<b>.+)")
_SPAN_BARE = re.compile(r"(?P<a>.+?)\s+den\s+(?:het\s+)?(?P<b>.+)")


def _as_year_range(seg: _Seg, ctx: _Ctx) -> Deadline | None:
    match = _YEAR_RANGE.fullmatch(seg.key)
    if match is None:
        return None
    first, _ = _take_year(match["a"], ctx, DeadlineKind.YEAR_RANGE)
    last, _ = _take_year(match["b"], ctx, DeadlineKind.YEAR_RANGE)
    if first > last:
        raise _ReadError(DeadlineKind.UNKNOWN, f"năm bắt đầu {first} sau năm kết thúc {last}")
    due = date(last, 12, 31)
    reason = f"Giai đoạn {first} - {last} → từ 01/01/{first} đến hết ngày {format_date(due)}"
    return Deadline(
        seg.text,
        DeadlineKind.YEAR_RANGE,
        due=due,
        start=date(first, 1, 1),
        resolved=True,
        reason=reason,
    )


def _as_span(seg: _Seg, ctx: _Ctx) -> Deadline | None:
    """A span ("Từ tháng 3 đến tháng 6/2024", "Từ nay đến hết năm 2024") is due at its end."""
    match = _SPAN.fullmatch(seg.key) or _SPAN_BARE.fullmatch(seg.key)
    if match is None:
        return None
    end = _read_period(match["b"], ctx)
    if end is None or len(end.items) != 1:
        return None
    last = end.items[0]
    start = None if match["a"] == "nay" else _read_single(match["a"], _Ctx(last.end.year, False))
    if start is None and match["a"] != "nay":
        return None
    if start is not None and start.start > last.end:
        raise _ReadError(DeadlineKind.UNKNOWN, "ngày bắt đầu sau ngày kết thúc")
    opening = f"từ {format_date(start.start)} " if start else ""
    reason = f"{opening}đến hết ngày {format_date(last.end)}" + _year_note(end.assumed, ctx)
    return Deadline(
        seg.text,
        end.kind,
        due=last.end,
        start=start.start if start else None,
        resolved=True,
        reason=reason[0].upper() + reason[1:],
        year_assumed=end.assumed and ctx.from_plan,
    )


_BEFORE = re.compile(
    r"(?:(?:hoan thanh|xong|muc tieu)\s+)*(?P<op>cham nhat(?:\s+la)?|han chot(?:\s+la)?|khong qua"
    r"|khong muon hon|den het|den|truoc)\s*:?\s*"
)


def _before_due(key: str, ctx: _Ctx) -> tuple[date, str, bool] | None:
    """Due by a date: "trước ngày X" ends the day before X; "chậm nhất ngày X" ends on X."""
    ops: list[str] = []
    while match := _BEFORE.match(key):
        ops.append(match["op"])
        key = key[match.end() :]
    reading = _read_period(key, ctx) if ops else None
    if reading is None or len(reading.items) != 1:
        return None
    item = reading.items[0]
    label = item.label[0].lower() + item.label[1:]
    if "truoc" in ops:
        due = item.start - timedelta(days=1)
        where = (
            "ngày liền trước"
            if reading.kind is DeadlineKind.DATE
            else "ngày liền trước khi bắt đầu"
        )
        return due, f"Trước {label} → hết ngày {format_date(due)} ({where})", reading.assumed
    return item.end, f"Chậm nhất {label} → hết ngày {format_date(item.end)}", reading.assumed


def _as_before(seg: _Seg, ctx: _Ctx) -> Deadline | None:
    found = _before_due(seg.key, ctx)
    if found is None:
        return None
    due, reason, assumed = found
    return Deadline(
        seg.text,
        DeadlineKind.BEFORE_DATE,
        due=due,
        resolved=True,
        reason=reason + _year_note(assumed, ctx),
        year_assumed=assumed and ctx.from_plan,
    )


def _as_period(seg: _Seg, ctx: _Ctx) -> Deadline | None:
    reading = _read_period(seg.key, ctx)
    return _from_reading(seg.text, reading, ctx) if reading else None


_READERS: tuple[Callable[[_Seg, _Ctx], Deadline | None], ...] = (
    _as_conditional,
    _as_reference,
    _as_continuous,
    _as_recurring,
    _as_year_range,
    _as_span,
    _as_before,
    _as_period,
)


def _unknown(text: str) -> Deadline:
    why = (
        "không đọc được thành thời hạn: cần ghi ngày (vd. 31/10/2025), tháng, quý, năm"
        " hoặc chu kỳ (vd. hằng năm)"
    )
    return _unresolved(text, DeadlineKind.UNKNOWN, why)


def _classify(seg: _Seg, ctx: _Ctx) -> Deadline | None:
    """The first reader that understands the piece; None when none does."""
    try:
        for reader in _READERS:
            result = reader(seg, ctx)
            if result is not None:
                return result
    except _ReadError as error:
        return Deadline(seg.text, error.kind, reason=f"«{seg.text}»: {error.message}")
    return None


# --- conditions and notes attached to a deadline ---------------------------------------------

_PAREN = re.compile(r"\(([^()]*)\)")
_CONDITION_WORD = re.compile(
    r"\s*(?:ngay\s+)?(?:sau khi|khi|neu|truong hop|tuy theo|tuy thuoc|cho)\b"
)
_TAIL_QUALIFIER = re.compile(rf"(?:\s*,\s*|\s+)(?=(?:sau khi|khi|neu|truong hop|{_THEO})\b)")


@dataclass(frozen=True)
class _Qualified:
    body: _Seg
    conditions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _qualify(seg: _Seg) -> _Qualified:
    """Take out "(khi có hướng dẫn của Tỉnh)", "(theo phân kỳ)" and ", khi …" tails."""
    body = seg
    conditions: list[str] = []
    notes: list[str] = []
    while match := _PAREN.search(body.key):
        inner = body.cut(match.start(1), match.end(1)).stripped()
        (conditions if _CONDITION_WORD.match(inner.key) else notes).append(inner.text)
        body = _Seg(
            body.text[: match.start()] + body.text[match.end() :],
            body.key[: match.start()] + body.key[match.end() :],
        )
    tail = None if _starts_unresolved(body.key) else _TAIL_QUALIFIER.search(body.key)
    if tail is not None and tail.start() > 0:
        rest = body.cut(tail.end(), len(body.key)).stripped()
        (conditions if _CONDITION_WORD.match(rest.key) else notes).append(rest.text)
        body = body.cut(0, tail.start())
    body = body.stripped()
    if not body.key:  # the whole cell was in brackets: read what is inside
        unwrap = str.maketrans("()", "  ")
        return _Qualified(_Seg(seg.text.translate(unwrap), seg.key.translate(unwrap)).stripped())
    return _Qualified(body, tuple(conditions), tuple(notes))


def _starts_unresolved(key: str) -> bool:
    return any(p.match(key) for p in (_CONDITIONAL, _REFERENCE, _CONTINUOUS))


def _read_part(seg: _Seg, ctx: _Ctx) -> Deadline | None:
    """One deadline: its qualifiers taken out, the rest classified, the qualifiers put back."""
    seg = seg.stripped()
    qualified = _qualify(seg)
    result = _classify(qualified.body, ctx)
    if result is None:
        return None
    if not result.resolved:
        # Quote the whole piece, qualifiers included: that is what has to be rewritten.
        reason = result.reason.replace(f"«{qualified.body.text}»", f"«{seg.text}»", 1)
        return replace(result, phrase=seg.text, reason=reason)
    reason = result.reason
    reason += "".join(f"; kèm điều kiện «{c}»" for c in qualified.conditions)
    reason += "".join(f"; ghi chú «{n}»" for n in qualified.notes)
    condition = "; ".join(qualified.conditions) or None
    return replace(result, phrase=seg.text, reason=reason, condition=condition)


# --- cells with several deadlines ----------------------------------------------------------

_HARD_SPLIT = re.compile(r"\n|;")
_BULLET = re.compile(r"(?:^|\s)[-+•]\s+(?=[^\d\s])(?!(?:iv|iii|ii|i)\b)")
_LIST_SPLIT = re.compile(
    r"(?:,|\.|\s+va\b)\s*(?=(?:qu[yi]|thang|ngay|truoc|cham nhat|han chot|khong qua"
    r"|(?:6|sau)\s*thang|giai doan)\b)"
)
_FALLBACK_SPLIT = re.compile(r"\s*[,&]\s*|\s+va\s+|\s+-\s+")
_SPAN_START = re.compile(r"[-+•\s]*(?:tu|giai doan)\b")
_FOUR_DIGITS = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _pieces(seg: _Seg) -> list[_Seg]:
    """Lines, ";", bullets ("- Quý I/2023 - Trước ngày …") and ", Quý …" lists."""
    pieces = seg.split(_HARD_SPLIT)
    pieces = [p for piece in pieces for p in _split_bullets(piece)]
    return [p for piece in pieces for p in _split_list(piece)]


def _split_bullets(seg: _Seg) -> list[_Seg]:
    # "Từ năm 2026 - năm 2030" is one range, not two bullets.
    # "Năm 2026 - năm 2030" too.
    if _SPAN_START.match(seg.key) or _YEAR_RANGE.fullmatch(seg.key):
        return [seg]
    return seg.split(_BULLET)


def _split_list(seg: _Seg) -> list[_Seg]:
    # "Hằng năm, trước ngày 15/12" is one recurrence, not a recurrence and a date.
    return [seg] if _CYCLE.search(seg.key) else seg.split(_LIST_SPLIT)


def _explicit_year(key: str) -> int | None:
    years = [int(y) for y in _FOUR_DIGITS.findall(key) if 1900 <= int(y) <= 2199]
    return years[-1] if years else None


def _contexts(pieces: list[_Seg], plan: _Ctx) -> list[_Ctx]:
    """A piece without a year takes the next piece's ("Tháng 3, tháng 9/2024"), else the plan's."""
    found = [_explicit_year(piece.key) for piece in pieces]
    contexts = []
    for index in range(len(pieces)):
        later = next((y for y in found[index + 1 :] if y is not None), None)
        contexts.append(replace(plan, year=later, from_plan=False) if later else plan)
    return contexts


def _read_pieces(pieces: list[_Seg], plan: _Ctx) -> list[Deadline]:
    contexts = _contexts(pieces, plan)
    return [d for piece, ctx in zip(pieces, contexts, strict=True) for d in _read_piece(piece, ctx)]


def _read_piece(seg: _Seg, ctx: _Ctx) -> list[Deadline]:
    """One piece; when it is not understood whole, try it as a plain list ("2024, 2025")."""
    result = _read_part(seg, ctx)
    if result is not None:
        return [result]
    pieces = seg.split(_FALLBACK_SPLIT)
    plan = replace(ctx, from_plan=True)
    parts = [_read_part(p, c) for p, c in zip(pieces, _contexts(pieces, plan), strict=True)]
    known = [part for part in parts if part is not None]
    if len(pieces) > 1 and len(known) == len(parts):
        return known
    return [_unknown(seg.stripped().text)]


def _milestones_of(part: Deadline) -> tuple[Milestone, ...]:
    if part.milestones:
        return part.milestones
    return (Milestone(part.due, part.phrase, part.kind),) if part.due else ()


def _combine(phrase: str, parts: list[Deadline]) -> Deadline:
    """Several deadlines in one cell: milestones in date order, due on the latest."""
    if len(parts) == 1:
        return replace(parts[0], phrase=phrase)
    milestones = tuple(sorted((m for p in parts for m in _milestones_of(p)), key=lambda m: m.due))
    kinds = {p.kind for p in parts}
    due = milestones[-1].due if milestones else None
    starts = [p.start for p in parts if p.start]
    reason = "; ".join(p.reason for p in parts)
    if due is not None:
        reason += f"; hạn cuối {format_date(due)}"
    return Deadline(
        phrase=phrase,
        kind=kinds.pop() if len(kinds) == 1 else DeadlineKind.MULTIPLE,
        due=due,
        start=min(starts, default=None),
        milestones=milestones,
        recurrence=next((p.recurrence for p in parts if p.recurrence), None),
        resolved=all(p.resolved for p in parts),
        reason=reason,
        condition="; ".join(p.condition for p in parts if p.condition) or None,
        year_assumed=any(p.year_assumed for p in parts),
    )


# --- deadlines written in the task text ----------------------------------------------------

_TASK_DEADLINE = re.compile(
    r"(?:(?:hoan thanh|xong)\s+)*"
    r"(?:cham nhat|han chot|khong qua|khong muon hon|truoc|den het|den|vao"
    r"|trong(?=\s+(?:thang|qu[yi])))"
    r"\s+(?:ngay\s*)?"
    r"(?:\d{1,2}\s*thang\s*\d{1,2}(?:\s*,?\s*nam\s*\d{4})?"
    r"|\d{1,2}/\d{1,2}(?:/(?:\d{4}|\d{2}))?"
    r"|\d{1,2}([.-])\d{1,2}\1\d{4}"
    r"|thang\s*\d{1,2}(?:\s*(?:/|nam)\s*\d{4})?"
    r"|qu[yi]\s*(?:iv|iii|ii|i|[1-4])(?:\s*(?:/|nam)\s*\d{4})?"
    r"|nam\s*\d{4}(?:\s*-\s*(?:nam\s*)?\d{4})?)(?![\d/])"
    r"|hoan thanh(?:\s+xong)?\s+trong\s+nam\s*\d{4}(?!\d)"
)
# "… trước ngày 15/12 hằng năm": the date recurs.
_CYCLE_AFTER = re.compile(r"\s*,?\s*(?:hang|moi)\s+(?:nam|quy|thang)\b")
# "đến năm 2030" that ends another document's name or horizon ("Chương trình … đến năm
# 2030", "giai đoạn 2022 - 2025, tầm nhìn đến năm 2030"), not a deadline of the task.
_HORIZON_OP = re.compile(r"den(?:\s+het)?\s+nam\b")
_HORIZON_WORDS = re.compile(r"(?:tam nhin|dinh huong)\s*$")
_DOCUMENT_WORDS = re.compile(
    r"\b(?:chuong trinh|ke hoach|quyet dinh|nghi quyet|de an|chien luoc|giai doan|chi thi)\b"
)
_CLAUSE_END = re.compile(r"[;.:(\n]")

_CYCLE_WORD = r"(?:(?:6|sau)\s*thang|nam|quy(?!\s+dinh)|thang|tuan)"  # not "quy định"
_CYCLE_LIST = rf"{_CYCLE_WORD}(?:\s*,\s*(?:(?:hang|moi)\s+)?{_CYCLE_WORD})*"
# A recurrence the task opens with ("Hằng năm, tổ chức …", "Định kỳ 6 tháng báo cáo …"),
# or one said with "định kỳ" anywhere ("báo cáo định kỳ hằng quý, 6 tháng, năm").
_TASK_RECURRING = re.compile(rf"[-+•\s]*((?:dinh ky\s+)?(?:hang|moi)\s+{_CYCLE_LIST})\b")
_TASK_DINH_KY = re.compile(rf"\bdinh ky\s+(?:(?:hang|moi)\s+)?{_CYCLE_LIST}\b")


def _task_deadlines(task: _Seg) -> list[_Seg]:
    """The deadline phrases of a task text, each with the recurrence that follows it; a
    document's horizon is left out."""
    found: list[_Seg] = []
    for match in _TASK_DEADLINE.finditer(task.key):
        if _is_horizon(task.key, match):
            continue
        end = match.end()
        if cycle := _CYCLE_AFTER.match(task.key, end):
            end = cycle.end()
        found.append(task.cut(match.start(), end))
    return found


def _is_horizon(key: str, match: re.Match[str]) -> bool:
    if not _HORIZON_OP.match(key, match.start()):
        return False
    before = key[: match.start()]
    clause = before[max((m.end() for m in _CLAUSE_END.finditer(before)), default=0) :]
    return bool(_HORIZON_WORDS.search(before) or _DOCUMENT_WORDS.search(clause))


def _task_recurrences(task: _Seg) -> list[_Seg]:
    """The recurrences of a task text: the one it opens with, and any said with "định kỳ"."""
    spans = [(m.start(1), m.end(1)) for m in (_TASK_RECURRING.match(task.key),) if m]
    spans += [
        (m.start(), m.end())
        for m in _TASK_DINH_KY.finditer(task.key)
        if not any(start <= m.start() < end for start, end in spans)
    ]
    return [task.cut(start, end) for start, end in spans]


def _from_task_text(task_text: str, plan: _Ctx) -> Deadline | None:
    """An empty cell whose task says "… chậm nhất ngày 15/01/2026": use that, and say so.

    Only explicit deadline words count ("chậm nhất", "trước ngày", "hoàn thành trong tháng",
    "vào năm"), and a recurrence only when the task opens with it ("Hằng năm, tổ chức …") or
    says it with "định kỳ": "hằng năm" elsewhere ("dự toán hằng năm") says nothing about when
    the task is due. The horizon of a document the task names is not its deadline.
    """
    task = _seg(_normalise(task_text).replace("\n", " "))
    found = _task_recurrences(task) + _task_deadlines(task)
    if not found:
        return None
    parts = [part for seg in found if (part := _read_part(seg, plan)) is not None]
    if not parts:
        return None
    result = _combine("", parts)
    quoted = ", ".join(f"«{seg.text}»" for seg in found)
    reason = f"Ô thời hạn trống; lấy từ nội dung nhiệm vụ {quoted}: {result.reason}"
    return replace(result, phrase="", reason=reason)


# --- the entry point ------------------------------------------------------------------------


def parse_deadline(
    text: str, *, year: int | None = None, task_text: str = "", weekly_due: int = FRIDAY
) -> Deadline:
    """Read a deadline cell.

    ``year`` is the plan's year, used when the cell omits one (``year_assumed`` is then set);
    ``task_text`` is searched only when the cell is empty; ``weekly_due`` is the ISO weekday
    (1 = Monday) a weekly deadline falls on when the words name none. Never raises on any
    input: what is not understood comes back unresolved with a Vietnamese reason quoting
    the cell.
    """
    phrase = clean(text)
    cell = _seg(_normalise(text)).stripped()
    plan = _Ctx(year, weekday=weekly_due)
    if not cell.key:
        found = _from_task_text(task_text, plan)
        return found or Deadline(phrase, DeadlineKind.NONE, reason="Chưa ghi thời hạn")
    return _combine(phrase, _read_pieces(_pieces(cell), plan))
