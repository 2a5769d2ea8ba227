"""Propose tasks from the text of an assigning document, by rules that can be explained.

A commune's tasks often come outside plan tables (domain brief §9): the Chairman's
conclusions after a meeting ("Thông báo kết luận": "3. Giao Phòng X chủ trì, phối hợp với Y
…, hoàn thành trước ngày …"), a letter ("Công văn": "Chủ tịch UBND xã yêu cầu: 1. Phòng Kinh
tế: - … - …"), or a plan written in prose ("- …" bullets, then "Cơ quan chủ trì: …",
"Thời gian: …"). ``read_document_text`` reads such text and proposes one task per
assignment; every other paragraph is set aside with the reason, in Vietnamese.

How a document is read:

1. Lines: Markdown marks ("##", "**") are dropped; a line holding two columns of a page
   (the header "ỦY BAN NHÂN DÂN      CỘNG HÒA …", "Nơi nhận:      TL. CHỦ TỊCH") keeps them.
2. Paragraphs: lines are joined when text copied from a PDF broke a sentence (the line
   does not end a sentence, and the next starts in lower case or the line is long).
3. Header and footer: everything up to the subject line (number, place and date, the kind
   of document, "V/v", "Kính gửi") and from "Nơi nhận" or the signature on is the
   document's furniture; ``DocumentHeader`` is read from it.
4. Outline: item numbers ("II.", "2.1.", "3.", "a)", "-", "+") give the nesting. A
   numbered heading that names a unit ("2.1. Phòng Văn hóa - Xã hội", "1. Phòng Kinh tế:",
   "1. Trách nhiệm của Chủ tịch UBND xã") or gives one ("3. Giao Phòng X thực hiện các nội
   dung sau:", "… yêu cầu Thủ trưởng các phòng, ban … thực hiện một số nội dung sau:")
   leads the items under it. Headings of objectives, targets, requirements and funds
   ("Mục tiêu", "Yêu cầu", "Kinh phí") hold no task.
5. Items: each item (a clause of it when "…; giao …" starts a second assignment) is either
   set aside (closing words, meeting narrative, an assessment, an approval, a prohibition,
   an accountability statement, a request to a body outside the Committee), or read: its
   lead ("Giao X …", "Giao đồng chí <name>, <title> …", "X: …", a unit as the subject, or
   the heading above), coordinators ("phối hợp với …"), deadline words, expected product.
6. Labels: "Cơ quan chủ trì:", "Đơn vị phối hợp:", "Thời gian thực hiện:", "Sản phẩm:"
   lines (or a bare "Hoàn thành trước ngày …") fill what the items above them lack; an item
   followed only by such lines is itself the task.

Deadline words are found, not parsed (``engine.calendar.deadlines`` reads them later): a
date after "trước", "chậm nhất", "trong", "vào"; a range "từ ngày … đến ngày …"; a month,
quarter or year after "trong"; "hằng tháng" and the like where they say when the work
recurs (not "dự toán năm 2025", "02 lần/tháng", "Kế hoạch … hằng năm"); "Thường xuyên" at
the start of a clause; a condition "khi có …". The product is a document the sentence
makes or submits ("tham mưu ban hành Kế hoạch …" → "Kế hoạch", "xây dựng Tờ trình và dự
thảo Nghị quyết" → "Tờ trình; Dự thảo Nghị quyết"), else a % target ("đạt trên 95%"), else
a report ("báo cáo kết quả …" → "Báo cáo"). Units are matched on a folded key (lower case,
no diacritics, same length as the text) and cut from the text as written; whether they
exist is for ``engine.directory.unit_cells`` to say later.

Pure: no database, no clock, no network. Input is capped (1 MB, 20 000 lines; a paragraph
over 10 000 characters is set aside unread) and every regular expression is linear (no
nested quantifiers over the same characters, bounded repeats over free text).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import islice, pairwise
from pathlib import Path
from typing import Any

from engine.errors import ImportFileError, Location, Problem
from engine.importing.tables import docx_body, docx_cell_text, docx_paragraph_text
from engine.text import clean, fold_aligned

__all__ = [
    "MAX_BYTES",
    "MAX_LINES",
    "DocumentHeader",
    "DocumentReading",
    "Proposal",
    "Skipped",
    "docx_text",
    "read_document_text",
]

_W_TR = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tr"
_W_TC = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tc"

MAX_BYTES = 1_048_576
MAX_LINES = 20_000
MAX_ITEM = 10_000  # characters: a longer paragraph is not read as a task
_CAPS_MAX = 300  # characters: a line in capitals longer than this is no heading

# Why a paragraph is not a task.
FURNITURE = "phần đầu/cuối văn bản"
BASIS = "căn cứ ban hành văn bản"
INTRO = "lời dẫn, không giao việc"
MEETING = "diễn biến, thành phần cuộc họp"
HEADING = "tiêu đề mục"
ASSESSMENT = "đánh giá, không giao việc"
APPROVAL = "thống nhất chủ trương, không giao việc"
PROHIBITION = "nghiêm cấm, không giao việc"
ACCOUNTABILITY = "nêu trách nhiệm, không giao việc"
EXTERNAL = "đề nghị cơ quan ngoài UBND xã"
OBJECTIVE = "mục tiêu, yêu cầu, không giao việc"
FUNDS = "nguồn kinh phí, không giao việc"
CLOSING = "lời kết văn bản"
NOTE = "ghi chú"
NO_TASK = "không có nội dung giao việc"
TOO_LONG = f"đoạn văn dài quá {MAX_ITEM} ký tự, không đọc thành nhiệm vụ"

# What a proposal still leaves unclear.
UNCLEAR_LEAD = "chưa rõ đơn vị chủ trì"
UNCLEAR_SEVERAL = "nhiều đơn vị cùng chủ trì"
UNCLEAR_DEADLINE = "chưa có thời hạn"
UNCLEAR_PRODUCT = "chưa rõ sản phẩm"


@dataclass(frozen=True)
class Proposal:
    """One task read from the document.

    ``ref`` is the item's own number ("3", "1.2", "a"), or the number of the item it sits
    under, made unique with ".1", ".2" …; ``words`` is the text it was read from (the
    heading that names its lead, then the item; a clause when an item holds two
    assignments); ``line`` is the line where the item itself starts.
    """

    ref: str
    work: str
    lead: str
    coordinators: str
    deadline: str
    product: str
    person: str
    words: str
    line: int
    unclear: tuple[str, ...]
    person_title: str = ""  # "Phó Chủ tịch UBND xã" when a person leads
    # The headings the item sits under, innermost first ("b) Nhiệm vụ", "1. Cải cách thể
    # chế:"): where a plan in prose says the task's CCHC area.
    sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """A paragraph (or clause) that is not a task, and why."""

    line: int
    words: str
    reason: str


@dataclass(frozen=True)
class Attached:
    """The document a plan came with, as its caption says: "(Kèm theo Quyết định số:
    465/QĐ-UBND ngày 23 tháng 4 năm 2026 …)" → ("Quyết định", "465/QĐ-UBND", 23/04/2026)."""

    word: str
    number: str
    issued_on: date | None


@dataclass(frozen=True)
class DocumentHeader:
    """What the document says about itself. ``kind`` uses the values of
    ``engine.store.models.DocumentKind`` ("thong_bao_ket_luan", "cong_van", "ke_hoach");
    ``attached`` is the document it was issued with, when its caption names one."""

    kind: str | None
    number: str
    issued_on: date | None
    signer: str
    title: str
    attached: Attached | None = None


@dataclass(frozen=True)
class DocumentReading:
    """The header, the proposed tasks in document order, and what was set aside."""

    header: DocumentHeader
    proposals: tuple[Proposal, ...]
    skipped: tuple[Skipped, ...]


def read_document_text(text: str, *, source: str = "") -> DocumentReading:
    """Read an assigning document and propose its tasks.

    ``source`` names the text in error messages. Raises ``ImportFileError`` when the text
    is over ``MAX_BYTES`` or ``MAX_LINES``.
    """
    _check_size(text, source)
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    try:
        lines = _lines(text)
        paras = _paragraphs(lines)
        zones = _zones(paras)
        header = _read_header(paras, zones)
        proposals, skipped = _Reader(paras, zones).read()
    finally:
        _key.cache_clear()
    return DocumentReading(header, tuple(proposals), tuple(skipped))


def docx_text(path: Path) -> str:
    """The paragraphs of a ``.docx`` as lines, in body order; a table's rows become lines
    whose cells are set four spaces apart (as a two-column header copied from a PDF)."""
    body = docx_body(path)
    lines: list[str] = []
    for block in body if body is not None else ():
        tag = block.tag.rsplit("}", 1)[-1] if isinstance(block.tag, str) else ""
        if tag == "p":
            lines.append(docx_paragraph_text(block))
        elif tag == "tbl":
            lines.extend(_docx_table_lines(block))
    return "\n".join(lines)


def _docx_table_lines(table: Any) -> Iterator[str]:
    for row in table.iterchildren(_W_TR):
        cells = [docx_cell_text(tc).split("\n") for tc in row.iterchildren(_W_TC)]
        depth = max((len(cell) for cell in cells), default=0)
        for index in range(depth):
            parts = [cell[index].strip() if index < len(cell) else "" for cell in cells]
            yield "    ".join(parts).rstrip()
    yield ""


def _check_size(text: str, source: str) -> None:
    size = len(text.encode("utf-8", errors="replace"))
    lines = text.count("\n") + 1 - text.endswith("\n")
    reason = ""
    if size > MAX_BYTES:
        reason = f"văn bản dài {size} byte, quá giới hạn 1 MB ({MAX_BYTES} byte)"
    elif lines > MAX_LINES:
        reason = f"văn bản có {lines} dòng, quá giới hạn {MAX_LINES} dòng"
    if reason:
        where = f" {source}" if source else ""
        raise ImportFileError(
            f"Không đọc được văn bản{where}: {reason}; hãy chỉ gửi phần giao nhiệm vụ",
            [Problem(Location(file=source or None), reason)],
        )


# ---------------------------------------------------------------------------------------
# Keys: lower case without diacritics, character for character
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _key(text: str) -> str:
    """``text`` in lower case without diacritics, "đ" as "d", of the same length, so a span
    found in the key is the same span of the text. Cached while one document is read (a
    paragraph's key is asked for by several rules); emptied after it."""
    return fold_aligned(text)


def _all_caps(text: str) -> bool:
    """A heading or header line in capitals ("THÔNG BÁO", "II. NHIỆM VỤ TRỌNG TÂM")."""
    if len(text) > _CAPS_MAX or text.upper() != text:
        return False
    letters = islice((c for c in text if c.isalpha()), 3)
    return sum(1 for _ in letters) == 3


def _first_letter(text: str) -> str:
    return next((c for c in text if c.isalpha()), "")


# ---------------------------------------------------------------------------------------
# Lines and paragraphs
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    raw: str  # as written, without the spaces around it
    text: str  # Markdown marks dropped, white space cleaned
    columns: tuple[str, ...]  # parts set four or more spaces apart


_ODD_SPACE = re.compile(r"[\u00a0\u2028\u2029\u200b\ufeff]")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}(?=[\s*]|$)\s*")
_MD_BULLET = re.compile(r"^(\s*)\*\s+")
_MD_ESCAPE = re.compile(r"\\([\\.\-*_#()\[\]+!])")
_COLUMN_GAP = re.compile(r" {4,}")


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        plain = _plain(raw)
        parts = (clean(part) for part in _COLUMN_GAP.split(plain.strip()))
        lines.append(_Line(number, raw.strip(), clean(plain), tuple(p for p in parts if p)))
    return lines


def _plain(raw: str) -> str:
    """The line without Markdown marks ("## ", "**", "* " bullets, "\\." escapes)."""
    text = _ODD_SPACE.sub(" ", raw).replace("\t", "    ")
    text = _MD_BULLET.sub(r"\1- ", _MD_HEADING.sub("", text))
    text = text.replace("*", "").replace("__", "")
    return _MD_ESCAPE.sub(r"\1", text)


@dataclass(eq=False)
class _Para:
    lines: list[_Line]
    standalone: bool
    text: str = ""
    starts: list[int] = field(default_factory=list)

    def add(self, line: _Line) -> None:
        if self.text:
            self.text += " "
        self.starts.append(len(self.text))
        self.text += line.text
        self.lines.append(line)

    @property
    def raw(self) -> str:
        return "\n".join(line.raw for line in self.lines)

    @property
    def number(self) -> int:
        return self.lines[0].number

    def line_at(self, offset: int) -> int:
        return self.lines[max(0, bisect_right(self.starts, offset) - 1)].number


_MARKER = re.compile(
    r"(?P<roman>[IVXL]{1,5})[.)]\s+"
    r"|(?P<multi>\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+"
    r"|(?P<num>\d{1,2})[.)]\s*(?=[^\W\d_])"
    r"|(?P<letter>[a-zđ])[.)]\s+"
    r"|(?P<upper>[A-ZĐ])[.)]\s+"
    r"|\((?P<paren>\d{1,2})\)\s+"
    r"|(?P<bullet>[-–—+•●▪◦∙])(?:\s+|(?=[^\W\d_]))"
)
_BULLET_STYLES = {"-": "-", "–": "-", "—": "-", "+": "+"}
_TERMINAL = (".", ";", ":", "!", "?")
_FURNITURE_LINE = re.compile(
    r"(?:so ?:|v/v\b|kinh gui\b|noi nhan\b|(?:tm|kt|tl|q|tuq)\. |-? ?luu ?:|cong hoa xa hoi"
    r"|doc lap ?[-–] ?tu do|\(kem theo|[-_=.]{3,}$)"
)
_PLACE_DATE = re.compile(r"[a-z][^,\d]{0,40}, ngay (\d{1,2}) thang (\d{1,2}) nam (\d{4})")


@dataclass(frozen=True, slots=True)
class _Mark:
    style: str | None  # "roman", "multi2", "num", "letter", "upper", "paren", "-", "+", "•"
    ref: str
    end: int


def _mark(text: str) -> _Mark:
    found = _MARKER.match(text)
    if not found:
        return _Mark(None, "", 0)
    name = found.lastgroup or ""
    value = found.group(name)
    if name == "bullet":
        return _Mark(_BULLET_STYLES.get(value, "•"), "", found.end())
    if name == "multi":
        return _Mark(f"multi{value.count('.') + 1}", value, found.end())
    return _Mark(name, value, found.end())


@dataclass(frozen=True)
class _Layout:
    """How long the document's lines run: text copied from a PDF is cut at the page width."""

    long_line: int  # a line this long was probably cut by the page, not ended by the writer
    full_line: int  # in a page-wide layout, a line this long may end a sentence mid-paragraph
    wrapped: bool  # the text is cut at the page width

    @classmethod
    def of(cls, lines: list[_Line]) -> _Layout:
        lengths = sorted(len(line.text) for line in lines if line.text)
        if not lengths:
            return cls(40, 40, False)
        width = lengths[int(0.9 * (len(lengths) - 1))]
        wrapped = len(lengths) >= 20 and width <= 110
        return cls(max(40, int(0.6 * width)), int(0.85 * width), wrapped)


def _paragraphs(lines: list[_Line]) -> list[_Para]:
    layout = _Layout.of(lines)
    paras: list[_Para] = []
    current: _Para | None = None
    for line in lines:
        if not line.text:
            current = None
            continue
        alone = _standalone(line)
        if current is not None and _continues(current, line, alone, layout):
            current.add(line)
            continue
        current = _Para([], alone)
        current.add(line)
        paras.append(current)
    return paras


def _standalone(line: _Line) -> bool:
    """A line that never joins another: a header or footer line, a label, a heading in
    capitals, a Roman-numbered section."""
    if len(line.columns) > 1 or _all_caps(line.text):
        return True
    mark = _mark(line.text)
    body = _key(line.text[mark.end :])
    return (
        mark.style == "roman"
        or bool(_FURNITURE_LINE.match(_key(line.text)))
        or bool(_PLACE_DATE.match(_key(line.text)))
        or bool(_LABEL.match(body))
    )


def _continues(para: _Para, line: _Line, alone: bool, layout: _Layout) -> bool:
    """True when ``line`` goes on with the paragraph ``para`` (text copied from a PDF)."""
    if para.standalone:
        return False
    last = para.lines[-1].text
    ended = last.endswith(_TERMINAL)
    mark = _mark(line.text)
    first = _first_letter(line.text[mark.end :])
    if alone:
        # a few words in capitals carried over ("… phụ trách mảng Văn Phòng" / "HĐND- UBND")
        short = len(line.text.split()) <= 3 and len(line.columns) <= 1 and not mark.style
        return short and _all_caps(line.text) and not ended and len(last) >= layout.long_line
    if mark.style:
        return first.islower() and not ended
    if first.islower():
        return True
    if ended:
        # a sentence ended at the end of a page-wide line, the paragraph goes on
        return layout.wrapped and last.endswith(".") and len(last) >= layout.full_line
    return line.text[0].isdigit() or line.text[0] in "(,;)" or len(last) >= layout.long_line


# ---------------------------------------------------------------------------------------
# Header and footer
# ---------------------------------------------------------------------------------------

_KINDS = {
    "thong bao": "thong_bao_ket_luan",
    "thong bao ket luan": "thong_bao_ket_luan",
    "ke hoach": "ke_hoach",
    "cong van": "cong_van",
}
_TOP = 30  # the kind of document is named within the first paragraphs
_BODY_START = re.compile(r"(?:can cu|kinh gui)\b")
_SIGNATURE = re.compile(
    r"(?:(?:tm|kt|tl|q|tuq)\. |(?:pho )?chu tich\b|(?:pho )?chanh van phong\b"
    r"|(?:pho )?giam doc\b|(?:pho )?truong phong\b)"
)


@dataclass(frozen=True)
class _Zones:
    body: int  # index of the first paragraph after the header
    footer: int  # index of the first paragraph of the footer (len(paras) when none)
    kind_at: int | None  # the paragraph naming the kind of document
    title: tuple[int, ...]  # the paragraphs of the subject line


def _zones(paras: list[_Para]) -> _Zones:
    kind_at = next((i for i, p in enumerate(paras[:_TOP]) if _kind_word(p.text) is not None), None)
    index = 0 if kind_at is None else kind_at + 1
    title: list[int] = []
    if kind_at is not None and index < len(paras) and _subject(paras[index]):
        title.append(index)
        index += 1
        while index < len(paras) and _first_letter(paras[index].text).islower():
            title.append(index)  # the subject goes on after a blank line
            index += 1
    index = _skip_header(paras, index)
    footer = next((i for i in range(index, len(paras)) if _footer_start(paras[i])), len(paras))
    return _Zones(index, footer, kind_at, tuple(title))


def _subject(para: _Para) -> bool:
    """The paragraph after the kind of document is its subject, unless the body starts."""
    return not _header_para(para) and not _BODY_START.match(_key(para.text))


def _kind_word(text: str) -> str | None:
    if not _all_caps(text):
        return None
    return _KINDS.get(_key(text).strip(" .:"))


def _skip_header(paras: list[_Para], index: int) -> int:
    """The first paragraph after the header lines (and a "Kính gửi:" list) from ``index``."""
    addressees = False
    while index < len(paras):
        para = paras[index]
        if _header_para(para):
            addressees = _key(para.text).startswith("kinh gui") and para.text.endswith(":")
        elif not (addressees and _mark(para.text).style in _BULLET_STYLES.values()):
            break
        index += 1
    return index


def _header_para(para: _Para) -> bool:
    key = _key(para.text)
    if any(len(line.columns) > 1 for line in para.lines):
        return True
    if _all_caps(para.text) and _mark(para.text).style is None:
        return True
    return bool(_FURNITURE_LINE.match(key) or _PLACE_DATE.match(key))


def _footer_start(para: _Para) -> bool:
    first = _key(para.lines[0].columns[0] if para.lines[0].columns else para.text)
    if first.startswith("noi nhan") or re.match(r"(?:tm|kt|tl|q|tuq)\. ", first):
        return True
    return _all_caps(para.text) and bool(_SIGNATURE.fullmatch(first.strip(" .:")))


def _read_header(paras: list[_Para], zones: _Zones) -> DocumentHeader:
    top = [column for p in paras[: zones.body] for line in p.lines for column in line.columns]
    number = next((n for n in map(_number, top) if n is not None), "")
    subject = next((c for c in top if _key(c).startswith("v/v")), "")
    kind = _kind_word(paras[zones.kind_at].text) if zones.kind_at is not None else None
    kind = kind or _kind_from(number, subject)
    title = " ".join(paras[i].text for i in zones.title)
    if not title and subject:
        title = subject[3:].lstrip(" :")
    return DocumentHeader(
        kind=kind,
        number=number,
        issued_on=next((d for d in map(_issued_on, top) if d is not None), None),
        signer=_signer(paras[zones.footer :]),
        title=title,
        attached=_attached(paras[:_CAPTION_PARAS]),
    )


# "(Ban hành kèm theo Quyết định số: 465/QĐ-UBND ngày 23 tháng 4 năm 2026 của …)"
_CAPTION = re.compile(
    r"kem theo\s+(?P<word>quyet dinh|ke hoach|nghi quyet|chi thi|thong bao|cong van)"
    r"\s+so\s*:?\s*(?P<number>\d+\s*/\s*[^\s,;()]+)"
    r"(?:\s+ngay\s+(?P<d>\d{1,2})\s*(?:/|thang)\s*(?P<m>\d{1,2})\s*(?:/|nam)\s*(?P<y>\d{4}))?"
)
_CAPTION_PARAS = 20  # the caption sits under the title, among the first paragraphs


def _attached(top: Sequence[_Para]) -> Attached | None:
    """The document named by the plan's caption, if it has one."""
    text = "\n".join(p.text for p in top)
    found = _CAPTION.search(_key(text))
    if found is None:
        return None
    word = text[found.start("word") : found.end("word")]
    number = re.sub(r"\s*/\s*", "/", text[found.start("number") : found.end("number")])
    issued_on = None
    if found["y"]:
        try:
            issued_on = date(int(found["y"]), int(found["m"]), int(found["d"]))
        except ValueError:
            issued_on = None
    return Attached(word[:1].upper() + word[1:], number, issued_on)


def _number(column: str) -> str | None:
    key = _key(column)
    found = re.match(r"so ?: ?", key)
    if not found:
        return None
    value = re.sub(r"\s*/\s*", "/", column[found.end() :]).split(" ")[0].strip(" ,;.")
    return value if value[:1].isdigit() else ""


def _issued_on(column: str) -> date | None:
    found = _PLACE_DATE.match(_key(column))
    if not found:
        return None
    day, month, year = (int(part) for part in found.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _kind_from(number: str, subject: str) -> str | None:
    key = _key(number)
    if "/tb-" in key:
        return "thong_bao_ket_luan"
    if "/kh-" in key:
        return "ke_hoach"
    if subject or re.fullmatch(r"\d+/ubnd(?:-[a-z0-9&]+)?", key):
        return "cong_van"
    return None


def _signer(footer: Sequence[_Para]) -> str:
    """The name after the last signature title of the footer ("TM. ỦY BAN NHÂN DÂN",
    "CHỦ TỊCH"), even when "Nơi nhận" shares its lines."""
    columns = [column for p in footer for line in p.lines for column in line.columns]
    last = max(
        (i for i, c in enumerate(columns) if _all_caps(c) and _SIGNATURE.match(_key(c))),
        default=None,
    )
    if last is None:
        return ""
    return next((c for c in columns[last + 1 :] if _is_name(c)), "")


def _is_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 6 and all(
        w.isalpha() and w[0].isupper() and (len(w) == 1 or w[1:].islower()) for w in words
    )


# ---------------------------------------------------------------------------------------
# Words: tokens, unit phrases, verbs
# ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+(?:['&][a-z0-9]+)*|[^\sa-z0-9]")
_WINDOW = 24  # tokens looked at from a position (a phrase is at most _MAX_PHRASE)
_MAX_PHRASE = 18  # tokens in one unit phrase


@dataclass(frozen=True, slots=True)
class _Tok:
    start: int
    end: int
    word: str


def _tokens(key: str, pos: int, limit: int = _WINDOW) -> list[_Tok]:
    return [_Tok(m.start(), m.end(), m.group()) for m in islice(_TOKEN.finditer(key, pos), limit)]


def _capital(text: str, tok: _Tok) -> bool:
    return text[tok.start].isupper()


def _phrases(text: str) -> frozenset[str]:
    """Folded phrases written "a|b|c" over several lines."""
    return frozenset(" ".join(part.split()) for part in text.split("|"))


_LOCALITY = r"(?:thi xa|thi tran|thanh pho|xa|phuong|huyen|quan)"
# The commune's units after NĐ 150/2025, in full and abbreviated: matched whole.
_KNOWN_UNIT = re.compile(
    r"(?:van phong (?:hdnd|hoi dong nhan dan) ?(?:va|&|-|–) ?(?:ubnd|uy ban nhan dan)"
    r"|vp ?hdnd ?(?:va|&|-|–) ?ubnd|vp ubnd|van phong (?:ubnd|uy ban nhan dan)"
    r"|phong kinh te(?:, ha tang va do thi)?"
    r"|phong (?:van hoa|vh) ?(?:-|–|va|&)? ?(?:xa hoi|xh)|phong vhxh"
    r"|(?:trung tam|tt) ?(?:phuc vu hanh chinh cong|pvhcc)|ttpvhcc"
    r"|(?:trung tam|tt) ?(?:dich vu su nghiep cong|dvsnc)|ttdvsnc"
    r"|cong an (?:xa|phuong)|(?:ban chi huy|bch) quan su|bchqs"
    r"|(?:uy ban|ub) ?(?:mat tran to quoc|mttq)(?: viet nam)?|ubmttq(?: viet nam)?)"
    rf"(?: {_LOCALITY})?(?![a-z0-9])"
)
_MULTI_HEADS = tuple(
    tuple(h.split())
    for h in (
        "van phong",
        "trung tam",
        "cong an",
        "ban chi huy",
        "thu truong",
        "chanh van phong",
        "pho chanh van phong",
        "chi huy truong",
        "giam doc",
        "pho giam doc",
        "cong chuc",
        "bo phan",
        "dai truyen thanh",
        "uy ban",
        "to cong tac",
        "thuong truc",
        "doan thanh nien",
        "mat tran",
        "lanh dao",
        "chu tich",
        "pho chu tich",
        "dang uy",
        "kho bac",
        "buu dien",
        "tram y te",
        "ngan hang",
        "chi cuc",
        "hop tac xa",
        "truong phong",
        "pho truong phong",
        "truong cong an",
    )
)
# One-word heads that name a unit only before a capital: "Phòng Kinh tế", not "phòng, chống".
_SINGLE_HEADS = frozenset({"phong", "so", "ban", "to", "truong", "hoi", "doan", "tram", "dai"})
# Abbreviations that name a unit when written in capitals.
_ABBREVIATIONS = frozenset(
    {"vp", "tt", "ttpvhcc", "ttdvsnc", "bch", "bchqs", "ubmttq", "mttq", "ubnd", "hdnd"}
)
# Nouns of a collective phrase ("các phòng, ban, đơn vị"), longest first.
_COLLECTIVE = tuple(
    sorted(
        (
            tuple(n.split())
            for n in (
                "co quan",
                "don vi",
                "phong",
                "ban",
                "nganh",
                "so",
                "bo phan",
                "to chuc",
                "doan the",
                "cong chuc",
                "can bo",
                "thon",
                "xa",
                "phuong",
                "truong",
                "hoi",
                "dia phuong",
                "tram",
                "trung tam",
                "hop tac xa",
                "doanh nghiep",
                "thanh vien",
                "phong ban",
                "ban nganh",
                "chi bo",
            )
        ),
        key=len,
        reverse=True,
    )
)
_VERBS = _phrases(
    """chu tri|phoi hop|tham muu|ra soat|huong dan|xay dung|to chuc|trien khai|thuc hien
    |theo doi|don doc|kiem tra|bao cao|chuan bi|hoan thien|hoan thanh|khan truong|tiep tuc
    |chi dao|nghien cuu|de xuat|tong hop|cap nhat|cong khai|tuyen truyen|ban hanh|tang cuong
    |day manh|quan ly|van hanh|dam bao|bao dam|xu ly|giai quyet|thong ke|kiem soat|lam viec
    |chu dong|nang cao|duy tri|so hoa|bo tri|sap xep|lua chon|phan cong|huy dong|pho bien
    |cu the|kien toan|niem yet|tiep nhan|cung cap|ket noi|hien dai|phat trien|thiet lap
    |thi diem|danh gia|ung dung|tu sua|dau tu|van dong|giam sat|khac phuc|hoan tat|soan thao
    |du thao|thong bao|trang bi|thanh lap|dieu chinh|bo sung|sua doi|ho tro|phan hoi|tra loi
    |tiep thu|tham dinh|dang tai|khao sat|do luong|tap huan|boi duong|dao tao|chiu trach
    |co trach|can cu|dinh ky|thuong xuyen|hang nam|hang thang|hang quy|hang tuan|tap trung
    |uu tien|quan triet|xac dinh|thuc thi|khai thac|su dung|lam sach|xac thuc|dieu hanh
    |quyet liet|kip thoi|nghiem tuc|truc tiep|dang ky|tien hanh|xem xet|dam nhan|thiet ke
    |mua sam|tan dung|tiep can|ket luan|thu thap|chuyen doi|chuyen giao|cai tien|ap dung
    |lay y|doi moi|day nhanh|giai ngan|thanh tra|kiem ke|quyet toan|thanh toan|phat hanh
    |bao ve|phong chong|trao doi|lien he|phoi ket|rut kinh|tong ket|so ket|ra quyet|in phat
    |dua vao|phat dong|tham gia|tich cuc|hoan chinh|tang qua|tham hoi|kiem dem|trao giai"""
)
# One-syllable verbs; "lập" is not one in "công lập".
_VERBS_ONE = frozenset({"lap", "trinh", "gui", "cu", "dua", "giup", "la", "tham", "in"})
_STOP = _phrases(
    """de|ve|tai|theo|nham|khi|truoc|sau|den|tu|trong|cho|voi|neu|do|bang|qua|da|se|dang
    |duoc|tren|phai|cung|nhu|gom|thi|ma|hoac|hay|nhung|cua|nay|khong|chua"""
)
_CONTINUATIONS = (("co", "lien", "quan"), ("lien", "quan"), ("tren", "dia", "ban"))
_JOINERS = frozenset({"-", "–", "&"})


def _verb_at(toks: Sequence[_Tok], index: int) -> bool:
    word = toks[index].word
    if word in _VERBS_ONE:
        return not (word == "lap" and index > 0 and toks[index - 1].word == "cong")
    following = toks[index + 1].word if index + 1 < len(toks) else ""
    return f"{word} {following}".strip() in _VERBS


def _words(toks: Sequence[_Tok], index: int, count: int) -> tuple[str, ...]:
    return tuple([t.word for t in toks[index : index + count]])


def _by_first(phrases: Sequence[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    """Phrases by their first word, longest first, so a lookup tries only a few."""
    table: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted(phrases, key=len, reverse=True):
        table.setdefault(phrase[0], []).append(phrase)
    return table


_HEADS_BY_FIRST = _by_first(_MULTI_HEADS)
_COLLECTIVE_BY_FIRST = _by_first(_COLLECTIVE)


def _longest(table: dict[str, list[tuple[str, ...]]], toks: Sequence[_Tok], index: int) -> int:
    """How many tokens the longest phrase of ``table`` at ``index`` spans (0 when none)."""
    for phrase in table.get(toks[index].word, ()):
        if len(phrase) == 1 or _words(toks, index, len(phrase)) == phrase:
            return len(phrase)
    return 0


def _collective_noun(toks: Sequence[_Tok], index: int) -> int:
    """How many tokens the collective noun at ``index`` spans (0 when none)."""
    return _longest(_COLLECTIVE_BY_FIRST, toks, index)


def _unit_head(text: str, key: str, toks: Sequence[_Tok], i: int, *, listed: bool = False) -> int:
    """The index after the head of a unit phrase at ``toks[i]``, 0 when none starts there.

    ``listed``: after a comma in a list, a bare collective noun ("…, ban, đơn vị") counts.
    """
    named = _named_unit(key, toks, i)
    if named:
        return named
    word = toks[i].word
    if word == "cac" and i + 1 < len(toks):
        noun = _collective_noun(toks, i + 1)
        return i + 1 + noun if noun else 0
    if listed and _collective_noun(toks, i):
        return i + _collective_noun(toks, i)
    if word in _ABBREVIATIONS and any(c.isupper() for c in text[toks[i].start : toks[i].end]):
        return i + 1
    if word in _SINGLE_HEADS and i + 1 < len(toks) and _capital(text, toks[i + 1]):
        return i + 1
    return 0


def _named_unit(key: str, toks: Sequence[_Tok], i: int) -> int:
    """The index after a known unit or a head of several words at ``toks[i]`` (0: none)."""
    known = _KNOWN_UNIT.match(key, toks[i].start)
    if known:
        return next((j for j in range(i, len(toks)) if toks[j].start >= known.end()), len(toks))
    head = _longest(_HEADS_BY_FIRST, toks, i)
    return i + head if head else 0


def _unit_end(text: str, key: str, pos: int) -> int | None:
    """The end (in ``text``) of the unit phrase starting at ``pos``, None when none does.

    A phrase is a head (a known unit, "Phòng", "Trung tâm", "các phòng, ban …") and the
    words after it, up to a verb in lower case, a preposition, a parenthesis or a stop; a
    comma or "và" go on only before another unit or a capital.
    """
    toks = _tokens(key, pos)
    if not toks or toks[0].start != pos:
        return None
    end = _unit_head(text, key, toks, 0)
    if not end:
        return None
    end = _phrase_tail(text, key, toks, end)
    return toks[end - 1].end


def _phrase_tail(text: str, key: str, toks: Sequence[_Tok], j: int) -> int:
    while j < min(len(toks), _MAX_PHRASE):
        word = toks[j].word
        step = _phrase_step(text, key, toks, j, word)
        if not step:
            break
        j += step
    while j > 1 and toks[j - 1].word in {*_JOINERS, "va", ","}:
        j -= 1
    return j


def _list_goes_on(text: str, key: str, toks: Sequence[_Tok], j: int, separator: str) -> bool:
    """After "," or "và", the phrase goes on to another unit (or a capital after "và")."""
    if j >= len(toks):
        return False
    if separator == "va" and _capital(text, toks[j]):
        return True
    return bool(_unit_head(text, key, toks, j, listed=True))


def _phrase_step(text: str, key: str, toks: Sequence[_Tok], j: int, word: str) -> int:
    """How many tokens the phrase takes at ``j`` (0: it ends before ``j``)."""
    if word in _JOINERS:
        return 1
    if word in {",", "va"}:
        return int(_list_goes_on(text, key, toks, j + 1, word))
    if not word[0].isalnum():
        return 0
    if _capital(text, toks[j]):
        return 1
    for words in _CONTINUATIONS:
        if _words(toks, j, len(words)) == words:
            return len(words)
    return 0 if word in _STOP or _verb_at(toks, j) else 1


# ---------------------------------------------------------------------------------------
# Reading an item: lead, coordinators, deadline, product, work
# ---------------------------------------------------------------------------------------


@dataclass
class _Lead:
    lead: str
    end: int  # where the work starts in the clause
    person: str = ""
    title: str = ""


_PREFIX = re.compile(r"(?:ve [^:]{1,100}: |(?:dong thoi|ngoai ra|mat khac),? )")
_ISSUER = re.compile(
    rf"(?:(?:dong chi )?(?:pho )?chu tich )?(?:ubnd|uy ban nhan dan) {_LOCALITY}\b"
)
_ASSIGN = re.compile(r",? ?(?:giao cho|giao|yeu cau|de nghi) ")
_PERSON = re.compile(r"(?:dong chi|d/c|d\.c|ong|ba) ")


def _find_lead(text: str, key: str, start: int) -> _Lead | None:
    """The lead a clause names at its start: "Giao X …", "Giao đồng chí …", "X: …", "X <verb>"."""
    issuer = _ISSUER.match(key, start)
    if issuer:
        assign = _ASSIGN.match(key, _after_names(text, key, issuer.end()))
        return _assignee(text, key, assign.end()) if assign else None
    assign = _ASSIGN.match(key, start)
    if assign:
        return _assignee(text, key, assign.end())
    return _colon_lead(text, key, start) or _subject_lead(text, key, start)


def _after_names(text: str, key: str, pos: int) -> int:
    """Past the place name after "UBND xã" ("UBND xã Gia Lương")."""
    for tok in _tokens(key, pos, 4):
        if not (tok.word.isalpha() and _capital(text, tok)):
            return tok.start - (1 if key[tok.start - 1 : tok.start] == " " else 0)
    return pos


def _assignee(text: str, key: str, pos: int) -> _Lead | None:
    person = _PERSON.match(key, pos)
    if person:
        return _person(text, key, person.end())
    end = _unit_end(text, key, pos)
    return _Lead(text[pos:end], end) if end else None


def _person(text: str, key: str, pos: int) -> _Lead | None:
    """ "đồng chí Đinh Thị Thu Trang, Phó Chủ tịch UBND xã <verb> …" (the name may be missing:
    "đồng chí Phó Chủ tịch UBND xã …" then the title leads)."""
    toks = _tokens(key, pos, 24)
    names = 0
    while names < min(5, len(toks)) and toks[names].word.isalpha() and _capital(text, toks[names]):
        names += 1
    if names == 1 or (names and _unit_head(text, key, toks, 0)):
        names = 0
    name = text[pos : toks[names - 1].end] if names else ""
    i = names
    while i < len(toks) and toks[i].word in {",", "-", "–"}:
        i += 1
    title_end = i
    while title_end < len(toks) and _title_word(text, toks, title_end):
        title_end += 1
    title = text[toks[i].start : toks[title_end - 1].end] if title_end > i else ""
    end = toks[title_end - 1].end if title_end > i else (toks[names - 1].end if names else pos)
    if not name and title:
        # "đồng chí Phó Chủ tịch UBND xã Ma Văn Bình": the name closes the title
        first = _trailing_name(text, toks, i, title_end)
        if first < title_end:
            name = text[toks[first].start : toks[title_end - 1].end]
            title = text[toks[i].start : toks[first - 1].end]
    if not name and not title:
        return None
    return _Lead(name or title, end, person=name, title=title)


def _trailing_name(text: str, toks: Sequence[_Tok], low: int, high: int) -> int:
    """The first token of a name (two to five capitalised words after a word in lower case)
    ending ``toks[low:high]``; ``high`` when there is none."""
    first = high
    while first > low and toks[first - 1].word.isalpha() and _capital(text, toks[first - 1]):
        first -= 1
    after_lower = first > low and not _capital(text, toks[first - 1])
    return first if after_lower and 2 <= high - first <= 5 else high


def _title_word(text: str, toks: Sequence[_Tok], index: int) -> bool:
    word = toks[index].word
    if word in _JOINERS or word == "va":
        return True
    if not word[0].isalnum():
        return False
    return _capital(text, toks[index]) or not (word in _STOP or _verb_at(toks, index))


def _colon_lead(text: str, key: str, start: int) -> _Lead | None:
    """ "Văn phòng HĐND và UBND xã: Theo dõi …" — the unit before the colon leads."""
    colon = key.find(":", start, start + 160)
    if colon <= start:
        return None
    toks = _tokens(key, start, 24)
    inside = [t for t in toks if t.start < colon]
    if not inside or len(inside) > 20 or not _unit_head(text, key, toks, 0):
        return None
    if any(t.word in {";", "."} for t in inside):
        return None
    if any(not _capital(text, t) and _verb_at(toks, i) for i, t in enumerate(inside) if i > 0):
        return None
    return _Lead(text[start:colon].strip(), colon + 1)


def _subject_lead(text: str, key: str, start: int) -> _Lead | None:
    """ "Phòng Văn hóa - Xã hội theo dõi …": a unit as the subject, then a verb."""
    end = _unit_end(text, key, start)
    if end is None:
        return None
    following = _tokens(key, end, 2)
    if not following or not following[0].word[0].isalpha() or _capital(text, following[0]):
        return None
    return _Lead(text[start:end], end)


_COORDINATE = re.compile(r"\bphoi hop (?:voi |cung )?")


def _coordinators(text: str, key: str) -> list[str]:
    """Each unit phrase after "phối hợp (với)", as written."""
    found: list[str] = []
    for match in islice(_COORDINATE.finditer(key), 20):
        end = _unit_end(text, key, match.end())
        if end:
            found.append(text[match.end() : end].strip(" ,"))
    return found


# -- deadlines ---------------------------------------------------------------------------

_DATE = r"(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{1,2} thang \d{1,2}(?: nam \d{4})?)(?![\d/])"
_YEAR = r"(?:/\d{4}| nam \d{4})"
_PERIOD = (
    rf"(?:thang \d{{1,2}}{_YEAR}?|qu[yi] [ivx]{{1,4}}{_YEAR}?"
    rf"|(?:6 thang (?:dau|cuoi) )?nam \d{{4}})"
)
_STRONG = (
    re.compile(rf"\btu (?:ngay )?{_DATE} (?:den|toi) (?:het )?(?:ngay )?{_DATE}"),
    re.compile(
        rf"\b(?:truoc|cham nhat(?: la)?(?: vao)?|han chot(?: la)?|den het)(?: ngay)? "
        rf"(?:{_DATE}|\d{{1,2}} hang (?:thang|quy|nam)\b)"
    ),
    re.compile(rf"\b(?:vao|trong) ngay {_DATE}"),
    re.compile(rf"\b(?:trong|vao|truoc|cham nhat(?: la)?|den het) {_PERIOD}"),
    re.compile(
        r"\bkhi (?:co|duoc) (?:huong dan|ke hoach|van ban|chi dao|yeu cau|chu truong"
        r"|quyet dinh|kinh phi)[^,;.()]{0,60}(?=\s*(?:[.;]|$))"
    ),
)
_TO_YEAR = re.compile(r"\bden (?:het )?nam \d{4}")
_FREQUENCY = re.compile(r"\b(?:dinh ky )?hang (?:ngay|tuan|thang|quy|nam)\b")
_PERIODIC = re.compile(r"\bdinh ky(?: 6 thang| hoac dot xuat)?\b")
_ALWAYS = re.compile(r"\bthuong xuyen\b")
_INLINE = re.compile(
    r"\b(?:thoi gian|thoi han)(?: thuc hien| hoan thanh)?(?: thi diem)? ?: ?([^.;]{1,80})"
)
_BARE = re.compile(r"\b(?:thang \d{1,2}/\d{4}|qu[yi] [ivx]{1,4}/\d{4})")
_DOING = re.compile(
    r"(?:bao cao(?: ket qua)?|thuc hien|kiem tra|danh gia|to chuc|cap nhat|ra soat|tong ket"
    r"|so ket) $"
)


def _clause_start(key: str, pos: int) -> bool:
    before = key[max(0, pos - 3) : pos].rstrip()
    return pos == 0 or not before or before[-1] in ",;:."


def _deadline_span(key: str) -> tuple[int, int] | None:
    """Where the deadline words are in a clause (see the module doc), None when none."""
    inline = _INLINE.search(key)
    if inline:
        return inline.start(1), inline.start(1) + len(inline.group(1).rstrip())
    spans = [(m.start(), m.end()) for pattern in _STRONG for m in pattern.finditer(key)]
    spans += [(m.start(), m.end()) for m in _TO_YEAR.finditer(key) if _clause_start(key, m.start())]
    spans += [(m.start(), m.end()) for m in _FREQUENCY.finditer(key) if _recurs(key, m)]
    spans += [
        (m.start(), m.end())
        for m in _PERIODIC.finditer(key)
        if _clause_start(key, m.start()) or key.startswith(" bao cao", m.end())
    ]
    spans += [(m.start(), m.end()) for m in _ALWAYS.finditer(key) if _clause_start(key, m.start())]
    if spans:
        return min(spans, key=lambda span: (span[0], -span[1]))
    bare = _BARE.search(key)
    return (bare.start(), bare.end()) if bare else None


def _recurs(key: str, match: re.Match[str]) -> bool:
    """ "hằng tháng" says when the work recurs (not "Kế hoạch … hằng năm")."""
    if match.group().startswith("dinh ky") or _clause_start(key, match.start()):
        return True
    return bool(_DOING.search(key, max(0, match.start() - 20), match.start()))


_FILLER_BEFORE = re.compile(
    r"[,;.:\s]*(?:(?:thoi gian|thoi han)(?: thuc hien| hoan thanh| thi diem)? ?:?"
    r"|(?:phai )?hoan thanh(?: xong)?|xong|thuc hien)?\s*"
)
_FILLER_AFTER = re.compile(r"\s*(?:phai hoan thanh|hoan thanh|xong)?[\s.;,/]*")


def _without_deadline(key: str, span: tuple[int, int]) -> int:
    """Where the work ends when the clause ends with its deadline ("…, hoàn thành trước ngày
    …"); the clause's length otherwise."""
    start, end = span
    cut = max(key.rfind(mark, 0, start) for mark in (", ", "; ", ". ", ": "))
    if cut <= 0:
        return len(key)
    if _FILLER_BEFORE.fullmatch(key, cut, start) and _FILLER_AFTER.fullmatch(key, end):
        return cut
    return len(key)


# -- products ----------------------------------------------------------------------------

_DOCUMENTS = {
    "ke hoach": "Kế hoạch",
    "bao cao": "Báo cáo",
    "to trinh": "Tờ trình",
    "quyet dinh": "Quyết định",
    "cong van": "Công văn",
    "thong bao": "Thông báo",
    "chuong trinh": "Chương trình",
    "de an": "Đề án",
    "phuong an": "Phương án",
    "quy che": "Quy chế",
    "quy dinh": "Quy định",
    "huong dan": "Hướng dẫn",
    "nghi quyet": "Nghị quyết",
    "du toan": "Dự toán",
    "danh muc": "Danh mục",
    "danh sach": "Danh sách",
    "lich truc": "Lịch trực",
    "the le": "Thể lệ",
    "chuyen muc": "Chuyên mục",
    "chuyen trang": "Chuyên trang",
    "hoi nghi": "Hội nghị",
    "bien ban": "Biên bản",
    "de cuong": "Đề cương",
    "chi thi": "Chỉ thị",
}
_DOC = "|".join(sorted(_DOCUMENTS, key=len, reverse=True))
_MAKE = (
    "tham muu|ban hanh|xay dung|trinh|lap|soan thao|du thao|chuan bi|hoan thien|de xuat|bo tri|gui"
)
_CHAIN = f"{_MAKE}|trien khai|duy tri|sua doi|bo sung|thuc hien"
_ADDRESSEE = (
    r"(?:cho )?(?:(?:chu tich )?(?:ubnd|uy ban nhan dan)(?: (?:xa|phuong))?|chu tich"
    r"|thuong truc hdnd(?: xa)?)"
)
_PRODUCED = re.compile(
    rf"\b(?:{_MAKE})(?: {_ADDRESSEE})?(?:(?:,| va)? (?:{_CHAIN}))*(?: (?:cac|mot so|\d{{1,2}}))?"
    rf" (?:du thao )?({_DOC})\b(?! so \d| nay\b)"
)
_MORE_DOC = re.compile(rf"(?:,| va) (du thao )?({_DOC})\b(?! so \d| nay\b)")
_MEETING_HELD = re.compile(r"\bto chuc(?: thuc hien)? (hoi nghi)\b")
_TARGET = re.compile(
    r"\bdat (?:tu |tren |toi thieu |it nhat |khoang )?\d{1,3}(?:[.,]\d{1,2})? ?%(?: tro len)?"
)
_SHARE = re.compile(r"\b(?:bao dam|dam bao|phan dau) (\d{1,3}(?:[.,]\d{1,2})? ?%[^,;.()]{1,80})")
_REPORT = re.compile(
    r"(?:^|[,;] |\b)bao cao(?= (?:ket qua|tinh hinh|tien do|ve|voi|ubnd|uy ban|chu tich"
    r"|thuong truc|so|cap tren|dinh ky|hang|truoc|cham nhat|kip thoi|tong ket|so ket|danh gia"
    r"|cong tac|cchc|bo sung|nhu cau)\b|\s*[.;,)]|$)"
)
_NOT_REPORT = re.compile(r"(?:che do|he thong|thong tin|nghe|theo|(?<!dinh )ky|mau|bieu) $")


def _product(text: str, key: str) -> str:
    """The expected product the clause names: a document made or submitted ("tham mưu ban
    hành Kế hoạch …"), a % target, a report; "" when none."""
    made = _PRODUCED.search(key) or _MEETING_HELD.search(key)
    if made:
        return _documents(key, made)
    target = _TARGET.search(key)
    if target:
        return text[target.start() : target.end()]
    share = _SHARE.search(key)
    if share:
        return text[share.start(1) : share.end(1)].strip()
    for report in _REPORT.finditer(key):
        if not _NOT_REPORT.search(key, max(0, report.start() - 12), report.start()):
            return "Báo cáo"
    return ""


def _documents(key: str, made: re.Match[str]) -> str:
    names = [_document_name(key, made.start(1), made.group(1))]
    end = made.end()
    for _ in range(3):
        more = _MORE_DOC.match(key, end)
        if not more:
            break
        names.append(("Dự thảo " if more.group(1) else "") + _DOCUMENTS[more.group(2)])
        end = more.end()
    return "; ".join(names)


def _document_name(key: str, start: int, doc: str) -> str:
    draft = key[max(0, start - 8) : start] == "du thao "
    name = _DOCUMENTS[doc]
    return f"Dự thảo {name}" if draft and doc != "du thao" else name


# -- skipping ----------------------------------------------------------------------------

_CLOSING = re.compile(
    r"^tren day la\b|\bbiet,? (?:va )?(?:phoi hop )?thuc hien\b"
    r"|^nhan duoc (?:cong van|thong bao|van ban|ke hoach)"
    r"|\bqua trinh (?:trien khai |to chuc )?thuc hien,? neu co (?:kho khan|vuong mac)"
)
_GENERIC_CLOSING = re.compile(
    r"(?:nghiem tuc|quan tam|khan truong)[ ,]{1,3}(?:(?:to chuc|trien khai|phoi hop),? ){0,3}"
    r"thuc hien(?: (?:ke hoach|thong bao|cong van) nay)?[\s./]*$"
)
_MEETING = re.compile(r"^(?:sang |chieu |toi )?ngay \d|\btham du (?:cuoc hop|hoi nghi|buoi)")
_ACCOUNTABLE = re.compile(r"^.{0,90}?\b(?:chiu|co) trach nhiem truoc\b")
_FORBIDDEN = re.compile(r"^(?:nghiem cam|cam |khong duoc|tuyet doi khong|khong de )")
_APPROVAL = re.compile(
    r"^(?:khong |chua )?(?:thong nhat|dong y|nhat tri|chap thuan)\b(?! voi (?:phong|trung tam))"
)
_ASSESSMENT = re.compile(
    r"^(?:nhin chung|ben canh (?:nhung )?(?:ket qua|mat)|tuy nhien|ve co ban)"
    r"|^(?:danh gia cao|ghi nhan|bieu duong|hoan nghenh)\b"
    r"|^(?:dong chi )?(?:pho )?(?:chu tich )?(?:ubnd|uy ban nhan dan)[^,;.]{0,40}? "
    r"(?:danh gia|ghi nhan|bieu duong|hoan nghenh|khen ngoi)\b"
    r"|^.{0,60}?\b(?:chu tich|ubnd)[^,;.]{0,20}? (?:ghi nhan|bieu duong|danh gia cao)\b"
    r"|\b(?:con|van con) (?:mot so |nhieu )?(?:han che|ton tai|kho khan|bat cap)"
)
_REQUEST = re.compile(r"(kien nghi|de nghi|de xuat) ")
_OUTSIDE = re.compile(
    r"(?:(?:ban thuong truc |uy ban |ub ?)?(?:mat tran|mttq|ubmttq)"
    r"|cac (?:doan the|to chuc chinh tri)|doan (?:thanh nien|the)"
    r"|hoi (?:lien hiep|nong dan|cuu chien binh|phu nu|nguoi cao tuoi|chu thap do)|cong doan"
    r"|(?:thuong truc |ban thuong vu )?dang uy"
    r"|(?:thuong truc |cac ban )?(?:hdnd|hoi dong nhan dan)"
    r"|(?:ubnd|uy ban nhan dan) (?:tinh|huyen|thanh pho|thi xa)|so |cac so|bo |chi cuc|kho bac"
    r"|ngan hang|buu dien|vien thong|bao hiem xa hoi|toa an|vien kiem sat|(?:cac )?doanh nghiep"
    r"|cap tren|cap co tham quyen|tinh |huyen )"
)


def _skip_reason(key: str) -> str | None:
    """Why a clause is not an assignment, None when it may be one."""
    if _CLOSING.search(key) or (len(key) < 240 and _GENERIC_CLOSING.search(key)):
        return CLOSING
    checks = (
        (_MEETING, MEETING),
        (_ACCOUNTABLE, ACCOUNTABILITY),
        (_FORBIDDEN, PROHIBITION),
        (_APPROVAL, APPROVAL),
        (_ASSESSMENT, ASSESSMENT),
    )
    for pattern, reason in checks:
        if pattern.search(key):
            return reason
    request = _REQUEST.match(key)
    if request and (request.group(1) == "kien nghi" or _OUTSIDE.match(key, request.end())):
        return EXTERNAL
    return None


def _note(text: str) -> bool:
    return text.startswith("(") and text.rstrip(" .;").endswith(")")


# -- headings ----------------------------------------------------------------------------

_OBJECTIVE = re.compile(r"(?:ve )?(?:muc tieu|muc dich|yeu cau|(?:mot so )?chi tieu|quan diem)\b")
_FUNDS = re.compile(r"(?:nguon |du tru )?kinh phi\b")
_REVIEW = re.compile(r"(?:ve )?(?:tinh hinh|ket qua (?:dat duoc|thuc hien)|danh gia)\b")
_DUTY = re.compile(r"trach nhiem (?:cu the )?cua ")
_FOR = re.compile(r"(?:doi voi|rieng doi voi|rieng) ")  # "Đối với Phòng Kinh tế:"
_ANYWHERE_ASSIGN = re.compile(r"\b(?:giao cho|giao|yeu cau|de nghi) ")


@dataclass(eq=False)
class _Heading:
    context: str = ""  # the reason nothing under it is a task
    lead: str = ""
    person: str = ""
    title: str = ""
    coordinators: list[str] = field(default_factory=list)
    deadline: str = ""
    used: bool = False


def _read_heading(body: str, intro: bool) -> _Heading:
    key = _key(body)
    if _OBJECTIVE.match(key) and "nhiem vu" not in key[:120]:
        return _Heading(context=OBJECTIVE)
    if _FUNDS.match(key):
        return _Heading(context=FUNDS)
    if _REVIEW.match(key):
        return _Heading(context=ASSESSMENT)
    request = _REQUEST.match(key)
    if request and _OUTSIDE.match(key, request.end()):
        return _Heading(context=EXTERNAL)
    found = _heading_lead(body, key, intro)
    heading = _Heading()
    if found:
        heading.lead, heading.person, heading.title = found.lead, found.person, found.title
        heading.coordinators = _coordinators(body, key)
        span = _deadline_span(key)
        heading.deadline = body[span[0] : span[1]] if span else ""
    return heading


def _heading_lead(body: str, key: str, intro: bool) -> _Lead | None:
    named = _FOR.match(key)
    if named and _unit_heading(body[named.end() :]):
        return _Lead(body[named.end() :].rstrip(" .:"), len(body))
    duty = _DUTY.match(key)
    if duty and _unit_end(body, key, duty.end()):
        return _Lead(body[duty.end() :].rstrip(" .:"), len(body))
    found = _find_lead(body, key, 0)
    if found:
        return found
    if not intro and _unit_end(body, key, 0) and ":" not in body:
        return _Lead(body.rstrip(" .:"), len(body))
    if intro:
        for match in islice(_ANYWHERE_ASSIGN.finditer(key), 5):
            end = _unit_end(body, key, match.end())
            if end:
                return _Lead(body[match.end() : end], end)
    return None


# -- labels ------------------------------------------------------------------------------

_LABEL_NAME = (
    r"(?:(?:co quan|don vi|bo phan) (?:chu tri|thuc hien|phoi hop)|chu tri|phoi hop"
    r"|nguoi thuc hien|(?:thoi gian|thoi han|tien do)(?: thuc hien| hoan thanh)?"
    r"|(?:san pham|ket qua)(?: du kien| dau ra| chinh)?|noi dung(?: thuc hien| cong viec)?"
    r"|(?:nguon |du tru )?kinh phi(?: thuc hien)?)"
)
_LABEL = re.compile(rf"{_LABEL_NAME} ?:")
_LABEL_ANY = re.compile(rf"(?:^|(?<=[.;] ))({_LABEL_NAME}) ?:")
_LEAD_SPLIT = re.compile(r",? (?:va )?phoi hop (?:voi |cung )?")


@dataclass
class _Labels:
    lead: str = ""
    coordinators: list[str] = field(default_factory=list)
    deadline: str = ""
    product: str = ""
    content: str = ""

    def fill(self, other: _Labels) -> None:
        self.lead = self.lead or other.lead
        self.coordinators += [c for c in other.coordinators if c not in self.coordinators]
        self.deadline = self.deadline or other.deadline
        self.product = self.product or other.product
        self.content = self.content or other.content


def _labels(body: str) -> _Labels | None:
    """The labels of a paragraph ("Cơ quan chủ trì: …. Thời gian: …."), None when it is
    not a label line."""
    key = _key(body)
    if not _LABEL.match(key):
        return _bare_deadline(body, key)
    labels = _Labels()
    found = list(islice(_LABEL_ANY.finditer(key), 12))
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(body)
        _label(labels, match.group(1), body[match.end() : end].strip(" .;"))
    return labels


def _label(labels: _Labels, name: str, value: str) -> None:
    if not value:
        return
    if name.startswith(("thoi", "tien do")):
        labels.deadline = labels.deadline or value
    elif name.endswith(("chu tri", "thuc hien")):
        parts = _LEAD_SPLIT.split(_key(value), maxsplit=1)
        labels.lead = labels.lead or value[: len(parts[0])].strip(" ,")
        if len(parts) > 1:
            labels.coordinators.append(value[len(value) - len(parts[1]) :].strip(" ,"))
    elif name.endswith("phoi hop"):
        labels.coordinators += [part.strip() for part in value.split(";") if part.strip()]
    elif name.startswith(("san pham", "ket qua")):
        labels.product = labels.product or value
    elif name.startswith("noi dung"):
        labels.content = labels.content or value


def _bare_deadline(body: str, key: str) -> _Labels | None:
    """ "Hoàn thành trước ngày 31/12/2025." alone under a list: a deadline label."""
    span = _deadline_span(key)
    if span is None or not _FILLER_BEFORE.fullmatch(key, 0, span[0]):
        return None
    if not _FILLER_AFTER.fullmatch(key, span[1]):
        return None
    return _Labels(deadline=body[span[0] : span[1]])


# ---------------------------------------------------------------------------------------
# The outline and the reader
# ---------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Cand:
    """A task being read; fields filled from its own words, then labels, then headings."""

    pos: int
    line: int
    ref: str
    work: str
    words: str
    own: _Lead | None
    coordinators: list[str]
    deadline: str
    product: str
    weak: bool = False  # no lead and no verb yet: a task only if a label gives its lead
    source: _Node | None = None  # the heading that gives its lead
    due_from: _Heading | None = None  # the nearest heading giving a deadline
    labels: _Labels = field(default_factory=_Labels)
    sections: tuple[str, ...] = ()  # the headings above it, innermost first


@dataclass(eq=False)
class _Node:
    index: int
    para: _Para
    mark: _Mark
    body: str
    labels: _Labels | None
    style: str | None = None
    frame: bool = False
    parent: _Node | None = None
    previous: _Node | None = None  # the sibling just before it
    children: list[_Node] = field(default_factory=list)
    heading: _Heading | None = None
    events: list[_Cand | _Labels] = field(default_factory=list)


def _node(index: int, para: _Para) -> _Node:
    mark = _mark(para.text)
    body = para.text[mark.end :].strip()
    node = _Node(index, para, mark, body, _labels(body) if len(body) <= MAX_ITEM else None)
    if node.labels is not None:
        return node
    if mark.style in {"-", "+", "•"}:
        node.style, node.frame = mark.style, body.endswith(":")
    elif mark.style:
        node.style, node.frame = mark.style, True
    elif _all_caps(body):
        node.style, node.frame = "roman", True
    elif body.endswith(":"):
        node.style, node.frame = ("unit" if _unit_heading(body) else "intro"), True
    return node


def _unit_heading(body: str) -> bool:
    key = _key(body)
    end = _unit_end(body, key, 0)
    return end is not None and not body[end:].strip(" :")


def _outline(nodes: list[_Node]) -> None:
    """Give each node its parent: the numbering style decides the nesting (a style seen
    again closes everything opened since it)."""
    stack: list[_Node] = []
    top: list[_Node] = []
    for node in nodes:
        if node.style is not None:
            same = next(
                (i for i in range(len(stack) - 1, -1, -1) if stack[i].style == node.style), None
            )
            if same is not None and (node.style not in {"intro", "unit"} or same == len(stack) - 1):
                del stack[same:]
            elif node.style == "roman":
                stack.clear()
        node.parent = stack[-1] if stack else None
        siblings = node.parent.children if node.parent is not None else top
        node.previous = siblings[-1] if siblings else None
        siblings.append(node)
        if node.frame:
            stack.append(node)


def _is_heading(node: _Node) -> bool:
    if not node.frame:
        return False
    if node.body.endswith(":"):
        return True
    kids = [c for c in node.children if c.labels is None]
    if not kids:
        return False
    if node.style == "roman" or any(c.frame or c.mark.style for c in kids):
        return True
    return len(node.body.split()) <= 15 and not node.body.endswith((".", ";"))


def _inline_work(body: str) -> bool:
    """True for a unit heading with its own task after the colon ("X: Làm …." not "X:")."""
    lead = _colon_lead(body, _key(body), 0)
    return lead is not None and bool(body[lead.end :].strip()) and not body.endswith(":")


def _ancestors(node: _Node | None) -> Iterator[_Node]:
    while node is not None:
        yield node
        node = node.parent


_SPLIT = re.compile(r"[;.] (?=(?:giao|yeu cau|de nghi) )")
_MAX_CLAUSES = 50


@dataclass
class _Reading:
    lead: _Lead | None
    verb: bool  # the work starts with a verb ("Rà soát …", "Tiếp tục …")
    work: str
    coordinators: list[str]
    deadline: str
    product: str


def _clause_spans(key: str) -> list[tuple[int, int]]:
    """An item split where a second assignment starts ("…; giao Văn phòng …")."""
    cuts = [m.start() + 1 for m in islice(_SPLIT.finditer(key), _MAX_CLAUSES - 1)]
    bounds = [0, *cuts, len(key)]
    return [(a, b) for a, b in pairwise(bounds) if key[a:b].strip(" ;.")]


def _read_clause(text: str, key: str) -> _Reading | str:
    """What one clause assigns, or why it assigns nothing."""
    if _note(text):
        return NOTE
    prefix = _PREFIX.match(key)
    start = prefix.end() if prefix else 0
    reason = _skip_reason(key[start:])
    if reason:
        return reason
    lead = _find_lead(text, key, start)
    if lead is None and _ISSUER.match(key, start):
        return NO_TASK
    begin = lead.end if lead else start
    if lead is not None and _FORBIDDEN.match(key[begin:].lstrip(" ,")):
        return PROHIBITION  # "Các cơ quan, đơn vị không được …"
    span = _deadline_span(key)
    work_from = _past_scaffold(text, key, begin)
    work_to = _without_deadline(key, span) if span else len(key)
    lead_key = _key(lead.lead) if lead else ""
    return _Reading(
        lead=lead,
        verb=_starts_with_verb(key, begin),
        work=_tidy(text[work_from:work_to]) or _tidy(text[start:]) or _tidy(text),
        coordinators=[c for c in _coordinators(text, key) if _key(c) != lead_key],
        deadline=text[span[0] : span[1]].strip() if span else "",
        product=_product(text, key),
    )


_SCAFFOLD = re.compile(r"chu tri\b(?!:)|(?:va )?phoi hop (?:voi |cung )?")


def _past_scaffold(text: str, key: str, pos: int) -> int:
    """Past "chủ trì, phối hợp với <units>" at the start of the work."""
    for _ in range(4):
        while pos < len(key) and key[pos] in " ,":
            pos += 1
        found = _SCAFFOLD.match(key, pos)
        if not found:
            break
        if found.group().startswith("chu tri"):
            pos = found.end()
            continue
        end = _unit_end(text, key, found.end())
        if end is None:
            break
        pos = end
    return pos


def _starts_with_verb(key: str, pos: int) -> bool:
    toks = _tokens(key, pos, 3)
    while toks and toks[0].word in {",", ":", "-"}:
        toks = toks[1:]
    return bool(toks) and _verb_at(toks, 0)


def _tidy(text: str) -> str:
    text = text.strip(" ,;:").rstrip(" .;,:/")
    return text[:1].upper() + text[1:] if text else ""


def _label_owner(node: _Node) -> _Node | None:
    """The item or heading a label line fills: its parent, or the parent's parent when the
    parent is one of several items in a row (the labels cover them all)."""
    owner = node.parent
    if owner is None or _is_heading(owner):
        return owner
    before = owner.previous
    if before is None or _is_heading(before) or before.labels is not None:
        return owner
    labelled = any(child.labels is not None for child in before.children)
    return owner if labelled else owner.parent


def _lead_source(node: _Node) -> _Node | None:
    return next(
        (a for a in _ancestors(node.parent) if a.heading is not None and a.heading.lead), None
    )


def _ref(node: _Node) -> str:
    return next((a.mark.ref for a in _ancestors(node) if a.mark.ref), "")


def _apply_labels(events: list[_Cand | _Labels]) -> None:
    """Each run of label lines fills the run of items just above it (or, when none is
    above, the run just below)."""
    runs: list[list[_Cand | _Labels]] = []
    for event in events:
        if runs and isinstance(runs[-1][0], _Labels) == isinstance(event, _Labels):
            runs[-1].append(event)
        else:
            runs.append([event])
    for index, run in enumerate(runs):
        if not isinstance(run[0], _Labels):
            continue
        merged = _Labels()
        for labels in run:
            if isinstance(labels, _Labels):
                merged.fill(labels)
        target = runs[index - 1] if index > 0 else runs[index + 1] if index + 1 < len(runs) else []
        for cand in target:
            if isinstance(cand, _Cand):
                cand.labels.fill(merged)


class _Reader:
    """Walks the body of the document in order (see the module doc)."""

    def __init__(self, paras: list[_Para], zones: _Zones) -> None:
        self.paras = paras
        self.zones = zones
        self.skipped: list[Skipped] = []
        self.cands: list[_Cand] = []
        self.root: list[_Cand | _Labels] = []
        self.numbered = False

    def read(self) -> tuple[list[Proposal], list[Skipped]]:
        for para in (*self.paras[: self.zones.body], *self.paras[self.zones.footer :]):
            self._skip(para, FURNITURE)
        nodes = [_node(i, self.paras[i]) for i in range(self.zones.body, self.zones.footer)]
        _outline(nodes)
        for node in nodes:
            self._visit(node)
        for node in nodes:
            _apply_labels(node.events)
            heading = node.heading
            if heading and heading.lead and not heading.used and node.style != "intro":
                self._skip(node.para, HEADING)
        _apply_labels(self.root)
        weak = [c for c in self.cands if c.weak and not c.labels.lead]
        self.skipped += [Skipped(c.line, c.words, NO_TASK) for c in weak]
        self.skipped.sort(key=lambda s: s.line)
        return _proposals([c for c in self.cands if c not in weak]), self.skipped

    def _skip(self, para: _Para, reason: str) -> None:
        self.skipped.append(Skipped(para.number, para.raw, reason))

    def _visit(self, node: _Node) -> None:
        self.numbered = self.numbered or node.mark.style is not None
        context = _context(node)
        if node.labels is not None:
            if context:
                self._skip(node.para, context)
            else:
                owner = _label_owner(node)
                (owner.events if owner is not None else self.root).append(node.labels)
        elif not self.numbered and _key(node.body).startswith("can cu"):
            self._skip(node.para, BASIS)
        elif len(node.body) > MAX_ITEM:
            self._skip(node.para, TOO_LONG)
        elif _is_heading(node):
            self._heading(node, context)
        elif context or _note(node.body):
            self._skip(node.para, context or NOTE)
        else:
            self._item(node)

    def _heading(self, node: _Node, context: str) -> None:
        node.heading = _read_heading(node.body, node.style == "intro")
        if context or node.heading.context:
            self._skip(node.para, context or node.heading.context)
        elif node.style == "intro":
            self._skip(node.para, MEETING if _MEETING.search(_key(node.body)) else INTRO)
        elif not node.heading.lead:
            self._skip(node.para, HEADING)
        elif _inline_work(node.body):
            # "2. Công an xã: Làm sạch dữ liệu dân cư." and bullets below: both are tasks
            self._item(node)

    def _item(self, node: _Node) -> None:
        para = node.para
        offset = len(para.text) - len(para.text[node.mark.end :].lstrip())
        key = _key(node.body)
        spans = _clause_spans(key)
        split = len(spans) > 1
        for start, end in spans:
            clause = node.body[start:end].strip(" ;.") if split else node.body
            line = para.line_at(offset + start) if split else para.number
            words = clause if split else para.raw
            reading = _read_clause(clause, _key(clause))
            if isinstance(reading, str):
                self.skipped.append(Skipped(line, words, reading))
            else:
                self._propose(node, reading, words, line)

    def _propose(self, node: _Node, reading: _Reading, words: str, line: int) -> None:
        source = None if reading.lead else _lead_source(node)
        if source is not None and source.heading is not None:
            source.heading.used = True
            if source.style != "intro":
                words = f"{source.para.raw}\n{words}"
        cand = _Cand(
            pos=node.index,
            line=line,
            ref=_ref(node),
            work=reading.work,
            words=words,
            own=reading.lead,
            coordinators=reading.coordinators,
            deadline=reading.deadline,
            product=reading.product,
            weak=reading.lead is None and source is None and not reading.verb,
            source=source,
            due_from=next(
                (a.heading for a in _ancestors(node.parent) if a.heading and a.heading.deadline),
                None,
            ),
            sections=tuple(a.body for a in _ancestors(node.parent)),
        )
        self.cands.append(cand)
        for frame in _ancestors(node):
            if frame.frame:
                frame.events.append(cand)
        self.root.append(cand)


def _context(node: _Node) -> str:
    """The reason nothing under the nearest heading with one is a task ("" when none)."""
    return next(
        (a.heading.context for a in _ancestors(node.parent) if a.heading and a.heading.context),
        "",
    )


# ---------------------------------------------------------------------------------------
# Proposals
# ---------------------------------------------------------------------------------------


def _proposals(cands: list[_Cand]) -> list[Proposal]:
    refs = _unique_refs([cand.ref for cand in cands])
    return [_proposal(cand, ref) for cand, ref in zip(cands, refs, strict=True)]


def _proposal(cand: _Cand, ref: str) -> Proposal:
    heading = cand.source.heading if cand.source is not None else None
    if cand.own is not None:
        lead, person, title = cand.own.lead, cand.own.person, cand.own.title
    elif cand.labels.lead:
        lead, person, title = cand.labels.lead, "", ""
    elif heading is not None:
        lead, person, title = heading.lead, heading.person, heading.title
    else:
        lead, person, title = "", "", ""
    coordinators = [*cand.coordinators, *cand.labels.coordinators]
    if heading is not None and cand.own is None and not cand.labels.lead:
        coordinators += heading.coordinators
    deadline = cand.deadline or cand.labels.deadline
    if not deadline and cand.due_from is not None:
        deadline = cand.due_from.deadline
    product = cand.labels.product or cand.product
    work = f"{cand.work}: {cand.labels.content}" if cand.labels.content else cand.work
    return Proposal(
        ref=ref,
        work=work,
        lead=lead,
        coordinators="; ".join(_distinct(coordinators, lead)),
        deadline=deadline,
        product=product,
        person=person,
        words=cand.words,
        line=cand.line,
        unclear=_unclear(lead, person, deadline, product),
        person_title=title,
        sections=cand.sections,
    )


def _distinct(names: list[str], lead: str) -> list[str]:
    seen = {_key(lead)}
    kept: list[str] = []
    for name in names:
        if name and _key(name) not in seen:
            seen.add(_key(name))
            kept.append(name)
    return kept


def _unique_refs(refs: list[str]) -> list[str]:
    """Refs as written, a ref shared by several proposals suffixed ".1", ".2" …"""
    counts: dict[str, int] = {}
    for ref in refs:
        counts[ref] = counts.get(ref, 0) + 1
    taken = set(refs)
    following: dict[str, int] = {}
    unique: list[str] = []
    for ref in refs:
        if counts[ref] == 1:
            unique.append(ref)
            continue
        while True:
            following[ref] = following.get(ref, 0) + 1
            candidate = f"{ref}.{following[ref]}" if ref else str(following[ref])
            if candidate not in taken:
                break
        taken.add(candidate)
        unique.append(candidate)
    return unique


def _unclear(lead: str, person: str, deadline: str, product: str) -> tuple[str, ...]:
    notes: list[str] = []
    if not lead:
        notes.append(UNCLEAR_LEAD)
    elif not person and _several(lead):
        notes.append(UNCLEAR_SEVERAL)
    if not deadline:
        notes.append(UNCLEAR_DEADLINE)
    if not product:
        notes.append(UNCLEAR_PRODUCT)
    return tuple(notes)


_LIST_SEPARATOR = re.compile(r",|;| (?<!hdnd )va (?!ubnd)")


def _several(lead: str) -> bool:
    """True when the lead names a collective ("các phòng, ban …") or more than one unit."""
    key = _key(lead)
    if re.search(r"(?:^| )cac ", key):
        return True
    starts = [0, *(m.end() for m in _LIST_SEPARATOR.finditer(key))]
    units = 0
    for start in starts:
        begin = start + len(key[start:]) - len(key[start:].lstrip(" "))
        units += begin < len(key) and _unit_end(lead, key, begin) is not None
    return units >= 2
